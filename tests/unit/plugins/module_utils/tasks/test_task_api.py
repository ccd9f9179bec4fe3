# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The task endpoints: paths, filters, and what each call returns."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import (
    OcpClientError,
    OcpIllegalStateError,
    OcpMalformedAnswerError,
    OcpUnexpectedResponseError,
)
from ansible_collections.oceanbase.ocp.tests.unit.ocp_http_mock import TASKS, envelope, task_api


FAILED_TASK = {"id": 1000, "status": "FAILED", "operation": "EXECUTE", "subtasks": [
    {"id": 12, "seriesId": 2, "status": "FAILED", "paralleIdx": -1, "downstream": []},
    {"id": 11, "seriesId": 1, "status": "SUCCESSFUL", "paralleIdx": -1, "downstream": [12]},
]}


@pytest.fixture
def api():
    return task_api()


def test_list_tasks_sends_filters_under_ocp_names(api, mocked):
    mocked.get(TASKS, json=envelope({"contents": [FAILED_TASK],
                                     "page": {"number": 2, "size": 5, "totalElements": 6, "totalPages": 2}}))
    tasks, page_info = api.list_tasks({"status": ["RUNNING", "FAILED"], "cluster_id": 1, "tenant_name": "t1",
                                       "name": None}, page=2, size=5, sort="id,asc")
    assert mocked.calls[0].request.url == (
        TASKS + "?clusterId=1&page=2&size=5&sort=id%2Casc&status=RUNNING%2CFAILED&tenantName=t1")
    assert page_info == {"number": 2, "size": 5, "totalElements": 6, "totalPages": 2}
    assert [sub["id"] for sub in tasks[0]["subtasks"]] == [11, 12]  # normalised
    assert tasks[0]["failed_subtasks"][0]["parallelIdx"] == -1


def test_the_cluster_name_goes_under_both_spellings_so_it_filters_whichever_ocp_reads(api, mocked):
    """OCP's docs spell the parameter cluterName; which one the server reads is nowhere written, and
    a parameter it does not read is ignored (docs/ocp-behaviour.md, LIST-2, LIST-3)."""
    mocked.get(TASKS, json=envelope({"contents": [], "page": {"totalPages": 0}}))
    api.list_tasks({"cluster_name": "ob cluster"})
    assert mocked.calls[0].request.url == TASKS + "?clusterName=ob%20cluster&cluterName=ob%20cluster&page=1&size=10"


def test_list_tasks_defaults(api, mocked):
    mocked.get(TASKS, json=envelope({"contents": [], "page": {"totalPages": 0}}))
    assert api.list_tasks({}) == ([], {"totalPages": 0})
    assert mocked.calls[0].request.url == TASKS + "?page=1&size=10"


@pytest.mark.parametrize("filters", [{"clusterId": 1}, {"sort": "id,desc"}])
def test_unknown_filters_are_refused_by_option_name(api, filters):
    with pytest.raises(OcpClientError) as raised:
        api.list_tasks(filters)
    assert str(raised.value) == "unknown task filter(s) %s; known: cluster_id, cluster_name, host_id, name, " \
                                "status, tenant_id, tenant_name, type" % list(filters)[0]


def test_list_all_tasks_pages_through(api, mocked):
    mocked.get(TASKS, json=envelope({"contents": [{"id": 3, "status": "RUNNING"}, {"id": 2, "status": "FAILED"}],
                                     "page": {"totalPages": 2, "totalElements": 3}}))
    tasks, total = api.list_all_tasks({"type": "MANUAL"}, limit=2)
    assert [(task["id"], task["finished"]) for task in tasks] == [(3, False), (2, True)]
    assert total == 3
    assert mocked.calls[0].request.url == TASKS + "?page=1&size=2&type=MANUAL"


