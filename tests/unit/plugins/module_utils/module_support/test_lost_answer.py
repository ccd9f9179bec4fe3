# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A task-starting POST whose answer was lost, settled from OCP's audit events (AUD-1, AUD-2): the
task it started returned, a refusal told apart, and every doubt left as possibly applied; the
request never sent again, whatever the events say or however malformed they are."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest
import requests
from urllib3.exceptions import ProtocolError

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.backoff import RetryPolicy
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.ocp_client import OcpClient
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support import api_call
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.api_call import ApiCallFailed, call
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.lost_answer import EVENTS_READ

URL = "http://ocp.test:8080"
AUDIT = URL + "/api/v2/audit/events"
CREATE_TENANT = "/api/v2/ob/clusters/1/tenants/createTenant"
TENANT_BODY = {"name": "t_orders", "rootPassword": "S3cret!", "zones": [{"name": "z1", "replicaType": "FULL"}]}
# OCP's clock when it answers the audit read; the request left 1 s before (the injected clock), so an
# event of it starts at 09:10:07 or later (2 s of slack for whole seconds).
OCP_NOW = "2026-12-03T09:10:10.250+08:00"
AFTER_SEND = "2026-12-03T09:10:08+08:00"
BEFORE_SEND = "2026-12-03T09:10:05+08:00"


def envelope(data, timestamp=OCP_NOW):
    answer = {"successful": True, "status": 200, "traceId": "00000000000000cc", "data": data}
    if timestamp is not None:
        answer["timestamp"] = timestamp
    return answer


def event(**fields):
    base = {"id": 17, "operationEvent": "CREATE_TENANT", "eventType": "OB_TENANT_MANAGEMENT",
            "resourceName": "obcluster:t_orders", "resourceId": 1013, "operatorName": "admin", "operatorId": 100,
            "status": "SUCCESS", "taskId": 2001, "executionType": "NEW",
            "eventInfo": '{"name":"t_orders","rootPassword":"S3cret!"}', "clientIp": "127.0.0.1",
            "startTime": AFTER_SEND, "endTime": AFTER_SEND}
    base.update(fields)
    return base


def events(*items, **page):
    return {"contents": list(items), "page": dict({"totalElements": len(items), "number": 1}, **page)}


def dropped():
    return requests.exceptions.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError(104)))


class Clock:
    """The monotonic clock of call(): the request leaves at 100, the audit read comes back at 101."""

    def __init__(self):
        self.readings = iter([100.0, 101.0])

    def __call__(self):
        return next(self.readings, 101.0)


@pytest.fixture
def client():
    return OcpClient(URL, username="admin", password="secret", sleep=lambda _seconds: None,
                     retry_policy=RetryPolicy(random=lambda: 0.5))


@pytest.fixture
def mocked(mocked, monkeypatch):
    monkeypatch.setattr(api_call, "new_trace_id", lambda: "0123456789abcdef")
    return mocked


def lost(mocked, path=CREATE_TENANT, audit=None, **audit_answer):
    """The POST's answer is lost; the audit read answers ``audit`` (data) or ``audit_answer``."""
    mocked.post(URL + path, body=dropped())
    if audit is not None:
        mocked.get(AUDIT, json=envelope(audit))
    elif audit_answer:
        mocked.get(AUDIT, **audit_answer)


def settled(client, path=CREATE_TENANT, body=None):
    return call(client, "POST", path, None, TENANT_BODY if body is None else body, clock=Clock())


def unsettled(client, path=CREATE_TENANT, body=None):
    with pytest.raises(ApiCallFailed) as raised:
        settled(client, path, body)
    return raised.value.result


def posts(mocked):
    return [sent for sent in mocked.calls if sent.request.method == "POST"]


def audit_query(mocked):
    [read] = [sent for sent in mocked.calls if sent.request.method == "GET"]
    return dict(pair.split("=", 1) for pair in read.request.url.split("?", 1)[1].split("&"))


def test_an_event_with_a_task_returns_that_task_as_if_the_answer_had_come(client, mocked):
    lost(mocked, audit=events(event()))
    result = settled(client)
    assert result["changed"] is True and result["task_ids"] == [2001] and result["data"] is None
    assert result["settled"]["applied"] is True and result["settled"]["event"]["taskId"] == 2001
    assert "started task 2001: it is returned as this request's task" in result["settled"]["why"]
    assert "CREATE_TENANT of tenant t_orders by admin since 2026-12-03 09:10:07+08:00" in result["settled"]["why"]
    # The event's request parameters are not shown: they may hold what secret_body sent.
    assert "eventInfo" not in result["settled"]["event"] and "S3cret!" not in json.dumps(result)
    assert len(posts(mocked)) == 1
    assert audit_query(mocked) == {"operationEvent": "CREATE_TENANT", "order": "startTime%2Cdesc", "page": "1",
                                   "size": "%d" % EVENTS_READ}


