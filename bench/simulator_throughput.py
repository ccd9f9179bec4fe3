# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How fast is the OCP simulator? So we know it is never the bottleneck of a benchmark.

Starts the simulator in-process with the 10,000-task scenario and measures, over real HTTP:
- one 2,000-task page against a 10-task page (the baseline, same run): latency and ratio;
- 50 concurrent clients each reading pages and task details: throughput and latency percentiles.

Usage: python bench/simulator_throughput.py [--clients 50] [--requests-per-client 40]
Prints a Markdown section; bench/run_all.py (`make bench`) puts it in docs/performance.md.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

import requests

from ocp_simulator.scenario import SCENARIO_DIR
from ocp_simulator.server import SimulatorServer

TASKS = "/api/v2/tasks/instances"
AUTH = ("admin", "OcpSim-Admin-2026")


def timed_get(session, url, **params):
    started = time.perf_counter()
    response = session.get(url, params=params, auth=AUTH, timeout=60)
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed, response.json()


def median_latency(session, url, repeats, **params):
    return statistics.median(timed_get(session, url, **params)[0] for _repeat in range(repeats))


def client_loop(base_url, task_ids, requests_per_client, latencies, errors):
    session = requests.Session()
    for number in range(requests_per_client):
        try:
            if number % 2:
                elapsed, _body = timed_get(session, f"{base_url}{TASKS}/{task_ids[number % len(task_ids)]}")
            else:
                elapsed, _body = timed_get(session, base_url + TASKS, size=100, page=1 + number % 50,
                                           status="SUCCESSFUL")
            latencies.append(elapsed)
        except requests.RequestException as error:  # counted, reported
            errors.append(repr(error))


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def measure(clients: int, requests_per_client: int) -> dict:
    load_started = time.perf_counter()
    with SimulatorServer(scenario_path=str(SCENARIO_DIR / "large.yaml")) as sim:
        load_seconds = time.perf_counter() - load_started
        session = requests.Session()
        _elapsed, first_page = timed_get(session, sim.url + TASKS, size=2000)
        total = first_page["data"]["page"]["totalElements"]
        small = median_latency(session, sim.url + TASKS, 9, size=10)
        large = median_latency(session, sim.url + TASKS, 9, size=2000)
        task_ids = [task["id"] for task in first_page["data"]["contents"][:200]]

        latencies, errors = [], []
        threads = [threading.Thread(target=client_loop,
                                    args=(sim.url, task_ids, requests_per_client, latencies, errors))
                   for _client in range(clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
    return {"clients": clients, "total": total, "load_seconds": load_seconds, "small": small, "large": large,
            "requests": len(latencies), "throughput": len(latencies) / wall,
            "p50": percentile(latencies, 0.5), "p95": percentile(latencies, 0.95), "errors": len(errors)}


def markdown(result: dict, command: str) -> str:
    small, large = result["small"], result["large"]
    return "\n".join([
        "## The OCP simulator's own throughput",
        "",
        f"`{command}`, in-process over real HTTP on 127.0.0.1 with the 10,000-task `large` scenario, so we "
        "know the simulator is not what the benchmarks above measure:",
        "",
        "| measure | value |",
        "|---|---|",
        f"| tasks loaded | {result['total']:,} in {result['load_seconds']:.2f} s |",
        f"| median latency, 10-task page (baseline) | {small * 1000:.1f} ms |",
        f"| median latency, 2,000-task page | {large * 1000:.1f} ms ({large / small:.1f}x the baseline) |",
        f"| {result['clients']} concurrent clients, {result['requests']:,} requests (pages of 100 and task "
        f"details, Basic auth) | {result['throughput']:.0f} requests/s, p50 {result['p50'] * 1000:.0f} ms, "
        f"p95 {result['p95'] * 1000:.0f} ms |",
        f"| errors | {result['errors']} |",
        "",
        "Under many concurrent clients the simulator is CPU-bound on one interpreter (Werkzeug threads "
        "share the GIL), so its ceiling is the throughput above. The benchmarks above send from one client, one "
        "request after another (the uri loop, and ocp_task_wait's busiest rounds over 500 tasks).",
    ]) + "\n"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests-per-client", type=int, default=40)
    args = parser.parse_args(argv)
    result = measure(args.clients, args.requests_per_client)
    print(markdown(result, f"python bench/simulator_throughput.py --clients {args.clients} "
                           f"--requests-per-client {args.requests_per_client}"))
    if result["errors"]:
        raise SystemExit(1)
    return result


if __name__ == "__main__":
    main()
