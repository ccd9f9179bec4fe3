# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What ocp_task_info returns: each piece once, failure causes, warnings for lists cut short or malformed."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpMalformedAnswerError, OcpUnexpectedResponseError
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.task_info import SubtaskNotFound, read_list, read_one
from ansible_collections.oceanbase.ocp.tests.unit.ocp_http_mock import TASKS, envelope, task_api

ERROR_LINE = "2024-01-08 10:21:09.843 ERROR [subtask-executor-3,0ad1992a] c.o.o.s.t.b.CreateResourcePoolTask : ERROR 4012"
# The cause is the message of the ERROR line, without the log line's prefix.
CAUSE = "ERROR 4012"
LOG = "\n".join(["############{EXECUTE}{2024-01-08T10:21:07.123+08:00}############", "x" * 5000, ERROR_LINE,
                 "Set state for subtask: 12, operation:EXECUTE, state: FAILED"])
TASK = {"id": 1000, "name": "Create tenant", "status": "FAILED", "operation": "EXECUTE", "subtasks": [
    {"id": 12, "seriesId": 2, "name": "Create resource pool", "status": "FAILED", "paralleIdx": -1, "downstream": []},
    {"id": 11, "seriesId": 1, "name": "Check tenant parameters", "status": "SUCCESSFUL", "parallelIdx": -1,
     "downstreams": [12]},
]}


def params(**given):
    defaults = dict(name=None, status=None, type=None, cluster_name=None, cluster_id=None, tenant_name=None,
                    tenant_id=None, host_id=None, page=None, size=10, sort=None, all_pages=False, limit=None,
                    subtask_logs="none")
    defaults.update(given)
    return defaults


@pytest.fixture
def api():
    return task_api()


def test_a_task_is_returned_once_and_each_log_once(api, mocked):
    mocked.get(TASKS + "/1000", json=envelope(TASK))
    mocked.get(TASKS + "/1000/subtasks/12/log", json=envelope({"log": LOG}))
    result = read_one(api, 1000, "failed")
    assert set(result) == {"task"}
    task = result["task"]
    assert [subtask.get("log") for subtask in task["subtasks"]] == [None, LOG]
    [failed] = task["failed_subtasks"]
    assert "log" not in failed and failed["cause"] == CAUSE
    assert json.dumps(result).count("x" * 5000) == 1


@pytest.mark.parametrize("separator", [
    "############{RETRY}{2024-01-08T10:25:00.000+08:00}############",  # OCP's format
    "############RETRY{2024-01-08T10:25:00.000+08:00}############",    # an older simulator's, without braces
])
def test_the_cause_is_the_error_of_the_latest_run(api, mocked, separator):
    second_run_error = "2024-01-08 10:25:01.100 ERROR [x] c.o.CreateResourcePoolTask : ERROR 4733 (HY000): no memory"
    log = "\n".join([LOG, separator, "2024-01-08 10:25:00.500 INFO [x] c.o.CreateResourcePoolTask : start",
                     second_run_error, "2024-01-08 10:25:01.200 INFO [x] c.o.Cleanup : released the lock",
                     "Set state for subtask: 12, operation:RETRY, state: FAILED"])
    mocked.get(TASKS + "/1000", json=envelope(TASK))
    mocked.get(TASKS + "/1000/subtasks/12/log", json=envelope({"log": log}))
    assert read_one(api, 1000, "failed")["task"]["failed_subtasks"][0]["cause"] == "ERROR 4733 (HY000): no memory"


def test_subtasks_carry_one_spelling(api, mocked):
    mocked.get(TASKS + "/1000", json=envelope(TASK))
    task = read_one(api, 1000, "none")["task"]
    for subtask in task["subtasks"] + task["failed_subtasks"]:
        assert "paralleIdx" not in subtask and "downstream" not in subtask
        assert subtask["parallelIdx"] == -1 and isinstance(subtask["downstreams"], list)
    assert "cause" not in task["failed_subtasks"][0]  # no log was read


def test_the_log_of_the_subtask_asked_for_is_in_subtask_only(api, mocked):
    mocked.get(TASKS + "/1000", json=envelope(TASK))
    mocked.get(TASKS + "/1000/subtasks/12/log", json=envelope({"log": LOG}))
    result = read_one(api, 1000, "failed", subtask_id=12)
    assert result["subtask"]["log"] == LOG
    assert result["task"]["failed_subtasks"][0]["cause"] == CAUSE
    assert json.dumps(result).count("x" * 5000) == 1


def test_a_subtask_of_another_task(api, mocked):
    mocked.get(TASKS + "/1000", json=envelope(TASK))
    with pytest.raises(SubtaskNotFound, match="task 1000 has no subtask 99"):
        read_one(api, 1000, "none", subtask_id=99)


