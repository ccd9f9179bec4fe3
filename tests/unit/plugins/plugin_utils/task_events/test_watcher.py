# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ocp_task_events source's polls against an OCP in memory, on fake clocks: which events come,
once each, across restarts and outages, and what each poll costs in requests."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import json

import pytest

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import (
    OcpApiError,
    OcpAuthenticationError,
    OcpConnectionError,
    OcpPermissionError,
    OcpServerError,
    OcpUnexpectedResponseError,
)
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_events.source_options import source_options
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_events.watcher import TaskEventWatcher, WatchState

from ansible_collections.oceanbase.ocp.tests.unit.fake_ocp import FakeOcp
from ansible_collections.oceanbase.ocp.tests.unit.plugins.module_utils.tasks.test_snapshot import deeply_nested

ENVIRON = {'OCP_URL': 'https://ocp.example.com:8080', 'OCP_USERNAME': 'admin', 'OCP_PASSWORD': 'pw'}


class Clock:
    def __init__(self):
        self.seconds = 100.0

    def __call__(self):
        return self.seconds


class Source:
    """A watcher over a FakeOcp, polled by hand; events collected as a consumer would get them."""

    def __init__(self, ocp, state=None, **args):
        self.ocp = ocp
        self.clock = Clock()
        self.options = source_options(dict(dict(interval=5), **args), ENVIRON)
        self.watcher = TaskEventWatcher(ocp, self.options, state=state, server_time=lambda: ocp.last_server_time,
                                        now=lambda: ocp.now, clock=self.clock, random=lambda: 1.0)
        self.events = []
        self.plans = []

    def poll(self, emit=None):
        plan = self.watcher.poll()
        self.plans.append(plan)
        emitted = len(plan.events) if emit is None else emit
        self.events.extend(event.payload['ocp'] for event in plan.events[:emitted])
        self.watcher.commit(plan, emitted)
        self.ocp.advance(5)
        self.clock.seconds += plan.delay or 0
        return plan

    def restarted(self, **args):
        """A new source from the checkpoint this one would have written (through JSON, like the file)."""
        state = WatchState.from_dict(json.loads(json.dumps(self.watcher.state.to_dict())))
        return Source(self.ocp, state=state, **dict(self.options_args, **args))

    @property
    def options_args(self):
        return dict(interval=5, sweep_every=self.options.sweep_every)

    def types(self):
        return [(event['type'], (event.get('task') or {}).get('id')) for event in self.events]


def keys_of(events):
    return [event['key'] for event in events if event.get('key')]


@pytest.fixture
def ocp():
    return FakeOcp()


def test_first_start_tells_nothing_of_what_ocp_already_shows(ocp):
    ocp.add_task(1)
    ocp.add_task(2)
    ocp.fail(2, 0)
    source = Source(ocp)
    source.poll()
    source.poll()
    assert source.events == []


def test_first_start_can_tell_the_current_failures_only(ocp):
    ocp.add_task(1)
    ocp.fail(1, 0, reason='first failure')
    ocp.retry(1, 0)
    ocp.fail(1, 0, reason='second failure')
    ocp.add_task(2)
    source = Source(ocp, initial_events='failures')
    source.poll()
    assert [(event['type'], event['initial']) for event in source.events] == [
        ('subtask_failed', True), ('task_failed', True)]
    # The current failure only: run 2, not the history of run 1.
    assert source.events[0]['subtask']['run'] == 2
    assert source.events[0]['subtask']['reason'] == 'second failure'
    assert source.events[1]['failed_subtasks'][0]['reason'] == 'second failure'
    source.poll()
    assert len(source.events) == 2


def test_a_new_task_and_its_failure_each_come_once(ocp):
    source = Source(ocp)
    source.poll()
    rows = ocp.add_task(7, descriptions={'Work': 'Install OCP agent on host 10.0.0.4'})
    source.poll()
    ocp.succeed(7, 0)
    source.poll()
    ocp.fail(7, 1, reason='agent did not start')
    for _poll in range(3):
        source.poll()
    assert source.types() == [('task_started', 7), ('subtask_failed', 7), ('task_failed', 7)]
    failed = source.events[1]
    assert failed['subtask'] == dict(
        id=rows[1]['id'], name='Work', description='Install OCP agent on host 10.0.0.4', host='10.0.0.4',
        status='FAILED', operation='EXECUTE', run=1, started=failed['subtask']['started'],
        finished=failed['subtask']['finished'], reason='agent did not start', log_excerpt=[
            line for line in ocp.log_text(7, rows[1]['id']).splitlines() if line.startswith('2024')])
    assert failed['key'] == '7:%d:run1:FAILED' % rows[1]['id']
    assert failed['late'] is False and failed['catch_up'] is False
    assert failed['task']['cluster'] == dict(id=1, name='obcluster')
    assert source.events[2]['key'] == '7:FAILED:%s' % ocp.tasks[7]['finishTime']


