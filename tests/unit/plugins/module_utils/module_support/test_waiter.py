# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the task waiter. Time is fake throughout: nothing here really sleeps."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpApiError, OcpClientError
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.waiter import (
    TaskWaiter,
    WaitResult,
    wait_failure_message,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.snapshot import failed_subtasks, task_outcome
from ansible_collections.oceanbase.ocp.plugins.module_utils.vocabulary import (
    FAILED_OUTCOME as FAILED,
    ROLLED_BACK,
    SUCCEEDED,
    TIMED_OUT,
)

TASK_ID = 1024


class FakeClock:
    """A monotonic clock that only moves when the waiter sleeps or a read takes time."""

    def __init__(self):
        self.now = 5000.0  # any start: the waiter must only use differences
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class FakeOcp:
    """Answers task reads with the given snapshots in turn, repeating the last one.

    Each read costs ``read_seconds`` on the fake clock, like a real HTTP round trip.
    """

    def __init__(self, clock, snapshots, read_seconds=0):
        self.clock = clock
        self.snapshots = list(snapshots)
        self.read_seconds = read_seconds
        self.reads = []

    def read_task(self, task_id):
        self.reads.append(task_id)
        self.clock.now += self.read_seconds
        index = min(len(self.reads), len(self.snapshots)) - 1
        return self.snapshots[index]


def subtask(subtask_id, status, name=None, series_id=None, run_time=1, operation='EXECUTE'):
    return {
        'id': subtask_id,
        'name': name or 'Step %d' % subtask_id,
        'seriesId': subtask_id if series_id is None else series_id,
        'status': status,
        'operation': operation,
        'runTime': run_time,
    }


def task(status, operation='EXECUTE', subtasks=None):
    # Like OCP, leave out the fields that would be null.
    snapshot = {'id': TASK_ID, 'name': 'Create tenant', 'subtasks': subtasks or []}
    if status is not None:
        snapshot['status'] = status
    if operation is not None:
        snapshot['operation'] = operation
    return snapshot


def waiter_for(snapshots, timeout=60, sleep=2, max_sleep=None, read_seconds=0):
    clock = FakeClock()
    ocp = FakeOcp(clock, snapshots, read_seconds)
    waiter = TaskWaiter(ocp.read_task, timeout, sleep, max_sleep=max_sleep, clock=clock, sleeper=clock.sleep)
    return waiter, ocp, clock


# --- task_outcome ---

@pytest.mark.parametrize('snapshot, expected', [
    (task('RUNNING'), None),
    (task('RUNNING', operation='ROLLBACK'), None),
    (task('RUNNING', subtasks=[subtask(1, 'SUCCESSFUL'), subtask(2, 'FAILED', run_time=2)]), None),
    (task('FAILED'), FAILED),
    (task('FAILED', operation='ROLLBACK'), FAILED),
    (task('SUCCESSFUL'), SUCCEEDED),
    (task('SUCCESSFUL', operation='RETRY'), SUCCEEDED),
    # No operation in the answer: the subtasks tell an execution from a rollback.
    (task('SUCCESSFUL', operation=None, subtasks=[subtask(1, 'SUCCESSFUL')]), SUCCEEDED),
    (task('SUCCESSFUL', operation=None, subtasks=[subtask(1, 'SUCCESSFUL'), subtask(2, 'PENDING')]), ROLLED_BACK),
    (task('SUCCESSFUL', operation='ROLLBACK'), ROLLED_BACK),
])
def test_task_outcome_follows_status_and_operation(snapshot, expected):
    assert task_outcome(snapshot) == expected


@pytest.mark.parametrize('snapshot', [
    task(None),
    task('PAUSED'),
    task('successful'),
    {'id': TASK_ID, 'status': None},
    None,
    [],
])
def test_task_outcome_of_unknown_or_missing_status_is_not_final(snapshot):
    assert task_outcome(snapshot) is None


# --- TaskWaiter: outcomes ---

def test_task_already_finished_is_read_once_without_sleeping():
    waiter, ocp, clock = waiter_for([task('SUCCESSFUL')])

    result = waiter.wait(TASK_ID)

    assert result == WaitResult(SUCCEEDED, task('SUCCESSFUL'), 0, 1)
    assert result.succeeded
    assert ocp.reads == [TASK_ID]
    assert clock.sleeps == []


def test_waits_with_backoff_until_the_task_succeeds():
    waiter, ocp, clock = waiter_for([task('RUNNING')] * 3 + [task('SUCCESSFUL')])

    result = waiter.wait(TASK_ID)

    assert result.outcome == SUCCEEDED
    assert clock.sleeps == [2, 3, 4.5]
    assert result.elapsed == 9.5
    assert result.polls == 4
    assert ocp.reads == [TASK_ID] * 4


def test_failed_task_ends_the_wait_with_its_last_snapshot():
    failed = task('FAILED', subtasks=[subtask(10031, 'FAILED', run_time=3)])
    waiter, dummy, clock = waiter_for([task('RUNNING'), failed])

    result = waiter.wait(TASK_ID)

    assert result == WaitResult(FAILED, failed, 2, 2)
    assert not result.succeeded
    assert clock.sleeps == [2]


def test_finished_rollback_is_rolled_back_not_success():
    rolled_back = task('SUCCESSFUL', operation='ROLLBACK')
    waiter, dummy, dummy_clock = waiter_for([task('RUNNING', operation='ROLLBACK'), rolled_back])

    result = waiter.wait(TASK_ID)

    assert result.outcome == ROLLED_BACK
    assert not result.succeeded
    assert result.task is rolled_back


def test_failed_subtask_inside_a_running_task_keeps_the_wait_going():
    # OCP retries the subtask on its own (runTime 1, then 2) and the task ends well.
    waiter, ocp, dummy_clock = waiter_for([
        task('RUNNING', subtasks=[subtask(1, 'FAILED', run_time=1)]),
        task('RUNNING', subtasks=[subtask(1, 'RUNNING', run_time=2)]),
        task('SUCCESSFUL', subtasks=[subtask(1, 'SUCCESSFUL', run_time=2)]),
    ])

    result = waiter.wait(TASK_ID)

    assert result.outcome == SUCCEEDED
    assert result.polls == 3


def test_unknown_status_never_succeeds_and_times_out():
    waiter, ocp, clock = waiter_for([task('PAUSED')], timeout=10, sleep=2)

    result = waiter.wait(TASK_ID)

    assert result.outcome == TIMED_OUT
    assert result.task == task('PAUSED')
    # 2 + 3 + 4.5 = 9.5 s, then the 6.75 s pause is cut to the 0.5 s left.
    assert clock.sleeps == [2, 3, 4.5, 0.5]
    assert result.elapsed == 10
    assert result.polls == 5


# --- TaskWaiter: timing ---

def test_pauses_stop_growing_at_the_cap_and_the_last_one_ends_at_the_deadline():
    waiter, dummy, clock = waiter_for([task('RUNNING')], timeout=40, sleep=2, max_sleep=8)

    result = waiter.wait(TASK_ID)

    assert clock.sleeps == [2, 3, 4.5, 6.75, 8, 8, 7.75]
    assert result == WaitResult(TIMED_OUT, task('RUNNING'), 40, 8)


def test_time_spent_reading_counts_against_the_deadline():
    # Each read takes 1 s: reads end at 1, 4, 8 and 11 s; the pause after the third read is cut
    # from 4.5 s to the 2 s left, and the read at the deadline is still made.
    waiter, ocp, clock = waiter_for([task('RUNNING')], timeout=10, sleep=2, read_seconds=1)

    result = waiter.wait(TASK_ID)

    assert clock.sleeps == [2, 3, 2]
    assert result.outcome == TIMED_OUT
    assert result.elapsed == 11
    assert result.polls == 4


def test_task_finishing_during_the_last_pause_is_caught_by_the_read_at_the_deadline():
    waiter, dummy, clock = waiter_for([task('RUNNING')] * 4 + [task('SUCCESSFUL')], timeout=10, sleep=2)

    result = waiter.wait(TASK_ID)

    assert clock.sleeps == [2, 3, 4.5, 0.5]
    assert result == WaitResult(SUCCEEDED, task('SUCCESSFUL'), 10, 5)


def test_zero_timeout_reads_once_and_does_not_sleep():
    waiter, ocp, clock = waiter_for([task('RUNNING')], timeout=0)

    result = waiter.wait(TASK_ID)

    assert result == WaitResult(TIMED_OUT, task('RUNNING'), 0, 1)
    assert clock.sleeps == []


def test_errors_from_read_task_propagate():
    clock = FakeClock()
    reads = []

    class OcpDown(Exception):
        pass

    def read_task(task_id):
        reads.append(task_id)
        if len(reads) == 2:
            raise OcpDown('connection refused')
        return task('RUNNING')

    waiter = TaskWaiter(read_task, 60, 2, clock=clock, sleeper=clock.sleep)

    with pytest.raises(OcpDown, match='connection refused'):
        waiter.wait(TASK_ID)
    assert clock.sleeps == [2]


@pytest.mark.parametrize('timeout, sleep, max_sleep, complaint', [
    (-1, 2, None, 'timeout'),
    (60, 0, None, 'polling interval'),
    (60, -2, None, 'polling interval'),
    (60, 5, 4, 'longest polling interval'),
])
def test_invalid_settings_are_refused(timeout, sleep, max_sleep, complaint):
    with pytest.raises(OcpClientError, match=complaint):
        TaskWaiter(lambda task_id: None, timeout, sleep, max_sleep=max_sleep)


# --- failure reports ---

def test_failed_subtasks_come_in_execution_order_series_breaking_ties():
    without_series = subtask(7, 'FAILED')
    del without_series['seriesId']
    snapshot = task('FAILED', subtasks=[
        without_series,
        subtask(3, 'FAILED', series_id='30'),  # OCP may send long values as strings
        subtask(2, 'SUCCESSFUL', series_id=1),
        subtask(5, 'FAILED', series_id=4),
    ])

    assert [failed['id'] for failed in failed_subtasks(snapshot)] == [5, 3, 7]


@pytest.mark.parametrize('snapshot', [task('RUNNING'), {'id': TASK_ID}, None])
def test_failed_subtasks_of_a_task_without_any(snapshot):
    assert failed_subtasks(snapshot) == []


def test_message_for_a_failed_task_names_the_failed_subtask():
    snapshot = task('FAILED', subtasks=[
        subtask(10030, 'SUCCESSFUL', name='Check parameters'),
        subtask(10031, 'FAILED', name='Create resource pool', run_time=3),
    ])

    message = wait_failure_message(WaitResult(FAILED, snapshot, 35.2, 9))
    assert message == "task 1024 'Create tenant' failed after 35s: subtask 10031 'Create resource pool' failed"

    # With the cause from its log, as every entry point gives it.
    message = wait_failure_message(WaitResult(FAILED, snapshot, 35.2, 9), {10031: 'ERROR 4012 (HY000): Timeout'})
    assert message == ("task 1024 'Create tenant' failed after 35s: subtask 10031 'Create resource pool' failed: "
                       "ERROR 4012 (HY000): Timeout")


def test_message_for_a_failed_task_lists_every_failed_subtask_and_unusual_operations():
    snapshot = task('FAILED', subtasks=[
        subtask(12, 'FAILED', name='Wait for units', operation='CANCEL'),
        subtask(11, 'FAILED', name='Create unit', run_time=2, operation='RETRY'),
    ])

    message = wait_failure_message(WaitResult(FAILED, snapshot, 61, 9))

    assert message == ("task 1024 'Create tenant' failed after 1m01s: "
                       "subtask 11 'Create unit' failed; "
                       "subtask 12 'Wait for units' failed (operation CANCEL)")


def test_message_for_a_task_that_failed_while_rolling_back():
    snapshot = task('FAILED', operation='ROLLBACK',
                    subtasks=[subtask(4, 'FAILED', name='Drop resource pool', operation='ROLLBACK')])

    message = wait_failure_message(WaitResult(FAILED, snapshot, 12.3, 4))

    assert message == ("task 1024 'Create tenant' failed while rolling back after 12s: "
                       "subtask 4 'Drop resource pool' failed (operation ROLLBACK)")


def test_message_for_a_timeout_shows_status_and_progress():
    subtasks = [subtask(i, 'SUCCESSFUL') for i in range(1, 6)] + [subtask(i, 'PENDING') for i in range(6, 13)]
    snapshot = task('RUNNING', subtasks=subtasks)

    message = wait_failure_message(WaitResult(TIMED_OUT, snapshot, 600.0, 30))

    assert message == "timed out after 10m00s waiting for task 1024 'Create tenant', still RUNNING (5/12 subtasks done)"


def test_message_for_a_timeout_mentions_failed_subtasks_ocp_may_still_retry():
    snapshot = task('RUNNING', subtasks=[subtask(1, 'SUCCESSFUL'), subtask(2, 'FAILED', name='Start observer')])

    message = wait_failure_message(WaitResult(TIMED_OUT, snapshot, 300, 20))

    assert message == ("timed out after 5m00s waiting for task 1024 'Create tenant', still RUNNING "
                       "(1/2 subtasks done); failed for now, OCP may retry: "
                       "subtask 2 'Start observer' failed")


def test_message_for_a_timeout_on_a_task_without_status():
    message = wait_failure_message(WaitResult(TIMED_OUT, {'id': 7}, 10, 5))

    assert message == "timed out after 10s waiting for task 7, no status in OCP's answer"


def test_message_for_a_rolled_back_task_says_it_did_not_succeed():
    message = wait_failure_message(WaitResult(ROLLED_BACK, task('SUCCESSFUL', operation='ROLLBACK'), 35.2, 9))

    assert message == ("task 1024 'Create tenant' was rolled back after 35s: OCP reports it SUCCESSFUL "
                       "with operation ROLLBACK, so its changes were undone and it did not succeed")


def test_message_for_a_task_not_finished_when_read():
    message = wait_failure_message(WaitResult(None, task('RUNNING', subtasks=[subtask(1, 'RUNNING')]), 0.1, 1))

    assert message == "task 1024 'Create tenant' has not finished, still RUNNING (0/1 subtasks done)"


def test_message_for_a_success():
    assert wait_failure_message(WaitResult(SUCCEEDED, task('SUCCESSFUL'), 3, 2)) == \
        "task 1024 'Create tenant' succeeded after 3s"


def _throttled(retry_after):
    # What the client raises once its own retries of a 429 have run out (docs/ocp-behaviour.md, THR-2).
    error = OcpApiError(429, code=0, message='Excessive number of requests', method='GET', path='/api/v2/tasks/instances/1024')
    error.retry_after = retry_after
    return error


class ThrottlingOcp(FakeOcp):
    """Answers reads from a script: a snapshot, or an error to raise."""

    def read_task(self, task_id):
        answer = super(ThrottlingOcp, self).read_task(task_id)
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_a_throttled_read_slows_the_wait_down_and_never_ends_it():
    clock = FakeClock()
    ocp = ThrottlingOcp(clock, [task('RUNNING'), _throttled(53.0), _throttled(None), task('SUCCESSFUL')])
    result = TaskWaiter(ocp.read_task, 600, 5, clock=clock, sleeper=clock.sleep).wait(TASK_ID)
    assert result.outcome == SUCCEEDED and result.polls == 2
    # 5 s after the first read, then the 53 s OCP asked for, then the polling pace again.
    assert clock.sleeps == [5, 53.0, 11.25]


def test_throttling_past_the_deadline_is_a_timeout_with_the_last_task_read():
    clock = FakeClock()
    ocp = ThrottlingOcp(clock, [task('RUNNING'), _throttled(3600.0)])
    result = TaskWaiter(ocp.read_task, 60, 5, clock=clock, sleeper=clock.sleep).wait(TASK_ID)
    assert result.outcome == TIMED_OUT and result.task['status'] == 'RUNNING'
    assert sum(clock.sleeps) == 60


def test_a_wait_whose_every_read_is_throttled_raises_the_429_at_the_deadline():
    clock = FakeClock()
    ocp = ThrottlingOcp(clock, [_throttled(20.0)])
    with pytest.raises(OcpApiError) as raised:
        TaskWaiter(ocp.read_task, 30, 5, clock=clock, sleeper=clock.sleep).wait(TASK_ID)
    assert raised.value.status == 429 and clock.sleeps == [20.0, 10.0]


def test_other_read_errors_still_end_the_wait_at_once():
    clock = FakeClock()
    ocp = ThrottlingOcp(clock, [OcpApiError(401, message='bad credentials', method='GET', path='/x')])
    with pytest.raises(OcpApiError):
        TaskWaiter(ocp.read_task, 30, 5, clock=clock, sleeper=clock.sleep).wait(TASK_ID)
    assert clock.sleeps == []
