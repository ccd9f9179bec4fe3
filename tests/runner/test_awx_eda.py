# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX job templates the rulebook ocp_task_remediation_awx.yml launches, as AWX runs them (under
ansible-runner, the credential injected from the shipped type), with what the EDA controller passes:
the rule's job_args extra_vars, rendered as ansible-rulebook renders them, and the event itself as
``ansible_eda``. AWX marks launch-time extra vars unsafe; these tests do not, so that the jobs are
shown safe on their own: OCP's text (a task, a subtask, a host and a log line written as Jinja, from
the hostile OCP of tests/eda/hostile_ocp.py) is shown as it is and never run, whatever path it takes
(the event, set_stats to a workflow's next node or back to the rulebook, the page). And a supervision
that fails still hands the rulebook an outcome its page rule matches."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests
import yaml
from ansible_rulebook.util import substitute_variables

from awx_credential import inject_credential
from awx_job import prepare_private_data_dir, run_job
from awx_survey import survey_extra_vars
from harness import ADMIN_USER, SCENARIOS, start_simulator

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "eda"))
# pylint: disable=wrong-import-position
from cores import MAIN_VENV_CORE, NEWEST, OLDEST, core_bin, core_env, core_version  # noqa: E402  (needs the path)
from hostile import Payloads, page_lines, strings_in  # noqa: E402
from hostile_ocp import HostileOcp  # noqa: E402
# pylint: enable=wrong-import-position

AWX = ROOT / "extensions" / "awx"
RULEBOOK = ROOT / "extensions" / "eda" / "rulebooks" / "ocp_task_remediation_awx.yml"
TASKS_PATH = "/api/v2/tasks/instances"
SUBTASK = "Create resource pool"
WORDS = {"supervision", "subtask_running_long", "", "succeeded", "failed", "rolled_back", "timed_out",
         "not_found", "unreadable", "credentials_refused", "permission_denied", "ocp_unreachable", "ocp_error", "other"}


@pytest.fixture
def payloads():
    directory = Path(tempfile.mkdtemp(prefix="ocp-", dir="/tmp"))
    yield Payloads(directory)
    shutil.rmtree(directory)


@pytest.fixture
def hostile(tmp_path, payloads):
    """The simulator with a tenant whose name carries Jinja (descriptions and logs name it) behind a
    proxy that names the subtask "Create resource pool" with Jinja."""
    scenario = yaml.safe_load((SCENARIOS / "integration.yaml").read_text(encoding="utf-8"))
    scenario["tenants"].append({"id": 1009, "cluster_id": 1, "name": "t_" + payloads.text("host"), "mode": "MYSQL"})
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(scenario), encoding="utf-8")
    directory = tmp_path / "simulator"
    directory.mkdir()
    simulator = start_simulator(directory, False, path, speed=50)
    proxy = HostileOcp(simulator.url, {SUBTASK: payloads.text("subtask")})
    yield simulator, proxy
    proxy.stop()
    simulator.process.terminate()
    simulator.process.wait(timeout=30)


def failed_task(simulator, payloads) -> dict:
    task_id = simulator.create_task("create_tenant", cluster_id=1, tenant_id=1009, name=payloads.text("task"), faults={
        SUBTASK: [{"fail_attempts": [1, 99], "message": "ERROR " + payloads.text("log")}]})["id"]
    deadline = time.monotonic() + 60
    while True:
        task = requests.get(f"{simulator.url}{TASKS_PATH}/{task_id}", auth=ADMIN_USER, timeout=30).json()["data"]
        if task["status"] == "FAILED":
            return task
        assert time.monotonic() < deadline
        time.sleep(0.3)


def rule_extra_vars(rule_name: str, event: dict) -> dict:
    """A rule's job_args extra_vars as ansible-rulebook renders them, with the event as ansible_eda."""
    [ruleset] = yaml.safe_load(RULEBOOK.read_text(encoding="utf-8"))
    [rule] = [rule for rule in ruleset["rules"] if rule["name"] == rule_name]
    extra_vars = substitute_variables(rule["action"]["run_job_template"]["job_args"]["extra_vars"], {"event": event})
    return dict(extra_vars, ansible_eda={"ruleset": ruleset["name"], "rule": rule_name, "event": event})


def job(root: Path, playbook: str, url: str, extra_vars: dict, user=ADMIN_USER, core: str = MAIN_VENV_CORE):
    """A job of the project's ``playbook`` with an OceanBase OCP credential, run by the ansible-playbook
    of ansible-core ``core`` (the execution environment's)."""
    (root / "env").mkdir(parents=True)
    envvars = inject_credential(yaml.safe_load((AWX / "credential_types" / "ocp.yml").read_text(encoding="utf-8")),
                                {"url": url, "username": user[0], "password": user[1]}, root / "env")
    envvars["PATH"] = f"{core_bin(core)}{os.pathsep}{os.environ['PATH']}"
    prepare_private_data_dir(root, [AWX / "project" / playbook], envvars, extra_vars)
    return run_job(root, playbook, ident=playbook.split(".")[0])


def supervise_job(root: Path, url: str, event: dict, core: str):
    """"Supervise OCP tasks" launched by the rulebook: the rule's extra vars through the survey."""
    survey = json.loads((AWX / "survey_policy.json").read_text(encoding="utf-8"))
    launched = rule_extra_vars("Supervise a failed task with the policy", event)
    extra_vars = dict(survey_extra_vars(survey, {key: value for key, value in launched.items() if key != "ansible_eda"}),
                      ansible_eda=launched["ansible_eda"], ocp_task_wait_timeout=60, ocp_task_wait_sleep=0.5)
    return job(root, "supervise_ocp_tasks.yml", url, extra_vars, core=core)


