"""OCP version profiles (--ocp-version): each version's documented behaviour over HTTP.

Every test runs on a ManualClock (conftest.start_sim): times are exact and nothing sleeps.
Evidence for each behaviour is in docs/simulator.md, "OCP version profiles".
"""

import json
import re
import subprocess
import sys

import pytest
import requests

from conftest import ADMIN, ADMIN_AK, ADMIN_SK, VIEWER, Client, admin_advance, signed_headers
from test_http_auth import TENANT_PASSWORD, tenant_body

from ocp_simulator.clock import ManualClock
from ocp_simulator.profiles import PROFILE_NAMES, profile_named

TASKS = "/api/v2/tasks/instances"
OCP_VERSIONS = ("3.1", "4.0", "4.2", "4.3")
CODES = {  # profile -> (not found, illegal state, rollback prohibited, skip refused, bad parameter,
    #                  unknown cluster, 401, 403, unsortable field, 500, IP locked out)
    "express": (20000, 20003, 20004, 20003, 10001, 0, 0, 30014, 10001, 10010, 0),
    "3.1": (4001, 4007, 4009, 4010, 1001, 1002, 3000, 3100, 1011, 1999, 3014),
    "4.0": (4001, 4007, 4009, 4010, 1001, 1002, 3000, 3100, 1011, 1999, 3014),
    "4.2": ("TSK10001", "TSK10007", "TSK10009", "TSK10010", "COM10001", "COM10002", "IAM10000", "IAM11000",
            "COM10011", "COM10999", "IAM10014"),
    "4.3": ("TSK10001", "TSK10007", "TSK10009", "TSK10010", "COM10001", "COM10002", "IAM10000", "IAM11000",
            "COM10011", "COM10999", "IAM10014"),
}
HOSTS_BODY = {"hostBasicDataList": [{"innerIpAddress": "10.9.0.1"}, {"innerIpAddress": "10.9.0.2"}],
              "sshPort": 22, "kind": "DEDICATED_PHYSICAL_MACHINE", "idcId": 1, "typeId": 1, "credentialId": 1}


def clients(sim):
    return Client(sim.url, auth=ADMIN), Client(sim.url, auth=VIEWER)


def error_of(response, status):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["successful"] is False and body["status"] == status
    return body["error"]


def failed_task(api):
    [task] = api.get(TASKS, params={"status": "FAILED"}).json()["data"]["contents"]
    detail = api.get(f"{TASKS}/{task['id']}").json()["data"]
    [subtask] = [s for s in detail["subtasks"] if s["status"] == "FAILED"]
    return detail, subtask


def prohibited_task(sim):
    response = requests.post(sim.url + "/__simulator__/tasks", timeout=10, json={
        "template": "upgrade_cluster", "cluster_id": 1, "state": "finished",
        "faults": {"Upgrade observers in zone2": [{"fail_attempts": [1, 9]}]}})
    return response.json()["id"]


# ---------------------------------------------------------------- choosing a version

def settings(sim):
    return requests.get(sim.url + "/__simulator__/settings", timeout=10).json()


def test_the_version_comes_from_the_argument_the_environment_or_the_scenario(start_sim, monkeypatch, tmp_path):
    assert settings(start_sim())["ocp_version"] == "4.2"              # a current OCP by default
    assert settings(start_sim(ocp_version="4.3"))["ocp_version"] == "4.3"
    monkeypatch.setenv("OCP_SIMULATOR_OCP_VERSION", "3.1")
    assert settings(start_sim())["ocp_version"] == "3.1"
    assert settings(start_sim(ocp_version="4.0"))["ocp_version"] == "4.0"   # the argument wins
    with pytest.raises(ValueError, match="ocp_version must be one of 3.1, 4.0, 4.2, 4.3, express"):
        start_sim(ocp_version="5.0")


def test_a_scenario_names_its_version_and_yaml_numbers_are_read_as_versions(tmp_path):
    from ocp_simulator.scenario import load_scenario
    from ocp_simulator.errors import ScenarioError
    path = tmp_path / "s.yaml"
    path.write_text("settings: {ocp_version: 4.0}\n")
    assert load_scenario(path).settings["ocp_version"] == "4.0"
    path.write_text("settings: {ocp_version: '9'}\n")
    with pytest.raises(ScenarioError, match="settings.ocp_version"):
        load_scenario(path)


def test_the_admin_api_switches_the_version_of_a_running_simulator(start_sim):
    sim = start_sim()
    changed = requests.post(sim.url + "/__simulator__/settings", json={"ocp_version": "4.2"}, timeout=10)
    assert changed.json() == {"run_time_counting": "ocp", "ocp_version": "4.2",
                              "rate_limit": {"10s": 50, "1m": 240},
                              "login_lockout": {"max_attempts": 20, "lockout_minutes": 30}}
    api, _viewer = clients(sim)
    assert error_of(api.get(f"{TASKS}/99999"), 404)["code"] == "TSK10001"
    bad = requests.post(sim.url + "/__simulator__/settings", json={"ocp_version": "4.1"}, timeout=10)
    assert bad.status_code == 400 and "ocp_version" in bad.json()["error"]


