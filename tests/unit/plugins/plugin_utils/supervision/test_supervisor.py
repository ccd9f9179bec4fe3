# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the supervisor of ocp_task_wait, on a fake clock against the in-memory OCP (tests/unit/fake_ocp.py).

No HTTP and no real sleeps. The same guarantees are proven against the simulator over HTTP in
tests/integration; here they are quick to break on purpose.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pytest

from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision import log_search
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import (
    OcpApiError,
    OcpAuthenticationError,
    OcpClientError,
    OcpConnectionError,
    OcpIllegalStateError,
    OcpServerError,
    OcpUnexpectedResponseError,
)
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.policy import parse_policy
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.reading import SUPERVISION_WATCHING, Reader
from ansible_collections.oceanbase.ocp.plugins.module_utils.vocabulary import MAX_PAGE_SIZE as LIST_PAGE_SIZE
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.reporting import check_mode_message, unsuccessful_message
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.supervisor import Supervisor
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.timestamps import ServerClock
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.waiter import default_max_sleep

from ansible_collections.oceanbase.ocp.tests.unit.fake_ocp import (
    COUNTING,
    START,
    TIMEOUT_ERROR,
    FakeClock,
    FakeOcp,
    Run,
    fail_on_retry,
    failed_task,
    make_subtask,
    make_task,
    stay_ready,
)
from ansible_collections.oceanbase.ocp.tests.unit.plugins.plugin_utils.supervision.in_process_search import search_in_process

RETRY_TIMEOUTS = {'rules': [{'name': 'transient', 'match': {'log': 'ERROR 4012'}, 'action': 'retry',
                             'max_attempts': 3}]}
REFUSED = OcpIllegalStateError(status=400, code=20003, message='not supported in the READY state')


@pytest.fixture(autouse=True, params=['ocp', 'every_run'])
def run_time_counting(request):
    """Every test under OCP's engine's runTime (a subtask retry leaves it) and under the older rule."""
    COUNTING['default'] = request.param
    yield request.param
    COUNTING['default'] = 'ocp'


def supervisor_for(api, raw_policy=None, timeout=60, sleep=1, check_mode=False, progress_interval=30, diff=False,
                   sleeper=None, search=None):
    # The tests trust their own patterns: searched in this process, not in a child that can be killed.
    search = search or search_in_process
    clock = api.clock
    lines = []
    policy = parse_policy(raw_policy)
    supervisor = Supervisor(api, policy, timeout, sleep, progress_interval=progress_interval,
                            check_mode=check_mode, clock=clock.monotonic, sleeper=sleeper or clock.sleep,
                            now=clock.now, progress=lines.append, diff=diff, reader=Reader(api, policy, search=search))
    return supervisor, lines


def supervise(api, raw_policy=None, task_ids=(1,), **options):
    supervisor, lines = supervisor_for(api, raw_policy, **options)
    result = supervisor.run(list(task_ids))
    return result, api.clock, lines


def outcomes(result):
    return [task['outcome'] for task in result['tasks']]


# ---------------------------------------------------------------- outcomes and actions

def test_transient_failure_is_retried_once_and_the_task_succeeds():
    api = FakeOcp(failed_task())
    result, _clock, lines = supervise(api, RETRY_TIMEOUTS)
    assert outcomes(result) == ['succeeded']
    assert api.posts == [('retry', 1, 112)]
    [action] = result['tasks'][0]['actions']
    assert (action['action'], action['result'], action['attempt'], action['rule_name']) == \
        ('retry', 'sent', 2, 'transient')
    assert result['changed'] is True and result['summary']['actions_sent'] == 1
    assert any("sent retry of subtask 112 'Create resource pool'" in line for line in lines)


@pytest.mark.parametrize('counting', ['ocp', 'every_run'])
def test_max_attempts_counts_the_runs_the_log_records_whatever_runtime_says(counting):
    # OCP's counting leaves runTime at 1 however often the subtask is retried: the log counts.
    api = FakeOcp(failed_task(), on_retry=fail_on_retry, run_time_counting=counting)
    result, _clock, _lines = supervise(api, RETRY_TIMEOUTS)
    assert api.posts == [('retry', 1, 112), ('retry', 1, 112)]
    [task] = result['tasks']
    assert task['outcome'] == 'failed'
    assert [a['attempt'] for a in task['actions']] == [2, 3]
    assert 'allows 3 attempt(s)' in task['decisions'][0]['reason']
    assert task['failed_subtasks'][0]['attempts'] == 3


def test_a_resumed_run_never_exceeds_the_limit():
    # The controller died after two retries by hand: runTime still says 1, the log shows three runs.
    runs = [('EXECUTE', TIMEOUT_ERROR), ('RETRY', TIMEOUT_ERROR), ('RETRY', TIMEOUT_ERROR)]
    api = FakeOcp(failed_task(runs=runs))
    result, _clock, _lines = supervise(api, RETRY_TIMEOUTS)
    assert outcomes(result) == ['failed'] and api.posts == []
    assert result['changed'] is False


def test_retries_ocp_made_itself_count_as_attempts():
    # retryCount 1: OCP retried once by itself (runTime 2); max_attempts 3 leaves one retry of ours.
    runs = [('EXECUTE', TIMEOUT_ERROR), ('RETRY', TIMEOUT_ERROR)]
    api = FakeOcp(failed_task(run_time=2, runs=runs), on_retry=fail_on_retry)
    result, _clock, _lines = supervise(api, RETRY_TIMEOUTS)
    assert api.posts == [('retry', 1, 112)]
    assert outcomes(result) == ['failed']


