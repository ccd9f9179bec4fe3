# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ocp_api after a lost answer, through ansible-playbook against the simulator over HTTP: on OCP 4.2,
whose audit events record every operation (docs/ocp-behaviour.md#audit-events, AUD-1, AUD-2), the
task a lost createTenant started is found and waited for, a lost refusal is told apart as not
applied, and a user who may not read the events is left with possibly_applied and the reason; on
OCP Express, which has no audit events, possibly_applied as before. No POST is ever sent twice."""

from __future__ import annotations

import json

import pytest

from harness import SCENARIOS, journal_by_path, run_playbook, start_simulator

ADMIN_PASSWORD, OPERATOR_PASSWORD = "OcpSim-Admin-2026", "OcpSim-Operator-2026"
TENANT_ROOT_PASSWORD = "T3nant_R00t@Pass#1"
CREATE_TENANT, UPGRADE = "/api/v2/ob/clusters/1/tenants/createTenant", "/api/v2/ob/clusters/1/upgrade"


@pytest.mark.parametrize("version", ["4.2", "express"])
def test_a_lost_answer_is_settled_from_the_audit_events_where_ocp_has_them(tmp_path, version):
    simulator = start_simulator(tmp_path, False, SCENARIOS / "lost_answer.yaml", ocp_version=version)
    try:
        # Each POST is carried out (or refused), then its connection closed without an answer.
        for path in (CREATE_TENANT, UPGRADE):
            simulator.add_fault({"match": {"method": "POST", "path": path}, "nth": [1, 2], "drop": True,
                                 "after_handling": True})
        result_path = tmp_path / "results.json"
        run = run_playbook("lost_answer.yml", dict(
            ocp_url=simulator.url, admin_password=ADMIN_PASSWORD, operator_password=OPERATOR_PASSWORD,
            tenant_root_password=TENANT_ROOT_PASSWORD, result_path=str(result_path)))
        journal = journal_by_path(simulator.journal())
    finally:
        simulator.process.terminate()
        simulator.process.wait(timeout=30)
    assert run.returncode == 0, run.output
    assert "Traceback" not in run.output and TENANT_ROOT_PASSWORD not in run.output
    results = json.loads(result_path.read_text())
    # Never sent again: two createTenant calls (one each), one upgrade.
    assert len(journal[("POST", CREATE_TENANT)]) == 2 and len(journal[("POST", UPGRADE)]) == 1
    applied, refused, unreadable = results["applied"], results["refused"], results["unreadable"]

    if version == "express":
        for result in (applied, refused, unreadable):
            assert result["failed"] is True and result["possibly_applied"] is True, result
            assert result["settled"]["applied"] is None, result
            assert "OCP's audit events could not be read to tell (they exist from OCP 4.2 on)" in result["msg"]
        return

    assert applied.get("failed") is not True, applied
    assert applied["settled"]["applied"] is True and len(applied["task_ids"]) == 1, applied
    assert applied["settled"]["event"]["taskId"] == applied["task_ids"][0]
    assert any("the answer to POST %s was lost (it was not sent again); OCP's audit event" % CREATE_TENANT in warning
               for warning in applied["warnings"]), applied
    assert results["applied_waited"]["tasks"][0]["outcome"] == "succeeded", results["applied_waited"]

    assert refused["failed"] is True and refused["possibly_applied"] is False, refused
    assert refused["settled"]["applied"] is False
    assert "refused it, starting nothing: it was not carried out, so running this again sends it anew" in refused["msg"]

    assert unreadable["failed"] is True and unreadable["possibly_applied"] is True, unreadable
    assert "not readable by this user (they need the AUDIT_VIEWER permission)" in unreadable["msg"]