def test_the_command_line_takes_the_version_and_refuses_an_unknown_one(tmp_path):
    result = subprocess.run([sys.executable, "-m", "ocp_simulator", "--ocp-version", "4.9", "--port", "0"],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2 and "--ocp-version" in result.stderr and "4.2" in result.stderr


@pytest.mark.parametrize("version", PROFILE_NAMES)
def test_info_reports_the_version_played(start_sim, version):
    api, _viewer = clients(start_sim(ocp_version=version))
    build = api.get("/api/v2/info").json()["buildVersion"]
    assert build.startswith("4.3.5" if version == "express" else version)


# ---------------------------------------------------------------- error codes

@pytest.mark.parametrize("version", PROFILE_NAMES)
def test_error_codes_are_the_versions_own(start_sim, version):
    (not_found, illegal, prohibited, skip_refused, bad, no_cluster, unauthenticated, forbidden,
     unsortable, internal, _ip) = CODES[version]
    sim = start_sim(ocp_version=version)
    api, viewer = clients(sim)
    assert error_of(api.get(f"{TASKS}/99999"), 404)["code"] == not_found
    task, subtask = failed_task(api)
    running = api.post(f"{TASKS}/{task['id']}/retry").json()["data"]["id"]
    assert error_of(api.post(f"{TASKS}/{running}/retry"), 400)["code"] == illegal
    skip = error_of(api.post(f"{TASKS}/{task['id']}/subtasks/{subtask['id']}/skip"), 400)
    assert skip["code"] == skip_refused
    if skip_refused != illegal:
        assert skip["message"] == f"Subtask {subtask['id']} can not skip."
    upgrade = prohibited_task(sim)
    assert error_of(api.post(f"{TASKS}/{upgrade}/rollback"), 400)["code"] == prohibited
    assert error_of(api.get(TASKS, params={"page": "x"}), 400)["code"] == bad
    assert error_of(api.get(TASKS, params={"sort": "color,asc"}), 400)["code"] == unsortable
    assert error_of(api.post("/api/v2/ob/clusters/99/tenants/createTenant", json=tenant_body("t_x")),
                    404)["code"] == no_cluster
    assert error_of(requests.get(sim.url + TASKS, timeout=10), 401)["code"] == unauthenticated
    assert error_of(viewer.post(f"{TASKS}/{task['id']}/retry"), 403)["code"] == forbidden
    requests.post(sim.url + "/__simulator__/faults", json={"status": 500, "nth": [1]}, timeout=10)
    assert error_of(api.get(TASKS), 500)["code"] == internal


def test_lettered_codes_are_json_strings_and_numbered_ones_numbers(start_sim):
    for version, kind in (("4.2", str), ("4.0", int)):
        api, _viewer = clients(start_sim(ocp_version=version))
        assert isinstance(api.get(f"{TASKS}/99999").json()["error"]["code"], kind)


# ---------------------------------------------------------------- logs

def failed_log(api):
    task, subtask = failed_task(api)
    return subtask, api.get(f"{TASKS}/{task['id']}/subtasks/{subtask['id']}/log").json()["data"]["log"]


SPRING_LINE = re.compile(
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} ( INFO| WARN|ERROR) 57200 --- "
    r"\[pool-subtask-executor-thread-\d+,[0-9a-f]{16},[0-9a-f]{12}\] .{40} : .*")


@pytest.mark.parametrize("version", OCP_VERSIONS)
def test_ocp_writes_spring_log_lines_with_a_blank_line_between_entries(start_sim, version):
    subtask, log = failed_log(clients(start_sim(ocp_version=version))[0])
    separator, rest = log.split("\n", 1)
    entries = rest.split("\n\n")
    assert re.fullmatch(r"############\{EXECUTE\}\{[^}]+\}############", separator)
    assert log.endswith("\n")
    lines = [entry.rstrip("\n") for entry in entries if entry.strip()]
    assert all(SPRING_LINE.fullmatch(line) for line in lines), lines
    assert re.search(rf": Run subtask, id={subtask['id']}, context=Context\(parallelIdx=-1, "
                     rf"stringMap=\{{task_instance_id=\d+, task_operation=execute, sub_task_instance_id={subtask['id']}\}}, "
                     rf"listMap=\{{\}}\), executor=10\.0\.0\.100:8080$", lines[0]), lines[0]
    assert " INFO 57200 --- " in lines[0] and "c.a.o.c.m.t.model.SubtaskInstanceEntity  : Run subtask" in lines[0]
    assert "ERROR 57200 --- " in lines[-2] and lines[-2].endswith(": ERROR 4012 (HY000): Timeout")
    assert lines[-1].endswith(f"c.a.o.c.m.t.model.SubtaskInstanceEntity  : Set state for subtask: "
                              f"{subtask['id']}, current state: RUNNING, new state: FAILED")


