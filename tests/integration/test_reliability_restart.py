# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller killed mid-supervision (SIGKILL of ansible-playbook and all it forked) and
started again, twice: the supervision still ends right, and neither the policy's max_actions
nor a retry rule's max_attempts is exceeded over all the runs, because both are counted from
OCP's state, not from the memory of a run that died.

test_task_wait_more.py has a single kill against max_attempts alone; here the limits meet
several restarts, and the journal counts every POST of every run.
"""

from __future__ import annotations

import json
import time

import pytest

from action_helpers import failed_task, subtask_id, task_path
from harness import alive, basic_auth_vars, start_playbook, wait_for_journal

# How OCP counts runs matters here: `make integration-every-run` runs it on the older runTime rule too.
pytestmark = pytest.mark.counting

POOL = "Create resource pool"
# A run of the pool subtask takes about a second of real time at this speed, so a kill lands
# while the retried run is going.
SPEED = 5.0


@pytest.fixture
def slow_clock(simulator):
    simulator.set_clock(speed=SPEED)
    yield simulator
    simulator.set_clock(speed=1.0)


def posts(journal, path=None):
    return [entry for entry in journal if entry["method"] == "POST" and (path is None or entry["path"] == path)]


def supervise(simulator, tmp_path, name, task_id, policy):
    extra_vars = dict(basic_auth_vars(simulator), wait_tasks=[task_id], wait_policy=policy,
                      fail_when_unsuccessful=False, wait_timeout=120, result_path=str(tmp_path / (name + ".json")))
    return start_playbook("task_wait.yml", extra_vars, tmp_path, name)


def kill_after_posts(simulator, run, path, count):
    """Kill ``run`` as soon as the journal shows ``count`` POSTs to ``path`` in all."""
    try:
        wait_for_journal(simulator, lambda journal: len(posts(journal, path)) >= count, 90,
                         "%d POST(s) to %s" % (count, path))
    finally:
        run.kill()


@pytest.mark.parametrize("max_actions, max_attempts, expected_retries", [
    (3, 10, 3),  # max_actions is the limit
    (10, 3, 2),  # the retry rule's max_attempts is: three runs in all
], ids=["max_actions binds", "max_attempts binds"])
def test_killed_twice_and_restarted_never_exceeds_a_limit(slow_clock, tmp_path, max_actions, max_attempts,
                                                          expected_retries):
    simulator = slow_clock
    task = failed_task(simulator)  # the pool subtask fails on every run
    retry_path = task_path(task["id"], "subtasks", subtask_id(task, POOL), "retry")
    policy = {"max_actions": max_actions, "rules": [
        {"name": "pool", "match": {"subtask_name": POOL}, "action": "retry", "max_attempts": max_attempts}]}

    simulator.clear_journal()
    # First run: killed right after its first retry; second run: right after its own first.
    kill_after_posts(simulator, supervise(simulator, tmp_path, "first", task["id"], policy), retry_path, 1)
    kill_after_posts(simulator, supervise(simulator, tmp_path, "second", task["id"], policy), retry_path, 2)
    assert len(posts(simulator.journal(), retry_path)) == 2

    last = supervise(simulator, tmp_path, "third", task["id"], policy).finish()
    assert last.returncode == 0, last.output
    assert "Traceback" not in last.output
    result = json.loads((tmp_path / "third.json").read_text())
    [outcome] = result["tasks"]
    assert outcome["outcome"] == "failed", outcome
    journal = simulator.journal()
    # Every POST of the three runs: the retries the limit allows, no more, each carried out.
    assert [(entry["path"], entry["status"]) for entry in posts(journal)] == [(retry_path, 200)] * expected_retries
    assert len(posts(journal)) <= max_actions
    # Attempts are the runs the log records; OCP's runTime does not grow on a subtask retry.
    assert outcome["failed_subtasks"][0]["attempts"] == 1 + expected_retries <= max_attempts
    # The last run sent only what was left and says which limit stopped it.
    assert len(outcome["actions"]) == expected_retries - 2
    reasons = " ".join(decision["reason"] for decision in outcome["decisions"])
    if max_actions < max_attempts:
        assert "max_actions (%d)" % max_actions in reasons, outcome["decisions"]
    else:
        assert "allows %d attempt(s)" % max_attempts in reasons, outcome["decisions"]


def test_a_supervision_outliving_its_controller_stops_by_itself(slow_clock, tmp_path):
    """Ansible's workers leave the controller's session, so killing ansible-playbook alone (an
    OOM kill, a cancelled job) leaves ocp_task_wait's worker running; it must notice and stop
    instead of acting on OCP for nobody."""
    simulator = slow_clock
    task = failed_task(simulator)
    retry_path = task_path(task["id"], "subtasks", subtask_id(task, POOL), "retry")
    policy = {"rules": [{"match": {"subtask_name": POOL}, "action": "retry", "max_attempts": 10}]}

    simulator.clear_journal()
    run = supervise(simulator, tmp_path, "orphaned", task["id"], policy)
    try:
        wait_for_journal(simulator, lambda journal: posts(journal, retry_path), 90, "the first retry")
    finally:
        orphans = run.kill_controller()
    assert orphans, "ansible-playbook had forked no worker"
    deadline = time.monotonic() + 30
    while alive(orphans) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(orphans), "the worker still supervises without its controller"
    # The round under way when the controller died may have sent one more; nothing after.
    sent = len(posts(simulator.journal(), retry_path))
    assert sent <= 2, sent
    time.sleep(2)  # wall time on purpose: long enough for a surviving worker's next rounds
    assert len(posts(simulator.journal(), retry_path)) == sent
