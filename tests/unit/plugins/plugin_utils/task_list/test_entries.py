# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a list entry says (task_list/entries.py) and the list's queries (task_list/listing.py)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest

from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.snapshot import normalize_task
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_list.entries import (
    ANY_FAILURE,
    NEW_FAILURE,
    SettledLogs,
    entry_fingerprint,
    finished_outcome,
    is_malformed,
    log_view,
    malformed_entry,
    operation_told,
    read_reason,
)
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_list.listing import ENDED_PAGES_MAX, TaskList, Watching
from ansible_collections.oceanbase.ocp.tests.unit.fake_ocp import FakeOcp

WATCHING = Watching(detail_below=4, sweep_every=0, ended_from_list=True, failures=NEW_FAILURE)


def entry(status='RUNNING', subtasks=(('1', 'RUNNING', 'EXECUTE'),), finish=None):
    return normalize_task(dict(id=5, name='Add host', status=status, startTime='2024-05-01T12:01:00+08:00',
                               finishTime=finish, subtasks=[dict(id=int(i), name='Install OCP agent', status=state,
                                                                 operation=op) for i, state, op in subtasks]))


def test_the_fingerprint_is_what_a_list_entry_shows_and_survives_json():
    listed = entry(subtasks=(('2', 'PENDING', 'EXECUTE'), ('1', 'RUNNING', 'EXECUTE')))
    fingerprint = entry_fingerprint(listed)
    assert fingerprint == dict(status='RUNNING', start='2024-05-01T12:01:00+08:00', finish=None,
                               subtasks={'1': ['RUNNING', 'EXECUTE'], '2': ['PENDING', 'EXECUTE']})
    assert json.loads(json.dumps(fingerprint)) == fingerprint
    # A detail read of the unchanged task (which also shows the task's operation) looks the same.
    assert entry_fingerprint(dict(listed, operation='EXECUTE', type='MANUAL')) == fingerprint


@pytest.mark.parametrize('failures', [ANY_FAILURE, NEW_FAILURE])
def test_an_unchanged_entry_never_calls_for_a_read(failures):
    failed = entry(status='FAILED', subtasks=(('1', 'FAILED', 'EXECUTE'),), finish='t1')
    assert read_reason(failed, entry_fingerprint(failed), failures) is None


@pytest.mark.parametrize('failures', [ANY_FAILURE, NEW_FAILURE])
def test_what_a_first_look_calls_for(failures):
    assert read_reason(entry(), None, failures) is None
    assert read_reason(entry(status='FAILED'), None, failures) == 'first seen FAILED'
    assert read_reason(entry(subtasks=(('1', 'FAILED', 'EXECUTE'), ('2', 'RUNNING', 'EXECUTE'))), None, failures)
    retried = entry(subtasks=(('1', 'RUNNING', 'RETRY'),))
    assert read_reason(retried, None, failures) is None
    assert read_reason(retried, None, failures, history=True) == 'runs behind it that only the log tells'
    assert read_reason(None, None, failures) == 'left the list'


def test_a_failure_seen_before_calls_for_a_read_again_only_for_the_supervision():
    before = entry(subtasks=(('1', 'FAILED', 'EXECUTE'), ('2', 'RUNNING', 'EXECUTE')))
    after = entry(subtasks=(('1', 'FAILED', 'EXECUTE'), ('2', 'SUCCESSFUL', 'EXECUTE'), ('3', 'RUNNING', 'EXECUTE')))
    assert read_reason(after, entry_fingerprint(before), ANY_FAILURE) == 'subtask 1 is FAILED'
    assert read_reason(after, entry_fingerprint(before), NEW_FAILURE) is None
    failed_again = entry(status='FAILED', subtasks=(('1', 'FAILED', 'RETRY'),), finish='t2')
    seen = entry_fingerprint(entry(status='FAILED', subtasks=(('1', 'FAILED', 'RETRY'),), finish='t1'))
    assert read_reason(failed_again, seen, NEW_FAILURE) == 'failed again'
    assert read_reason(failed_again, seen, ANY_FAILURE) == 'FAILED'


def test_a_run_under_a_limit_calls_for_a_read_until_its_start_is_known():
    running = entry()
    seen = entry_fingerprint(entry(subtasks=(('1', 'PENDING', 'EXECUTE'),)))
    assert read_reason(running, seen, NEW_FAILURE, watched={'1': 'EXECUTE'}) == 'subtask 1 runs under a limit'
    assert read_reason(running, seen, NEW_FAILURE, watched={'1': 'EXECUTE'}, known={'1': 'EXECUTE'}) is None
    # Another run (another operation) is another start, for a user that tells runs apart so.
    assert read_reason(running, seen, NEW_FAILURE, watched={'1': 'EXECUTE'}, known={'1': 'RETRY'})