def test_malformed_answers_cost_the_source_no_other_task_and_never_stop_it(ocp):
    """Entries without an id that can be read are left out (logged once); a task whose entry and
    detail are malformed is told once as task_unreadable and read again each poll; the others are
    watched as ever."""
    ocp.extra_entries = [{'status': 'RUNNING'}, 5, {'id': 'abc', 'status': 'FAILED'}, {'id': 2.5, 'status': 'RUNNING'}]
    source = Source(ocp)
    first = source.poll()
    assert not first.fatal and not first.failed
    assert first.warnings == ['OCP listed a task whose id cannot be read, left out: %s' % (reason,) for reason in (
        'id is not a positive integer (found null)', 'it is not an object (found 5)',
        "id is not a positive integer (found 'abc')", 'id is not a positive integer (found 2.5)')]
    ocp.add_task(7)
    ocp.add_task(8)
    ocp.spoil[8] = lambda task: dict(task, subtasks=[dict(subtask, id=None) for subtask in task['subtasks']])
    second = source.poll()
    assert second.warnings == []  # told once
    ocp.fail(7, 0, reason='agent did not start')
    for _poll in range(3):
        source.poll()
    assert source.types() == [('task_started', 7), ('task_unreadable', 8), ('subtask_failed', 7), ('task_failed', 7)]
    unreadable = source.events[1]
    assert unreadable['reason'] == 'task 8, subtasks[0]: id is not a positive integer (found null)'
    assert unreadable['key'].startswith('8:UNREADABLE:') and unreadable['task']['id'] == 8
    assert ocp.calls_of('read').count(('read', 8)) == 4  # every poll while its entry is malformed
    # Once OCP answers it well, it is watched like any other.
    del ocp.spoil[8]
    ocp.fail(8, 0, reason='disk full')
    source.poll()
    assert source.types()[4:] == [('task_started', 8), ('subtask_failed', 8), ('task_failed', 8)]


def test_a_task_whose_detail_alone_is_malformed_is_told_once_and_read_again_when_its_entry_changes(ocp):
    source = Source(ocp)
    source.poll()
    ocp.add_task(9)
    source.poll()
    # A list entry shows no type (LIST-8): only the detail is malformed.
    ocp.tasks[9]['type'] = deeply_nested(40)
    ocp.fail(9, 0)
    for _poll in range(3):
        source.poll()
    assert source.types() == [('task_started', 9), ('task_unreadable', 9)]
    assert source.events[1]['reason'] == 'task 9: type is nested deeper than 32 levels'
    reads = ocp.calls_of('read').count(('read', 9))
    assert reads == 1  # its entry has not changed since
    # Answered well at its next change (it failed again): both runs' failures are told, and the task's.
    ocp.tasks[9]['type'] = 'MANUAL'
    ocp.retry(9, 0)
    ocp.fail(9, 0)
    source.poll()
    assert ocp.calls_of('read').count(('read', 9)) == reads + 1
    assert source.types()[2:] == [('subtask_failed', 9), ('subtask_failed', 9), ('task_failed', 9)]


def test_a_retried_subtask_failing_again_is_a_new_change(ocp):
    source = Source(ocp)
    source.poll()
    ocp.add_task(3)
    ocp.fail(3, 0)
    source.poll()
    ocp.retry(3, 0)
    source.poll()
    ocp.fail(3, 0)
    source.poll()
    ocp.retry(3, 0)
    source.poll()
    ocp.run_to_success(3)
    source.poll()
    assert [event['type'] for event in source.events] == [
        'task_started', 'subtask_failed', 'task_failed', 'subtask_failed', 'task_failed', 'task_succeeded']
    # runTime stays 1 on a subtask retry: the run number comes from the log.
    assert [event['subtask']['run'] for event in source.events if event['type'] == 'subtask_failed'] == [1, 2]
    assert len(set(keys_of(source.events))) == 6