def test_without_separators_in_the_log_runtime_stands_in():
    api = FakeOcp(failed_task(run_time=3), logs={112: 'ERROR 4012 (HY000): Timeout'})
    result, _clock, _lines = supervise(api, RETRY_TIMEOUTS)
    assert api.posts == [] and outcomes(result) == ['failed']


def test_a_resumed_run_counts_earlier_actions_against_max_actions():
    # Two retries by hand before the controller died: with max_actions 2 nothing more is sent,
    # although the retry rule would allow a fourth attempt.
    raw = {'rules': [{'action': 'retry', 'max_attempts': 5}], 'max_actions': 2}
    runs = [('EXECUTE', TIMEOUT_ERROR), ('RETRY', TIMEOUT_ERROR), ('RETRY', TIMEOUT_ERROR)]
    api = FakeOcp(failed_task(runs=runs))
    result, _clock, _lines = supervise(api, raw)
    assert api.posts == []
    assert 'max_actions (2)' in result['tasks'][0]['decisions'][0]['reason']
    fresh = FakeOcp(failed_task(), on_retry=fail_on_retry)
    result, _clock, _lines = supervise(fresh, raw)
    assert fresh.posts == [('retry', 1, 112), ('retry', 1, 112)]


def test_earlier_actions_of_every_task_count_from_the_first_round():
    raw = {'rules': [{'action': 'retry', 'max_attempts': 5}], 'max_actions': 2}
    runs = [('EXECUTE', TIMEOUT_ERROR), ('RETRY', TIMEOUT_ERROR), ('RETRY', TIMEOUT_ERROR)]
    # Task 2 was retried twice before; task 1 comes first but must not get a retry.
    api = FakeOcp(failed_task(1), failed_task(2, runs=runs))
    result, _clock, _lines = supervise(api, raw, task_ids=(1, 2))
    assert api.posts == []
    assert outcomes(result) == ['failed', 'failed']


def test_skip_is_sent_when_allowed_and_refused_by_never_skip():
    skip = {'rules': [{'match': {'subtask_name': 'resource pool'}, 'action': 'skip'}]}
    api = FakeOcp(failed_task())
    result, _clock, _lines = supervise(api, skip)
    assert outcomes(result) == ['succeeded'] and api.posts == [('skip', 1, 112)]

    guarded = FakeOcp(failed_task())
    result, _clock, _lines = supervise(guarded, dict(skip, never_skip=['pool$']))
    assert outcomes(result) == ['failed'] and guarded.posts == []
    assert 'never_skip' in result['tasks'][0]['decisions'][0]['reason']


def test_rules_can_tell_hosts_apart_by_description():
    raw = {'rules': [{'match': {'description': '10\\.0\\.0\\.1$'}, 'action': 'skip'}]}
    api = FakeOcp(failed_task())
    result, _clock, _lines = supervise(api, raw)
    assert api.posts == [('skip', 1, 112)]
    other = FakeOcp(failed_task())
    result, _clock, _lines = supervise(other, {'rules': [{'match': {'description': '10\\.0\\.0\\.2$'},
                                                          'action': 'skip'}]})
    assert other.posts == [] and outcomes(result) == ['failed']


def test_rollback_ends_rolled_back():
    api = FakeOcp(failed_task())
    result, _clock, _lines = supervise(api, {'rules': [{'action': 'rollback'}]})
    assert outcomes(result) == ['rolled_back'] and api.posts == [('rollback', 1, None)]


class RollbackFails(FakeOcp):
    """Every rollback fails at the pool subtask (as a rollback against a locked metadb does)."""

    def apply(self, kind, task_id, subtask_id=None):
        if kind != 'rollback':
            return FakeOcp.apply(self, kind, task_id, subtask_id)
        task = self.tasks[task_id]
        task.update(status='RUNNING', operation='ROLLBACK')
        pool = task['subtasks'][1]
        self.start_run(pool, 'ROLLBACK')
        self.end_run(task, pool, 'FAILED', 'Rollback subtask failed: lock wait timeout')


def test_a_rollback_that_keeps_failing_ends_the_task_failed_at_once():
    api = RollbackFails(failed_task())
    result, clock, _lines = supervise(api, {'rules': [{'action': 'retry', 'max_attempts': 1},
                                                      {'name': 'undo', 'action': 'rollback'}]}, timeout=1800, sleep=5)
    assert api.posts == [('rollback', 1, None)]
    [task] = result['tasks']
    assert task['outcome'] == 'failed'
    assert 'allows 1 rollback(s)' in task['decisions'][0]['reason']
    assert clock.seconds <= 3 * 5  # within three poll intervals, not at the timeout
    assert task['failed_subtasks'][0]['cause'].endswith('Rollback subtask failed: lock wait timeout')


def test_a_rollback_rule_may_allow_a_second_rollback():
    api = RollbackFails(failed_task())
    result, _clock, _lines = supervise(api, {'rules': [{'action': 'rollback', 'max_attempts': 2}]})
    assert api.posts == [('rollback', 1, None), ('rollback', 1, None)]
    assert outcomes(result) == ['failed']


