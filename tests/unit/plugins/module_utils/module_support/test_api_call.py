# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ocp_api's call: input refused before sending, the result, check mode, lost answers never resent."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import re

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support import api_call
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.api_call import (
    ApiCallFailed,
    call,
    new_trace_id,
    no_task_warning,
    path_errors,
    query_errors,
    request_errors,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.ocp_client import OcpClient
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.backoff import RetryPolicy

URL = "http://ocp.test:8080"
CREATE_TENANT = "/api/v2/ob/clusters/1/tenants/createTenant"
# A call whose lost answer the audit events do not settle (test_lost_answer.py has those that are).
BACKUP_NOW = "/api/v2/ob/clusters/1/backup/backupNow"
TRACE_ID = "0123456789abcdef"
TASK = {"id": 2001, "name": "Create tenant", "status": "RUNNING", "taskDefinitionId": 2, "tenantId": 1004,
        "subtasks": [{"id": 20011, "status": "RUNNING"}]}
TENANT_BODY = {"name": "t1", "rootPassword": "S3cret!", "zones": [{"name": "z1", "replicaType": "FULL"}]}


def envelope(data=None, trace_id="00000000000000aa", keep_data=True):
    answer = {"duration": 2, "server": "ocp-1", "status": 200, "successful": True,
              "timestamp": "2021-08-25T15:10:13.176+08:00", "traceId": trace_id}
    if keep_data:
        answer["data"] = data
    return answer


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(sleeps):
    return OcpClient(URL, username="admin", password="secret", sleep=sleeps.append,
                     retry_policy=RetryPolicy(random=lambda: 0.5))


@pytest.fixture
def mocked(mocked, monkeypatch):
    """The scripted HTTP of conftest.py, with every request's trace id known in advance."""
    monkeypatch.setattr(api_call, "new_trace_id", lambda: TRACE_ID)
    return mocked


def failure_of(*args, **kwargs):
    with pytest.raises(ApiCallFailed) as raised:
        call(*args, **kwargs)
    return raised.value.result


class TestPath:
    @pytest.mark.parametrize("path", [
        "/api/v2/tasks/instances", "/api/v2/tasks/instances/", "/api/status", "/api/v2/ob/clusters/1/tenants/createTenant",
        "/api/v2/ob/tenants/t%E7%A7%9F/x", "/api/v2/a-b_c.d~e/f:g@h;i=j,k+l!m$n&o'p(q)r*s",
        "/api/v2/x/.hidden", "/api/v2/x/..more",
    ])
    def test_paths_sent_as_they_are(self, path):
        assert path_errors(path) == []

    @pytest.mark.parametrize("path, message", [
        ("/v2/tasks/instances", "must start with /api/"),
        ("api/v2/tasks", "must start with /api/"),
        ("/API/v2/tasks", "must start with /api/"),
        ("/api", "must start with /api/"),
        ("", "must start with /api/"),
        ("https://ocp.test/api/v2/tasks", "must start with /api/"),
        ("/api/v2/tasks/instances?status=FAILED", "give query parameters in query"),
        ("/api/v2/tasks#top", "give query parameters in query"),
        ("/api/v2/tasks/instances/../../../admin", "'.' or '..' segments"),
        ("/api/v2/./tasks", "'.' or '..' segments"),
        ("/api/v2/%2E%2e/admin", "'.' or '..' segments"),
        ("/api/v2/tasks/..", "'.' or '..' segments"),
        ("/api/v2/ob/clusters//upgrade", r"empty segment \('//'\)"),
        ("/api/v2/ob/clusters/ 1/upgrade", "percent-encode anything else"),
        ("/api/v2/ob/clusters/1\n/upgrade", "percent-encode anything else"),
        ("/api/v2/ob/tenants/租户", "percent-encode anything else"),
        ("/api/v2/ob/tenants/t%G1", "percent-encode anything else"),
        ("/api/v2/ob/tenants/t%", "percent-encode anything else"),
        ("/api/v2/a\\b", "percent-encode anything else"),
        ("/api/v2/{id}", "percent-encode anything else"),
    ])
    def test_paths_refused(self, path, message):
        [error] = path_errors(path)
        assert re.search(message, error) and repr(path) in error


class TestQuery:
    def test_values_ocp_takes(self):
        assert query_errors({"status": ["RUNNING", "FAILED"], "page": 1, "ratio": 0.5, "force": True,
                             "name": "租户", "tenantId": None, "empty": []}) == []

    @pytest.mark.parametrize("query, message", [
        ({"filter": {"status": "FAILED"}}, r"query filter must be a string, a number, a boolean or a list of those"),
        ({"ids": [1, [2, 3]]}, r"query ids must be a string"),
        ({"ids": [1, None]}, r"query ids must be a string"),
        ({"ids": [{"a": 1}]}, r"query ids must be a string"),
        ({"ratio": float("nan")}, r"query ratio is not a finite number: nan"),
        ({"ratios": [1.0, float("-inf")]}, r"query ratios is not a finite number: -inf"),
    ])
    def test_values_that_cannot_be_encoded(self, query, message):
        [error] = query_errors(query)
        assert re.search(message, error)

    def test_every_bad_value_is_named(self):
        assert len(query_errors({"a": {}, "b": float("inf"), "c": 1})) == 2


class TestRequestErrors:
    def test_everything_wrong_at_once(self):
        errors = request_errors("POST", "/v2/x", {"a": {}}, {"n": float("nan")})
        assert len(errors) == 3 and "the body cannot be sent as JSON" in errors[2]

    @pytest.mark.parametrize("body", [{"ratio": float("nan")}, [float("inf")], {"when": {1, 2}}])
    def test_a_body_that_cannot_be_encoded(self, body):
        [error] = request_errors("POST", CREATE_TENANT, None, body)
        assert error.startswith("the body cannot be sent as JSON: ")

    def test_a_get_takes_no_body(self):
        assert request_errors("GET", "/api/v2/tasks/instances", None, {"status": "FAILED"}) == [
            "a GET sends no body; give its parameters in query"]

    @pytest.mark.parametrize("method", ["PATCH", "post", None])
    def test_a_method_outside_the_list(self, method):
        assert request_errors(method, CREATE_TENANT, None, None) == [
            "method must be one of GET, POST, PUT, DELETE, got %r" % (method,)]

    @pytest.mark.parametrize("body", ["text", 0, False, [], {}, {"a": None}])
    def test_any_json_value_is_a_body(self, body):
        assert request_errors("DELETE", CREATE_TENANT, None, body) == []


def test_trace_ids_look_like_ocps():
    ids = set(new_trace_id() for _attempt in range(50))
    assert len(ids) == 50 and all(re.fullmatch(r"[0-9a-f]{16}", trace_id) for trace_id in ids)


class TestCall:
    def test_a_task_starting_post(self, client, mocked):
        mocked.post(URL + CREATE_TENANT, json=envelope(TASK))
        result = call(client, "POST", CREATE_TENANT, None, TENANT_BODY)
        assert result == dict(changed=True, data=TASK, status=200, trace_id="00000000000000aa", task_ids=[2001])
        request = mocked.calls[0].request
        assert json.loads(request.body) == TENANT_BODY and request.headers["x-trace-id"] == TRACE_ID

    def test_a_get_changes_nothing(self, client, mocked):
        listing = {"contents": [dict(TASK, id=7), dict(TASK, id=8)], "page": {"totalElements": 2}}
        mocked.get(URL + "/api/v2/tasks/instances?size=2&status=RUNNING%2CFAILED", json=envelope(listing))
        result = call(client, "GET", "/api/v2/tasks/instances", {"status": ["RUNNING", "FAILED"], "size": 2})
        assert result["changed"] is False and result["task_ids"] == [7, 8] and result["data"] == listing

    def test_an_answer_without_data(self, client, mocked):
        mocked.post(URL + "/api/v2/tasks/instances/1/subtasks/2/skip", json=envelope(keep_data=False))
        result = call(client, "POST", "/api/v2/tasks/instances/1/subtasks/2/skip")
        assert result["data"] is None and result["task_ids"] == [] and result["changed"] is True

    def test_a_cluster_is_no_task(self, client, mocked):
        cluster = {"id": 1, "name": "obcluster", "status": "RUNNING"}
        mocked.get(URL + "/api/v2/ob/clusters/1", json=envelope(cluster))
        assert call(client, "GET", "/api/v2/ob/clusters/1")["task_ids"] == []

    def test_check_mode_sends_no_post_and_says_what_it_would_send(self, client, mocked):
        result = call(client, "POST", CREATE_TENANT, {"dryRun": False, "tags": ["a", "b"]}, TENANT_BODY,
                      check_mode=True)
        assert result == dict(changed=True, task_ids=[], request=dict(
            method="POST", path=CREATE_TENANT, query="dryRun=false&tags=a%2Cb",
            body_bytes=len(json.dumps(TENANT_BODY).encode("utf-8"))))
        assert "S3cret!" not in json.dumps(result)
        assert client.request_count == 0

    def test_check_mode_without_a_body(self, client, mocked):
        result = call(client, "DELETE", "/api/v2/things/1", check_mode=True)
        assert result["request"] == dict(method="DELETE", path="/api/v2/things/1", query="", body_bytes=None)

    def test_check_mode_sends_a_get(self, client, mocked):
        mocked.get(URL + "/api/v2/tasks/instances/7", json=envelope(dict(TASK, id=7)))
        result = call(client, "GET", "/api/v2/tasks/instances/7", check_mode=True)
        assert result["task_ids"] == [7] and result["changed"] is False

    @pytest.mark.parametrize("args", [
        ("PATCH", CREATE_TENANT, None, None),
        ("POST", "/v2/ob/clusters/1/upgrade", None, None),
        ("POST", CREATE_TENANT, {"a": {"b": 1}}, None),
        ("POST", CREATE_TENANT, None, {"ratio": float("nan")}),
    ])
    def test_bad_input_sends_nothing(self, client, mocked, args):
        result = failure_of(client, *args)
        assert set(result) == {"msg"} and client.request_count == 0


class TestNoTaskWarning:
    """A POST OCP accepted without starting a task says so (START-3: the synchronous tenant creation)."""

    def test_a_post_that_started_no_task_is_warned_of(self, client, mocked):
        tenant = {"id": 1005, "name": "t_now", "status": "CREATING", "clusterId": 1}
        mocked.post(URL + "/api/v2/ob/clusters/1/tenants", json=envelope(tenant))
        result = call(client, "POST", "/api/v2/ob/clusters/1/tenants", None, TENANT_BODY)
        warning = no_task_warning("POST", "/api/v2/ob/clusters/1/tenants", result)
        assert result["task_ids"] == [] and "started no task to wait for" in warning
        assert "/api/v2/ob/clusters/{id}/tenants/createTenant starts a task" in warning

    @pytest.mark.parametrize("method, path, result", [
        ("POST", CREATE_TENANT, dict(changed=True, data=TASK, task_ids=[2001])),
        ("GET", "/api/v2/ob/clusters/1", dict(changed=False, data={"id": 1}, task_ids=[])),
        ("PUT", "/api/v2/ob/clusters/1/parameters", dict(changed=True, data=None, task_ids=[])),
        ("POST", "/api/v2/ob/clusters/takeOverPreCheck", dict(changed=True, data={"clusterName": "c"}, task_ids=[])),
        ("POST", "/api/v2/tasks/instances/7/subtasks/8/skip", dict(changed=True, data=None, task_ids=[])),
        # Check mode sends no POST, so its result has no answer to judge.
        ("POST", CREATE_TENANT, dict(changed=True, task_ids=[], request={})),
    ])
    def test_no_warning_where_no_task_is_expected_or_one_came(self, method, path, result):
        assert no_task_warning(method, path, result) is None


def dropped():
    return requests.exceptions.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError(104)))


