# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make OCP's task and subtask dicts predictable, and add the conclusions users need.

OCP versions differ in small ways (two spellings of some fields, longs sent as strings, subtasks
in no fixed order). These pure functions take the dicts OCP returns and give back new dicts in
one shape, so modules and playbooks never deal with the differences.

A task that is not in that shape at all (``subtasks`` that is no list, a subtask id that is no
positive integer, a status that is no text, JSON nested deeper than any task of OCP's) is no
task to decide on: ``checked_task`` and ``checked_subtask`` raise OcpMalformedAnswerError naming
the task, the field and what was found, before anything reads it (TaskApi reads every answer
through them), so that a caller can set that one task aside and go on with the others.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import heapq
import re

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpMalformedAnswerError
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.labels import shown
from ansible_collections.oceanbase.ocp.plugins.module_utils.vocabulary import (
    FAILED,
    FAILED_OUTCOME,
    ROLLBACK,
    ROLLED_BACK,
    RUNNING,
    SUCCEEDED,
    SUCCESSFUL,
)

# Each pair names one field OCP spells two ways: the server's own spelling (OCP Express's
# SubtaskInstance) and the reference page's typo. Either is read; only the first is returned.
FIELD_SPELLINGS = (("parallelIdx", "paralleIdx"), ("downstreams", "downstream"))

# Fields holding lists of subtask ids (under either spelling, as they are read before renaming).
ID_LIST_FIELDS = frozenset(["upstreams", "downstreams", "downstream"])

# Fields ending in "Id" that are not numbers.
NON_NUMERIC_ID_FIELDS = frozenset(["traceId"])

_INTEGER_TEXT = re.compile(r"^-?[0-9]+$")
# A whole number as text, in ASCII digits only: str.isdigit() also takes '²' and other digits,
# which int() cannot read (or reads as another number).
ASCII_DIGITS = re.compile(r"[0-9]+")


def _is_id_field(key):
    return key == "id" or (key.endswith("Id") and key not in NON_NUMERIC_ID_FIELDS)


def _as_int(value):
    """OCP writes longs beyond 2^53-1 as JSON strings; turn such a string back into an int."""
    if isinstance(value, str) and _INTEGER_TEXT.match(value):
        return int(value)
    return value


def restore_longs(value):
    """A copy of ``value`` with every id (``id``, ``*Id``, id lists) that came as a string made an int."""
    if isinstance(value, list):
        return [restore_longs(item) for item in value]
    if not isinstance(value, dict):
        return value
    result = {}
    for key, item in value.items():
        if key in ID_LIST_FIELDS and isinstance(item, list):
            result[key] = [_as_int(element) for element in item]
        elif _is_id_field(key):
            result[key] = _as_int(item)
        else:
            result[key] = restore_longs(item)
    return result


def normalize_subtask(subtask):
    """A copy of a subtask with ids as ints and the two-spelling fields under the server's spelling
    only (``parallelIdx``, ``downstreams``), whichever spelling OCP sent."""
    result = restore_longs(subtask)
    for spelling, other_spelling in FIELD_SPELLINGS:
        if other_spelling in result:
            value = result.pop(other_spelling)
            result.setdefault(spelling, value)
    return result


def _series_key(subtask):
    """The tie-break among subtasks free to run at once: ``seriesId`` (which may come as a string, as
    longs do; none goes last), then the id. Not the run order itself: see in_execution_order."""
    try:
        series = (0, int(subtask.get('seriesId')))
    except (TypeError, ValueError):
        series = (1, 0)
    try:
        identifier = int(subtask.get('id'))
    except (TypeError, ValueError):
        identifier = 0
    return series + (identifier,)


def in_execution_order(subtasks):
    """``subtasks`` in the order they run: every subtask after its ``upstreams``.

    OCP lists subtasks in no fixed order, and ``seriesId`` is not the order they run in: OCP's own
    reply samples number a four-step chain 3, 2, 0, 1, and OCP Express numbers them while walking a
    hash set (docs/ocp-behaviour.md#task-and-subtask-states, ST-5). The dependency graph is the order,
    as OCP Express's own ``TaskService.topologySort`` takes it. Subtasks free to run at the same time
    come by ``seriesId`` and id, so the order is the same on every read; an upstream id the task does
    not hold is ignored, and subtasks caught in a cycle (which OCP never builds) come last, in the
    same tie-break order, rather than being dropped. List entries carry no ``upstreams``: they keep
    the tie-break order alone.
    """
    subtasks = [subtask for subtask in subtasks if isinstance(subtask, dict)]
    by_id = dict((subtask.get('id'), subtask) for subtask in subtasks)
    waiting_on = {}
    downstream = dict((key, []) for key in by_id)
    for subtask in subtasks:
        upstreams = subtask.get('upstreams') if isinstance(subtask.get('upstreams'), list) else []
        known = set(upstream for upstream in upstreams if upstream in by_id and upstream != subtask.get('id'))
        waiting_on[id(subtask)] = len(known)
        for upstream in known:
            downstream[upstream].append(subtask)
    position = dict((id(subtask), index) for index, subtask in enumerate(subtasks))
    ready = [(_series_key(subtask), position[id(subtask)], subtask) for subtask in subtasks if not waiting_on[id(subtask)]]
    heapq.heapify(ready)
    ordered, placed = [], set()
    while ready:
        _key, index, subtask = heapq.heappop(ready)
        ordered.append(subtask)
        placed.add(id(subtask))
        if by_id.get(subtask.get('id')) is not subtask:
            continue  # a repeated id: its downstreams were released by the first of that id
        for later in downstream.get(subtask.get('id'), []):
            waiting_on[id(later)] -= 1
            if not waiting_on[id(later)]:
                heapq.heappush(ready, (_series_key(later), position[id(later)], later))
    ordered.extend(sorted((subtask for subtask in subtasks if id(subtask) not in placed), key=_series_key))
    return ordered


def subtasks_of(task):
    """The task's subtasks that are mappings (anything else in the list is no subtask)."""
    subtasks = task.get('subtasks') if isinstance(task, dict) else None
    return [subtask for subtask in subtasks or [] if isinstance(subtask, dict)] if isinstance(subtasks, list) else []


def failed_subtasks(task):
    """The FAILED subtasks of a task, in execution order."""
    return [subtask for subtask in in_execution_order(subtasks_of(task)) if subtask.get('status') == FAILED]


def finished_by_rollback(task):
    """Whether a SUCCESSFUL task got there by rolling back (docs/ocp-behaviour.md#what-the-engine-does-after-an-action):
    its operation is ROLLBACK. OCP leaves out null fields, and list entries carry no operation: then the
    subtasks tell, since a finished rollback puts them back to PENDING and a finished execution leaves
    them all SUCCESSFUL. The one rule: a task is never succeeded in one place and rolled back in another."""
    if not isinstance(task, dict) or task.get('status') != SUCCESSFUL:
        return False
    operation = task.get('operation')
    if operation is not None:
        return operation == ROLLBACK
    return any(subtask.get('status') != SUCCESSFUL for subtask in subtasks_of(task))


def task_outcome(task):
    """The outcome a task shows (vocabulary.SUCCEEDED, FAILED_OUTCOME, ROLLED_BACK), or None while it
    is not finished. The task's own ``status`` decides whether it is finished, never its subtasks: OCP
    retries failed subtasks on its own while the task stays RUNNING; a status this collection does
    not know is not final either."""
    if not isinstance(task, dict):
        return None
    status = task.get('status')
    if status == FAILED:
        return FAILED_OUTCOME
    if status == SUCCESSFUL:
        return ROLLED_BACK if finished_by_rollback(task) else SUCCEEDED
    return None


def normalize_task(task):
    """A copy of a task with normalised subtasks in execution order, plus conveniences:

    - ``finished``: the task is not RUNNING any more;
    - ``succeeded``: it finished SUCCESSFUL by executing, not by rolling back;
    - ``rolled_back``: it finished SUCCESSFUL by rolling back (not a deployment success);
    - ``failed_subtasks``: its FAILED subtasks, in execution order.
    """
    result = restore_longs(task)
    subtasks = in_execution_order([normalize_subtask(subtask) for subtask in result.get("subtasks") or []])
    if "subtasks" in result:
        result["subtasks"] = subtasks
    rolled_back = finished_by_rollback(result)
    result["finished"] = result.get("status") != RUNNING
    result["succeeded"] = result.get("status") == SUCCESSFUL and not rolled_back
    result["rolled_back"] = rolled_back
    result["failed_subtasks"] = [subtask for subtask in subtasks if subtask.get("status") == FAILED]
    return result


# ---------------------------------------------------------------- malformed answers

# How deep a task may nest: OCP's nest four levels (a task, its subtasks, a subtask, its upstreams;
# a cluster or tenant object). Anything deeper is no task of OCP's, and walking it would exhaust
# Python's recursion limit, here or where Ansible handles a result.
MAX_NESTING = 32
# Task and subtask fields that are text when OCP sends them (it leaves out null fields).
TEXT_FIELDS = ('name', 'operation', 'startTime', 'finishTime', 'createTime')
SUBTASK_TEXT_FIELDS = TEXT_FIELDS + ('description',)
# Subtask fields that are counts (the policy's limits read them).
COUNT_FIELDS = ('runTime', 'retryCount')


def found(value):
    """What was found where something else was expected, as a message may say it: a scalar as it
    is (text escaped and cut, labels.shown), a list or an object by its size and keys only (it may
    be huge, or nested too deeply to print)."""
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, str):
        return "'%s'" % (shown(value, 40),)
    if isinstance(value, (int, float)):
        return shown(value, 40)
    if isinstance(value, list):
        return 'a list of %d item(s)' % (len(value),)
    if isinstance(value, dict):
        keys = sorted('%s' % (key,) for key in value)
        more = ', ...' if len(keys) > 5 else ''
        return 'an object with key(s) %s%s' % (shown(', '.join(keys[:5]), 80), more) if keys else 'an empty object'
    return 'a %s' % (type(value).__name__,)


