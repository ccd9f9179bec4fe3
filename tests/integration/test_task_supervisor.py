# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The oceanbase.ocp.task_supervisor role end to end, against the simulator with a fast clock:
its result variable, its JSON report, set_stats for AWX and the readable failure."""

from __future__ import annotations

import json
import re

import pytest

from action_helpers import CLUSTER_ID, FAULT_MESSAGE, action_posts, failed_task
from harness import ADMIN_USER, SECRETIVE_USER, basic_auth_vars, run_playbook

RETRY = {"name": "transient timeouts", "match": {"log": "ERROR 4012"}, "action": "retry", "max_attempts": 3}
SHOW_STATS = {"ANSIBLE_SHOW_CUSTOM_STATS": "1"}


def supervise(simulator, tmp_path, user=ADMIN_USER, **extra):
    result_path = tmp_path / "result.json"
    report_path = tmp_path / "report.json"
    extra_vars = dict(basic_auth_vars(simulator, user), result_path=str(result_path), report_path=str(report_path),
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
    assert re.search(rf"task {task['id']} 'Create tenant' (\([^)]*\) )?failed", run.output), run.output
    # ocp_task_wait's own explanation: the subtask, its description, and the cause from its log.
    assert re.search(r"subtask \d+ 'Create resource pool' \(Create the resource pool of tenant \w+\) failed: "
                     + re.escape(FAULT_MESSAGE), run.output), run.output
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
    # Nothing was acted on: writing the report is no change.
    assert re.search(r"localhost\s+: ok=\d+\s+changed=0\s", run.stdout), run.stdout


def test_filter_selects_the_tasks(fast_clock, tmp_path):
    simulator = fast_clock
    task = failed_task(simulator, failing_runs=(1, 1), name="Create tenant supervised by filter")
    run, result, _report = supervise(simulator, tmp_path,
                                     supervisor_filter={"name": "supervised by filter", "status": ["FAILED"],
                                                        "cluster_id": CLUSTER_ID, "sort": "id,desc"},
                                     supervisor_policy={"rules": [RETRY]})

    assert run.returncode == 0, run.output
    assert [(t["id"], t["outcome"]) for t in result["tasks"]] == [(task["id"], "succeeded")]


def test_a_filter_matching_nothing_says_so_and_succeeds(fast_clock, tmp_path):
    simulator = fast_clock
    no_match = {"name": "no task is named like this", "sort": "id,asc"}
    run, result, report = supervise(simulator, tmp_path, supervisor_filter=no_match)
    assert run.returncode == 0, run.output
    assert re.search(r"task_supervisor_filter .*no task is named like this.* matched no task in OCP: there is "
                     r"nothing\s+to supervise", run.output), run.output
    assert result["summary"]["total"] == 0 and report == result


def test_a_misspelt_variable_is_refused_before_anything_is_sent(simulator, tmp_path):
    # As an extra variable, so that it reaches the role without the test playbook naming it.
    run, _result, _report = supervise(simulator, tmp_path, supervisor_tasks=[1],
                                      task_supervisor_polcy={"rules": [RETRY]})
    assert run.returncode != 0
    assert re.search(r"The task_supervisor role does not know task_supervisor_polcy \(misspelt\?\); its\s+variables "
                     r"are .*task_supervisor_policy", run.output), run.output
    assert simulator.journal() == []


def test_a_wait_that_fails_still_writes_the_report_and_stats(fast_clock, tmp_path):
    """A viewer cannot retry: the supervision stops, and the role fails with its message as before,
    after writing what the wait returned."""
    simulator = fast_clock
    task = failed_task(simulator, failing_runs=(1, 1))
    run, result, report = supervise(simulator, tmp_path, user=SECRETIVE_USER, supervisor_tasks=[task["id"]],
                                    supervisor_policy={"rules": [RETRY]})

    assert run.returncode != 0
    assert "supervising the tasks stopped" in run.output and "TASK_MANAGER" in run.output
    assert report == result
    assert [entry["id"] for entry in report["tasks"]] == [task["id"]]
    assert "CUSTOM STATS" in run.stdout and "task_supervisor" in run.stdout.split("CUSTOM STATS", 1)[1]
