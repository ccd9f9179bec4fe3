# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""oceanbase.ocp.ocp_task_action end to end, every row of the legal-action table for task retry
and rollback, each case as check mode -> act -> verify with ocp_task_info -> run again.

The simulator's clock is nearly stopped while the cases run, so the states the test sets up
stay put; the waits test runs it fast instead.
"""

from __future__ import annotations

import pytest

from action_helpers import (
    action_posts,
    api_post,
    assert_play_ok,
    create_tenant_task,
    expected_posts,
    failed_task,
    hanging_task,
    run_cases,
    task_path,
)
from harness import assert_failed_with, run_playbook

# How OCP counts runs matters here: `make integration-every-run` runs it on the older runTime rule too.
pytestmark = pytest.mark.counting


def rolled_back_task(simulator, fail_rollback=False) -> dict:
    """A FAILED task rolled back through the API: SUCCESSFUL/ROLLBACK, or FAILED/ROLLBACK when
    undoing "Create resource pool" fails."""
    faults = [{"fail_attempts": [1, 99]}] + ([{"fail_rollback": True}] if fail_rollback else [])
    task = create_tenant_task(simulator, {"Create resource pool": faults})
    api_post(simulator, task_path(task["id"], "rollback"))
    return task


def task_case(name, task, action, decision, message, task_status, **expect):
    return dict(name=name, module="task", args=dict(task_id=task["id"], action=action), decision=decision,
                message=message, task_status=task_status, **expect)


def test_every_row_of_the_task_action_table(frozen_clock):
    simulator = frozen_clock
    rolled_back = rolled_back_task(simulator)
    failed_rollback = rolled_back_task(simulator, fail_rollback=True)
    # Let both rollbacks finish, then stop time again.
    simulator.set_clock(advance_seconds=300)
    running = hanging_task(simulator)
    successful = create_tenant_task(simulator)

    cases = [
        task_case("retry FAILED", failed_task(simulator), "retry", "apply", r"is FAILED .*so OCP retries",
                  ["RUNNING"]),
        task_case("retry RUNNING", running, "retry", "already_done", r"is already running \(RUNNING/EXECUTE\)",
                  ["RUNNING"]),
        task_case("retry SUCCESSFUL", successful, "retry", "already_done", r"already succeeded", ["SUCCESSFUL"]),
        task_case("retry rolled back", rolled_back, "retry", "impossible", r"was rolled back .*cannot retry",
                  ["SUCCESSFUL"], fails=True),
        task_case("retry failed during rollback", failed_rollback, "retry", "impossible",
                  r"failed while rolling back \(FAILED/ROLLBACK\)", ["FAILED"], fails=True),
        task_case("rollback FAILED", failed_task(simulator), "rollback", "apply", r"so OCP rolls it back",
                  ["RUNNING"], rerun_decision="already_done"),
        task_case("rollback again after a failed rollback", failed_rollback, "rollback", "apply",
                  r"FAILED/ROLLBACK\), so OCP rolls it back", ["RUNNING"]),
        task_case("rollback prohibited", failed_task(simulator, prohibit_rollback=True), "rollback", "impossible",
                  r"prohibits rollback", ["FAILED"], fails=True),
        task_case("rollback RUNNING", running, "rollback", "not_applicable", r"is running .*only FAILED tasks",
                  ["RUNNING"]),
        dict(task_case("rollback RUNNING, strict", running, "rollback", "not_applicable",
                       r"only FAILED tasks \(failing because fail_when_not_applicable is set\)", ["RUNNING"],
                       fails=True),
             args=dict(task_id=running["id"], action="rollback", fail_when_not_applicable=True)),
        task_case("rollback SUCCESSFUL", successful, "rollback", "not_applicable", r"succeeded; OCP rolls back only",
                  ["SUCCESSFUL"]),
        task_case("rollback rolled back", rolled_back, "rollback", "already_done", r"already rolled back",
                  ["SUCCESSFUL"]),
    ]
    run = run_cases(simulator, cases)

    assert_play_ok(run)
    # Each action that applies was sent exactly once over its four steps; nothing else was sent.
    assert sorted(entry["path"] for entry in action_posts(simulator)) == expected_posts(cases)
    assert {entry["status"] for entry in action_posts(simulator)} == {200}


def test_a_rolling_back_task_is_already_done(frozen_clock):
    simulator = frozen_clock
    task = failed_task(simulator)
    api_post(simulator, task_path(task["id"], "rollback"))
    cases = [
        task_case("rollback under way", task, "rollback", "already_done", r"already rolling back", ["RUNNING"]),
        task_case("retry under rollback", task, "retry", "impossible", r"is being rolled back", ["RUNNING"],
                  fails=True),
    ]
    run = run_cases(simulator, cases)
    assert_play_ok(run)
    assert action_posts(simulator) == []


@pytest.mark.core_matrix
def test_viewer_is_told_it_lacks_task_manager_and_nothing_changes(frozen_clock):
    simulator = frozen_clock
    task = failed_task(simulator)
    case = task_case("retry as viewer", task, "retry", "apply",
                     r"lacks the TASK_MANAGER permission, which OCP requires for the retry of task \d+; "
                     r"nothing was changed .*HTTP 403", ["FAILED"], fails=True, predict_fails=False)
    run = run_cases(simulator, [case], user=("viewer", "OcpSim-Viewer-2026"))
    assert_play_ok(run)
    # The act and the second run each tried once and were refused; check mode sent nothing.
    posts = action_posts(simulator)
    assert [(entry["path"], entry["status"], entry["identity"]) for entry in posts] == [
        (task_path(task["id"], "retry"), 403, "viewer")] * 2


def test_lost_answers_are_never_resent(frozen_clock):
    """A POST whose answer is lost is sent once; the module re-reads and tells what happened."""
    simulator = frozen_clock
    dropped, bad_gateway, slow, lost = (failed_task(simulator) for _task in range(4))
    simulator.clear_faults()
    simulator.add_fault({"match": {"method": "POST", "path": task_path(dropped["id"], "retry")}, "nth": [1],
                         "drop": True})
    simulator.add_fault({"match": {"method": "POST", "path": task_path(bad_gateway["id"], "rollback")}, "nth": [1],
                         "status": 502})
    # These two are carried out by OCP, then their answers come too late (request_timeout 2 s)
    # or never.
    simulator.add_fault({"match": {"method": "POST", "path": task_path(slow["id"], "retry")},
                         "latency_ms": 3000, "after_handling": True})
    simulator.add_fault({"match": {"method": "POST", "path": task_path(lost["id"], "rollback")}, "nth": [1],
                         "drop": True, "after_handling": True})
    not_taken = dict(fails=True, predict_fails=False, rerun_decision="apply", rerun_changed=True, rerun_fails=False)
    cases = [
        task_case("dropped connection", dropped, "retry", "apply",
                  r"the answer to the retry of task \d+ was lost \(.*\) and reading the task again shows it has "
                  r"not taken effect; it was not sent again", ["FAILED"], **not_taken),
        task_case("bad gateway", bad_gateway, "rollback", "apply",
                  r"the answer to the rollback of task \d+ was lost \(.*HTTP 502.*\) and reading the task again "
                  r"shows it has not taken effect", ["FAILED"], **not_taken),
        dict(task_case("timed out but carried out", slow, "retry", "apply",
                       r"the answer to the retry of task \d+ was lost \(.*(?i:timed out).*\), but reading the task "
                       r"again shows OCP carried it out", ["RUNNING"]),
             args=dict(task_id=slow["id"], action="retry", request_timeout=2)),
        task_case("dropped after it acted", lost, "rollback", "apply",
                  r"the answer to the rollback of task \d+ was lost \(.*\), but reading the task "
                  r"again shows OCP carried it out", ["RUNNING"]),
    ]
    try:
        run = run_cases(simulator, cases)
    finally:
        simulator.clear_faults()
    assert_play_ok(run)
    by_path = {}
    for entry in action_posts(simulator):
        by_path.setdefault(entry["path"], []).append((entry["status"], entry["fault"]))
    # One POST by the act (lost) and one by the second run, which found the action still needed.
    assert by_path[task_path(dropped["id"], "retry")] == [(0, "drop"), (200, None)]
    assert by_path[task_path(bad_gateway["id"], "rollback")] == [(502, "status:502"), (200, None)]
    # Carried out once; the second run saw it done and sent nothing.
    assert by_path[task_path(slow["id"], "retry")] == [(200, "after,latency:3000")]
    assert by_path[task_path(lost["id"], "rollback")] == [(0, "after,drop")]
    assert len(by_path) == 4


def test_bad_options_fail_before_any_request(simulator):
    simulator.clear_journal()
    common = {"api_url": simulator.url, "username": "admin", "password": "OcpSim-Admin-2026", "task_id": 1}
    for args, message in (({"action": "retry", "wait_timeout": -1}, r"wait_timeout must be 0 or more"),
                          ({"action": "retry", "wait_sleep": 0}, r"wait_sleep must be more than 0"),
                          ({"action": "restart"}, r"value of action must be one of: retry, rollback")):
        run = run_playbook("action_args.yml", {"module": "task", "module_args": {**common, **args}})
        assert_failed_with(run, message)
    assert simulator.journal() == []