def too_deep(value, limit=MAX_NESTING):
    """The key of ``value`` (a dict) under which it nests deeper than ``limit`` levels, or None.
    Walked without recursion: this is what keeps the recursive walks of a task safe."""
    pending = [(item, 2, key) for key, item in value.items()] if isinstance(value, dict) else [(value, 1, None)]
    while pending:
        item, depth, key = pending.pop()
        if depth > limit:
            return '%s' % (key,) if key is not None else 'the answer'
        if isinstance(item, dict):
            pending.extend((inner, depth + 1, key) for inner in item.values())
        elif isinstance(item, list):
            pending.extend((inner, depth + 1, key) for inner in item)
    return None


def usable_id(value):
    """Whether ``value`` (longs restored) is an id this collection can use: a positive integer."""
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _field_problem(item, field, required=False):
    value = item.get(field)
    if value is None:
        if required and field not in item:
            return '%s is missing' % (field,)
        return '%s is not a string (found null)' % (field,) if required else None
    if not isinstance(value, str):
        return '%s is not a string (found %s)' % (field, found(value))
    return None


def _subtask_problem(subtask, position):
    """(which subtask, what is malformed in it) for a subtask (longs restored), or None."""
    if not isinstance(subtask, dict):
        return 'subtasks[%d]' % (position,), 'it is not an object (found %s)' % (found(subtask),)
    if not usable_id(subtask.get('id')):
        return 'subtasks[%d]' % (position,), 'id is not a positive integer (found %s)' % (found(subtask.get('id')),)
    which = 'subtask %d' % (subtask['id'],)
    problem = _field_problem(subtask, 'status', required=True)
    for field in SUBTASK_TEXT_FIELDS:
        problem = problem or _field_problem(subtask, field)
    if problem:
        return which, problem
    for field in COUNT_FIELDS:
        value = subtask.get(field)
        if value is not None and not (isinstance(value, int) and not isinstance(value, bool)) and not (
                isinstance(value, str) and ASCII_DIGITS.fullmatch(value)):
            return which, '%s is not an integer (found %s)' % (field, found(value))
    for field in sorted(ID_LIST_FIELDS):
        value = subtask.get(field)
        if value is None:
            continue
        if not isinstance(value, list):
            return which, '%s is not a list (found %s)' % (field, found(value))
        for index, element in enumerate(value):
            if not usable_id(element):
                return which, '%s[%d] is not a positive integer (found %s)' % (field, index, found(element))
    return None