def test_check_mode_reads_once_sends_nothing_and_says_what_it_would_do():
    api = FakeOcp(failed_task())
    result, clock, lines = supervise(api, RETRY_TIMEOUTS, check_mode=True, diff=True)
    assert api.posts == [] and clock.sleeps == []
    assert result['changed'] is True and result['rounds'] == 1
    [task] = result['tasks']
    assert task['outcome'] is None
    assert [a['result'] for a in task['actions']] == ['would_send']
    assert result['summary']['unfinished'] == 1 and result['summary']['actions_would_send'] == 1
    assert any(line.startswith("task 1: would retry subtask 112 'Create resource pool'") for line in lines)
    assert lines[-1].startswith('checked (check mode, nothing sent) after 0s: 0 running, 0 succeeded, 1 failed')
    [diff] = result['diff']
    assert "subtask 112 'Create resource pool': FAILED/EXECUTE" in diff['before']
    assert "subtask 112 'Create resource pool': READY/RETRY" in diff['after']
    assert 'RUNNING/EXECUTE' in diff['after'].splitlines()[0]


def test_diff_shows_the_state_before_and_after_each_action_sent():
    api = FakeOcp(failed_task())
    result, _clock, _lines = supervise(api, RETRY_TIMEOUTS, diff=True)
    [diff] = result['diff']
    assert diff['before_header'] == "task 1, retry of subtask 112 'Create resource pool' (before)"
    assert 'FAILED/EXECUTE' in diff['before'] and "'Create resource pool': SUCCESSFUL/RETRY" in diff['after']


def test_timeout_ends_on_the_deadline_and_says_what_still_runs():
    api = FakeOcp(make_task(1, make_subtask(10, 'Install OCP agent', status='RUNNING')))
    result, clock, lines = supervise(api, timeout=60, sleep=1)
    [task] = result['tasks']
    assert task['outcome'] == 'timed_out' and task['status'] == 'RUNNING'
    assert clock.seconds == pytest.approx(60) and result['elapsed'] == 60
    assert clock.sleeps[:3] == [1, 1.5, 2.25] and max(clock.sleeps) <= 4
    [running] = task['running_subtasks']
    assert (running['name'], running['status'], running['running_for']) == ('Install OCP agent', 'RUNNING', 60)
    assert lines[-1] == ("timed out after 1m00s with 1 task(s) unfinished (0 succeeded, 0 failed, 0 rolled back, "
                         "0 action(s) sent): task 1 'Create tenant' still RUNNING ('Install OCP agent' running for "
                         "1m00s)")
    assert 'nothing left' not in lines[-1]
    message = unsuccessful_message(result)
    assert "task 1 'Create tenant' (tenant t_app in cluster obcluster) timed_out (RUNNING/EXECUTE): subtask 10 'Install OCP agent' running for 1m00s" in message


def test_retry_delay_is_waited_for_and_the_sleep_ends_when_it_is_due():
    raw = {'rules': [{'action': 'retry', 'delay': 10}]}
    api = FakeOcp(failed_task())
    result, clock, _lines = supervise(api, raw, sleep=30)
    assert outcomes(result) == ['succeeded'] and api.posts == [('retry', 1, 112)]
    # Sent as soon as the 10 s delay after the failure was over, not after a 30 s poll.
    assert result['tasks'][0]['actions'][0]['at'] == (START + datetime.timedelta(seconds=10)).isoformat()
    assert clock.sleeps[0] == pytest.approx(10.001)


def test_progress_lines_come_at_the_interval_and_are_short():
    api = FakeOcp(make_task(1, make_subtask(10, 'Create tenant', status='RUNNING'), make_subtask(11, 'Done')))
    _result, _clock, lines = supervise(api, timeout=100, sleep=1, progress_interval=30)
    assert lines[0] == 'waiting for 1 task(s): 1'
    periodic = [line for line in lines if line.startswith('after ')]
    assert [line.split(':')[0] for line in periodic] == ['after 30s', 'after 1m00s', 'after 1m30s']
    assert periodic[0] == "after 30s: 1 running, 0 succeeded, 0 failed, 0 rolled back, 0 action(s) sent; " \
                          "task 1 'Create tenant' RUNNING 1/2"


def test_many_running_tasks_cost_one_list_query_per_round_and_no_reads():
    count = 50
    tasks = [make_task(i, make_subtask(1000 + i, 'Create tenant', status='RUNNING')) for i in range(1, count + 1)]
    api = FakeOcp(*tasks)
    result, _clock, lines = supervise(api, task_ids=range(1, count + 1), timeout=10, sleep=1, progress_interval=5)
    assert result['summary']['timed_out'] == count
    assert len(api.calls_of('list')) == result['rounds']
    # No read while they ran; at the deadline a few are read once, to say what still runs.
    assert len(api.calls_of('read')) == 50 and count >= SUPERVISION_WATCHING.detail_below
    assert "task 1 'Create tenant' RUNNING 0/1" in lines[1]


def test_more_unfinished_tasks_than_a_page_are_all_read_from_the_list():
    count = LIST_PAGE_SIZE + 10
    tasks = [make_task(i, make_subtask(10 ** 6 + i, 'Create tenant', status='RUNNING')) for i in range(1, count + 1)]
    api = FakeOcp(*tasks)
    supervisor, _lines = supervisor_for(api, timeout=3, sleep=1)
    supervisor.run(list(range(1, count + 1)))
    # Two pages a round, and no task is read one by one while it runs.
    assert len(api.calls_of('list')) == 2 * supervisor.rounds
    assert api.calls_of('list')[:2] == [('list', 1), ('list', 2)]
    assert len(api.calls_of('read')) <= 50  # only the final reads of the timed-out tasks


