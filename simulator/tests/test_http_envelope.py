"""The response envelope, probes and the web-console fallback, as OCP and OCP Express answer them."""

import json
import re

import requests

from conftest import ADMIN, admin_advance, admin_create_task, failed_task, hanging_task

from ocp_simulator.serialize import dumps

# Jackson's ISO_OFFSET_DATE_TIME: seconds always, a fraction without trailing zeros, if any.
JACKSON_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,8}[1-9])?([+-]\d\d:\d\d|Z)$")
ENVELOPE_KEYS = ["data", "duration", "server", "status", "successful", "timestamp", "traceId"]


def keys_in_order(text):
    """Every object's keys in document order, recursively (json keeps insertion order)."""
    found = []

    def collect(pairs):
        found.append([key for key, _value in pairs])
        return dict(pairs)

    json.loads(text, object_pairs_hook=collect)
    return found


def test_success_envelope_has_ocp_keys_sorted_recursively(api):
    response = api.get("/api/v2/tasks/instances")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert list(body) == ENVELOPE_KEYS
    assert body["successful"] is True and body["status"] == 200
    assert isinstance(body["duration"], int)
    assert JACKSON_TIME.match(body["timestamp"])
    for keys in keys_in_order(response.text):
        assert keys == sorted(keys)


def test_null_fields_are_omitted(sim, api):
    task = hanging_task(sim)
    detail = api.get(f"/api/v2/tasks/instances/{task['id']}").json()["data"]
    assert detail["status"] == "RUNNING"
    assert "finishTime" not in detail
    assert "null" not in api.get(f"/api/v2/tasks/instances/{task['id']}").text


def test_times_are_iso_with_offset_and_as_many_fraction_digits_as_needed(api):
    task, subtask = failed_task(api)
    for value in (task["createTime"], task["startTime"], task["finishTime"],
                  subtask["startTime"]):
        assert JACKSON_TIME.match(value), value


def test_trace_id_is_sixteen_hex_and_echoed(api):
    generated = api.get("/api/v2/tasks/instances").json()["traceId"]
    assert re.fullmatch(r"[0-9a-f]{16}", generated)
    echoed = api.get("/api/v2/tasks/instances", headers={"x-trace-id": "0123456789abcdef"})
    assert echoed.json()["traceId"] == "0123456789abcdef"


def test_error_envelope_carries_the_echoed_trace_id(api):
    response = api.get("/api/v2/tasks/instances/999999", headers={"X-Trace-Id": "feedc0de"})
    assert response.json()["traceId"] == "feedc0de"


def test_subtask_cancel_and_skip_have_no_data_key(sim, api):
    task = hanging_task(sim)
    [running] = [s for s in task_detail(api, task["id"])["subtasks"] if s["status"] == "RUNNING"]
    cancel = api.post(f"/api/v2/tasks/instances/{task['id']}/subtasks/{running['id']}/cancel")
    assert cancel.status_code == 200, cancel.text
    assert list(cancel.json()) == ["duration", "server", "status", "successful", "timestamp",
                                   "traceId"]

    failed, failed_subtask = failed_task(api)
    skip = api.post(f"/api/v2/tasks/instances/{failed['id']}/subtasks/{failed_subtask['id']}/skip")
    assert skip.status_code == 200, skip.text
    assert "data" not in skip.json()


def test_rollback_returns_the_task(api):
    task, _subtask = failed_task(api)
    response = api.post(f"/api/v2/tasks/instances/{task['id']}/rollback")
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["id"] == task["id"]
    assert data["operation"] == "ROLLBACK" and data["status"] == "RUNNING"


def test_longs_beyond_2_53_are_strings_and_keys_sorted():
    text = dumps({"b": 2**53, "a": 2**53 - 1, "c": None, "d": [{"z": True, "y": None}]})
    assert text == '{"a": 9007199254740991, "b": "9007199254740992", "d": [{"z": true}]}'


def test_unknown_paths_answer_the_web_console_page(sim):
    for path in ("/", "/login", "/__simulator__/nope"):
        response = requests.get(sim.url + path, timeout=10)
        assert response.status_code == 200, path
        assert response.headers["Content-Type"].startswith("text/html")
        assert "<html" in response.text
    for path in ("/api/v2/tasks/instance", "/api/v2/tasks/instances/1/nope", "/api/v1/tasks/instances"):
        response = requests.get(sim.url + path, auth=ADMIN, timeout=10)
        assert response.status_code == 200, path
        assert response.headers["Content-Type"].startswith("text/html")
    posted = requests.post(sim.url + "/api/v2/no/such/thing", auth=ADMIN, timeout=10)
    assert posted.status_code == 200 and posted.headers["Content-Type"].startswith("text/html")


