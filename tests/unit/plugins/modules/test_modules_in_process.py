# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Each module's main() (and ocp_task_wait's action plugin) in-process against the simulator on a
clock only the test moves: what a playbook would register, in milliseconds. One real
ansible-playbook run per module stays in tests/integration."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.oceanbase.ocp.plugins.modules import (
    ocp_api, ocp_subtask_action, ocp_task_action, ocp_task_info)

from in_process import InProcessSimulator, run_action, run_module

HOUR = 3600
POOL = 'Create resource pool'


@pytest.fixture
def ocp():
    with InProcessSimulator() as simulator:
        yield simulator


def failed_task(ocp):
    """A tenant creation whose resource pool fails on its first run only, FAILED once time passed."""
    task = ocp.create_task('create_tenant', tenant_id=1002, faults={POOL: [{'fail_attempts': [1, 1]}]})
    ocp.advance(HOUR)
    return task['id']


def posts(ocp):
    return [path for path, _status in ocp.posts()]


def test_ocp_task_info_reads_a_task_and_lists_by_filter(ocp):
    task_id = failed_task(ocp)
    read = run_module(ocp_task_info, dict(ocp.connection(), task_id=task_id, subtask_logs='failed'))
    assert read['changed'] is False and read['task']['id'] == task_id and read['task']['status'] == 'FAILED'
    [failed] = read['task']['failed_subtasks']
    assert failed['name'] == POOL and failed['cause']
    listed = run_module(ocp_task_info, dict(ocp.connection(), status=['FAILED'], tenant_id=1002, all_pages=True))
    assert task_id in [task['id'] for task in listed['tasks']]
    assert all(task['status'] == 'FAILED' for task in listed['tasks'])


def test_ocp_task_action_retries_once_and_then_finds_nothing_to_do(ocp):
    task_id = failed_task(ocp)
    checked = run_module(ocp_task_action, dict(ocp.connection(), task_id=task_id, action='retry'), check_mode=True)
    assert checked['changed'] is True and posts(ocp) == []
    retried = run_module(ocp_task_action, dict(ocp.connection(), task_id=task_id, action='retry'))
    assert retried['changed'] is True and retried['performed'] is True, retried
    again = run_module(ocp_task_action, dict(ocp.connection(), task_id=task_id, action='retry'))
    assert again['changed'] is False, again
    assert posts(ocp) == ['/api/v2/tasks/instances/%d/retry' % task_id]


def test_ocp_subtask_action_skips_the_failed_subtask_by_name(ocp):
    task_id = failed_task(ocp)
    skipped = run_module(ocp_subtask_action, dict(ocp.connection(), task_id=task_id, subtask_name=POOL,
                                                  action='skip'))
    assert skipped['changed'] is True and skipped['subtask']['name'] == POOL, skipped
    [path] = posts(ocp)
    assert path.startswith('/api/v2/tasks/instances/%d/subtasks/' % task_id) and path.endswith('/skip')


def test_ocp_task_wait_retries_by_its_policy_until_the_task_succeeds(ocp):
    task_id = failed_task(ocp)
    policy = {'rules': [{'name': 'pool', 'match': {'subtask_name': 'resource pool'}, 'action': 'retry'}]}
    result = run_action(dict(ocp.connection(), tasks=[task_id], policy=policy, wait_timeout=HOUR, wait_sleep=5),
                        sleep=ocp.advance)
    assert result.get('failed') is not True, result
    [outcome] = result['tasks']
    assert (outcome['id'], outcome['outcome']) == (task_id, 'succeeded')
    assert [action['action'] for action in outcome['actions']] == ['retry']
    # The policy retries the failed subtask, not the whole task.
    [path] = posts(ocp)
    assert path.startswith('/api/v2/tasks/instances/%d/subtasks/' % task_id) and path.endswith('/retry')


def test_ocp_api_starts_a_task_and_hands_its_id_on(ocp):
    started = run_module(ocp_api, dict(ocp.connection(), method='POST', path='/api/v2/ob/clusters/1/upgrade',
                                       body={'rpmFileName': 'oceanbase-4.2.5.1-101000092024120111.el7.x86_64.rpm'}))
    assert started['changed'] is True and started['task_ids'] == [started['data']['id']]
    assert posts(ocp) == ['/api/v2/ob/clusters/1/upgrade']
