"""Scenario files: the shipped ones, and the errors a broken one produces."""

import textwrap

import pytest
import yaml

from ocp_simulator.clock import ManualClock
from ocp_simulator.errors import IllegalAction, RollbackProhibited, ScenarioError
from ocp_simulator.scenario import (
    DEFAULT_SCENARIO, SCENARIO_DIR, build_engine, load_scenario, parse_scenario,
)

HOUR = 3600


def build(name, clock=None):
    clock = clock or ManualClock()
    return build_engine(load_scenario(SCENARIO_DIR / f"{name}.yaml"), clock), clock


def all_tasks(engine):
    rows, _total = engine.list_tasks(size=2000, sort="id,asc")
    return rows


def by_name(engine, task_id, name):
    return next(s for s in engine.get_task(task_id)["subtasks"] if s["name"] == name)


def task_named(engine, name):
    rows, total = engine.list_tasks(name=name)
    assert total == 1, f"expected one task named {name!r}"
    return rows[0]["id"]


# ----------------------------------------------------------------- shipped scenarios

def test_default_scenario_is_the_shipped_default():
    assert DEFAULT_SCENARIO == SCENARIO_DIR / "default.yaml"
    assert load_scenario(None) == load_scenario(DEFAULT_SCENARIO)


@pytest.mark.parametrize("name", ["default", "demo", "faults"])
def test_shipped_scenarios_load(name):
    engine, _clock = build(name)
    assert all_tasks(engine)


def test_default_scenario_contents():
    scenario = load_scenario()
    admin, viewer = scenario.users
    # Not a common word: Ansible's no_log would mask every "admin" in playbook output.
    assert (admin["name"], admin["password"]) == ("admin", "OcpSim-Admin-2026")
    assert set(admin["roles"]) == {"TASK_MANAGER", "TASK_VIEWER", "AUDIT_VIEWER"}
    assert admin["access_keys"] == [{"id": "AKDEMOADMIN0000000001",
                                     "secret": "SKdemoAdminSecret0000000000000000000001"}]
    assert (viewer["name"], viewer["password"], viewer["roles"]) == ("viewer", "OcpSim-Viewer-2026", ["TASK_VIEWER"])
    assert scenario.clusters[0] == {"id": 1, "name": "obcluster", "obClusterId": 1001, "type": "PRIMARY"}
    assert {"sys", "t_app"} <= {tenant["name"] for tenant in scenario.tenants}
    assert scenario.http_faults == []
    assert scenario.settings == {"speed": 1.0, "seed": 0, "timezone_offset_minutes": 480, "max_concurrency": 10,
                                 "run_time_counting": "ocp", "ocp_version": None, "rate_limit": "default",
                                 "login_lockout": "default"}

    engine, clock = build("default")
    assert engine.clusters[1]["name"] == "obcluster"
    assert engine.tenants[1002] == {"id": 1002, "name": "t_app", "obTenantId": 1002, "mode": "MYSQL",
                                    "clusterId": 1}
    assert engine.hosts[4] == {"id": 4, "ip": "10.0.0.4", "clusterId": None}
    statuses = [task["status"] for task in all_tasks(engine)]
    assert {"SUCCESSFUL", "FAILED", "RUNNING"} == set(statuses)
    finished = [task for task in all_tasks(engine) if task["status"] != "RUNNING"]
    assert all(task["finishTime"] <= clock.now() for task in finished)
    finish_times = [task["finishTime"] for task in finished]
    assert finish_times == sorted(finish_times)


def test_demo_create_tenant_recovers_with_a_skip_and_two_retries():
    engine, clock = build("demo")
    task_id = task_named(engine, "Create tenant t_demo")
    clock.advance(HOUR)
    assert engine.get_task(task_id)["status"] == "FAILED"
    check = by_name(engine, task_id, "Check tenant parameters")
    assert check["status"] == "FAILED"
    engine.skip_subtask(task_id, check["id"])
    for _attempt in range(2):
        clock.advance(HOUR)
        pool = by_name(engine, task_id, "Create resource pool")
        assert (engine.get_task(task_id)["status"], pool["status"]) == ("FAILED", "FAILED")
        engine.retry_task(task_id)
    clock.advance(HOUR)
    assert engine.get_task(task_id)["status"] == "SUCCESSFUL"
    assert by_name(engine, task_id, "Create resource pool")["runTime"] == 3


