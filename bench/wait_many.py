# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waiting on 1, 10, 100 and 500 concurrent tasks: ocp_task_wait against a uri + until playbook.

For each count, tasks of seeded random durations (a random template, started now or part-way
through) are created with the simulator's clock nearly stopped, so they all start together; the
clock is set to ``--speed`` when the playbook's first task says the play is running, a moment
before the waiting starts (ansible-playbook's own start-up, seconds on a busy machine, would
otherwise let short tasks end before anybody waits for them). Everything measured comes
from the simulator: its journal (every request, with its arrival time) and the tasks' start and
finish times, turned into real seconds with the clock's anchor and speed.

- requests: every request the playbook sent; per poll round from the journal, a round being the
  requests sent back to back, apart from the next by a pause of at least half the poll interval.
- wall: the waiting task's duration, against the longest task (clock start to its finish), and
  how long after the last task finished the waiting task returned.
- detection latency of a task: its finish on the server to the first request that came later and
  shows it finished: a read of it, or a list query of the SUCCESSFUL tasks (ocp_task_wait ends a
  task by its entry there).

Usage: python bench/wait_many.py [--counts 1 10 100 500] [--uri-time-limit 120] [--speed 15]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import tempfile
import time
from pathlib import Path

import requests

from common import (
    ADMIN, SCENARIOS, TASKS_PATH, ClockAnchor, basic_auth_vars, journal_requests, median, percentile, run_playbook,
    simulator,
)

# A clock this slow keeps tasks where they are while the next ones are created.
FROZEN_SPEED = 0.001
PLAY_START_TIMEOUT_SECONDS = 120
# (template, scope): critical paths from 34 s (create_tenant) to 304 s (upgrade_cluster) of OCP time.
TEMPLATES = (
    ("create_tenant", {"cluster_id": 1, "tenant_id": 1002}),
    ("add_hosts", {"cluster_id": 1, "host_ids": [3]}),
    ("take_over_cluster", {"cluster_id": 1}),
    ("backup", {"cluster_id": 1, "tenant_id": 1002}),
    ("create_cluster", {"cluster_id": 1}),
    ("upgrade_cluster", {"cluster_id": 1}),
)
DETAIL_PATH = re.compile(r"^%s/(\d+)$" % re.escape(TASKS_PATH))


def create_tasks(sim, count: int, seed: int) -> list[int]:
    """``count`` tasks, template and start state drawn from a generator seeded with ``seed``."""
    rng = random.Random(seed)
    ids = []
    for _index in range(count):
        template, scope = rng.choice(TEMPLATES)
        state = rng.choice(("as_is", "running"))
        ids.append(sim.create_task(template, state=state, **scope)["id"])
    return ids


def final_tasks(sim, ids: list[int]) -> dict[int, dict]:
    """The tasks as OCP shows them now (the list, every page, after the journal was read)."""
    wanted, found, page = set(ids), {}, 1
    while True:
        response = requests.get(sim.url + TASKS_PATH, params={"size": 2000, "sort": "id,desc", "page": page},
                                auth=ADMIN, timeout=60)
        response.raise_for_status()
        data = response.json()["data"]
        found.update((task["id"], task) for task in data["contents"] if task["id"] in wanted)
        if page >= data["page"]["totalPages"] or len(found) == len(wanted):
            return found
        page += 1


def detection_latencies(journal: list[dict], finishes: dict[int, float],
                        stopped_at: float | None = None) -> tuple[list[float], int]:
    """Per task, its finish to the first request after it that shows it finished: a read of the
    task, or a list query of SUCCESSFUL tasks (where ocp_task_wait finds the tasks that left the
    list of unfinished ones, and ends those whose entry tells the outcome); and how many tasks
    were seen after their finish. For a run stopped at ``stopped_at``, a task never seen after
    its finish counts with stopped_at - finish, a lower bound of its latency."""
    reads, ended_lists = {}, []
    for entry in journal:
        if entry["method"] != "GET":
            continue
        match = DETAIL_PATH.match(entry["path"])
        if match:
            reads.setdefault(int(match[1]), []).append(entry["at"])
        elif entry["path"] == TASKS_PATH and "SUCCESSFUL" in (entry.get("query") or ""):
            ended_lists.append(entry["at"])
    latencies, seen = [], 0
    for task_id, finished_at in finishes.items():
        later = [at for at in reads.get(task_id, []) + ended_lists if at >= finished_at]
        if later:
            latencies.append(min(later) - finished_at)
            seen += 1
        elif stopped_at is not None:
            latencies.append(stopped_at - finished_at)
        else:
            raise RuntimeError(f"task {task_id} finished but was never read after it finished")
    return latencies, seen