def test_rollback_is_its_own_outcome(ocp):
    source = Source(ocp)
    source.poll()
    ocp.add_task(4)
    ocp.fail(4, 0)
    source.poll()
    ocp.roll_back(4)
    source.poll()
    source.poll()
    assert [event['type'] for event in source.events] == [
        'task_started', 'subtask_failed', 'task_failed', 'task_rolled_back']


def test_a_quiet_poll_is_one_list_query(ocp):
    for task_id in range(1, 501):
        ocp.add_task(task_id)
    source = Source(ocp, sweep_every=0)
    source.poll()
    for _poll in range(5):
        plan = source.poll()
        assert (plan.list_queries, plan.reads, plan.log_reads) == (1, 0, 0)


def test_progress_costs_nothing_and_ends_cost_one_list_query(ocp):
    for task_id in range(1, 11):
        ocp.add_task(task_id)
    source = Source(ocp, sweep_every=0)
    source.poll()
    for task_id in range(1, 11):
        ocp.succeed(task_id, 0)
    plan = source.poll()
    assert (plan.list_queries, plan.reads) == (1, 0)
    for task_id in (3, 5, 8):
        ocp.run_to_success(task_id)
    plan = source.poll()
    # The three ends come from one list of the tasks that ended last: clean successes need no read.
    assert (plan.list_queries, plan.reads, plan.log_reads) == (2, 0, 0)
    assert source.types() == [('task_succeeded', 3), ('task_succeeded', 5), ('task_succeeded', 8)]
    assert source.events[0]['task']['operation'] == 'EXECUTE'


def test_an_end_after_a_retry_or_a_rollback_is_read(ocp):
    ocp.add_task(1)
    ocp.add_task(2)
    source = Source(ocp, sweep_every=0)
    source.poll()
    ocp.fail(1, 0)
    ocp.retry(1, 0)
    ocp.run_to_success(1)  # a failure mended between two polls
    ocp.fail(2, 0)
    ocp.roll_back(2)
    plan = source.poll()
    assert (plan.list_queries, plan.reads) == (2, 2)
    assert [(event['type'], event.get('late')) for event in source.events] == [
        ('subtask_failed', True), ('task_succeeded', None), ('subtask_failed', True), ('task_rolled_back', None)]


def test_an_ocp_that_refuses_the_finish_time_sort_is_read_task_by_task(ocp):
    ocp.refuse_finish_time_sort = True
    ocp.add_task(1)
    ocp.add_task(2)
    source = Source(ocp, sweep_every=0)
    source.poll()
    ocp.run_to_success(1)
    plan = source.poll()
    assert plan.fatal is None and (plan.list_queries, plan.reads) == (2, 1)
    ocp.run_to_success(2)
    plan = source.poll()
    assert (plan.list_queries, plan.reads) == (1, 1)  # not asked again
    assert source.types() == [('task_succeeded', 1), ('task_succeeded', 2)]


def test_a_task_that_starts_and_ends_between_polls_is_found_by_the_sweep(ocp):
    ocp.add_task(1)
    source = Source(ocp, sweep_every=3)
    source.poll()
    ocp.add_task(2)
    ocp.fail(2, 1 - 1)
    ocp.retry(2, 0)
    ocp.run_to_success(2)
    source.poll()
    assert source.events == []  # never on the list of RUNNING and FAILED tasks
    source.poll()
    source.poll()
    assert [(event['type'], event['late'] if 'late' in event else None) for event in source.events] == [
        ('task_started', None), ('subtask_failed', True), ('task_succeeded', None)]
    source.poll()
    source.poll()
    source.poll()
    assert len(source.events) == 3
    # Forgotten once the sweeps are past it.
    assert 2 not in source.watcher.state.memory


