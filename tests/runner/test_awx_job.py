# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWX jobs under ansible-runner, the engine AWX runs playbooks with, against the OCP simulator.

The credential reaches each job as AWX would inject it: the shipped credential type's injectors
are rendered (tests/runner/awx_credential.py) into env/envvars, and its CA certificate into a file
under env/. The jobs:

- the demo (examples/demo.yml) with the username-and-password credential over HTTP, at the
  default verbosity, where the progress lines must show;
- the "Supervise OCP tasks" job template (extensions/awx/project/supervise_ocp_tasks.yml) with the
  survey's answers over HTTPS with a CA certificate, at verbosity 4: once with the access key and
  tasks that succeed, once with the password and a task that fails, and with bad answers;
- the workflow's next node (report_ocp_outcome.yml), given the template job's set_stats data as
  extra variables, as AWX hands them on.

The secrets are searched for in every file the jobs leave in their private_data_dir except env/,
the job's input: AWX writes the credential's secrets there itself (env/envvars) for the job to read.
ansible-runner also records the job's environment, secrets included, under the `env` key of
artifacts/<ident>/command before Ansible starts; that key is the same input and is not searched.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from awx_credential import inject_credential
from awx_job import files_containing, prepare_private_data_dir, run_job
from awx_survey import survey_extra_vars
from harness import start_simulator

ROOT = Path(__file__).resolve().parents[2]
AWX = ROOT / "extensions" / "awx"
PROJECT = AWX / "project"
# Distinctive, so that finding one anywhere is a leak and not a coincidence.
PASSWORD = "Awx-Runner-Pa55word-Never-Printed-4c1d"
ACCESS_KEY_ID = "AKAWXRUNNER000000001"
ACCESS_KEY_SECRET = "SKawxRunnerSecretNeverPrinted00000000001"
SECRETS = [PASSWORD, ACCESS_KEY_SECRET]
# Simulated seconds per real second: the demo's wait lasts about 6 s, long enough for its
# 3-second progress lines to show up while it goes on.
DEMO_SPEED = 12
TEMPLATE_SPEED = 30
WAIT_TASK = "Wait for the tasks and remediate by the policy"
PROGRESS_PREFIX = "ocp_task_wait: "
FAULT = "ERROR 4012 (HY000): Timeout, query has reached the maximum query timeout"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> Path:
    """The demo scenario, with the admin's password and access key replaced by distinctive ones."""
    import ocp_simulator.scenario  # pylint: disable=import-outside-toplevel

    demo = yaml.safe_load((Path(ocp_simulator.scenario.__file__).parent / "scenarios" / "demo.yaml").read_text())
    [admin] = [user for user in demo["users"] if user["name"] == "admin"]
    admin.update(password=PASSWORD, access_keys=[{"id": ACCESS_KEY_ID, "secret": ACCESS_KEY_SECRET}])
    path = tmp_path_factory.mktemp("scenario") / "awx.yaml"
    path.write_text(yaml.safe_dump(demo))
    return path


def started(tmp_path_factory, name, scenario, tls, speed):
    simulator = start_simulator(tmp_path_factory.mktemp(name), tls=tls, scenario=scenario, speed=speed)
    yield simulator
    simulator.process.terminate()
    simulator.process.wait(timeout=30)


@pytest.fixture(scope="module")
def http_simulator(tmp_path_factory, scenario):
    yield from started(tmp_path_factory, "http", scenario, tls=False, speed=DEMO_SPEED)


@pytest.fixture(scope="module")
def https_simulator(tmp_path_factory, scenario):
    yield from started(tmp_path_factory, "https", scenario, tls=True, speed=TEMPLATE_SPEED)


@pytest.fixture(scope="module")
def demo_job(tmp_path_factory, http_simulator):
    root = tmp_path_factory.mktemp("demo-job")
    envvars = injected(root, {"url": http_simulator.url, "username": "admin", "password": PASSWORD})
    # demo.yml writes its report where OCP_DEMO_REPORT says: inside the job's directory, so the
    # secret search covers it too.
    envvars["OCP_DEMO_REPORT"] = str(root / "demo-report.json")
    prepare_private_data_dir(root, [ROOT / "examples" / "demo.yml"], envvars, {})
    return run_job(root, "demo.yml", ident="demo")


def injected(root: Path, inputs: dict) -> dict:
    """The job environment a credential of the shipped type with these inputs gives, AWX-style:
    every OCP_* variable is set, empty for the inputs not given."""
    (root / "env").mkdir(exist_ok=True)
    credential_type = yaml.safe_load((AWX / "credential_types" / "ocp.yml").read_text(encoding="utf-8"))
    return inject_credential(credential_type, inputs, root / "env")


def template_job_with(root: Path, envvars: dict, answers: dict, template_vars: dict | None = None,
                      verbosity: int = 0):
    """A run of the "Supervise OCP tasks" job template: its own extra variables, then the survey's answers."""
    survey = json.loads((AWX / "survey_policy.json").read_text(encoding="utf-8"))
    extra_vars = dict(template_vars or {}, **survey_extra_vars(survey, answers))
    prepare_private_data_dir(root, [PROJECT / "supervise_ocp_tasks.yml"], envvars, extra_vars)
    return run_job(root, "supervise_ocp_tasks.yml", ident="supervise", verbosity=verbosity)


