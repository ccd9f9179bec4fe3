"""How fast is the OCP simulator? So we know it is never the bottleneck of a benchmark.

Starts the simulator in-process with the 10,000-task scenario and measures, over real HTTP:
- one 2,000-task page against a 10-task page (the baseline, same run): latency and ratio;
- 50 concurrent clients each reading pages and task details: throughput and latency percentiles.

Usage: python bench/simulator_throughput.py [--clients 50] [--requests-per-client 40]
Prints a Markdown table; `make bench-simulator` writes it to docs/performance.md's section.
"""

import argparse
import platform
import statistics
import sys
import threading
import time

import requests

from ocp_simulator.scenario import SCENARIO_DIR
from ocp_simulator.server import SimulatorServer

TASKS = "/api/v2/tasks/instances"
AUTH = ("admin", "admin")


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests-per-client", type=int, default=40)
    args = parser.parse_args()

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
                                    args=(sim.url, task_ids, args.requests_per_client, latencies, errors))
                   for _client in range(args.clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started

    print(f"Simulator benchmark: Python {platform.python_version()}, {platform.machine()}, "
          f"command `python bench/simulator_throughput.py --clients {args.clients} "
          f"--requests-per-client {args.requests_per_client}`\n")
    print("| measure | value |")
    print("|---|---|")
    print(f"| tasks loaded | {total} in {load_seconds:.2f} s |")
    print(f"| median latency, 10-task page (baseline) | {small * 1000:.1f} ms |")
    print(f"| median latency, 2,000-task page | {large * 1000:.1f} ms ({large / small:.1f}x the baseline) |")
    print(f"| {args.clients} concurrent clients, {len(latencies)} requests | {len(latencies) / wall:.0f} requests/s, "
          f"p50 {percentile(latencies, 0.5) * 1000:.1f} ms, p95 {percentile(latencies, 0.95) * 1000:.1f} ms |")
    print(f"| errors | {len(errors)} |")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
