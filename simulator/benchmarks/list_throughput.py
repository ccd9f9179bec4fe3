"""How many 2,000-task list pages a second the simulator serves over 10,000 tasks.

Loads the built-in `large` scenario (10,000 finished tasks) in-process and measures, one request
after another on one connection:
- the engine alone: `TaskEngine.list_tasks(size=2000)` for pages 1..5 (no HTTP, no JSON);
- over HTTP: `GET /api/v2/tasks/instances?size=2000&page=N` (Basic auth), pages 1..5, and a
  10-task page as the baseline of the same run.

Usage (from the checkout, after `make simulator-tests` built .venv):
    .venv/bin/python simulator/benchmarks/list_throughput.py [--rounds 10] [--profile 4.2]
(--profile also turns throttling off). Run it against an older checkout with PYTHONPATH set to
that checkout's simulator/src to compare, in one session, before and after a change.
Prints one Markdown table; numbers are wall-clock, so compare runs made on the same machine.
"""

import argparse
import statistics
import time

import requests

from ocp_simulator.scenario import SCENARIO_DIR
from ocp_simulator.server import SimulatorServer

TASKS = "/api/v2/tasks/instances"
AUTH = ("admin", "OcpSim-Admin-2026")
PAGES = (1, 2, 3, 4, 5)


def timed(call, repeats):
    """Median seconds of `call()` over `repeats` runs."""
    samples = []
    for _repeat in range(repeats):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def measure(rounds, profile):
    # Throughput, not throttling: the OCP versions' default rate limit would answer 429s.
    options = {"ocp_version": profile, "rate_limit": "off"} if profile else {}
    started = time.perf_counter()
    with SimulatorServer(scenario_path=str(SCENARIO_DIR / "large.yaml"), **options) as sim:
        load = time.perf_counter() - started
        session = requests.Session()
        session.auth = AUTH

        def engine_pages():
            for page in PAGES:
                sim.engine.list_tasks(page=page, size=2000)

        def http_pages():
            for page in PAGES:
                response = session.get(sim.url + TASKS, params={"size": 2000, "page": page}, timeout=60)
                response.raise_for_status()

        def http_small():
            session.get(sim.url + TASKS, params={"size": 10}, timeout=60).raise_for_status()

        total = session.get(sim.url + TASKS, timeout=60).json()["data"]["page"]["totalElements"]
        http_pages()  # warm up
        return {
            "tasks": total, "load": load,
            "engine_page": timed(engine_pages, rounds) / len(PAGES),
            "http_page": timed(http_pages, rounds) / len(PAGES),
            "http_small": timed(http_small, rounds * 5),
        }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--profile", help="--ocp-version of the simulator (default: its default)")
    args = parser.parse_args(argv)
    result = measure(args.rounds, args.profile)
    print(f"| measure ({result['tasks']:,} tasks, loaded in {result['load']:.1f} s) | median | per second |")
    print("|---|---|---|")
    for label, key in (("engine list_tasks, 2,000 per page", "engine_page"),
                       ("GET 2,000-task page over HTTP", "http_page"),
                       ("GET 10-task page over HTTP (baseline)", "http_small")):
        print(f"| {label} | {result[key] * 1000:.1f} ms | {1 / result[key]:.1f} |")
    return result


if __name__ == "__main__":
    main()
