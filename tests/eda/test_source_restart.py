# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ocp_task_events source against the simulator, stopped and restarted twice from its
checkpoint while 50 tasks start, fail, are retried, roll back and succeed: every change is told,
and none twice.

The source runs as ansible-rulebook runs it (its loop, its client, an asyncio queue; stopped by
cancelling it, the first time while a put waits for room in a full queue). A stand-in for a
rulebook takes the events and remediates the way the example rulebook would: a retry or a
rollback on task_failed, by kind of task. What each task must give is known from its kind.
"""

from __future__ import annotations

import asyncio
import collections
import time

import requests

from harness import ADMIN_USER

from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_events.source_loop import build_watcher, run_watcher

SPEED = 20.0
INTERVAL = 0.5
TASKS = 50
DOWN_SECONDS = 2.5
DEADLINE_SECONDS = 150
KINDS = ("succeed", "retry", "rollback", "stay_failed", "auto_retry")
RESOURCE_POOL_FAULT = {"Create resource pool": [{"fail_attempts": [1], "message": "ERROR 4012 (HY000): Timeout"}]}
HOPELESS_FAULT = {"Create resource pool": [{"fail_attempts": [1, 99], "message": "ERROR 4733 (HY000): no unit"}]}
# Install OCP agent retries once by itself (retryCount 1): its failure never makes the task FAILED.
AGENT_FAULT = {"Install OCP agent": [{"fail_attempts": [1]}]}


def expected_changes(kind: str) -> collections.Counter:
    changes = collections.Counter(task_started=1)
    if kind == "succeed":
        changes.update(task_succeeded=1)
    elif kind == "retry":
        changes.update(subtask_failed=1, task_failed=1, task_succeeded=1)
    elif kind == "rollback":
        changes.update(subtask_failed=1, task_failed=1, task_rolled_back=1)
    elif kind == "stay_failed":
        changes.update(subtask_failed=1, task_failed=1)
    else:
        changes.update(subtask_failed=1, task_succeeded=1)
    return changes


def create(simulator, kind: str) -> int:
    if kind == "auto_retry":
        return simulator.create_task("add_hosts", cluster_id=1, host_ids=[2], faults=AGENT_FAULT)["id"]
    faults = {"succeed": None, "retry": RESOURCE_POOL_FAULT}.get(kind, HOPELESS_FAULT)
    return simulator.create_task("create_tenant", cluster_id=1, tenant_id=1002, faults=faults)["id"]


class Remediation:
    """What a rulebook would do with the events: retry or roll back a failed task, by its kind."""

    def __init__(self, simulator, kinds: dict):
        self.simulator = simulator
        self.kinds = kinds
        self.events = []

    def take(self, event: dict) -> None:
        self.events.append(event)
        task_id = (event.get("task") or {}).get("id")
        if event["type"] != "task_failed" or task_id not in self.kinds:
            return
        kind, path = self.kinds[task_id], f"{self.simulator.url}/api/v2/tasks/instances/{task_id}"
        if kind == "retry":
            subtask_id = event["failed_subtasks"][0]["id"]
            requests.post(f"{path}/subtasks/{subtask_id}/retry", auth=ADMIN_USER, timeout=30).raise_for_status()
        elif kind == "rollback":
            requests.post(f"{path}/rollback", auth=ADMIN_USER, timeout=30).raise_for_status()

    def told(self) -> collections.Counter:
        return collections.Counter((event["task"]["id"], event["type"]) for event in self.events if event.get("task"))


async def consume(queue, remediation: Remediation, stop_after: int | None = None):
    """Take events until cancelled, or until ``stop_after`` of them (then leave the queue full)."""
    taken = 0
    while stop_after is None or taken < stop_after:
        payload = await queue.get()
        remediation.take(payload["ocp"])
        taken += 1


async def run_source_for(args, env, remediation, seconds=None, stop_after=None, until=None):
    """Start the source from its checkpoint, feed the remediation, stop it (cancel) after
    ``seconds``, after ``stop_after`` events (with a put then waiting), or once ``until()`` holds."""
    watcher, store, scope, client = build_watcher(args, env)
    queue = asyncio.Queue(maxsize=1)
    source = asyncio.ensure_future(run_watcher(queue, watcher, store, scope))
    consumer = asyncio.ensure_future(consume(queue, remediation, stop_after))
    started = time.monotonic()
    try:
        while True:
            await asyncio.sleep(0.05)
            if source.done():
                source.result()  # raises what stopped it
            if stop_after is not None and consumer.done():
                await asyncio.sleep(0.3)  # the source now waits to put the next event
                break
            if seconds is not None and time.monotonic() - started >= seconds:
                break
            if until is not None and until():
                break
    finally:
        source.cancel()
        consumer.cancel()
        await asyncio.gather(source, consumer, return_exceptions=True)
        client.session.close()
    # What the source put before it stopped, still in the queue, was put: it counts.
    while not queue.empty():
        remediation.take(queue.get_nowait()["ocp"])


def test_fifty_tasks_with_two_restarts_give_each_change_exactly_once(simulator, tmp_path):
    simulator.set_clock(speed=SPEED)
    env = {"OCP_URL": simulator.url, "OCP_USERNAME": ADMIN_USER[0], "OCP_PASSWORD": ADMIN_USER[1]}
    args = {"interval": INTERVAL, "sweep_every": 2, "checkpoint": str(tmp_path / "checkpoint.json")}
    kinds, expected = {}, collections.Counter()
    remediation = Remediation(simulator, kinds)

    def create_batch(count):
        for _index in range(count):
            kind = KINDS[len(kinds) % len(KINDS)]
            task_id = create(simulator, kind)
            kinds[task_id] = kind
            for change, times in expected_changes(kind).items():
                expected[(task_id, change)] += times

    async def scenario():
        # First start: nothing of the scenario's history is told.
        await run_source_for(args, env, remediation, seconds=1.0)
        assert remediation.events == []
        create_batch(10)
        # Stopped after 8 events, while putting the 9th.
        await run_source_for(args, env, remediation, stop_after=8)
        create_batch(10)
        await asyncio.sleep(DOWN_SECONDS)
        create_batch(10)
        await run_source_for(args, env, remediation, seconds=3.0)
        create_batch(10)
        await asyncio.sleep(DOWN_SECONDS)
        create_batch(10)
        await run_source_for(args, env, remediation, until=lambda: remediation.told() == expected,
                             seconds=DEADLINE_SECONDS)
        # A last start: nothing more to tell.
        told = len(remediation.events)
        await run_source_for(args, env, remediation, seconds=2.0)
        assert len(remediation.events) == told

    asyncio.run(scenario())
    assert len(kinds) == TASKS
    told = remediation.told()
    missing = {key: count for key, count in expected.items() if told[key] < count}
    repeated = {key: count for key, count in told.items() if count > expected[key]}
    assert not missing and not repeated, f"missing {missing}, repeated or unexpected {repeated}"
    keys = [event["key"] for event in remediation.events]
    assert len(keys) == len(set(keys))
    assert any(event["catch_up"] for event in remediation.events)
    assert sum(expected.values()) == len(remediation.events)


def test_filters_select_the_tasks_ocp_lists(simulator, tmp_path):
    """The source's filters reach OCP as its query parameters (cluster_id as clusterId): only the
    tasks of the cluster given are told about."""
    simulator.set_clock(speed=SPEED)
    env = {"OCP_URL": simulator.url, "OCP_USERNAME": ADMIN_USER[0], "OCP_PASSWORD": ADMIN_USER[1]}
    args = {"interval": INTERVAL, "filters": {"cluster_id": 2}}
    remediation = Remediation(simulator, {})

    async def scenario():
        await run_source_for(args, env, remediation, seconds=1.0)
        elsewhere = simulator.create_task("create_tenant", cluster_id=1, tenant_id=1002, faults=HOPELESS_FAULT)["id"]
        watched = simulator.create_task("create_tenant", cluster_id=2, tenant_id=1003, faults=HOPELESS_FAULT)["id"]
        told = {(watched, "task_failed")}
        await run_source_for(args, env, remediation, seconds=DEADLINE_SECONDS,
                             until=lambda: told <= set(remediation.told()))
        # The other cluster's task failed as soon: a poll after, it would have been told too.
        await run_source_for(args, env, remediation, seconds=2 * INTERVAL)
        return elsewhere, watched

    elsewhere, watched = asyncio.run(scenario())
    tasks_told = {task_id for task_id, _type in remediation.told()}
    assert tasks_told == {watched}, remediation.events
    lists = [entry for entry in simulator.journal() if entry["path"] == "/api/v2/tasks/instances"]
    assert lists and all("clusterId=2" in entry["query"] for entry in lists), lists
    assert elsewhere not in tasks_told