def refused():
    return requests.exceptions.ConnectionError(MaxRetryError(None, "/", NewConnectionError(None, "refused")))


class TestLostAnswers:
    @pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
    @pytest.mark.parametrize("answer", [
        dict(body=dropped()),
        dict(body=requests.exceptions.ReadTimeout("read timed out")),
        dict(status=500, json={"successful": False, "error": {"code": 10010, "message": "boom"}}),
        dict(status=502, body="<html>502 Bad Gateway</html>", content_type="text/html"),
        dict(status=504),
        dict(status=200, body='{"successful": true, "data": {"id": 20', content_type="application/json"),
    ])
    def test_sent_once_and_reported_as_possibly_applied(self, client, mocked, sleeps, method, answer):
        mocked.add(method, URL + BACKUP_NOW, **answer)
        result = failure_of(client, method, BACKUP_NOW, None, TENANT_BODY)
        assert client.request_count == 1 and sleeps == []
        assert result["possibly_applied"] is True
        assert result["trace_id"] == result["error"]["trace_id"] == TRACE_ID
        assert "ambiguous" not in result["error"]
        assert ("OCP may have carried out %s %s although its answer was lost, and it was not sent again" % (
            method, BACKUP_NOW)) in result["msg"]
        assert "trace id %s" % TRACE_ID in result["msg"]
        # said once, not also in the connection error's shorter advice
        assert "check the task's state before sending it again" not in result["msg"]

    def test_the_web_console_page_for_a_post_keeps_the_known_message(self, client, mocked):
        mocked.post(URL + BACKUP_NOW, body="<!DOCTYPE html><html>OCP</html>", content_type="text/html")
        result = failure_of(client, "POST", BACKUP_NOW, None, TENANT_BODY)
        assert result["msg"].startswith("the URL is probably not an OCP API endpoint; check api_url")
        assert result["possibly_applied"] is True and client.request_count == 1

    @pytest.mark.parametrize("answer, message", [
        (dict(status=400, json={"successful": False, "traceId": "00000000000000bb",
                                "error": {"code": 10001, "message": "name must not be blank"}}),
         "OCP rejected the request as invalid: name must not be blank"),
        (dict(status=401, json={"successful": False, "traceId": "", "error": {"code": 0}}), "authentication failed"),
        (dict(status=403, json={"successful": False, "error": {"code": 30014}}), "lacks"),
        (dict(status=404, json={"successful": False, "error": {"code": 0}}), "not found"),
        (dict(status=429), "unexpected HTTP status"),
        (dict(body=refused()), "could not get an answer from OCP"),
    ])
    def test_a_refusal_or_a_request_that_never_left_was_not_applied(self, client, mocked, answer, message):
        mocked.post(URL + CREATE_TENANT, **answer)
        result = failure_of(client, "POST", CREATE_TENANT, None, TENANT_BODY)
        assert result["possibly_applied"] is False and message in result["msg"]
        assert "may have carried out" not in result["msg"] and "may have reached OCP" not in result["msg"]
        assert result["trace_id"] in ("00000000000000bb", TRACE_ID)

    def test_a_get_is_retried_and_never_possibly_applied(self, client, mocked, sleeps):
        for _attempt in range(4):
            mocked.get(URL + "/api/v2/nowhere", body="<!DOCTYPE html><html>OCP</html>", content_type="text/html")
        result = failure_of(client, "GET", "/api/v2/nowhere")
        assert client.request_count == 4 and len(sleeps) == 3
        assert result["possibly_applied"] is False
        assert result["msg"].startswith("the URL is probably not an OCP API endpoint; check api_url")

    def test_a_json_refusal_with_a_success_status(self, client, mocked):
        mocked.get(URL + "/api/v2/odd", json={"successful": False})
        result = failure_of(client, "GET", "/api/v2/odd")
        assert "the envelope lacks successful: true" in result["msg"] and result["error"]["status"] == 200

    def test_an_answer_nested_deeper_than_any_of_ocps_is_malformed(self, client, mocked):
        """Returned as it is, Ansible's handling of the result would raise a RecursionError (past some 400 levels)."""
        mocked.get(URL + "/api/v2/deep", json=envelope({"context": json.loads("[" * 600 + "]" * 600)}))
        result = failure_of(client, "GET", "/api/v2/deep")
        assert result["msg"] == ("OCP's answer is malformed: context is nested deeper than 32 levels "
                                 "(GET /api/v2/deep, HTTP 200, traceId 00000000000000aa)")
        assert result["possibly_applied"] is False and client.request_count == 1

    def test_an_actions_answer_nested_too_deeply_may_have_been_carried_out(self, client, mocked):
        mocked.post(URL + BACKUP_NOW, json=envelope(json.loads("[" * 40 + "]" * 40)))
        result = failure_of(client, "POST", BACKUP_NOW, None, {})
        assert result["possibly_applied"] is True and client.request_count == 1
        assert result["msg"].startswith("OCP's answer is malformed: the answer is nested deeper than 32 levels")
        assert "OCP may have carried out POST %s although its answer is malformed" % (BACKUP_NOW,) in result["msg"]