def test_list_all_tasks_sorts_every_page(api, mocked):
    """Sorting used to be refused as an unknown filter with all pages."""
    mocked.get(TASKS, json=envelope({"contents": [{"id": 1, "status": "FAILED"}], "page": {"totalPages": 2}}))
    mocked.get(TASKS, json=envelope({"contents": [{"id": 2, "status": "FAILED"}], "page": {"totalPages": 2}}))
    tasks, _total = api.list_all_tasks({"status": ["FAILED"], "cluster_id": 1}, sort="id,asc")
    assert [task["id"] for task in tasks] == [1, 2]
    assert [call.request.url for call in mocked.calls] == [
        TASKS + "?clusterId=1&page=%d&size=2000&sort=id%%2Casc&status=FAILED" % page for page in (1, 2)]


def test_get_task(api, mocked):
    mocked.get(TASKS + "/1000", json=envelope(FAILED_TASK))
    task = api.get_task("1000")
    assert task["failed_subtasks"][0]["id"] == 12 and task["finished"] is True


def test_get_task_without_data(api, mocked):
    mocked.get(TASKS + "/1000", json=envelope())
    with pytest.raises(OcpUnexpectedResponseError, match="no data object"):
        api.get_task(1000)


@pytest.mark.parametrize("bad_id", [0, -1, "1/../2", "abc", 1.5, True, None])
def test_ids_must_be_positive_integers(api, bad_id):
    with pytest.raises(OcpClientError, match="positive integer"):
        api.get_task(bad_id)
    with pytest.raises(OcpClientError, match="positive integer"):
        api.skip_subtask(1000, bad_id)


@pytest.mark.parametrize("data, log", [({"log": "line 1\nline 2"}, "line 1\nline 2"), ({"log": ""}, ""), ({}, "")])
def test_get_subtask_log(api, mocked, data, log):
    mocked.get(TASKS + "/1000/subtasks/12/log", json=envelope(data))
    assert api.get_subtask_log(1000, 12) == log


def test_retry_task_returns_the_task(api, mocked):
    mocked.post(TASKS + "/1000/retry", json=envelope(dict(FAILED_TASK, status="RUNNING", operation="RETRY")))
    assert api.retry_task(1000)["operation"] == "RETRY"


@pytest.mark.parametrize("answer, expected", [
    (envelope(dict(FAILED_TASK, status="RUNNING", operation="ROLLBACK")), "ROLLBACK"),
    (envelope(), None),
])
def test_rollback_task_with_or_without_data(api, mocked, answer, expected):
    mocked.post(TASKS + "/1000/rollback", json=answer)
    result = api.rollback_task(1000)
    assert (result["operation"] if result else None) == expected


def test_retry_subtask_returns_the_subtask(api, mocked):
    mocked.post(TASKS + "/1000/subtasks/12/retry", json=envelope({"id": "12", "status": "READY", "paralleIdx": 0}))
    assert api.retry_subtask(1000, 12) == {"id": 12, "status": "READY", "parallelIdx": 0}


@pytest.mark.parametrize("action", ["skip", "cancel"])
def test_subtask_actions_without_data(api, mocked, action):
    mocked.post(TASKS + "/1000/subtasks/12/" + action, json=envelope())
    assert getattr(api, action + "_subtask")(1000, 12) is None


def test_illegal_action_raises_the_typed_error(api, mocked):
    mocked.post(TASKS + "/1000/subtasks/12/cancel", status=400, json={
        "successful": False, "error": {"code": 20003, "message": "not supported in the FAILED state"}})
    with pytest.raises(OcpIllegalStateError):
        api.cancel_subtask(1000, 12)


def page(items, number, total_pages, size=2):
    return envelope({"contents": items, "page": {"number": number, "size": size, "totalPages": total_pages,
                                                 "totalElements": 5}})


