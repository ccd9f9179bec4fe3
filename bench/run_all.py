# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run every benchmark and write docs/performance.md: the machine, the versions, the command, the numbers.

`make bench` runs this from the collection's copy (where ansible-playbook finds oceanbase.ocp).
``--quick`` runs each benchmark on a few calls and tasks, to check that they all work; its numbers
are not worth publishing, so it writes nowhere unless given ``--output``.

Usage: python bench/run_all.py [--output docs/performance.md] [--quick]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import sys
import time
from pathlib import Path

import ansible.release

import eda_source
import list_10k
import lookup_vs_uri
import per_call_vs_uri
import simulator_throughput
import wait_many
from common import REPO, utc_now_text


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def collection_version() -> str:
    for line in (REPO / "galaxy.yml").read_text().splitlines():
        if line.startswith("version:"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def environment(command: str, started: str, seconds: float, load: tuple) -> str:
    return "\n".join([
        "| | |",
        "|---|---|",
        f"| command | `{command}` ({seconds / 60:.1f} min) |",
        f"| date | {started} |",
        f"| machine | {os.cpu_count()} CPUs ({cpu_model()}), {memory_gib()} RAM, {platform.system()} "
        f"{platform.machine()}; load average {load[0]:.2f} when the run started |",
        f"| Python | {platform.python_version()} |",
        f"| ansible-core | {ansible.release.__version__} |",
        f"| oceanbase.ocp | {collection_version()} |",
        f"| ocp-simulator | {importlib.metadata.version('ocp-simulator')} |",
    ]) + "\n"


INTRODUCTION = """# Performance

Written by `make bench` (bench/run_all.py); do not edit by hand. Each benchmark compares this
collection with a baseline measured in the same run, and the ratios are what to read: the machine
may be shared, so absolute times are noisy. None of this is a test gate.
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, help="where to write the report (default: print it only)")
    parser.add_argument("--quick", action="store_true", help="a few calls and tasks each: a smoke test")
    args = parser.parse_args(argv)
    started_text, started, load = utc_now_text(), time.monotonic(), os.getloadavg()
    if args.quick:
        options = dict(calls=2, counts=[1, 5], uri_limit=60, clients=4, per_client=5, beyond_a_page=0, eda_tasks=50)
    else:
        options = dict(calls=10, counts=[1, 10, 100, 500], uri_limit=120, clients=50, per_client=40,
                       beyond_a_page=2500, eda_tasks=500)

    sections = []
    # A read with each of the collection's modules that can stand in for uri, each in a run of its own.
    for module in ("ocp_task_info", "ocp_api"):
        per_call = per_call_vs_uri.measure(options["calls"], module)
        sections.append(per_call_vs_uri.markdown(per_call, per_call_vs_uri.command_line(module, options["calls"])))
        print(sections[-1], flush=True)
    # The controller-side read: the ocp_task lookup against uri, 30 reads each (a few when quick).
    lookup_calls = 3 if args.quick else 30
    sections.append(lookup_vs_uri.markdown(lookup_vs_uri.measure(lookup_calls),
                                           f"python bench/lookup_vs_uri.py --calls {lookup_calls}"))
    print(sections[-1], flush=True)

    # Quick: tasks of a few seconds at most; the full run: 2 s to about 25 s, several poll intervals.
    speed, poll, seed = (60.0 if args.quick else 15.0), 2.0, 7
    waits = wait_many.measure(options["counts"], options["uri_limit"], speed, poll, seed, options["beyond_a_page"])
    wait_command = (f"python bench/wait_many.py --counts {' '.join(map(str, options['counts']))} "
                    f"--uri-time-limit {options['uri_limit']} --speed {speed:g} --poll {poll:g} --seed {seed} "
                    f"--beyond-a-page {options['beyond_a_page']}")
    sections.append(wait_many.markdown(waits, wait_command, speed, poll, options["uri_limit"]))
    print(sections[-1], flush=True)

    # The event source: 500 tasks at the same clock speed as the waits, polled every 2 s.
    eda_speed, eda_interval = (60.0 if args.quick else 15.0), (1.0 if args.quick else 2.0)
    events = eda_source.measure(options["eda_tasks"], eda_speed, eda_interval, seed)
    sections.append(eda_source.markdown(events, f"python bench/eda_source.py --tasks {options['eda_tasks']} "
                                                f"--speed {eda_speed:g} --interval {eda_interval:g} --seed {seed}"))
    print(sections[-1], flush=True)

    if not args.quick:
        listing = list_10k.measure()
        sections.append(list_10k.markdown(listing, "python bench/list_10k.py"))
        print(sections[-1], flush=True)

    throughput = simulator_throughput.measure(options["clients"], options["per_client"])
    sections.append(simulator_throughput.markdown(
        throughput, f"python bench/simulator_throughput.py --clients {options['clients']} "
                    f"--requests-per-client {options['per_client']}"))
    print(sections[-1], flush=True)

    command = "make bench" if not args.quick else "python bench/run_all.py --quick"
    report = "\n".join([INTRODUCTION, environment(command, started_text, time.monotonic() - started, load)]
                       + sections)
    if args.output:
        args.output.write_text(report)
        print(f"written to {args.output}")
    return 1 if throughput["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
