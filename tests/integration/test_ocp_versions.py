# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pipeline's key parts on every OCP version the simulator plays (--ocp-version 3.1 to 4.3, as
each release's documentation describes it; docs/ocp-behaviour.md#versions-at-a-glance), with the
version's default throttling on: a tenant created with reuse_task and secret_body and supervised
with a retry rule that reads the version's log format (Spring's, not OCP Express's), an upgrade
started with the body the version documents and waited for (up to 4.2 its reply lists the subtasks
under ``tasks``), a tenant created by the synchronous endpoint (no task, and a warning saying so), a
take-over checked first and started with ``hostInfo``, and the tenant's task read back with its logs. The rest of the integration suite
runs against the simulator's default profile."""

from __future__ import annotations

import json

import pytest

from harness import ADMIN_USER, SCENARIOS, run_playbook, start_simulator

PASSWORD = "T3nant_R00t@Pass#1"  # OCP's password rules of every version (START-2)
# A create_tenant task takes about 36 s of OCP's time and an upgrade about 5 minutes: seconds here.
SPEED = 50.0
UPGRADE_BODIES = {
    "4.3": {"upgradeMode": "ROLLING", "destVersion": "4.2.5.1-101000092024120111", "operatingSystem": "el7"},
}
RPM_BODY = {"rpmFileName": "oceanbase-4.2.5.1-101000092024120111.el7.x86_64.rpm"}


@pytest.mark.parametrize("version", ["3.1", "4.0", "4.2", "4.3"])
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