def poll_rounds(journal: list[dict], poll: float) -> list[list[float]]:
    """The arrival times of each poll round's requests: requests sent back to back, rounds apart by
    a pause of half the poll interval or more (both ways sleep at least the poll interval between rounds)."""
    rounds = []
    for entry in journal:
        if not rounds or entry["at"] - rounds[-1][-1] >= poll / 2:
            rounds.append([])
        rounds[-1].append(entry["at"])
    return rounds


def wait_once(sim, way: str, count: int, seed: int, speed: float, poll: float, timeout: float,
              time_limit: float | None = None) -> dict:
    """One wait for ``count`` new tasks; ``time_limit`` stops the playbook after that many seconds."""
    sim.set_clock(speed=FROZEN_SPEED)
    ids = create_tasks(sim, count, seed)
    sim.clear_journal()
    with tempfile.TemporaryDirectory(prefix="ocp-bench-wait-") as tmp:
        result_path, ready_path = Path(tmp) / "result.json", Path(tmp) / "ready"
        extra_vars = dict(basic_auth_vars(sim), task_ids=ids, poll_interval=poll, wait_timeout=timeout,
                          result_path=str(result_path), ready_path=str(ready_path))
        anchors = []

        def start_clock_when_ready():
            deadline = time.monotonic() + PLAY_START_TIMEOUT_SECONDS
            while not ready_path.exists():
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the play did not start within {PLAY_START_TIMEOUT_SECONDS} s")
                time.sleep(0.02)
            anchors.append(ClockAnchor(sim, speed))

        playbook = "wait_ocp_task_wait.yml" if way == "ocp_task_wait" else "wait_uri_until.yml"
        run, stopped_at = None, None
        try:
            run = run_playbook(playbook, extra_vars, timeout=time_limit or timeout + 300,
                               while_running=start_clock_when_ready)
        except subprocess.TimeoutExpired:
            if time_limit is None:
                raise
            stopped_at = time.time()
        anchor = anchors[0]
        journal = journal_requests(sim)
        sim.set_clock(speed=FROZEN_SPEED)
        waited = json.loads(result_path.read_text()) if result_path.exists() else None
    tasks = final_tasks(sim, ids)
    unfinished = [task_id for task_id in ids if tasks[task_id]["status"] == "RUNNING"]
    if unfinished and stopped_at is None:
        raise RuntimeError(f"{way}: {len(unfinished)} task(s) still RUNNING after the wait: {unfinished[:5]}")
    # A stopped run may leave tasks running: they have no finish to detect.
    finishes = {task_id: anchor.real(task["finishTime"]) for task_id, task in tasks.items()
                if task_id not in unfinished}
    last_finish = max(finishes.values())
    latencies, seen = detection_latencies(journal, finishes, stopped_at)
    if run is not None:
        wait_task = run.task("Wait for the tasks" if way == "ocp_task_wait" else "Wait for each task to leave RUNNING")
        wait_start, wait_end = wait_task["start"], wait_task["end"]
    else:
        # Stopped: the wait started after the clock (within a task start-up) and had not ended.
        wait_start, wait_end = anchor.real_anchor, stopped_at
    result = {
        "way": way, "tasks": count, "requests": len(journal),
        "longest": last_finish - anchor.real_anchor,
        "shortest": min(finishes.values()) - anchor.real_anchor,
        "wall": wait_end - wait_start,
        "after_last": wait_end - last_finish,
        "stopped": stopped_at is not None,
        "seen_finished": seen,
        "latency_median": median(latencies), "latency_p90": percentile(latencies, 0.9),
        "latency_max": max(latencies),
        "errors": len([entry for entry in journal if entry["status"] != 200]),
    }
    times = poll_rounds(journal, poll)
    rounds = [len(round_times) for round_times in times]
    result.update(rounds=len(rounds), round_first=rounds[0], round_median=median(rounds[1:] or rounds),
                  round_max=max(rounds[1:] or rounds),
                  round_gap_median=median(later[0] - earlier[-1] for earlier, later in zip(times, times[1:])),
                  round_seconds_max=max(round_times[-1] - round_times[0] for round_times in times))
    if waited is not None:
        result.update(supervisor_rounds=waited["rounds"], succeeded=waited["summary"]["succeeded"])
    return result


def measure(counts, uri_time_limit: float, speed: float, poll: float, seed: int,
            beyond_a_page: int | None = None) -> list[dict]:
    """Each count both ways; then ``beyond_a_page`` tasks (more than OCP's 2,000 a list page) with
    ocp_task_wait alone: the uri loop would take hours, and the point is ocp_task_wait against itself."""
    results = []
    timeout = 600
    with simulator(SCENARIOS / "bench.yaml") as sim:
        for count in counts:
            results.append(wait_once(sim, "ocp_task_wait", count, seed + count, speed, poll, timeout))
            results.append(wait_once(sim, "uri + until", count, seed + count, speed, poll, timeout,
                                     time_limit=uri_time_limit))
        if beyond_a_page:
            results.append(wait_once(sim, "ocp_task_wait", beyond_a_page, seed + beyond_a_page, speed, poll, timeout))
    return results


