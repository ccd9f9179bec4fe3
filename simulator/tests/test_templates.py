"""Templates: their documented subtasks, the NTP step, and tasks that add or rename subtasks (issue 22)."""

import re
from pathlib import Path

import pytest
import requests

from conftest import ADMIN, Client, admin_advance, admin_create_task
from test_engine import make_engine, run, subtask
from test_http_auth import tenant_body

from ocp_simulator.clock import ManualClock
from ocp_simulator.errors import BadRequest
from ocp_simulator.model import parse_fault
from ocp_simulator.scenario import parse_scenario
from ocp_simulator.templates import TEMPLATES, customized

DOCS = Path(__file__).resolve().parents[2] / "docs" / "simulator.md"


def documented_templates():
    """{template key: [(name, description, per host)]} from docs/simulator.md's tables."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("## Task templates", 1)[1].split("\n## ", 1)[0] + "\n\n"
    tables = {}
    for key, table in re.findall(r"### `(\w+)`.*?\n(\|.*?)\n\n", section, flags=re.S):
        rows = [line.split("|")[1:-1] for line in table.splitlines()[2:]]
        tables[key] = [(name.strip().strip("`"), description.strip(), per_host.strip() == "yes")
                       for name, description, per_host in rows]
    return tables


def test_every_template_and_subtask_is_documented_as_it_is():
    assert documented_templates() == {
        key: [(spec.name, spec.description, spec.per_host) for spec in template.subtasks]
        for key, template in TEMPLATES.items()}


def test_taking_over_a_cluster_checks_each_hosts_clock_before_installing_the_agent():
    clock = ManualClock()
    engine = make_engine(clock)
    task_id = engine.create_task("take_over_cluster", cluster_id=1)
    clocks = [s for s in engine.get_task(task_id)["subtasks"] if s["name"] == "Check host clock sync"]
    assert sorted(s["parallelIdx"] for s in clocks) == [0, 1, 2]
    agent = subtask(engine, task_id, "Install OCP agent", parallel_idx=1)
    assert agent["upstreams"] == [next(s["id"] for s in clocks if s["parallelIdx"] == 1)]
    run(clock, engine)
    ntp = next(s for s in clocks if s["parallelIdx"] == 0)
    log = engine.get_subtask_log(task_id, ntp["id"])
    assert "Clock offset of host 10.0.0.1 is 3 ms" in log and "ocp.host.check.clock-diff.max-diff" in log


def test_a_task_adds_a_subtask_between_two_of_its_template():
    clock = ManualClock()
    engine = make_engine(clock)
    task_id = engine.create_task("add_hosts", host_ids=[4], add_subtasks=[{
        "name": "Check NTP", "description": "Check the clock of host {host}", "after": ["Check host OS"],
        "before": ["Install OCP agent"], "per_host": True, "duration": 4,
        "log_lines": ["Start to check NTP on {host}", "NTP of {host} is in sync"]}],
        faults={"Check NTP": [{"fail_attempts": [1], "message": "clock offset 812 ms exceeds 50 ms"}]})
    ntp = subtask(engine, task_id, "Check NTP", parallel_idx=0)
    assert ntp["description"] == "Check the clock of host 10.0.0.4"
    assert ntp["id"] in subtask(engine, task_id, "Install OCP agent", parallel_idx=0)["upstreams"]
    assert ntp["upstreams"] == [subtask(engine, task_id, "Check host OS", parallel_idx=0)["id"]]
    run(clock, engine)
    assert subtask(engine, task_id, "Check NTP", parallel_idx=0)["status"] == "FAILED"
    assert "clock offset 812 ms exceeds 50 ms" in engine.get_subtask_log(task_id, ntp["id"])
    assert subtask(engine, task_id, "Install OCP agent", parallel_idx=0)["status"] == "PENDING"


def test_a_task_renames_subtasks_and_its_faults_use_the_new_names():
    clock = ManualClock()
    engine = make_engine(clock)
    task_id = engine.create_task("create_tenant", tenant_id=1002, rename_subtasks={
        "Create resource pool": "Create ob resource pool"}, faults={"Create ob resource pool": [{"hang": True}]})
    names = {s["name"] for s in engine.get_task(task_id)["subtasks"]}
    assert "Create ob resource pool" in names and "Create resource pool" not in names
    run(clock, engine)
    assert subtask(engine, task_id, "Create ob resource pool")["status"] == "RUNNING"
    with pytest.raises(BadRequest, match="no subtask named 'Create resource pool'"):
        engine.create_task("create_tenant", rename_subtasks={"Create resource pool": "X"},
                           faults={"Create resource pool": [{"hang": True}]})


def test_customizing_refuses_what_cannot_be_built():
    template = TEMPLATES["backup"]
    assert customized(template) is template
    for add, rename, problem in [
        ([{"name": "X", "duration": -1}], None, "duration must be a number >= 0"),
        ([{"name": "X", "colour": "red"}], None, "unknown key"),
        ([{"name": ""}], None, "name must be a non-empty string"),
        (None, {"Start log archive": "Save backup set info"}, "two subtasks would be called the same"),
        ([{"name": "X", "log_lines": []}], None, "log_lines"),
    ]:
        with pytest.raises(ValueError, match=problem):
            customized(template, add, rename)


def test_the_admin_api_and_start_faults_shape_tasks_too(start_sim, tmp_path):
    sim = start_sim()
    task = admin_create_task(sim, template="backup", tenant_id=1002, rename_subtasks={
        "Start log archive": "Enable log archive"}, add_subtasks=[{"name": "Notify", "after": "Save backup set info"}])
    assert {"Enable log archive", "Notify"} <= {s["name"] for s in task["subtasks"]}
    bad = requests.post(sim.url + "/__simulator__/tasks", json={"template": "backup", "add_subtasks": [{}]}, timeout=10)
    assert bad.status_code == 400 and "add_subtasks[0].name" in bad.json()["error"]


def test_start_faults_add_a_subtask_to_the_tasks_calls_start(tmp_path):
    from conftest import TEST_SCENARIO
    from ocp_simulator.server import SimulatorServer
    import yaml
    scenario = {**TEST_SCENARIO, "start_faults": [{
        "template": "create_tenant", "match": {"name": "t_ntp*"},
        "add_subtasks": [{"name": "Check observer clock sync", "after": ["Check tenant parameters"],
                          "before": ["Create resource unit config"]}],
        "faults": {"Check observer clock sync": [{"fail_attempts": [1, 2, 3], "message": "clock skew"}]}}]}
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(scenario))
    with SimulatorServer(ocp_version="express", scenario_path=str(path), clock=ManualClock()) as sim:
        api = Client(sim.url, auth=ADMIN)
        started = api.post("/api/v2/ob/clusters/1/tenants/createTenant", json=tenant_body("t_ntp1")).json()["data"]
        admin_advance(sim, 3600)
        detail = api.get(f"/api/v2/tasks/instances/{started['id']}").json()["data"]
        [ntp] = [s for s in detail["subtasks"] if s["name"] == "Check observer clock sync"]
        assert ntp["status"] == "FAILED" and detail["status"] == "FAILED"
        other = api.post("/api/v2/ob/clusters/1/tenants/createTenant", json=tenant_body("t_plain")).json()["data"]
        assert "Check observer clock sync" not in {s["name"] for s in other["subtasks"]}
    with pytest.raises(Exception, match="start_faults\\[0\\].add_subtasks"):
        parse_scenario({"start_faults": [{"template": "create_tenant", "add_subtasks": [{"name": 1}]}]})


# ---------------------------------------------------------------- which runs fail

@pytest.mark.parametrize("form, failing", [
    (2, {2}), ([2], {2}),
    ([1, 3], {1, 2, 3}),                  # two numbers: a range, as it always was
    ([1, 2, 3], {1, 2, 3}), ([1, 3, 5], {1, 3, 5}), ([4, 2, 2], {2, 4}),
    ({"runs": [1, 3]}, {1, 3}), ({"from": 2, "to": 4}, {2, 3, 4}),
])
def test_fail_attempts_takes_run_numbers_or_a_range(form, failing):
    fault = parse_fault({"fail_attempts": form})
    assert {run_number for run_number in range(1, 8) if fault.applies_to(run_number)} == failing
    assert {n for n in range(1, 8) if parse_fault({"hang": True, "attempts": form}).applies_to(n)} == failing


@pytest.mark.parametrize("form", [0, [], [0, 1], [3, 1], {"runs": []}, {"runs": [1], "to": 2}, {"from": 1},
                                  "1", True, [1.5], {"from": 2, "to": 1}])
def test_fail_attempts_refuses_anything_else(form):
    with pytest.raises(ValueError):
        parse_fault({"fail_attempts": form})


def test_runs_listed_one_by_one_fail_and_the_others_succeed():
    clock = ManualClock()
    engine = make_engine(clock)
    task_id = engine.create_task("create_tenant", tenant_id=1002, faults={
        "Create resource pool": [{"fail_attempts": [1, 3, 4]}]})
    outcomes = []
    for _run in range(3):
        run(clock, engine)
        pool = subtask(engine, task_id, "Create resource pool")
        outcomes.append(pool["status"])
        if pool["status"] == "FAILED":
            engine.retry_subtask(task_id, pool["id"])
    assert outcomes == ["FAILED", "SUCCESSFUL", "SUCCESSFUL"]
