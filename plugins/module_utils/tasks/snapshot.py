# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make OCP's task and subtask dicts predictable, and add the conclusions users need.

OCP versions differ in small ways (two spellings of some fields, longs sent as strings, subtasks
in no fixed order). These pure functions take the dicts OCP returns and give back new dicts in
one shape, so modules and playbooks never deal with the differences.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

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


def _execution_order(subtask):
    # seriesId is the position in the task's plan; subtasks without one (list answers) go last.
    series_id = subtask.get("seriesId")
    return (series_id is None, series_id or 0, subtask.get("id") or 0)


def _rolled_back(status, operation, subtasks):
    if status != "SUCCESSFUL":
        return False
    if operation is not None:
        return operation == "ROLLBACK"
    # Task lists carry no operation. A finished rollback puts the subtasks back to PENDING,
    # while a finished execution leaves them all SUCCESSFUL.
    return any(subtask.get("status") != "SUCCESSFUL" for subtask in subtasks)


def normalize_task(task):
    """A copy of a task with normalised subtasks in execution order, plus conveniences:

    - ``finished``: the task is not RUNNING any more;
    - ``succeeded``: it finished SUCCESSFUL by executing, not by rolling back;
    - ``rolled_back``: it finished SUCCESSFUL by rolling back (not a deployment success);
    - ``failed_subtasks``: its FAILED subtasks, in execution order.
    """
    result = restore_longs(task)
    subtasks = sorted((normalize_subtask(subtask) for subtask in result.get("subtasks") or []),
                      key=_execution_order)
    if "subtasks" in result:
        result["subtasks"] = subtasks
    status = result.get("status")
    rolled_back = _rolled_back(status, result.get("operation"), subtasks)
    result["finished"] = status != "RUNNING"
    result["succeeded"] = status == "SUCCESSFUL" and not rolled_back
    result["rolled_back"] = rolled_back
    result["failed_subtasks"] = [subtask for subtask in subtasks if subtask.get("status") == "FAILED"]
    return result