def beyond_a_page_markdown(results: list[dict]) -> list[str]:
    """The run past one list page against the largest run within one, both ocp_task_wait."""
    ours = sorted((r for r in results if r["way"] == "ocp_task_wait"), key=lambda r: r["tasks"])
    large = [r for r in ours if r["tasks"] > 2000]
    within = [r for r in ours if r["tasks"] <= 2000]
    if not large or not within:
        return []
    large, base = large[-1], within[-1]
    scale = large["tasks"] / base["tasks"]
    return [
        "", f"### Beyond one list page: {large['tasks']} tasks against {base['tasks']}", "",
        f"OCP serves at most 2,000 tasks a list page, so with {large['tasks']} tasks unfinished each round reads "
        "every page of the list (two queries) and then only the tasks that finished or failed. Same run, same "
        "speed and poll interval; ratios are the larger run over the smaller:", "",
        "| | %d tasks | %d tasks | ratio (tasks: %.1f times as many) |" % (base["tasks"], large["tasks"], scale),
        "|---|---|---|---|",
        f"| requests per round, median | {base['round_median']:g} | {large['round_median']:g} | "
        f"{large['round_median'] / max(base['round_median'], 1):.2f} |",
        f"| requests per round, max | {base['round_max']} | {large['round_max']} | "
        f"{large['round_max'] / max(base['round_max'], 1):.2f} |",
        f"| requests in all | {base['requests']} | {large['requests']} | {large['requests'] / base['requests']:.2f} |",
        f"| wall time of the wait | {base['wall']:.1f} s | {large['wall']:.1f} s | {large['wall'] / base['wall']:.2f} |",
        f"| returned after the last finish | {base['after_last']:+.1f} s | {large['after_last']:+.1f} s | |",
        f"| detection latency, median | {base['latency_median']:.1f} s | {large['latency_median']:.1f} s | |",
    ]


