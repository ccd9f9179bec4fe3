# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A pipeline run again: ocp_api's reuse_task and secret_body through ansible-playbook.

One playbook (playbooks/reuse_task.yml: createTenant with reuse_task and secret_body, its result
handed to ocp_task_wait) against a simulator of its own (scenarios/rerun.yaml: what happens to a
creation depends on the tenant's name), run as pipelines run it: twice in a row, killed by SIGTERM
after its POST and run again, after a failure that a policy then retries, after a rolled-back
attempt, two at once, in check mode, and at -vvvv with the password looked for in every output.
"""

from __future__ import annotations

import json
import signal

import pytest
import requests

from harness import ADMIN_USER, SCENARIOS, basic_auth_vars, run_playbook, start_playbook, start_simulator, \
    wait_for_journal

PASSWORD = "Tenant_R00t@Pa55#Never"  # OCP 4.2's password rule (START-2)
CREATE = "/api/v2/ob/clusters/1/tenants/createTenant"
RETRY_TIMEOUTS = {"name": "transient timeouts", "match": {"log": "ERROR 4012"}, "action": "retry",
                  "max_attempts": 2}
# A create_tenant task takes about 36 s of OCP's time: 4 s here; a t_slow one 10 s.
SPEED = 10.0


@pytest.fixture(scope="module")
def ocp(tmp_path_factory):
    simulator = start_simulator(tmp_path_factory.mktemp("rerun"), False, SCENARIOS / "rerun.yaml", speed=SPEED)
    yield simulator
    simulator.process.terminate()
    simulator.process.wait(timeout=30)


def pipeline_vars(ocp, tenant, result_dir, **extra):
    result_dir.mkdir(parents=True, exist_ok=True)
    return dict(basic_auth_vars(ocp), tenant=tenant, tenant_root_password=PASSWORD, result_dir=str(result_dir),
                **extra)


def run_pipeline(ocp, tenant, result_dir, check=False, verbosity=0, **extra):
    run = run_playbook("reuse_task.yml", pipeline_vars(ocp, tenant, result_dir, **extra), check=check,
                       verbosity=verbosity)
    assert "Traceback" not in run.output
    assert PASSWORD not in run.output
    return run, _saved(result_dir, "started"), _saved(result_dir, "waited")


def _saved(result_dir, name):
    path = result_dir / (name + ".json")
    return json.loads(path.read_text()) if path.exists() else None


@pytest.fixture(autouse=True)
def fresh_journal(ocp):
    """Each test creates tenants of its own; the journal then holds its requests only."""
    ocp.clear_journal()


def creations(ocp):
    """The HTTP statuses of the createTenant requests that reached OCP during the test, in order."""
    return [entry["status"] for entry in ocp.journal() if entry["method"] == "POST" and entry["path"] == CREATE]


def task_in_ocp(ocp, task_id):
    response = requests.get(f"{ocp.url}/api/v2/tasks/instances/{task_id}", auth=ADMIN_USER, timeout=30)
    response.raise_for_status()
    return response.json()["data"]


def test_run_twice_starts_once_and_the_second_run_changes_nothing(ocp, tmp_path):
    first, started, waited = run_pipeline(ocp, "t_twice", tmp_path / "first", verbosity=4)
    assert first.returncode == 0, first.output
    assert (started["changed"], started["reused"], started["reuse"]["decision"]) == (True, False, "start")
    assert waited["tasks"][0]["outcome"] == "succeeded"

    second, started_again, waited_again = run_pipeline(ocp, "t_twice", tmp_path / "second", verbosity=4)
    assert second.returncode == 0, second.output
    assert (started_again["changed"], started_again["reused"]) == (False, True)
    assert started_again["reuse"]["decision"] == "already_done"
    assert started_again["task_ids"] == started["task_ids"]
    assert waited_again["tasks"][0]["outcome"] == "succeeded"
    assert creations(ocp) == [200]
    # The start's result shows as usual: nothing but the password is hidden.
    assert "censored" not in first.output + second.output
    assert "t_twice" in second.output and '"reused": true' in second.output
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in first.output  # the invocation echo at -vvvv


def test_a_run_killed_after_its_post_is_picked_up_by_the_next_run(ocp, tmp_path):
    killed = start_playbook("reuse_task.yml", pipeline_vars(ocp, "t_slow_1", tmp_path / "killed"), tmp_path, "killed")
    # Killed while it supervises: the start's result is saved, the POST is in OCP's journal.
    wait_for_journal(ocp, lambda journal: any(entry["method"] == "POST" and entry["path"] == CREATE
                                              for entry in journal) and (tmp_path / "killed" / "started.json").exists(),
                     timeout=60, what="the killed run's createTenant")
    killed.process.send_signal(signal.SIGTERM)
    killed_run = killed.finish(timeout=60)
    assert killed_run.returncode != 0
    [task_id] = json.loads((tmp_path / "killed" / "started.json").read_text())["task_ids"]
    assert task_in_ocp(ocp, task_id)["status"] == "RUNNING"  # the task went on in OCP

    run, started, waited = run_pipeline(ocp, "t_slow_1", tmp_path / "again")
    assert run.returncode == 0, run.output
    assert (started["reused"], started["reuse"]["decision"], started["task_ids"]) == (True, "reuse", [task_id])
    assert started["reuse"]["task"]["status"] == "RUNNING"
    assert [task["id"] for task in waited["tasks"]] == [task_id] and waited["tasks"][0]["outcome"] == "succeeded"
    assert creations(ocp) == [200]


def test_a_failed_earlier_task_is_reused_and_retried_by_the_policy(ocp, tmp_path):
    failed_run, started, _waited = run_pipeline(ocp, "t_failing_retry", tmp_path / "first")
    assert failed_run.returncode != 0 and "failed" in failed_run.output
    [task_id] = started["task_ids"]

    run, started_again, waited = run_pipeline(ocp, "t_failing_retry", tmp_path / "again",
                                              wait_policy={"rules": [RETRY_TIMEOUTS]})
    assert run.returncode == 0, run.output
    assert (started_again["reuse"]["decision"], started_again["reuse"]["task"]["status"]) == ("reuse", "FAILED")
    [outcome] = waited["tasks"]
    assert (outcome["id"], outcome["outcome"]) == (task_id, "succeeded")
    assert [action["action"] for action in outcome["actions"]] == ["retry"]
    assert creations(ocp) == [200]


def test_a_rolled_back_attempt_is_started_anew(ocp, tmp_path):
    failed_run, started, _waited = run_pipeline(ocp, "t_failing_undone", tmp_path / "first",
                                                wait_policy={"rules": [{"name": "undo", "action": "rollback"}]})
    assert failed_run.returncode != 0
    [first_id] = started["task_ids"]
    assert task_in_ocp(ocp, first_id)["operation"] == "ROLLBACK"

    run, started_again, waited = run_pipeline(ocp, "t_failing_undone", tmp_path / "again",
                                              wait_policy={"rules": [RETRY_TIMEOUTS]})
    assert run.returncode == 0, run.output
    assert (started_again["changed"], started_again["reused"], started_again["reuse"]["decision"]) == (
        True, False, "start")
    assert started_again["reuse"]["task"]["id"] == first_id and started_again["reuse"]["task"]["rolled_back"]
    assert started_again["task_ids"] != [first_id] and waited["tasks"][0]["outcome"] == "succeeded"
    assert creations(ocp) == [200, 200]


def test_two_runs_at_once_start_one_task(ocp, tmp_path):
    runs = [start_playbook("reuse_task.yml", pipeline_vars(ocp, "t_both", tmp_path / name), tmp_path, name)
            for name in ("one", "two")]
    finished = [run.finish(timeout=180) for run in runs]
    for run in finished:
        assert run.returncode == 0, run.stdout
        assert PASSWORD not in run.stdout and "Traceback" not in run.stdout
    started = [_saved(tmp_path / name, "started") for name in ("one", "two")]
    assert started[0]["task_ids"] == started[1]["task_ids"]
    assert sorted(result["reused"] for result in started) == [False, True]
    # One creation reached OCP; the other run found its task first, or was refused and then found it.
    assert creations(ocp) in ([200], [200, 400])


def test_check_mode_says_what_it_would_do_and_changes_nothing(ocp, tmp_path):
    run, would_start, _waited = run_pipeline(ocp, "t_checked", tmp_path / "new", check=True)
    assert run.returncode == 0, run.output
    assert would_start["reuse"]["why"].startswith("check mode: would send the request")
    assert would_start["request"]["body"]["name"] == "t_checked"
    assert would_start["request"]["body"]["rootPassword"] == "********"
    assert creations(ocp) == []

    run_playbook("reuse_task.yml", pipeline_vars(ocp, "t_checked", tmp_path / "real"))
    run, would_reuse, _waited = run_pipeline(ocp, "t_checked", tmp_path / "again", check=True)
    assert run.returncode == 0, run.output
    assert (would_reuse["changed"], would_reuse["reuse"]["decision"]) == (False, "already_done")
    assert creations(ocp) == [200]
