"""Injected faults, the request journal and the admin API."""

import json

import pytest
import requests
import yaml

from conftest import TEST_SCENARIO, admin_add_fault, failed_task, journal

from ocp_simulator.server import SimulatorServer

TASKS = "/api/v2/tasks/instances"


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_status_fault_on_the_nth_matching_requests(sim, api, status):
    admin_add_fault(sim, status=status, nth=[2, 3], match={"method": "GET", "path": TASKS})
    statuses = [api.get(TASKS).status_code for _request in range(4)]
    assert statuses == [200, status, status, 200]


def test_gateway_statuses_answer_html_like_a_proxy(sim, api):
    admin_add_fault(sim, status=502)
    response = api.get(TASKS)
    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("text/html")


def test_match_restricts_method_and_path_glob(sim, api):
    admin_add_fault(sim, status=503, match={"method": "POST", "path": TASKS + "/*"})
    assert api.get(TASKS + "/1").status_code != 503
    assert api.post(TASKS + "/999999/retry").status_code == 503
    assert api.get("/api/status").status_code == 200


def probability_outcomes(scenario_path, seed):
    with SimulatorServer(ocp_version="express", scenario_path=str(scenario_path), port=0, seed=seed) as server:
        admin_add_fault(server, status=503, probability=0.5)
        return [requests.get(server.url + "/api/status", timeout=10).status_code
                for _request in range(20)]


def test_probability_is_deterministic_for_a_seed(scenario_file):
    first = probability_outcomes(scenario_file, seed=11)
    assert first == probability_outcomes(scenario_file, seed=11)
    assert set(first) == {200, 503}


def test_latency_is_recorded_and_the_answer_still_arrives(sim, api):
    admin_add_fault(sim, latency_ms=50, nth=[1])
    assert api.get(TASKS).status_code == 200
    assert journal(sim)[-1]["fault"] == "latency:50"


def test_drop_closes_the_connection_without_a_response(sim, api):
    admin_add_fault(sim, drop=True, nth=[1])
    with pytest.raises(requests.ConnectionError):
        api.get(TASKS)
    assert api.get(TASKS).status_code == 200
    dropped = journal(sim)[-2]
    assert (dropped["status"], dropped["fault"]) == (0, "drop")


def test_drop_of_a_post_with_a_body(sim, api):
    admin_add_fault(sim, drop=True, match={"method": "POST"})
    with pytest.raises(requests.ConnectionError):
        api.post("/api/v2/ob/clusters/1/upgrade", json={"version": "4.2.1.0"})


def test_drop_after_handling_carries_the_action_out_and_loses_the_answer(sim, api):
    task, _subtask = failed_task(api)
    retry = f"{TASKS}/{task['id']}/retry"
    admin_add_fault(sim, drop=True, after_handling=True, match={"method": "POST", "path": retry})
    with pytest.raises(requests.ConnectionError):
        api.post(retry)
    after = api.get(f"{TASKS}/{task['id']}").json()["data"]
    assert (after["status"], after["operation"]) == ("RUNNING", "RETRY")
    lost = [entry for entry in journal(sim) if entry["path"] == retry]
    assert [(entry["status"], entry["fault"]) for entry in lost] == [(0, "after,drop")]


def test_status_502_after_handling_on_a_post_took_effect_but_lost_its_answer(sim, api):
    admin_add_fault(sim, status=502, after_handling=True, nth=[1],
                    match={"method": "POST", "path": "/api/v2/ob/clusters/1/upgrade"})
    before = api.get(TASKS, params={"size": 1}).json()["data"]["page"]["totalElements"]
    response = api.post("/api/v2/ob/clusters/1/upgrade", json={"version": "4.2.1.0"})
    assert response.status_code == 502
    assert api.get(TASKS, params={"size": 1}).json()["data"]["page"]["totalElements"] == before + 1


@pytest.mark.parametrize("status, retry_after, header", [
    (429, 30, "30"), (503, 0, "0"), (500, 5, "5"),
    (502, "Wed, 21 Oct 2026 07:28:00 GMT", "Wed, 21 Oct 2026 07:28:00 GMT"),
])
def test_retry_after_is_sent_with_the_status(sim, api, status, retry_after, header):
    admin_add_fault(sim, status=status, retry_after=retry_after, nth=[1])
    response = api.get(TASKS)
    assert (response.status_code, response.headers["Retry-After"]) == (status, header)
    assert "Retry-After" not in api.get(TASKS).headers


def test_retry_after_with_after_handling_on_a_post(sim, api):
    admin_add_fault(sim, status=503, retry_after=12, after_handling=True, nth=[1],
                    match={"method": "POST", "path": "/api/v2/ob/clusters/1/upgrade"})
    before = api.get(TASKS, params={"size": 1}).json()["data"]["page"]["totalElements"]
    response = api.post("/api/v2/ob/clusters/1/upgrade", json={"version": "4.2.1.0"})
    assert (response.status_code, response.headers["Retry-After"]) == (503, "12")
    assert api.get(TASKS, params={"size": 1}).json()["data"]["page"]["totalElements"] == before + 1
    assert journal(sim)[-2]["fault"] == "after,status:503"


