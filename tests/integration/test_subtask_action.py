# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""oceanbase.ocp.ocp_subtask_action end to end: every row of the legal-action table for subtask
cancel, retry and skip (check mode -> act -> verify with ocp_task_info -> run again), selection
by name, and waits that end in each outcome (with ocp_task_action too)."""

from __future__ import annotations

import pytest

from action_helpers import (
    CLUSTER_ID,
    action_posts,
    api_post,
    assert_play_ok,
    create_tenant_task,
    expected_posts,
    failed_task,
    hanging_task,
    run_cases,
    subtask_id,
    task_path,
)
from harness import ADMIN_USER, assert_failed_with, basic_auth_vars, run_playbook

# How OCP counts runs matters here: `make integration-every-run` runs it on the older runTime rule too.
pytestmark = pytest.mark.counting

POOL = "Create resource pool"


def subtask_case(name, task, subtask_name, action, decision, message, subtask_status, by_name=None, **expect):
    """A case acting on ``subtask_name`` of ``task``, given by id, or by name when ``by_name``
    is 'exact' or 'regex' (the name then being a regular expression matching it)."""
    args = dict(task_id=task["id"], action=action)
    if by_name:
        pattern = subtask_name if by_name == "exact" else "^%s$" % subtask_name.replace(" ", r"\s")
        args.update(subtask_name=pattern, subtask_name_match=by_name)
    else:
        args.update(subtask_id=subtask_id(task, subtask_name))
    expect.setdefault("task_status", ["RUNNING", "FAILED", "SUCCESSFUL"])
    return dict(name=name, module="subtask", args=args, decision=decision, message=message,
                subtask_status=subtask_status, expect_subtask_id=subtask_id(task, subtask_name), **expect)


def failed_during_rollback(simulator) -> dict:
    task = create_tenant_task(simulator, {POOL: [{"fail_attempts": [1, 99]}, {"fail_rollback": True}]})
    api_post(simulator, task_path(task["id"], "rollback"))
    return task


def test_every_row_of_the_subtask_action_table(frozen_clock):
    simulator = frozen_clock
    rollback_failed = [failed_during_rollback(simulator) for _copy in range(2)]
    simulator.set_clock(advance_seconds=300)  # let both rollbacks fail, then stop time again
    failed = failed_task(simulator)  # acted on only by cases that change nothing
    running = hanging_task(simulator)

    cases = [
        subtask_case("cancel RUNNING", hanging_task(simulator), POOL, "cancel", "apply", r"is RUNNING, so OCP cancels",
                     ["CANCELING"], task_status=["RUNNING"]),
        subtask_case("cancel FAILED", failed, POOL, "cancel", "already_done", r"already finished \(FAILED/EXECUTE\)",
                     ["FAILED"]),
        subtask_case("cancel SUCCESSFUL", failed, "Check tenant parameters", "cancel", "already_done",
                     r"already finished \(SUCCESSFUL", ["SUCCESSFUL"]),
        subtask_case("cancel PENDING", failed, "Create tenant", "cancel", "not_applicable",
                     r"PENDING/EXECUTE, not running; OCP cancels only RUNNING", ["PENDING"]),
        dict(subtask_case("cancel PENDING, strict", failed, "Create tenant", "cancel", "not_applicable",
                          r"failing because fail_when_not_applicable is set", ["PENDING"], fails=True),
             args=dict(task_id=failed["id"], subtask_id=subtask_id(failed, "Create tenant"), action="cancel",
                       fail_when_not_applicable=True)),
        subtask_case("retry FAILED, by exact name", failed_task(simulator), POOL, "retry", "apply",
                     r"is FAILED .*so OCP runs it again", ["READY"], by_name="exact", subtask_operation=["RETRY"],
                     task_status=["RUNNING"]),
        subtask_case("retry SUCCESSFUL", failed, "Check tenant parameters", "retry", "already_done",
                     r"already succeeded", ["SUCCESSFUL"]),
        subtask_case("retry PENDING", failed, "Create tenant", "retry", "not_applicable",
                     r"OCP retries only FAILED subtasks", ["PENDING"]),
        subtask_case("retry RUNNING first run", running, POOL, "retry", "not_applicable",
                     r"RUNNING/EXECUTE; OCP retries only FAILED", ["RUNNING"]),
        subtask_case("retry failed during rollback", rollback_failed[0], POOL, "retry", "impossible",
                     r"failed while rolling back \(FAILED/ROLLBACK, task FAILED/ROLLBACK\)", ["FAILED"], fails=True),
        subtask_case("skip FAILED, by regex", failed_task(simulator), POOL, "skip", "apply", r"so OCP skips it",
                     ["READY"], by_name="regex", subtask_operation=["SKIP"], task_status=["RUNNING"]),
        subtask_case("skip failed during rollback", rollback_failed[1], POOL, "skip", "apply", r"so OCP skips it",
                     ["READY"], subtask_operation=["ROLLBACK_SKIP"], task_status=["RUNNING"]),
        subtask_case("skip SUCCESSFUL", failed, "Check tenant parameters", "skip", "already_done",
                     r"already succeeded; nothing to skip", ["SUCCESSFUL"]),
        subtask_case("skip RUNNING", running, POOL, "skip", "not_applicable", r"OCP skips only FAILED subtasks",
                     ["RUNNING"]),
        subtask_case("skip PENDING", failed, "Create tenant", "skip", "not_applicable",
                     r"OCP skips only FAILED subtasks", ["PENDING"]),
    ]
    run = run_cases(simulator, cases)

    assert_play_ok(run)
    for case in cases:  # name-selected cases carry the id for expected_posts
        case["args"].setdefault("subtask_id", case["expect_subtask_id"])
    assert sorted(entry["path"] for entry in action_posts(simulator)) == expected_posts(cases)
    assert {entry["status"] for entry in action_posts(simulator)} == {200}


def per_host_task(simulator) -> dict:
    # Hosts 1 and 2 give per-host subtasks two branches each (same name, the host in the description).
    return simulator.create_task("create_cluster", cluster_id=CLUSTER_ID, host_ids=[1, 2], state="finished",
                                 faults={"Install OceanBase package": [{"fail_attempts": [1, 99]}]})


def test_a_name_matching_several_or_no_subtasks_fails_and_lists_them(frozen_clock):
    simulator = frozen_clock
    task = per_host_task(simulator)
    install_ids = [s["id"] for s in task["subtasks"] if s["name"] == "Install OceanBase package"]
    assert len(install_ids) == 2
    connection = {"api_url": simulator.url, "username": ADMIN_USER[0], "password": ADMIN_USER[1]}
    simulator.clear_journal()

    several = run_playbook("action_args.yml", {"module": "subtask", "module_args": {
        **connection, "task_id": task["id"], "subtask_name": "Install OceanBase package", "action": "retry"}})
    assert_failed_with(several, r"2 subtasks of task \d+ 'Create cluster' are named 'Install OceanBase package'",
                       *[r"subtask %d 'Install OceanBase package' \(FAILED/RETRY\): Install oceanbase-ce on host "
                         r"10\.0\.0\.\d" % subtask for subtask in install_ids], r"give subtask_description as well")

    none = run_playbook("action_args.yml", {"module": "subtask", "module_args": {
        **connection, "task_id": task["id"], "subtask_name": "install", "subtask_name_match": "regex",
        "action": "skip"}})
    assert_failed_with(none, r"no subtask of task \d+ 'Create cluster' have a name matching the regular expression "
                             r"'install'; its subtask names are: 'Bootstrap cluster'")
    assert action_posts(simulator) == []


def test_a_per_host_subtask_is_picked_by_its_description(frozen_clock):
    simulator = frozen_clock
    task = per_host_task(simulator)
    [on_host_2] = [s["id"] for s in task["subtasks"]
                   if s["name"] == "Install OceanBase package" and s["description"].endswith(" 10.0.0.2")]
    connection = {"api_url": simulator.url, "username": ADMIN_USER[0], "password": ADMIN_USER[1]}
    simulator.clear_journal()

    run = run_playbook("action_args.yml", {"module": "subtask", "module_args": {
        **connection, "task_id": task["id"], "subtask_name": "Install OceanBase package",
        "subtask_description": r"host 10\.0\.0\.2$", "subtask_description_match": "regex", "action": "skip"}})
    assert run.returncode == 0, run.output
    assert [entry["path"] for entry in action_posts(simulator)] == [
        "/api/v2/tasks/instances/%d/subtasks/%d/skip" % (task["id"], on_host_2)]

    simulator.clear_journal()
    unknown_host = run_playbook("action_args.yml", {"module": "subtask", "module_args": {
        **connection, "task_id": task["id"], "subtask_name": "Install OceanBase package",
        "subtask_description": "Install oceanbase-ce on host 10.0.0.9", "action": "skip"}})
    assert_failed_with(unknown_host, r"those whose name matches are: subtask \d+ 'Install OceanBase package' "
                                     r"\(\w+/\w+\): Install oceanbase-ce on host 10\.0\.0\.1")
    assert action_posts(simulator) == []


def test_a_subtask_id_of_another_task_is_refused(frozen_clock):
    # OCP itself would act on it: its subtask endpoints do not check the task id.
    simulator = frozen_clock
    mine, other = failed_task(simulator), failed_task(simulator)
    simulator.clear_journal()
    run = run_playbook("action_args.yml", {"module": "subtask", "module_args": {
        "api_url": simulator.url, "username": ADMIN_USER[0], "password": ADMIN_USER[1],
        "task_id": mine["id"], "subtask_id": subtask_id(other, POOL), "action": "skip"}})
    assert_failed_with(run, r"task %d 'Create tenant' has no subtask with id %d" % (mine["id"], subtask_id(other, POOL)))
    assert action_posts(simulator) == []


@pytest.mark.core_matrix
def test_waits_end_in_each_outcome(fast_clock):
    simulator = fast_clock
    tasks = dict(
        retry_ok_task=failed_task(simulator, failing_runs=(1, 1)),
        retry_fails_task=failed_task(simulator, failing_runs=(1, 2)),
        rollback_task=failed_task(simulator),
        hanging_task=hanging_task(simulator),
        skip_task=failed_task(simulator),
        cancel_task=hanging_task(simulator),
    )
    variables = dict(basic_auth_vars(simulator), skip_subtask_name=POOL, cancel_subtask_name="resource pool$",
                     **{key: task["id"] for key, task in tasks.items()})
    simulator.clear_journal()

    run = run_playbook("action_waits.yml", variables)

    assert_play_ok(run)
    # One action per step, except the timed-out wait on a task already running.
    assert sorted(entry["path"] for entry in action_posts(simulator)) == sorted([
        task_path(tasks["retry_ok_task"]["id"], "retry"),
        task_path(tasks["retry_fails_task"]["id"], "retry"),
        task_path(tasks["rollback_task"]["id"], "rollback"),
        task_path(tasks["skip_task"]["id"], "subtasks", subtask_id(tasks["skip_task"], POOL), "skip"),
        task_path(tasks["cancel_task"]["id"], "subtasks", subtask_id(tasks["cancel_task"], POOL), "cancel"),
    ])