def test_progressing_tasks_among_many_are_not_read_until_they_finish():
    tasks = [make_task(i, make_subtask(10 * i, 'Check', status='RUNNING'),
                       make_subtask(10 * i + 1, 'Create', status='PENDING'))
             for i in range(1, 6)]
    api = FakeOcp(*tasks)

    def sleeper(seconds):
        api.clock.sleep(seconds)
        for task in api.tasks.values():
            first, second = task['subtasks']
            if first['status'] == 'RUNNING':
                first['status'], second['status'] = 'SUCCESSFUL', 'RUNNING'
            elif second['status'] == 'RUNNING':
                second['status'] = 'SUCCESSFUL'
            api.settle(task['id'])

    result, _clock, _lines = supervise(api, task_ids=[1, 2, 3, 4, 5], timeout=30, sleeper=sleeper)
    assert result['summary']['succeeded'] == 5
    # None read: not while they progressed, nor when they left the list, since each entry among
    # the tasks that ended last tells a success; the report counts their subtasks all the same.
    assert api.calls_of('read') == []
    assert [(task['subtasks_done'], task['subtasks_total'], task['operation']) for task in result['tasks']] == \
        [(2, 2, 'EXECUTE')] * 5


def _many(count=5):
    api = FakeOcp()
    for task_id in range(1, count + 1):
        api.add_task(task_id)
    return api


def test_a_finished_tasks_outcome_comes_from_its_entry_where_the_entry_tells_it():
    api = _many()
    supervisor, _lines = supervisor_for(api, timeout=30)
    api.run_to_success(1)                                        # clean: EXECUTE only
    api.fail(2, 0), api.retry(2, 0), api.run_to_success(2)      # a forward retry: succeeded
    api.fail(3, 0), api.roll_back(3)                             # the rollback's marks: rolled back
    api.fail(4, 0), api.skip(4, 0), api.run_to_success(4)       # a skip is no forward run: read
    api.run_to_success(5)
    result = supervisor.run([1, 2, 3, 4, 5])
    by_id = dict((task['id'], task) for task in result['tasks'])
    assert [by_id[i]['outcome'] for i in range(1, 6)] == \
        ['succeeded', 'succeeded', 'rolled_back', 'succeeded', 'succeeded']
    assert api.calls_of('read') == [('read', 4)]
    assert (by_id[3]['operation'], by_id[3]['subtasks_done'], by_id[3]['subtasks_total']) == ('ROLLBACK', 0, 3)
    # After a retry the task's own operation is not in the entry: the report does not guess it.
    assert by_id[2]['operation'] is None and by_id[2]['subtasks_done'] == 3


def test_under_max_actions_a_task_with_runs_behind_its_entry_is_read_for_their_count():
    api = _many()
    supervisor, _lines = supervisor_for(api, dict(RETRY_TIMEOUTS, max_actions=5), timeout=30)
    api.run_to_success(1)
    api.fail(2, 0), api.retry(2, 0), api.run_to_success(2)
    api.run_to_success(3), api.run_to_success(4), api.run_to_success(5)
    result = supervisor.run([1, 2, 3, 4, 5])
    assert result['summary']['succeeded'] == 5
    assert api.calls_of('read') == [('read', 2)]


def test_a_failure_among_many_tasks_is_read_and_remediated():
    running = [make_task(i, make_subtask(1000 + i, 'Create tenant', status='RUNNING')) for i in range(2, 6)]
    api = FakeOcp(failed_task(1), *running)
    result, _clock, _lines = supervise(api, RETRY_TIMEOUTS, task_ids=range(1, 6), timeout=10)
    assert api.posts == [('retry', 1, 112)]
    assert result['tasks'][0]['outcome'] == 'succeeded'


def test_earlier_retries_of_quiet_tasks_count_against_max_actions_from_their_logs():
    # Tasks 2-5 run on after two retries each by hand (the list shows operation RETRY; only the log
    # shows how many): with max_actions 8 they used the allowance, so task 1's failure is left as it is.
    runs = [('EXECUTE', TIMEOUT_ERROR), ('RETRY', TIMEOUT_ERROR), ('RETRY', None)]
    running = [make_task(i, make_subtask(1000 + i, 'Create tenant', status='RUNNING', operation='RETRY', runs=runs))
               for i in range(2, 6)]
    api = FakeOcp(failed_task(1), *running)
    result, _clock, _lines = supervise(api, dict(RETRY_TIMEOUTS, max_actions=8), task_ids=range(1, 6), timeout=10)
    assert api.posts == []
    assert 'max_actions (8)' in result['tasks'][0]['decisions'][0]['reason']


def test_an_action_whose_effect_is_slow_to_show_is_not_sent_twice():
    api = FakeOcp(failed_task(), on_retry=stay_ready)
    result, _clock, _lines = supervise(api, {'rules': [{'action': 'retry'}]}, timeout=5)
    assert api.posts == [('retry', 1, 112)] and outcomes(result) == ['timed_out']


# ---------------------------------------------------------------- other actors

def another_actor_retries_first(api, runs_again_and_fails=False):
    """Right before our POST, someone else retries the same subtask (and it may fail again at once)."""
    def before_post(kind, task_id, subtask_id):
        api.before_post = None
        api.apply('retry', task_id, subtask_id)
        subtask = api.by_id(task_id, subtask_id)
        if runs_again_and_fails:
            api.end_run(api.tasks[task_id], subtask, 'FAILED', TIMEOUT_ERROR)
        else:
            api.fail_post = [(REFUSED, False)]
    return before_post


