# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for carrying out an action: sending at most once, lost answers, refusals, waits.

OCP is a scripted fake TaskApi and time is a fake clock, so nothing here talks HTTP or sleeps.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.action_run import (
    ActionFailed,
    ActionRun,
    SubtaskTarget,
    TaskTarget,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import (
    OcpApiError,
    OcpConnectionError,
    OcpIllegalStateError,
    OcpPermissionError,
    OcpServerError,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.snapshot import normalize_task

TASK_ID = 1024
SUBTASK_ID = 11


def snapshot(status, operation='EXECUTE', sub_status='FAILED', sub_operation='EXECUTE', run_time=1):
    return normalize_task(dict(id=TASK_ID, name='Create tenant', status=status, operation=operation,
                               prohibitRollback=False, subtasks=[
                                   dict(id=10, seriesId=1, name='Check tenant parameters', status='SUCCESSFUL',
                                        operation='EXECUTE', runTime=1),
                                   dict(id=SUBTASK_ID, seriesId=2, name='Create resource pool', status=sub_status,
                                        operation=sub_operation, runTime=run_time)]))


class FakeApi:
    """Answers each get_task with the next snapshot (the last one repeats) and records actions."""

    def __init__(self, snapshots, action_error=None, log='line 1\nERROR 4733: unit config is not enough\n'
                                                         'Set state for subtask: 11, operation:RETRY, state: FAILED'):
        self.snapshots = list(snapshots)
        self.action_error = action_error
        self.log = log
        self.sent = []
        self.reads = 0

    def get_task(self, task_id):
        assert task_id == TASK_ID
        self.reads += 1
        return self.snapshots.pop(0) if len(self.snapshots) > 1 else self.snapshots[0]

    def get_subtask_log(self, task_id, subtask_id):
        return self.log

    def _act(self, name, *ids):
        self.sent.append((name,) + ids)
        if self.action_error is not None:
            raise self.action_error

    def retry_task(self, task_id):
        self._act('retry_task', task_id)

    def rollback_task(self, task_id):
        self._act('rollback_task', task_id)

    def retry_subtask(self, task_id, subtask_id):
        self._act('retry_subtask', task_id, subtask_id)

    def skip_subtask(self, task_id, subtask_id):
        self._act('skip_subtask', task_id, subtask_id)

    def cancel_subtask(self, task_id, subtask_id):
        self._act('cancel_subtask', task_id, subtask_id)


class FakeClient:
    last_trace_id = 'aaaaaaaaaaaaaaaa'


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def run(target, check_mode=False, fail_when_not_applicable=False, wait=False, wait_timeout=60, diff=False):
    clock = FakeClock()
    return ActionRun(target, FakeClient(), check_mode, fail_when_not_applicable, wait, wait_timeout, 5,
                     clock=clock, sleeper=clock.sleep, diff=diff).run()


def test_apply_sends_once_and_reports_the_task_read_afterwards():
    api = FakeApi([snapshot('FAILED'), snapshot('FAILED'), snapshot('RUNNING', 'RETRY', 'READY', 'RETRY', 2)])
    results = run(TaskTarget(api, 'retry', TASK_ID), diff=True)
    assert api.sent == [('retry_task', TASK_ID)]
    # Read, read again right before the POST, read after it.
    assert api.reads == 3
    assert 'FAILED/EXECUTE' in results['diff']['before'] and 'RUNNING/RETRY' in results['diff']['after']
    assert results['changed'] is True and results['performed'] is True
    assert results['decision'] == 'apply'
    assert results['task']['operation'] == 'RETRY'
    assert results['trace_id'] == 'aaaaaaaaaaaaaaaa'
    assert results['wait'] is None


def test_check_mode_predicts_and_sends_nothing():
    api = FakeApi([snapshot('FAILED')])
    results = run(SubtaskTarget(api, 'skip', TASK_ID, subtask_name='Create resource pool'), check_mode=True, wait=True,
                  diff=True)
    assert api.sent == [] and api.reads == 1
    assert results['changed'] is True and results['performed'] is False
    assert "subtask 11 'Create resource pool': FAILED/EXECUTE" in results['diff']['before']
    assert "subtask 11 'Create resource pool': READY/SKIP" in results['diff']['after']
    assert results['subtask']['id'] == SUBTASK_ID
    assert results['wait'] is None


def test_already_done_sends_nothing():
    api = FakeApi([snapshot('RUNNING', 'RETRY', 'RUNNING', 'RETRY', 2)])
    results = run(SubtaskTarget(api, 'retry', TASK_ID, subtask_id=SUBTASK_ID))
    assert api.sent == []
    assert (results['changed'], results['decision']) == (False, 'already_done')


def test_not_applicable_fails_only_when_asked():
    pending = snapshot('FAILED', sub_status='PENDING')
    assert run(SubtaskTarget(FakeApi([pending]), 'cancel', TASK_ID, subtask_id=SUBTASK_ID))['changed'] is False
    with pytest.raises(ActionFailed, match='fail_when_not_applicable is set') as raised:
        run(SubtaskTarget(FakeApi([pending]), 'cancel', TASK_ID, subtask_id=SUBTASK_ID), fail_when_not_applicable=True)
    assert raised.value.results['decision'] == 'not_applicable'


def test_not_applicable_does_not_wait():
    api = FakeApi([snapshot('RUNNING', sub_status='RUNNING')])
    results = run(TaskTarget(api, 'rollback', TASK_ID), wait=True)
    assert api.reads == 1 and results['wait'] is None


def test_impossible_fails_without_sending():
    api = FakeApi([snapshot('FAILED', 'ROLLBACK', 'FAILED', 'ROLLBACK')])
    with pytest.raises(ActionFailed, match='failed while rolling back'):
        run(TaskTarget(api, 'retry', TASK_ID))
    assert api.sent == []


@pytest.mark.parametrize('error', [
    OcpConnectionError('ReadTimeout', 'POST', '/retry', ambiguous=True),
    OcpServerError(status=502, method='POST', path='/retry'),
])
def test_lost_answer_that_took_effect_is_reported_as_done(error):
    api = FakeApi([snapshot('FAILED'), snapshot('FAILED'), snapshot('RUNNING', 'RETRY', 'READY', 'RETRY', 2)],
                  action_error=error)
    results = run(SubtaskTarget(api, 'retry', TASK_ID, subtask_id=SUBTASK_ID))
    assert api.sent == [('retry_subtask', TASK_ID, SUBTASK_ID)]
    assert results['changed'] is True and results['performed'] is True
    assert 'shows OCP carried it out' in results['reason']
    assert results['subtask']['runTime'] == 2


def test_lost_answer_that_did_not_take_effect_fails_without_resending():
    error = OcpConnectionError('ConnectionError: aborted', 'POST', '/skip', ambiguous=True)
    api = FakeApi([snapshot('FAILED')], action_error=error)
    with pytest.raises(ActionFailed, match='has not taken effect; it was not sent again') as raised:
        run(SubtaskTarget(api, 'skip', TASK_ID, subtask_id=SUBTASK_ID), wait=True)
    assert api.sent == [('skip_subtask', TASK_ID, SUBTASK_ID)]
    assert api.reads == 3
    assert raised.value.results['performed'] is False and raised.value.results['changed'] is False


def test_connection_error_before_sending_is_reported_as_is():
    error = OcpConnectionError('ConnectTimeout', 'POST', '/retry', ambiguous=False)
    api = FakeApi([snapshot('FAILED')], action_error=error)
    with pytest.raises(OcpConnectionError):
        run(TaskTarget(api, 'retry', TASK_ID))
    assert api.reads == 2


def test_refusal_after_someone_else_acted_is_already_done():
    refused = OcpIllegalStateError(status=400, code=20003, method='POST', path='/retry', trace_id='b' * 16)
    api = FakeApi([snapshot('FAILED'), snapshot('FAILED'), snapshot('RUNNING', 'RETRY', 'RUNNING', 'RETRY', 2)],
                  action_error=refused)
    results = run(TaskTarget(api, 'retry', TASK_ID))
    assert (results['changed'], results['decision']) == (False, 'already_done')
    assert 'changed meanwhile' in results['reason']
    assert results['trace_id'] == 'b' * 16
    assert len(api.sent) == 1


def test_refusal_otherwise_fails_with_the_error():
    refused = OcpIllegalStateError(status=400, code=20003, method='POST', path='/cancel')
    # Refused although the task did not change: OCP refuses what its state allows; that is a failure.
    api = FakeApi([snapshot('RUNNING', sub_status='RUNNING')], action_error=refused)
    with pytest.raises(ActionFailed, match='OCP refused the cancel of subtask 11 of task 1024'):
        run(SubtaskTarget(api, 'cancel', TASK_ID, subtask_id=SUBTASK_ID))


def test_permission_error_names_task_manager():
    api = FakeApi([snapshot('FAILED')], action_error=OcpPermissionError(status=403, code=30014))
    with pytest.raises(ActionFailed, match='lacks the TASK_MANAGER permission.*nothing was changed'):
        run(TaskTarget(api, 'rollback', TASK_ID))


def test_wait_that_succeeds_returns_the_final_task():
    api = FakeApi([snapshot('FAILED'), snapshot('FAILED'), snapshot('RUNNING', 'RETRY', 'RUNNING', 'RETRY', 2),
                   snapshot('SUCCESSFUL', 'RETRY', 'SUCCESSFUL', 'RETRY', 2)])
    results = run(TaskTarget(api, 'retry', TASK_ID), wait=True)
    assert results['wait']['outcome'] == 'succeeded'
    assert results['task']['succeeded'] is True
    # The read after the POST showed it RUNNING; the wait's first poll finds it done.
    assert results['wait']['polls'] == 1


def test_wait_that_fails_reports_failed_subtasks_with_log_excerpts():
    api = FakeApi([snapshot('FAILED'), snapshot('FAILED'), snapshot('RUNNING', 'RETRY', 'RUNNING', 'RETRY', 2),
                   snapshot('RUNNING', 'RETRY', 'RUNNING', 'RETRY', 2), snapshot('FAILED', 'RETRY', 'FAILED', 'RETRY', 2)])
    with pytest.raises(ActionFailed) as raised:
        run(TaskTarget(api, 'retry', TASK_ID), wait=True)
    failure = raised.value
    assert failure.msg == ("task 1024 'Create tenant' failed after 5s: subtask 11 'Create resource pool' failed: "
                           "ERROR 4733: unit config is not enough; expected the task to end succeeded")
    assert failure.results['changed'] is True
    assert failure.results['elapsed'] == 5
    [failed] = failure.results['failed_subtasks']
    assert failed['id'] == SUBTASK_ID and failed['cause'] == 'ERROR 4733: unit config is not enough'
    assert failed['log_excerpt'][-1].startswith('Set state for subtask')


def test_rollback_wait_accepts_rolled_back_only():
    rolled_back = snapshot('SUCCESSFUL', 'ROLLBACK', 'PENDING', 'ROLLBACK')
    results = run(TaskTarget(FakeApi([snapshot('FAILED'), snapshot('FAILED'), rolled_back]), 'rollback', TASK_ID),
                  wait=True)
    assert results['wait']['outcome'] == 'rolled_back'
    with pytest.raises(ActionFailed, match='was rolled back'):
        run(TaskTarget(FakeApi([snapshot('FAILED'), snapshot('FAILED'), rolled_back]), 'retry', TASK_ID), wait=True)


def test_wait_that_times_out_reports_the_time_waited():
    api = FakeApi([snapshot('RUNNING', 'RETRY', 'RUNNING', 'RETRY', 2)])
    with pytest.raises(ActionFailed, match=r'timed out after 12s waiting for task 1024') as raised:
        run(TaskTarget(api, 'retry', TASK_ID), wait=True, wait_timeout=12)
    assert raised.value.results['wait']['outcome'] == 'timed_out'
    assert raised.value.results['changed'] is False


def test_a_task_changed_since_the_read_is_not_acted_on_twice():
    # Another fork retried between our read and our POST, and the subtask has failed again since:
    # the read right before the POST shows it, and nothing is sent.
    failed_again = snapshot('FAILED', 'RETRY', 'FAILED', 'RETRY')
    failed_again['subtasks'][1]['finishTime'] = '2024-05-01T12:00:09.000+08:00'
    api = FakeApi([snapshot('FAILED'), failed_again])
    results = run(TaskTarget(api, 'retry', TASK_ID))
    assert api.sent == []
    assert (results['changed'], results['performed'], results['decision']) == (False, False, 'already_done')
    assert 'someone else acted on it first' in results['reason']


def test_a_refusal_when_someone_else_acted_and_it_failed_again_is_not_a_failure():
    refused = OcpIllegalStateError(status=400, code=20003, method='POST', path='/retry')
    failed_again = snapshot('FAILED', 'RETRY', 'FAILED', 'RETRY')
    failed_again['subtasks'][1]['finishTime'] = '2024-05-01T12:00:09.000+08:00'
    api = FakeApi([snapshot('FAILED'), snapshot('FAILED'), failed_again], action_error=refused)
    results = run(TaskTarget(api, 'retry', TASK_ID))
    assert len(api.sent) == 1 and results['performed'] is False
    assert results['decision'] == 'already_done' and 'changed meanwhile' in results['reason']


@pytest.mark.parametrize('status', [429, 503])
def test_an_action_ocp_did_not_take_fails_saying_nothing_changed(status):
    error = OcpApiError(status=status, method='POST', path='/retry')
    error.retry_after = 30
    api = FakeApi([snapshot('FAILED')], action_error=error)
    with pytest.raises(ActionFailed, match=r'OCP did not take the retry of task 1024 \(HTTP %d, it asked to wait 30s\); '
                                           r'nothing was changed' % status) as raised:
        run(TaskTarget(api, 'retry', TASK_ID))
    assert raised.value.results['performed'] is False and len(api.sent) == 1


def test_a_503_from_a_proxy_after_ocp_acted_is_reported_as_done():
    error = OcpApiError(status=503, method='POST', path='/retry')
    api = FakeApi([snapshot('FAILED'), snapshot('FAILED'), snapshot('RUNNING', 'RETRY', 'READY', 'RETRY', 2)],
                  action_error=error)
    results = run(TaskTarget(api, 'retry', TASK_ID))
    assert results['performed'] is True and 'shows OCP carried it out' in results['reason']


DESCRIBED = {"id": 1000, "name": "Add host", "status": "FAILED", "subtasks": [
    {"id": 6, "name": "Install OCP agent", "status": "SUCCESSFUL", "description": "Install the OCP agent on host 10.0.0.1"},
    {"id": 7, "name": "Install OCP agent", "status": "FAILED", "description": "Install the OCP agent on host 10.0.0.2"},
]}


def test_a_per_host_subtask_is_chosen_by_name_and_description_and_its_id_remembered():
    target = SubtaskTarget(None, "retry", 1000, subtask_name="Install OCP agent",
                           subtask_description=r"10\.0\.0\.2$", description_match="regex")
    assert target.select(DESCRIBED)["id"] == 7
    assert target.subtask_id == 7
    # Later reads (after the action) find the same subtask by id.
    assert target.select(dict(DESCRIBED, subtasks=list(reversed(DESCRIBED["subtasks"]))))["id"] == 7
    assert target.describe() == "retry of subtask 7 of task 1000"
