# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The task_supervisor role's report on paths where something goes wrong: a report path that
cannot be written costs neither the set_stats outcome (which AWX workflows and rulebooks act on)
nor the readable failure; a supervision that fails records the kind of error in set_stats, as
numbers and words only."""

from __future__ import annotations

import json
import re

import pytest

from action_helpers import failed_task
from harness import ADMIN_USER, SECRETIVE_USER, basic_auth_vars, run_playbook

RETRY = {"name": "transient timeouts", "match": {"log": "ERROR 4012"}, "action": "retry", "max_attempts": 3}


def stats_of(run) -> dict:
    """The task_supervisor data of the play recap's CUSTOM STATS (ANSIBLE_SHOW_CUSTOM_STATS)."""
    recap = run.stdout.split("CUSTOM STATS", 1)[1]
    return json.loads(re.search(r"RUN: (\{.*\})", recap, flags=re.S).group(1))["task_supervisor"]


def supervise(simulator, tmp_path, user=ADMIN_USER, report_path=None, **extra):
    # A directory where a file should be: no report can be written there, not even by root.
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    report_path = str(blocker / "report.json") if report_path is None else report_path
    extra_vars = dict(basic_auth_vars(simulator, user), result_path=str(tmp_path / "result.json"),
                      report_path=report_path, **extra)
    run = run_playbook("task_supervisor.yml", extra_vars, env={"ANSIBLE_SHOW_CUSTOM_STATS": "1"})
    assert "Traceback" not in run.output
    return run, blocker / "report.json"


# Report paths no report can be written to, and the reason the failure must give for each.
UNUSABLE_REPORT_PATHS = {
    "missing directory": (lambda tmp_path: str(tmp_path / "no-such-directory" / "report.json"), "does not exist"),
    "a directory": (str, "dir"),
    "a list": (lambda tmp_path: [str(tmp_path / "report.json")], "task_supervisor_report_path must be a path, not a list"),
    "a mapping": (lambda tmp_path: {"path": "report.json"}, "task_supervisor_report_path must be a path, not a mapping"),
}
# (A number is no such case: ansible-core 2.16's argument spec makes it a relative path, "5".)


@pytest.mark.core_matrix
def test_an_unwritable_report_costs_neither_the_stats_nor_the_readable_failure(fast_clock, tmp_path):
    simulator = fast_clock
    task = failed_task(simulator)
    run, report = supervise(simulator, tmp_path, supervisor_tasks=[task["id"]])

    assert run.returncode != 0 and not report.exists()
    output = run.unwrapped_output
    assert "1 of 1 task(s) did not succeed" in output
    assert re.search(rf"task {task['id']} 'Create tenant' \(tenant \S+ in cluster \S+\) failed", output), output
    assert f"the report could not be written to {report}" in output
    stats = stats_of(run)
    assert stats["outcomes"] == [{"id": task["id"], "outcome": "failed", "actions": 0}]
    assert stats["summary"]["failed"] == 1 and "error" not in stats


@pytest.mark.parametrize("case", sorted(UNUSABLE_REPORT_PATHS))
def test_no_report_path_costs_the_stats_or_the_readable_failure(fast_clock, tmp_path, case):
    """Every way a report path can be unusable: set_stats is recorded all the same, and the play
    fails with the wait's explanation, saying the report could not be written and why."""
    simulator = fast_clock
    task = failed_task(simulator)
    path_of, why = UNUSABLE_REPORT_PATHS[case]
    run, _report = supervise(simulator, tmp_path, supervisor_tasks=[task["id"]], report_path=path_of(tmp_path))

    assert run.returncode != 0
    output = run.unwrapped_output
    assert "1 of 1 task(s) did not succeed" in output and "the report could not be written to " in output, run.output
    assert re.search(r"the report could not be written to .*: .*" + re.escape(why), output), run.output
    assert stats_of(run)["outcomes"] == [{"id": task["id"], "outcome": "failed", "actions": 0}]
    assert json.loads((tmp_path / "result.json").read_text())["summary"]["failed"] == 1


def test_a_null_report_path_writes_no_report_and_costs_nothing(fast_clock, tmp_path):
    """A null path (a variable set to nothing) is no report asked for, as an empty one: it must not
    break the role's bookkeeping (a condition that cannot be evaluated skipped set_stats)."""
    simulator = fast_clock
    task = failed_task(simulator, failing_runs=(1, 1))
    extra_vars = dict(basic_auth_vars(simulator), result_path=str(tmp_path / "result.json"), report_path=None,
                      supervisor_tasks=[task["id"]], supervisor_policy={"rules": [RETRY]})
    run = run_playbook("task_supervisor.yml", extra_vars, env={"ANSIBLE_SHOW_CUSTOM_STATS": "1"})

    assert run.returncode == 0, run.output
    assert "could not be written" not in run.output and "1 of 1 task(s) succeeded" in run.output
    assert stats_of(run)["outcomes"] == [{"id": task["id"], "outcome": "succeeded", "actions": 1}]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["result.json"]


def test_an_unwritable_report_fails_a_supervision_that_succeeded_and_says_so(fast_clock, tmp_path):
    simulator = fast_clock
    task = failed_task(simulator, failing_runs=(1, 1))
    run, report = supervise(simulator, tmp_path, supervisor_tasks=[task["id"]], supervisor_policy={"rules": [RETRY]})

    assert run.returncode != 0 and not report.exists()
    assert re.search(r"The supervision ended \(1 of 1 task\(s\) succeeded\), but its report could not be written to "
                     + re.escape(str(report)), run.unwrapped_output), run.output
    assert stats_of(run)["outcomes"] == [{"id": task["id"], "outcome": "succeeded", "actions": 1}]


def test_a_supervision_that_fails_records_the_kind_of_error(fast_clock, tmp_path):
    """A viewer cannot retry: the role fails with the wait's message, and set_stats says why in words."""
    simulator = fast_clock
    task = failed_task(simulator, failing_runs=(1, 1))
    run, _report = supervise(simulator, tmp_path, user=SECRETIVE_USER, supervisor_tasks=[task["id"]],
                             supervisor_policy={"rules": [RETRY]})

    assert run.returncode != 0
    assert "supervising the tasks stopped" in run.output and "TASK_MANAGER" in run.output
    stats = stats_of(run)
    assert stats["error"] == {"kind": "permission_denied", "status": 403}
    assert [row["id"] for row in stats["outcomes"]] == [task["id"]]
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["error"]["kind"] == "permission_denied" and "TASK_MANAGER" in result["error"]["msg"]