def _task_problem(task):
    """(which subtask or None, what is malformed) in a task as OCP sent it, naming the field and what
    was found; None when it is well formed."""
    if not isinstance(task, dict):
        return None, 'it is not an object (found %s)' % (found(task),)
    deep = too_deep(task)
    if deep is not None:
        return None, '%s is nested deeper than %d levels' % (shown(deep, 40), MAX_NESTING)
    task = restore_longs(task)
    if not usable_id(task.get('id')):
        return None, 'id is not a positive integer (found %s)' % (found(task.get('id')),)
    problem = _field_problem(task, 'status', required=True)
    for field in TEXT_FIELDS:
        problem = problem or _field_problem(task, field)
    if problem:
        return None, problem
    subtasks = task.get('subtasks')
    if subtasks is None:
        return None
    if not isinstance(subtasks, list):
        return None, 'subtasks is not a list (found %s)' % (found(subtasks),)
    for position, subtask in enumerate(subtasks):
        problem = _subtask_problem(subtask, position)
        if problem:
            return problem
    return None


def _task_id_of(task):
    """The id of a task as OCP sent it, when it is usable (even if the rest is malformed), else None."""
    identifier = _as_int(task.get('id')) if isinstance(task, dict) else None
    return identifier if usable_id(identifier) else None


