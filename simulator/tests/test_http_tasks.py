"""The eight task endpoints' behaviour over HTTP, and the calls that start tasks."""

import pytest
import yaml

from conftest import (ADMIN, TEST_SCENARIO, Client, admin_advance, admin_create_task, failed_task, find_task,
                      hanging_task)
from test_http_auth import tenant_body

from ocp_simulator.clock import ManualClock
from ocp_simulator.scenario import SCENARIO_DIR
from ocp_simulator.server import SimulatorServer

TASKS = "/api/v2/tasks/instances"


def listing(api, **params):
    response = api.get(TASKS, params=params)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def names(data):
    return {task["name"] for task in data["contents"]}


def ids(data):
    return [task["id"] for task in data["contents"]]


def test_list_has_contents_and_page(api):
    data = listing(api)
    assert data["page"] == {"totalElements": 3, "totalPages": 1, "number": 1, "size": 10}
    assert len(data["contents"]) == 3


def test_name_filter_is_fuzzy(api):
    assert names(listing(api, name="t_meta")) == {"Create tenant t_meta"}
    assert len(listing(api, name="Create tenant")["contents"]) == 2


def test_status_filter_accepts_commas_and_repeats(api):
    assert names(listing(api, status="FAILED")) == {"Create tenant t_meta"}
    both = listing(api, status="FAILED,SUCCESSFUL")["page"]["totalElements"]
    repeated = api.get(TASKS, params=[("status", "FAILED"), ("status", "SUCCESSFUL")])
    assert both == repeated.json()["data"]["page"]["totalElements"] == 3
    assert listing(api, status="RUNNING")["contents"] == []


def test_status_filter_ignores_case_and_unknown_values_match_nothing(api):
    assert names(listing(api, status="failed")) == {"Create tenant t_meta"}
    assert names(listing(api, status="Failed,DONE")) == {"Create tenant t_meta"}
    assert listing(api, status="DONE")["contents"] == []
    assert listing(api, status="DONE,nope")["page"]["totalElements"] == 0


def test_type_filter(api):
    assert listing(api, type="MANUAL")["page"]["totalElements"] == 3
    assert listing(api, type="SYS_SCHEDULED")["contents"] == []


def test_cluster_and_tenant_filters(api):
    in_cluster_2 = names(listing(api, clusterId=2))   # the tenant task and host 2's task
    assert "Create tenant t_meta" in in_cluster_2 and "Create tenant t_orders" not in in_cluster_2
    # The express profile reads no cluster-name filter (tests/test_profiles.py has OCP's `cluterName`).
    assert len(listing(api, clusterName="obclus")["contents"]) == 3
    assert names(listing(api, tenantId=1002)) == {"Create tenant t_orders"}
    assert names(listing(api, tenantName="t_meta", clusterId=2)) == {"Create tenant t_meta"}
    assert listing(api, clusterId=99)["contents"] == []


def test_host_filter(api):
    # A cluster's task concerns every host of that cluster.
    assert names(listing(api, hostId=1)) == {"Create tenant t_orders"}
    assert len(listing(api, hostId=2)["contents"]) == 2
    assert listing(api, hostId=99)["contents"] == []


def test_pagination_and_page_past_the_end(api):
    first = listing(api, page=1, size=2)
    assert first["page"] == {"totalElements": 3, "totalPages": 2, "number": 1, "size": 2}
    second = listing(api, page=2, size=2)
    assert len(second["contents"]) == 1
    assert set(ids(first)).isdisjoint(ids(second))
    past = listing(api, page=5, size=2)
    assert past["contents"] == [] and past["page"]["number"] == 5


def test_size_is_clamped_at_2000(api):
    assert listing(api, size=2001)["page"]["size"] == 2000


def test_sort_default_is_newest_first_and_asc_desc_work(api):
    default = ids(listing(api))
    assert default == sorted(default, reverse=True)
    assert ids(listing(api, sort="id,asc")) == sorted(default)
    assert ids(listing(api, sort="id,DESC")) == sorted(default, reverse=True)
    by_name = [t["name"] for t in listing(api, sort="name,asc")["contents"]]
    assert by_name == sorted(by_name)


def test_detail_has_subtasks_with_the_documented_fields(api):
    task, _subtask = failed_task(api)
    assert task["status"] == "FAILED" and task["type"] == "MANUAL"
    assert task["cluster"]["id"] == 2 and task["tenant"]["id"] == 1003
    subtask = task["subtasks"][0]
    for field in ("id", "name", "seriesId", "status", "operation", "runTime", "timeout"):
        assert field in subtask


