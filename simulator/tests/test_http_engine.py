"""OCP's task engine as clients see it over HTTP: runTime, times, logs, rollback, actions.

Each test is a row of the fidelity table in docs/simulator.md. The simulator runs on a
ManualClock (`manual_sim`), so times are exact and nothing sleeps.
"""

import re
from datetime import datetime

import requests
import yaml

from conftest import ADMIN, TEST_SCENARIO, Client, admin_advance, admin_create_task

from ocp_simulator.clock import ManualClock
from ocp_simulator.server import SimulatorServer

TASKS = "/api/v2/tasks/instances"
POOL = "Create resource pool"
SEPARATOR = re.compile(r"^############\{([A-Z_]+)\}\{([^}]+)\}############$")


# ---------------------------------------------------------------- helpers

def detail(api, task_id):
    response = api.get(f"{TASKS}/{task_id}")
    assert response.status_code == 200, response.text
    return response.json()["data"]


def named(api, task_id, name, parallel_idx=-1):
    [found] = [s for s in detail(api, task_id)["subtasks"]
               if s["name"] == name and s["parallelIdx"] == parallel_idx]
    return found


def post(api, path):
    response = api.post(path)
    assert response.status_code == 200, response.text
    return response.json().get("data")


def log_lines(api, task_id, subtask_id):
    response = api.get(f"{TASKS}/{task_id}/subtasks/{subtask_id}/log")
    assert response.status_code == 200, response.text
    return response.json()["data"]["log"].split("\n")


def separators(lines):
    return [SEPARATOR.match(line).groups() for line in lines if SEPARATOR.match(line)]


def failing_pool(sim, first=1, last=1, **options):
    """A create_tenant task whose resource pool fails runs first..last; run an hour."""
    faults = {POOL: [{"fail_attempts": [first, last], "message": "ERROR 4012 (HY000): Timeout"}]}
    task = admin_create_task(sim, template="create_tenant", cluster_id=1, faults=faults, **options)
    admin_advance(sim, 3600)
    return task["id"]