class TestPaging:
    """The one paging loop (TaskApi.pages) and list_all_tasks, which keeps each task once."""

    def test_reads_every_page(self, api, mocked):
        mocked.get(TASKS, json=page([{"id": 5, "status": "FAILED"}, {"id": 4, "status": "FAILED"}], 1, 3))
        mocked.get(TASKS, json=page([{"id": 3, "status": "FAILED"}, {"id": 2, "status": "FAILED"}], 2, 3))
        mocked.get(TASKS, json=page([{"id": 1, "status": "FAILED"}], 3, 3))
        tasks = [task["id"] for listed, _info in api.pages({"status": ["FAILED"]}, size=2) for task in listed]
        assert tasks == [5, 4, 3, 2, 1]
        assert [call.request.url for call in mocked.calls] == [
            TASKS + "?page=%d&size=2&status=FAILED" % number for number in (1, 2, 3)]

    def test_stops_at_the_limit(self, api, mocked):
        mocked.get(TASKS, json=page([{"id": 5, "status": "FAILED"}, {"id": 4, "status": "FAILED"}, {"id": 3, "status": "FAILED"}], 1, 2, size=3))
        mocked.get(TASKS, json=page([{"id": 2, "status": "FAILED"}, {"id": 1, "status": "FAILED"}, {"id": 6, "status": "FAILED"}], 2, 2, size=3))
        tasks, _total = api.list_all_tasks({}, limit=4)
        assert [task["id"] for task in tasks] == [5, 4, 3, 2]

    def test_asks_for_no_more_than_the_limit(self, api, mocked):
        mocked.get(TASKS, json=page([{"id": 5, "status": "FAILED"}, {"id": 4, "status": "FAILED"}], 1, 3))
        tasks, total = api.list_all_tasks({}, limit=2)
        assert ([task["id"] for task in tasks], total) == ([5, 4], 5)
        assert mocked.calls[0].request.url == TASKS + "?page=1&size=2"

    def test_total_is_none_without_page_info(self, api, mocked):
        mocked.get(TASKS, json=envelope({"contents": [{"id": 1, "status": "FAILED"}]}))
        assert api.list_all_tasks({})[1] is None

    def test_limit_zero_sends_nothing(self, api):
        assert api.list_all_tasks({}, limit=0) == ([], None)

    def test_skips_tasks_shifted_onto_the_next_page(self, api, mocked):
        mocked.get(TASKS, json=page([{"id": 5, "status": "FAILED"}, {"id": 4, "status": "FAILED"}], 1, 2))
        mocked.get(TASKS, json=page([{"id": 4, "status": "FAILED"}, {"id": 3, "status": "FAILED"}], 2, 2))
        tasks, _total = api.list_all_tasks({}, limit=None)
        assert [task["id"] for task in tasks] == [5, 4, 3]

    def test_without_page_info_stops_on_a_page_not_full(self, api, mocked):
        mocked.get(TASKS, json=envelope({"contents": [{"id": 2, "status": "FAILED"}, {"id": 1, "status": "FAILED"}]}))
        mocked.get(TASKS, json=envelope({"contents": [{"id": 7, "status": "FAILED"}]}))
        assert [len(listed) for listed, _info in api.pages({}, size=2)] == [2, 1]

    def test_stops_on_an_empty_page(self, api, mocked):
        mocked.get(TASKS, json=page([], 1, 7))
        assert [listed for listed, _info in api.pages({})] == [[]]

    @pytest.mark.parametrize("size", [0, 2001])
    def test_refuses_page_sizes_ocp_does_not_serve(self, api, size):
        with pytest.raises(OcpClientError, match="a page holds 1 to 2000 tasks"):
            next(api.pages({}, size=size))

    def test_refuses_a_negative_limit(self, api):
        with pytest.raises(OcpClientError, match="limit must be 0 or more"):
            api.list_all_tasks({}, limit=-1)


