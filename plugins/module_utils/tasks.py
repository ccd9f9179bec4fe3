# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OCP's eight task endpoints (task-management.zh.md), returning normalised dicts."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.oceanbase.ocp.plugins.module_utils.errors import OcpClientError, OcpUnexpectedResponseError
from ansible_collections.oceanbase.ocp.plugins.module_utils.normalize import normalize_subtask, normalize_task

TASKS_PATH = "/api/v2/tasks/instances"

# The list endpoint's filters, under OCP's own parameter names.
TASK_FILTERS = frozenset(["name", "status", "type", "clusterName", "clusterId", "tenantName", "tenantId", "hostId"])


def _id(value, what):
    """``value`` as a positive int; ids go into URL paths, so nothing else may get through."""
    text = "%s" % (value,)
    if isinstance(value, bool) or not text.isdigit() or int(text) <= 0:
        raise OcpClientError("%s must be a positive integer, got %r" % (what, value))
    return int(text)


def _query_filters(filters):
    unknown = sorted(set(filters or {}) - TASK_FILTERS)
    if unknown:
        raise OcpClientError("unknown task filter(s) %s; known: %s"
                             % (", ".join(unknown), ", ".join(sorted(TASK_FILTERS))))
    # None means "no filter"; canonical_query comma-joins list values such as status.
    return dict((key, value) for key, value in (filters or {}).items() if value is not None)


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
        """One page of tasks: ``(tasks, page_info)``, page_info as OCP gives it
        (``totalElements``, ``totalPages``, ``number`` (1-based), ``size``)."""
        params = _query_filters(filters)
        params.update(page=page, size=size, sort=sort)
        data = self._client.get(TASKS_PATH, params).get("data") or {}
        return [normalize_task(task) for task in data.get("contents") or []], data.get("page") or {}

    def iter_all_tasks(self, filters, limit=None):
        """Every task matching ``filters`` (or the first ``limit``), fetched page by page."""
        for task in self._client.paginate(TASKS_PATH, _query_filters(filters), limit=limit):
            yield normalize_task(task)

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