def test_a_state_changed_since_the_decision_is_not_acted_on():
    # Another supervision retried between our read and our POST: the read before the POST sees it.
    api = FakeOcp(failed_task(), on_retry=stay_ready)
    original_get = api.get_task
    reads = []

    def get_task(task_id):
        reads.append(task_id)
        if len(reads) == 2:  # the read right before the POST
            api.apply('retry', task_id, 112)
        return original_get(task_id)

    api.get_task = get_task
    result, _clock, lines = supervise(api, RETRY_TIMEOUTS, timeout=5)
    assert api.posts == []
    assert any('changed since it was read (someone else acted' in line for line in lines)
    assert outcomes(result) == ['timed_out']


def test_a_refusal_under_ocps_lock_is_someone_else_and_the_count_converges():
    api = FakeOcp(failed_task(), on_retry=fail_on_retry)
    api.before_post = another_actor_retries_first(api)
    result, _clock, lines = supervise(api, RETRY_TIMEOUTS)
    [task] = result['tasks']
    results = [a['result'] for a in task['actions']]
    assert results[0] == 'refused' and results.count('sent') == 1
    # The other actor's retry counts as an attempt: ours is attempt 3, the last one allowed.
    assert [a['attempt'] for a in task['actions'] if a['result'] == 'sent'] == [3]
    assert task['outcome'] == 'failed' and task['failed_subtasks'][0]['attempts'] == 3
    assert any('someone else acted first' in line for line in lines)


def test_deferred_by_429_the_action_is_decided_again_after_retry_after():
    too_many = OcpApiError(status=429, message='slow down')
    too_many.retry_after = 7
    api = FakeOcp(failed_task(), fail_post=[(too_many, False)])
    result, clock, lines = supervise(api, RETRY_TIMEOUTS)
    assert api.posts == [('retry', 1, 112), ('retry', 1, 112)]
    assert outcomes(result) == ['succeeded']
    [sent] = result['tasks'][0]['actions']
    assert sent['at'] == (START + datetime.timedelta(seconds=7)).isoformat()
    assert any('did not take the retry' in line and 'in 7s as it asked' in line for line in lines)


def test_lost_answer_with_effect_counts_as_sent_and_is_not_repeated():
    api = FakeOcp(failed_task(), fail_post=(OcpServerError(status=502), True))
    result, _clock, _lines = supervise(api, {'rules': [{'action': 'skip'}]})
    assert api.posts == [('skip', 1, 112)]
    [action] = result['tasks'][0]['actions']
    assert action['result'] == 'sent' and 'answer was lost' in action['note']
    assert outcomes(result) == ['succeeded']


def test_lost_answer_of_a_retry_that_already_failed_again_is_still_seen():
    # OCP's counting: runTime unchanged, the subtask failed again before we looked: a new finish time tells.
    api = FakeOcp(failed_task(), on_retry=fail_on_retry,
                  fail_post=[(OcpConnectionError('read timed out', 'POST', '/x', ambiguous=True), True)])
    result, _clock, _lines = supervise(api, {'rules': [{'action': 'retry', 'max_attempts': 2}]})
    assert api.posts == [('retry', 1, 112)]
    assert result['tasks'][0]['actions'][0]['result'] == 'sent'


def test_lost_answer_without_effect_fails_the_task_without_sending_again():
    error = OcpConnectionError('read timed out', 'POST', '/x', ambiguous=True)
    api = FakeOcp(failed_task(), fail_post=(error, False))
    result, _clock, _lines = supervise(api, {'rules': [{'action': 'skip'}]})
    assert api.posts == [('skip', 1, 112)]
    [task] = result['tasks']
    assert task['outcome'] == 'failed' and task['actions'][0]['result'] == 'lost'
    assert 'not sent again' in task['decisions'][0]['reason']
    assert result['changed'] is False


def test_lost_answer_while_ocp_cannot_be_read_is_possibly_applied_then_settled():
    error = OcpConnectionError('read timed out', 'POST', '/x', ambiguous=True)
    api = FakeOcp(failed_task(), fail_post=(error, True))
    down = OcpServerError(status=503, message='down')
    original_post = api._post

    def post_then_outage(kind, task_id, subtask_id=None):
        try:
            original_post(kind, task_id, subtask_id)
        finally:
            api.fail_reads = down

    api._post = post_then_outage
    supervisor, lines = supervisor_for(api, {'rules': [{'action': 'skip'}]},
                                       sleeper=lambda seconds: (api.clock.sleep(seconds),
                                                                setattr(api, 'fail_reads', None)))
    result = supervisor.run([1])
    [task] = result['tasks']
    assert api.posts == [('skip', 1, 112)]
    assert task['actions'][0]['result'] == 'sent' and 'carried it out' in task['actions'][0]['note']
    assert any('counts as possibly applied' in line for line in lines)
    assert task['outcome'] == 'succeeded'


def test_possibly_applied_actions_are_reported_when_the_wait_ends_before_ocp_answers():
    error = OcpConnectionError('read timed out', 'POST', '/x', ambiguous=True)
    api = FakeOcp(failed_task(), fail_post=(error, True))
    original_post = api._post

    def post_then_outage(kind, task_id, subtask_id=None):
        try:
            original_post(kind, task_id, subtask_id)
        finally:
            api.fail_reads = OcpConnectionError('refused', 'GET', '/x')

    api._post = post_then_outage
    result, _clock, _lines = supervise(api, {'rules': [{'action': 'skip'}]}, timeout=30)
    [task] = result['tasks']
    assert task['outcome'] == 'timed_out'
    assert task['actions'][0]['result'] == 'possibly_applied'
    assert result['summary']['actions_sent'] == 1 and result['summary']['actions_possibly_applied'] == 1
    assert result['changed'] is True
    assert 'OCP has not answered since' in task['decisions'][0]['reason']


