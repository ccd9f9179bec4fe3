# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make OCP's task and subtask dicts predictable, and add the conclusions users need.

OCP versions differ in small ways (two spellings of some fields, longs sent as strings, subtasks
in no fixed order). These pure functions take the dicts OCP returns and give back new dicts in
one shape, so modules and playbooks never deal with the differences.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import heapq
import re

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
