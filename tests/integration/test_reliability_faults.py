# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reliability under a misbehaving OCP or network: every module through gateway errors (502,
503, 504 in bursts), dropped connections, answers slower than request_timeout, HTML pages
with HTTP 200 and cut-off JSON.

GETs are retried and recover; a POST is sent once, and when its answer is lost after OCP acted
the module reads the task again instead of sending it twice. The journal proves both. Faults
on a POST *before* OCP handled it are in test_task_action.py / test_subtask_action.py
(test_lost_answers_are_never_resent); here they come after handling, and on every GET.
"""

from __future__ import annotations

import pytest

from action_helpers import failed_task, subtask_id, task_path
from harness import ADMIN_USER, journal_by_path, run_reliability_cases

POOL = "Create resource pool"
LIST_PATH = "/api/v2/tasks/instances"
# Below the simulator's latency fault, so a slow answer is a timeout for the client.
REQUEST_TIMEOUT = 1
SLOW_MS = 1600

# Fault kinds on a GET, each firing on the first one or two requests of its rule: the client's
# three retries must get through.
GET_FAULTS = {
    "502 burst": {"status": 502, "nth": [1, 2]},
    "503 burst": {"status": 503, "nth": [1, 2, 3]},
    "504 burst": {"status": 504, "nth": [1, 2]},
    "dropped connection": {"drop": True, "nth": [1, 2]},
    "slower than request_timeout": {"latency_ms": SLOW_MS, "nth": [1]},
    "HTML page with HTTP 200": {"html": True, "nth": [1]},
    "cut-off JSON": {"invalid_json": True, "nth": [1]},
}
# What the journal records for each.
JOURNAL_FAULT = {
    "502 burst": "status:502", "503 burst": "status:503", "504 burst": "status:504",
    "dropped connection": "drop", "slower than request_timeout": "latency:%d" % SLOW_MS,
    "HTML page with HTTP 200": "html", "cut-off JSON": "invalid_json",
}
# Each action module's cases: a GET fault on the task it acts on, and a fault on the answer of
# its retry POST, which OCP carried out. Between the two modules every GET fault is tried.
ACTION_CASES = {
    "task": [("502 burst", {"status": 503}), ("dropped connection", {"html": True}),
             ("slower than request_timeout", {"invalid_json": True}), ("HTML page with HTTP 200", {"status": 504})],
    "subtask": [("503 burst", {"invalid_json": True}), ("504 burst", {"html": True}),
                ("cut-off JSON", {"status": 502}), ("dropped connection", {"latency_ms": SLOW_MS})],
}
# The wait's tasks: every GET fault, each with a fault on the answer of its retry POST.
WAIT_POST_FAULTS = [{"status": 503}, {"status": 504}, {"html": True}, {"invalid_json": True}, {"status": 502},
                    {"latency_ms": SLOW_MS}, {"drop": True}]
INFO_TASK_NAME = "Reliability: read through faults"


def connection(simulator):
    return {"api_url": simulator.url, "username": ADMIN_USER[0], "password": ADMIN_USER[1],
            "request_timeout": REQUEST_TIMEOUT}


def fault_on(simulator, method, path, spec, after_handling=False):
    rule = dict(spec, match={"method": method, "path": path})
    if after_handling:
        rule["after_handling"] = True
    simulator.add_fault(rule)


def retry_once_task(simulator):
    """A FAILED task whose pool subtask fails on its first run only: one retry makes it succeed."""
    return failed_task(simulator, failing_runs=(1, 1))


def assert_get_recovered(journal, path, kind):
    """The GETs of ``path``: first those the fault spoiled, then one that was answered."""
    gets = journal[("GET", path)]
    faulted = len(GET_FAULTS[kind]["nth"])
    assert [entry["fault"] for entry in gets[:faulted]] == [JOURNAL_FAULT[kind]] * faulted, (kind, gets)
    assert gets[faulted]["status"] == 200 and gets[faulted]["fault"] is None, (kind, gets)


def carried_out(entries):
    """The requests OCP handled: not faulted, or faulted only after handling."""
    return [entry for entry in entries if entry["fault"] is None or entry["fault"].startswith("after")]


@pytest.fixture
def faulty(fast_clock):
    fast_clock.clear_faults()
    yield fast_clock
    fast_clock.clear_faults()


def test_every_module_recovers_its_gets_and_sends_each_post_once(faulty, tmp_path):
    simulator = faulty
    conn = connection(simulator)
    cases, expect = [], {}

    # ocp_task_info: one list of tasks, each read in detail with the logs of its failed subtasks,
    # every read under another GET fault; the list query itself is cut off once.
    info_tasks = {}
    for kind, spec in GET_FAULTS.items():
        task = failed_task(simulator, name=INFO_TASK_NAME)
        fault_on(simulator, "GET", task_path(task["id"]), spec)
        info_tasks[task["id"]] = kind
    fault_on(simulator, "GET", LIST_PATH, {"invalid_json": True, "nth": [1]})
    cases.append(dict(name="info", module="info", args=dict(
        conn, name=INFO_TASK_NAME, subtask_logs="failed", all_pages=True)))

    # ocp_task_action and ocp_subtask_action: the task's GETs faulted, the retry POST carried
    # out with its answer lost, then waiting for the task to succeed.
    for module, module_cases in ACTION_CASES.items():
        for kind, post_fault in module_cases:
            task = retry_once_task(simulator)
            pool = subtask_id(task, POOL)
            post_path = (task_path(task["id"], "retry") if module == "task"
                         else task_path(task["id"], "subtasks", pool, "retry"))
            fault_on(simulator, "GET", task_path(task["id"]), GET_FAULTS[kind])
            fault_on(simulator, "POST", post_path, dict(post_fault, nth=[1]), after_handling=True)
            args = dict(conn, task_id=task["id"], action="retry", wait=True, wait_timeout=60, wait_sleep=0.2)
            if module == "subtask":
                args["subtask_name"] = POOL
            name = "%s: %s, POST answer %s" % (module, kind, sorted(post_fault.items()))
            cases.append(dict(name=name, module=module, args=args))
            expect[name] = (kind, task, post_path)

    # ocp_task_wait: seven failed tasks in one supervision, a GET fault on each and on the list
    # query of the poll rounds, each retry POST's answer lost after OCP acted.
    wait_tasks, wait_posts = [], []
    for (kind, spec), post_fault in zip(GET_FAULTS.items(), WAIT_POST_FAULTS):
        task = retry_once_task(simulator)
        post_path = task_path(task["id"], "subtasks", subtask_id(task, POOL), "retry")
        fault_on(simulator, "GET", task_path(task["id"]), spec)
        fault_on(simulator, "POST", post_path, dict(post_fault, nth=[1]), after_handling=True)
        wait_tasks.append((kind, task))
        wait_posts.append(post_path)
    # A rule counts the list queries from its creation: the info case's two come first.
    fault_on(simulator, "GET", LIST_PATH, {"status": 504, "nth": [2 + 1, 2 + 2]})
    fault_on(simulator, "GET", LIST_PATH, {"drop": True, "nth": [2 + 4]})
    policy = {"rules": [{"name": "pool", "match": {"subtask_name": POOL}, "action": "retry", "max_attempts": 2}]}
    cases.append(dict(name="wait", module="wait", args=dict(
        conn, tasks=[task["id"] for _kind, task in wait_tasks], policy=policy, wait_timeout=90, wait_sleep=0.2,
        progress_interval=5)))

    # A wait whose reads never recover: the retries end and the supervision says why.
    dead = retry_once_task(simulator)
    fault_on(simulator, "GET", task_path(dead["id"]), {"status": 503})
    cases.append(dict(name="wait through a dead gateway", module="wait", args=dict(
        conn, tasks=[dead["id"]], policy=policy, wait_timeout=30, wait_sleep=0.2, request_retries=2)))

    simulator.clear_journal()
    run, results, _role = run_reliability_cases(tmp_path, cases)
    assert "Traceback" not in run.output
    journal = journal_by_path(simulator.journal())

    result = results["info"]
    assert not result.get("failed"), result.get("msg")
    assert sorted(task["id"] for task in result["tasks"]) == sorted(info_tasks), result["tasks"]
    for task in result["tasks"]:
        kind = info_tasks[task["id"]]
        assert task["status"] == "FAILED", kind
        [failed_pool] = [subtask for subtask in task["subtasks"] if subtask["status"] == "FAILED"]
        assert "ERROR 4012" in failed_pool["log"], kind
        assert_get_recovered(journal, task_path(task["id"]), kind)
    assert journal[("GET", LIST_PATH)][0]["fault"] == "invalid_json"
    assert journal[("GET", LIST_PATH)][1]["status"] == 200 and journal[("GET", LIST_PATH)][1]["fault"] is None

    for case in cases:
        if case["module"] not in ("task", "subtask"):
            continue
        kind, task, post_path = expect[case["name"]]
        result = results[case["name"]]
        assert not result.get("failed"), (case["name"], result.get("msg"))
        assert result["changed"] and result["performed"], (case["name"], result)
        assert "OCP carried it out" in result["reason"], (case["name"], result["reason"])
        assert result["wait"]["outcome"] == "succeeded", (case["name"], result["wait"])
        assert_get_recovered(journal, task_path(task["id"]), kind)
        # Sent once, carried out once, whatever happened to its answer.
        assert len(journal[("POST", post_path)]) == 1, (case["name"], journal[("POST", post_path)])
        assert journal[("POST", post_path)][0]["fault"].startswith("after"), case["name"]

    result = results["wait"]
    assert not result.get("failed"), result.get("msg")
    assert [task["outcome"] for task in result["tasks"]] == ["succeeded"] * len(wait_tasks), result["tasks"]
    assert result["summary"]["actions_sent"] == len(wait_tasks), result["summary"]
    for (kind, task), post_path in zip(wait_tasks, wait_posts):
        assert_get_recovered(journal, task_path(task["id"]), kind)
        posts = journal[("POST", post_path)]
        assert len(posts) == 1 and carried_out(posts) == posts, (kind, posts)
    # The wait's list queries come after the info case's two.
    lists = journal[("GET", LIST_PATH)][2:]
    # Round one's list query, after two gateway errors; round two's, after a dropped connection.
    assert [entry["fault"] for entry in lists[:5]] == ["status:504", "status:504", None, "drop", None], lists[:6]

    result = results["wait through a dead gateway"]
    assert result["failed"], result
    assert "supervising the tasks stopped" in result["msg"] and "HTTP 503" in result["msg"], result["msg"]
    # The first read and its two retries, all refused by the gateway; no action.
    assert [entry["status"] for entry in journal[("GET", task_path(dead["id"]))]] == [503] * 3
    assert not [path for method, path in journal if method == "POST" and path.startswith(task_path(dead["id"]))]

    # Every POST sent at all is one of the expected actions; nothing was sent twice.
    all_posts = [path for (method, path), entries in journal.items() if method == "POST" for _entry in entries]
    expected = [expect[case["name"]][2] for case in cases if case["module"] in ("task", "subtask")] + wait_posts
    assert sorted(all_posts) == sorted(expected)