@pytest.mark.parametrize('subtasks, outcome, with_history', [
    ((('1', 'SUCCESSFUL', 'EXECUTE'), ('2', 'SUCCESSFUL', 'EXECUTE')), 'succeeded', 'succeeded'),
    # A forward retry did the work; a caller to whom the failure on the way matters reads it.
    ((('1', 'SUCCESSFUL', 'EXECUTE'), ('2', 'SUCCESSFUL', 'RETRY')), 'succeeded', None),
    # A skip did not do the work: doubt.
    ((('1', 'SUCCESSFUL', 'EXECUTE'), ('2', 'SUCCESSFUL', 'SKIP')), None, None),
    # The rollback's marks (ST-10): every subtask PENDING, one undone (or skipped while undoing).
    ((('1', 'PENDING', 'ROLLBACK'), ('2', 'PENDING', 'EXECUTE')), 'rolled_back', None),
    ((('1', 'PENDING', 'ROLLBACK_SKIP'), ('2', 'PENDING', 'EXECUTE')), 'rolled_back', None),
    # PENDING with no rollback mark, or some undone and some not: doubt.
    ((('1', 'PENDING', 'EXECUTE'), ('2', 'PENDING', 'EXECUTE')), None, None),
    ((('1', 'PENDING', 'ROLLBACK'), ('2', 'SUCCESSFUL', 'EXECUTE')), None, None),
    ((), None, None),
])
def test_a_finished_tasks_outcome_comes_from_its_entry_where_the_entry_is_enough(subtasks, outcome, with_history):
    ended = entry(status='SUCCESSFUL', subtasks=subtasks, finish='t')
    assert finished_outcome(ended) == outcome
    assert finished_outcome(ended, history=True) == with_history
    assert finished_outcome(entry(status='FAILED', subtasks=subtasks, finish='t')) is None
    told = operation_told(ended, outcome)
    assert told == {'succeeded': 'EXECUTE' if all(op == 'EXECUTE' for _i, _s, op in subtasks) else None,
                    'rolled_back': 'ROLLBACK', None: None}[outcome]


def test_the_tasks_that_ended_last_are_paged_until_each_wanted_one_is_found():
    ocp = FakeOcp()
    for task_id in range(1, 351):
        ocp.add_task(task_id)
        ocp.run_to_success(task_id)
    task_list = TaskList(ocp, WATCHING)
    # Pages of 100, newest finish first: one page finds both of these.
    assert sorted(task_list.recently_ended([340, 260])) == [260, 340] and task_list.queries == 1
    # 150 is the 201st to finish last: the third page.
    assert sorted(task_list.recently_ended([340, 150])) == [150, 340] and task_list.queries == 1 + 3
    # 50 would be on page 4, past ENDED_PAGES_MAX: it is left to a read.
    assert ENDED_PAGES_MAX == 3
    assert sorted(task_list.recently_ended([340, 50])) == [340] and task_list.queries == 4 + 3
    assert task_list.recently_ended([]) == {} and task_list.queries == 7


def test_a_settled_log_is_read_once_per_view_and_a_growing_one_every_time():
    reads = []
    logs = SettledLogs()

    def read():
        reads.append(1)
        return len(reads)

    running = dict(id=7, status='RUNNING', operation='EXECUTE')
    assert [logs.get(running, read) for _look in range(2)] == [1, 2]
    failed = dict(id=7, status='FAILED', operation='EXECUTE', finishTime='t1')
    assert [logs.get(failed, read) for _look in range(2)] == [3, 3]
    again = dict(failed, operation='RETRY', finishTime='t2')
    assert log_view(again) == ['FAILED', 'RETRY', 't2'] and logs.get(again, read) == 4


def test_the_list_counts_its_queries_and_stops_asking_what_ocp_refuses():
    ocp = FakeOcp()
    for task_id in range(1, 4):
        ocp.add_task(task_id)
    ocp.run_to_success(2)
    task_list = TaskList(ocp, WATCHING)
    assert sorted(task_list.unfinished()) == [1, 3] and task_list.queries == 1
    assert task_list.newest_id() == 3 and task_list.queries == 2
    assert list(task_list.recently_ended([2, 9])) == [2] and task_list.queries == 3
    ocp.refuse_finish_time_sort = True
    fresh = TaskList(ocp, WATCHING)
    assert fresh.recently_ended([2]) == {} and fresh.recently_ended([2]) == {} and fresh.queries == 1
    found, newest = TaskList(ocp, WATCHING).sweep(1)
    assert (sorted(found), newest) == ([2, 3], 3)
    assert TaskList(ocp, WATCHING).lists_instead_of_reading(4) and not TaskList(ocp, WATCHING).lists_instead_of_reading(3)


def test_a_malformed_entry_stands_in_for_its_task_and_always_calls_for_a_read():
    stand_in = malformed_entry(5, 'task 5: subtasks is not a list (found 7)')
    assert is_malformed(stand_in) and not is_malformed(entry())
    seen = entry_fingerprint(stand_in)
    assert seen['malformed'] == 'task 5: subtasks is not a list (found 7)' and 'malformed' not in entry_fingerprint(entry())
    for failures in (ANY_FAILURE, NEW_FAILURE):
        assert read_reason(stand_in, seen, failures) == 'its list entry is malformed'
    assert finished_outcome(stand_in) is None


def test_the_list_sorts_malformed_entries_into_stand_ins_and_the_unidentified():
    ocp = FakeOcp()
    for task_id in (1, 2):
        ocp.add_task(task_id)
    ocp.spoil[2] = lambda task: dict(task, status=3)
    ocp.extra_entries = [{'id': None, 'status': 'RUNNING'}, {'id': -4, 'status': 'RUNNING'}]
    task_list = TaskList(ocp, WATCHING)
    found = task_list.unfinished()
    assert sorted(found) == [1, 2] and is_malformed(found[2]) and not is_malformed(found[1])
    assert task_list.unidentified == ['id is not a positive integer (found null)',
                                      'id is not a positive integer (found -4)']
    assert task_list.newest_id() == 2
    assert sorted(task_list.sweep(0)[0]) == [1, 2]
    ocp.run_to_success(1)
    assert sorted(task_list.recently_ended([1, 2])) == [1]  # a stand-in tells no outcome: its task is read
    ocp.tasks.clear()
    assert task_list.newest_id() is None  # the newest entry has no id that can be read: asked again next time
