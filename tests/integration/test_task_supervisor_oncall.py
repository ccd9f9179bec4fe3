# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What on-call reads (issue 22), through ansible-playbook against the simulator's default scenario:
check mode that reports and writes the report, a rolled-back task explained with its cause and its
object, one rule model, a refused action in the report, OCP_* variables named in errors, few banners."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from pathlib import Path

import ocp_simulator
import pytest

from harness import PLAYBOOKS, basic_auth_vars, playbook_env, run_playbook, start_simulator

DEFAULT_SCENARIO = Path(ocp_simulator.__file__).parent / "scenarios" / "default.yaml"
# The default scenario's failed tenant creation: "Create resource pool" failed with ERROR 4733 for t_report.
FAILED_TENANT_TASK = 1004
VIEWER = ("viewer", "OcpSim-Viewer-2026")
RETRY_POOL = {"name": "pool again", "match": {"subtask_name": "resource pool"}, "action": "retry"}
SKIP_POOL = {"name": "skip pools", "match": {"subtask_name": "resource pool"}, "action": "skip"}
ROLLBACK_ANYTHING = {"name": "anything else", "action": "rollback"}
ROLE_BANNER = re.compile(r"^TASK \[oceanbase\.ocp\.task_supervisor : ", re.M)


@pytest.fixture
def default_ocp(tmp_path):
    """A simulator of its own on the default scenario, fast, since the tests act on task 1004."""
    (tmp_path / "sim").mkdir()
    simulator = start_simulator(tmp_path / "sim", False, DEFAULT_SCENARIO, speed=50.0)
    yield simulator
    simulator.process.terminate()
    simulator.process.wait(timeout=30)


def supervise(simulator, tmp_path, user=("admin", "OcpSim-Admin-2026"), check=False, env=None, **extra):
    (tmp_path / "out").mkdir(exist_ok=True)
    extra_vars = dict(basic_auth_vars(simulator, user), result_path=str(tmp_path / "out" / "result.json"),
                      report_path=str(tmp_path / "out" / "report.json"), **extra)
    run = run_playbook("task_supervisor.yml", extra_vars, check=check,
                       env=dict({"ANSIBLE_SHOW_CUSTOM_STATS": "1"}, **(env or {})))
    assert "Traceback" not in run.output, run.output
    report_path = tmp_path / "out" / "report.json"
    report = json.loads(report_path.read_text()) if report_path.exists() else None
    return run, report


def stats_of(run) -> dict:
    recap = run.stdout.split("CUSTOM STATS", 1)[1]
    return json.loads(re.search(r"RUN: (\{.*\})", recap, flags=re.S).group(1))["task_supervisor"]


def test_check_mode_reports_what_it_would_do_and_writes_the_report(default_ocp, tmp_path):
    run, report = supervise(default_ocp, tmp_path, check=True, supervisor_tasks=[FAILED_TENANT_TASK],
                            supervisor_policy={"rules": [RETRY_POOL]})
    output = run.unwrapped_output
    assert run.returncode == 0, run.output
    assert "the wait did not run" not in output
    assert "check mode, nothing sent" in output and "would retry of subtask" not in output
    assert re.search(r"would retry subtask \d+ 'Create resource pool'", output), output
    assert report is not None and report["check_mode"] is True
    [task] = report["tasks"]
    assert [(a["action"], a["result"]) for a in task["actions"]] == [("retry", "would_send")]
    assert task["objects"] == {"tenant": "t_report", "cluster": "obcluster"}
    assert stats_of(run)["outcomes"][0]["would"] == ["retry"] and stats_of(run)["check_mode"] is True
    # Nothing was sent.
    assert not [entry for entry in default_ocp.journal() if entry["method"] == "POST"]


def test_check_mode_says_what_never_skip_would_leave_failed(default_ocp, tmp_path):
    run, report = supervise(default_ocp, tmp_path, check=True, supervisor_tasks=[FAILED_TENANT_TASK],
                            supervisor_policy={"rules": [SKIP_POOL], "never_skip": ["resource pool"]})
    output = run.unwrapped_output
    assert run.returncode == 0, run.output
    assert "would leave it failed: no rule applies to subtask" in output
    assert "never_skip 'resource pool' forbids skipping it" in output
    assert "ERROR 4733" in output and "tenant t_report in cluster obcluster" in output
    assert report["tasks"][0]["decisions"] and report["check_mode"] is True