def test_ocp_express_keeps_its_state_line_and_compact_lines(start_sim):
    subtask, log = failed_log(clients(start_sim(ocp_version="express"))[0])
    assert log.splitlines()[-1] == f"Set state for subtask: {subtask['id']}, operation:EXECUTE, state: FAILED"
    assert "\n\n" not in log and not log.endswith("\n")
    assert re.fullmatch(r"\S+ \S+ ERROR \[subtask-executor-\d+,[0-9a-f]{16}\] \S+ : ERROR 4012 \(HY000\): Timeout",
                        log.splitlines()[-2])


def test_the_logger_column_is_abbreviated_to_39_and_padded_to_40():
    from ocp_simulator.logs import abbreviate_logger
    assert abbreviate_logger("c.o.o.s.t.b.tenant.CreateResourcePoolTask", 39) == "c.o.o.s.t.b.t.CreateResourcePoolTask"
    assert abbreviate_logger("c.a.o.c.m.t.model.SubtaskInstanceEntity", 39) == "c.a.o.c.m.t.model.SubtaskInstanceEntity"
    assert abbreviate_logger("com.alipay.ocp.service.task.business.host.PrepareReinstallOcpAgentTask", 39) == \
        "c.a.o.s.t.b.h.PrepareReinstallOcpAgentTask"


# ---------------------------------------------------------------- lists and details

@pytest.mark.parametrize("version", OCP_VERSIONS)
def test_ocp_filters_by_cluter_name_and_ignores_cluster_name(start_sim, version):
    api, _viewer = clients(start_sim(ocp_version=version))
    assert {t["name"] for t in api.get(TASKS, params={"cluterName": "obclus"}).json()["data"]["contents"]} == \
        {"Create tenant t_orders"}
    assert api.get(TASKS, params={"clusterName": "obclus"}).json()["data"]["page"]["totalElements"] == 3
    assert api.get(TASKS, params={"keyword": "t_meta"}).json()["data"]["page"]["totalElements"] == 3


def test_ocp_express_reads_keyword_and_no_cluster_name(start_sim):
    api, _viewer = clients(start_sim(ocp_version="express"))
    assert [t["name"] for t in api.get(TASKS, params={"keyword": "t_meta"}).json()["data"]["contents"]] == \
        ["Create tenant t_meta"]
    for spelling in ("clusterName", "cluterName"):
        assert api.get(TASKS, params={spelling: "obclus"}).json()["data"]["page"]["totalElements"] == 3


@pytest.mark.parametrize("version", PROFILE_NAMES)
def test_tenants_carry_ob_tenant_id(start_sim, version):
    api, _viewer = clients(start_sim(ocp_version=version))
    listed = api.get(TASKS, params={"tenantId": 1002}).json()["data"]["contents"][0]
    assert listed["tenant"] == {"id": 1002, "name": "t_orders", "obTenantId": 1001, "mode": "MYSQL"}
    assert api.get(f"{TASKS}/{listed['id']}").json()["data"]["tenant"] == listed["tenant"]


def test_ocp_writes_task_times_in_milliseconds_and_create_time_in_seconds(start_sim):
    from datetime import datetime
    clock = ManualClock(start=datetime(2026, 11, 24, 10, 0, 0, 123456))
    sim = start_sim(ocp_version="4.2", clock=clock)
    api, _viewer = clients(sim)
    task = api.post("/api/v2/ob/clusters/1/tenants/createTenant", json=tenant_body("t_ms")).json()["data"]
    admin_advance(sim, 0.0004)
    detail = api.get(f"{TASKS}/{task['id']}").json()["data"]
    assert detail["createTime"] == "2026-11-24T10:00:00+08:00"
    assert detail["startTime"] == "2026-11-24T10:00:00.123+08:00"
    express = start_sim(ocp_version="express", clock=ManualClock(start=datetime(2026, 11, 24, 10, 0, 0, 123456)))
    api, _viewer = clients(express)
    task = api.post("/api/v2/ob/clusters/1/tenants/createTenant", json=tenant_body("t_us")).json()["data"]
    assert task["startTime"] == "2026-11-24T10:00:00.123456+08:00"


# ---------------------------------------------------------------- the upgrade

@pytest.mark.parametrize("version", ("3.1", "4.0", "4.2"))
def test_ocp_up_to_4_2_upgrades_by_rpm_file_name_and_ignores_version(start_sim, version):
    api, _viewer = clients(start_sim(ocp_version=version))
    refused = error_of(api.post("/api/v2/ob/clusters/1/upgrade", json={"version": "4.2.5.1"}), 400)
    assert refused["code"] == CODES[version][4] and "rpmFileName must not be blank" in refused["message"]
    started = api.post("/api/v2/ob/clusters/1/upgrade",
                       json={"rpmFileName": "oceanbase-4.2.5.1-105000012024120918.el7.x86_64.rpm"})
    data = started.json()["data"]
    assert set(data) == {"id", "name", "cluster", "context", "creator", "status", "startTime", "tasks"}
    assert data["cluster"] == {"id": 1, "name": "obcluster", "obClusterId": 1001}
    assert data["creator"] == {"id": 1, "name": "admin"} or data["creator"]["name"] == "admin"
    assert data["context"].startswith("Context(parallelIdx=-1, stringMap={cluster_name=obcluster, cluster_id=1}")
    assert {"id", "name", "description", "status", "operation", "upstreams", "downstreams"} == set(data["tasks"][0])
    assert api.get(f"{TASKS}/{data['id']}").json()["data"]["name"] == "Upgrade cluster"


