# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Text from OCP is data, never code, on the event-driven path, on the oldest and the newest
supported ansible-core (and the main venv's).

A hostile OCP (the simulator behind tests/eda/hostile_ocp.py) names a task, a subtask and a host
with Jinja, and writes Jinja into a subtask's log: every piece that the ocp_task_events source puts
into an event, and that ansible-rulebook writes into the extra variables of the playbooks it runs
(ansible_eda.event, yaml.dump into env/extravars, nothing marked unsafe). If Ansible templated any
of it, a command would leave a marker file. Two ways to run the shipped playbooks:

- as ansible-rulebook's run_playbook carries out the rules (tests/eda/rulebook_actions.py), with an
  event whose every string is Jinja, and with the outcome the supervision posts back;
- under ansible-rulebook itself, with the events the source makes of the hostile OCP.

Either way: no marker, the pages show the text as it is, and the playbooks' own variables and the
outcome posted back hold ids, numbers and fixed words only.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from pathlib import Path

import pytest
import requests
import yaml

from cores import MAIN_VENV_CORE, NEWEST, OLDEST, core_bin, core_env, core_version
from harness import ADMIN_USER, SCENARIOS, playbook_env, start_simulator
from hostile import Payloads, page_lines, strings_in
from hostile_ocp import HostileOcp
from rulebook_actions import run_action
from rulebook_run import start_rulebook

TASKS_PATH = "/api/v2/tasks/instances"
SUPERVISE = "Supervise a failed task with the policy"
PAGE_SUPERVISION = "Page a person when the supervision did not save the task"
PAGE_RUNNING_LONG = "Page a person when a subtask runs too long"
POLICY = {"max_actions": 3, "rules": [{"name": "retry once", "action": "retry", "max_attempts": 2, "delay": 0}]}
# The words the rulebook may pass to the playbooks, and the outcome may hold, besides numbers.
WORDS = {"supervision", "subtask_running_long", "", "succeeded", "failed", "rolled_back", "timed_out",
         "not_found", "unreadable", "credentials_refused", "permission_denied", "ocp_unreachable", "ocp_error", "other"}
HOSTILE_HOST_ID = 9
SUBTASK = "Install OCP agent"


@pytest.fixture
def payloads():
    # A short path, so that the payloads stay within what a page shows uncut.
    directory = Path(tempfile.mkdtemp(prefix="ocp-", dir="/tmp"))
    yield Payloads(directory)
    shutil.rmtree(directory)


@pytest.fixture
def hostile(tmp_path, payloads):
    """The simulator, with a host whose address carries Jinja, behind a proxy that names the
    subtask "Install OCP agent" with Jinja."""
    scenario = yaml.safe_load((SCENARIOS / "integration.yaml").read_text(encoding="utf-8"))
    scenario["hosts"].append({"id": HOSTILE_HOST_ID, "ip": "10.0.0.9 " + payloads.text("host"), "cluster_id": 1})
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(scenario), encoding="utf-8")
    directory = tmp_path / "simulator"
    directory.mkdir()
    simulator = start_simulator(directory, False, path)
    proxy = HostileOcp(simulator.url, {SUBTASK: payloads.text("subtask")})
    yield simulator, proxy
    proxy.stop()
    simulator.process.terminate()
    simulator.process.wait(timeout=30)


def hostile_task(simulator, payloads, faults=None) -> int:
    return simulator.create_task("add_hosts", host_ids=[HOSTILE_HOST_ID], name=payloads.text("task"), faults=faults or {
        SUBTASK: [{"fail_attempts": [1, 99], "message": "ERROR " + payloads.text("log")}]})["id"]


def read_task(simulator, task_id: int) -> dict:
    response = requests.get(f"{simulator.url}{TASKS_PATH}/{task_id}", auth=ADMIN_USER, timeout=30)
    response.raise_for_status()
    return response.json()["data"]