def set_counting(sim, counting):
    response = requests.post(sim.url + "/__simulator__/settings", json={"run_time_counting": counting}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


# ---------------------------------------------------------------- runTime

def test_run_time_starts_at_1_and_a_subtask_retry_leaves_it_unchanged(manual_sim, manual_api):
    task_id = failing_pool(manual_sim)
    pool = named(manual_api, task_id, POOL)
    assert (pool["status"], pool["runTime"]) == ("FAILED", 1)
    retried = post(manual_api, f"{TASKS}/{task_id}/subtasks/{pool['id']}/retry")
    assert (retried["status"], retried["operation"], retried["runTime"]) == ("READY", "RETRY", 1)
    admin_advance(manual_sim, 3600)
    assert (named(manual_api, task_id, POOL)["status"], named(manual_api, task_id, POOL)["runTime"]) == (
        "SUCCESSFUL", 1)
    # The log, not runTime, records the second run.
    assert [op for op, _time in separators(log_lines(manual_api, task_id, pool["id"]))] == ["EXECUTE", "RETRY"]


def test_a_task_retry_adds_1_to_each_failed_subtask(manual_sim, manual_api):
    task_id = failing_pool(manual_sim)
    task = post(manual_api, f"{TASKS}/{task_id}/retry")
    [pool] = [s for s in task["subtasks"] if s["name"] == POOL]
    assert (task["status"], task["operation"]) == ("RUNNING", "RETRY")
    assert (pool["status"], pool["operation"], pool["runTime"]) == ("READY", "RETRY", 2)
    assert {s["runTime"] for s in task["subtasks"] if s["name"] != POOL} == {1}


def test_an_automatic_retry_adds_1(manual_sim, manual_api):
    # "Start observer" has retryCount 2: runs 1 and 2 fail, OCP retries by itself.
    task = admin_create_task(manual_sim, template="create_cluster", cluster_id=1,
                             faults={"Start observer": [{"fail_attempts": [1, 2]}]})
    admin_advance(manual_sim, 3600)
    observer = named(manual_api, task["id"], "Start observer", 0)
    assert (observer["status"], observer["operation"], observer["runTime"]) == ("SUCCESSFUL", "RETRY", 3)
    assert detail(manual_api, task["id"])["status"] == "SUCCESSFUL"


def test_every_run_counting_adds_1_on_a_subtask_retry_too(manual_sim, manual_api):
    assert set_counting(manual_sim, "every_run")["run_time_counting"] == "every_run"
    task_id = failing_pool(manual_sim)
    pool = named(manual_api, task_id, POOL)
    assert post(manual_api, f"{TASKS}/{task_id}/subtasks/{pool['id']}/retry")["runTime"] == 2
    assert set_counting(manual_sim, "ocp")["run_time_counting"] == "ocp"
    bad = requests.post(manual_sim.url + "/__simulator__/settings", json={"run_time_counting": "twice"},
                        timeout=10)
    assert bad.status_code == 400 and "run_time_counting" in bad.json()["error"]


def test_fault_scripts_count_the_simulators_own_runs_not_run_time(manual_sim, manual_api):
    # Runs 1 and 2 fail, run 3 succeeds, though runTime stays 1 through subtask retries.
    task_id = failing_pool(manual_sim, 1, 2)
    pool = named(manual_api, task_id, POOL)
    for _retry in range(2):
        post(manual_api, f"{TASKS}/{task_id}/subtasks/{pool['id']}/retry")
        admin_advance(manual_sim, 3600)
    done = named(manual_api, task_id, POOL)
    assert (done["status"], done["runTime"]) == ("SUCCESSFUL", 1)
    assert [op for op, _time in separators(log_lines(manual_api, task_id, pool["id"]))] == [
        "EXECUTE", "RETRY", "RETRY"]


# ---------------------------------------------------------------- logs

def test_each_run_starts_with_ocps_separator_in_java_time(manual_sim, manual_api):
    admin_advance(manual_sim, 59)   # the first run then starts at 10:01:00 exactly
    task_id = failing_pool(manual_sim)
    pool = named(manual_api, task_id, POOL)
    lines = log_lines(manual_api, task_id, pool["id"])
    first = named(manual_api, task_id, "Check tenant parameters")
    assert log_lines(manual_api, task_id, first["id"])[0] == "############{EXECUTE}{2026-11-24T10:01+08:00}############"
    [(operation, started)] = separators(lines)
    assert operation == "EXECUTE"
    assert datetime.fromisoformat(started) == datetime.fromisoformat(pool["startTime"])
    # OffsetDateTime.toString(): a fraction in 3 digits, no trailing zeros trimmed.
    assert re.fullmatch(r"2026-11-24T10:01:\d\d(\.\d{3})?\+08:00", started)


def test_state_lines_end_each_run_in_ocps_order(manual_sim, manual_api):
    task_id = failing_pool(manual_sim, 1, 2)
    pool = named(manual_api, task_id, POOL)["id"]
    post(manual_api, f"{TASKS}/{task_id}/subtasks/{pool}/retry")
    admin_advance(manual_sim, 3600)
    post(manual_api, f"{TASKS}/{task_id}/subtasks/{pool}/skip")
    admin_advance(manual_sim, 3600)
    lines = log_lines(manual_api, task_id, pool)
    marks = [("run", SEPARATOR.match(line).group(1)) if SEPARATOR.match(line) else ("state", line)
             for line in lines if SEPARATOR.match(line) or line.startswith("Set state")]
    assert marks == [
        ("run", "EXECUTE"), ("state", f"Set state for subtask: {pool}, operation:EXECUTE, state: FAILED"),
        ("run", "RETRY"), ("state", f"Set state for subtask: {pool}, operation:RETRY, state: FAILED"),
        ("run", "SKIP"), ("state", f"Set state for subtask: {pool}, operation:SKIP, state: SUCCESSFUL"),
    ]
    assert lines[-2].endswith(" : Operation is SKIP, do nothing")


def test_the_log_of_an_unknown_subtask_is_empty_with_200(manual_api):
    for path in (f"{TASKS}/999999/subtasks/424242/log", f"{TASKS}/1/subtasks/1/log"):
        response = manual_api.get(path)
        assert response.status_code == 200, response.text
        assert response.json()["data"] == {"log": ""}


# ---------------------------------------------------------------- times

def test_start_time_is_the_first_runs_and_finish_time_is_cleared_while_running(manual_sim, manual_api):
    task_id = failing_pool(manual_sim)
    failed = named(manual_api, task_id, POOL)
    task_end = detail(manual_api, task_id)["finishTime"]
    post(manual_api, f"{TASKS}/{task_id}/subtasks/{failed['id']}/retry")
    ready = named(manual_api, task_id, POOL)
    # The action sets the state only; the finishTime goes when the run starts.
    assert (ready["status"], ready["finishTime"]) == ("READY", failed["finishTime"])
    admin_advance(manual_sim, 1)
    running = named(manual_api, task_id, POOL)
    assert running["status"] == "RUNNING" and "finishTime" not in running
    assert running["startTime"] == failed["startTime"]
    # The task's finishTime is not cleared either while it runs again.
    assert detail(manual_api, task_id)["finishTime"] == task_end
    admin_advance(manual_sim, 3600)
    done = named(manual_api, task_id, POOL)
    assert done["startTime"] == failed["startTime"]
    assert datetime.fromisoformat(done["finishTime"]) > datetime.fromisoformat(failed["finishTime"])


# ---------------------------------------------------------------- timeouts and cancels

def test_a_timeout_fails_the_run_with_its_operation_unchanged(manual_sim, manual_api):
    task = admin_create_task(manual_sim, template="backup", cluster_id=1, tenant_id=1002,
                             faults={"Start log archive": [{"timeout": True}]})
    admin_advance(manual_sim, 3600)
    archive = named(manual_api, task["id"], "Start log archive")
    assert (archive["status"], archive["operation"]) == ("FAILED", "EXECUTE")
    elapsed = datetime.fromisoformat(archive["finishTime"]) - datetime.fromisoformat(archive["startTime"])
    assert elapsed.total_seconds() == archive["timeout"] == 600
    lines = log_lines(manual_api, task["id"], archive["id"])
    assert lines[-2] == f"Set state for subtask: {archive['id']}, operation:EXECUTE, state: FAILED"
    assert lines[-1].endswith(f"Receive timeout callback, id={archive['id']}, name=Start log archive, "
                              "elapsed=600, timeout=600")


def test_a_cancel_goes_canceling_then_running_cancel_then_failed_cancel(manual_sim, manual_api):
    task = admin_create_task(manual_sim, template="create_tenant", cluster_id=1, faults={POOL: [{"hang": True}]})
    admin_advance(manual_sim, 3600)
    hung = named(manual_api, task["id"], POOL)
    assert post(manual_api, f"{TASKS}/{task['id']}/subtasks/{hung['id']}/cancel") is None
    seen = []
    for _poll in range(3):
        current = named(manual_api, task["id"], POOL)
        seen.append((current["status"], current["operation"]))
        admin_advance(manual_sim, 1)
    assert seen == [("CANCELING", "EXECUTE"), ("RUNNING", "CANCEL"), ("FAILED", "CANCEL")]
    assert detail(manual_api, task["id"])["status"] == "FAILED"
    lines = log_lines(manual_api, task["id"], hung["id"])
    assert lines[-3] == f"Set state for subtask: {hung['id']}, operation:CANCEL, state: FAILED"
    assert lines[-2].startswith("############{CANCEL}{")
    assert f"Cancel subtask, id={hung['id']}" in lines[-1]


# ---------------------------------------------------------------- rollback

def test_rollback_marks_every_started_subtask_at_once(manual_sim, manual_api):
    task_id = failing_pool(manual_sim, 1, 9)
    before = {s["name"]: s for s in detail(manual_api, task_id)["subtasks"]}
    task = post(manual_api, f"{TASKS}/{task_id}/rollback")
    after = {s["name"]: s for s in task["subtasks"]}
    assert (task["status"], task["operation"]) == ("RUNNING", "ROLLBACK")
    for name, subtask in after.items():
        if before[name]["status"] == "PENDING":
            assert (subtask["status"], subtask["operation"]) == ("PENDING", "EXECUTE"), name
        elif name == POOL:   # its downstream is PENDING: undone first
            assert (subtask["status"], subtask["operation"]) == ("READY", "ROLLBACK")
        else:                # its turn comes later; it stays SUCCESSFUL until then
            assert (subtask["status"], subtask["operation"]) == ("SUCCESSFUL", "ROLLBACK"), name
    admin_advance(manual_sim, 3600)
    done = detail(manual_api, task_id)
    assert (done["status"], done["operation"]) == ("SUCCESSFUL", "ROLLBACK")
    assert {s["status"] for s in done["subtasks"]} == {"PENDING"}


def test_rollback_readies_at_once_more_subtasks_than_the_concurrency_cap(tmp_path):
    scenario = {**TEST_SCENARIO, "settings": {"seed": 7, "max_concurrency": 1}}
    path = tmp_path / "cap1.yaml"
    path.write_text(yaml.safe_dump(scenario))
    with SimulatorServer(ocp_version="express", scenario_path=str(path), port=0, clock=ManualClock()) as sim:
        api = Client(sim.url, auth=ADMIN)
        # One subtask at a time: three hosts pass their checks, then host 0's install
        # fails twice (retryCount 1) and nothing else starts.
        task = admin_create_task(sim, template="add_hosts", host_ids=[1, 2],
                                 faults={"Install OCP agent": [{"fail_attempts": [1, 9]}]})
        admin_advance(sim, 3600)
        assert detail(api, task["id"])["status"] == "FAILED"
        rolled = post(api, f"{TASKS}/{task['id']}/rollback")
        ready = sorted((s["name"], s["parallelIdx"]) for s in rolled["subtasks"] if s["status"] == "READY")
        assert ready == [("Check host OS", 1), ("Install OCP agent", 0)]
        admin_advance(sim, 1.5)
        in_progress = [s for s in detail(api, task["id"])["subtasks"] if s["status"] in ("READY", "RUNNING")]
        assert len(in_progress) == 2   # the two started at once; no third joins them
        admin_advance(sim, 3600)
        assert detail(api, task["id"])["status"] == "SUCCESSFUL"


def test_a_subtask_whose_operation_is_rollback_cannot_be_retried(manual_sim, manual_api):
    task = admin_create_task(manual_sim, template="create_tenant", cluster_id=1,
                             faults={POOL: [{"fail_attempts": [1, 9]}, {"fail_rollback": True}]})
    admin_advance(manual_sim, 3600)
    post(manual_api, f"{TASKS}/{task['id']}/rollback")
    admin_advance(manual_sim, 3600)
    stuck = named(manual_api, task["id"], POOL)
    assert (stuck["status"], stuck["operation"]) == ("FAILED", "ROLLBACK")
    response = manual_api.post(f"{TASKS}/{task['id']}/subtasks/{stuck['id']}/retry")
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": 20003, "message": f"This operation is not supported for the {stuck['id']} task in the ROLLBACK state."}
    # The task retry names the task's ROLLBACK operation the same way.
    task_retry = manual_api.post(f"{TASKS}/{task['id']}/retry")
    assert task_retry.status_code == 400
    assert task_retry.json()["error"]["message"].endswith(f"{task['id']} task in the ROLLBACK state.")


def test_a_subtask_retry_looks_at_the_subtask_not_the_task(manual_sim, manual_api):
    # A cancelled rollback run is FAILED/CANCEL in a FAILED/ROLLBACK task: OCP retries it.
    task_id = failing_pool(manual_sim, 1, 9)
    post(manual_api, f"{TASKS}/{task_id}/rollback")
    admin_advance(manual_sim, 1)
    undoing = named(manual_api, task_id, POOL)
    assert (undoing["status"], undoing["operation"]) == ("RUNNING", "ROLLBACK")
    post(manual_api, f"{TASKS}/{task_id}/subtasks/{undoing['id']}/cancel")
    admin_advance(manual_sim, 2)
    task = detail(manual_api, task_id)
    assert (task["status"], task["operation"]) == ("FAILED", "ROLLBACK")
    retried = post(manual_api, f"{TASKS}/{task_id}/subtasks/{undoing['id']}/retry")
    assert (retried["status"], retried["operation"]) == ("READY", "RETRY")
    assert (detail(manual_api, task_id)["status"], detail(manual_api, task_id)["operation"]) == (
        "RUNNING", "ROLLBACK")


def test_skip_and_cancel_check_the_subtask_state(manual_sim, manual_api):
    task_id = failing_pool(manual_sim)
    pending = named(manual_api, task_id, "Create tenant")
    done = named(manual_api, task_id, "Check tenant parameters")
    for action, subtask, state in (("skip", pending, "PENDING"), ("cancel", done, "SUCCESSFUL"),
                                   ("retry", done, "SUCCESSFUL")):
        response = manual_api.post(f"{TASKS}/{task_id}/subtasks/{subtask['id']}/{action}")
        assert response.status_code == 400, action
        assert response.json()["error"]["message"] == (
            f"This operation is not supported for the {subtask['id']} task in the {state} state.")


def test_rollback_is_refused_once_a_subtask_that_prohibits_it_has_run(manual_sim, manual_api):
    # "Start full data backup" cannot be undone; it ran before the failure.
    task = admin_create_task(manual_sim, template="backup", cluster_id=1, tenant_id=1002,
                             faults={"Wait for data backup to finish": [{"fail_attempts": [1, 1]}]})
    assert task["prohibitRollback"] is False
    admin_advance(manual_sim, 4 * 3600)
    assert detail(manual_api, task["id"])["prohibitRollback"] is True
    response = manual_api.post(f"{TASKS}/{task['id']}/rollback")
    assert response.status_code == 400
    assert response.json()["error"] == {"code": 20004, "message": f"Task {task['id']} can not rollback."}
    running = manual_api.post(f"{TASKS}/{task['id']}/retry")
    assert running.status_code == 200


def test_task_actions_check_the_task_state(manual_sim, manual_api):
    running = admin_create_task(manual_sim, template="create_tenant", cluster_id=1)
    for action in ("retry", "rollback"):
        response = manual_api.post(f"{TASKS}/{running['id']}/{action}")
        assert response.status_code == 400
        assert response.json()["error"]["message"].endswith(f"{running['id']} task in the RUNNING state.")
