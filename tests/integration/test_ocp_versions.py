# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pipeline's key parts on every OCP version the simulator plays (--ocp-version 3.1 to 4.3, as
each release's documentation describes it; docs/ocp-behaviour.md#versions-at-a-glance), with the
version's default throttling on: a tenant created with reuse_task and secret_body and supervised
with a retry rule that reads the version's log format (Spring's, not OCP Express's), two failed
tenant creations retried by ocp_subtask_action and ocp_task_action, an upgrade started with the
body the version documents and waited for (up to 4.2 its reply lists the subtasks under
``tasks``), a tenant created by the synchronous endpoint (no task, and a warning saying so), a
take-over checked first and started with ``hostInfo``, and the tenant's task read back with its
logs. The rest of the integration suite runs against the simulator's default version, 4.2, with
its throttling off (scenarios/integration.yaml says why)."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from harness import ADMIN_USER, SCENARIOS, run_playbook, start_simulator

VERSIONS = ["3.1", "4.0", "4.2", "4.3"]
SOURCE = Path(__file__).resolve().parents[2] / "extensions" / "eda" / "plugins" / "event_source" / "ocp_task_events.py"

PASSWORD = "T3nant_R00t@Pass#1"  # OCP's password rules of every version (START-2)
# A create_tenant task takes about 36 s of OCP's time and an upgrade about 5 minutes: seconds here.
SPEED = 50.0
UPGRADE_BODIES = {
    "4.3": {"upgradeMode": "ROLLING", "destVersion": "4.2.5.1-101000092024120111", "operatingSystem": "el7"},
}
RPM_BODY = {"rpmFileName": "oceanbase-4.2.5.1-101000092024120111.el7.x86_64.rpm"}


@pytest.mark.parametrize("version", VERSIONS)
def test_a_pipeline_runs_on_each_ocp_version(tmp_path_factory, version):
    tmp_path = tmp_path_factory.mktemp("ocp-%s" % version)
    simulator = start_simulator(tmp_path, False, SCENARIOS / "rerun.yaml", speed=SPEED, ocp_version=version)
    try:
        assert simulator.settings()["ocp_version"] == version
        result_path = tmp_path / "results.json"
        run = run_playbook("profile_start_and_wait.yml", dict(
            ocp_url=simulator.url, ocp_username=ADMIN_USER[0], ocp_password=ADMIN_USER[1],
            tenant="t_failing_%s" % version.replace(".", ""), tenant_root_password=PASSWORD,
            upgrade_body=UPGRADE_BODIES.get(version, RPM_BODY), result_path=str(result_path)))
        journal = simulator.journal()
    finally:
        simulator.process.terminate()
        simulator.process.wait(timeout=30)
    assert run.returncode == 0, run.output
    assert PASSWORD not in run.output and "Traceback" not in run.output
    results = json.loads(result_path.read_text())

    started = results["tenant_started"]
    assert started["changed"] is True and started["reuse"]["decision"] == "start" and started["task_ids"]
    [tenant_outcome] = results["tenant_waited"]["tasks"]
    assert tenant_outcome["outcome"] == "succeeded", results["tenant_waited"]
    # The retry rule matched the failed run's log, written in this version's format.
    assert [action["action"] for action in tenant_outcome["actions"]] == ["retry"], tenant_outcome

    # Both action modules on this version's answers: a failed subtask retried, a failed task retried.
    assert [task["outcome"] for task in results["failing_waited"]["tasks"]] == ["failed", "failed"]
    for retried in (results["subtask_retried"], results["task_retried"]):
        assert retried["changed"] is True and retried["task"]["status"] == "SUCCESSFUL", retried

    upgrade = results["upgrade_started"]
    assert upgrade["changed"] is True and len(upgrade["task_ids"]) == 1, upgrade
    if version != "4.3":
        assert "tasks" in upgrade["data"] and "subtasks" not in upgrade["data"]  # START-4's shape
    assert results["upgrade_waited"]["tasks"][0]["outcome"] == "succeeded", results["upgrade_waited"]

    # The synchronous twin of createTenant did its work in the call: no task, and the module says so.
    at_once = results["tenant_created_at_once"]
    assert at_once["changed"] is True and at_once["task_ids"] == [] and at_once["data"]["name"].endswith("_now")
    assert any("started no task to wait for" in warning for warning in at_once["warnings"]), at_once
    # The pre-check starts no task by design: no warning; the take-over with hostInfo is waited for.
    assert results["take_over_checked"]["task_ids"] == [] and not results["take_over_checked"].get("warnings")
    assert len(results["take_over_started"]["task_ids"]) == 1, results["take_over_started"]
    assert results["take_over_waited"]["tasks"][0]["outcome"] == "succeeded", results["take_over_waited"]

    task = results["tenant_task"]["task"]
    assert task["id"] == started["task_ids"][0] and task["status"] == "SUCCESSFUL"
    assert any("ERROR 4012" in (subtask.get("log") or "") for subtask in task["subtasks"])
    # Under the version's default throttling, nothing the pipeline sent was refused for it.
    assert [entry for entry in journal if entry["status"] == 429] == []


