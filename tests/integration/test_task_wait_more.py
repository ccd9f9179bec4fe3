# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""oceanbase.ocp.ocp_task_wait end to end, the rest of issue 5's bar: rollback on give-up,
cancel of a hung subtask, a run killed mid-wait and started again, and 200 tasks at once.

Real ansible-playbook runs (task_wait.yml) against the simulator over HTTP; what was sent and
how often the plugin polled is read from the simulator's journal.
"""

from __future__ import annotations

import json
import re

import pytest

from action_helpers import (
    CLUSTER_ID,
    FAULT_MESSAGE,
    TENANT_ID,
    action_posts,
    failed_task,
    hanging_task,
    subtask_id,
    task_path,
)
from conftest import FAST_SPEED, FROZEN_SPEED
from harness import basic_auth_vars, run_playbook, start_playbook, wait_for_journal

# How OCP counts runs matters here: `make integration-every-run` runs it on the older runTime rule too.
pytestmark = pytest.mark.counting

POOL = "Create resource pool"
LIST_PATH = "/api/v2/tasks/instances"
DETAIL_PATH = re.compile(r"^/api/v2/tasks/instances/(\d+)$")


def _extra_vars(simulator, tmp_path, tasks, **options):
    result_path = tmp_path / "result.json"
    extra_vars = dict(basic_auth_vars(simulator), wait_tasks=tasks, result_path=str(result_path))
    extra_vars.update(("wait_" + key if key == "policy" else key, value) for key, value in options.items())
    return extra_vars, result_path


def wait(simulator, tmp_path, tasks, clear=True, **options):
    """Run task_wait.yml to its end; the run and the plugin's registered result."""
    extra_vars, result_path = _extra_vars(simulator, tmp_path, tasks, **options)
    if clear:
        simulator.clear_journal()
    run = run_playbook("task_wait.yml", extra_vars)
    assert run.returncode == 0, run.output
    assert "Traceback" not in run.output
    return run, json.loads(result_path.read_text())


def start_wait(tmp_path, extra_vars, name="wait"):
    """Start task_wait.yml without waiting for it (harness.BackgroundPlaybook can kill it all)."""
    return start_playbook("task_wait.yml", extra_vars, tmp_path, name)


def finish(playbook, timeout=120):
    run = playbook.finish(timeout)
    assert run.returncode == 0, run.output
    assert "Traceback" not in run.output
    return run.output


def posts_to(journal, path):
    return [entry for entry in journal if entry["method"] == "POST" and entry["path"] == path]


@pytest.fixture
def clock(simulator):
    """The HTTP simulator; a test sets its clock speed, which is put back to 1 afterwards."""
    yield simulator
    simulator.set_clock(speed=1.0)


def test_rollback_on_give_up_ends_rolled_back(fast_clock, tmp_path):
    simulator = fast_clock
    task = failed_task(simulator)  # "Create resource pool" fails on every run
    policy = {"rules": [
        {"name": "transient timeouts", "match": {"log": "ERROR 4012"}, "action": "retry", "max_attempts": 2},
        {"name": "give up", "match": {"subtask_name": "resource pool"}, "action": "rollback"},
    ]}
    _run, result = wait(simulator, tmp_path, [task["id"]], policy=policy, fail_when_unsuccessful=False)

    [outcome] = result["tasks"]
    assert outcome["outcome"] == "rolled_back", result
    assert result["summary"]["rolled_back"] == 1 and result["changed"] is True
    assert [(a["action"], a["rule_index"], a["result"]) for a in outcome["actions"]] == \
        [("retry", 0, "sent"), ("rollback", 1, "sent")]
    journal = simulator.journal()
    pool = subtask_id(task, POOL)
    retries = posts_to(journal, task_path(task["id"], "subtasks", pool, "retry"))
    # max_attempts counts runs in all: the first run plus one retry.
    assert len(retries) == 2 - 1
    assert len(posts_to(journal, task_path(task["id"], "rollback"))) == 1
    assert len(action_posts(simulator)) == 2
    # The retry came before the rollback.
    assert retries[0]["seq"] < posts_to(journal, task_path(task["id"], "rollback"))[0]["seq"]