@pytest.fixture(scope="module")
def template_job(tmp_path_factory, https_simulator):
    failing = https_simulator.create_task("create_tenant", cluster_id=1, tenant_id=1003, state="finished", faults={
        "Create resource pool": [{"fail_attempts": [1, 1], "message": FAULT}]})
    running = https_simulator.create_task("create_tenant", cluster_id=1, tenant_id=1003, state="running")
    root = tmp_path_factory.mktemp("template-job")
    envvars = injected(root, {
        "url": https_simulator.url, "access_key_id": ACCESS_KEY_ID, "access_key_secret": ACCESS_KEY_SECRET,
        "ca_bundle": Path(https_simulator.ca).read_text()})
    # Quicker progress than the job template's defaults, so a short wait shows some.
    template_vars = {"ocp_task_progress_interval": 1, "ocp_task_wait_sleep": 0.5,
                     "ocp_task_report_path": str(root / "supervise-report.json")}
    job = template_job_with(root, envvars, {"ocp_task_ids": f"{failing['id']}, {running['id']}"}, template_vars,
                            verbosity=4)
    return job, (failing["id"], running["id"])


def workflow_node(root: Path, stats: dict):
    """The next workflow node: AWX passes the earlier nodes' set_stats data on as extra variables."""
    prepare_private_data_dir(root, [PROJECT / "report_ocp_outcome.yml"], {}, stats)
    return run_job(root, "report_ocp_outcome.yml", ident="report")


def progress_during(job, task_name: str) -> tuple[list[dict], dict]:
    """The progress events a task printed before its result, and the result event."""
    events = job.task_events(task_name)
    progress = [event for event in events[:-1] if event.get("stdout", "").startswith(PROGRESS_PREFIX)]
    return progress, events[-1]


def created(event: dict) -> datetime:
    return datetime.fromisoformat(event["created"])


def test_demo_job_succeeds_with_the_credential_injected(demo_job):
    assert (demo_job.status, demo_job.rc) == ("successful", 0), demo_job.stdout
    assert "Traceback" not in demo_job.stdout


def test_demo_job_shows_progress_while_it_waits(demo_job):
    progress, result = progress_during(demo_job, WAIT_TASK)
    assert result["event"] == "runner_on_ok"
    lines = [event["stdout"] for event in progress]
    assert any("waiting for 2 task(s)" in line for line in lines), lines
    assert any("sent retry of subtask" in line for line in lines), lines
    # A periodic line ("after 3s: 1 running, ...") came out seconds before the task's result, so
    # AWX's job output showed it while the wait went on, not all at once at the end.
    periodic = [event for event in progress if "s: " in event["stdout"] and " running, " in event["stdout"]]
    assert periodic, lines
    assert (created(result) - created(periodic[0])).total_seconds() >= 1, (periodic[0]["created"], result["created"])
    assert all(event["event"] == "verbose" for event in progress)


def test_demo_job_records_the_role_stats(demo_job):
    stats = demo_job.stats()["task_supervisor"]
    assert stats["summary"]["succeeded"] == 2 and stats["summary"]["total"] == 2, stats
    # t_demo: skip the pre-check, retry the resource pool twice; t_showcase (started by the demo,
    # named "Create tenant" by OCP): retry its resource pool once (the scenario's start_faults).
    assert stats["summary"]["actions_sent"] == 4
    assert sorted((outcome["outcome"], outcome["actions"]) for outcome in stats["outcomes"]) == [
        ("succeeded", 1), ("succeeded", 3)]
    # Ids, outcome words and counts: no OCP text, which the next node would template.
    assert all(set(outcome) == {"id", "outcome", "actions"} for outcome in stats["outcomes"])


def test_demo_job_leaves_no_secret_behind(demo_job):
    assert (demo_job.artifact_dir / "job_events").is_dir() and (demo_job.private_data_dir / "demo-report.json").exists()
    assert files_containing(demo_job.private_data_dir, SECRETS, skip_dirs=("env",)) == []


def test_secret_search_would_find_a_leak(demo_job, tmp_path):
    """The search is not blind: the env/ input holds the password, and a planted copy is found."""
    assert files_containing(demo_job.private_data_dir / "env", SECRETS, skip_dirs=()) == [f"envvars: {PASSWORD}"]
    (tmp_path / "artifacts" / "x").mkdir(parents=True)
    (tmp_path / "artifacts" / "x" / "stdout").write_text(f"leaked {ACCESS_KEY_SECRET}\n")
    assert files_containing(tmp_path, SECRETS, skip_dirs=("env",)) == [f"artifacts/x/stdout: {ACCESS_KEY_SECRET}"]


