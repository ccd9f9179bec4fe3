"""Fixtures for the HTTP tests: a real simulator on 127.0.0.1, driven with `requests`.

Every test gets a fresh server (port 0) on a small scenario written here, so tests do not
depend on the built-in default scenario and can change state freely. Time only moves
through the admin clock endpoint in ways the assertions do not depend on: no sleeps.
`manual_sim` serves on a ManualClock, for tests that check times exactly.
"""

import base64
import hashlib
import hmac
from email.utils import formatdate
from urllib.parse import quote, urlsplit

import pytest
import requests
import yaml

from ocp_simulator.clock import ManualClock
from ocp_simulator.server import SimulatorServer

ADMIN = ("admin", "admin-pw")
VIEWER = ("viewer", "viewer-pw")
ADMIN_AK = "AKTESTADMIN0001"
ADMIN_SK = "sk-test-admin-secret"
VIEWER_AK = "AKTESTVIEWER001"
VIEWER_SK = "sk-test-viewer-secret"

# The tests outside test_profiles.py pin OCP Express's behaviour, which their evidence (the
# fidelity tables of docs/simulator.md) is read from; test_profiles.py tests the OCP versions.
EXPRESS = "express"

# Subtask of the create_tenant template the scenario makes fail on its first run.
FAILING_SUBTASK = "Create resource pool"

TEST_SCENARIO = {
    "settings": {"speed": 1.0, "seed": 7},
    "users": [
        {"name": ADMIN[0], "password": ADMIN[1], "roles": ["TASK_MANAGER", "TASK_VIEWER", "AUDIT_VIEWER"],
         "access_keys": [{"id": ADMIN_AK, "secret": ADMIN_SK}]},
        {"name": VIEWER[0], "password": VIEWER[1], "roles": ["TASK_VIEWER"],
         "access_keys": [{"id": VIEWER_AK, "secret": VIEWER_SK}]},
    ],
    "clusters": [
        {"id": 1, "name": "obcluster", "obClusterId": 1001, "type": "PRIMARY"},
        {"id": 2, "name": "metadb", "obClusterId": 1002, "type": "PRIMARY"},
    ],
    "tenants": [
        {"id": 1001, "cluster_id": 1, "name": "sys", "mode": "MYSQL"},
        {"id": 1002, "cluster_id": 1, "name": "t_orders", "mode": "MYSQL"},
        {"id": 1003, "cluster_id": 2, "name": "t_meta", "mode": "ORACLE"},
    ],
    "hosts": [
        {"id": 1, "ip": "10.0.0.1", "cluster_id": 1},
        {"id": 2, "ip": "10.0.0.2", "cluster_id": 2},
    ],
    "tasks": [
        # A finished, successful task in cluster 1 / tenant 1002.
        {"template": "create_tenant", "cluster_id": 1, "tenant_id": 1002,
         "name": "Create tenant t_orders", "state": "finished"},
        # A FAILED task in cluster 2 / tenant 1003: its resource pool fails once.
        {"template": "create_tenant", "cluster_id": 2, "tenant_id": 1003,
         "name": "Create tenant t_meta", "state": "finished",
         "faults": {FAILING_SUBTASK: [{"fail_attempts": [1, 1],
                                       "message": "ERROR 4012 (HY000): Timeout"}]}},
        # A finished host task for host 2.
        {"template": "add_hosts", "host_ids": [2], "state": "finished"},
    ],
    "http_faults": [],
}


@pytest.fixture(autouse=True)
def no_simulator_environment(monkeypatch):
    """The simulator reads OCP_SIMULATOR_* variables; a developer's shell must not change tests."""
    for name in ("OCP_SIMULATOR_OCP_VERSION", "OCP_SIMULATOR_RATE_LIMIT", "OCP_SIMULATOR_LOGIN_LOCKOUT"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(TEST_SCENARIO, sort_keys=False))
    return path


@pytest.fixture
def sim(scenario_file):
    with SimulatorServer(scenario_path=str(scenario_file), port=0, admin=True, ocp_version=EXPRESS) as server:
        yield server


@pytest.fixture
def manual_sim(scenario_file):
    """The simulator on a clock that only moves through POST /__simulator__/clock."""
    with SimulatorServer(scenario_path=str(scenario_file), port=0, admin=True,
                         clock=ManualClock(), ocp_version=EXPRESS) as server:
        yield server