def test_ocp_4_3_upgrades_by_mode_version_and_system(start_sim):
    api, _viewer = clients(start_sim(ocp_version="4.3"))
    for body in ({"rpmFileName": "oceanbase-4.3.5.rpm"}, {"upgradeMode": "ROLLING", "destVersion": "4.3.5.1"},
                 {"version": "4.3.5.1"}):
        assert error_of(api.post("/api/v2/ob/clusters/1/upgrade", json=body), 400)["code"] == "COM10001"
    documented = {"upgradeMode": "ROLLING", "destVersion": "4.3.5.1-105000012024120918", "operatingSystem": "el7",
                  "freezeServer": False, "zoneOrder": ["zone1", "zone2"]}
    assert "tasks" in api.post("/api/v2/ob/clusters/1/upgrade", json=documented).json()["data"]
    wrong = error_of(api.post("/api/v2/ob/clusters/1/upgrade", json={**documented, "zoneOrder": "zone1"}), 400)
    assert "zoneOrder must be an array" in wrong["message"]


def test_ocp_express_profile_keeps_the_legacy_version_body_and_the_task_reply(start_sim):
    api, _viewer = clients(start_sim(ocp_version="express"))
    for body in ({"version": "4.2.5.1"}, {"rpmFileName": "oceanbase-4.2.5.1.rpm"}):
        data = api.post("/api/v2/ob/clusters/1/upgrade", json=body).json()["data"]
        assert "subtasks" in data and "taskDefinitionId" in data and "tasks" not in data
    assert error_of(api.post("/api/v2/ob/clusters/1/upgrade", json={}), 400)["code"] == 10001


# ---------------------------------------------------------------- replies of the other starts

@pytest.mark.parametrize("version", OCP_VERSIONS)
def test_ocp_answers_create_tenant_and_batch_create_as_task_instances(start_sim, version):
    api, _viewer = clients(start_sim(ocp_version=version))
    tenant = api.post("/api/v2/ob/clusters/1/tenants/createTenant", json=tenant_body("t_new")).json()["data"]
    assert tenant["creator"] == "admin" and tenant["clusterId"] == 1 and tenant["taskDefinitionId"] == -1
    assert isinstance(tenant["tenantId"], int) and "cluster" not in tenant and "tenant" not in tenant
    assert {"nodeType", "parallelIdx", "downstreams", "runTime", "seriesId"} <= set(tenant["subtasks"][0])
    hosts = api.post("/api/v2/compute/hosts/batchCreate", json=HOSTS_BODY).json()["data"]["contents"]
    assert [entry["creator"] for entry in hosts] == ["admin", "admin"]
    assert len({entry["hostId"] for entry in hosts}) == 2 and "taskDefinitionId" not in hosts[0]
    listed = api.get(TASKS, params={"hostId": hosts[0]["hostId"]}).json()["data"]["contents"]
    assert [task["id"] for task in listed] == [hosts[0]["id"]]


def test_ocp_express_answers_the_task_details_plus_ids(start_sim):
    api, _viewer = clients(start_sim(ocp_version="express"))
    tenant = api.post("/api/v2/ob/clusters/1/tenants/createTenant", json=tenant_body("t_new")).json()["data"]
    assert tenant["creator"] == {"id": 1, "name": "admin"} and tenant["cluster"]["id"] == 1
    assert isinstance(tenant["tenantId"], int)


@pytest.mark.parametrize("version", OCP_VERSIONS)
def test_ocp_creates_a_tenant_synchronously_without_a_task(start_sim, version):
    api, _viewer = clients(start_sim(ocp_version=version))
    before = api.get(TASKS).json()["data"]["page"]["totalElements"]
    body = {**tenant_body("t_sync"), "primaryZone": "zone1"}
    data = api.post("/api/v2/ob/clusters/1/tenants", json=body).json()["data"]
    assert data["status"] == "CREATING" and data["name"] == "t_sync" and data["clusterName"] == "obcluster"
    assert data["locality"] == "FULL{1}@zone1" and data["zoneList"] == "zone1"
    assert "subtasks" not in data and api.get(TASKS).json()["data"]["page"]["totalElements"] == before
    assert error_of(api.post("/api/v2/ob/clusters/1/tenants", json=body), 400)["code"] == CODES[version][4]


def test_ocp_express_has_no_synchronous_create_nor_take_over_precheck(start_sim):
    for client in clients(start_sim(ocp_version="express")):
        for path in ("/api/v2/ob/clusters/1/tenants", "/api/v2/ob/clusters/takeOverPreCheck"):
            answer = client.post(path, json=tenant_body("t_sync"))
            assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/html")