def test_template_job_supervises_by_the_survey_policy_over_https(template_job):
    job, task_ids = template_job
    assert (job.status, job.rc) == ("successful", 0), job.stdout
    stats = job.stats()["task_supervisor"]
    outcomes = {outcome["id"]: outcome for outcome in stats["outcomes"]}
    assert set(outcomes) == set(task_ids)
    assert all(outcome["outcome"] == "succeeded" for outcome in outcomes.values()), outcomes
    # The survey's default policy retried the transient timeout once.
    assert outcomes[task_ids[0]]["actions"] == 1 and outcomes[task_ids[1]]["actions"] == 0
    progress = progress_during(job, WAIT_TASK)[0]
    assert any("sent retry of subtask" in event["stdout"] for event in progress)


def test_template_job_at_verbosity_4_leaves_no_secret_behind(template_job):
    job = template_job[0]
    # Verbosity 4 did print connection details, so there was output in which to leak.
    assert "ESTABLISH LOCAL CONNECTION" in job.stdout
    assert (job.private_data_dir / "supervise-report.json").exists()
    assert files_containing(job.private_data_dir, SECRETS, skip_dirs=("env",)) == []


def test_workflow_node_receives_the_stats(template_job, tmp_path):
    job, task_ids = template_job
    node = workflow_node(tmp_path, job.stats())
    assert (node.status, node.rc) == ("successful", 0), node.stdout
    for task_id in task_ids:
        assert f"task {task_id}: succeeded after" in node.stdout
    assert "All 2 OCP task(s) succeeded." in node.stdout


def test_workflow_node_fails_when_a_task_did_not_succeed(template_job, tmp_path):
    job, task_ids = template_job
    stats = copy.deepcopy(job.stats())
    stats["task_supervisor"]["summary"].update(succeeded=1, failed=1)
    stats["task_supervisor"]["outcomes"][1]["outcome"] = "failed"
    node = workflow_node(tmp_path, stats)
    assert node.status == "failed"
    assert f"1 of 2 OCP task(s) did not succeed: {task_ids[1]}" in node.stdout


def test_workflow_node_outside_a_workflow_says_so(tmp_path):
    node = workflow_node(tmp_path, {})
    assert node.status == "failed"
    assert "No `task_supervisor` variable" in node.stdout


def test_template_job_by_name_fails_readably_and_still_records_stats(https_simulator, tmp_path):
    """The demo's "Create tenant t_demo" fails a pre-check the survey's default policy does not skip.
    With the username-and-password credential at verbosity 4, so the password meets a failure's
    output (failed subtask logs, the role's summary) as well."""
    envvars = injected(tmp_path, {
        "url": https_simulator.url, "username": "admin", "password": PASSWORD,
        "ca_bundle": Path(https_simulator.ca).read_text()})
    job = template_job_with(tmp_path, envvars, {"ocp_task_name": "Create tenant t_demo", "ocp_task_wait_timeout": 60},
                            verbosity=4)
    assert job.status == "failed"
    assert re.search(r"1 of 1 task\(s\) did not succeed:\s+task \d+ 'Create tenant t_demo'"
                     r"(\s+\(tenant \S+\s+in\s+cluster \S+\))? failed", job.stdout), job.stdout
    assert "Check tenant parameters" in job.stdout
    # set_stats ran before the failure, so a workflow's failure path gets the outcome too.
    [outcome] = job.stats()["task_supervisor"]["outcomes"]
    # Ids, outcome words and counts: no OCP text, which a later node would template.
    assert set(outcome) == {"id", "outcome", "actions"} and outcome["outcome"] == "failed"
    assert "ESTABLISH LOCAL CONNECTION" in job.stdout
    assert files_containing(tmp_path, SECRETS, skip_dirs=("env",)) == []


@pytest.mark.parametrize("answers, message", [
    ({"ocp_task_ids": "1024, 10x"}, "Give OCP task IDs separated by commas .* got IDs '1024, 10x'"),
    ({}, "Give OCP task IDs separated by commas .* got IDs '' and name filter ''"),
    ({"ocp_task_ids": "1", "ocp_task_policy": "rules: ["}, "The remediation policy is neither YAML nor JSON: while parsing"),
    ({"ocp_task_ids": "1", "ocp_task_policy": "- retry"}, "The remediation policy must be a mapping"),
    ({"ocp_task_ids": "1", "ocp_task_policy": "rules: [{action: reboot}]"}, "rules\\[0\\]"),
], ids=["bad-id", "nothing", "not-yaml", "not-mapping", "bad-rule"])
def test_template_job_refuses_bad_survey_answers(https_simulator, tmp_path, answers, message):
    envvars = injected(tmp_path, {
        "url": https_simulator.url, "username": "admin", "password": PASSWORD,
        "ca_bundle": Path(https_simulator.ca).read_text()})
    https_simulator.clear_journal()
    job = template_job_with(tmp_path, envvars, answers)
    assert job.status == "failed"
    assert re.search(message, job.stdout), job.stdout
    assert "Traceback" not in job.stdout
    assert https_simulator.journal() == []


def test_template_job_without_a_credential_says_what_is_missing(tmp_path):
    job = template_job_with(tmp_path, {}, {"ocp_task_ids": "1"})
    assert job.status == "failed"
    assert "no api_url: give the api_url option or set the OCP_URL environment variable" in job.stdout
    assert "no credentials: give username and password (or set OCP_USERNAME and OCP_PASSWORD)" in job.stdout
