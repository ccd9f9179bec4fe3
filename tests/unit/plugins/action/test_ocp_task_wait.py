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