def test_a_failed_event_without_a_task_is_a_refusal_not_applied(client, mocked):
    lost(mocked, audit=events(event(status="FAILED", taskId=None)))
    result = unsettled(client)
    assert result["possibly_applied"] is False and result["settled"]["applied"] is False
    assert "refused it, starting nothing: it was not carried out, so running this again sends it anew" in result["msg"]
    assert "may have carried out" not in result["msg"] and "trace id 0123456789abcdef" in result["msg"]
    assert len(posts(mocked)) == 1


def test_a_failed_event_with_a_task_started_that_task(client, mocked):
    """FAILED may be the task's end (the documented status is the event's): a task id says it ran."""
    lost(mocked, audit=events(event(status="FAILED", taskId="2001")))
    assert settled(client)["task_ids"] == [2001]


@pytest.mark.parametrize("why, audit", [
    ("no event at all", events()),
    ("an event from before the request left", events(event(startTime=BEFORE_SEND))),
    ("another user's event", events(event(operatorName="ops"))),
    ("another tenant's event", events(event(resourceName="obcluster:t_orders_2"))),
    ("another operation's event", events(event(operationEvent="DELETE_TENANT"))),
    ("entries that are no events", events("17", None, [event()])),
])
def test_no_event_of_this_request_leaves_it_possibly_applied(client, mocked, why, audit):
    lost(mocked, audit=audit)
    result = unsettled(client)
    assert result["possibly_applied"] is True and result["settled"]["applied"] is None, why
    assert "check in OCP whether it took effect before running this again" in result["msg"]
    assert ("OCP's audit events show no CREATE_TENANT of tenant t_orders by admin since 2026-12-03 "
            "09:10:07+08:00: OCP may not have received the request, or may not have recorded it yet") in result["msg"]
    assert len(posts(mocked)) == 1


def test_two_events_of_this_request_cannot_tell_which(client, mocked):
    lost(mocked, audit=events(event(id=18, taskId=2002), event(id=17)))
    result = unsettled(client)
    assert result["possibly_applied"] is True and "show 2 of CREATE_TENANT" in result["msg"] and "ids 18, 17" in result["msg"]


@pytest.mark.parametrize("answer, says", [
    (dict(status=403, json={"successful": False, "error": {"code": "IAM11000", "message": "forbidden"}}),
     "not readable by this user (they need the AUDIT_VIEWER permission)"),
    # OCP before 4.2.1 has no such endpoint: its web console page for any unknown URL.
    (dict(body="<!DOCTYPE html><html>OCP</html>", content_type="text/html"),
     "could not be read to tell (they exist from OCP 4.2 on)"),
    (dict(status=404, json={"successful": False, "error": {"code": "COM10002", "message": "Not Found"}}),
     "could not be read to tell"),
    (dict(json=envelope({"contents": {"id": 17}})), "holds no list of events (contents)"),
    (dict(json=envelope(["not", "a", "page"])), "holds no list of events (contents)"),
    (dict(json=envelope(events(event()), timestamp=None)), "carries no time of OCP's"),
    (dict(json=envelope(events(event(startTime="yesterday")))), "without a readable start time"),
    (dict(json=envelope(events(event(taskId=None, status="UNKNOWN")))), "has a status this collection does not know"),
])
def test_audit_events_that_cannot_tell_leave_it_possibly_applied(client, mocked, answer, says):
    lost(mocked, **answer)
    result = unsettled(client)
    assert result["possibly_applied"] is True and result["settled"]["applied"] is None
    assert says in result["msg"] and "Traceback" not in result["msg"]
    assert len(posts(mocked)) == 1


def test_an_unreadable_audit_read_is_retried_as_any_get_and_never_the_post(client, mocked):
    mocked.post(URL + CREATE_TENANT, body=dropped())
    mocked.get(AUDIT, body=dropped())
    mocked.get(AUDIT, json=envelope(events(event())))
    assert settled(client)["task_ids"] == [2001] and len(posts(mocked)) == 1