def test_wrong_method_on_a_known_path_is_a_405_envelope(api):
    response = api.request("DELETE", "/api/v2/tasks/instances/1")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == 0
    assert "GET" in response.headers["Allow"]


def test_probes_need_no_credentials(sim):
    status = requests.get(sim.url + "/api/status", timeout=10)
    assert status.status_code == 200
    assert status.headers["Content-Type"].startswith("text/plain")
    server_time = requests.get(sim.url + "/api/v2/time", timeout=10)
    assert server_time.status_code == 200
    assert server_time.headers["Content-Type"].startswith("text/plain")
    assert JACKSON_TIME.match(server_time.text)


def test_admin_created_task_is_serialized_like_the_api(sim, api):
    created = admin_create_task(sim, template="add_hosts", host_ids=[1])
    detail = task_detail(api, created["id"])
    assert (created["id"], created["name"]) == (detail["id"], detail["name"])
    assert JACKSON_TIME.match(created["createTime"])


def task_detail(api, task_id):
    return api.get(f"/api/v2/tasks/instances/{task_id}").json()["data"]


def test_a_401_has_an_empty_trace_id_and_zero_duration(sim):
    # OCP's security filter answers before tracing starts, even with an x-trace-id.
    for auth in (None, ("admin", "wrong")):
        response = requests.get(sim.url + "/api/v2/tasks/instances", auth=auth,
                                headers={"x-trace-id": "0123456789abcdef"}, timeout=10)
        assert response.status_code == 401
        body = response.json()
        assert (body["traceId"], body["duration"], body["status"]) == ("", 0, 401)
        assert body["error"]["code"] == 0
    debug = requests.get(sim.url + "/api/v2/tasks/instances", timeout=10).json()["error"]["debugMessage"]
    assert debug == "Full authentication is required to access this resource"


def test_without_credentials_every_api_path_is_a_401(sim):
    for method, path in (("GET", "/api/v2/tasks/instances"), ("GET", "/api/v2/no/such/thing"),
                         ("POST", "/api/v2/no/such/thing"), ("GET", "/api/v1/tasks/instances"),
                         ("DELETE", "/api/v2/tasks/instances/1"), ("GET", "/api/v2/info"), ("GET", "/api")):
        response = requests.request(method, sim.url + path, timeout=10)
        assert response.status_code == 401, (method, path)
        assert response.headers["Content-Type"].startswith("application/json")
    # The probes stay open, and paths outside /api are the web console.
    assert requests.get(sim.url + "/api/status", timeout=10).status_code == 200
    assert requests.get(sim.url + "/api/v2/time/", timeout=10).status_code == 200
    assert requests.get(sim.url + "/tasks", timeout=10).headers["Content-Type"].startswith("text/html")


def test_a_trailing_slash_matches(api):
    listed = api.get("/api/v2/tasks/instances/")
    assert listed.status_code == 200 and "contents" in listed.json()["data"]
    task_id = listed.json()["data"]["contents"][0]["id"]
    assert api.get(f"/api/v2/tasks/instances/{task_id}/").json()["data"]["id"] == task_id
    assert api.get("/api/v2/tasks/instances//").headers["Content-Type"].startswith("text/html")


def test_timestamps_carry_as_many_fraction_digits_as_jackson_writes(manual_sim, manual_api):
    # The ManualClock starts at 10:00:00.000 exactly.
    first = admin_create_task(manual_sim, template="add_hosts", host_ids=[1])
    admin_advance(manual_sim, 0.17)
    second = admin_create_task(manual_sim, template="add_hosts", host_ids=[1])
    admin_advance(manual_sim, 0.000123)
    third = admin_create_task(manual_sim, template="add_hosts", host_ids=[1])
    times = [task_detail(manual_api, task["id"])["createTime"] for task in (first, second, third)]
    assert times == ["2026-11-24T10:00:00+08:00", "2026-11-24T10:00:00.17+08:00",
                     "2026-11-24T10:00:00.170123+08:00"]
    assert manual_api.get("/api/v2/tasks/instances").json()["timestamp"] == "2026-11-24T10:00:00.170123+08:00"


def test_info_reports_the_build_as_a_bare_object(sim, api):
    response = api.get("/api/v2/info")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    info = response.json()
    assert set(info) == {"name", "group", "artifact", "buildTime", "buildVersion", "buildJavaVersion",
                         "springBootVersion", "server"}
    assert info["buildVersion"].startswith("4.") and JACKSON_TIME.match(info["buildTime"])
    assert "successful" not in info
    assert requests.get(sim.url + "/api/v2/info", timeout=10).status_code == 401