def page(ids, total, number=1, size=10):
    return envelope({"contents": [{"id": task_id, "status": "FAILED"} for task_id in ids],
                     "page": {"number": number, "size": size, "totalElements": total,
                              "totalPages": -(-total // size)}})


def test_the_first_page_of_more_warns_naming_all_pages(api, mocked):
    mocked.get(TASKS, json=page(range(16, 6, -1), 16))
    result, warnings = read_list(api, params(status=["FAILED"]))
    assert (len(result["tasks"]), result["total"]) == (10, 16)
    assert warnings == ["returned 10 of the 16 matching tasks (the first page, size 10); set all_pages: true to "
                        "get them all (limit caps them), or page to read the next ones"]


def test_a_page_asked_for_or_a_whole_list_does_not_warn(api, mocked):
    mocked.get(TASKS, json=page(range(6, 0, -1), 16, number=2))
    mocked.get(TASKS, json=page(range(3, 0, -1), 3))
    assert read_list(api, params(page=2))[1] == []
    assert read_list(api, params())[1] == []


def test_all_pages_sorted_and_cut_short_by_limit(api, mocked):
    mocked.get(TASKS, json=page([1, 2, 3], 16, size=3))
    result, warnings = read_list(api, params(status=["FAILED"], cluster_id=1, sort="id,asc", all_pages=True,
                                             limit=3))
    assert mocked.calls[0].request.url == TASKS + "?clusterId=1&page=1&size=3&sort=id%2Casc&status=FAILED"
    assert ([task["id"] for task in result["tasks"]], result["total"]) == ([1, 2, 3], 16)
    assert warnings == ["returned the first 3 of the 16 matching tasks: all_pages stopped at limit 3; raise or "
                        "drop limit to get them all"]


def test_listed_tasks_read_in_detail_for_logs(api, mocked):
    mocked.get(TASKS, json=page([1000], 1))
    mocked.get(TASKS + "/1000", json=envelope(TASK))
    mocked.get(TASKS + "/1000/subtasks/12/log", json=envelope({"log": LOG}))
    result, warnings = read_list(api, params(subtask_logs="failed", all_pages=True))
    assert warnings == [] and result["total"] == 1
    assert result["tasks"][0]["failed_subtasks"][0]["cause"] == CAUSE


MALFORMED_ENTRIES = [{"id": 3, "status": "FAILED"}, {"status": "FAILED"}, {"id": 2, "status": "FAILED", "subtasks": 7},
                     {"id": 1, "status": "FAILED"}]


@pytest.mark.parametrize("paging", [dict(), dict(all_pages=True)])
def test_a_list_gives_the_good_tasks_and_names_the_malformed_ones(api, mocked, paging):
    mocked.get(TASKS, json=envelope({"contents": MALFORMED_ENTRIES, "page": {"totalElements": 4, "totalPages": 1}}))
    result, warnings = read_list(api, params(**paging))
    assert [task["id"] for task in result["tasks"]] == [3, 1] and result["total"] == 4
    assert result["malformed"] == [
        dict(id=None, reason="entry 2 of page 1 of the task list: id is not a positive integer (found null)"),
        dict(id=2, reason="task 2: subtasks is not a list (found 7)")]
    assert warnings == ["OCP sent 2 task(s) that cannot be read, left out of tasks and listed in malformed: entry 2 of "
                        "page 1 of the task list: id is not a positive integer (found null); task 2: subtasks is not "
                        "a list (found 7)"]


def test_a_listed_task_whose_detail_is_malformed_joins_the_malformed(api, mocked):
    mocked.get(TASKS, json=page([1000, 7], 2))
    mocked.get(TASKS + "/1000", json=envelope(TASK))
    mocked.get(TASKS + "/1000/subtasks/12/log", json=envelope({"log": LOG}))
    mocked.get(TASKS + "/7", json=envelope({"id": 7, "status": "FAILED", "subtasks": [{"id": "x", "status": "FAILED"}]}))
    result, warnings = read_list(api, params(subtask_logs="failed"))
    assert [task["id"] for task in result["tasks"]] == [1000]
    assert result["malformed"] == [dict(id=7, reason="task 7, subtasks[0]: id is not a positive integer (found 'x')")]
    assert len(warnings) == 1


def test_a_task_read_by_id_that_is_malformed_fails_naming_what(api, mocked):
    mocked.get(TASKS + "/1000", json=envelope(dict(TASK, status={"code": 1})))
    with pytest.raises(OcpMalformedAnswerError, match=r"task 1000: status is not a string \(found an object"):
        read_one(api, 1000, "failed")


def test_a_page_total_that_is_no_count_fails_clearly(api, mocked):
    mocked.get(TASKS, json=envelope({"contents": [], "page": {"totalElements": "\u00b2"}}))
    with pytest.raises(OcpUnexpectedResponseError, match="page counts are no numbers"):
        read_list(api, params())