def test_hung_subtask_is_cancelled_once_then_retried_to_success(fast_clock, tmp_path):
    simulator = fast_clock
    task = hanging_task(simulator)  # "Create resource pool" hangs on its first run only
    pool = subtask_id(task, POOL)
    policy = {"rules": [
        {"name": "hung pool", "match": {"subtask_name": "^Create resource pool$"}, "action": "cancel",
         "running_longer_than": 600},
        {"name": "cancelled pool", "match": {"subtask_name": "^Create resource pool$"}, "action": "retry",
         "max_attempts": 2},
    ]}
    simulator.set_clock(advance_seconds=900)  # the hung run has now run longer than the limit
    _run, result = wait(simulator, tmp_path, [task["id"]], policy=policy, wait_timeout=60)

    [outcome] = result["tasks"]
    assert outcome["outcome"] == "succeeded", result
    assert [(a["action"], a["subtask_id"], a["rule_index"], a["result"]) for a in outcome["actions"]] == \
        [("cancel", pool, 0, "sent"), ("retry", pool, 1, "sent")]
    journal = simulator.journal()
    assert len(posts_to(journal, task_path(task["id"], "subtasks", pool, "cancel"))) == 1
    assert len(posts_to(journal, task_path(task["id"], "subtasks", pool, "retry"))) == 1
    assert [entry["path"] for entry in action_posts(simulator)] == [
        task_path(task["id"], "subtasks", pool, "cancel"), task_path(task["id"], "subtasks", pool, "retry")]


def test_hung_subtask_cancelled_without_a_follow_up_rule_fails(fast_clock, tmp_path):
    simulator = fast_clock
    task = hanging_task(simulator)
    pool = subtask_id(task, POOL)
    policy = {"rules": [{"name": "hung pool", "match": {"subtask_name": "resource pool"}, "action": "cancel",
                         "running_longer_than": 600}]}
    simulator.set_clock(advance_seconds=900)
    _run, result = wait(simulator, tmp_path, [task["id"]], policy=policy, fail_when_unsuccessful=False)

    [outcome] = result["tasks"]
    # Cancelled, the subtask is FAILED and no rule says what then: the task is left as it is.
    assert outcome["outcome"] == "failed", result
    assert [(a["action"], a["result"]) for a in outcome["actions"]] == [("cancel", "sent")]
    assert "no rule applies" in outcome["decisions"][0]["reason"]
    assert [entry["path"] for entry in action_posts(simulator)] == [
        task_path(task["id"], "subtasks", pool, "cancel")]


def test_run_killed_mid_wait_and_started_again_never_exceeds_the_limit(clock, tmp_path):
    simulator = clock
    # Slow enough that a run of "Create resource pool" takes seconds of real time, so the
    # controller is killed while the retried run is still going, even on a busy machine.
    simulator.set_clock(speed=2.0)
    task = failed_task(simulator)  # fails on every run
    pool = subtask_id(task, POOL)
    retry_path = task_path(task["id"], "subtasks", pool, "retry")
    policy = {"rules": [{"name": "transient timeouts", "match": {"log": "ERROR 4012"}, "action": "retry",
                         "max_attempts": 3}]}

    simulator.clear_journal()
    extra_vars, _result_path = _extra_vars(simulator, tmp_path, [task["id"]], policy=policy,
                                           fail_when_unsuccessful=False)
    first = start_wait(tmp_path, extra_vars)
    try:
        wait_for_journal(simulator, lambda journal: posts_to(journal, retry_path), 60, "the first retry")
    finally:
        first.kill()  # the controller and its workers, as when the machine dies
    assert len(posts_to(simulator.journal(), retry_path)) == 1

    _run, result = wait(simulator, tmp_path, [task["id"]], clear=False, policy=policy, fail_when_unsuccessful=False)
    [outcome] = result["tasks"]
    assert outcome["outcome"] == "failed", result
    # The second run counted the first run's retry from the runs the log records (OCP's runTime
    # stays 1 on a subtask retry; older OCPs add 1): it sent only the last one.
    assert [(a["action"], a["attempt"]) for a in outcome["actions"]] == [("retry", 3)]
    assert "allows 3 attempt(s)" in outcome["decisions"][0]["reason"]
    assert outcome["failed_subtasks"][0]["attempts"] == 3 and outcome["failed_subtasks"][0]["runTime"] in (1, 3)
    assert any(FAULT_MESSAGE in line for line in outcome["failed_subtasks"][0]["log_excerpt"])
    journal = simulator.journal()
    assert len(posts_to(journal, retry_path)) == 3 - 1
    assert [entry["path"] for entry in journal if entry["method"] == "POST"] == [retry_path, retry_path]


