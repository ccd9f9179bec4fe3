# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure half of the ocp_task_events source: hosts, keys, history, reads worth making."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import re

import pytest

from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.snapshot import normalize_task
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_events.checkpoint import CheckpointFieldError
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_events.events import (
    EventContext,
    TaskMemory,
    entry_needs_read,
    events_from_entry,
    events_from_read,
    host_of,
    running_long_events,
    subtasks_needing_logs,
)
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_list.entries import entry_fingerprint, finished_outcome

TZ = datetime.timezone(datetime.timedelta(hours=8))
WATCH_START = datetime.datetime(2024, 5, 1, 12, 0, 0, tzinfo=TZ)
CONTEXT = EventContext(api_url='https://ocp', watch_start=WATCH_START, observed_at='2024-05-01T12:10:00+08:00',
                       catch_up=False, initial=False, log_lines=5)
RULES = ((re.compile('^Install OCP agent$'), 600.0),)


def failed_log(subtask_id, runs):
    lines = []
    for number, (operation, started) in enumerate(runs):
        lines.append('############{%s}{%s}############' % (operation, started))
        lines.append('2024-05-01 12:00:00.000 ERROR [t,x] c.o.Task : failure %d' % (number + 1))
        lines.append('Set state for subtask: %d, operation:%s, state: FAILED' % (subtask_id, operation))
    return '\n'.join(lines)


def task(status='FAILED', subtasks=None, **fields):
    raw = dict(id=5, name='Add host', status=status, operation='EXECUTE', type='MANUAL',
               startTime='2024-05-01T12:01:00+08:00', subtasks=subtasks or [])
    if status != 'RUNNING':
        raw['finishTime'] = '2024-05-01T12:05:00+08:00'
    raw.update(fields)
    return normalize_task(raw)


def subtask(subtask_id, status, operation='EXECUTE', **fields):
    row = dict(id=subtask_id, name='Install OCP agent', description='Install OCP agent on host 10.0.0.4',
               status=status, operation=operation, seriesId=subtask_id, runTime=1)
    if status in ('FAILED', 'SUCCESSFUL'):
        row['finishTime'] = '2024-05-01T12:05:00+08:00'
    row.update(fields)
    return row


@pytest.mark.parametrize('description, host', [
    ('Install OCP agent on host 10.0.0.4', '10.0.0.4'),
    ('Check the OCP agent of host 192.168.1.20 is online', '192.168.1.20'),
    ('Upload the new package to host obs1.example.com', 'obs1.example.com'),
    ('Start the observer at [fe80::1]', None),
    ('Check host fe80::1 ports', 'fe80::1'),
    ('Save the hosts in OCP', None),
    ('Bootstrap cluster obcluster', None),
    ('Ping 10.0.0.256 and 999.1.1.1', None),
    (None, None),
])
def test_host_from_the_description(description, host):
    assert host_of(description) == host


def test_a_failure_is_keyed_by_its_run_and_told_once():
    read = task(subtasks=[subtask(7, 'FAILED')])
    logs = {7: failed_log(7, [('EXECUTE', '2024-05-01T12:04:00+08:00')])}
    events, memory = events_from_read(read, None, logs, CONTEXT)
    assert [event.key for event in events] == ['5:started', '5:7:run1:FAILED', '5:FAILED:2024-05-01T12:05:00+08:00']
    assert events[1].payload['ocp']['subtask']['host'] == '10.0.0.4'
    assert events[2].payload['ocp']['failed_subtasks'][0]['reason'] == 'failure 1'
    again, _memory = events_from_read(read, memory, logs, CONTEXT)
    assert again == []
    # Its log is not read again while the subtask stays as it was.
    assert subtasks_needing_logs(read, memory) == []


def test_failures_before_the_source_started_watching_are_history():
    read = task(subtasks=[subtask(7, 'FAILED', finishTime='2024-05-01T11:00:00+08:00')],
                finishTime='2024-05-01T11:00:00+08:00', startTime='2024-05-01T10:00:00+08:00')
    logs = {7: failed_log(7, [('EXECUTE', '2024-05-01T10:59:00+08:00')])}
    events, memory = events_from_read(read, None, logs, CONTEXT)
    assert events == []
    assert memory.keys == set(['5:started', '5:7:run1:FAILED', '5:FAILED:2024-05-01T11:00:00+08:00'])


def test_a_failure_mended_before_it_was_seen_is_told_late():
    read = task(status='RUNNING', subtasks=[subtask(7, 'SUCCESSFUL', operation='RETRY')])
    log = failed_log(7, [('EXECUTE', '2024-05-01T12:02:00+08:00')]) + (
        '\n############{RETRY}{2024-05-01T12:03:00+08:00}############\n'
        'Set state for subtask: 7, operation:RETRY, state: SUCCESSFUL')
    events, _memory = events_from_read(read, TaskMemory(keys=['5:started']), {7: log}, CONTEXT)
    assert [(event.type, event.payload['ocp']['late']) for event in events] == [('subtask_failed', True)]
    assert events[0].payload['ocp']['subtask']['run'] == 1


def test_which_subtasks_logs_are_worth_reading():
    read = task(status='RUNNING', subtasks=[
        subtask(1, 'SUCCESSFUL'),                       # its only run succeeded
        subtask(2, 'FAILED'),                           # failed
        subtask(3, 'SUCCESSFUL', operation='RETRY'),    # a failure lies behind it
        subtask(4, 'RUNNING', operation='RETRY'),       # its run has not ended: later
        subtask(5, 'PENDING'),                          # never ran
        subtask(6, 'PENDING', operation='ROLLBACK'),    # undone: its log has the run before
        subtask(8, 'SUCCESSFUL', operation='SKIP'),     # skipped after a failure
    ])
    assert subtasks_needing_logs(read, None) == [2, 3, 6, 8]