def test_subtask_log(api):
    task, subtask = failed_task(api)
    response = api.get(f"{TASKS}/{task['id']}/subtasks/{subtask['id']}/log")
    log = response.json()["data"]["log"]
    assert log.startswith("############{EXECUTE}{")
    assert "ERROR 4012" in log


def test_task_retry_returns_the_task_running(api):
    task, subtask = failed_task(api)
    data = api.post(f"{TASKS}/{task['id']}/retry").json()["data"]
    assert (data["status"], data["operation"]) == ("RUNNING", "RETRY")
    [retried] = [s for s in data["subtasks"] if s["id"] == subtask["id"]]
    assert retried["runTime"] == subtask["runTime"] + 1


def test_subtask_retry_returns_the_subtask(api):
    task, subtask = failed_task(api)
    data = api.post(f"{TASKS}/{task['id']}/subtasks/{subtask['id']}/retry").json()["data"]
    assert data["id"] == subtask["id"]
    assert data["operation"] == "RETRY"


def test_subtask_cancel_fails_the_task(sim, api):
    task = hanging_task(sim)
    detail = api.get(f"{TASKS}/{task['id']}").json()["data"]
    [running] = [s for s in detail["subtasks"] if s["status"] == "RUNNING"]
    api.post(f"{TASKS}/{task['id']}/subtasks/{running['id']}/cancel")
    after = api.get(f"{TASKS}/{task['id']}").json()["data"]
    [cancelled] = [s for s in after["subtasks"] if s["id"] == running["id"]]
    assert cancelled["status"] in ("CANCELING", "FAILED")


def test_create_tenant_starts_a_task_and_returns_tenant_id(api):
    response = api.post("/api/v2/ob/clusters/1/tenants/createTenant", json=tenant_body("t_new"))
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["tenantId"] == data["tenant"]["id"]
    assert data["tenant"]["name"] == "t_new"
    assert data["status"] == "RUNNING"
    assert find_task(api, data["name"])["id"] == data["id"]


