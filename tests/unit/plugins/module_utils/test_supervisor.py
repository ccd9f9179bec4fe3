# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the supervisor of ocp_task_wait, on a fake clock against a fake OCP task API.

The fake API keeps tasks in memory and changes them the way OCP does when an action arrives;
its ``script`` lets a test say what happens next (a retry that succeeds, one that fails again).
No HTTP and no real sleeps.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import datetime

import pytest

from ansible_collections.oceanbase.ocp.plugins.module_utils.errors import (
    OcpClientError,
    OcpConnectionError,
    OcpIllegalStateError,
    OcpServerError,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.policy import parse_policy
from ansible_collections.oceanbase.ocp.plugins.module_utils.waiter import default_max_sleep
from ansible_collections.oceanbase.ocp.plugins.module_utils.supervisor import (
    LIST_QUERY_MIN_TASKS,
    ServerClock,
    Supervisor,
    unsuccessful_message,
)

START = datetime.datetime(2024, 5, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)
FAILED_AT = '2024-05-01T12:00:00.000+00:00'
TIMEOUT_LOG = 'Start to create resource pool\nERROR 4012 (HY000): Timeout\nSet state for subtask: 12, operation:EXECUTE, state: FAILED'


class FakeClock:
    def __init__(self):
        self.seconds = 0.0
        self.sleeps = []

    def monotonic(self):
        return self.seconds

    def sleep(self, seconds):
        assert seconds > 0
        self.sleeps.append(seconds)
        self.seconds += seconds

    def now(self):
        return START + datetime.timedelta(seconds=self.seconds)


def make_subtask(subtask_id, name, status='SUCCESSFUL', run_time=1, operation='EXECUTE'):
    subtask = dict(id=subtask_id, name=name, status=status, operation=operation, runTime=run_time, seriesId=subtask_id)
    if status == 'FAILED':
        subtask['finishTime'] = FAILED_AT
    if status == 'RUNNING':
        subtask['startTime'] = FAILED_AT
    return subtask


def make_task(task_id, *subtasks, **fields):
    task = dict(id=task_id, name='Create tenant', status='RUNNING', operation='EXECUTE', prohibitRollback=False,
                subtasks=list(subtasks))
    task.update(fields)
    return task


class FakeApi:
    """OCP's task endpoints in memory. ``on_retry(task, subtask)`` decides what a retry leads to."""

    def __init__(self, *tasks, **options):
        self.tasks = dict((task['id'], task) for task in tasks)
        self.logs = options.get('logs', {})
        self.on_retry = options.get('on_retry', succeed_on_retry)
        self.calls = []
        self.fail_post = options.get('fail_post')

    def _calls(self, kind):
        return [call for call in self.calls if call[0] == kind]

    @property
    def posts(self):
        return [call for call in self.calls if call[0] in ('retry', 'skip', 'cancel', 'rollback')]

    def get_task(self, task_id):
        self.calls.append(('get', task_id))
        return copy.deepcopy(self.tasks[task_id])

    def list_tasks(self, filters, page=1, size=10, sort=None):
        self.calls.append(('list', filters.get('status')))
        listed = [dict(id=t['id'], name=t['name'], status=t['status'],
                       subtasks=[dict(id=s['id'], name=s['name'], status=s['status'], operation=s['operation'])
                                 for s in t['subtasks']])
                  for t in self.tasks.values() if t['status'] in filters['status']]
        return listed[:size], dict(totalElements=len(listed))

    def get_subtask_log(self, task_id, subtask_id):
        self.calls.append(('log', task_id, subtask_id))
        return self.logs.get(subtask_id, '')

    def _subtask(self, task_id, subtask_id):
        return next(s for s in self.tasks[task_id]['subtasks'] if s['id'] == subtask_id)

    def _post(self, kind, task_id, subtask_id=None):
        self.calls.append((kind, task_id, subtask_id))
        if self.fail_post is not None:
            error, takes_effect = self.fail_post
            if takes_effect:
                self._apply(kind, task_id, subtask_id)
            raise error
        self._apply(kind, task_id, subtask_id)

    def _apply(self, kind, task_id, subtask_id):
        task = self.tasks[task_id]
        if kind == 'rollback':
            task.update(status='SUCCESSFUL', operation='ROLLBACK')
            return
        subtask = self._subtask(task_id, subtask_id)
        if kind == 'retry':
            subtask.update(runTime=subtask['runTime'] + 1, operation='RETRY')
            self.on_retry(task, subtask)
        elif kind == 'skip':
            subtask.update(status='SUCCESSFUL', operation='SKIP')
            settle(task)
        elif kind == 'cancel':
            subtask.update(status='FAILED', operation='CANCEL', finishTime=FAILED_AT)
            settle(task)

    def retry_subtask(self, task_id, subtask_id):
        self._post('retry', task_id, subtask_id)

    def skip_subtask(self, task_id, subtask_id):
        self._post('skip', task_id, subtask_id)

    def cancel_subtask(self, task_id, subtask_id):
        self._post('cancel', task_id, subtask_id)

    def rollback_task(self, task_id):
        self._post('rollback', task_id)


def settle(task):
    """OCP's rule: any subtask RUNNING -> RUNNING, else any FAILED -> FAILED, else SUCCESSFUL."""
    statuses = [s['status'] for s in task['subtasks']]
    if 'RUNNING' in statuses or 'READY' in statuses:
        task['status'] = 'RUNNING'
    elif 'FAILED' in statuses:
        task['status'] = 'FAILED'
    else:
        task['status'] = 'SUCCESSFUL'


def succeed_on_retry(task, subtask):
    subtask['status'] = 'SUCCESSFUL'
    settle(task)


def fail_on_retry(task, subtask):
    subtask['status'] = 'FAILED'
    settle(task)


def failed_task(task_id=1, name='Create resource pool', run_time=1):
    return make_task(task_id, make_subtask(10, 'Check tenant parameters'),
                     make_subtask(12, name, status='FAILED', run_time=run_time), status='FAILED')


def supervise(api, raw_policy=None, task_ids=(1,), timeout=60, sleep=1, check_mode=False, progress_interval=30):
    clock = FakeClock()
    lines = []
    supervisor = Supervisor(api, parse_policy(raw_policy), timeout, sleep, progress_interval=progress_interval,
                            check_mode=check_mode, clock=clock.monotonic, sleeper=clock.sleep, now=clock.now,
                            progress=lines.append)
    result = supervisor.run(list(task_ids))
    return result, clock, lines


RETRY_TIMEOUTS = {'rules': [{'name': 'transient', 'match': {'log': 'ERROR 4012'}, 'action': 'retry',
                             'max_attempts': 3}]}


# ---------------------------------------------------------------- outcomes and actions

def test_transient_failure_is_retried_once_and_the_task_succeeds():
    api = FakeApi(failed_task(), logs={12: TIMEOUT_LOG})
    result, _clock, lines = supervise(api, RETRY_TIMEOUTS)
    [task] = result['tasks']
    assert task['outcome'] == 'succeeded'
    assert result['changed'] is True
    assert api.posts == [('retry', 1, 12)]
    [action] = task['actions']
    assert action['action'] == 'retry' and action['result'] == 'sent'
    assert action['rule_name'] == 'transient' and action['rule_index'] == 0 and action['attempt'] == 2
    assert action['at'] == START.isoformat()
    assert 'attempt 2 of 3' in action['reason']
    assert result['summary'] == dict(succeeded=1, failed=0, rolled_back=0, timed_out=0, unfinished=0, total=1,
                                     actions_sent=1)
    assert any('sent retry of subtask 12' in line for line in lines)


def test_retries_stop_at_max_attempts_counted_from_run_time():
    api = FakeApi(failed_task(run_time=1), logs={12: TIMEOUT_LOG}, on_retry=fail_on_retry)
    result, _clock, _lines = supervise(api, RETRY_TIMEOUTS)
    [task] = result['tasks']
    assert task['outcome'] == 'failed'
    assert api.posts == [('retry', 1, 12), ('retry', 1, 12)]  # runs 2 and 3
    assert 'allows 3 attempt(s)' in task['decisions'][0]['reason']
    assert task['failed_subtasks'][0]['log_excerpt'][1] == 'ERROR 4012 (HY000): Timeout'
    assert 'did not succeed' in unsuccessful_message(result)


def test_a_resumed_run_never_exceeds_the_limit():
    # The controller died after two retries: OCP's runTime says 3, so nothing more is sent.
    api = FakeApi(failed_task(run_time=3), logs={12: TIMEOUT_LOG})
    result, _clock, _lines = supervise(api, RETRY_TIMEOUTS)
    assert result['tasks'][0]['outcome'] == 'failed'
    assert api.posts == []
    assert result['changed'] is False


def test_a_resumed_run_counts_earlier_actions_against_max_actions():
    # Two retries before the controller died (runTime 3): with max_actions 2 nothing more is sent,
    # although the retry rule would allow a fourth attempt.
    raw = {'rules': [{'action': 'retry', 'max_attempts': 5}], 'max_actions': 2}
    api = FakeApi(failed_task(run_time=3))
    result, _clock, _lines = supervise(api, raw)
    assert api.posts == []
    assert 'max_actions (2)' in result['tasks'][0]['decisions'][0]['reason']
    fresh = FakeApi(failed_task(run_time=1), on_retry=fail_on_retry)
    result, _clock, _lines = supervise(fresh, raw)
    assert fresh.posts == [('retry', 1, 12), ('retry', 1, 12)]


def test_earlier_actions_of_every_task_count_from_the_first_round():
    raw = {'rules': [{'action': 'retry', 'max_attempts': 5}], 'max_actions': 2}
    # Task 2 was retried twice before; task 1 comes first but must not get a retry.
    api = FakeApi(failed_task(1), failed_task(2, run_time=3))
    result, _clock, _lines = supervise(api, raw, task_ids=(1, 2))
    assert api.posts == []
    assert [t['outcome'] for t in result['tasks']] == ['failed', 'failed']


def test_skip_is_sent_when_allowed_and_refused_by_never_skip():
    skip = {'rules': [{'match': {'subtask_name': 'resource pool'}, 'action': 'skip'}]}
    api = FakeApi(failed_task())
    result, _clock, _lines = supervise(api, skip)
    assert result['tasks'][0]['outcome'] == 'succeeded'
    assert api.posts == [('skip', 1, 12)]

    guarded = FakeApi(failed_task())
    result, _clock, _lines = supervise(guarded, dict(skip, never_skip=['pool$']))
    assert result['tasks'][0]['outcome'] == 'failed'
    assert guarded.posts == []
    assert 'never_skip' in result['tasks'][0]['decisions'][0]['reason']


def test_rollback_ends_rolled_back():
    api = FakeApi(failed_task())
    result, _clock, _lines = supervise(api, {'rules': [{'action': 'rollback'}]})
    assert result['tasks'][0]['outcome'] == 'rolled_back'
    assert api.posts == [('rollback', 1, None)]


def test_check_mode_reads_once_and_sends_nothing():
    api = FakeApi(failed_task(), logs={12: TIMEOUT_LOG})
    result, clock, _lines = supervise(api, RETRY_TIMEOUTS, check_mode=True)
    assert api.posts == []
    assert clock.sleeps == []
    assert result['changed'] is False and result['rounds'] == 1
    [task] = result['tasks']
    assert task['outcome'] is None
    assert [a['result'] for a in task['actions']] == ['would_send']
    assert result['summary']['unfinished'] == 1


def test_timeout_ends_on_the_deadline_with_backing_off_polls():
    api = FakeApi(make_task(1, make_subtask(10, 'Create tenant', status='RUNNING')))
    result, clock, _lines = supervise(api, timeout=60, sleep=1)
    assert result['tasks'][0]['outcome'] == 'timed_out'
    assert clock.seconds == pytest.approx(60)
    assert result['elapsed'] == pytest.approx(60)
    assert clock.sleeps[:3] == [1, 1.5, 2.25]
    assert max(clock.sleeps) <= 4


def test_retry_delay_is_waited_for_and_the_sleep_ends_when_it_is_due():
    raw = {'rules': [{'action': 'retry', 'delay': 10}]}
    api = FakeApi(failed_task())
    result, clock, _lines = supervise(api, raw, sleep=30)
    assert result['tasks'][0]['outcome'] == 'succeeded'
    assert api.posts == [('retry', 1, 12)]
    # Sent as soon as the 10 s delay after the failure was over, not after a 30 s poll.
    assert result['tasks'][0]['actions'][0]['at'] == (START + datetime.timedelta(seconds=10.001)).isoformat()
    assert clock.sleeps[0] == pytest.approx(10.001)


def test_progress_lines_come_at_the_interval():
    api = FakeApi(make_task(1, make_subtask(10, 'Create tenant', status='RUNNING'), make_subtask(11, 'Done')))
    _result, _clock, lines = supervise(api, timeout=100, sleep=1, progress_interval=30)
    assert lines[0] == 'waiting for 1 task(s): 1'
    periodic = [line for line in lines if line.startswith('after ')]
    assert len(periodic) == 3  # at 30, 60 and 90 s
    assert lines[-1].startswith('done after 100s: 0 running, 0 succeeded, 0 failed, 0 rolled back')
    assert "task 1 'Create tenant' RUNNING 1/2" in periodic[0]


def test_many_running_tasks_cost_one_list_query_per_round_and_no_reads():
    count = 50
    tasks = [make_task(i, make_subtask(1000 + i, 'Create tenant', status='RUNNING')) for i in range(1, count + 1)]
    api = FakeApi(*tasks)
    result, _clock, lines = supervise(api, task_ids=range(1, count + 1), timeout=10, sleep=1, progress_interval=5)
    assert result['summary']['timed_out'] == count
    assert len(api._calls('list')) == result['rounds'] and api._calls('get') == []
    assert count >= LIST_QUERY_MIN_TASKS
    # The list entries feed the progress lines and the report.
    assert "task 1 'Create tenant' RUNNING 0/1" in lines[1]
    assert result['tasks'][0]['status'] == 'RUNNING' and result['tasks'][0]['subtasks_total'] == 1


def test_progressing_tasks_among_many_are_not_read_until_they_finish():
    tasks = [make_task(i, make_subtask(10 * i, 'Check', status='RUNNING'), make_subtask(10 * i + 1, 'Create', status='PENDING'))
             for i in range(1, 6)]
    api = FakeApi(*tasks)
    clock = FakeClock()

    def sleeper(seconds):
        clock.sleep(seconds)
        for task in api.tasks.values():
            first, second = task['subtasks']
            if first['status'] == 'RUNNING':
                first['status'], second['status'] = 'SUCCESSFUL', 'RUNNING'
            elif second['status'] == 'RUNNING':
                second['status'] = 'SUCCESSFUL'
            settle(task)

    supervisor = Supervisor(api, parse_policy(None), 30, 1, clock=clock.monotonic, sleeper=sleeper, now=clock.now)
    result = supervisor.run([1, 2, 3, 4, 5])
    assert result['summary']['succeeded'] == 5
    # One read per task, when it left the list; none while it progressed.
    assert sorted(api._calls('get')) == [('get', i) for i in range(1, 6)]


def test_a_task_that_changes_among_many_is_read_again():
    tasks = [make_task(i, make_subtask(1000 + i, 'Create tenant', status='RUNNING')) for i in range(1, 6)]
    api = FakeApi(*tasks)
    clock = FakeClock()

    def sleeper(seconds):
        clock.sleep(seconds)
        api.tasks[3]['subtasks'][0]['status'] = 'SUCCESSFUL'
        settle(api.tasks[3])

    supervisor = Supervisor(api, parse_policy(None), 5, 1, clock=clock.monotonic, sleeper=sleeper, now=clock.now)
    result = supervisor.run([1, 2, 3, 4, 5])
    assert [t['outcome'] for t in result['tasks']] == ['timed_out', 'timed_out', 'succeeded', 'timed_out',
                                                       'timed_out']
    assert api._calls('get') == [('get', 3)]


def test_a_failure_among_many_tasks_is_read_and_remediated():
    running = [make_task(i, make_subtask(1000 + i, 'Create tenant', status='RUNNING')) for i in range(2, 6)]
    api = FakeApi(failed_task(1), *running, logs={12: TIMEOUT_LOG})
    result, _clock, _lines = supervise(api, RETRY_TIMEOUTS, task_ids=range(1, 6), timeout=10)
    assert api.posts == [('retry', 1, 12)]
    assert result['tasks'][0]['outcome'] == 'succeeded'
    assert set(call[1] for call in api._calls('get')) == set([1])


def test_earlier_retries_of_quiet_tasks_count_against_max_actions():
    # Tasks 2-5 run on after a retry by an earlier run (the list shows operation RETRY): with
    # max_actions 4 they used the allowance, so task 1's failure is left as it is.
    running = [make_task(i, make_subtask(1000 + i, 'Create tenant', status='RUNNING', run_time=2, operation='RETRY'))
               for i in range(2, 6)]
    api = FakeApi(failed_task(1), *running, logs={12: TIMEOUT_LOG})
    result, _clock, _lines = supervise(api, dict(RETRY_TIMEOUTS, max_actions=4), task_ids=range(1, 6), timeout=10)
    assert api.posts == []
    assert 'max_actions (4)' in result['tasks'][0]['decisions'][0]['reason']


def test_an_action_whose_effect_is_slow_to_show_is_not_sent_twice():
    def slow(task, subtask):
        subtask.update(runTime=subtask['runTime'] - 1)  # OCP has not counted the new run yet
    api = FakeApi(failed_task(), on_retry=slow)
    result, _clock, _lines = supervise(api, {'rules': [{'action': 'retry'}]}, timeout=5)
    assert api.posts == [('retry', 1, 12)]
    assert result['tasks'][0]['outcome'] == 'timed_out'


def test_lost_answer_with_effect_counts_as_sent_and_is_not_repeated():
    api = FakeApi(failed_task(), fail_post=(OcpServerError(status=502), True))
    result, _clock, _lines = supervise(api, {'rules': [{'action': 'skip'}]})
    assert api.posts == [('skip', 1, 12)]
    [action] = result['tasks'][0]['actions']
    assert action['result'] == 'sent' and 'answer was lost' in action['note']
    assert result['tasks'][0]['outcome'] == 'succeeded'


def test_lost_answer_without_effect_fails_the_task_without_sending_again():
    error = OcpConnectionError('read timed out', 'POST', '/x', ambiguous=True)
    api = FakeApi(failed_task(), fail_post=(error, False))
    result, _clock, _lines = supervise(api, {'rules': [{'action': 'skip'}]})
    assert api.posts == [('skip', 1, 12)]
    [task] = result['tasks']
    assert task['outcome'] == 'failed'
    assert task['actions'][0]['result'] == 'lost'
    assert 'not sent again' in task['decisions'][0]['reason']
    assert result['changed'] is False


def test_refused_action_is_decided_again_from_a_fresh_read():
    # OCP refused because the task moved on meanwhile: the next read shows it, and the wait goes on.
    api = FakeApi(failed_task(), fail_post=(OcpIllegalStateError(status=400, code=20003), False))
    clock = FakeClock()

    def sleeper(seconds):
        clock.sleep(seconds)
        succeed_on_retry(api.tasks[1], api.tasks[1]['subtasks'][1])

    supervisor = Supervisor(api, parse_policy({'rules': [{'action': 'skip'}]}), 60, 1, clock=clock.monotonic,
                            sleeper=sleeper, now=clock.now)
    result = supervisor.run([1])
    assert [a['result'] for a in result['tasks'][0]['actions']] == ['refused']
    assert result['tasks'][0]['outcome'] == 'succeeded'
    assert api.posts == [('skip', 1, 12)]


def test_refused_action_on_an_unchanged_task_is_not_sent_again():
    api = FakeApi(failed_task(), fail_post=(OcpIllegalStateError(status=400, code=20003), False))
    result, _clock, _lines = supervise(api, {'rules': [{'action': 'skip'}]})
    assert api.posts == [('skip', 1, 12)]
    [task] = result['tasks']
    assert task['outcome'] == 'failed'
    assert 'has not changed since' in task['decisions'][0]['reason']


def test_unreachable_post_is_tried_again_later():
    api = FakeApi(failed_task(), fail_post=(OcpConnectionError('refused', 'POST', '/x', ambiguous=False), False))
    clock = FakeClock()

    def sleeper(seconds):
        clock.sleep(seconds)
        api.fail_post = None

    supervisor = Supervisor(api, parse_policy({'rules': [{'action': 'skip'}]}), 60, 1, clock=clock.monotonic,
                            sleeper=sleeper, now=clock.now)
    result = supervisor.run([1])
    assert api.posts == [('skip', 1, 12), ('skip', 1, 12)]
    assert result['tasks'][0]['outcome'] == 'succeeded'


def test_failed_logs_are_read_once_per_run():
    api = FakeApi(failed_task(), logs={12: TIMEOUT_LOG}, on_retry=fail_on_retry)
    supervise(api, RETRY_TIMEOUTS)
    # runs 1, 2 and 3 each failed once: one log read each, the report reuses the last.
    assert len(api._calls('log')) == 3


def test_cancel_of_a_hung_subtask():
    hung = make_task(1, make_subtask(12, 'Create resource pool', status='RUNNING'))
    api = FakeApi(hung)
    raw = {'rules': [{'action': 'cancel', 'running_longer_than': 20}, {'action': 'rollback'}]}
    result, clock, _lines = supervise(api, raw)
    assert api.posts == [('cancel', 1, 12), ('rollback', 1, None)]
    assert result['tasks'][0]['outcome'] == 'rolled_back'
    assert clock.seconds > 20


def test_cancel_rules_over_many_tasks_read_each_task_when_its_limit_passes_not_every_round():
    count = 50
    tasks = [make_task(i, make_subtask(1000 + i, 'Create tenant', status='RUNNING')) for i in range(1, count + 1)]
    api = FakeApi(*tasks)
    # The subtasks started at START; the limit passes after 30 s, the wait ends after 60 s.
    raw = {'rules': [{'match': {'subtask_name': 'Create tenant', 'log': 'never in the log'}, 'action': 'cancel',
                      'running_longer_than': 30}]}
    result, _clock, _lines = supervise(api, raw, task_ids=range(1, count + 1), timeout=60, sleep=1)
    assert result['summary']['timed_out'] == count and api.posts == []
    rounds = result['rounds']
    assert len(api._calls('list')) == rounds and rounds > 10
    gets = len(api._calls('get'))
    # A read at the start, one when the limit passes, then at most one per slowest poll interval.
    assert gets <= count * (2 + 30 // default_max_sleep(1))
    # Logs are read only once the limit has passed.
    assert len(api._calls('log')) == gets - count


def test_cancel_is_sent_when_the_limit_passes_among_many_tasks():
    tasks = [make_task(i, make_subtask(1000 + i, 'Create tenant', status='RUNNING')) for i in range(1, 11)]
    api = FakeApi(*tasks)
    raw = {'rules': [{'match': {'subtask_name': 'Create tenant'}, 'action': 'cancel', 'running_longer_than': 30}]}
    result, _clock, _lines = supervise(api, raw, task_ids=range(1, 11), timeout=120, sleep=5)
    assert sorted(api.posts) == [('cancel', i, 1000 + i) for i in range(1, 11)]
    assert result['summary']['failed'] == 10
    # The sleep ends when the limit passes, not a poll interval later.
    sent_at = set(task['actions'][0]['at'] for task in result['tasks'])
    assert sent_at == set([(START + datetime.timedelta(seconds=30)).isoformat()])


@pytest.mark.parametrize('timeout, sleep, interval, message', [
    (-1, 1, 30, 'wait_timeout'), (1, 0, 30, 'wait_sleep'), (1, 1, 0, 'progress_interval')])
def test_bad_wait_options(timeout, sleep, interval, message):
    with pytest.raises(OcpClientError, match=message):
        Supervisor(FakeApi(), parse_policy(None), timeout, sleep, progress_interval=interval)


def test_server_clock_follows_ocps_timestamps():
    class Client:
        last_server_time = None

    client, clock = Client(), FakeClock()
    server_now = ServerClock(client, clock=clock.monotonic, fallback=lambda: START)
    assert server_now() == START
    client.last_server_time = '2030-01-01T08:00:00.5+08:00'
    clock.sleep(2)
    assert server_now().isoformat() == '2030-01-01T08:00:00.500000+08:00'
    clock.sleep(3)
    assert server_now().isoformat() == '2030-01-01T08:00:03.500000+08:00'


def test_report_so_far_after_an_error_keeps_the_actions_sent():
    class Broken(FakeApi):
        def get_task(self, task_id):
            if self._calls('skip'):
                raise OcpServerError(status=500)
            return FakeApi.get_task(self, task_id)

    api = Broken(failed_task())
    clock = FakeClock()
    supervisor = Supervisor(api, parse_policy({'rules': [{'action': 'skip'}]}), 60, 1, clock=clock.monotonic,
                            sleeper=clock.sleep, now=clock.now)
    with pytest.raises(OcpServerError):
        supervisor.run([1])
    report = supervisor.report_so_far()
    assert report['changed'] is True
    assert [a['action'] for a in report['tasks'][0]['actions']] == ['skip']
