# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""20 forks supervising 200 tasks at once: 20 hosts (connection local), each with its own 10
tasks and the same policy, all at the same time against one OCP. Every outcome is right and the
journal agrees with the results: each retry POST sent once, as many as the results report.

The simulator is this module's own, so that its 200 tasks stay out of the other tests' lists.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from action_helpers import subtask_id, task_path
from harness import SCENARIOS, basic_auth_vars, run_playbook_on, start_simulator

HOSTS = 20
POOL = "Create resource pool"
POLICY = {"rules": [{"name": "pool", "match": {"subtask_name": POOL}, "action": "retry", "max_attempts": 2}]}
# Per host: tasks that run to success, failed tasks one retry saves, and one no retry saves.
PLAIN, SAVED, HOPELESS = 6, 3, 1


@pytest.fixture(scope="module")
def own_simulator(tmp_path_factory):
    simulator = start_simulator(tmp_path_factory.mktemp("forks"), False, SCENARIOS / "integration.yaml", speed=50)
    yield simulator
    simulator.process.terminate()
    simulator.process.wait(timeout=30)


def create(simulator, failing_runs=None):
    faults = {POOL: [{"fail_attempts": list(failing_runs)}]} if failing_runs else {}
    return simulator.create_task("create_tenant", cluster_id=2, tenant_id=1003,
                                 state="finished" if failing_runs else "as_is", faults=faults)


def test_twenty_forks_supervise_two_hundred_tasks(own_simulator, tmp_path):
    simulator = own_simulator
    # Nothing moves while the tasks are set up, so every host starts from the same states.
    simulator.set_clock(speed=0.001)
    expected, retry_paths, hosts = {}, {}, {}
    for host in range(HOSTS):
        tasks = [(create(simulator), "succeeded") for _index in range(PLAIN)]
        tasks += [(create(simulator, (1, 1)), "succeeded") for _index in range(SAVED)]
        tasks += [(create(simulator, (1, 99)), "failed") for _index in range(HOPELESS)]
        hosts["host%02d" % host] = [task["id"] for task, _outcome in tasks]
        for task, outcome in tasks:
            expected[task["id"]] = outcome
            if task["status"] == "FAILED":
                retry_paths[task["id"]] = task_path(task["id"], "subtasks", subtask_id(task, POOL), "retry")
    assert len(expected) == HOSTS * (PLAIN + SAVED + HOPELESS) == 200

    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps({"all": {"hosts": {
        name: {"ansible_connection": "local", "host_tasks": ids} for name, ids in hosts.items()}}}))
    result_dir = tmp_path / "results"
    result_dir.mkdir()
    simulator.clear_journal()
    simulator.set_clock(speed=50)
    run = run_playbook_on(inventory, "reliability_forks.yml", dict(
        basic_auth_vars(simulator), wait_policy=POLICY, result_dir=str(result_dir)), forks=HOSTS)
    assert run.returncode == 0, run.output
    assert "Traceback" not in run.output

    outcomes, actions_sent = {}, 0
    for name, ids in hosts.items():
        result = json.loads((result_dir / (name + ".json")).read_text())
        assert [task["id"] for task in result["tasks"]] == ids, name
        outcomes.update((task["id"], task["outcome"]) for task in result["tasks"])
        assert result["summary"] == dict(result["summary"], succeeded=PLAIN + SAVED, failed=HOPELESS, total=10), name
        actions_sent += result["summary"]["actions_sent"]
    assert outcomes == expected
    assert Counter(outcomes.values()) == {"succeeded": 180, "failed": 20}

    journal = simulator.journal()
    # Nothing failed on the way: every request got its answer.
    assert Counter(entry["status"] for entry in journal) == {200: len(journal)}
    posts = Counter(entry["path"] for entry in journal if entry["method"] == "POST")
    # One retry per failed task, each sent once, and the results count exactly those.
    assert posts == Counter(retry_paths.values())
    assert actions_sent == sum(posts.values()) == HOSTS * (SAVED + HOPELESS)
    # Only supervised tasks are read, every failed one among them (the policy looks at its
    # subtasks and log); a success is ended from its list entry.
    read = {int(entry["path"].split("/")[5]) for entry in journal
            if entry["method"] == "GET" and entry["path"].count("/") >= 5}
    assert set(retry_paths) <= read <= set(expected)