def _malformed(named, problem, task_id):
    which, what = problem
    error = OcpMalformedAnswerError(message='%s%s: %s' % (named, ', %s' % (which,) if which else '', what),
                                    task_id=task_id)
    error.problem = '%s: %s' % (which, what) if which else what
    return error


def checked_task(task, asked_id=None, where=None):
    """``task`` (a task as OCP sent it: a detail read, an action's answer, a list entry) normalised
    (normalize_task); OcpMalformedAnswerError when it is malformed, naming it: ``task <asked_id>``
    for a read by id (an answer for another task is malformed too), else ``task <its id>``, else
    ``where`` (such as ``entry 3 of page 1 of the task list``); its ``task_id`` is the task's id
    where known. ``task 1004, subtask 12: status is not a string (found an object with key(s) a)``."""
    task_id = asked_id if asked_id is not None else _task_id_of(task)
    problem = _task_problem(task)
    if problem is None and asked_id is not None and _task_id_of(task) != asked_id:
        problem = None, 'it is the answer for task %s' % (found(restore_longs(task).get('id')),)
    if problem is None:
        return normalize_task(task)
    raise _malformed('task %d' % (task_id,) if task_id is not None else where or 'a task', problem, task_id)


def checked_subtask(subtask, task_id):
    """A subtask as OCP sent it (an action's answer) normalised (normalize_subtask); OcpMalformedAnswerError
    naming ``task_id`` and the subtask when it is malformed."""
    deep = too_deep(subtask) if isinstance(subtask, dict) else None
    if not isinstance(subtask, dict):
        problem = 'the subtask', 'it is not an object (found %s)' % (found(subtask),)
    elif deep is not None:
        problem = 'the subtask', '%s is nested deeper than %d levels' % (shown(deep, 40), MAX_NESTING)
    else:
        problem = _subtask_problem(restore_longs(subtask), 0)
    if problem is None:
        return normalize_subtask(subtask)
    raise _malformed('task %d' % (task_id,), problem, task_id)