def test_refused_action_on_an_unchanged_task_is_not_sent_again():
    api = FakeOcp(failed_task(), fail_post=(REFUSED, False))
    result, _clock, _lines = supervise(api, {'rules': [{'action': 'skip'}]})
    assert api.posts == [('skip', 1, 112)]
    [task] = result['tasks']
    assert task['outcome'] == 'failed' and 'has not changed since' in task['decisions'][0]['reason']


def test_unreachable_post_is_tried_again_later():
    api = FakeOcp(failed_task(), fail_post=[(OcpConnectionError('refused', 'POST', '/x', ambiguous=False), False)])
    result, _clock, _lines = supervise(api, {'rules': [{'action': 'skip'}]})
    assert api.posts == [('skip', 1, 112), ('skip', 1, 112)] and outcomes(result) == ['succeeded']


# ---------------------------------------------------------------- weather

@pytest.mark.parametrize('fault', [
    OcpServerError(status=503, message='gateway'),
    OcpApiError(status=429, message='slow down'),
    OcpConnectionError('could not connect', 'GET', '/x'),
])
def test_a_burst_of_errors_mid_wait_is_weather(fault):
    api = FakeOcp(make_task(1, make_subtask(10, 'Create tenant', status='RUNNING')))
    reads = []

    def burst(kind):
        reads.append(kind)
        return fault if 2 <= len(reads) <= 6 else None

    api.fail_reads = burst

    def sleeper(seconds):
        api.clock.sleep(seconds)
        if api.clock.seconds > 20:
            api.tasks[1]['subtasks'][0]['status'] = 'SUCCESSFUL'
            api.settle(1)

    result, _clock, lines = supervise(api, sleeper=sleeper, timeout=300, progress_interval=5)
    assert outcomes(result) == ['succeeded']
    assert any(line.startswith('OCP did not answer (') for line in lines)
    assert any(line.startswith('OCP has not answered since 2024-05-01 12:00:0') for line in lines)
    assert any(line.startswith('OCP answers again, after ') for line in lines)


def test_retry_after_sets_the_pause_during_an_outage():
    fault = OcpApiError(status=429, message='slow down')
    fault.retry_after = 12
    api = FakeOcp(make_task(1, make_subtask(10, 'Create tenant', status='RUNNING')))
    api.fail_reads = lambda kind: fault if len(api.calls_of('read')) == 2 else None
    result, clock, _lines = supervise(api, timeout=30)
    assert clock.sleeps[1] >= 12


def test_an_outage_until_the_deadline_ends_timed_out_with_the_reason():
    api = FakeOcp(make_task(1, make_subtask(10, 'Create tenant', status='RUNNING')))
    api.fail_reads = lambda kind: OcpConnectionError('could not connect', 'GET', '/x') if api.calls_of('read')[1:] else None
    result, clock, _lines = supervise(api, timeout=100)
    [task] = result['tasks']
    assert task['outcome'] == 'timed_out' and clock.seconds == pytest.approx(100)
    assert 'OCP has not answered since' in task['decisions'][0]['reason']


@pytest.mark.parametrize('fault', [OcpAuthenticationError(status=401), OcpServerError(status=500)])
def test_errors_before_ocp_ever_answered_end_the_wait(fault):
    api = FakeOcp(failed_task())
    api.fail_reads = fault
    supervisor, _lines = supervisor_for(api, RETRY_TIMEOUTS)
    with pytest.raises(type(fault)):
        supervisor.run([1])


def test_a_401_mid_wait_ends_it():
    api = FakeOcp(make_task(1, make_subtask(10, 'Create tenant', status='RUNNING')))
    api.fail_reads = lambda kind: OcpAuthenticationError(status=401) if api.calls_of('read')[1:] else None
    supervisor, _lines = supervisor_for(api)
    with pytest.raises(OcpAuthenticationError):
        supervisor.run([1])


def test_a_task_ocp_does_not_know_is_that_tasks_outcome():
    api = FakeOcp(failed_task(1), failed_task(2))
    result, _clock, _lines = supervise(api, RETRY_TIMEOUTS, task_ids=(1, 999999, 2))
    assert outcomes(result) == ['succeeded', 'not_found', 'succeeded']
    assert result['summary']['not_found'] == 1
    assert '999999' in unsuccessful_message(result)


# ---------------------------------------------------------------- malformed answers

def _subtask_id(task, subtask_id, bad):
    return dict(task, subtasks=[dict(subtask, id=bad) if subtask['id'] == subtask_id else subtask
                                for subtask in task['subtasks']])


@pytest.mark.parametrize('bad', [0, -1, None, 'x', 1.5, True, '\u00b2'])
def test_one_bad_subtask_id_ends_that_task_unreadable_and_the_others_are_supervised(bad):
    api = FakeOcp(failed_task(1), failed_task(2), failed_task(3))
    api.spoil[2] = lambda task: _subtask_id(task, 212, bad)
    result, _clock, lines = supervise(api, RETRY_TIMEOUTS, task_ids=(1, 2, 3))
    assert outcomes(result) == ['succeeded', 'unreadable', 'succeeded']
    assert api.posts == [('retry', 1, 112), ('retry', 3, 312)]
    [decision] = result['tasks'][1]['decisions']
    assert decision['result'] == 'unreadable'
    assert decision['reason'].startswith("OCP's answer is malformed: task 2, subtasks[1]: id is not a positive integer")
    assert decision['reason'].endswith('nothing more is done to this task; the other tasks are supervised all the same')
    assert result['summary']['unreadable'] == 1 and result['summary']['total'] == 3
    assert '1 unreadable' in lines[-1]
    assert 'task 2 unreadable' in unsuccessful_message(result)


