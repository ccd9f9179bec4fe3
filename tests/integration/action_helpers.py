# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the action modules' end-to-end tests share: tasks in known states, a controlled clock,
and reading the journal for the actions that were sent.

Tasks are created on cluster 2 / tenant 1003, so they never show up in the cluster-1 and
tenant-1002 lists that test_task_info.py checks.
"""

from __future__ import annotations

import re

import requests

from harness import ADMIN_USER, basic_auth_vars, run_playbook

CLUSTER_ID = 2
TENANT_ID = 1003
FAULT_MESSAGE = "ERROR 4012 (HY000): Timeout"


def create_tenant_task(simulator, faults=None, state="finished", **fields) -> dict:
    """A create_tenant task; with ``faults`` on its subtasks, e.g. failing "Create resource pool"."""
    return simulator.create_task("create_tenant", cluster_id=CLUSTER_ID, tenant_id=TENANT_ID, state=state,
                                 faults=faults or {}, **fields)


def failed_task(simulator, failing_runs=(1, 99), **fields) -> dict:
    """A FAILED task whose "Create resource pool" fails on runs ``failing_runs`` (inclusive)."""
    return create_tenant_task(simulator, {"Create resource pool": [
        {"fail_attempts": list(failing_runs), "message": FAULT_MESSAGE}]}, **fields)


def hanging_task(simulator) -> dict:
    """A RUNNING task whose "Create resource pool" runs until cancelled."""
    return create_tenant_task(simulator, {"Create resource pool": [{"hang": True}]}, state="running")


def subtask_id(task: dict, name: str) -> int:
    [match] = [subtask["id"] for subtask in task["subtasks"] if subtask["name"] == name]
    return match


def api_post(simulator, path: str) -> None:
    """Act through OCP's API directly, to put a task in a state (not the module under test)."""
    response = requests.post(simulator.url + path, auth=ADMIN_USER, timeout=30)
    response.raise_for_status()


def task_path(task_id: int, *rest) -> str:
    return "/".join(["/api/v2/tasks/instances", str(task_id), *map(str, rest)])


def action_posts(simulator) -> list[dict]:
    return [entry for entry in simulator.journal() if entry["method"] == "POST"]


def run_cases(simulator, cases: list[dict], user=ADMIN_USER):
    """Run action_cases.yml over ``cases``; the journal is cleared first."""
    simulator.clear_journal()
    return run_playbook("action_cases.yml", {**basic_auth_vars(simulator, user), "cases": cases})


def expected_posts(cases: list[dict]) -> list[str]:
    """The action POST each case must have sent exactly once: those expected to apply."""
    paths = []
    for case in cases:
        if case["decision"] != "apply" or case.get("fails"):
            continue
        args = case["args"]
        if case["module"] == "task":
            paths.append(task_path(args["task_id"], args["action"]))
        else:
            paths.append(task_path(args["task_id"], "subtasks", args["subtask_id"], args["action"]))
    return sorted(paths)


def assert_play_ok(run):
    assert run.returncode == 0, run.output
    assert re.search(r"localhost\s+: ok=\d+\s+changed=\d+\s+unreachable=0\s+failed=0", run.stdout), run.stdout
