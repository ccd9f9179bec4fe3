# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A supervision that fails pages a person all the same.

ansible-rulebook posts a playbook's set_stats back (post_events) only when the playbook ends with 0
(ansible_rulebook/action/run_playbook.py, _post_process). The supervision's playbook therefore ends
well when the supervision fails, with the kind of error in the outcome it posts, and the rulebook's
page rule matches that outcome. Tried under ansible-rulebook with the faults an EDA controller
meets (refused credentials after a password rotation, a credential without TASK_MANAGER, OCP gone
mid-way), and, faster, as ansible-rulebook runs the rule's playbooks (tests/eda/rulebook_actions.py)
for the failures that come before any answer from OCP: a policy the module refuses, settings the
role's argument validation refuses, OCP not there at all, a request OCP refuses. The page file is
the evidence each time."""

from __future__ import annotations

import time

import pytest
import requests

from cores import MAIN_VENV_CORE, NEWEST, OLDEST, core_env
from harness import ADMIN_USER, playbook_env
from hostile import page_lines
from rulebook_actions import run_action
from rulebook_run import start_rulebook

TASKS_PATH = "/api/v2/tasks/instances"
VIEWER = ("viewer", "OcpSim-Viewer-2026")
RETRY_PATH = TASKS_PATH + "/*/subtasks/*/retry"
# A retry a few seconds after the failure, so that an outage that starts at the failure hits it.
POLICY = {"max_actions": 3, "rules": [{"name": "retry once", "action": "retry", "max_attempts": 2, "delay": 3}]}
SUPERVISE = "Supervise a failed task with the policy"
PAGE = "Page a person when the supervision did not save the task"


def failing_task(simulator) -> int:
    return simulator.create_task("create_tenant", cluster_id=1, tenant_id=1002, faults={
        "Create resource pool": [{"fail_attempts": [1, 99], "message": "ERROR 4012 (HY000): Timeout"}]})["id"]


def basic(simulator, user=ADMIN_USER, url=None) -> dict:
    return {"OCP_URL": url or simulator.url, "OCP_USERNAME": user[0], "OCP_PASSWORD": user[1],
            "OCP_REQUEST_RETRIES": "0"}


def wait_for_failure(simulator, task_id: int) -> None:
    deadline = time.monotonic() + 60
    while requests.get(f"{simulator.url}{TASKS_PATH}/{task_id}", auth=ADMIN_USER,
                       timeout=30).json()["data"]["status"] != "FAILED":
        assert time.monotonic() < deadline, f"task {task_id} did not fail"
        time.sleep(0.3)


def wait(condition, timeout: float, run, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert run.process.poll() is None, f"ansible-rulebook ended while waiting for {what}:\n{run.output[-6000:]}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}:\n{run.output[-8000:]}"
        time.sleep(0.3)


@pytest.mark.parametrize("fault, user, kind, status, says", [
    ("password rotated", ADMIN_USER, "credentials_refused", 401, "OCP refused the credentials, HTTP 401"),
    ("no TASK_MANAGER", VIEWER, "permission_denied", 403, "the OCP user lacks a permission, HTTP 403"),
    ("OCP gone", ADMIN_USER, "ocp_unreachable", None, "OCP could not be reached"),
], ids=["401", "403", "unreachable"])
def test_a_failed_supervision_pages_under_ansible_rulebook(simulator, tmp_path, fault, user, kind, status, says):
    simulator.set_clock(speed=10)
    if fault == "password rotated":
        # The source keeps reading; the supervision's first action is refused as after a rotation.
        simulator.add_fault({"match": {"method": "POST", "path": RETRY_PATH}, "status": 401})
    pages = tmp_path / "pages.jsonl"
    run = start_rulebook(tmp_path, basic(simulator, user), {
        "ocp_events_interval": 1, "ocp_remediation_policy": POLICY, "ocp_remediation_wait_timeout": 120,
        "ocp_remediation_wait_sleep": 1, "ocp_page_file": str(pages)})
    try:
        wait(lambda: any(entry["path"] == TASKS_PATH for entry in simulator.journal()), 90, run, "the first poll")
        task_id = failing_task(simulator)
        wait(lambda: f"'key': '{task_id}:FAILED:" in run.output, 120, run, "the task_failed event")
        if fault == "OCP gone":
            simulator.add_fault({"match": {"path": "/api/*"}, "drop": True})
        wait(lambda: page_lines(pages), 180, run, "a page")
    finally:
        run.stop()
    [page] = page_lines(pages)
    assert (page["reason"], page["error"], page["http_status"], page["task_ids"]) == ("supervision", kind, status,
                                                                                      [task_id]), page
    assert page["text"].startswith(f"OCP remediation failed ({says}") and f"task {task_id}" in page["text"], page
    # The playbook ended well, which is what made ansible-rulebook post the outcome.
    assert "set-facts" in run.output and f"'kind': '{kind}'" in run.output
    assert user[1] not in run.output and "Traceback" not in run.output


@pytest.mark.parametrize("core", [OLDEST, MAIN_VENV_CORE, NEWEST])
@pytest.mark.parametrize("case", ["invalid policy", "invalid setting", "OCP not there", "request refused"])
def test_a_supervision_that_fails_before_ocp_answers_pages(simulator, tmp_path, core, case):
    simulator.set_clock(speed=50)
    task_id = failing_task(simulator)
    wait_for_failure(simulator, task_id)
    rulebook_vars = {"ocp_remediation_policy": dict(POLICY, rules=[dict(POLICY["rules"][0], delay=0)]),
                     "ocp_remediation_wait_timeout": 60, "ocp_remediation_wait_sleep": 1,
                     "ocp_page_file": str(tmp_path / "pages.jsonl")}
    supervise_env = basic(simulator)
    expected = {"invalid policy": ("other", None), "invalid setting": ("other", None),
                "OCP not there": ("ocp_unreachable", None), "request refused": ("ocp_error", 409)}[case]
    if case == "invalid policy":
        rulebook_vars["ocp_remediation_policy"] = {"rules": [{"action": "reboot"}]}
    elif case == "invalid setting":
        # Refused by the role's argument validation, before the role's first step.
        rulebook_vars["ocp_remediation_wait_timeout"] = "an hour"
    elif case == "OCP not there":
        supervise_env = basic(simulator, url="http://127.0.0.1:9")
    else:
        # Not a 400: OCP's 400 to an action is a refusal the supervision reads again and decides on
        # (someone else acted, or the state moved), where any other error status stops it.
        simulator.add_fault({"match": {"method": "POST", "path": RETRY_PATH}, "status": 409})
    event = {"ocp": {"type": "task_failed", "task": {"id": task_id}}}
    supervised = run_action(SUPERVISE, event, rulebook_vars, core_env(core, dict(playbook_env(), **supervise_env)),
                            tmp_path / "supervise")
    assert supervised.rc == 0, supervised.stdout
    outcome = supervised.posted["task_supervisor"]
    assert outcome["error"] == {"kind": expected[0], "status": expected[1]}, outcome
    assert [row["id"] for row in outcome["outcomes"]] == [task_id]

    paged = run_action(PAGE, dict(supervised.posted, meta={}), rulebook_vars,
                       core_env(core, dict(playbook_env(), **basic(simulator))), tmp_path / "page")
    assert paged.rc == 0, paged.stdout
    [page] = page_lines(tmp_path / "pages.jsonl")
    assert (page["error"], page["http_status"], page["task_ids"]) == (expected[0], expected[1], [task_id]), page
    assert page["text"].startswith("OCP remediation failed (") and f"task {task_id} 'Create tenant'" in page["text"]