def test_a_task_malformed_from_the_start_keeps_nothing_but_its_id_and_why():
    api = FakeOcp(failed_task(1), make_task(2, status='RUNNING'))
    api.spoil[2] = lambda task: dict(task, subtasks={'a': 1})
    result, _clock, _lines = supervise(api, task_ids=(2, 1))
    assert outcomes(result) == ['unreadable', 'failed']
    assert (result['tasks'][0]['id'], result['tasks'][0]['status']) == (2, None)
    assert 'task 2: subtasks is not a list (found an object with key(s) a)' in result['tasks'][0]['decisions'][0]['reason']


def test_in_check_mode_an_unreadable_task_says_it_cannot_be_read():
    api = FakeOcp(failed_task(1), failed_task(2))
    api.spoil[2] = lambda task: dict(task, status=['FAILED'])
    supervisor, _lines = supervisor_for(api, RETRY_TIMEOUTS, check_mode=True)
    result = supervisor.run([1, 2])
    assert api.posts == [] and outcomes(result) == [None, 'unreadable']
    assert "cannot be read: OCP's answer is malformed: task 2: status is not a string" in check_mode_message(result)


def test_watched_through_the_list_malformed_entries_cost_no_other_task():
    """Five tasks: the list is watched. An entry without an id that can be read is left out (and
    said); one with an id has its task read in detail, which shows it malformed too."""
    api = FakeOcp(*[failed_task(task_id) for task_id in range(1, 6)])
    api.spoil[5] = lambda task: _subtask_id(task, 512, None)
    api.extra_entries = [{'status': 'FAILED'}, 'x', {'id': 'abc', 'status': 'FAILED', 'subtasks': []}]
    result, _clock, _lines = supervise(api, RETRY_TIMEOUTS, task_ids=(1, 2, 3, 4, 5))
    assert outcomes(result) == ['succeeded'] * 4 + ['unreadable']
    assert api.calls_of('list') and ('read', 5) in api.calls
    [warning] = result['warnings']
    assert warning == ("OCP listed tasks whose id cannot be read, left out of the list (a task waited for is read by "
                       "its id): id is not a positive integer (found null); it is not an object (found 'x'); id is not "
                       "a positive integer (found 'abc')")


def test_a_list_that_cannot_be_read_has_every_task_read_instead():
    api = FakeOcp(*[failed_task(task_id) for task_id in range(1, 6)])
    api.fail_reads = lambda kind: OcpUnexpectedResponseError(
        status=200, message='the task list is not a data object') if kind == 'list' else None
    result, _clock, lines = supervise(api, RETRY_TIMEOUTS, task_ids=(1, 2, 3, 4, 5))
    assert outcomes(result) == ['succeeded'] * 5
    assert len([line for line in lines if line.startswith('the task list cannot be read')]) == 1


def test_an_action_whose_answer_and_the_read_after_are_malformed_stays_in_the_report():
    api = FakeOcp(failed_task(1), failed_task(2), fail_post=(OcpServerError(status=500, method='POST'), True))
    api.before_post = lambda kind, task_id, subtask_id: api.spoil.update({task_id: lambda task: dict(task, status=7)})
    result, _clock, _lines = supervise(api, RETRY_TIMEOUTS, task_ids=(1, 2))
    assert outcomes(result) == ['unreadable', 'unreadable']
    assert api.posts == [('retry', 1, 112), ('retry', 2, 212)]
    for task in result['tasks']:
        [action] = task['actions']
        assert action['result'] == 'possibly_applied' and 'status is not a string (found 7)' in action['note']
    assert result['summary']['actions_possibly_applied'] == 2


# ---------------------------------------------------------------- logs

def test_failed_logs_are_read_once_per_run():
    api = FakeOcp(failed_task(), on_retry=fail_on_retry)
    supervise(api, RETRY_TIMEOUTS)
    # runs 1, 2 and 3 each failed once: one log read each, the report reuses the last.
    assert len(api.calls_of('log')) == 3


def test_a_log_rule_looks_at_the_latest_run():
    # The first run timed out, the second failed otherwise: a rule for timeouts no longer applies.
    runs = [('EXECUTE', TIMEOUT_ERROR), ('RETRY', 'ERROR 4733 (HY000): resource not enough')]
    api = FakeOcp(failed_task(runs=runs))
    result, _clock, _lines = supervise(api, RETRY_TIMEOUTS)
    assert api.posts == [] and 'no rule applies' in result['tasks'][0]['decisions'][0]['reason']
    assert result['tasks'][0]['failed_subtasks'][0]['cause'].endswith('ERROR 4733 (HY000): resource not enough')


def test_a_log_pattern_that_runs_too_long_counts_as_not_matching_and_is_reported():
    def never_finishes(patterns, lines):
        return log_search.SearchResult([], patterns)
    api = FakeOcp(failed_task())
    result, _clock, _lines = supervise(api, RETRY_TIMEOUTS, search=never_finishes)
    assert api.posts == [] and outcomes(result) == ['failed']
    assert 'took longer than the bound' in result['warnings'][0]


def test_the_real_bounded_search_returns_on_a_hostile_log_and_pattern():
    api = FakeOcp(failed_task(), logs={112: 'x' * 2000000})
    raw = {'rules': [{'match': {'log': '(x+)+y'}, 'action': 'retry'}]}
    started = datetime.datetime.now()
    result, _clock, _lines = supervise(
        api, raw, search=lambda patterns, lines: log_search.search(patterns, lines, timeout=1))
    assert (datetime.datetime.now() - started).total_seconds() < 10
    assert api.posts == [] and result['warnings']