def test_faults_scenario_has_one_task_per_fault_kind():
    engine, clock = build("faults")
    clock.advance(HOUR)
    assert engine.get_task(task_named(engine, "fails once"))["status"] == "FAILED"
    assert engine.get_task(task_named(engine, "retries by itself"))["status"] == "SUCCESSFUL"
    assert engine.get_task(task_named(engine, "hangs"))["status"] == "RUNNING"
    timed_out = task_named(engine, "times out")
    archive = by_name(engine, timed_out, "Start log archive")
    assert (archive["status"], archive["operation"]) == ("FAILED", "EXECUTE")
    assert engine.get_task(timed_out)["status"] == "FAILED"
    with pytest.raises(RollbackProhibited):
        engine.rollback_task(task_named(engine, "no rollback"))
    rollback_fails = task_named(engine, "rollback fails")
    engine.rollback_task(rollback_fails)
    clock.advance(HOUR)
    task = engine.get_task(rollback_fails)
    assert (task["status"], task["operation"]) == ("FAILED", "ROLLBACK")
    with pytest.raises(IllegalAction):
        engine.retry_subtask(rollback_fails, by_name(engine, rollback_fails, "Check proxyro user")["id"])


def test_every_built_in_scenario_avoids_common_word_passwords():
    for path in sorted(SCENARIO_DIR.glob("*.yaml")):
        users = {user["name"]: user["password"] for user in load_scenario(path).users}
        assert users == {"admin": "OcpSim-Admin-2026", "viewer": "OcpSim-Viewer-2026"}, path.name


def test_demo_scenario_makes_a_showcase_tenant_fail_once_at_its_resource_pool():
    scenario = load_scenario(SCENARIO_DIR / "demo.yaml")
    [entry] = scenario.start_faults
    assert entry.matches("create_tenant", "t_showcase") and not entry.matches("create_tenant", "t_other")
    [fault] = entry.faults["Create resource pool"]
    assert fault["fail_attempts"] == [1, 1] and fault["message"].startswith("ERROR 4012 (HY000): Timeout")


def test_start_faults_are_parsed_in_order_with_an_optional_match(tmp_path):
    scenario = load_scenario(write(tmp_path, VALID + textwrap.dedent("""
        start_faults:
          - {template: upgrade_cluster, faults: {Check cluster health: [{fail_attempts: [1, 1]}]}}
          - template: create_tenant
            match: {name: "t_fail*"}
            faults: {Create tenant: [{hang: true}]}
        """)))
    every_upgrade, failing_tenants = scenario.start_faults
    assert (every_upgrade.template, every_upgrade.name_glob) == ("upgrade_cluster", None)
    assert every_upgrade.matches("upgrade_cluster", "any cluster")
    assert failing_tenants.name_glob == "t_fail*" and failing_tenants.matches("create_tenant", "t_fail_2")


def test_run_time_counting_setting(tmp_path):
    scenario = load_scenario(write(tmp_path, "settings: {run_time_counting: every_run}"))
    assert build_engine(scenario, ManualClock()).run_time_counting == "every_run"
    assert load_scenario(write(tmp_path, "")).settings["run_time_counting"] == "ocp"


def test_the_same_scenario_and_seed_give_the_same_simulation():
    first, first_clock = build("faults")
    second, second_clock = build("faults")
    first_clock.advance(HOUR)
    second_clock.advance(HOUR)
    assert all_tasks(first) == all_tasks(second)