@pytest.mark.parametrize("task_id", [0, -3, True, 2.5, "2001x", "²", {"id": 2001}])
def test_a_task_id_that_is_no_id_names_no_task(client, mocked, task_id):
    lost(mocked, audit=events(event(taskId=task_id)))
    result = unsettled(client)
    assert result["settled"]["applied"] is True and result["possibly_applied"] is True
    assert "carried it out, but names no task: find it in OCP's task list before running this again" in result["msg"]


def test_ocp_text_in_an_event_is_shown_escaped(client, mocked):
    lost(mocked, audit=events(event(id="\x1b]0;pwned\x07", status="\x1b[2J{{ lookup('pipe', 'id') }}", taskId=None)))
    result = unsettled(client)
    assert "\x1b" not in result["msg"] and "\x07" not in result["msg"]
    assert "\\x1b]0;pwned\\x07" in result["msg"]


def test_the_synchronous_creation_is_applied_by_its_success(client, mocked):
    lost(mocked, "/api/v2/ob/clusters/1/tenants", audit=events(event(taskId=None)))
    result = settled(client, "/api/v2/ob/clusters/1/tenants")
    assert result["task_ids"] == [] and result["settled"]["applied"] is True
    assert result["settled"]["why"].endswith("shows that OCP received the request and carried it out")


def test_an_upgrade_is_matched_by_its_cluster_id(client, mocked):
    upgrade = dict(operationEvent="UPGRADE_OB_CLUSTER", resourceName="obcluster")
    other_cluster = event(id=20, taskId=3002, resourceId=8, **upgrade)
    lost(mocked, "/api/v2/ob/clusters/7/upgrade", audit=events(other_cluster, event(id=19, taskId=3001, resourceId="7",
                                                                                    **upgrade)))
    result = settled(client, "/api/v2/ob/clusters/7/upgrade", {"rpmFileName": "oceanbase.rpm"})
    assert result["task_ids"] == [3001]
    assert "resourceName" not in audit_query(mocked)


def test_a_take_over_without_a_cluster_name_takes_any_cluster(client, mocked):
    lost(mocked, "/api/v2/ob/clusters/takeOver",
         audit=events(event(operationEvent="TAKE_OVER_OB_CLUSTER", resourceName="ob_legacy", taskId=4001)))
    assert settled(client, "/api/v2/ob/clusters/takeOver", {"address": "10.0.1.10", "port": 2881})["task_ids"] == [4001]


def test_one_host_is_settled_a_batch_of_several_is_not_read(client, mocked):
    body = {"hostBasicDataList": [{"innerIpAddress": "10.0.2.11"}]}
    lost(mocked, "/api/v2/compute/hosts/batchCreate",
         audit=events(event(operationEvent="ADD_HOSTS", resourceName="10.0.2.11", taskId=5001)))
    assert settled(client, "/api/v2/compute/hosts/batchCreate", body)["task_ids"] == [5001]

    mocked.reset()
    mocked.post(URL + "/api/v2/compute/hosts/batchCreate", body=dropped())
    body["hostBasicDataList"].append({"innerIpAddress": "10.0.2.12"})
    result = unsettled(client, "/api/v2/compute/hosts/batchCreate", body)
    assert result["possibly_applied"] is True and "settled" not in result and len(mocked.calls) == 1


@pytest.mark.parametrize("path, body", [
    ("/api/v2/ob/clusters/1/backup/backupNow", {}),
    (CREATE_TENANT, {"name": ""}),
    (CREATE_TENANT, ["t_orders"]),
])
def test_calls_the_events_cannot_name_are_not_read(client, mocked, path, body):
    mocked.post(URL + path, body=dropped())
    result = unsettled(client, path, body)
    assert result["possibly_applied"] is True and "settled" not in result and len(mocked.calls) == 1


def test_with_an_access_key_any_users_event_counts(mocked):
    """The collection does not know an access key's user, so it cannot leave others' events out."""
    client = OcpClient(URL, access_key_id="AKID", access_key_secret="sk", sleep=lambda _seconds: None)
    lost(mocked, audit=events(event(operatorName="ops")))
    result = settled(client)
    assert result["task_ids"] == [2001] and " by " not in result["settled"]["why"]


def test_a_refusal_ocp_answered_reads_no_events(client, mocked):
    mocked.post(URL + CREATE_TENANT, status=400, json={"successful": False, "error": {"code": "COM10001"}})
    result = unsettled(client)
    assert result["possibly_applied"] is False and "settled" not in result and len(mocked.calls) == 1
