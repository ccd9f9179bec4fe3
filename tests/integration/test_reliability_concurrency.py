# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Several actors on one task, hostile logs and failing rollbacks, through real ansible-playbook runs.

Each guarantee is counted in the simulator's journal: the retries OCP accepted (HTTP 200), not
what the results say. The simulator runs at real speed here: OCP hands a READY subtask to a
worker only on its next scheduler tick (OCP Express ``SubtaskCoordinator``: every second), so a
retried subtask cannot fail again within milliseconds, and the simulator's one-second dispatch
delay keeps that true. The window that remains (docs/policy-cookbook.md, "Several actors on one
task") is below that.
"""

from __future__ import annotations

import json
import time

import pytest

from action_helpers import FAULT_MESSAGE, create_tenant_task, failed_task, subtask_id, task_path
from harness import (
    alive,
    basic_auth_vars,
    run_playbook,
    run_playbook_on,
    start_playbook,
    wait_for_journal,
)

# How OCP counts runs matters here: `make integration-every-run` runs it on the older runTime rule too.
pytestmark = pytest.mark.counting

POOL = "Create resource pool"


@pytest.fixture
def real_time(simulator):
    simulator.set_clock(speed=1.0)
    yield simulator
    simulator.set_clock(speed=1.0)


def accepted(journal, path):
    return [entry for entry in journal if entry["method"] == "POST" and entry["path"] == path
            and entry["status"] == 200]


def start_wait(simulator, tmp_path, name, tasks, policy, **options):
    extra_vars = dict(basic_auth_vars(simulator), wait_tasks=tasks, wait_policy=policy, fail_when_unsuccessful=False,
                      result_path=str(tmp_path / (name + ".json")), **options)
    return start_playbook("task_wait.yml", extra_vars, tmp_path, name)


def result_of(tmp_path, name):
    return json.loads((tmp_path / (name + ".json")).read_text())


@pytest.mark.parametrize("policy, allowed", [
    ({"rules": [{"match": {"subtask_name": POOL}, "action": "retry", "max_attempts": 3}]}, 2),
    ({"max_actions": 2, "rules": [{"match": {"subtask_name": POOL}, "action": "retry", "max_attempts": 10}]}, 2),
], ids=["max_attempts 3", "max_actions 2"])
def test_two_supervisions_of_one_task_stay_within_the_limits(real_time, tmp_path, policy, allowed):
    simulator = real_time
    task = failed_task(simulator)  # the pool subtask fails on every run
    retry_path = task_path(task["id"], "subtasks", subtask_id(task, POOL), "retry")
    simulator.clear_journal()
    runs = [start_wait(simulator, tmp_path, name, [task["id"]], policy, wait_timeout=90) for name in ("one", "two")]
    for run in runs:
        finished = run.finish(timeout=180)
        assert finished.returncode == 0 and "Traceback" not in finished.output, finished.output
    journal = simulator.journal()
    assert len(accepted(journal, retry_path)) == allowed, [e for e in journal if e["method"] == "POST"]
    outcomes = [result_of(tmp_path, name)["tasks"][0] for name in ("one", "two")]
    assert [outcome["outcome"] for outcome in outcomes] == ["failed", "failed"]
    # Between them they sent what OCP accepted; a refusal is reported as someone else acting first.
    sent = sum(len([a for a in o["actions"] if a["result"] == "sent"]) for o in outcomes)
    assert sent == allowed
    assert all(outcome["failed_subtasks"][0]["attempts"] == 1 + allowed for outcome in outcomes)


def test_four_forks_retrying_one_task_send_one_accepted_retry(real_time, tmp_path):
    simulator = real_time
    task = failed_task(simulator)
    retry_path = task_path(task["id"], "retry")
    inventory = tmp_path / "hosts.ini"
    inventory.write_text("[forks]\n" + "".join("fork%d ansible_connection=local\n" % n for n in range(4)))
    simulator.clear_journal()
    run = run_playbook_on(inventory, "reliability_action_forks.yml",
                          dict(basic_auth_vars(simulator), retry_task_id=task["id"], result_dir=str(tmp_path)), forks=4)
    assert run.returncode == 0 and "Traceback" not in run.output, run.output
    journal = simulator.journal()
    assert len(accepted(journal, retry_path)) == 1, [e for e in journal if e["method"] == "POST"]
    results = [json.loads((tmp_path / ("fork%d.json" % n)).read_text()) for n in range(4)]
    assert sorted(result["performed"] for result in results) == [False, False, False, True]
    for result in results:
        if not result["performed"]:
            assert result["decision"] == "already_done", result


def test_an_unknown_task_among_known_ones_is_its_own_outcome(fast_clock, tmp_path):
    simulator = fast_clock
    known = [failed_task(simulator, failing_runs=(1, 1)) for _index in range(2)]
    finished = start_wait(simulator, tmp_path, "mixed", [known[0]["id"], 999999, known[1]["id"]],
                          {"rules": [{"match": {"subtask_name": POOL}, "action": "retry"}]}).finish()
    assert finished.returncode == 0, finished.output
    result = result_of(tmp_path, "mixed")
    assert [task["outcome"] for task in result["tasks"]] == ["succeeded", "not_found", "succeeded"]
    assert result["summary"]["not_found"] == 1


def test_a_rollback_that_always_fails_ends_failed_within_three_poll_intervals(fast_clock, tmp_path):
    simulator = fast_clock
    task = create_tenant_task(simulator, {POOL: [{"fail_attempts": [1, 99], "message": FAULT_MESSAGE}],
                                          "Create resource unit config": [{"fail_rollback": True,
                                                                          "attempts": [1, 99]}]})
    simulator.clear_journal()
    finished = start_wait(simulator, tmp_path, "undo", [task["id"]], {"rules": [{"action": "rollback"}]},
                          wait_timeout=300).finish()
    assert finished.returncode == 0, finished.output
    [outcome] = result_of(tmp_path, "undo")["tasks"]
    assert outcome["outcome"] == "failed" and outcome["operation"] == "ROLLBACK"
    assert "allows 1 rollback(s)" in outcome["decisions"][0]["reason"]
    rollbacks = [e for e in simulator.journal() if e["method"] == "POST" and e["path"].endswith("/rollback")]
    assert len(rollbacks) == 1
    # The wait (wait_sleep 0.2) ended soon after the rollback failed, not at the timeout: the
    # rollback runs for seconds at this speed; allow it and three polls, with room for a busy machine.
    assert result_of(tmp_path, "undo")["elapsed"] < 30


@pytest.mark.parametrize("pattern, warned", [(".*ERROR.*Timeout", False), ("(x+)+y", True)])
def test_a_log_rule_on_a_2mb_one_line_log_returns_in_bounded_time(fast_clock, tmp_path, pattern, warned):
    simulator = fast_clock
    task = create_tenant_task(simulator, {POOL: [{"fail_attempts": [1, 99], "message": "x" * (2 * 1024 * 1024)}]})
    started = time.monotonic()
    finished = start_wait(simulator, tmp_path, "hostile", [task["id"]],
                          {"rules": [{"match": {"log": pattern}, "action": "retry"}]}, wait_timeout=20).finish()
    assert finished.returncode == 0, finished.output
    assert time.monotonic() - started < 20 + 10
    result = result_of(tmp_path, "hostile")
    assert result["tasks"][0]["outcome"] == "failed" and result["summary"]["actions_sent"] == 0
    assert bool(result.get("warnings")) is warned


def test_a_supervision_stops_within_seconds_when_its_controller_goes_while_it_computes(fast_clock, tmp_path):
    simulator = fast_clock
    log_line = "x" * 4000
    task = create_tenant_task(simulator, {POOL: [{"fail_attempts": [1, 99], "message": log_line}]})
    run = start_wait(simulator, tmp_path, "computing", [task["id"]],
                     {"rules": [{"match": {"log": "(x+)+y"}, "action": "retry"}]}, wait_timeout=120)
    log_path = task_path(task["id"], "subtasks", subtask_id(task, POOL), "log")
    wait_for_journal(simulator, lambda journal: any(e["path"] == log_path for e in journal), 60, "the log read")
    time.sleep(0.5)  # wall time on purpose: the pattern search is now under way
    orphans = run.kill_controller()
    deadline = time.monotonic() + 10
    while alive(orphans) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(orphans), "the supervision still computes without its controller"


def test_check_mode_with_a_single_playbook_run_sends_nothing(fast_clock, tmp_path):
    simulator = fast_clock
    task = failed_task(simulator)
    simulator.clear_journal()
    run = run_playbook("task_wait.yml", dict(basic_auth_vars(simulator), wait_tasks=[task["id"]],
                                             wait_policy={"rules": [{"action": "retry"}]},
                                             result_path=str(tmp_path / "check.json")), check=True)
    assert run.returncode == 0, run.output
    assert [e for e in simulator.journal() if e["method"] == "POST"] == []