def test_restart_from_the_checkpoint_tells_what_happened_meanwhile_once(ocp):
    ocp.add_task(1)
    source = Source(ocp)
    source.poll()
    ocp.add_task(2)
    source.poll()
    assert source.types() == [('task_started', 2)]
    # Down: task 1 fails, task 2 ends, task 3 starts and fails.
    ocp.fail(1, 0)
    ocp.run_to_success(2)
    ocp.add_task(3)
    ocp.fail(3, 0)
    restarted = source.restarted()
    restarted.poll()
    restarted.poll()
    assert restarted.types() == [('subtask_failed', 1), ('task_failed', 1), ('task_succeeded', 2),
                                 ('task_started', 3), ('subtask_failed', 3), ('task_failed', 3)]
    assert all(event['catch_up'] for event in restarted.events)
    # Restarted again with nothing new: nothing.
    again = restarted.restarted()
    again.poll()
    assert again.events == []


def test_a_stop_while_putting_events_loses_none_and_repeats_none(ocp):
    source = Source(ocp)
    source.poll()
    ocp.add_task(1)
    ocp.fail(1, 0)
    ocp.add_task(2)
    source.poll(emit=2)  # stopped after two of the four events
    assert source.types() == [('task_started', 1), ('subtask_failed', 1)]
    restarted = source.restarted()
    restarted.poll()
    assert restarted.types() == [('task_failed', 1), ('task_started', 2)]
    assert set(keys_of(source.events)).isdisjoint(keys_of(restarted.events))


def test_a_restart_after_a_stop_while_putting_reads_only_the_task_cut_short(ocp):
    """Ten tasks fail while the source runs; it is stopped before the last of their twenty events.
    Each task whose events all went out is remembered as told: the restart reads only the one
    whose events were cut short (a read and a log read), where it read all ten again (twenty
    requests, two a task), to tell nothing new."""
    source = Source(ocp)
    source.poll()
    for task_id in range(1, 11):
        ocp.add_task(task_id)
    source.poll()
    for task_id in range(1, 11):
        ocp.fail(task_id, 0)
    plan = source.poll(emit=19)
    assert len(plan.events) == 20 and (plan.reads, plan.log_reads) == (10, 10)
    restarted = source.restarted()
    ocp.calls = []
    plan = restarted.poll()
    assert (plan.reads, plan.log_reads) == (1, 1) and ocp.calls_of('read') == [('read', 10)]
    assert restarted.types() == [('task_failed', 10)]
    told = keys_of(source.events) + keys_of(restarted.events)
    assert len(told) == len(set(told)) == 30  # ten task_started, then the twenty


def test_an_outage_gives_one_event_each_way_and_backs_off(ocp):
    ocp.add_task(1)
    source = Source(ocp, max_backoff=60)
    source.poll()
    ocp.fail_next(*[OcpConnectionError('connection refused', 'GET', '/api/v2/tasks/instances')] * 5 + [
        OcpServerError(503, method='GET', path='/api/v2/tasks/instances')])
    delays = [source.poll().delay for _poll in range(6)]
    assert delays == [5, 10, 20, 40, 60, 60]
    ocp.fail(1, 0)
    source.poll()
    assert [event['type'] for event in source.events] == [
        'ocp_unreachable', 'ocp_reachable', 'subtask_failed', 'task_failed']
    unreachable, reachable = source.events[:2]
    assert 'connection refused' in unreachable['reason']
    assert reachable['failed_polls'] == 6
    assert reachable['down_for'] == sum(delays)
    # What the outage hid is caught up, and marked so.
    assert source.events[2]['catch_up'] is True


def test_retry_after_is_honoured(ocp):
    source = Source(ocp)
    source.poll()
    busy = OcpApiError(429, method='GET', path='/api/v2/tasks/instances')
    busy.retry_after = 120.0
    ocp.fail_next(busy)
    assert source.poll().delay == 120.0
    assert source.events[0]['type'] == 'ocp_unreachable' and source.events[0]['retry_after'] == 120.0


@pytest.mark.parametrize('error, words', [
    (OcpAuthenticationError(401, method='GET', path='/api/v2/tasks/instances'), 'refused the credentials'),
    (OcpPermissionError(403, method='GET', path='/api/v2/tasks/instances'), 'TASK_VIEWER'),
])
def test_refused_credentials_stop_the_source(ocp, error, words):
    source = Source(ocp)
    ocp.fail_next(error)
    plan = source.poll()
    assert words in plan.fatal and 'stopped' in plan.fatal
    assert plan.events == []