TAKE_OVER = {"address": "10.8.0.1", "port": 2881, "rootSysPassword": "S3cret.Pa55_w", "clusterName": "taken"}
HOST_INFO = {"kind": "DEDICATED_PHYSICAL_MACHINE", "hostTypeId": 1, "sshPort": 22, "credentialId": 1}


@pytest.mark.parametrize("version", OCP_VERSIONS)
def test_ocp_take_over_needs_host_info_for_hosts_it_does_not_manage(start_sim, version):
    api, _viewer = clients(start_sim(ocp_version=version))
    refused = error_of(api.post("/api/v2/ob/clusters/takeOver", json=TAKE_OVER), 400)
    assert "hostInfo must be given" in refused["message"] and "10.8.0.1" in refused["message"]
    precheck = api.post("/api/v2/ob/clusters/takeOverPreCheck", json=TAKE_OVER).json()["data"]
    assert precheck == {"clusterName": "taken"}
    data = api.post("/api/v2/ob/clusters/takeOver", json={**TAKE_OVER, "hostInfo": HOST_INFO}).json()["data"]
    assert data["creator"] == "admin" and isinstance(data["clusterId"], int)
    # A cluster whose host OCP manages already needs no hostInfo (10.0.0.1 is host 1).
    managed = api.post("/api/v2/ob/clusters/takeOver", json={**TAKE_OVER, "address": "10.0.0.1", "clusterName": "t2"})
    assert managed.status_code == 200, managed.text
    bad_kind = {**TAKE_OVER, "address": "10.8.0.9", "hostInfo": {**HOST_INFO, "kind": "VM"}}
    assert "hostInfo.kind must be one of" in error_of(api.post("/api/v2/ob/clusters/takeOver", json=bad_kind), 400)["message"]


def test_ocp_express_take_over_needs_no_host_info(start_sim):
    api, _viewer = clients(start_sim(ocp_version="express"))
    data = api.post("/api/v2/ob/clusters/takeOver", json=TAKE_OVER).json()["data"]
    assert isinstance(data["clusterId"], int) and data["creator"]["name"] == "admin"


# ---------------------------------------------------------------- bodies as Jackson reads them

def create(api, **changes):
    body = tenant_body("t_body")
    zone = {**body["zones"][0], **changes.pop("zone", {})}
    pool = {**zone["resourcePool"], **changes.pop("pool", {})}
    return api.post("/api/v2/ob/clusters/1/tenants/createTenant",
                    json={**body, **changes, "zones": [{**zone, "resourcePool": pool}]})


UNIT_COUNTS = [
    ("2", True), (" 3 ", True), (2.0, True), (1.9, True),            # coerced as Jackson does
    (10**30, False), ("10000000000000000000000000000000", False), ("1.5", False), (True, False),
    (0, False), ([1], False), ({"n": 1}, False), ("", False), (None, False),
]


@pytest.mark.parametrize("version", ("4.2", "express"))
def test_numbers_are_read_as_jackson_reads_them(start_sim, version):
    api, _viewer = clients(start_sim(ocp_version=version))
    for number, (unit_count, accepted) in enumerate(UNIT_COUNTS):
        response = create(api, name=f"t_count{number}", pool={"unitCount": unit_count})
        if accepted:
            assert response.status_code == 200, (unit_count, response.text)
        else:
            assert "unitCount" in error_of(response, 400)["message"], unit_count


@pytest.mark.parametrize("version", PROFILE_NAMES)
def test_ports_are_tcp_ports_and_huge_numbers_never_pass(start_sim, version):
    api, _viewer = clients(start_sim(ocp_version=version))
    for port in (10**40, 0, 65536, "x"):
        body = {**TAKE_OVER, "port": port, "hostInfo": HOST_INFO}
        assert "port" in error_of(api.post("/api/v2/ob/clusters/takeOver", json=body), 400)["message"]
    assert error_of(api.post("/api/v2/compute/hosts/batchCreate", json={**HOSTS_BODY, "idcId": 2**64}), 400)


@pytest.mark.parametrize("version", PROFILE_NAMES)
def test_a_deeply_nested_body_is_a_400_not_a_traceback(start_sim, version):
    api, _viewer = clients(start_sim(ocp_version=version))
    for depth in (1001, 100_000):
        deep = "[" * depth + "]" * depth
        response = api.post("/api/v2/ob/clusters/1/tenants/createTenant", data=deep,
                            headers={"Content-Type": "application/json"})
        assert "nests deeper than 1000" in error_of(response, 400)["message"]
    for text in ('{"name": NaN}', '{"name": Infinity}', "{"):
        response = api.post("/api/v2/ob/clusters/1/upgrade", data=text, headers={"Content-Type": "application/json"})
        assert error_of(response, 400)["message"].startswith("Invalid parameter")


# 5,000 digits: past the 4,300 Python converts with int(), far past any Java number.
HUGE = "9" * 5000


