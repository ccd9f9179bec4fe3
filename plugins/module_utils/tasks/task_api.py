# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OCP's eight task endpoints (task-management.zh.md), returning normalised dicts.

Every task and subtask OCP answers is checked on the way in (snapshot.py checked_task): a malformed
one is an OcpMalformedAnswerError naming the task, the field and what was found. A list page
gives its well-formed entries; each malformed one fails the listing, or, for a caller that passes
a ``malformed`` list, is added there instead and left out (the caller says which were left out).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import (
    OcpClientError,
    OcpMalformedAnswerError,
    OcpUnexpectedResponseError,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.filters import query_parameters
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.snapshot import (
    ASCII_DIGITS,
    checked_subtask,
    checked_task,
    found,
    too_deep,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.vocabulary import MAX_PAGE_SIZE

TASKS_PATH = "/api/v2/tasks/instances"
# The most tasks one listing reads (50 full pages): an OCP holds thousands, and one that keeps
# serving pages (the same ids, new ids, a huge totalPages) must not loop us or fill the memory.
MAX_LIST_ITEMS = 100000


def _id(value, what):
    """``value`` as a positive int; ids go into URL paths, so nothing else may get through."""
    text = value if isinstance(value, str) else "%s" % (value,) if isinstance(value, int) else ""
    if isinstance(value, bool) or not ASCII_DIGITS.fullmatch(text) or int(text) <= 0:
        raise OcpClientError("%s must be a positive integer, got %s" % (what, found(value)))
    return int(text)


def _query(filters, sort=None):
    """OCP's query parameters for ``filters`` (keyed by option name, filters.py) and a sort order.
    Sorting is not a filter, so it comes apart: every way of paging sorts."""
    query = query_parameters(filters)
    if sort is not None:
        query["sort"] = sort
    return query


def _required_data(envelope, method, path, task_id):
    """The ``data`` object of an envelope that must carry one (a task or subtask of ``task_id``):
    without it, the answer about that task is malformed."""
    data = envelope.get("data")
    if not isinstance(data, dict):
        raise OcpMalformedAnswerError(
            message="task %d: the envelope has no data object (found %s)" % (_id(task_id, "task_id"), found(data)),
            task_id=_id(task_id, "task_id")).about(method, path, envelope)
    return data


def page_count(value):
    """OCP's ``totalPages`` or ``totalElements`` as an int (None when absent); OcpUnexpectedResponseError
    when it is no count."""
    if value is None:
        return None
    text = value if isinstance(value, str) else "%s" % (value,) if isinstance(value, int) else ""
    if isinstance(value, bool) or not ASCII_DIGITS.fullmatch(text):
        raise OcpUnexpectedResponseError(status=200, method="GET", path=TASKS_PATH,
                                         message="the task list's page counts are no numbers: %s" % (found(value),))
    return int(text)


class TaskApi:
    """Task and subtask calls on an OcpClient. Tasks and subtasks come back normalised
    (see snapshot.py); actions with nothing to return give None."""

    def __init__(self, client):
        self._client = client

    def _task_path(self, task_id):
        return "%s/%d" % (TASKS_PATH, _id(task_id, "task_id"))

    def _subtask_path(self, task_id, subtask_id):
        return "%s/subtasks/%d" % (self._task_path(task_id), _id(subtask_id, "subtask_id"))

    def list_tasks(self, filters, page=1, size=10, sort=None, malformed=None):
        """One page of the tasks matching ``filters`` (option names, filters.py): ``(tasks, page_info)``,
        page_info as OCP gives it (``totalElements``, ``totalPages``, ``number`` (1-based), ``size``).

        A malformed entry raises OcpMalformedAnswerError; with ``malformed`` (a list) it is added
        there instead (its ``task_id`` when its id is usable) and left out of ``tasks``."""
        params = _query(filters, sort)
        params.update(page=page, size=size)
        envelope = self._client.get(TASKS_PATH, params)
        data = envelope.get("data") or {}
        contents = data.get("contents") or [] if isinstance(data, dict) else None
        page_info = data.get("page") or {} if isinstance(data, dict) else None
        if not isinstance(contents, list) or not isinstance(page_info, dict) or too_deep(page_info) is not None:
            raise OcpUnexpectedResponseError(
                status=envelope.get("status"), trace_id=envelope.get("traceId"), method="GET", path=TASKS_PATH,
                message="the task list is not a data object with a list of tasks in contents and a page object")
        tasks = []
        for position, entry in enumerate(contents, 1):
            try:
                tasks.append(checked_task(entry, where="entry %d of page %s of the task list" % (position, page)))
            except OcpMalformedAnswerError as error:
                error.about("GET", TASKS_PATH, envelope)
                if malformed is None:
                    raise
                malformed.append(error)
        return tasks, page_info

    def pages(self, filters, size=MAX_PAGE_SIZE, sort=None, malformed=None):
        """Yield ``(tasks, page_info)`` for each page of the list, from the first, until the last one:
        the page OCP numbers last (``totalPages``), or without that number a page not full, or an
        empty page. The one paging loop of the collection: callers stop early by leaving the loop.
        ``malformed``: as list_tasks (a page of malformed entries only is no empty page)."""
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise OcpClientError("a page holds 1 to %d tasks, got %r" % (MAX_PAGE_SIZE, size))
        page, read, page_info = 1, 0, {}
        while True:
            if read >= MAX_LIST_ITEMS or page > MAX_LIST_ITEMS // size + 1:
                raise OcpUnexpectedResponseError(
                    status=200, method="GET", path=TASKS_PATH,
                    message="OCP kept serving pages of tasks: listing stopped after %d pages and %d tasks (the "
                            "most one listing reads is %d; OCP said totalPages=%.20r, totalElements=%.20r); "
                            "narrow the filters" % (page - 1, read, MAX_LIST_ITEMS, page_info.get("totalPages"),
                                                    page_info.get("totalElements")))
            left_out = len(malformed or ())
            tasks, page_info = self.list_tasks(filters, page=page, size=size, sort=sort, malformed=malformed)
            listed = len(tasks) + len(malformed or ()) - left_out
            read += listed
            yield tasks, page_info
            total_pages = page_count(page_info.get("totalPages"))
            if not listed or (total_pages is not None and page >= total_pages) or (
                    total_pages is None and listed < size):
                return
            page += 1

    def list_all_tasks(self, filters, sort=None, limit=None, malformed=None):
        """Every task matching ``filters`` in ``sort`` order (or the first ``limit``), page by page:
        ``(tasks, total)``, total as OCP counts the matching tasks on the last page read (None if it
        does not say), so that a caller can tell a list cut short by ``limit``. ``malformed``: as
        list_tasks."""
        if limit is not None and limit < 0:
            raise OcpClientError("limit must be 0 or more, got %r" % (limit,))
        tasks, seen, total = [], set(), None
        if limit == 0:
            return tasks, total
        for listed, page_info in self.pages(filters, size=min(MAX_PAGE_SIZE, limit or MAX_PAGE_SIZE), sort=sort,
                                            malformed=malformed):
            for task in listed:
                # A list sorted newest first shifts while it is paged through: a task pushed onto the
                # next page by a new one would otherwise be returned twice.
                if task.get("id") in seen:
                    continue
                seen.add(task.get("id"))
                tasks.append(task)
            if page_info.get("totalElements") is not None:
                total = page_count(page_info["totalElements"])
            if limit is not None and len(tasks) >= limit:
                break
        return (tasks if limit is None else tasks[:limit]), total

    def _task(self, envelope, data, task_id, method, path):
        try:
            return checked_task(data, asked_id=_id(task_id, "task_id"))
        except OcpMalformedAnswerError as error:
            raise error.about(method, path, envelope)

    def get_task(self, task_id):
        path = self._task_path(task_id)
        envelope = self._client.get(path)
        return self._task(envelope, _required_data(envelope, "GET", path, task_id), task_id, "GET", path)

    def get_subtask_log(self, task_id, subtask_id):
        """The subtask's log text; empty when it has none."""
        path = self._subtask_path(task_id, subtask_id) + "/log"
        envelope = self._client.get(path)
        data = envelope.get("data") or {}
        log = data.get("log") if isinstance(data, dict) else data
        if log is None:
            return ""
        if not isinstance(log, str):
            raise OcpMalformedAnswerError(
                message="task %d, subtask %d: the log is not a string (found %s)" % (
                    _id(task_id, "task_id"), _id(subtask_id, "subtask_id"), found(log)),
                task_id=_id(task_id, "task_id")).about("GET", path, envelope)
        return log

    def retry_task(self, task_id):
        """Retry every FAILED subtask; the task after the action."""
        path = self._task_path(task_id) + "/retry"
        envelope = self._client.post(path)
        return self._task(envelope, _required_data(envelope, "POST", path, task_id), task_id, "POST", path)

    def rollback_task(self, task_id):
        """Roll the task back; the task after the action, or None (some OCP versions return no data)."""
        path = self._task_path(task_id) + "/rollback"
        envelope = self._client.post(path)
        data = envelope.get("data")
        return self._task(envelope, data, task_id, "POST", path) if data else None

    def retry_subtask(self, task_id, subtask_id):
        """Retry a FAILED subtask; the subtask after the action."""
        path = self._subtask_path(task_id, subtask_id) + "/retry"
        envelope = self._client.post(path)
        try:
            return checked_subtask(_required_data(envelope, "POST", path, task_id), _id(task_id, "task_id"))
        except OcpMalformedAnswerError as error:
            raise error.about("POST", path, envelope)

    def skip_subtask(self, task_id, subtask_id):
        self._client.post(self._subtask_path(task_id, subtask_id) + "/skip")

    def cancel_subtask(self, task_id, subtask_id):
        self._client.post(self._subtask_path(task_id, subtask_id) + "/cancel")
