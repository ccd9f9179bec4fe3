# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ocp_task_events source watching 500 tasks: how soon a change in OCP becomes an event, and
what each poll costs.

The source runs as ansible-rulebook runs it (its asyncio loop, the blocking client in the
executor, an asyncio queue), in this process, against the simulator. ``--tasks`` tasks (seeded
random templates, a fifth of them with a subtask that fails) are created with the simulator's
clock nearly stopped; once the source has made its first poll (which takes them as they are), the
clock is set to ``--speed``. From then on every change is news: subtask failures, task failures
and ends. When no task runs any more, the clock is stopped again and the source polls a quiet OCP.

- latency of an event: the real time of the change (its OCP timestamp, through the clock's anchor
  and speed) to the moment the event came off the queue; against the poll interval, since a
  change waits for the next poll. Events read late from a log (``late``) are left out: their
  change time is not the moment they could first be seen.
- requests per poll: counted by the source's own poll plans (list queries, task reads, log
  reads), checked against the simulator's journal; a quiet poll should be one list query (two
  when it is also a sweep for tasks that came and went between polls).

Usage: python bench/eda_source.py [--tasks 500] [--speed 15] [--interval 2] [--seed 7]
Prints a Markdown section; bench/run_all.py (`make bench`) puts it in docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import functools
import random
import time

import requests

from common import SCENARIOS, TASKS_PATH, ClockAnchor, median, percentile, simulator
from harness import ADMIN_USER

from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_events.source_loop import build_watcher, run_watcher

FROZEN_SPEED = 0.001
QUIET_POLLS = 8
FAULT_EVERY = 5
TEMPLATES = (
    ("create_tenant", {"cluster_id": 1, "tenant_id": 1002}, "Create resource pool"),
    ("add_hosts", {"cluster_id": 1, "host_ids": [3]}, "Check host OS"),
    ("take_over_cluster", {"cluster_id": 1}, "Sync tenants"),
    ("backup", {"cluster_id": 1, "tenant_id": 1002}, "Start log archive"),
    ("upgrade_cluster", {"cluster_id": 1}, "Check cluster health"),
)
# Where each kind of event takes the time of its change from.
CHANGE_TIME = {
    "subtask_failed": lambda event: event["subtask"]["finished"],
    "task_failed": lambda event: event["task"]["finish_time"],
    "task_succeeded": lambda event: event["task"]["finish_time"],
    "task_rolled_back": lambda event: event["task"]["finish_time"],
}


