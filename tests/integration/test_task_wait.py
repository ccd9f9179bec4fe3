# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""oceanbase.ocp.ocp_task_wait end to end: real ansible-playbook runs against the simulator,
with its clock fast so that retried and skipped subtasks finish in seconds.

What was sent is read from the simulator's journal, so "sent once" and "sent nothing" are
checked on the wire, not on the plugin's own report.
"""

from __future__ import annotations

import json
import re

import pytest

from action_helpers import FAULT_MESSAGE, action_posts, failed_task, hanging_task, subtask_id, task_path
from harness import SECRETIVE_USER, basic_auth_vars, run_playbook

# How OCP counts runs matters here: `make integration-every-run` runs it on the older runTime rule too.
pytestmark = pytest.mark.counting

POOL = "Create resource pool"
RETRY_TIMEOUTS = {"name": "transient timeouts", "match": {"log": "ERROR 4012"}, "action": "retry",
                  "max_attempts": 2}
SKIP_POOL = {"name": "pool is optional", "match": {"subtask_name": "resource pool"}, "action": "skip"}


def wait(simulator, tmp_path, tasks, check=False, env=None, connection=None, verbosity=0, diff=False, **options):
    """Run task_wait.yml; the ansible-playbook run and the plugin's registered result."""
    result_path = tmp_path / "result.json"
    extra_vars = dict(basic_auth_vars(simulator) if connection is None else connection,
                      wait_tasks=tasks, result_path=str(result_path))
    extra_vars.update(("wait_" + key if key in ("policy",) else key, value) for key, value in options.items())
    simulator.clear_journal()
    run = run_playbook("task_wait.yml", extra_vars, env=env, check=check, verbosity=verbosity, diff=diff)
    assert run.returncode == 0, run.output
    assert "Traceback" not in run.output
    return run, json.loads(result_path.read_text())


@pytest.mark.core_matrix
def test_transient_failure_is_retried_to_success(fast_clock, tmp_path):
    simulator = fast_clock
    task = failed_task(simulator, failing_runs=(1, 1))
    # As a task-starting call returns it: an envelope's data.
    run, result = wait(simulator, tmp_path, [{"data": task}], policy={"rules": [RETRY_TIMEOUTS]},
                       progress_interval=0.5)

    assert result["failed"] is False and result["changed"] is True, result
    [outcome] = result["tasks"]
    assert outcome["outcome"] == "succeeded"
    [action] = outcome["actions"]
    assert (action["action"], action["rule_name"], action["attempt"], action["result"]) == \
        ("retry", "transient timeouts", 2, "sent")
    assert [entry["path"] for entry in action_posts(simulator)] == \
        [task_path(task["id"], "subtasks", subtask_id(task, POOL), "retry")]
    # Progress reaches ansible-playbook's output: the start, the action and periodic lines.
    assert f"ocp_task_wait: waiting for 1 task(s): {task['id']}" \
        in run.stdout
    assert f"task {task['id']}: sent retry of subtask" in run.stdout


def test_permanent_failure_is_skipped_when_allowed_after_retries_give_up(fast_clock, tmp_path):
    simulator = fast_clock
    task = failed_task(simulator)
    _run, result = wait(simulator, tmp_path, [task["id"]], policy={"rules": [RETRY_TIMEOUTS, SKIP_POOL]})

    [outcome] = result["tasks"]
    assert outcome["outcome"] == "succeeded", result
    assert [(a["action"], a["rule_index"]) for a in outcome["actions"]] == [("retry", 0), ("skip", 1)]
    pool = subtask_id(task, POOL)
    assert [entry["path"] for entry in action_posts(simulator)] == [
        task_path(task["id"], "subtasks", pool, "retry"), task_path(task["id"], "subtasks", pool, "skip")]


def test_never_skip_guard_stops_the_skip_and_fails_the_task(fast_clock, tmp_path):
    simulator = fast_clock
    task = failed_task(simulator, failing_runs=(1, 99))
    policy = {"rules": [SKIP_POOL], "never_skip": ["^Create resource pool$"]}
    _run, result = wait(simulator, tmp_path, [task], policy=policy)

    assert result["failed"] is True and result["changed"] is False
    assert "1 of 1 task(s) did not succeed" in result["msg"]
    assert "never_skip" in result["msg"]
    [outcome] = result["tasks"]
    assert outcome["outcome"] == "failed"
    assert outcome["failed_subtasks"][0]["name"] == POOL
    assert any(FAULT_MESSAGE in line for line in outcome["failed_subtasks"][0]["log_excerpt"])
    assert action_posts(simulator) == []


