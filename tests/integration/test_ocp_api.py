# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""oceanbase.ocp.ocp_api end to end: every task-starting call the simulator serves, started with
ocp_api (Basic and AK/SK) and its registered result handed as it is to ocp_task_wait; a request
whose answer is lost after OCP acted is sent once and reported as possibly applied; check mode
sends only GETs. (Input refused before any request is in test_reliability_bad_input.py.)"""

from __future__ import annotations

import json
import re

import pytest
import requests

from action_helpers import create_tenant_task
from harness import (
    ACCESS_KEY,
    ADMIN_USER,
    access_key_vars,
    basic_auth_vars,
    journal_by_path,
    run_playbook,
    run_reliability_cases,
)

TRACE_ID = re.compile(r"[0-9a-f]{16}")
TENANT_ROOT_PASSWORD = "T3nant_R00t@Never#Shown"  # OCP 4.2's password rule (START-2)
START_PATHS = {
    "tenant": "/api/v2/ob/clusters/2/tenants/createTenant",
    "upgrade": "/api/v2/ob/clusters/2/upgrade",
    "takeover": "/api/v2/ob/clusters/takeOver",
    "hosts": "/api/v2/compute/hosts/batchCreate",
}
# Distinct names, addresses and tenants per playbook run within one simulator session.
RUN_NUMBERS = {"basic": 1, "access_key": 2}


def tasks_in_ocp(simulator) -> int:
    """How many tasks OCP has, read past the module under test."""
    response = requests.get(simulator.url + "/api/v2/tasks/instances", params={"size": 1}, auth=ADMIN_USER,
                            timeout=30)
    response.raise_for_status()
    return response.json()["data"]["page"]["totalElements"]


@pytest.mark.parametrize("auth", ["basic", pytest.param("access_key", marks=pytest.mark.core_matrix)])
def test_each_task_starting_call_hands_its_tasks_to_the_wait(fast_clock, tmp_path, auth):
    simulator = fast_clock
    result_path = tmp_path / "results.json"
    credentials = basic_auth_vars(simulator) if auth == "basic" else access_key_vars(simulator)
    simulator.clear_journal()
    run = run_playbook("ocp_api_start_and_wait.yml", dict(
        credentials, run=RUN_NUMBERS[auth], tenant_root_password=TENANT_ROOT_PASSWORD, result_path=str(result_path)))

    assert run.returncode == 0, run.output
    assert "Traceback" not in run.output
    assert TENANT_ROOT_PASSWORD not in run.output  # the tasks whose body holds it are no_log
    results = json.loads(result_path.read_text())
    for name, started in results["started"].items():
        data = started["data"]
        tasks = data["contents"] if name == "hosts" else [data]
        assert started["changed"] is True and started["status"] == 200, name
        assert TRACE_ID.fullmatch(started["trace_id"]), name
        assert started["task_ids"] == [task["id"] for task in tasks] and started["task_ids"], name
        assert "request" not in started and "possibly_applied" not in started, name
        waited = results["waited"][name]
        assert [task["id"] for task in waited["tasks"]] == started["task_ids"], name
        assert [task["outcome"] for task in waited["tasks"]] == ["succeeded"] * len(tasks), name
        assert waited["summary"]["succeeded"] == waited["summary"]["total"] == len(tasks), name
    assert results["started"]["tenant"]["data"]["tenantId"] >= 1004
    assert len(results["started"]["hosts"]["task_ids"]) == 2
    # the role takes the same registered result as it is
    assert results["role"]["summary"]["succeeded"] == results["role"]["summary"]["total"] == 2

    journal = simulator.journal()
    starts = journal_by_path([entry for entry in journal if entry["method"] == "POST"])
    assert {path: [entry["status"] for entry in entries] for (_method, path), entries in starts.items()} == {
        path: [200] for path in START_PATHS.values()}
    # Every request was Basic's user or signed with the access key (the bodies' MD5 included).
    assert {entry["identity"] for entry in journal} == {ADMIN_USER[0] if auth == "basic" else ACCESS_KEY[0]}


# (case, method, path, body, fault on the answer, OCP acted): each fault fires once, after OCP
# handled the request (except where OCP never acted).
# The bodies OCP 4.2 documents (docs/ocp-behaviour.md START-4, START-7).
UPGRADE_BODY = {"rpmFileName": "oceanbase-4.2.5.1-101000092024120111.el7.x86_64.rpm"}
HOST_INFO = {"kind": "DEDICATED_PHYSICAL_MACHINE", "hostTypeId": 1, "sshPort": 22, "credentialId": 1}
LOST_ANSWERS = [
    ("connection dropped after the tenant creation", "POST", START_PATHS["tenant"],
     {"name": "t_lost", "rootPassword": TENANT_ROOT_PASSWORD,
      "zones": [{"name": "zone1", "replicaType": "FULL", "resourcePool": {"unitSpecName": "S1", "unitCount": 1}}]},
     {"drop": True}, 1),
    ("proxy's 502 after the upgrade", "POST", START_PATHS["upgrade"], UPGRADE_BODY, {"status": 502}, 1),
    ("answer later than request_timeout", "POST", START_PATHS["takeover"],
     {"address": "10.7.0.1", "port": 2881, "rootSysPassword": TENANT_ROOT_PASSWORD, "clusterName": "late",
      "hostInfo": HOST_INFO},
     {"latency_ms": 3000}, 1),
    ("answer cut off after the hosts were added", "POST", START_PATHS["hosts"],
     {"hostBasicDataList": [{"innerIpAddress": "10.7.1.1"}], "sshPort": 22, "kind": "DEDICATED_CONTAINER",
      "idcId": 1, "typeId": 1, "credentialId": 1}, {"invalid_json": True}, 1),
    ("OCP's 500 for a DELETE", "DELETE", "/api/v2/ob/clusters/2/tenants/1003", None, {"status": 500}, 0),
    ("the web console page for a PUT", "PUT", "/api/v2/no/such/endpoint", {"a": 1}, None, 0),
]


@pytest.fixture
def faulty(fast_clock):
    fast_clock.clear_faults()
    yield fast_clock
    fast_clock.clear_faults()
    # Let the tasks started here end, so that they do not linger RUNNING for the tests after.
    fast_clock.set_clock(advance_seconds=600)


def test_a_lost_answer_is_never_resent_and_reported_as_possibly_applied(faulty, tmp_path):
    simulator = faulty
    connection = dict(api_url=simulator.url, username=ADMIN_USER[0], password=ADMIN_USER[1], request_timeout=1)
    cases = []
    for name, method, path, body, fault, _acted in LOST_ANSWERS:
        if fault is not None:
            simulator.add_fault(dict(fault, match={"method": method, "path": path}, nth=[1],
                                     after_handling=True))
        args = dict(connection, method=method, path=path)
        if body is not None:
            args["body"] = body
        cases.append(dict(name=name, module="api", args=args))
    # Controls: a refusal OCP answered was not applied; a GET that lost its answer is sent again.
    cases.append(dict(name="refused: no such cluster", module="api", args=dict(
        connection, method="POST", path="/api/v2/ob/clusters/99/upgrade", body=UPGRADE_BODY)))
    finished = create_tenant_task(simulator)
    read_path = "/api/v2/tasks/instances/%d" % finished["id"]
    simulator.add_fault({"match": {"method": "GET", "path": read_path}, "nth": [1], "drop": True})
    cases.append(dict(name="a GET whose answer was lost", module="api", args=dict(connection, path=read_path)))
    before = tasks_in_ocp(simulator)
    simulator.clear_journal()

    run, results, _role = run_reliability_cases(tmp_path, cases)

    assert "Traceback" not in run.output
    journal = journal_by_path(simulator.journal())
    for name, method, path, _body, _fault, _acted in LOST_ANSWERS:
        result = results[name]
        assert result["failed"] is True and result["possibly_applied"] is True, (name, result)
        assert TRACE_ID.fullmatch(result["trace_id"]), name
        assert ("OCP may have carried out %s %s although its answer was lost, and it was not sent again: "
                "check in OCP whether it took effect before running this again" % (method, path)) in result["msg"]
        assert "trace id %s" % result["trace_id"] in result["msg"], name
        assert len(journal[(method, path)]) == 1, (name, journal[(method, path)])
        assert TENANT_ROOT_PASSWORD not in json.dumps([result["msg"], result["error"]]), name
    assert results["the web console page for a PUT"]["msg"].startswith(
        "the URL is probably not an OCP API endpoint; check api_url")
    assert "OCP reported a server error" in results["OCP's 500 for a DELETE"]["msg"]
    # OCP did carry out each request whose answer was lost (a task each), and nothing twice.
    assert tasks_in_ocp(simulator) == before + sum(acted for *_rest, acted in LOST_ANSWERS)

    refused = results["refused: no such cluster"]
    assert refused["failed"] is True and refused["possibly_applied"] is False
    assert refused["error"]["status"] == 404 and "may have carried out" not in refused["msg"]

    read = results["a GET whose answer was lost"]
    assert not read.get("failed") and read["changed"] is False and read["task_ids"] == [finished["id"]], read
    assert [entry["status"] for entry in journal[("GET", read_path)]] == [0, 200]


def test_check_mode_sends_only_gets_and_says_what_it_would_send(simulator, tmp_path):
    connection = dict(api_url=simulator.url, username=ADMIN_USER[0], password=ADMIN_USER[1])
    finished = create_tenant_task(simulator)
    body = {"name": "t_check", "rootPassword": TENANT_ROOT_PASSWORD,
            "zones": [{"name": "zone1", "replicaType": "FULL", "resourcePool": {"unitSpecName": "S1", "unitCount": 1}}]}
    start_args = dict(connection, method="POST", path=START_PATHS["tenant"],
                      query={"dryRun": False, "tags": ["a", "b c"]}, body=body)
    read_args = dict(connection, path="/api/v2/tasks/instances/%d" % finished["id"])
    cases = [dict(name="start", module="api", args=start_args), dict(name="read", module="api", args=read_args)]
    result_path = tmp_path / "results.json"
    simulator.clear_journal()
    run = run_playbook("reliability_cases.yml", dict(cases=cases, result_path=str(result_path)), check=True)

    assert run.returncode == 0, run.output
    results = {entry["case"]["name"]: entry for entry in json.loads(result_path.read_text())}
    start = results["start"]
    assert start["changed"] is True and start["task_ids"] == []
    assert start["request"] == {"method": "POST", "path": START_PATHS["tenant"],
                                "query": "dryRun=false&tags=a%2Cb%20c",
                                "body_bytes": len(json.dumps(body).encode("utf-8"))}
    assert "data" not in start and "trace_id" not in start
    read = results["read"]
    assert read["changed"] is False and read["task_ids"] == [finished["id"]] and read["data"]["id"] == finished["id"]
    assert [(entry["method"], entry["path"]) for entry in simulator.journal()] == [
        ("GET", "/api/v2/tasks/instances/%d" % finished["id"])]