def create_tasks(sim, count: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    ids = []
    for index in range(count):
        template, scope, fault_at = rng.choice(TEMPLATES)
        faults = {fault_at: [{"fail_attempts": [1, 99], "message": "ERROR 4012 (HY000): Timeout"}]} \
            if index % FAULT_EVERY == 0 else None
        ids.append(sim.create_task(template, state=rng.choice(("as_is", "running")), faults=faults, **scope)["id"])
    return ids


class OwnQuestions:
    """Counts the bench's own "anything still running?" requests, the only others in the journal."""
    count = 0


def running_tasks(sim) -> int:
    OwnQuestions.count += 1
    response = requests.get(sim.url + TASKS_PATH, params={"status": "RUNNING", "size": 1}, auth=ADMIN_USER, timeout=60)
    response.raise_for_status()
    return response.json()["data"]["page"]["totalElements"]


class Recorder:
    """The polls the source made (start time, cost) and the events it put (arrival time)."""

    def __init__(self, watcher):
        self.polls = []
        self.events = []
        poll = watcher.poll

        def recorded_poll():
            started = time.time()
            plan = poll()
            self.polls.append(dict(started=started, seconds=time.time() - started, lists=plan.list_queries, reads=plan.reads, logs=plan.log_reads,
                                   requests=plan.requests, swept=plan.swept, events=len(plan.events)))
            return plan

        watcher.poll = recorded_poll

    async def consume(self, queue):
        while True:
            payload = await queue.get()
            self.events.append((time.time(), payload["ocp"]))


async def watch(sim, count: int, speed: float, interval: float, time_limit: float) -> dict:
    env = {"OCP_URL": sim.url, "OCP_USERNAME": ADMIN_USER[0], "OCP_PASSWORD": ADMIN_USER[1]}
    watcher, store, scope, client = build_watcher({"interval": interval}, env)
    recorder = Recorder(watcher)
    queue = asyncio.Queue()
    source = asyncio.ensure_future(run_watcher(queue, watcher, store, scope))
    consumer = asyncio.ensure_future(recorder.consume(queue))
    loop = asyncio.get_running_loop()
    try:
        while not recorder.polls:
            await asyncio.sleep(0.02)
        anchor = await loop.run_in_executor(None, ClockAnchor, sim, speed)
        busy_from = len(recorder.polls)
        deadline = time.monotonic() + time_limit
        stopped = False
        while await loop.run_in_executor(None, running_tasks, sim):
            if time.monotonic() > deadline:
                stopped = True
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(interval * 1.5)  # the last ends reach the source
        await loop.run_in_executor(None, functools.partial(sim.set_clock, speed=FROZEN_SPEED))
        await asyncio.sleep(0.2)
        quiet_from = len(recorder.polls) + 1
        while len(recorder.polls) < quiet_from + QUIET_POLLS:
            if source.done():
                source.result()
            await asyncio.sleep(0.05)
    finally:
        source.cancel()
        consumer.cancel()
        await asyncio.gather(source, consumer, return_exceptions=True)
        client.session.close()
    return dict(recorder=recorder, anchor=anchor, busy_from=busy_from, quiet_from=quiet_from, stopped=stopped)


def measure(count: int = 500, speed: float = 15.0, interval: float = 2.0, seed: int = 7,
            time_limit: float = 300.0) -> dict:
    with simulator(SCENARIOS / "bench.yaml") as sim:
        sim.set_clock(speed=FROZEN_SPEED)
        create_tasks(sim, count, seed)
        sim.clear_journal()
        OwnQuestions.count = 0
        watched = asyncio.run(watch(sim, count, speed, interval, time_limit))
        journal = [entry for entry in sim.journal() if entry["identity"] == ADMIN_USER[0]]
    recorder, anchor = watched["recorder"], watched["anchor"]
    latencies, by_type = [], collections.Counter()
    for arrived, event in recorder.events:
        by_type[event["type"]] += 1
        changed = CHANGE_TIME.get(event["type"], lambda event: None)(event)
        if changed and not event.get("late"):
            latencies.append(arrived - anchor.real(changed))
    busy = recorder.polls[watched["busy_from"]:watched["quiet_from"] - 1]
    quiet = recorder.polls[watched["quiet_from"]:]
    quiet_plain = [poll["requests"] for poll in quiet if not poll["swept"]]
    quiet_sweeps = [poll["requests"] for poll in quiet if poll["swept"]]
    source_requests = sum(poll["requests"] for poll in recorder.polls)
    return dict(
        tasks=count, speed=speed, interval=interval, stopped=watched["stopped"], events=dict(by_type),
        latencies=latencies, first_poll=recorder.polls[0]["requests"],
        busy_requests=[poll["requests"] for poll in busy], busy_reads=[poll["reads"] for poll in busy],
        quiet_plain=quiet_plain, quiet_sweeps=quiet_sweeps, polls=len(recorder.polls),
        source_requests=source_requests, journal_requests=len(journal) - OwnQuestions.count)


def markdown(result: dict, command: str) -> str:
    latencies, interval = result["latencies"], result["interval"]
    busy = result["busy_requests"]
    lines = [
        "## The ocp_task_events source: change to event, and requests per poll", "",
        f"Command: `{command}`. {result['tasks']} tasks (a fifth with a failing subtask), simulator clock "
        f"x{result['speed']:g}, poll interval {interval:g} s; the source runs as under ansible-rulebook "
        "(asyncio, client in the executor). Events: "
        + ", ".join(f"{count} {kind}" for kind, count in sorted(result["events"].items())) + ".", "",
        "| measure | value |", "|---|---|",
        f"| change in OCP to its event: median / p90 / max | {median(latencies):.2f} / "
        f"{percentile(latencies, 0.9):.2f} / {max(latencies or [float('nan')]):.2f} s ({len(latencies)} events) |",
        f"| median latency / poll interval | {median(latencies) / interval:.2f} |",
        f"| first poll (takes OCP as it is: list + newest id) | {result['first_poll']} requests |",
        f"| busy polls (tasks failing and ending): requests median / max | {median(busy):g} / {max(busy or [0])} "
        f"({len(busy)} polls; task reads median {median(result['busy_reads']):g}) |",
        f"| quiet polls: requests each | {sorted(set(result['quiet_plain']))} ({len(result['quiet_plain'])} polls); "
        f"with a sweep: {sorted(set(result['quiet_sweeps']))} ({len(result['quiet_sweeps'])} polls) |",
        f"| requests the source counted / the journal shows | {result['source_requests']} / "
        f"{result['journal_requests']} |",
        "",
    ]
    quiet_ok = result["quiet_plain"] and set(result["quiet_plain"]) == {1}
    latency_ok = latencies and median(latencies) <= interval
    lines += [
        f"- a quiet poll is one list query: **{'met' if quiet_ok else 'missed'}**",
        f"- median change-to-event latency within one poll interval ({interval:g} s; a change waits half an "
        f"interval on average for the next poll, plus the poll itself): **{'met' if latency_ok else 'missed'}**",
    ]
    if result["stopped"]:
        lines.append("- stopped at the time limit with tasks still running: the numbers cover what happened until then")
    return "\n".join(lines) + "\n"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=500)
    parser.add_argument("--speed", type=float, default=15.0, help="simulated seconds per real second")
    parser.add_argument("--interval", type=float, default=2.0, help="the source's poll interval, seconds")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    result = measure(args.tasks, args.speed, args.interval, args.seed)
    print(markdown(result, f"python bench/eda_source.py --tasks {args.tasks} --speed {args.speed:g} "
                           f"--interval {args.interval:g} --seed {args.seed}"))
    return result


if __name__ == "__main__":
    main()