def test_a_forbidden_skip_passes_to_the_catch_all_rollback_and_the_message_says_why(default_ocp, tmp_path):
    run, report = supervise(default_ocp, tmp_path, supervisor_tasks=[FAILED_TENANT_TASK],
                            supervisor_policy={"rules": [SKIP_POOL, ROLLBACK_ANYTHING],
                                               "never_skip": ["resource pool"]})
    output = run.unwrapped_output
    assert run.returncode != 0
    [task] = report["tasks"]
    assert task["outcome"] == "rolled_back", task
    assert "ERROR 4733" in output and "t_report" in output
    assert re.search(r"task 1004 'Create tenant' \(tenant t_report in cluster obcluster\) rolled_back", output), output
    assert "rolled back by rule 'anything else'" in output
    assert "rule 0 'skip pools' would skip" in output  # why the skip rule was passed over
    [cause] = task["failed_subtasks"]
    assert cause["name"] == "Create resource pool" and cause["before_rollback"] is True
    assert "ERROR 4733" in cause["cause"]
    assert stats_of(run)["outcomes"] == [{"id": FAILED_TENANT_TASK, "outcome": "rolled_back", "actions": 1}]
    # At most 8 banners of the role at default verbosity.
    assert len(ROLE_BANNER.findall(run.stdout)) <= 8, ROLE_BANNER.findall(run.stdout)


def test_a_viewers_refused_retry_is_in_the_report(default_ocp, tmp_path):
    run, report = supervise(default_ocp, tmp_path, user=VIEWER, supervisor_tasks=[FAILED_TENANT_TASK],
                            supervisor_policy={"rules": [RETRY_POOL]})
    assert run.returncode != 0
    [task] = report["tasks"]
    [action] = task["actions"]
    assert action["action"] == "retry" and action["result"] == "refused" and "403" in action["error"], action
    assert report["error"]["kind"] == "permission_denied"


def test_a_bad_ocp_variable_is_named(default_ocp, tmp_path):
    run, _report = supervise(default_ocp, tmp_path, supervisor_tasks=[FAILED_TENANT_TASK],
                             env={"OCP_REQUEST_TIMEOUT": "abc"})
    assert run.returncode != 0
    assert "OCP_REQUEST_TIMEOUT=abc is not a number (it sets request_timeout)" in run.unwrapped_output, run.output


def test_an_unknown_task_is_named_without_empty_quotes(default_ocp, tmp_path):
    run, report = supervise(default_ocp, tmp_path, supervisor_tasks=[99999])
    assert run.returncode != 0
    assert "task 99999 not_found" in run.unwrapped_output
    assert "''" not in run.output, run.output
    assert report["tasks"][0]["outcome"] == "not_found"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_supervision_says_each_unfinished_task_goes_on_in_ocp(tmp_path, signum):
    (tmp_path / "sim").mkdir()
    # Slow: the hanging task stays RUNNING while ansible-playbook is interrupted.
    simulator = start_simulator(tmp_path / "sim", False, DEFAULT_SCENARIO, speed=1.0)
    try:
        task = simulator.create_task("create_tenant", cluster_id=1, tenant_id=1003, state="running",
                                     faults={"Create resource pool": [{"hang": True}]})
        vars_path = tmp_path / "vars.json"
        vars_path.write_text(json.dumps(dict(basic_auth_vars(simulator), supervisor_tasks=[task["id"]],
                                             result_path=str(tmp_path / "result.json"))))
        output_path = tmp_path / "output.txt"
        # Appending, as a terminal or a pipe would take both writers' lines (a file opened "w"
        # lets ansible-playbook's own offset write over the worker's last words).
        with open(output_path, "a") as output:
            playbook = subprocess.Popen(
                ["ansible-playbook", "-i", "localhost,", "-c", "local", str(PLAYBOOKS / "task_supervisor.yml"),
                 "--extra-vars", "@" + str(vars_path)], stdout=output, stderr=subprocess.STDOUT, env=playbook_env())
            deadline = time.monotonic() + 120
            # Interrupted once a second read of the task came (the first one answered), so that the
            # supervision knows the task's name and objects from OCP.
            reads = ("/api/v2/tasks/instances", "/api/v2/tasks/instances/%d" % task["id"])
            while "waiting for 1 task(s)" not in output_path.read_text() or sum(
                    1 for entry in simulator.journal() if entry["path"] in reads) < 2:
                assert playbook.poll() is None and time.monotonic() < deadline, output_path.read_text()
                time.sleep(0.2)
            playbook.send_signal(signum)
            playbook.wait(timeout=60)
            # The worker writes its last words as it ends; give it the watch's interval to notice.
            time.sleep(2)
        text = " ".join(output_path.read_text().split())
        assert playbook.returncode != 0
        assert re.search(rf"ocp_task_wait: stopped; task {task['id']} 'Create tenant' \(tenant t_report in cluster "
                         rf"obcluster\) goes on in OCP, unsupervised: to pick it up, run the playbook again", text), text
        assert text.count(f"task {task['id']} 'Create tenant' (tenant t_report") == 1
    finally:
        simulator.process.terminate()
        simulator.process.wait(timeout=30)