class TestMalformedAnswers:
    """Every task OCP answers is checked on the way in (snapshot.checked_task), naming the request."""

    ENTRIES = [{"id": 3, "status": "RUNNING"}, {"status": "RUNNING"}, "x", {"id": 2, "status": {"a": 1}},
               {"id": 1, "status": "FAILED"}]

    def test_a_malformed_entry_fails_a_listing_that_keeps_none_aside(self, api, mocked):
        mocked.get(TASKS, json=envelope({"contents": self.ENTRIES, "page": {"totalPages": 1}}))
        with pytest.raises(OcpMalformedAnswerError) as raised:
            api.list_tasks({})
        assert str(raised.value) == ("OCP's answer is malformed: entry 2 of page 1 of the task list: id is not a positive "
                                     "integer (found null) (GET /api/v2/tasks/instances, HTTP 200, traceId "
                                     "0123456789abcdef)")

    def test_a_listing_that_keeps_them_aside_gives_the_others(self, api, mocked):
        mocked.get(TASKS, json=envelope({"contents": self.ENTRIES, "page": {"totalPages": 1}}))
        malformed = []
        tasks, _page = api.list_tasks({}, malformed=malformed)
        assert [task["id"] for task in tasks] == [3, 1]
        assert [(error.task_id, error.message) for error in malformed] == [
            (None, "entry 2 of page 1 of the task list: id is not a positive integer (found null)"),
            (None, "entry 3 of page 1 of the task list: it is not an object (found 'x')"),
            (2, "task 2: status is not a string (found an object with key(s) a)")]

    def test_a_page_of_malformed_entries_only_is_no_empty_page(self, api, mocked):
        mocked.get(TASKS, json=page([{"id": 5, "status": 1}, {"id": 4, "status": 2}], 1, 2))
        mocked.get(TASKS, json=page([{"id": 3, "status": "FAILED"}], 2, 2))
        malformed = []
        tasks, _total = api.list_all_tasks({}, malformed=malformed)
        assert [task["id"] for task in tasks] == [3] and [error.task_id for error in malformed] == [5, 4]

    @pytest.mark.parametrize("data, message", [
        ({"id": 7, "status": "FAILED"}, "task 1000: it is the answer for task 7"),
        ({"id": 1000, "status": "FAILED", "subtasks": [{"id": 0, "status": "FAILED"}]},
         "task 1000, subtasks[0]: id is not a positive integer (found 0)"),
        ([1000], "task 1000: the envelope has no data object (found a list of 1 item(s))"),
    ])
    def test_a_malformed_task_names_what_and_where(self, api, mocked, data, message):
        mocked.get(TASKS + "/1000", json=envelope(data))
        with pytest.raises(OcpMalformedAnswerError) as raised:
            api.get_task(1000)
        assert raised.value.message == message and raised.value.task_id == 1000
        assert str(raised.value).endswith("(GET /api/v2/tasks/instances/1000, HTTP 200, traceId 0123456789abcdef)")

    @pytest.mark.parametrize("data", [{"log": {"lines": []}}, {"log": 12}, [1]])
    def test_a_log_that_is_no_text_is_malformed(self, api, mocked, data):
        mocked.get(TASKS + "/1000/subtasks/12/log", json=envelope(data))
        with pytest.raises(OcpMalformedAnswerError, match="task 1000, subtask 12: the log is not a string"):
            api.get_subtask_log(1000, 12)

    def test_an_actions_malformed_answer_may_have_been_carried_out(self, api, mocked):
        mocked.post(TASKS + "/1000/retry", json=envelope({"id": 1000, "status": None}))
        mocked.post(TASKS + "/1000/subtasks/12/retry", json=envelope({"id": "x", "status": "READY"}))
        for call in (lambda: api.retry_task(1000), lambda: api.retry_subtask(1000, 12)):
            with pytest.raises(OcpMalformedAnswerError) as raised:
                call()
            assert raised.value.possibly_applied and raised.value.method == "POST"

    @pytest.mark.parametrize("value", ["\u00b2", "1\u00b2", 1.0, True, None, "-1", 0])
    def test_ids_for_paths_are_ascii_digits(self, api, value):
        with pytest.raises(OcpClientError, match="task_id must be a positive integer, got"):
            api.get_task(value)

    @pytest.mark.parametrize("value", ["\u00b2", {"a": 1}, [1], True, "1.5"])
    def test_page_counts_that_are_no_numbers(self, api, mocked, value):
        mocked.get(TASKS, json=envelope({"contents": [{"id": 1, "status": "FAILED"}], "page": {"totalPages": value}}))
        with pytest.raises(OcpUnexpectedResponseError, match="the task list's page counts are no numbers"):
            list(api.pages({}))
