# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one way of watching OCP's task list (plugin_utils/task_list/), pinned through both of its
users by one table of cases: the supervision of ocp_task_wait (one poll round) and the event
source (one poll).

Each case starts four tasks in the in-memory OCP (tests/unit/fake_ocp.py; a case may start fewer),
lets each user poll once to learn them, changes task 1 as the case says, and counts what the
next poll asks OCP: list queries, which tasks it reads in detail, which subtask logs. Both users
watch the same limit (the supervision's cancel rule, the event source's ``running_long``) on the
subtask named Save. Where the users differ, they differ on purpose: the parameter and its reason
are in task_list/README.md and where each user sets it.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.policy import parse_policy
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.reading import Reader
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.supervisor import Supervisor
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_events.source_options import source_options
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_events.watcher import TaskEventWatcher
from ansible_collections.oceanbase.ocp.tests.unit.fake_ocp import FakeOcp
from ansible_collections.oceanbase.ocp.tests.unit.plugins.plugin_utils.supervision.in_process_search import search_in_process

ENVIRON = {'OCP_URL': 'https://ocp.example.com:8080', 'OCP_USERNAME': 'admin', 'OCP_PASSWORD': 'pw'}
LIMIT = 600
POLICY = {'rules': [{'match': {'subtask_name': '^Save$'}, 'action': 'cancel', 'running_longer_than': LIMIT}]}
RUNNING_LONG = [dict(name='^Save$', seconds=LIMIT)]
SUBTASKS = ('Check', 'Work', 'Save', 'Verify')
# Subtask ids of task 1 (add_task numbers them from 100).
CHECK, WORK, SAVE = 100, 101, 102


def _start_save(ocp):
    ocp.succeed(1, 0)
    ocp.succeed(1, 1)


def _fail_while_work_runs(ocp):
    ocp.start(1, 1)
    ocp.fail(1, 0)


def _gone(ocp):
    del ocp.tasks[1]


def _save_runs_again(ocp):
    ocp.fail(1, 2)
    ocp.retry(1, 2)


# id, tasks, how task 1 stands before (after add_task), the change,
#   supervision: (list queries, tasks read, logs read), event source: (list queries, tasks read, logs read)
CASES = [
    ('quiet', 4, None, None,
     (1, [], []), (1, [], [])),
    ('progress: a subtask succeeds, the next starts', 4, None, lambda ocp: ocp.succeed(1, 0),
     (1, [], []), (1, [], [])),
    ('a subtask fails: the task is FAILED', 4, None, lambda ocp: ocp.fail(1, 0),
     (1, [1], [CHECK]), (1, [1], [CHECK])),
    # failures: the supervision reads again on any change while a subtask is FAILED, the source
    # only for a failure the entry did not show before (see the next case's second change).
    ('a subtask fails while another runs', 4, None, _fail_while_work_runs,
     (1, [1], [CHECK]), (1, [1], [CHECK])),
    # ended_from_list: both ask for the tasks that ended last, and a clean success needs no read.
    ('the task ends cleanly', 4, None, lambda ocp: ocp.run_to_success(1),
     (2, [], []), (2, [], [])),
    # entries.finished_outcome's history: the source tells every failure, which only the log
    # shows; the supervision (no max_actions here) needs the outcome alone.
    ('the task ends after a failure mended between polls', 4, None,
     lambda ocp: (ocp.fail(1, 0), ocp.retry(1, 0), ocp.run_to_success(1)),
     (2, [], []), (2, [1], [CHECK])),
    ('someone rolls the task back', 4, None, lambda ocp: (ocp.fail(1, 0), ocp.roll_back(1)),
     (2, [], []), (2, [1], [CHECK])),
    ('a failure mended between polls, the task runs on', 4, None, lambda ocp: (ocp.fail(1, 0), ocp.retry(1, 0)),
     (1, [], []), (1, [], [])),
    ('a subtask under a limit starts: its start is only in a read', 4, None, _start_save,
     (1, [1], []), (1, [1], [])),
    # The source reads the new run's log at once: its event is keyed on the run's start. The
    # supervision counts the limit from the first run's startTime, an early bound, and reads the
    # task and the log when that passes (next_cancel_check).
    ('a subtask under a limit runs again: its start is only in its log', 4, _start_save, _save_runs_again,
     (1, [], []), (1, [1], [SAVE])),
    ('OCP no longer has the task', 4, None, _gone,
     (2, [1], []), (2, [1], [])),
    ('another subtask progresses while one is FAILED', 4, _fail_while_work_runs,
     lambda ocp: (ocp.start(1, 3), ocp.succeed(1, 1)),
     (1, [1], []), (1, [], [])),
    # detail_below: with fewer than 4 tasks the supervision reads each, the source always lists.
    ('one task, quiet: the supervision reads it, the source lists it', 1, None, None,
     (0, [1], []), (1, [], [])),
]


class Stop(Exception):
    pass


def _ocp(tasks, before):
    ocp = FakeOcp()
    for task_id in range(1, tasks + 1):
        ocp.add_task(task_id, subtasks=SUBTASKS)
    if before is not None:
        before(ocp)
    return ocp


def _costs(calls):
    return (len([call for call in calls if call[0] == 'list']), [call[1] for call in calls if call[0] == 'read'],
            [call[2] for call in calls if call[0] == 'log'])


def supervision_costs(tasks, before, change):
    """The requests of the supervision's second round, after ``change``."""
    ocp = _ocp(tasks, before)
    policy = parse_policy(POLICY)
    marks = []

    def sleeper(seconds):
        ocp.clock.sleep(seconds)
        if marks:
            raise Stop()
        if change is not None:
            change(ocp)
        marks.append(len(ocp.calls))

    supervisor = Supervisor(ocp, policy, 3600, 5, clock=ocp.clock.monotonic, sleeper=sleeper, now=ocp.clock.now,
                            reader=Reader(ocp, policy, search=search_in_process))
    with pytest.raises(Stop):
        supervisor.run(list(range(1, tasks + 1)))
    return _costs(ocp.calls[marks[0]:])


def event_source_costs(tasks, before, change):
    """The requests of the event source's second poll, after ``change``."""
    ocp = _ocp(tasks, before)
    options = source_options(dict(interval=5, sweep_every=0, running_long=RUNNING_LONG), ENVIRON)
    watcher = TaskEventWatcher(ocp, options, server_time=lambda: ocp.last_server_time, now=ocp.clock.now,
                               clock=ocp.clock.monotonic, random=lambda: 1.0)
    plan = watcher.poll()
    watcher.commit(plan, len(plan.events))
    ocp.advance(5)
    if change is not None:
        change(ocp)
    mark = len(ocp.calls)
    plan = watcher.poll()
    assert plan.fatal is None and not plan.failed
    watcher.commit(plan, len(plan.events))
    costs = _costs(ocp.calls[mark:])
    assert plan.requests == costs[0] + len(costs[1]) + len(costs[2])
    return costs


@pytest.mark.parametrize('case, tasks, before, change, supervision, event_source', CASES, ids=[case[0] for case in CASES])
def test_both_watchers_of_the_task_list(case, tasks, before, change, supervision, event_source):
    assert supervision_costs(tasks, before, change) == supervision
    assert event_source_costs(tasks, before, change) == event_source