@pytest.mark.parametrize("rule", [
    {"status": 503, "retry_after": -1}, {"status": 503, "retry_after": "soon"},
    {"status": 503, "retry_after": "30"}, {"status": 503, "retry_after": True},
    {"status": 503, "retry_after": "Wed, 21 Oct 2026 07:28:00 +0800"},
    {"status": 404, "retry_after": 5}, {"drop": True, "retry_after": 5}, {"latency_ms": 5, "retry_after": 5},
])
def test_bad_retry_after_is_rejected(sim, rule):
    response = requests.post(sim.url + "/__simulator__/faults", json=rule, timeout=10)
    assert response.status_code == 400, rule
    assert "retry_after" in response.json()["error"]


def test_html_fault_answers_200_with_the_web_console(sim, api):
    admin_add_fault(sim, html=True, nth=[1])
    response = api.get(TASKS)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    with pytest.raises(ValueError):
        response.json()


def test_invalid_json_fault(sim, api):
    admin_add_fault(sim, invalid_json=True, nth=[1])
    response = api.get(TASKS)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    with pytest.raises(ValueError):
        json.loads(response.text)


def test_scenario_http_faults_apply_from_the_start(tmp_path):
    scenario = {**TEST_SCENARIO, "http_faults": [{"status": 503, "nth": [1]}]}
    path = tmp_path / "faulty.yaml"
    path.write_text(yaml.safe_dump(scenario))
    with SimulatorServer(ocp_version="express", scenario_path=str(path), port=0) as server:
        assert requests.get(server.url + "/api/status", timeout=10).status_code == 503
        assert requests.get(server.url + "/api/status", timeout=10).status_code == 200


def test_bad_fault_rules_are_rejected(sim):
    for rule in ({"status": 503, "drop": True}, {"nth": [0], "status": 500}, {"bogus": 1},
                 {"match": {"path": "/x"}}, {"probability": 2, "html": True}):
        response = requests.post(sim.url + "/__simulator__/faults", json=rule, timeout=10)
        assert response.status_code == 400, rule
        assert "error" in response.json()


def test_clearing_faults(sim, api):
    admin_add_fault(sim, status=503)
    assert api.get(TASKS).status_code == 503
    requests.delete(sim.url + "/__simulator__/faults", timeout=10)
    assert api.get(TASKS).status_code == 200


def test_journal_records_requests_in_order_but_not_admin_ones(sim, api):
    api.get(TASKS, params={"status": "FAILED"})
    requests.get(sim.url + "/api/v2/time", timeout=10)
    entries = journal(sim)
    assert [entry["seq"] for entry in entries] == sorted(entry["seq"] for entry in entries)
    listed, probed = entries[-2:]
    assert listed["method"] == "GET" and listed["path"] == TASKS
    assert listed["query"] == "status=FAILED"
    assert listed["status"] == 200 and listed["identity"] == "admin"
    assert listed["fault"] is None
    assert probed["path"] == "/api/v2/time" and probed["identity"] is None
    assert not any(entry["path"].startswith("/__simulator__") for entry in entries)
    assert set(listed) == {"seq", "time", "method", "path", "query", "status", "identity",
                           "fault"}


def test_journal_records_failures_and_can_be_cleared(sim):
    requests.get(sim.url + TASKS, auth=("admin", "wrong"), timeout=10)
    assert journal(sim)[-1]["status"] == 401
    requests.delete(sim.url + "/__simulator__/journal", timeout=10)
    assert journal(sim) == []


def test_admin_health_and_clock(sim):
    assert requests.get(sim.url + "/__simulator__/health", timeout=10).json() == {"ok": True}
    response = requests.post(sim.url + "/__simulator__/clock",
                             json={"speed": 50, "advance_seconds": 60}, timeout=10)
    assert response.status_code == 200 and response.json()["speed"] == 50
    bad = requests.post(sim.url + "/__simulator__/clock", json={"speed": -1}, timeout=10)
    assert bad.status_code == 400


@pytest.mark.parametrize("change", [
    {"speed": "NaN"}, {"speed": "Infinity"}, {"speed": 1e300}, {"speed": "fast"}, {"speed": None},
    {"advance_seconds": "NaN"}, {"advance_seconds": "-Infinity"}, {"advance_seconds": 1e300},
    {"advance_seconds": -1}, {"advance_seconds": [1]},
])
def test_a_clock_change_that_would_break_time_is_refused_and_the_clock_keeps_going(sim, change):
    """NaN, infinity and numbers past datetime's range would make every later answer a 500 (or
    the engine's loop stop): refused with a 400 naming the setting, and the simulator answers on."""
    bad = requests.post(sim.url + "/__simulator__/clock", json=change, timeout=10)
    assert bad.status_code == 400 and "bad clock change" in bad.text, bad.text
    assert next(iter(change)) in bad.text
    assert requests.post(sim.url + "/__simulator__/clock", json={"advance_seconds": 1}, timeout=10).status_code == 200
    assert requests.get(sim.url + "/api/v2/time", timeout=10).status_code == 200


def test_admin_rejects_unknown_templates(sim):
    response = requests.post(sim.url + "/__simulator__/tasks", json={"template": "nope"},
                             timeout=10)
    assert response.status_code == 400


def test_admin_api_is_off_unless_enabled(scenario_file):
    with SimulatorServer(ocp_version="express", scenario_path=str(scenario_file), port=0, admin=False) as server:
        response = requests.get(server.url + "/__simulator__/health", timeout=10)
        assert response.headers["Content-Type"].startswith("text/html")
        posted = requests.post(server.url + "/__simulator__/faults", json={"status": 500},
                               timeout=10)
        assert posted.headers["Content-Type"].startswith("text/html")
        assert server.faults.decide("GET", "/api/status") is None