@pytest.mark.parametrize("version", PROFILE_NAMES)
def test_numbers_no_java_type_holds_are_a_400_in_the_versions_envelope(start_sim, version):
    """Numbers of any length, in a path, a query or a body, as text or as a JSON number: a 400 in
    the version's envelope (its bad_parameter code) naming the field, quoted short; never a 500."""
    api, _viewer = clients(start_sim(ocp_version=version))
    code = profile_named(version).errors.bad_parameter
    tenant = tenant_body("t_huge")
    long_number = json.dumps(tenant).replace('"unitCount": 1', '"unitCount": 1' + "0" * 1000)
    assert long_number != json.dumps(tenant)
    attacks = [
        ("taskInstanceId", api.get("/api/v2/tasks/instances/" + HUGE)),
        ("subtaskInstanceId", api.get("/api/v2/tasks/instances/1/subtasks/" + HUGE + "/log")),
        ("page", api.get("/api/v2/tasks/instances", params={"page": HUGE})),
        ("size", api.get("/api/v2/tasks/instances", params={"size": "1" + "0" * 40})),
        ("clusterId", api.get("/api/v2/tasks/instances", params={"clusterId": HUGE})),
        ("unitCount", create(api, name="t_huge1", pool={"unitCount": HUGE})),
        ("unitCount", create(api, name="t_huge2", pool={"unitCount": 10**30})),
        ("a number in the JSON document is longer than 1000 characters",
         api.post("/api/v2/ob/clusters/1/tenants/createTenant", data=long_number,
                  headers={"Content-Type": "application/json"})),
        ("port", api.post("/api/v2/ob/clusters/takeOver", json={**TAKE_OVER, "port": HUGE, "hostInfo": HOST_INFO})),
        ("port", api.post("/api/v2/ob/clusters/takeOver", json={**TAKE_OVER, "port": 10**40, "hostInfo": HOST_INFO})),
        ("sshPort", api.post("/api/v2/compute/hosts/batchCreate", json={**HOSTS_BODY, "sshPort": HUGE})),
    ]
    if profile_named(version).audit_events:
        attacks.append(("operatorId", api.get("/api/v2/audit/events", params={"operatorId": "1" + "0" * 40})))
    for field, response in attacks:
        error = error_of(response, 400)
        assert error["code"] == code and field in error["message"], (field, error)
        assert len(error["message"]) < 200, error["message"]


def test_a_deep_or_huge_admin_body_is_a_400_too(start_sim):
    admin = Client(start_sim().url)
    for data in ("[" * 100_000 + "]" * 100_000, '{"speed": 1' + "0" * 5000 + "}"):
        response = admin.post("/__simulator__/clock", data=data, headers={"Content-Type": "application/json"})
        assert response.status_code == 400 and response.json()["error"].startswith("the body must be JSON"), response.text


@pytest.mark.parametrize("version", PROFILE_NAMES)
def test_replica_types_are_the_versions_enum(start_sim, version):
    api, _viewer = clients(start_sim(ocp_version=version))
    allowed = ("FULL", "READONLY") if version == "express" else ("FULL", "LOGONLY", "READONLY")
    for replica in ("FULL", "LOGONLY", "READONLY", "full", "PAXOS"):
        response = create(api, name=f"t_{replica.lower()}", zone={"replicaType": replica})
        if replica in allowed:
            assert response.status_code == 200, response.text
        else:
            assert "replicaType must be one of" in error_of(response, 400)["message"]


PASSWORDS = {
    "4.2": [(TENANT_PASSWORD, True), ("Aa11..bB", True),
            ("T3nant-R00t-Never-Shown", False),   # "-" is not one of ._+@#$%
            ("S3cret!pass", False),               # one digit, one upper, "!"
            ("Aa1.Bb2_" * 5, False)],             # 40 characters
    "3.1": [("Aa11..bB", True), ("Aa11bbBB", False)],
    "4.0": [("Aa1.b", False), ("Aa11..bB", True)],
    "4.3": [("T3nant-R00t-Never-Shown", True),    # three kinds, "-" allowed
            ("lowercase123", False),              # two kinds
            ("Abc12345", True), ("Abc 12345", False)],
    "express": [("x", True), (" ", False)],
}


@pytest.mark.parametrize("version", sorted(PASSWORDS))
def test_tenant_passwords_follow_the_versions_rule(start_sim, version):
    api, _viewer = clients(start_sim(ocp_version=version))
    for number, (password, accepted) in enumerate(PASSWORDS[version]):
        response = create(api, name=f"t_pw{number}", rootPassword=password)
        if accepted:
            assert response.status_code == 200, (password, response.text)
        else:
            assert "rootPassword" in error_of(response, 400)["message"], password


def test_unknown_fields_are_ignored_and_scalars_become_text(start_sim):
    api, _viewer = clients(start_sim(ocp_version="4.2"))
    assert create(api, color="blue", description=42, saveToCredential="true").status_code == 200
    assert "saveToCredential" in error_of(create(api, name="t_two", saveToCredential="maybe"), 400)["message"]
    assert "name must be a string" in error_of(create(api, name={"a": 1}), 400)["message"]


# ---------------------------------------------------------------- audit events