def test_large_scenario_loads_10000_tasks_and_serves_a_2000_page():
    engine, _clock = build("large")
    rows, total = engine.list_tasks(page=5, size=2000)
    assert (len(rows), total) == (2000, 10000)
    assert rows[0]["id"] > rows[-1]["id"]
    failed, failed_total = engine.list_tasks(statuses=["FAILED"], size=2000)
    assert failed_total == 900 and {row["status"] for row in failed} == {"FAILED"}


# ----------------------------------------------------------------- validation

VALID = """
clusters: [{id: 1, name: c1}]
tenants: [{id: 11, cluster_id: 1, name: t1}]
hosts: [{id: 21, ip: 10.0.0.1, cluster_id: 1}]
"""


def write(tmp_path, text):
    path = tmp_path / "scenario.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_defaults_are_filled_in(tmp_path):
    scenario = load_scenario(write(tmp_path, VALID + "tasks: [{template: create_tenant, tenant_id: 11}]"))
    assert scenario.settings["max_concurrency"] == 10
    assert scenario.clusters[0] == {"id": 1, "name": "c1", "obClusterId": 1, "type": "PRIMARY"}
    assert scenario.tenants[0]["mode"] == "MYSQL"
    assert scenario.tasks[0]["count"] == 1 and scenario.tasks[0]["state"] == "as_is"
    engine = build_engine(scenario, ManualClock())
    assert engine.get_task(1000)["tenant"]["name"] == "t1"


def test_an_empty_file_is_an_empty_scenario(tmp_path):
    scenario = load_scenario(write(tmp_path, ""))
    assert scenario.tasks == [] and scenario.users == []