def markdown(results: list[dict], command: str, speed: float, poll: float, uri_time_limit: float) -> str:
    lines = [
        "## Waiting for many tasks: `ocp_task_wait` against `uri` + `until`",
        "",
        f"`{command}`. Tasks of seeded random durations (one of six templates, 34 s to 304 s of OCP "
        f"time, started now or 40 % through) run at speed {speed:g}, so they last "
        f"{min(r['shortest'] for r in results):.1f} s to {max(r['longest'] for r in results):.1f} s "
        f"of real time. Both ways poll every {poll:g} s: `wait_sleep: {poll:g}` "
        f"(ocp_task_wait backs off from there up to {min(4 * poll, 30):g} s) and `delay: {poll:g}`.",
        "",
        "The baseline is the loop users write today: `ansible.builtin.uri` on "
        "`/api/v2/tasks/instances/{{ item }}` with `until: ... status != 'RUNNING'`, `retries`, `delay` and "
        "`loop` over the task ids (bench/playbooks/wait_uri_until.yml). It waits for the tasks one after "
        "the other: while it polls the first, the others are not looked at. (Running each item with "
        "`async` and collecting with `async_status` would start one process per task, and is rarely "
        "written.)",
        "",
        f"The uri baseline is stopped after {uri_time_limit:g} s (the simulator would answer it for many "
        "minutes at 500 tasks); a stopped run is marked, its wall time and latencies are then lower "
        "bounds (a task it never read after its finish counts with the time from its finish to the stop), "
        "and its ratios upper bounds.",
        "",
        "A poll round is what the journal shows: requests sent back to back, apart from the next ones by "
        "a pause of at least half the poll interval. The uri loop's rounds include the tasks it passes "
        "through at once because they had already finished.",
        "",
        "| tasks | way | requests | requests per poll round (first / median / max) | wall | longest task | "
        "returned after the last finish | detection latency median / p90 / max |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        rounds = f"{r['round_first']} / {r['round_median']:g} / {r['round_max']} ({r['rounds']} rounds"
        rounds += f"; the plugin counted {r['supervisor_rounds']})" if "supervisor_rounds" in r else ")"
        at_least = ">= " if r["stopped"] else ""
        way = r["way"] + (f" (stopped; had seen {r['seen_finished']} of {r['tasks']} finish)" if r["stopped"] else "")
        lines.append(
            f"| {r['tasks']} | {way} | {at_least}{r['requests']} | {rounds} | {at_least}{r['wall']:.1f} s | "
            f"{r['longest']:.1f} s | {at_least}{r['after_last']:+.1f} s | {at_least}{r['latency_median']:.1f} / "
            f"{r['latency_p90']:.1f} / {r['latency_max']:.1f} s |")
    lines += ["", "Ratios, ocp_task_wait / uri + until, same task count, same run:", "",
              "| tasks | requests | wall | median detection latency |", "|---|---|---|---|"]
    by_key = {(r["tasks"], r["way"]): r for r in results}
    for count in sorted({r["tasks"] for r in results}):
        ours, theirs = by_key.get((count, "ocp_task_wait")), by_key.get((count, "uri + until"))
        if ours and theirs:
            at_most = "<= " if theirs["stopped"] else ""
            lines.append(f"| {count} | {at_most}{ours['requests'] / theirs['requests']:.2f} | "
                         f"{at_most}{ours['wall'] / theirs['wall']:.2f} | "
                         f"{at_most}{ours['latency_median'] / max(theirs['latency_median'], 1e-3):.2f} |")
    page_runs = [r for r in results if r["tasks"] <= 2000]
    largest = max(page_runs, key=lambda r: (r["way"] == "ocp_task_wait", r["tasks"]))
    # Flat: a round after the first costs a small fraction of a read per task; and, with a smaller
    # count in the same run, the requests per round grow far less than the tasks do.
    rounds_ok = largest["round_median"] <= max(2, largest["tasks"] / 10)
    smaller = [r for r in results if r["way"] == "ocp_task_wait" and 4 <= r["tasks"] < largest["tasks"]]
    growth = ""
    if smaller:
        base = max(smaller, key=lambda r: r["tasks"])
        growth = (f"; from {base['tasks']} to {largest['tasks']} tasks ({largest['tasks'] / base['tasks']:g} times as "
                  f"many) the median grew {largest['round_median'] / max(base['round_median'], 1):.1f} times")
    wall_ok = largest["after_last"] <= poll + 2
    latency_ok = largest["latency_median"] <= poll
    lines += [
        "", f"Targets at {largest['tasks']} tasks (ocp_task_wait; between its rounds it paused "
        f"{largest['round_gap_median']:.1f} s (median), and its longest round took {largest['round_seconds_max']:.1f} s "
        "from first to last request):", "",
        f"- requests per round flat, not proportional to the tasks: median {largest['round_median']:g}, "
        f"max {largest['round_max']} for {largest['tasks']} tasks (flat: a median of at most one request per "
        f"10 tasks){growth}. A round is the list of unfinished tasks, the list of the tasks that ended last "
        "when some left it, and one read per task that failed (or that its entry leaves in doubt) since the "
        "previous round, so it follows the list pages and the failures, not how many tasks are waited for; "
        f"a quiet round is one request: **{'met' if rounds_ok else 'missed'}**",
        f"- returned within one poll interval + 2 s of the last task's finish: {largest['after_last']:+.1f} s "
        f"against {poll + 2:g} s: **{'met' if wall_ok else 'missed'}**",
        f"- median detection latency <= the poll interval: {largest['latency_median']:.2f} s against "
        f"{poll:g} s: **{'met' if latency_ok else 'missed'}**",
    ]
    if not rounds_ok:
        lines += ["", "Why the rounds grow: besides its list queries, ocp_task_wait reads in detail each task "
                  "whose entry shows a failed subtask, and each finished task whose entry leaves its outcome in doubt "
                  "(`_mark_changed_from_list` in plugins/plugin_utils/supervision/supervisor.py); many failures or "
                  "finished tasks outside the tasks that ended last make rounds larger."]
    if not latency_ok:
        lines += ["", "Why detection is later than the poll interval: the pause between rounds grows from "
                  f"`wait_sleep` ({poll:g} s) by 1.5 times a round up to {min(4 * poll, 30):g} s (waiter.polling_delays), "
                  "and a round that reads many tasks takes time itself."]
    lines += beyond_a_page_markdown(results)
    return "\n".join(lines) + "\n"


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[1, 10, 100, 500])
    parser.add_argument("--uri-time-limit", type=float, default=120,
                        help="stop the uri baseline after this many seconds")
    parser.add_argument("--speed", type=float, default=15.0, help="simulated seconds per real second")
    parser.add_argument("--poll", type=float, default=2.0, help="wait_sleep of ocp_task_wait, delay of uri")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--beyond-a-page", type=int, default=2500,
                        help="then this many tasks with ocp_task_wait alone (0: skip)")
    args = parser.parse_args(argv)
    results = measure(args.counts, args.uri_time_limit, args.speed, args.poll, args.seed, args.beyond_a_page)
    command = ("python bench/wait_many.py --counts " + " ".join(map(str, args.counts))
               + f" --uri-time-limit {args.uri_time_limit:g} --speed {args.speed:g} --poll {args.poll:g} "
               f"--seed {args.seed} --beyond-a-page {args.beyond_a_page}")
    print(markdown(results, command, args.speed, args.poll, args.uri_time_limit))
    return results


if __name__ == "__main__":
    main()