def events(api, **params):
    response = api.get("/api/v2/audit/events", params=params)
    assert response.status_code == 200, response.text
    return response.json()["data"]


@pytest.mark.parametrize("version", ("4.2", "4.3"))
def test_every_start_is_an_audit_event(start_sim, version):
    sim = start_sim(ocp_version=version)
    api, viewer = clients(sim)
    task = api.post("/api/v2/ob/clusters/1/tenants/createTenant", json=tenant_body("t_audit")).json()["data"]
    error_of(create(api, rootPassword="weak"), 400)
    api.post("/api/v2/compute/hosts/batchCreate", json=HOSTS_BODY)
    data = events(api, order="id,asc")
    assert data["page"] == {"totalElements": 4, "totalPages": 1, "number": 1, "size": 10}
    created, refused, host1, host2 = data["contents"]
    assert created["operationEvent"] == "CREATE_TENANT" and created["status"] == "SUCCESS"
    assert created["eventType"] == "OB_TENANT_MANAGEMENT" and created["resourceType"] == "OB_TENANT"
    assert created["resourceName"] == "obcluster:t_audit" and created["parentResource"] == "obcluster"
    assert created["taskId"] == task["id"] and created["resourceId"] == task["tenantId"]
    assert created["operatorName"] == "admin" and created["clientIp"] == "127.0.0.1"
    assert created["startTime"] == created["endTime"] == "2026-11-24T10:00:00+08:00"
    info = json.loads(created["eventInfo"])
    assert info["rootPassword"] == "******" and info["name"] == "t_audit" and TENANT_PASSWORD not in created["eventInfo"]
    assert refused["status"] == "FAILED" and "taskId" not in refused
    assert [host1["resourceName"], host2["resourceName"]] == ["10.9.0.1", "10.9.0.2"]
    assert events(api, operationEvent="ADD_HOSTS", order="id,desc")["contents"][0]["id"] == host2["id"]
    assert events(api, status="FAILED")["page"]["totalElements"] == 1
    assert events(api, eventInfo='"name":"t_audit"')["contents"][0]["id"] == created["id"]
    assert events(api, resourceName="obcluster:t_audit")["page"]["totalElements"] == 1
    assert error_of(viewer.get("/api/v2/audit/events"), 403)["code"] == "IAM11000"
    assert error_of(api.get("/api/v2/audit/events", params={"order": "color,asc"}), 400)["code"] == "COM10011"


def test_a_start_whose_answer_was_lost_is_in_the_audit_log(start_sim):
    sim = start_sim(ocp_version="4.2")
    api, _viewer = clients(sim)
    requests.post(sim.url + "/__simulator__/faults", timeout=10, json={
        "match": {"method": "POST", "path": "/api/v2/ob/clusters/*/upgrade"}, "drop": True, "after_handling": True})
    with pytest.raises(requests.ConnectionError):
        api.post("/api/v2/ob/clusters/1/upgrade", json={"rpmFileName": "oceanbase-4.2.5.1.rpm"})
    [event] = events(api, operationEvent="UPGRADE_OB_CLUSTER")["contents"]
    assert event["status"] == "SUCCESS" and event["resourceName"] == "obcluster"
    assert api.get(f"{TASKS}/{event['taskId']}").json()["data"]["name"] == "Upgrade cluster"
    # A request a fault stopped before it was handled never arrived: no event.
    requests.post(sim.url + "/__simulator__/faults", timeout=10, json={
        "match": {"method": "POST", "path": "/api/v2/ob/clusters/takeOver"}, "drop": True})
    with pytest.raises(requests.ConnectionError):
        api.post("/api/v2/ob/clusters/takeOver", json={**TAKE_OVER, "hostInfo": HOST_INFO})
    assert events(api, operationEvent="TAKE_OVER_OB_CLUSTER")["contents"] == []


@pytest.mark.parametrize("version", ("3.1", "4.0", "express"))
def test_versions_before_4_2_1_have_no_audit_events(start_sim, version):
    for client in clients(start_sim(ocp_version=version)):   # an unknown URL: no role check either
        answer = client.get("/api/v2/audit/events")
        assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/html")


# ---------------------------------------------------------------- authentication

def signed_get(sim, path):
    return requests.get(sim.url + path, headers=signed_headers(sim.url + path, ADMIN_AK, ADMIN_SK), timeout=10)


def test_ak_sk_is_documented_from_4_0_3(start_sim):
    assert error_of(signed_get(start_sim(ocp_version="3.1"), TASKS), 401)["code"] == 3000
    for version in ("4.0", "4.2", "4.3", "express"):
        assert signed_get(start_sim(ocp_version=version), TASKS).status_code == 200


@pytest.mark.parametrize("version", PROFILE_NAMES)
def test_a_basic_authenticated_post_needs_no_csrf_token(start_sim, version):
    api, _viewer = clients(start_sim(ocp_version=version))
    api.session.cookies.set("SESSION", "from-a-browser")
    task, _subtask = failed_task(api)
    assert api.post(f"{TASKS}/{task['id']}/retry").status_code == 200


