# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Credentials revoked in the middle of a wait (HTTP 401) or permissions taken away (HTTP 403):
the wait stops at once with a message saying so, it is not retried, and no action is sent on
the strength of what can no longer be read."""

from __future__ import annotations

import re

import pytest

from action_helpers import failed_task, task_path
from harness import ADMIN_USER, journal_by_path, run_reliability_cases

POOL = "Create resource pool"
LIST_PATH = "/api/v2/tasks/instances"
# From the 3rd matching request on: the first reads work, then the credentials stop working.
FROM_THIRD = list(range(3, 200))
REFUSALS = {
    401: r"authentication failed: check username/password or access key.*HTTP 401",
    403: r"the user lacks the TASK_VIEWER/TASK_MANAGER permission.*HTTP 403",
}
# The failed tasks call for a retry, due an hour later (the clock is nearly stopped): the wait keeps
# reading them until the refusal, and the retry must then never be sent.
RETRY_POLICY = {"rules": [{"match": {"subtask_name": POOL}, "action": "retry", "max_attempts": 3, "delay": 3600}]}


@pytest.fixture
def refusing(frozen_clock):
    frozen_clock.clear_faults()
    yield frozen_clock
    frozen_clock.clear_faults()


def test_refused_reads_mid_wait_stop_the_wait_without_any_action(refusing, tmp_path):
    simulator = refusing
    conn = {"api_url": simulator.url, "username": ADMIN_USER[0], "password": ADMIN_USER[1]}
    wait = dict(conn, policy=RETRY_POLICY, wait_timeout=60, wait_sleep=0.2)
    cases, watched = [], {}
    for status in REFUSALS:
        # One task, read task by task: its third read is refused.
        task = failed_task(simulator)
        simulator.add_fault({"match": {"method": "GET", "path": task_path(task["id"])}, "nth": FROM_THIRD,
                             "status": status})
        cases.append(dict(name="wait, one task, %d" % status, module="wait", args=dict(wait, tasks=[task["id"]])))
        watched["wait, one task, %d" % status] = (status, [task])
        # ocp_task_action waiting after its retry: the retry is sent once, then the wait is refused.
        failed = failed_task(simulator)
        simulator.add_fault({"match": {"method": "GET", "path": task_path(failed["id"])}, "nth": FROM_THIRD,
                             "status": status})
        cases.append(dict(name="task action waiting, %d" % status, module="task", args=dict(
            conn, task_id=failed["id"], action="retry", wait=True, wait_timeout=60, wait_sleep=0.2)))
        watched["task action waiting, %d" % status] = (status, [failed])
    # Many tasks, followed by one list query per round: the second list query is refused.
    many = [failed_task(simulator) for _task in range(5)]
    simulator.add_fault({"match": {"method": "GET", "path": LIST_PATH}, "nth": list(range(2, 200)), "status": 401})
    cases.append(dict(name="wait, many tasks, 401 on the list", module="wait",
                      args=dict(wait, tasks=[task["id"] for task in many])))

    simulator.clear_journal()
    run, results, _role = run_reliability_cases(tmp_path, cases)
    assert "Traceback" not in run.output
    journal = journal_by_path(simulator.journal())

    for name in ("wait, one task, 401", "wait, one task, 403"):
        status, [task] = watched[name]
        result = results[name]
        assert result["failed"], result
        assert re.search("supervising the tasks stopped: " + REFUSALS[status], result["msg"]), result["msg"]
        assert result["error"]["status"] == status
        # Two reads answered, the third refused and not tried again.
        assert [entry["status"] for entry in journal[("GET", task_path(task["id"]))]] == [200, 200, status]
        # The retry was planned (due later), never sent.
        [outcome] = result["tasks"]
        assert outcome["actions"] == [], outcome
        assert [(planned["action"], planned["result"]) for planned in outcome["planned"]] == [("retry", "not_yet_due")]

    for name in ("task action waiting, 401", "task action waiting, 403"):
        status, [task] = watched[name]
        result = results[name]
        assert result["failed"], result
        assert re.search(REFUSALS[status], result["msg"]), result["msg"]
        # The retry was sent before the refusal, once; the refused read was not tried again.
        assert len(journal[("POST", task_path(task["id"], "retry"))]) == 1
        assert [entry["status"] for entry in journal[("GET", task_path(task["id"]))]][-1] == status
        assert [entry["status"] for entry in journal[("GET", task_path(task["id"]))]].count(status) == 1

    result = results["wait, many tasks, 401 on the list"]
    assert result["failed"], result
    assert re.search("supervising the tasks stopped: " + REFUSALS[401], result["msg"]), result["msg"]
    assert [entry["status"] for entry in journal[("GET", LIST_PATH)]] == [200, 401]

    # The only actions sent at all: the two action modules' retries, before the refusals.
    posts = sorted(path for (method, path) in journal if method == "POST")
    assert posts == sorted(task_path(watched[name][1][0]["id"], "retry")
                           for name in ("task action waiting, 401", "task action waiting, 403"))