def page_rule_matches(event: dict) -> bool:
    """The condition of the rule "Page a person when the supervision did not save the task"."""
    outcome = event.get("task_supervisor", {})
    return "summary" in outcome and ("error" in outcome or outcome["summary"]["succeeded"] < outcome["summary"]["total"])


@pytest.mark.parametrize("core", [OLDEST, MAIN_VENV_CORE, NEWEST])
def test_the_awx_jobs_show_ocp_text_and_never_run_it(hostile, payloads, tmp_path, core):
    simulator, proxy = hostile
    assert core_version(core_env(core, dict(os.environ))).startswith(core + ".")
    task = failed_task(simulator, payloads)
    [subtask] = [subtask for subtask in task["subtasks"] if subtask["status"] == "FAILED"]
    text = payloads.text
    event_task = {"id": task["id"], "name": text("event-task"), "status": "FAILED"}
    failed = {"ocp": {"type": "task_failed", "key": text("event-key"), "api_url": text("event-url"), "task": event_task,
                      "failed_subtasks": [{"id": subtask["id"], "name": text("event-subtask"),
                                           "reason": text("event-reason")}]}}

    supervised = supervise_job(tmp_path / "supervise", proxy.url, failed, core)
    assert supervised.status == "successful", supervised.stdout
    stats = supervised.stats()
    # What AWX hands the next workflow node and the rulebook: ids, outcome words and counts.
    assert [(row["id"], row["outcome"]) for row in stats["task_supervisor"]["outcomes"]] == [(task["id"], "failed")]
    allowed = {"task_supervisor", "summary", "outcomes", "id", "outcome", "actions", "check_mode", "would"}
    assert set(strings_in(stats)) <= WORDS | allowed | set(stats["task_supervisor"]["summary"])
    assert page_rule_matches(stats)

    pages = tmp_path / "pages.jsonl"
    page_vars = dict(rule_extra_vars("Page a person when the supervision did not save the task", stats),
                     ocp_page_file=str(pages))
    paged = job(tmp_path / "page", "page_on_call.yml", proxy.url, page_vars, core=core)
    assert paged.status == "successful", paged.stdout
    running = {"ocp": {"type": "subtask_running_long", "task": event_task, "running_for": 1300.5,
                       "subtask": {"id": subtask["id"], "name": text("event-subtask"), "host": text("event-host")},
                       "limit": {"pattern": text("event-pattern"), "seconds": 1200}}}
    paged_long = job(tmp_path / "page-running-long", "page_on_call.yml", proxy.url,
                     dict(rule_extra_vars("Page a person when a subtask runs too long", running),
                          ocp_page_file=str(pages)), core=core)
    assert paged_long.status == "successful", paged_long.stdout
    node = job(tmp_path / "report", "report_ocp_outcome.yml", proxy.url, stats, core=core)
    assert node.status == "failed" and f"task {task['id']}: failed after" in node.stdout

    assert payloads.markers() == []
    gave_up, ran_long = page_lines(pages)
    for piece in ("task", "subtask", "host", "log"):
        assert text(piece) in gave_up["text"], (piece, gave_up)
    assert text("subtask") in ran_long["text"] and ran_long["text"].endswith("past its limit of 1200 s")
    assert "event-" not in "".join(run.stdout for run in (supervised, paged, paged_long, node))


@pytest.mark.parametrize("core", [OLDEST, MAIN_VENV_CORE])
@pytest.mark.parametrize("user, answers, kind", [
    (("admin", "rotated-password"), {}, "credentials_refused"),
    (ADMIN_USER, {"ocp_task_policy": "rules: ["}, "other"),
], ids=["401", "policy-not-yaml"])
def test_a_supervision_job_that_fails_hands_the_rulebook_an_outcome_to_page_on(
        hostile, payloads, tmp_path, user, answers, kind, core):
    simulator, proxy = hostile
    task = failed_task(simulator, payloads)
    survey = json.loads((AWX / "survey_policy.json").read_text(encoding="utf-8"))
    extra_vars = survey_extra_vars(survey, dict({"ocp_task_ids": str(task["id"]), "ocp_task_fail_on_unsuccessful": "no"},
                                                **answers))
    supervised = job(tmp_path / "supervise", "supervise_ocp_tasks.yml", proxy.url, extra_vars, user, core)
    # The job fails (AWX shows why); its set_stats, which the rulebook gets back all the same, says so too.
    assert supervised.status == "failed"
    stats = supervised.stats()
    assert stats["task_supervisor"]["error"]["kind"] == kind
    assert [row["id"] for row in stats["task_supervisor"]["outcomes"]] == [task["id"]]
    assert page_rule_matches(stats)
    pages = tmp_path / "pages.jsonl"
    paged = job(tmp_path / "page", "page_on_call.yml", proxy.url,
                dict(rule_extra_vars("Page a person when the supervision did not save the task", stats),
                     ocp_page_file=str(pages)), core=core)
    assert paged.status == "successful", paged.stdout
    [page] = page_lines(pages)
    assert page["error"] == kind and page["task_ids"] == [task["id"]]
    assert payloads.markers() == []