class _Events:
    """The events a source process prints, one JSON line each, read on a thread: a select() on the
    pipe would miss lines already in the reader's buffer."""

    def __init__(self, process):
        self.lines = queue.Queue()
        self.events = []
        threading.Thread(target=self._read, args=(process.stdout,), daemon=True).start()

    def _read(self, stream):
        for line in stream:
            self.lines.put(line)

    def until(self, done, seconds):
        """The events so far once ``done(events)``, or when ``seconds`` have passed."""
        deadline = time.monotonic() + seconds
        while not done(self.events) and time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                continue
            if line.strip():
                self.events.append(json.loads(line)["ocp"])
        return self.events


@pytest.mark.parametrize("version", VERSIONS)
def test_the_event_source_reads_each_versions_answers(tmp_path_factory, version):
    """The ocp_task_events source, run on its own as the ansible.eda plugins are, under the
    version's default throttling: the failure already there, then a new task's failure read off
    the version's log format (subtask_failed with its reason, task_failed) and a success."""
    tmp_path = tmp_path_factory.mktemp("source-%s" % version)
    simulator = start_simulator(tmp_path, False, SCENARIOS / "integration.yaml", speed=SPEED, ocp_version=version)
    process = None
    try:
        assert simulator.change_settings(rate_limit="default")["ocp_version"] == version
        env = {key: value for key, value in os.environ.items() if not key.startswith("OCP_")}
        env.update(OCP_URL=simulator.url, OCP_USERNAME=ADMIN_USER[0], OCP_PASSWORD=ADMIN_USER[1])
        process = subprocess.Popen([sys.executable, str(SOURCE), json.dumps({"interval": 1, "initial_events": "failures"})],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
        printed = _Events(process)
        initial = printed.until(lambda got: {event["type"] for event in got} >= {"subtask_failed", "task_failed"}, 60)
        # The failure the scenario holds, told as initial (subtask first, then task).
        assert [(event["type"], event["initial"]) for event in initial] == [
            ("subtask_failed", True), ("task_failed", True)], initial
        assert "unit config is not enough" in initial[0]["subtask"]["reason"], initial
        before = len(initial)
        # Two tasks that start now (state as_is), after the source started watching.
        failing = simulator.create_task("create_tenant", cluster_id=2, tenant_id=1003, state="as_is", faults={
            "Create resource pool": [{"fail_attempts": [1, 99], "message": "ERROR 4012 (HY000): Timeout"}]})
        succeeding = simulator.create_task("add_hosts", cluster_id=1, host_ids=[2], state="as_is")

        def seen(events):
            return {(event["type"], event["task"]["id"]) for event in events}
        wanted = {("subtask_failed", failing["id"]), ("task_failed", failing["id"]),
                  ("task_succeeded", succeeding["id"])}
        events = printed.until(lambda got: wanted <= seen(got[before:]), 90)[before:]
        journal = simulator.journal()
    finally:
        if process is not None:
            process.terminate()
            _out, errors = process.communicate(timeout=30)
        simulator.process.terminate()
        simulator.process.wait(timeout=30)
    assert wanted <= seen(events), (events, errors)
    [failed] = [event for event in events if event["type"] == "subtask_failed"]
    assert failed["subtask"]["name"] == "Create resource pool" and "ERROR 4012" in failed["subtask"]["reason"], failed
    assert not [event for event in events if event["type"] == "ocp_unreachable"], events
    assert "Traceback" not in errors
    assert [entry for entry in journal if entry["status"] == 429] == []
