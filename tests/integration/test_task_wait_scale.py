# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ocp_task_wait on 600 tasks in one call (issue 23's bar): what it costs follows the list pages
and the failures, not the tasks that finish.

The simulator plays scenarios/wait_scale.yaml: 600 tenant creations, 30 failing for good. Its
clock stands nearly still until the playbook's first task says the play runs; then it runs at a
speed that ends the longest task 8 s later. Every request is counted from the simulator's
journal: a detail read is a GET of /api/v2/tasks/instances/<id>.
"""

from __future__ import annotations

import datetime
import json
import re
import subprocess
import time

import requests

from harness import ADMIN_USER, PLAYBOOKS, SCENARIOS, playbook_env, start_simulator

TASKS = 600
FAILING = 30
# create_tenant's critical path is 34 s of OCP time, and the simulator's seeded durations stretch
# the slowest of these 600 to about 45 s: at this speed the last one ends about 8 s after the clock starts.
LONGEST_SECONDS = 8.0
SPEED = 45.0 / LONGEST_SECONDS
POLL_INTERVAL = 2
DETAIL_READ = re.compile(r"^/api/v2/tasks/instances/\d+$")


def _all_tasks(simulator):
    response = requests.get(simulator.url + "/api/v2/tasks/instances", auth=ADMIN_USER, timeout=60,
                            params={"size": 2000, "sort": "id,desc"})
    response.raise_for_status()
    return response.json()["data"]["contents"]


def _moment(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_600_tasks_30_failing_cost_the_list_and_the_failures(tmp_path):
    simulator = start_simulator(tmp_path, False, SCENARIOS / "wait_scale.yaml")
    try:
        task_ids = sorted(task["id"] for task in _all_tasks(simulator))
        assert len(task_ids) == TASKS
        simulator.clear_journal()
        ready_path, result_path = tmp_path / "ready", tmp_path / "result.json"
        vars_path = tmp_path / "vars.json"
        vars_path.write_text(json.dumps(dict(
            ocp_url=simulator.url, ocp_username=ADMIN_USER[0], ocp_password=ADMIN_USER[1], task_ids=task_ids,
            poll_interval=POLL_INTERVAL, ready_path=str(ready_path), result_path=str(result_path))))
        with open(tmp_path / "output.txt", "w+", encoding="utf-8") as output:
            process = subprocess.Popen(["ansible-playbook", "-i", "localhost,", "-c", "local",
                                        str(PLAYBOOKS / "task_wait_scale.yml"), "--extra-vars", "@" + str(vars_path)],
                                       stdout=output, stderr=subprocess.STDOUT, env=playbook_env())
            deadline = time.monotonic() + 120
            while not ready_path.exists() and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
            assert ready_path.exists(), "the play did not start"
            answer = requests.post(simulator.admin_url + "/clock", json={"speed": SPEED}, timeout=30).json()
            clock_start = _moment(answer["now"])
            returncode = process.wait(timeout=180)
            output.seek(0)
            text = output.read()
        assert returncode == 0 and "Traceback" not in text, text
        result = json.loads(result_path.read_text())
        journal = simulator.journal()
        tasks = _all_tasks(simulator)
    finally:
        simulator.process.terminate()
        simulator.process.wait(timeout=30)

    # The longest task does end about 8 s after the clock started (OCP time over the speed).
    longest = max((_moment(task["finishTime"]) - clock_start).total_seconds() for task in tasks) / SPEED
    assert LONGEST_SECONDS - 1.5 <= longest <= LONGEST_SECONDS + 0.5, longest
    summary = result["summary"]
    assert (summary["total"], summary["succeeded"], summary["failed"], summary["unfinished"]) == \
        (TASKS, TASKS - FAILING, FAILING, 0), summary
    # What the report says without the reads: each success with its subtasks counted, each failure
    # with its failed subtask and cause.
    succeeded = [task for task in result["tasks"] if task["outcome"] == "succeeded"]
    assert all(task["subtasks_done"] == task["subtasks_total"] == 7 for task in succeeded)
    failed = [task for task in result["tasks"] if task["outcome"] == "failed"]
    assert all(task["failed_subtasks"][0]["name"] == "Create resource pool" and "ERROR 4733" in task["failed_subtasks"][0]["cause"]
               for task in failed), failed[:1]
    reads = [entry for entry in journal if entry["method"] == "GET" and DETAIL_READ.match(entry["path"])]
    assert len(reads) <= 2 * FAILING, len(reads)
    assert all(entry["status"] == 200 for entry in journal)
    # The wait's own time (the plugin's elapsed, in whole seconds) within 15 s.
    assert result["elapsed"] <= 15, result["elapsed"]
    print("detail reads %d, requests %d, rounds %d, elapsed %s s, longest task %.1f s"
          % (len(reads), len(journal), result["rounds"], result["elapsed"], longest))