# ---------------------------------------------------------------- throttling

def test_ocp_throttles_each_user_per_window_with_rate_limit_headers(start_sim):
    sim = start_sim(ocp_version="4.2", rate_limit="10s=3,1m=5")
    api, viewer = clients(sim)
    answers = [api.get(TASKS) for _request in range(3)]
    assert [a.headers["RateLimit-Remaining"] for a in answers] == ["2", "1", "0"]
    assert {a.headers["RateLimit-Limit"] for a in answers} == {"3"}
    assert answers[0].headers["RateLimit-Reset"] == "10"
    throttled = api.get(TASKS)
    assert throttled.status_code == 429 and "Retry-After" not in throttled.headers
    body = throttled.json()
    assert (body["duration"], body["traceId"], body["status"], body["successful"]) == (0, "", 429, False)
    assert body["error"] == {"code": 0, "message": "Excessive number of requests. You have exceeded the "
                                                   "request limit for the current throttling window."}
    assert throttled.headers["RateLimit-Remaining"] == "0" and throttled.headers["RateLimit-Reset"] == "10"
    assert viewer.get(TASKS).status_code == 200          # per user
    admin_advance(sim, 4)
    assert api.get(TASKS).headers["RateLimit-Reset"] == "6"   # still the same window: refused
    admin_advance(sim, 6)
    again = api.get(TASKS)
    assert again.status_code == 200 and again.headers["RateLimit-Limit"] == "5"   # the minute is tighter now
    assert again.headers["RateLimit-Remaining"] == "1" and again.headers["RateLimit-Reset"] == "50"


def test_the_ocp_profiles_throttle_by_default_and_express_does_not(start_sim):
    api, _viewer = clients(start_sim(ocp_version="4.3"))
    assert api.get(TASKS).headers["RateLimit-Limit"] == "50"
    assert "RateLimit-Limit" not in clients(start_sim(ocp_version="express"))[0].get(TASKS).headers
    assert "RateLimit-Limit" not in clients(start_sim(ocp_version="4.2", rate_limit="off"))[0].get(TASKS).headers


def test_throttling_is_set_by_environment_and_admin_api(start_sim, monkeypatch):
    monkeypatch.setenv("OCP_SIMULATOR_RATE_LIMIT", "1h=7")
    sim = start_sim(ocp_version="4.2")
    api, _viewer = clients(sim)
    assert api.get(TASKS).headers["RateLimit-Limit"] == "7"
    changed = requests.post(sim.url + "/__simulator__/settings", json={"rate_limit": {"10s": 2}}, timeout=10).json()
    assert changed["rate_limit"] == {"10s": 2}
    assert api.get(TASKS).headers["RateLimit-Remaining"] == "1"    # counting starts afresh
    requests.post(sim.url + "/__simulator__/settings", json={"rate_limit": "default"}, timeout=10)
    assert api.get(TASKS).headers["RateLimit-Limit"] == "50"
    bad = requests.post(sim.url + "/__simulator__/settings", json={"rate_limit": "10x=2"}, timeout=10)
    assert bad.status_code == 400 and "window" in bad.json()["error"]


# ---------------------------------------------------------------- login lock-out

def test_ocp_locks_a_client_ip_out_after_failed_logins(start_sim):
    sim = start_sim(ocp_version="4.2", login_lockout="3/30")
    api, _viewer = clients(sim)
    wrong = Client(sim.url, auth=("admin", "wrong"))
    requests.get(sim.url + TASKS, timeout=10)              # no credentials: not a login attempt
    for _attempt in range(2):
        assert error_of(wrong.get(TASKS), 401)["code"] == "IAM10000"
    assert api.get(TASKS).status_code == 200               # a success resets the count
    for _attempt in range(3):
        wrong.get(TASKS)
    locked = error_of(api.get(TASKS), 401)
    assert locked["code"] == "IAM10014"
    assert locked["message"] == "The request from IP address 127.0.0.1 is restricted. Please try again later."
    admin_advance(sim, 29 * 60)
    assert api.get(TASKS).status_code == 401
    admin_advance(sim, 60)
    assert api.get(TASKS).status_code == 200


def test_the_documented_lock_out_thresholds(start_sim):
    def after(version, failures):
        sim = start_sim(ocp_version=version)
        for _attempt in range(failures):
            Client(sim.url, auth=("admin", "wrong")).get(TASKS)
        return Client(sim.url, auth=ADMIN).get(TASKS).status_code
    assert (after("3.1", 4), after("3.1", 5)) == (200, 401)     # V3.1.1: max-attempts 5
    assert (after("4.2", 19), after("4.2", 20)) == (200, 401)   # V4.0.0 on: 20
    assert after("express", 25) == 200                          # OCP Express does not count Basic auth


def test_the_lock_out_can_be_turned_off(start_sim):
    sim = start_sim(ocp_version="4.2", login_lockout="off")
    for _attempt in range(25):
        Client(sim.url, auth=("admin", "wrong")).get(TASKS)
    assert Client(sim.url, auth=ADMIN).get(TASKS).status_code == 200