@pytest.mark.core_matrix
def test_check_mode_reports_the_plan_and_sends_nothing(fast_clock, tmp_path):
    simulator = fast_clock
    task = failed_task(simulator)
    # A viewer, with the connection from the controller's OCP_* environment, at -vvv: its
    # password must not show anywhere.
    env = {"OCP_URL": simulator.url, "OCP_USERNAME": SECRETIVE_USER[0], "OCP_PASSWORD": SECRETIVE_USER[1]}
    run, result = wait(simulator, tmp_path, [task["id"]], check=True, env=env, connection={},
                       policy={"rules": [RETRY_TIMEOUTS]}, verbosity=3, diff=True)

    # Changed: actions would be sent (as the action modules say in check mode).
    assert result["changed"] is True and result["summary"]["unfinished"] == 1
    assert result["summary"]["actions_would_send"] == 1
    [outcome] = result["tasks"]
    assert [(a["action"], a["result"]) for a in outcome["actions"]] == [("retry", "would_send")]
    assert action_posts(simulator) == []
    assert [entry["method"] for entry in simulator.journal()].count("GET") >= 1
    assert SECRETIVE_USER[1] not in run.output
    # --diff shows the subtask's state before the retry and what OCP would set.
    [diff] = result["diff"]
    assert f"subtask {subtask_id(task, POOL)} 'Create resource pool': FAILED/EXECUTE" in diff["before"]
    assert f"subtask {subtask_id(task, POOL)} 'Create resource pool': READY/RETRY" in diff["after"]
    # ansible-playbook prints it as a unified diff.
    assert "--- before: task %d, retry of subtask" % task["id"] in run.stdout, run.stdout
    # The progress says what would be done, and counts the FAILED task as failed, not running.
    assert f"ocp_task_wait: task {task['id']}: would retry subtask {subtask_id(task, POOL)}" in run.stdout
    assert re.search(r"ocp_task_wait: checked \(check mode, nothing sent\) after \d+s: 0 running, 0 succeeded, "
                     r"1 failed, 0 rolled back, 1 action\(s\) would be sent", run.stdout), run.stdout


def test_timeout_reports_timed_out(fast_clock, tmp_path):
    simulator = fast_clock
    task = hanging_task(simulator)
    run, result = wait(simulator, tmp_path, [task["id"]], wait_timeout=2, fail_when_unsuccessful=False,
                       progress_interval=0.5)

    assert result.get("failed") is False
    assert result["summary"]["timed_out"] == 1
    assert result["tasks"][0]["outcome"] == "timed_out"
    assert 2 <= result["elapsed"] < 10
    assert action_posts(simulator) == []
    # Periodic progress lines name the task, its status and how far it got.
    periodic = re.findall(r"ocp_task_wait: after \d+s: 1 running, .*task %d 'Create tenant' RUNNING \d+/7"
                          % task["id"], run.stdout)
    assert len(periodic) >= 2, run.stdout
    # The end says it timed out, what still runs and for how long; so does the result.
    [timed_out] = result["tasks"]
    assert timed_out["status"] == "RUNNING"
    [hung] = [s for s in timed_out["running_subtasks"] if s["name"] == POOL]
    assert hung["status"] == "RUNNING" and hung["running_for"] > 0
    assert re.search(r"ocp_task_wait: timed out after \d+s with 1 task\(s\) unfinished \(.*\): task %d 'Create "
                     r"tenant' still RUNNING \('Create resource pool' running for \d+m\d\ds\)" % task["id"],
                     run.stdout), run.stdout
    assert "nothing left to wait for" not in run.stdout


def test_invalid_policy_fails_before_any_request(fast_clock, tmp_path):
    simulator = fast_clock
    _run, result = wait(simulator, tmp_path, [1], policy={"rules": [{"action": "explode"}]})
    assert result["failed"] is True
    assert "invalid policy: rules[0] key action must be one of" in result["msg"]
    assert simulator.journal() == []