@pytest.mark.parametrize("change", [
    {"name": "1bad"}, {"name": None}, {"mode": "POSTGRES"}, {"zones": []},
    {"rootPassword": ""}, {"zones": [{"name": "zone1"}]},
])
def test_create_tenant_validates_the_body(api, change):
    body = {**tenant_body("t_valid"), **change}
    response = api.post("/api/v2/ob/clusters/1/tenants/createTenant", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 10001


def test_create_tenant_rejects_duplicates_unknown_clusters_and_non_json(api):
    path = "/api/v2/ob/clusters/1/tenants/createTenant"
    assert api.post(path, json=tenant_body("t_orders")).status_code == 400
    assert api.post("/api/v2/ob/clusters/77/tenants/createTenant",
                    json=tenant_body("t_x")).status_code == 404
    assert api.post(path, data="{not json", headers={"Content-Type": "application/json"}
                    ).status_code == 400
    assert api.post(path, data="name=t_x").status_code == 415


def test_upgrade_cluster_starts_a_task(api):
    response = api.post("/api/v2/ob/clusters/1/upgrade", json={"version": "4.2.1.0"})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["cluster"]["id"] == 1
    assert api.post("/api/v2/ob/clusters/1/upgrade", json={}).status_code == 400


def test_take_over_cluster_starts_a_task_and_answers_the_cluster_id(api):
    body = {"address": "10.0.0.9", "port": 2881, "rootSysPassword": "pw"}
    response = api.post("/api/v2/ob/clusters/takeOver", json=body)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["status"] == "RUNNING"
    assert data["clusterId"] == data["cluster"]["id"] and data["cluster"]["name"] == "cluster_10.0.0.9"


def test_batch_create_hosts_starts_one_task_per_host(api):
    body = {"hostBasicDataList": [{"innerIpAddress": "10.0.1.1"},
                                  {"innerIpAddress": "10.0.1.2"}],
            "sshPort": 22, "kind": "DEDICATED_PHYSICAL_MACHINE",
            "idcId": 1, "typeId": 1, "credentialId": 1}
    response = api.post("/api/v2/compute/hosts/batchCreate", json=body)
    assert response.status_code == 200, response.text
    contents = response.json()["data"]["contents"]
    assert len(contents) == 2 and len({task["id"] for task in contents}) == 2
    again = api.post("/api/v2/compute/hosts/batchCreate", json=body)
    assert again.status_code == 400


def test_task_starters_need_the_manager_role(viewer_api):
    response = viewer_api.post("/api/v2/ob/clusters/1/upgrade", json={"version": "4.2.1.0"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == 30014


def test_admin_created_task_appears_in_the_list(sim, api):
    task = admin_create_task(sim, template="backup", cluster_id=1, tenant_id=1002)
    assert task["id"] in ids(listing(api, tenantId=1002, size=2000))


def test_demo_start_faults_fail_a_showcase_tenant_once_at_its_resource_pool():
    with SimulatorServer(ocp_version="express", scenario_path=str(SCENARIO_DIR / "demo.yaml"), port=0, clock=ManualClock()) as sim:
        api = Client(sim.url, auth=("admin", "OcpSim-Admin-2026"))
        created = {}
        for name in ("t_showcase", "t_plain"):
            response = api.post("/api/v2/ob/clusters/1/tenants/createTenant", json=tenant_body(name))
            assert response.status_code == 200, response.text
            created[name] = response.json()["data"]["id"]
        admin_advance(sim, 3600)
        showcase = api.get(f"{TASKS}/{created['t_showcase']}").json()["data"]
        assert showcase["status"] == "FAILED"
        [pool] = [s for s in showcase["subtasks"] if s["status"] == "FAILED"]
        assert pool["name"] == "Create resource pool"
        log = api.get(f"{TASKS}/{showcase['id']}/subtasks/{pool['id']}/log").json()["data"]["log"]
        assert "ERROR 4012 (HY000): Timeout" in log
        assert api.get(f"{TASKS}/{created['t_plain']}").json()["data"]["status"] == "SUCCESSFUL"
        assert api.post(f"{TASKS}/{showcase['id']}/retry").status_code == 200
        admin_advance(sim, 3600)
        assert api.get(f"{TASKS}/{showcase['id']}").json()["data"]["status"] == "SUCCESSFUL"


def test_start_faults_match_each_task_starting_call_by_name(tmp_path):
    fail_first = {"fail_attempts": [1, 1]}
    scenario = {**TEST_SCENARIO, "start_faults": [
        {"template": "upgrade_cluster", "match": {"name": "metadb"},
         "faults": {"Check upgrade pre-conditions": [fail_first]}},
        {"template": "take_over_cluster", "match": {"name": "legacy_*"}, "faults": {"Sync tenants": [fail_first]}},
        {"template": "add_hosts", "match": {"name": "10.9.*"}, "faults": {"Check host OS": [fail_first]}},
    ]}
    path = tmp_path / "start_faults.yaml"
    path.write_text(yaml.safe_dump(scenario))
    with SimulatorServer(ocp_version="express", scenario_path=str(path), port=0, clock=ManualClock()) as sim:
        api = Client(sim.url, auth=ADMIN)
        hosts = {"sshPort": 22, "kind": "DEDICATED_PHYSICAL_MACHINE", "idcId": 1, "typeId": 1, "credentialId": 1,
                 "hostBasicDataList": [{"innerIpAddress": "10.9.0.1"}, {"innerIpAddress": "10.8.0.1"}]}
        takeover = {"address": "10.0.0.9", "port": 2881, "rootSysPassword": "pw"}
        started = {
            "upgrade metadb": api.post("/api/v2/ob/clusters/2/upgrade", json={"version": "4.2.1.0"}),
            "upgrade obcluster": api.post("/api/v2/ob/clusters/1/upgrade", json={"version": "4.2.1.0"}),
            "take over legacy": api.post("/api/v2/ob/clusters/takeOver", json={**takeover, "clusterName": "legacy_1"}),
            "take over other": api.post("/api/v2/ob/clusters/takeOver", json={**takeover, "address": "10.0.0.8"}),
        }
        contents = api.post("/api/v2/compute/hosts/batchCreate", json=hosts).json()["data"]["contents"]
        ids = {label: response.json()["data"]["id"] for label, response in started.items()}
        ids.update({"host 10.9.0.1": contents[0]["id"], "host 10.8.0.1": contents[1]["id"]})
        admin_advance(sim, 4 * 3600)
        statuses = {label: api.get(f"{TASKS}/{task_id}").json()["data"]["status"] for label, task_id in ids.items()}
        assert statuses == {"upgrade metadb": "FAILED", "upgrade obcluster": "SUCCESSFUL",
                            "take over legacy": "FAILED", "take over other": "SUCCESSFUL",
                            "host 10.9.0.1": "FAILED", "host 10.8.0.1": "SUCCESSFUL"}
