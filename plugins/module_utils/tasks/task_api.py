# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OCP's eight task endpoints (task-management.zh.md), returning normalised dicts."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpClientError, OcpUnexpectedResponseError
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.snapshot import normalize_subtask, normalize_task

TASKS_PATH = "/api/v2/tasks/instances"

# The list endpoint's filters: the option names of ocp_task_info (and of the role's
# task_supervisor_filter), which callers use, and OCP's query parameter for each.
TASK_FILTERS = {
    "name": "name",
    "status": "status",
    "type": "type",
    "cluster_name": "clusterName",
    "cluster_id": "clusterId",
    "tenant_name": "tenantName",
    "tenant_id": "tenantId",
    "host_id": "hostId",
}


def _id(value, what):
    """``value`` as a positive int; ids go into URL paths, so nothing else may get through."""
    text = "%s" % (value,)
    if isinstance(value, bool) or not text.isdigit() or int(text) <= 0:
        raise OcpClientError("%s must be a positive integer, got %r" % (what, value))
    return int(text)


def _query_filters(filters, sort=None):
    """OCP's query parameters for ``filters`` (keyed by option name) and a sort order. Sorting is
    not a filter, so it comes apart: every way of paging sorts."""
    unknown = sorted(set(filters or {}) - set(TASK_FILTERS))
    if unknown:
        raise OcpClientError("unknown task filter(s) %s; known: %s"
                             % (", ".join(unknown), ", ".join(sorted(TASK_FILTERS))))
    # None means "no filter"; canonical_query comma-joins list values such as status.
    query = dict((TASK_FILTERS[key], value) for key, value in (filters or {}).items() if value is not None)
    if sort is not None:
        query["sort"] = sort
    return query


def _required_data(envelope, method, path):
    """The ``data`` object of an envelope that must carry one."""
    data = envelope.get("data")
    if not isinstance(data, dict):
        raise OcpUnexpectedResponseError(
            status=envelope.get("status"), message="the envelope has no data object",
            trace_id=envelope.get("traceId"), method=method, path=path)
    return data


class TaskApi:
    """Task and subtask calls on an OcpClient. Tasks and subtasks come back normalised
    (see normalize.py); actions with nothing to return give None."""

    def __init__(self, client):
        self._client = client

    def _task_path(self, task_id):
        return "%s/%d" % (TASKS_PATH, _id(task_id, "task_id"))

    def _subtask_path(self, task_id, subtask_id):
        return "%s/subtasks/%d" % (self._task_path(task_id), _id(subtask_id, "subtask_id"))

    def list_tasks(self, filters, page=1, size=10, sort=None):
        """One page of the tasks matching ``filters`` (keys from TASK_FILTERS): ``(tasks, page_info)``,
        page_info as OCP gives it (``totalElements``, ``totalPages``, ``number`` (1-based), ``size``)."""
        params = _query_filters(filters, sort)
        params.update(page=page, size=size)
        data = self._client.get(TASKS_PATH, params).get("data") or {}
        return [normalize_task(task) for task in data.get("contents") or []], data.get("page") or {}

    def list_all_tasks(self, filters, sort=None, limit=None):
        """Every task matching ``filters`` in ``sort`` order (or the first ``limit``), fetched page by
        page: ``(tasks, total)``, total as OCP counts the matching tasks (None if it does not say)."""
        tasks, total = self._client.paginate_with_total(TASKS_PATH, _query_filters(filters, sort), limit=limit)
        return [normalize_task(task) for task in tasks], total

    def get_task(self, task_id):
        path = self._task_path(task_id)
        return normalize_task(_required_data(self._client.get(path), "GET", path))

    def get_subtask_log(self, task_id, subtask_id):
        """The subtask's log text; empty when it has none."""
        data = self._client.get(self._subtask_path(task_id, subtask_id) + "/log").get("data") or {}
        return data.get("log") or ""

    def retry_task(self, task_id):
        """Retry every FAILED subtask; the task after the action."""
        path = self._task_path(task_id) + "/retry"
        return normalize_task(_required_data(self._client.post(path), "POST", path))

    def rollback_task(self, task_id):
        """Roll the task back; the task after the action, or None (some OCP versions return no data)."""
        data = self._client.post(self._task_path(task_id) + "/rollback").get("data")
        return normalize_task(data) if data else None

    def retry_subtask(self, task_id, subtask_id):
        """Retry a FAILED subtask; the subtask after the action."""
        path = self._subtask_path(task_id, subtask_id) + "/retry"
        return normalize_subtask(_required_data(self._client.post(path), "POST", path))

    def skip_subtask(self, task_id, subtask_id):
        self._client.post(self._subtask_path(task_id, subtask_id) + "/skip")

    def cancel_subtask(self, task_id, subtask_id):
        self._client.post(self._subtask_path(task_id, subtask_id) + "/cancel")
