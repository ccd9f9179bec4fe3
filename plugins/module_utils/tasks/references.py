# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Task references: the ids of the tasks a user names, in whatever shape OCP handed them out.

A task-starting call returns the task in ``data`` (docs/ocp-behaviour.md#calls-that-start-tasks), a list in
``data.contents``, or ids in ``taskIdList``; playbooks pass that on as an envelope, a ``uri``
result (``json``), an ``ocp_api`` result (``task_ids``) or plain ids. Ids go into URL paths, so
only ASCII digits get through.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpClientError
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.snapshot import ASCII_DIGITS

# Where task ids hide in what task-starting calls return, tried in this order.
CONTAINER_KEYS = ('task_ids', 'json', 'data', 'contents', 'taskIdList', 'backupObjectOpsResultList')
# A list of task ids, by the name OCP gives it (a backup strategy's backupObjectOpsResultList[]).
TASK_ID_LIST_KEY = 'taskIdList'


def task_id(value):
    """``value`` (an int or a string of ASCII digits) as a positive int; OcpClientError otherwise."""
    text = value if isinstance(value, str) else '%s' % (value,)
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not ASCII_DIGITS.fullmatch(text) or int(text) <= 0:
        raise OcpClientError('a task reference must be a positive task id (ASCII digits), got %r' % (value,))
    return int(text)


def _collect(reference, ids):
    if isinstance(reference, (list, tuple)):
        for item in reference:
            _collect(item, ids)
        return
    if not isinstance(reference, dict):
        found = task_id(reference)
        if found not in ids:
            ids.append(found)
        return
    if 'task_ids' in reference:
        # An ocp_api result names its tasks itself; its data may hold other ids (a cluster's).
        _collect(reference['task_ids'], ids)
        return
    if 'id' in reference:
        _collect(reference['id'], ids)
        return
    containers = [key for key in CONTAINER_KEYS if reference.get(key) is not None]
    if not containers:
        raise OcpClientError('a task reference must be a task id, a task with id, or a dict with data, '
                             'contents, taskIdList or task_ids; got a dict with keys %s'
                             % (', '.join(sorted('%s' % key for key in reference)),))
    for key in containers:
        _collect(reference[key], ids)


def _is_subtask_list(value):
    return isinstance(value, list) and bool(value) and all(
        isinstance(item, dict) and 'id' in item and ('upstreams' in item or 'operation' in item) for item in value)


def is_task(value):
    """Whether ``value`` is one of OCP's task instances.

    A task has an ``id`` and ``subtasks`` (every task, in a list or in detail) or a
    ``taskDefinitionId`` (a task in detail). The reply OCP documents for a cluster upgrade (and, in
    its older form, for creating a cluster) lists the subtasks under ``tasks`` instead, with no
    ``taskDefinitionId`` (docs/ocp-behaviour.md#calls-that-start-tasks): a ``status`` and ``tasks``
    that are subtasks (each with ``upstreams`` or an ``operation``) make a task too. An ``id`` alone
    says nothing: clusters, tenants, hosts and subtasks have one too, and most of them a ``status``.
    """
    return isinstance(value, dict) and 'id' in value and (
        isinstance(value.get('subtasks'), list) or value.get('taskDefinitionId') is not None
        or ('status' in value and _is_subtask_list(value.get('tasks'))))


def task_ids_in_answer(data):
    """The ids of the tasks an OCP answer's ``data`` carries, in order and without repeats.

    Every task instance (is_task) and every ``taskIdList``, at any depth: the task a create call
    returns in ``data``, those of a batch in ``data.contents``, the lists of a backup strategy.
    A task's own subtasks are not looked into (they are not tasks); an id that is no positive
    integer is no task id and is left out.
    """
    ids = []
    pending = [data]
    while pending:
        value = pending.pop()
        if is_task(value):
            found = [value['id']]
        elif isinstance(value, dict):
            found = value.get(TASK_ID_LIST_KEY) if isinstance(value.get(TASK_ID_LIST_KEY), list) else []
            # Reversed onto the stack, so that values are visited in the answer's order.
            pending.extend(reversed([item for key, item in value.items() if key != TASK_ID_LIST_KEY]))
        elif isinstance(value, list):
            found = []
            pending.extend(reversed(value))
        else:
            found = []
        for candidate in found:
            try:
                candidate = task_id(candidate)
            except OcpClientError:
                continue
            if candidate not in ids:
                ids.append(candidate)
    return ids


def task_ids_from(references):
    """The task ids ``references`` name, in order and without repeats; OcpClientError when none or bad.

    ``references`` is a list of references or one of them (a registered ocp_api result); a string
    is comma-separated ids, as when the option was a list, which Ansible splits a string into.
    """
    if isinstance(references, str):
        references = references.split(',')
    ids = []
    _collect(references, ids)
    if not ids:
        raise OcpClientError('tasks names no task to wait for')
    return ids