def wait_for_status(simulator, task_id: int, status: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        task = read_task(simulator, task_id)
        if task["status"] == status:
            return task
        time.sleep(0.3)
    raise AssertionError(f"task {task_id} is {task['status']}, not {status}, after {timeout} s")


def connection(proxy) -> dict:
    return {"OCP_URL": proxy.url, "OCP_USERNAME": ADMIN_USER[0], "OCP_PASSWORD": ADMIN_USER[1]}


def assert_ids_and_words_only(extra_vars: dict) -> None:
    """What the rulebook passes besides ansible_eda: numbers, lists of numbers, and known words or
    settings of the test (paths, a policy), never the event's text."""
    for name, value in extra_vars.items():
        if name in ("ansible_eda", "ocp_remediation_policy", "ocp_page_file", "ocp_page_webhook_url"):
            continue
        values = value if isinstance(value, list) else [value]
        assert all(isinstance(item, int) or item in WORDS for item in values), (name, value)


def assert_shown_as_written(text: str, payloads: Payloads, *pieces: str) -> None:
    for piece in pieces:
        assert payloads.text(piece) in text, (piece, text)


def hostile_events(payloads: Payloads, task_id: int, subtask_id: int) -> tuple[dict, dict]:
    """A task_failed and a subtask_running_long event about the task as the source would send them,
    but with every string the source could take from OCP (and some it could not) written as Jinja."""
    text = payloads.text
    task = {"id": task_id, "name": text("event-task"), "status": "FAILED", "operation": "EXECUTE", "type": "MANUAL",
            "cluster": {"id": 1, "name": text("event-cluster")}, "tenant": {"id": 1002, "name": text("event-tenant")},
            "creator": text("event-creator"), "start_time": text("event-time"), "finish_time": text("event-time"),
            "prohibit_rollback": False}
    subtask = {"id": subtask_id, "name": text("event-subtask"), "description": text("event-description"),
               "host": text("event-host"), "status": "RUNNING", "operation": "EXECUTE", "run": 1,
               "started": text("event-time"), "reason": text("event-reason"), "log_excerpt": [text("event-log")]}
    common = {"api_url": text("event-url"), "observed_at": text("event-time"), "catch_up": False, "initial": False}
    failed = {"ocp": dict(common, type="task_failed", key=text("event-key"), task=task, failed_subtasks=[subtask])}
    running = {"ocp": dict(common, type="subtask_running_long", key=text("event-key"), task=task, subtask=subtask,
                           running_for=1300.5, limit={"pattern": text("event-pattern"), "seconds": 1200})}
    return failed, running


@pytest.mark.parametrize("core", [OLDEST, MAIN_VENV_CORE, NEWEST])
def test_the_shipped_playbooks_show_ocp_text_and_never_run_it(core, hostile, payloads, tmp_path):
    """The extra vars ansible-rulebook writes for a task_failed event, for the outcome the
    supervision posts back and for a subtask_running_long event, each event with Jinja in every
    string, and a task whose name, subtask, host and log carry Jinja too."""
    simulator, proxy = hostile
    simulator.set_clock(speed=50)
    task_id = hostile_task(simulator, payloads)
    task = wait_for_status(simulator, task_id, "FAILED")
    [subtask] = [subtask for subtask in task["subtasks"] if subtask["status"] == "FAILED"]
    failed, running = hostile_events(payloads, task_id, subtask["id"])
    pages = tmp_path / "pages.jsonl"
    rulebook_vars = {"ocp_remediation_policy": POLICY, "ocp_remediation_wait_timeout": 120,
                     "ocp_remediation_wait_sleep": 1, "ocp_page_file": str(pages)}
    env = core_env(core, dict(playbook_env(), **connection(proxy)))
    assert core_version(env).startswith(core + ".")

    supervised = run_action(SUPERVISE, failed, rulebook_vars, env, tmp_path / "supervise")
    assert supervised.rc == 0, supervised.stdout
    assert supervised.extra_vars["ocp_task_id"] == task_id
    assert_ids_and_words_only(supervised.extra_vars)
    # What comes back to the rulebook: ids, counts and words, and the policy gave up.
    outcome = supervised.posted["task_supervisor"]
    assert [(row["id"], row["outcome"]) for row in outcome["outcomes"]] == [(task_id, "failed")], outcome
    assert set(strings_in(supervised.posted)) <= WORDS | {"task_supervisor", "summary", "outcomes", "id", "outcome",
                                                          "actions", "check_mode", "would"} | set(outcome["summary"])

    posted_event = dict(supervised.posted, meta={"source": {"name": "run_playbook", "type": "internal"}})
    paged = run_action(PAGE_SUPERVISION, posted_event, rulebook_vars, env, tmp_path / "page")
    assert paged.rc == 0, paged.stdout
    assert_ids_and_words_only(paged.extra_vars)
    paged_long = run_action(PAGE_RUNNING_LONG, running, rulebook_vars, env, tmp_path / "page-running-long")
    assert paged_long.rc == 0, paged_long.stdout
    assert_ids_and_words_only(paged_long.extra_vars)

    assert payloads.markers() == []
    gave_up, ran_long = page_lines(pages)
    assert gave_up["reason"] == "supervision" and gave_up["task_ids"] == [task_id]
    assert re.match(rf"OCP remediation gave up after \d+ action\(s\) on task {task_id} '", gave_up["text"])
    # The task's name, the subtask's, the host (in its description) and the log line, as OCP wrote them.
    assert_shown_as_written(gave_up["text"], payloads, "task", "subtask", "host", "log")
    assert ran_long["reason"] == "subtask_running_long" and ran_long["subtask_id"] == subtask["id"]
    assert_shown_as_written(ran_long["text"], payloads, "task", "subtask", "host")
    assert ran_long["text"].endswith("has run 1300 s, past its limit of 1200 s")
    # The output shows the same lines, and nothing of the event's own text was used.
    for run in (supervised, paged, paged_long):
        assert "event-" not in run.stdout.replace("ansible_eda", "")
        assert "Traceback" not in run.stdout


def wrapped_ansible_playbook(tmp_path: Path, core: str) -> tuple[Path, Path]:
    """A bin directory whose ansible-playbook notes each call and runs the core's: proof that
    ansible-rulebook's playbooks ran on that core."""
    bin_dir, calls = tmp_path / "wrapper-bin", tmp_path / "ansible-playbook-calls"
    bin_dir.mkdir()
    wrapper = bin_dir / "ansible-playbook"
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> "{calls}"\nexec "{core_bin(core) / "ansible-playbook"}" "$@"\n')
    wrapper.chmod(0o755)
    return bin_dir, calls


@pytest.mark.parametrize("core", [OLDEST, NEWEST])
def test_the_rulebook_shows_ocp_text_and_never_runs_it(core, hostile, payloads, tmp_path):
    """ansible-rulebook, the source and the rulebook end to end against the hostile OCP: a task
    whose subtask fails for good (subtask_failed, task_failed, a supervision that gives up, a page)
    and one whose subtask hangs (subtask_running_long, a page)."""
    simulator, proxy = hostile
    simulator.set_clock(speed=10)
    pages = tmp_path / "pages.jsonl"
    bin_dir, calls = wrapped_ansible_playbook(tmp_path, core)
    env = core_env(core, playbook_env())
    env["PATH"] = f"{bin_dir}:{env['PATH']}"
    run = start_rulebook(tmp_path, connection(proxy), {
        "ocp_events_interval": 1, "ocp_remediation_policy": POLICY, "ocp_remediation_wait_timeout": 120,
        "ocp_remediation_wait_sleep": 1, "ocp_page_file": str(pages),
        # The subtask's name as the hostile OCP shows it; 100 simulated seconds, 10 real ones.
        "ocp_events_running_long": [{"name": "^subtask .*lookup", "seconds": 100}]}, env=env)
    try:
        deadline = time.monotonic() + 90
        while not any(entry["path"] == TASKS_PATH for entry in simulator.journal()):
            assert time.monotonic() < deadline and run.process.poll() is None, run.output[-6000:]
            time.sleep(0.3)
        failing = hostile_task(simulator, payloads)
        hanging = hostile_task(simulator, payloads, faults={SUBTASK: [{"hang": True}]})
        deadline = time.monotonic() + 240
        while {line["reason"] for line in page_lines(pages)} != {"supervision", "subtask_running_long"}:
            assert time.monotonic() < deadline and run.process.poll() is None, run.output[-8000:]
            time.sleep(0.5)
    finally:
        run.stop()

    assert payloads.markers() == []
    assert calls.exists() and "oceanbase.ocp.eda_supervise_task" in calls.read_text()
    assert core_version(env).startswith(core + ".")
    # The events carried the hostile text: the source sends it as it is.
    assert payloads.text("subtask") in run.output and payloads.text("log") in run.output
    lines = page_lines(pages)
    [gave_up] = [line for line in lines if line["reason"] == "supervision"]
    assert gave_up["task_ids"] == [failing], lines
    assert_shown_as_written(gave_up["text"], payloads, "task", "subtask", "host", "log")
    ran_long = [line for line in lines if line["reason"] == "subtask_running_long"]
    assert {line["task_ids"][0] for line in ran_long} == {hanging}, lines
    assert_shown_as_written(ran_long[0]["text"], payloads, "task", "subtask", "host")
    assert "Traceback" not in run.output