@pytest.mark.parametrize("text, key, problem", [
    ("colour: blue", "colour", "unknown key"),
    ("- just a list", "(top level)", "mapping"),
    ("settings: {speed: -1}", "settings.speed", "above 0"),
    ("settings: {speed: .nan}", "settings.speed", "above 0"),
    ("settings: {speed: .inf}", "settings.speed", "at most"),
    ("settings: {speed: 1.0e+300}", "settings.speed", "at most"),
    ("settings: {turbo: true}", "settings", "unknown key"),
    ("settings: {max_concurrency: 0}", "settings.max_concurrency", ">= 1"),
    ("settings: {run_time_counting: twice}", "settings.run_time_counting", "every_run"),
    ("start_faults: {template: create_tenant}", "start_faults", "list"),
    ("start_faults: [create_tenant]", "start_faults[0]", "mapping"),
    ("start_faults: [{template: backup, faults: {Start log archive: [{hang: true}]}}]",
     "start_faults[0].template", "create_tenant"),
    ("start_faults: [{template: create_tenant, when: now, faults: {}}]", "start_faults[0]", "unknown key"),
    ("start_faults: [{template: create_tenant}]", "start_faults[0].faults", "subtask names"),
    ("start_faults: [{template: create_tenant, match: {tenant: t1}, faults: {Create tenant: [{hang: true}]}}]",
     "start_faults[0].match", "only `name`"),
    ("start_faults: [{template: create_tenant, match: {name: 7}, faults: {Create tenant: [{hang: true}]}}]",
     "start_faults[0].match.name", "glob"),
    ("start_faults: [{template: add_hosts, faults: {Create tenant: [{hang: true}]}}]",
     "start_faults[0].faults", "no subtask named"),
    ("start_faults: [{template: add_hosts, faults: {Install OCP agent: [{fail_attempts: [0, 1]}]}}]",
     "start_faults[0].faults", "run numbers >= 1"),
    ("users: [{password: x}]", "users[0].name", "non-empty string"),
    ("users: [{name: a, access_keys: [{id: AK}]}]", "users[0].access_keys[0].secret", "string"),
    ("users: [{name: a, roles: TASK_VIEWER}]", "users[0].roles", "list"),
    ("clusters: [{id: 1, name: a}, {id: 1, name: b}]", "clusters[1].id", "duplicate"),
    ("clusters: [{id: 1, name: a, type: SECONDARY}]", "clusters[0].type", "PRIMARY"),
    ("clusters: {id: 1}", "clusters", "list"),
    (VALID + "tenants: [{id: 11, cluster_id: 9, name: t}]", "tenants[0].cluster_id", "no cluster"),
    (VALID + "hosts: [{id: 21, ip: 10.0.0.1, cluster_id: 9}]", "hosts[0].cluster_id", "no cluster"),
    (VALID + "tasks: [{template: drop_database}]", "tasks[0].template", "unknown template"),
    (VALID + "tasks: [{template: backup, tenant_id: 99}]", "tasks[0].tenant_id", "99"),
    (VALID + "tasks: [{template: add_hosts, host_ids: [99]}]", "tasks[0].host_ids", "99"),
    (VALID + "tasks: [{template: backup, count: 0}]", "tasks[0].count", ">= 1"),
    (VALID + "tasks: [{template: backup, state: paused}]", "tasks[0].state", "as_is"),
    (VALID + "tasks: [{template: backup, when: now}]", "tasks[0]", "unknown key"),
    (VALID + "tasks: [{template: backup, type: HOURLY}]", "tasks[0].type", "MANUAL"),
    (VALID + "tasks: [{template: backup, faults: {Nope: [{hang: true}]}}]", "tasks[0].faults", "no subtask named"),
    (VALID + "tasks: [{template: backup, faults: {Start log archive: [{explode: true}]}}]",
     "tasks[0].faults", "exactly one of"),
    (VALID + "tasks: [{template: backup, faults: {Start log archive: [{fail_attempts: [2, 1]}]}}]",
     "tasks[0].faults", "must go up"),
    (VALID + "tasks: [{template: backup, faults: {Start log archive: [{fail_attempts: {runs: []}}]}}]",
     "tasks[0].faults", "{runs: [a, b]}"),
    (VALID + "tasks: [{template: backup, add_subtasks: [{name: Start log archive}]}]",
     "tasks[0].add_subtasks", "already has a subtask"),
    (VALID + "tasks: [{template: backup, add_subtasks: [{name: X, after: [Nope]}]}]",
     "tasks[0].add_subtasks", "no subtask named"),
    (VALID + "tasks: [{template: backup, rename_subtasks: {Nope: X}}]",
     "tasks[0].rename_subtasks", "no subtask named"),
    (VALID + "tasks: [{template: backup, rename_subtasks: {Start log archive: X}, "
             "faults: {Start log archive: [{hang: true}]}}]", "tasks[0].faults", "no subtask named"),
    (VALID + "tasks: [{template: backup, add_subtasks: [{name: X, after: [Save backup set info], "
             "before: [Check backup destination]}]}]", "tasks[0].add_subtasks", "cycle"),
    (VALID + "tasks: [{template: backup, faults: {Start log archive: [{hang: yes, colour: red}]}}]",
     "tasks[0].faults", "unknown key"),
    (VALID + "tasks: [{template: backup, state: finished, faults: {Start log archive: [{hang: true}]}}]",
     "tasks[0].state", "never finishes"),
    ("tasks: [{template: backup}\n", "(file)", "invalid YAML"),
])
def test_validation_errors_name_the_file_and_the_key(tmp_path, text, key, problem):
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as raised:
        load_scenario(path)
    error = raised.value
    assert (error.path, error.key) == (str(path), key)
    assert problem in error.problem
    assert str(error).startswith(f"{path}: {key}: ")


def test_a_missing_file_is_a_scenario_error(tmp_path):
    with pytest.raises(ScenarioError) as raised:
        load_scenario(tmp_path / "nowhere.yaml")
    assert raised.value.key == "(file)" and "nowhere.yaml" in str(raised.value)


def test_parse_scenario_accepts_an_already_loaded_mapping():
    scenario = parse_scenario(yaml.safe_load(VALID), "inline")
    assert scenario.path == "inline" and scenario.hosts[0]["ip"] == "10.0.0.1"
