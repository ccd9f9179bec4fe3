# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The oceanbase.ocp.task_supervisor role end to end, against the simulator with a fast clock:
its result variable, its JSON report, set_stats for AWX and the readable failure."""

from __future__ import annotations

import json

import pytest

from action_helpers import CLUSTER_ID, FAULT_MESSAGE, action_posts, failed_task
from harness import ADMIN_USER, basic_auth_vars, run_playbook

RETRY = {"name": "transient timeouts", "match": {"log": "ERROR 4012"}, "action": "retry", "max_attempts": 3}
SHOW_STATS = {"ANSIBLE_SHOW_CUSTOM_STATS": "1"}


def supervise(simulator, tmp_path, **extra):
    result_path = tmp_path / "result.json"
    report_path = tmp_path / "report.json"
    extra_vars = dict(basic_auth_vars(simulator), result_path=str(result_path), report_path=str(report_path),
                      **extra)
    simulator.clear_journal()
    run = run_playbook("task_supervisor.yml", extra_vars, env=SHOW_STATS)
    assert "Traceback" not in run.output
    report = json.loads(report_path.read_text()) if report_path.exists() else None
    return run, json.loads(result_path.read_text()), report


@pytest.mark.core_matrix
def test_retried_task_succeeds_with_result_report_and_stats(fast_clock, tmp_path):
    simulator = fast_clock
    task = failed_task(simulator, failing_runs=(1, 1))
    run, result, report = supervise(simulator, tmp_path, supervisor_tasks=[{"data": task}],
                                    supervisor_policy={"rules": [RETRY]})

    assert run.returncode == 0, run.output
    assert result["summary"]["succeeded"] == 1 and result["summary"]["total"] == 1, result
    assert result["failed_tasks"] == []
    [outcome] = result["tasks"]
    assert outcome["id"] == task["id"] and outcome["outcome"] == "succeeded"
    assert [(a["action"], a["rule_name"]) for a in outcome["actions"]] == [("retry", "transient timeouts")]
    # The report is the result variable, and holds no credentials.
    assert report == result
    assert ADMIN_USER[1] not in json.dumps(report).replace('"admin"', "")
    assert "password" not in json.dumps(report)
    # set_stats reaches the play recap for AWX.
    assert "CUSTOM STATS" in run.stdout
    assert "task_supervisor" in run.stdout.split("CUSTOM STATS", 1)[1]
    assert '"succeeded": 1' in run.stdout.split("CUSTOM STATS", 1)[1]


def test_unsuccessful_task_fails_the_play_readably(fast_clock, tmp_path):
    simulator = fast_clock
    task = failed_task(simulator)
    run, result, report = supervise(simulator, tmp_path, supervisor_tasks=[task["id"]])

    assert run.returncode != 0
    assert "1 of 1 task(s) did not succeed" in run.output
    assert f"task {task['id']} 'Create tenant' failed" in run.output
    assert "subtask 'Create resource pool' failed" in run.output
    assert FAULT_MESSAGE in run.output
    assert result["summary"]["failed"] == 1
    assert [t["id"] for t in result["failed_tasks"]] == [task["id"]]
    assert report == result
    assert "CUSTOM STATS" in run.stdout
    assert action_posts(simulator) == []


def test_unsuccessful_task_is_reported_without_failing_when_told(fast_clock, tmp_path):
    simulator = fast_clock
    task = failed_task(simulator)
    run, result, _report = supervise(simulator, tmp_path, supervisor_tasks=[task["id"]], fail_on_unsuccessful=False)

    assert run.returncode == 0, run.output
    assert result["failed_tasks"][0]["outcome"] == "failed"


def test_filter_selects_the_tasks(fast_clock, tmp_path):
    simulator = fast_clock
    task = failed_task(simulator, failing_runs=(1, 1), name="Create tenant supervised by filter")
    run, result, _report = supervise(simulator, tmp_path,
                                     supervisor_filter={"name": "supervised by filter", "status": ["FAILED"],
                                                        "cluster_id": CLUSTER_ID},
                                     supervisor_policy={"rules": [RETRY]})

    assert run.returncode == 0, run.output
    assert [(t["id"], t["outcome"]) for t in result["tasks"]] == [(task["id"], "succeeded")]