def test_a_web_page_instead_of_the_api_stops_a_first_start_but_not_a_running_source(ocp):
    page = OcpUnexpectedResponseError(200, method='GET', path='/api/v2/tasks/instances')
    source = Source(ocp)
    ocp.fail_next(page)
    assert source.poll().fatal
    source = Source(ocp)
    source.poll()
    ocp.fail_next(page)
    plan = source.poll()
    assert plan.fatal is None and plan.failed


def test_a_subtask_running_past_its_limit_is_told_once_per_run(ocp):
    source = Source(ocp, running_long=[dict(name='^Work$', seconds=60)], sweep_every=0)
    source.poll()
    ocp.add_task(1)
    source.poll()
    ocp.succeed(1, 0)  # Work starts
    plan = source.poll()
    assert plan.reads == 1  # to learn when it started: the list does not say
    for _poll in range(14):
        source.poll()
    long_events = [event for event in source.events if event['type'] == 'subtask_running_long']
    assert len(long_events) == 1
    assert long_events[0]['subtask']['name'] == 'Work' and long_events[0]['running_for'] >= 60
    assert long_events[0]['limit'] == dict(pattern='^Work$', seconds=60.0)
    # Reads only when something changed, not once per poll.
    assert ocp.count('read') == 1
    ocp.fail(1, 1)
    ocp.retry(1, 1)
    for _poll in range(14):
        source.poll()
    assert len([event for event in source.events if event['type'] == 'subtask_running_long']) == 2


def test_a_task_ocp_no_longer_has_is_forgotten(ocp):
    ocp.add_task(1)
    source = Source(ocp)
    source.poll()
    del ocp.tasks[1]
    source.poll()
    assert 1 not in source.watcher.state.memory and source.events == []


def test_fifty_tasks_stopped_and_restarted_twice_give_each_change_exactly_once(ocp):
    """Failures, retries, rollbacks and successes of 50 tasks, with the source stopped twice (once
    half-way through putting a poll's events) and OCP going on for three polls' time each time."""
    kinds = ('succeed', 'retry', 'rollback', 'stay_failed', 'flash')
    kind = dict((task_id, kinds[task_id % len(kinds)]) for task_id in range(1, 51))
    expected, received = collections.Counter(), []
    source = Source(ocp, sweep_every=2)
    source.poll()
    up = True
    for tick in range(40):
        for task_id in range(1 + tick * 5, min(51, 6 + tick * 5)):
            ocp.add_task(task_id)
            expected[(task_id, 'task_started')] += 1
        for task_id, task in sorted(ocp.tasks.items()):
            first = ocp.subtask(task_id, 0)
            if task['status'] != 'RUNNING':
                continue
            if kind[task_id] == 'flash':
                # Starts and ends between two polls, through a failure and a retry.
                ocp.fail(task_id, 0)
                ocp.retry(task_id, 0)
                ocp.run_to_success(task_id)
                expected.update({(task_id, 'subtask_failed'): 1, (task_id, 'task_succeeded'): 1})
            elif kind[task_id] == 'succeed' or first['operation'] == 'RETRY':
                ocp.run_to_success(task_id)
                expected[(task_id, 'task_succeeded')] += 1
            else:
                ocp.fail(task_id, 0)
                expected.update({(task_id, 'subtask_failed'): 1, (task_id, 'task_failed'): 1})
        if tick in (3, 12):
            before = len(source.events)
            source.poll(emit=1 if tick == 3 else None)  # then stopped
            received.extend(source.events[before:])
            up = False
        elif tick in (7, 16):
            source = source.restarted()
            up = True
        if up:
            before = len(source.events)
            source.poll()
            received.extend(source.events[before:])
        else:
            ocp.advance(5)
        # Remediation reacts to what it was told, as a rulebook would.
        told = set((event['type'], event['task']['id']) for event in received if event.get('task'))
        for task_id, task in sorted(ocp.tasks.items()):
            if task['status'] != 'FAILED' or ('task_failed', task_id) not in told:
                continue
            if kind[task_id] == 'retry':
                ocp.retry(task_id, 0)
            elif kind[task_id] == 'rollback':
                ocp.roll_back(task_id)
                expected[(task_id, 'task_rolled_back')] += 1
    got = collections.Counter((event['task']['id'], event['type']) for event in received if event.get('task'))
    assert got == expected
    assert len(keys_of(received)) == len(set(keys_of(received)))
    assert sum(expected.values()) > 150
    assert any(event['catch_up'] for event in received)