# A cancel rule whose limit lies beyond the wait: the list shows no start times, yet quiet tasks
# must not be read every round to learn how long their subtasks have run.
FAR_CANCEL_POLICY = {"rules": [{"name": "hung step", "match": {"subtask_name": "."}, "action": "cancel",
                                "running_longer_than": 86400}]}


@pytest.mark.parametrize("policy", [None, FAR_CANCEL_POLICY], ids=["wait only", "with a cancel rule"])
def test_two_hundred_tasks_cost_one_list_query_per_quiet_round(clock, tmp_path, policy):
    simulator = clock
    count = 200
    simulator.set_clock(speed=FROZEN_SPEED)  # created RUNNING, and quiet until the clock runs
    ids = [simulator.create_task("create_tenant", cluster_id=CLUSTER_ID, tenant_id=TENANT_ID, state="as_is")["id"]
           for _index in range(count)]

    simulator.clear_journal()
    options = {"policy": policy} if policy else {}
    extra_vars, result_path = _extra_vars(simulator, tmp_path, ids, wait_timeout=80, progress_interval=5, **options)
    process = start_wait(tmp_path, extra_vars)
    try:
        # Several poll rounds while nothing moves.
        quiet_lists = 8
        wait_for_journal(simulator, lambda journal: len(
            [e for e in journal if e["method"] == "GET" and e["path"] == LIST_PATH]) >= quiet_lists + 1,
            60, "%d list queries" % (quiet_lists + 1))
        simulator.set_clock(speed=FAST_SPEED)
    except BaseException:
        process.kill()
        raise
    output = finish(process)
    result = json.loads(result_path.read_text())

    assert result["summary"]["succeeded"] == count, output
    assert all(task["outcome"] == "succeeded" for task in result["tasks"])
    assert result["changed"] is False and result["summary"]["actions_sent"] == 0
    journal = simulator.journal()
    assert all(entry["method"] == "GET" and entry["status"] == 200 for entry in journal), journal[:5]
    # Rounds, as the journal shows them: each starts with the one list query.
    # Within a round, the query of the tasks that ended last (newest finish first) tells which of
    # the tasks that left the list succeeded, from their entries.
    rounds, current, ended_queries = [], None, 0
    for entry in journal:
        if entry["path"] == LIST_PATH and "sort=finishTime%2Cdesc" in entry["query"]:
            assert "status=SUCCESSFUL" in entry["query"], entry
            ended_queries += 1
        elif entry["path"] == LIST_PATH:
            assert "status=RUNNING" in entry["query"] and "size=2000" in entry["query"], entry
            current = []
            rounds.append(current)
        elif current is not None:
            assert DETAIL_PATH.match(entry["path"]), entry
            current.append(entry)
    assert ended_queries <= len(rounds), (ended_queries, len(rounds))
    assert journal[0]["path"] == LIST_PATH  # the very first request: no read per task before it
    lists = len(rounds)
    # One list query per round while 4 or more tasks are left; rounds after that read each of the rest.
    assert lists <= result["rounds"] <= lists + 4, (lists, result["rounds"])
    # Quiet rounds cost the list query alone: running tasks are not read. (With a cancel rule the
    # first round reads the tasks with a running subtask, to learn when it started.)
    assert [len(reads) for reads in rounds[1:quiet_lists]] == [0] * (quiet_lists - 1)
    assert len(rounds[0]) <= count
    if policy is None:
        assert rounds[0] == []
    details = [entry for entry in journal if DETAIL_PATH.match(entry["path"])]
    per_task = {}
    for entry in details:
        per_task[entry["path"]] = per_task.get(entry["path"], 0) + 1
    assert set(per_task) <= {task_path(task_id) for task_id in ids}
    if policy is None:
        # A task that succeeded is ended from its list entry; one the entry leaves in doubt (it
        # ended between the two queries of a round and is not among the last ended yet) is read
        # once. Progressing through its 7 subtasks costs nothing more.
        assert set(per_task.values()) <= {1}
        assert len(details) < count // 2, len(details)
    else:
        # Besides: once for each of its 7 subtasks the cancel rule watches, when it starts running.
        assert max(per_task.values(), default=0) <= 1 + 7, per_task
