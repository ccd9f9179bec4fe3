# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The example rulebook with the real engine: ansible-rulebook, the ocp_task_events source loaded
from the installed collection, the simulator. A task fails, the event arrives, the rulebook's
playbook supervises it with the policy and it ends succeeded, after exactly one retry; a task the
policy gives up on pages a person; refused credentials stop the source with a clear message."""

from __future__ import annotations

import json
import re
import time

import requests

from harness import ACCESS_KEY, ADMIN_USER, SECRETIVE_USER
from rulebook_run import start_rulebook

TASKS_PATH = "/api/v2/tasks/instances"
POLICY = {"max_actions": 3, "rules": [{"name": "retry once", "action": "retry", "max_attempts": 2, "delay": 0}]}
# Fast enough that a create_tenant task fails within a second of being created.
SPEED = 10.0


def access_key_env(simulator) -> dict:
    # An access key rather than a password: its secret is distinctive enough to search the output for.
    return {"OCP_URL": simulator.url, "OCP_ACCESS_KEY_ID": ACCESS_KEY[0], "OCP_ACCESS_KEY_SECRET": ACCESS_KEY[1]}


def task_status(simulator, task_id: int) -> str:
    response = requests.get(f"{simulator.url}{TASKS_PATH}/{task_id}", auth=ADMIN_USER, timeout=30)
    response.raise_for_status()
    return response.json()["data"]["status"]


def wait_until(predicate, timeout: float, what: str, run) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if run.process.poll() is not None:
            raise AssertionError(f"ansible-rulebook ended while waiting for {what}:\n{run.output[-6000:]}")
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}:\n{run.output[-8000:]}")


def source_polled(simulator) -> bool:
    return any(entry["method"] == "GET" and entry["path"] == TASKS_PATH and "RUNNING" in (entry["query"] or "")
               for entry in simulator.journal())


def retry_posts(journal: list[dict], task_id: int) -> list[dict]:
    pattern = re.compile(rf"^{TASKS_PATH}/{task_id}(/subtasks/\d+)?/retry$")
    return [entry for entry in journal if entry["method"] == "POST" and pattern.match(entry["path"])]


def test_a_failed_task_is_retried_once_and_succeeds_and_a_hopeless_one_pages(simulator, tmp_path):
    simulator.set_clock(speed=SPEED)
    pages = tmp_path / "pages.jsonl"
    checkpoint = tmp_path / "checkpoint.json"
    run = start_rulebook(tmp_path, access_key_env(simulator), {
        "ocp_events_interval": 1, "ocp_events_checkpoint": str(checkpoint), "ocp_remediation_policy": POLICY,
        "ocp_remediation_wait_timeout": 120, "ocp_remediation_wait_sleep": 1, "ocp_page_file": str(pages)})
    try:
        # The source starts watching at its first poll; what failed before that is history.
        wait_until(lambda: source_polled(simulator), 90, "the source's first poll", run)
        transient = simulator.create_task("create_tenant", cluster_id=1, tenant_id=1002, faults={
            "Create resource pool": [{"fail_attempts": [1], "message": "ERROR 4012 (HY000): Timeout"}]})["id"]
        hopeless = simulator.create_task("create_tenant", cluster_id=1, tenant_id=1002, faults={
            "Create resource pool": [{"fail_attempts": [1, 99], "message": "ERROR 4733 (HY000): unit config is not enough"}]})["id"]

        wait_until(lambda: task_status(simulator, transient) == "SUCCESSFUL", 180, f"task {transient} to succeed", run)
        run.wait_for_output(f"'key': '{transient}:SUCCEEDED'", 60)
        wait_until(lambda: pages.exists() and str(hopeless) in pages.read_text(), 180,
                   f"a page about task {hopeless}", run)
    finally:
        run.stop()
    output = run.output
    journal = simulator.journal()

    # The transient failure: its events, one supervision, exactly one retry, and it succeeded.
    for key in (rf"{transient}:started", rf"{transient}:\d+:run1:FAILED", rf"{transient}:FAILED:[^']+",
                rf"{transient}:SUCCEEDED"):
        assert len(re.findall(rf"'key': '{key}'", output)) == 1, key
    assert len(retry_posts(journal, transient)) == 1, retry_posts(journal, transient)
    assert task_status(simulator, transient) == "SUCCESSFUL"
    # The hopeless one: one retry (the policy's second attempt), its second failure did not start a
    # second supervision (the rule's throttle), and a person was paged once.
    assert len(retry_posts(journal, hopeless)) == 1
    assert re.search(rf"'key': '{hopeless}:\d+:run2:FAILED'", output)  # its second failure was told too
    page_lines = [json.loads(line) for line in pages.read_text().splitlines()]
    assert len(page_lines) == 1 and f"on task {hopeless} 'Create tenant' FAILED" in page_lines[0]["text"]
    assert "unit config is not enough" in page_lines[0]["text"]
    # The scenario's old FAILED tasks were left alone: no POST to any other task.
    assert {entry["path"].split("/")[5] for entry in journal if entry["method"] == "POST"} == {
        str(transient), str(hopeless)}
    # The secret shows nowhere: not in the output, not in the checkpoint.
    assert ACCESS_KEY[1] not in output
    assert ACCESS_KEY[1] not in checkpoint.read_text()
    assert "Traceback" not in output


def test_refused_credentials_stop_the_source_with_a_clear_message(simulator, tmp_path):
    env = {"OCP_URL": simulator.url, "OCP_USERNAME": SECRETIVE_USER[0], "OCP_PASSWORD": SECRETIVE_USER[1] + "-wrong"}
    run = start_rulebook(tmp_path, env, {"ocp_events_interval": 1})
    try:
        returncode = run.process.wait(timeout=120)
    finally:
        run.stop()
    output = run.output
    assert returncode != 0
    assert "OCP refused the credentials (HTTP 401)" in output and "the source stopped" in output
    assert SECRETIVE_USER[1] not in output
    # It stopped at once: one request, no backoff against a locked-out account.
    assert len([entry for entry in simulator.journal() if entry["status"] == 401]) == 1