def entry(status='RUNNING', subtasks=(('1', 'RUNNING', 'EXECUTE'),), finish=None, name='Install OCP agent'):
    return dict(id=5, status=status, finishTime=finish, subtasks=[
        dict(id=int(subtask_id), name=name, status=state, operation=operation)
        for subtask_id, state, operation in subtasks])


def test_which_list_entries_call_for_a_read():
    running = entry()
    assert entry_needs_read(running, None, ()) is None  # task_started comes from the entry alone
    assert entry_needs_read(running, None, RULES)       # a limit needs the start time
    assert entry_needs_read(entry(status='FAILED'), None, ())
    memory = TaskMemory(listed=entry_fingerprint(running))
    assert entry_needs_read(running, memory, ()) is None
    progressed = entry(subtasks=(('1', 'SUCCESSFUL', 'EXECUTE'), ('2', 'RUNNING', 'EXECUTE')))
    assert entry_needs_read(progressed, memory, ()) is None
    failed = entry(subtasks=(('1', 'FAILED', 'EXECUTE'),))
    assert 'subtask 1 failed' in entry_needs_read(failed, memory, ())
    failed_task = entry(status='FAILED', subtasks=(('1', 'FAILED', 'EXECUTE'),), finish='t1')
    memory = TaskMemory(listed=entry_fingerprint(failed_task))
    retried_and_failed_again = entry(status='FAILED', subtasks=(('1', 'FAILED', 'RETRY'),), finish='t2')
    assert entry_needs_read(retried_and_failed_again, memory, ())
    assert entry_needs_read(failed_task, TaskMemory(listed=entry_fingerprint(failed_task), needs_read=True), ())


def test_running_long_is_told_once_per_run():
    started = '2024-05-01T12:00:00+08:00'
    read = task(status='RUNNING', subtasks=[subtask(7, 'RUNNING', startTime=started)])
    _events, memory = events_from_read(read, TaskMemory(keys=['5:started']), {}, CONTEXT, RULES)
    assert memory.watches['7']['since'] == started
    early, memory = running_long_events(5, memory, WATCH_START + datetime.timedelta(seconds=599), CONTEXT)
    assert early == []
    late, memory = running_long_events(5, memory, WATCH_START + datetime.timedelta(seconds=601), CONTEXT)
    assert [event.key for event in late] == ['5:7:since%s:RUNNING_LONG' % started]
    assert late[0].payload['ocp']['subtask']['host'] == '10.0.0.4'
    later, _memory = running_long_events(5, memory, WATCH_START + datetime.timedelta(seconds=900), CONTEXT)
    assert later == []


def test_a_rerun_under_a_limit_counts_from_its_own_start_which_only_its_log_shows():
    # OCP's startTime is the first run's (ST-12): the retry started at 12:05, as its separator says.
    first, again = '2024-05-01T12:00:00+08:00', '2024-05-01T12:05:00+08:00'
    read = task(status='RUNNING', subtasks=[subtask(7, 'RUNNING', operation='RETRY', startTime=first)])
    memory = TaskMemory(keys=['5:started'], watches={'7': dict(since=first, operation='EXECUTE')})
    assert subtasks_needing_logs(read, memory, RULES) == [7]
    log = failed_log(7, [('EXECUTE', first)]) + '\n############{RETRY}{%s}############' % again
    events, memory = events_from_read(read, memory, {7: log}, CONTEXT, RULES)
    assert memory.watches['7']['since'] == again
    # Read for its start only: the earlier failed run is told when this run ends, as before.
    assert events == [] and '7' not in memory.subtasks
    # Known now: the same run needs no second read of its log.
    assert subtasks_needing_logs(read, memory, RULES) == []
    later, memory = running_long_events(5, memory, WATCH_START + datetime.timedelta(seconds=601), CONTEXT)
    assert later == []
    late, memory = running_long_events(5, memory, WATCH_START + datetime.timedelta(seconds=901), CONTEXT)
    assert [event.key for event in late] == ['5:7:since%s:RUNNING_LONG' % again]


def test_memory_survives_json():
    memory = TaskMemory(listed=dict(status='RUNNING'), summary=dict(id=5), subtasks={'7': dict(view=['FAILED'])},
                        watches={'7': dict(since='t')}, keys=['b', 'a'], finished=True)
    copy = TaskMemory.from_dict(memory.to_dict())
    assert copy.to_dict() == memory.to_dict() and copy.to_dict()['keys'] == ['a', 'b']
    with pytest.raises(CheckpointFieldError, match='task must be a mapping, not a list'):
        TaskMemory.from_dict(['not', 'a', 'mapping'])


@pytest.mark.parametrize('subtasks, clean', [
    ((('1', 'SUCCESSFUL', 'EXECUTE'), ('2', 'SUCCESSFUL', 'EXECUTE')), True),
    ((('1', 'SUCCESSFUL', 'EXECUTE'), ('2', 'SUCCESSFUL', 'RETRY')), False),   # a failure on the way
    ((('1', 'PENDING', 'ROLLBACK'), ('2', 'PENDING', 'EXECUTE')), False),      # rolled back
    ((), False),
])
def test_only_a_clean_success_is_told_from_the_list_entry(subtasks, clean):
    ended = entry(status='SUCCESSFUL', subtasks=subtasks, finish='2024-05-01T12:09:00+08:00')
    events, memory = events_from_entry(ended, TaskMemory(keys=['5:started']), CONTEXT)
    assert (finished_outcome(ended, history=True) == 'succeeded') is clean
    assert [event.key for event in events] == (['5:SUCCEEDED'] if clean else [])
    assert memory.finished is clean
