# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The parts of the ocp_task_wait action plugin that are not the supervisor's."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.oceanbase.ocp.plugins.action.ocp_task_wait import (
    _secret_values,
    _SleepWhileTheControllerLives,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpClientError
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.arguments import task_wait_argument_spec


def test_the_pause_goes_on_while_the_controller_lives_and_stops_once_it_is_gone():
    slept = []
    parents = iter([100, 100, 1])  # at start, after the first pause, after the second (re-parented)
    pause = _SleepWhileTheControllerLives(sleep=slept.append, parent_pid=lambda: next(parents))
    pause(2)
    with pytest.raises(OcpClientError, match='has gone; running again is safe'):
        pause(3)
    assert slept == [2, 3]


def test_secret_values_are_those_of_the_no_log_options():
    params = dict((name, None) for name in task_wait_argument_spec())
    params.update(username='admin', password='pa55', access_key_secret='', api_url='http://ocp')
    assert _secret_values(task_wait_argument_spec(), params) == set(['pa55'])


def test_an_error_of_the_collection_still_reports_every_task(monkeypatch):
    """Without the report, the role and set_stats would know of no task at all (they said 0 tasks)."""
    from in_process import run_action
    from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.supervisor import Supervisor

    def broken(self):
        raise KeyError('status')
    monkeypatch.setattr(Supervisor, '_round', broken)
    result = run_action(dict(api_url='https://ocp.test', username='admin', password='pw', tasks=[5, 6]))
    assert result['failed'] is True
    assert [(task['id'], task['outcome']) for task in result['tasks']] == [(5, None), (6, None)]
    assert result['summary']['total'] == 2 and result['summary']['unfinished'] == 2
    assert result['msg'].startswith("supervising the tasks stopped on an error of the collection (KeyError: 'status');")
    assert 'Traceback' in result['exception']