def test_cancel_of_a_hung_subtask():
    hung = make_task(1, make_subtask(12, 'Create resource pool', status='RUNNING'))
    api = FakeOcp(hung)
    raw = {'rules': [{'action': 'cancel', 'running_longer_than': 20}, {'action': 'rollback'}]}
    result, clock, _lines = supervise(api, raw)
    assert api.posts == [('cancel', 1, 12), ('rollback', 1, None)]
    assert outcomes(result) == ['rolled_back'] and clock.seconds > 20


def test_a_cancel_limit_counts_from_the_latest_run_not_from_ocps_start_time():
    # startTime is the first run's (12:00:00); the second run started 15 s later, as its separator says.
    later = (START + datetime.timedelta(seconds=15)).isoformat()
    hung = make_task(1, make_subtask(12, 'Create resource pool', status='RUNNING', operation='RETRY',
                                     runs=[('EXECUTE', TIMEOUT_ERROR), ('RETRY', None)]))
    api = FakeOcp(hung)
    api.tasks[1]['subtasks'][0]['_runs'][1] = Run('RETRY', later, None, None)
    result, clock, _lines = supervise(api, {'rules': [{'action': 'cancel', 'running_longer_than': 20}]}, timeout=120)
    assert api.posts == [('cancel', 1, 12)]
    assert result['tasks'][0]['actions'][0]['at'] == (START + datetime.timedelta(seconds=35)).isoformat()


def test_cancel_rules_over_many_tasks_read_each_task_when_its_limit_passes_not_every_round():
    count = 50
    tasks = [make_task(i, make_subtask(1000 + i, 'Create tenant', status='RUNNING')) for i in range(1, count + 1)]
    api = FakeOcp(*tasks)
    # The subtasks started at START; the limit passes after 30 s, the wait ends after 60 s.
    raw = {'rules': [{'match': {'subtask_name': 'Create tenant', 'log': 'never in the log'}, 'action': 'cancel',
                      'running_longer_than': 30}]}
    result, _clock, _lines = supervise(api, raw, task_ids=range(1, count + 1), timeout=60, sleep=1)
    assert result['summary']['timed_out'] == count and api.posts == []
    rounds = result['rounds']
    assert len(api.calls_of('list')) == rounds and rounds > 10
    gets = len(api.calls_of('read'))
    # A read at the start, one when the limit passes, then at most one per slowest poll interval, and the final one.
    assert gets <= count * (3 + 30 // default_max_sleep(1))


def test_cancel_is_sent_when_the_limit_passes_among_many_tasks():
    tasks = [make_task(i, make_subtask(1000 + i, 'Create tenant', status='RUNNING')) for i in range(1, 11)]
    api = FakeOcp(*tasks)
    raw = {'rules': [{'match': {'subtask_name': 'Create tenant'}, 'action': 'cancel', 'running_longer_than': 30}]}
    result, _clock, _lines = supervise(api, raw, task_ids=range(1, 11), timeout=120, sleep=5)
    assert sorted(api.posts) == [('cancel', i, 1000 + i) for i in range(1, 11)]
    assert result['summary']['failed'] == 10
    # The sleep ends when the limit passes, not a poll interval later.
    sent_at = set(task['actions'][0]['at'] for task in result['tasks'])
    assert sent_at == set([(START + datetime.timedelta(seconds=30)).isoformat()])


# ---------------------------------------------------------------- options and helpers

@pytest.mark.parametrize('timeout, sleep, interval, message', [
    (-1, 1, 30, 'wait_timeout'), (1, 0, 30, 'wait_sleep'), (1, 1, 0, 'progress_interval')])
def test_bad_wait_options(timeout, sleep, interval, message):
    with pytest.raises(OcpClientError, match=message):
        Supervisor(FakeOcp(), parse_policy(None), timeout, sleep, progress_interval=interval)


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
    api = FakeOcp(failed_task())
    api.fail_reads = lambda kind: OcpAuthenticationError(status=401) if api.calls_of('skip') else None
    supervisor, _lines = supervisor_for(api, {'rules': [{'action': 'skip'}]})
    with pytest.raises(OcpAuthenticationError):
        supervisor.run([1])
    report = supervisor.report_so_far()
    assert report['changed'] is True
    assert [a['action'] for a in report['tasks'][0]['actions']] == ['skip']


def test_failure_explanation_names_the_subtask_its_host_and_its_cause():
    api = FakeOcp(failed_task())
    result, _clock, _lines = supervise(api)
    message = unsuccessful_message(result)
    assert message == ("1 of 1 task(s) did not succeed: task 1 'Create tenant' (tenant t_app in cluster obcluster) "
                       "failed (FAILED/EXECUTE): subtask 112 "
                       "'Create resource pool' (Create resource pool on host 10.0.0.1) failed: ERROR 4012 (HY000): "
                       "Timeout; no rule applies to subtask 112 'Create resource pool'; the task is left as it is")


def test_a_503_from_a_proxy_after_ocp_acted_counts_as_sent():
    api = FakeOcp(failed_task(), fail_post=[(OcpServerError(status=503), True)])
    result, _clock, _lines = supervise(api, RETRY_TIMEOUTS)
    assert api.posts == [('retry', 1, 112)] and outcomes(result) == ['succeeded']
    [action] = result['tasks'][0]['actions']
    assert action['result'] == 'sent' and 'HTTP 503 but carried it out' in action['note']
