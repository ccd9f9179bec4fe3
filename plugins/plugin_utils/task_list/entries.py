# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a task's list entry says, for whoever watches OCP's task list: the supervision of
``ocp_task_wait`` and the ``ocp_task_events`` source. Pure: no HTTP, no clock.

A list entry (BasicTaskInstance, docs/ocp-behaviour.md#lists-paging-and-filters, LIST-8) shows a
task's status, start and finish, and each subtask's status and operation; it lacks the task's
operation, each subtask's times, ``runTime`` and logs. So a watcher compares each entry with the
one it saw before (``entry_fingerprint``) and reads a task in detail only when the entry calls
for something it cannot show (``read_reason``); a finished task's outcome comes from its entry
when the entry is enough (``finished_outcome``: a success, or the marks a rollback leaves); and a subtask's log, which only grows while the
subtask is at work, is read once per state it settles in (``log_view``, ``SettledLogs``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.oceanbase.ocp.plugins.module_utils.vocabulary import (
    AFTER_A_FIRST_RUN_OPERATIONS,
    EXECUTE,
    FAILED,
    FORWARD_OPERATIONS,
    PENDING,
    ROLLBACK,
    ROLLBACK_SKIP,
    ROLLED_BACK,
    RUNNING,
    SUCCEEDED,
    SUCCESSFUL,
)

# How a changed entry's failures call for a read (``read_reason``'s ``failures``):
# any FAILED subtask in a changed entry, or only a failure the entry did not show before.
ANY_FAILURE = 'any_failure'
NEW_FAILURE = 'new_failure'
# The operations a rollback leaves on the subtasks it undid (or skipped while undoing).
ROLLBACK_OPERATIONS = frozenset([ROLLBACK, ROLLBACK_SKIP])
# Subtask states in which no run goes on: its log holds all it will hold until the state changes.
LOG_SETTLED_STATUSES = frozenset([FAILED, SUCCESSFUL, PENDING])
# The key of a stand-in entry (``malformed_entry``): OCP listed the task, malformed; its value says how.
MALFORMED = 'malformed'


def malformed_entry(task_id, reason):
    """What stands in for a task OCP listed in a malformed entry whose id could be read: the task
    is there (it has not left the list), and only a detail read can tell more (``read_reason``)."""
    return {'id': task_id, MALFORMED: reason}


def is_malformed(entry):
    """Whether ``entry`` is a stand-in for a malformed list entry (``malformed_entry``)."""
    return isinstance(entry, dict) and MALFORMED in entry


def entry_fingerprint(entry):
    """What a list entry (or a detail read) shows that a watcher compares, JSON-ready (the event
    source keeps it in its checkpoint): the status, start and finish times, and each subtask's
    (status, operation) by id as text. Equal for two looks at an unchanged task."""
    subtasks = {}
    for subtask in entry.get('subtasks') or []:
        subtasks['%s' % subtask.get('id')] = [subtask.get('status'), subtask.get('operation')]
    fingerprint = dict(status=entry.get('status'), start=entry.get('startTime'), finish=entry.get('finishTime'),
                       subtasks=subtasks)
    if is_malformed(entry):
        fingerprint[MALFORMED] = entry[MALFORMED]
    return fingerprint


def read_reason(entry, seen, failures, history=False, watched=None, known=None):
    """Why a task must be read in detail, in a few words, or None when its list entry tells enough.

    ``entry``: the task's list entry, or None when the list no longer shows it (it ended, or OCP
    lost it); ``seen``: the entry_fingerprint of its entry at the previous poll, or None when
    the watcher has not listed it before; ``failures``: ANY_FAILURE or NEW_FAILURE;
    ``history``: whether runs after a first one (a retry, skip, cancel or rollback the entry
    shows as an operation) call for a read, because only the log tells what they were;
    ``watched``: the entry's RUNNING subtasks under a time limit, {id: operation}; ``known``: the
    runs whose start the watcher knows, {id: operation}: the start of a run is in no list entry.
    """
    if entry is None:
        return 'left the list'
    if is_malformed(entry):
        # Every time: only a detail read shows how the task stands, and whether it moved.
        return 'its list entry is malformed'
    now = entry_fingerprint(entry)
    if seen is not None and now == seen:
        return None
    status, subtasks = now['status'], now['subtasks']
    if seen is None or failures == ANY_FAILURE:
        if status != RUNNING:
            return 'first seen %s' % status if seen is None else '%s' % status
        failed = sorted(subtask_id for subtask_id, state in subtasks.items() if state[0] == FAILED)
        if failed:
            return 'subtask %s is FAILED' % failed[0]
    else:
        if status != seen.get('status') and status != RUNNING:
            return 'now %s' % status
        if now['finish'] != seen.get('finish') and status == FAILED:
            return 'failed again'
        before = seen.get('subtasks') or {}
        for subtask_id, state in sorted(subtasks.items()):
            if state[0] == FAILED and before.get(subtask_id) != state:
                return 'subtask %s failed' % subtask_id
    if history and any(state[1] in AFTER_A_FIRST_RUN_OPERATIONS for state in subtasks.values()):
        return 'runs behind it that only the log tells'
    for subtask_id, operation in sorted((watched or {}).items(), key=lambda item: '%s' % (item[0],)):
        if subtask_id not in (known or {}) or (known or {})[subtask_id] != operation:
            return 'subtask %s runs under a limit' % subtask_id
    return None


def finished_outcome(entry, history=False):
    """The outcome (vocabulary.SUCCEEDED or ROLLED_BACK) a finished task's list entry tells by
    itself, or None when only a detail read can tell.

    - succeeded: SUCCESSFUL with every subtask SUCCESSFUL under a forward operation (EXECUTE, or
      RETRY: a retry that ended SUCCESSFUL did the subtask's work). A skip is no forward run:
      the work was not done, and whoever decides on it reads the task.
    - rolled back: SUCCESSFUL with every subtask back to PENDING and at least one under a
      rollback operation (ROLLBACK, ROLLBACK_SKIP): the marks a finished rollback leaves
      (docs/ocp-behaviour.md#task-and-subtask-states, ST-10). The list shows no task operation,
      and these marks are how OCP's own list sample shows a rolled-back task.
    - anything else (some subtasks SUCCESSFUL and some PENDING, no subtasks, a status still
      moving) is doubt: None.

    ``history``: whether the runs behind the entry matter to the caller (the event source tells
    every failure, a supervision under ``max_actions`` counts every action): then only a clean
    success (every subtask SUCCESSFUL under EXECUTE, where nothing can have failed on the way)
    is told, and anything a retry, skip, cancel or rollback left is read.
    """
    subtasks = entry.get('subtasks') or []
    if entry.get('status') != SUCCESSFUL or not subtasks:
        return None
    forward = (EXECUTE,) if history else FORWARD_OPERATIONS
    if all(subtask.get('status') == SUCCESSFUL and subtask.get('operation') in forward for subtask in subtasks):
        return SUCCEEDED
    if history:
        return None
    if all(subtask.get('status') == PENDING for subtask in subtasks) and any(
            subtask.get('operation') in ROLLBACK_OPERATIONS for subtask in subtasks):
        return ROLLED_BACK
    return None


def operation_told(entry, outcome):
    """The task operation a finished entry whose outcome it told (``finished_outcome``) implies,
    or None where it does not: the list shows no task operation. A rollback's is ROLLBACK; a
    success with every subtask under EXECUTE was never retried (a task retry puts its failed
    subtasks under RETRY), so its operation is EXECUTE; after a retry it may be EXECUTE or RETRY."""
    if outcome == ROLLED_BACK:
        return ROLLBACK
    if outcome == SUCCEEDED and all(subtask.get('operation') == EXECUTE for subtask in entry.get('subtasks') or []):
        return EXECUTE
    return None


def log_settled(subtask):
    """Whether no run of the subtask goes on: its log will not grow until its state changes."""
    return subtask.get('status') in LOG_SETTLED_STATUSES


def log_view(subtask):
    """What a subtask shows that changes whenever its log may have: status, operation, finish time
    (JSON-ready: the event source keeps it in its checkpoint). A new run always ends with a new
    finish time, so a settled log seen under one view is the same log."""
    return [subtask.get('status'), subtask.get('operation'), subtask.get('finishTime')]


class SettledLogs(object):
    """What a watcher made of each settled subtask's log, by subtask id and view: read once."""

    def __init__(self):
        self._made = {}

    def get(self, subtask, make):
        """``make()`` (a read of the log and what is made of it), once per settled view; every time
        while a run goes on."""
        if not log_settled(subtask):
            return make()
        key = ('%s' % subtask.get('id'),) + tuple(log_view(subtask))
        if key not in self._made:
            self._made[key] = make()
        return self._made[key]