@pytest.fixture
def start_sim(scenario_file):
    """Start simulators on the test scenario and a ManualClock: start_sim(ocp_version="4.2", ...)."""
    started = []

    def start(**options):
        options.setdefault("clock", ManualClock())
        server = SimulatorServer(scenario_path=str(scenario_file), port=0, admin=True, **options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def api(sim):
    return Client(sim.url, auth=ADMIN)


@pytest.fixture
def manual_api(manual_sim):
    return Client(manual_sim.url, auth=ADMIN)


@pytest.fixture
def viewer_api(sim):
    return Client(sim.url, auth=VIEWER)


class Client:
    """requests with the simulator's base URL and preemptive Basic auth."""

    def __init__(self, base_url, auth=None):
        self.base_url = base_url
        self.session = requests.Session()
        self.session.auth = auth

    def request(self, method, path, **kwargs):
        kwargs.setdefault("timeout", 10)
        return self.session.request(method, self.base_url + path, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)


# ---------------------------------------------------------------- admin helpers

def admin_create_task(sim, **body):
    response = requests.post(sim.url + "/__simulator__/tasks", json=body, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def admin_advance(sim, seconds):
    response = requests.post(sim.url + "/__simulator__/clock",
                             json={"advance_seconds": seconds}, timeout=10)
    assert response.status_code == 200, response.text


def admin_add_fault(sim, **rule):
    response = requests.post(sim.url + "/__simulator__/faults", json=rule, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["id"]


def journal(sim):
    return requests.get(sim.url + "/__simulator__/journal", timeout=10).json()["entries"]


def find_task(api, name):
    tasks = api.get("/api/v2/tasks/instances", params={"name": name, "size": 2000}).json()
    [task] = [t for t in tasks["data"]["contents"] if t["name"] == name]
    return api.get(f"/api/v2/tasks/instances/{task['id']}").json()["data"]


def failed_task(api):
    """The scenario's FAILED task (detail), and its FAILED subtask."""
    task = find_task(api, "Create tenant t_meta")
    [subtask] = [s for s in task["subtasks"] if s["status"] == "FAILED"]
    return task, subtask


def hanging_task(sim):
    """A task whose FAILING_SUBTASK is RUNNING and stays so (hang fault)."""
    task = admin_create_task(sim, template="create_tenant", cluster_id=1,
                             faults={FAILING_SUBTASK: [{"hang": True}]})
    admin_advance(sim, 3600)
    return task


# ---------------------------------------------------------------- AK/SK, per OCP's 300.ak-sk-sign-roles.md

def signed_headers(url, access_key, secret, *, method="GET", body=b"", params=None,
                   content_type="application/json", date=None, extra_headers=None):
    """Headers for an AK/SK request, computed independently of the simulator's code.

    `params` is a list of (key, value) pairs or a dict with list values; the canonical
    query sorts keys, comma-joins list values, then percent-encodes with no safe chars.
    """
    parts = urlsplit(url)
    date = date or formatdate(usegmt=True)
    extra_headers = extra_headers or {}
    md5 = hashlib.md5(body).hexdigest().upper() if body else ""
    ocp_headers = "\n".join(
        f"{name.lower()}:{value}" for name, value in sorted(extra_headers.items())
        if name.lower().startswith("x-ocp-")
    )
    path_and_query = parts.path + canonical_query(params)
    string_to_sign = "\n".join(
        [method, md5, content_type, date, parts.netloc, ocp_headers, path_and_query])
    signature = base64.b64encode(
        hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha1).digest()).decode()
    return {
        "Date": date,
        "Content-Type": content_type,
        "Authorization": f"OCP-ACCESS-KEY-HMACSHA1 {access_key}:{signature}",
        **extra_headers,
    }


def canonical_query(params):
    if not params:
        return ""
    items = params.items() if isinstance(params, dict) else params
    joined = {}
    for key, value in items:
        values = value if isinstance(value, list) else [value]
        joined.setdefault(key, []).extend(values)
    encoded = [f"{quote(key, safe='')}={quote(','.join(values), safe='')}"
               for key, values in sorted(joined.items())]
    return "?" + "&".join(encoded)
