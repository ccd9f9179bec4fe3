# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retry limits count what OCP records (issue 11), journal-counted through ansible-playbook.

In OCP's engine a subtask retry leaves ``runTime`` unchanged; only a task retry and OCP's own
automatic retry add 1 (docs/ocp-behaviour.md#task-and-subtask-states; the simulator follows OCP Express). An attempt is a run as the
subtask's log records it, so the limits hold whichever way the server counts: `make test` runs
this module against both (``OCP_SIMULATOR_RUN_TIME_COUNTING=every_run`` for the older rule).
"""

from __future__ import annotations

import json

import pytest

from action_helpers import FAULT_MESSAGE, failed_task, subtask_id, task_path
from harness import basic_auth_vars, run_playbook

POOL = "Create resource pool"

pytestmark = pytest.mark.counting


def accepted_posts(simulator, path):
    return [entry for entry in simulator.journal()
            if entry["method"] == "POST" and entry["path"] == path and entry["status"] == 200]


def wait(simulator, tmp_path, tasks, policy, name="result", **options):
    result_path = tmp_path / (name + ".json")
    run = run_playbook("task_wait.yml", dict(basic_auth_vars(simulator), wait_tasks=tasks, wait_policy=policy,
                                             fail_when_unsuccessful=False, result_path=str(result_path), **options))
    assert run.returncode == 0 and "Traceback" not in run.output, run.output
    return json.loads(result_path.read_text())


def test_max_attempts_2_on_a_subtask_that_always_fails_sends_one_retry_and_ends_failed_at_once(fast_clock, tmp_path):
    simulator = fast_clock
    task = failed_task(simulator)  # fails on every run
    retry_path = task_path(task["id"], "subtasks", subtask_id(task, POOL), "retry")
    simulator.clear_journal()
    policy = {"rules": [{"match": {"log": "ERROR 4012"}, "action": "retry", "max_attempts": 2}]}
    result = wait(simulator, tmp_path, [task["id"]], policy, wait_timeout=300)
    assert len(accepted_posts(simulator, retry_path)) == 1
    [outcome] = result["tasks"]
    assert outcome["outcome"] == "failed" and "allows 2 attempt(s)" in outcome["decisions"][0]["reason"]
    assert outcome["failed_subtasks"][0]["attempts"] == 2
    assert FAULT_MESSAGE in outcome["failed_subtasks"][0]["cause"]
    assert result["elapsed"] < 60  # at once, not at the 300 s timeout


def test_two_runs_one_after_the_other_send_max_attempts_minus_one_retries_in_all(fast_clock, tmp_path):
    simulator = fast_clock
    task = failed_task(simulator)
    retry_path = task_path(task["id"], "subtasks", subtask_id(task, POOL), "retry")
    policy = {"rules": [{"match": {"subtask_name": POOL}, "action": "retry", "max_attempts": 3}]}
    simulator.clear_journal()
    first = wait(simulator, tmp_path, [task["id"]], policy, name="first")
    second = wait(simulator, tmp_path, [task["id"]], policy, name="second")
    assert len(accepted_posts(simulator, retry_path)) == 2
    assert len(first["tasks"][0]["actions"]) == 2 and second["tasks"][0]["actions"] == []


def test_a_subtask_ocp_retried_itself_gets_only_the_retries_left(fast_clock, tmp_path):
    # "Upgrade observers in zone2" has retryCount 1: OCP runs it twice before the task fails.
    simulator = fast_clock
    task = simulator.create_task("upgrade_cluster", cluster_id=1, state="finished", faults={
        "Upgrade observers in zone2": [{"fail_attempts": [1, 99], "message": FAULT_MESSAGE}]})
    zone2 = subtask_id(task, "Upgrade observers in zone2")
    retry_path = task_path(task["id"], "subtasks", zone2, "retry")
    simulator.clear_journal()
    policy = {"rules": [{"match": {"subtask_name": "^Upgrade observers"}, "action": "retry", "max_attempts": 3}]}
    result = wait(simulator, tmp_path, [task["id"]], policy)
    assert len(accepted_posts(simulator, retry_path)) == 1
    [outcome] = result["tasks"]
    assert [action["attempt"] for action in outcome["actions"]] == [3]
    assert outcome["failed_subtasks"][0]["attempts"] == 3
