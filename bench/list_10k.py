# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Listing 10,000 tasks with ocp_task_info (all_pages) against uri reading the same pages.

The simulator serves the large scenario (10,000 finished tasks). One ansible-playbook run lists
them with uri, five pages of 2,000 (the baseline), then with ocp_task_info's list mode. Requests
come from the journal; wall time from the bench_timing callback; peak memory from a wrapper that
ansible-playbook takes for the Python interpreter, so it measures each module process alone
(getrusage(RUSAGE_CHILDREN).ru_maxrss around it), and from the same wrapper around the whole
ansible-playbook run (its largest process, the controller included).

Usage: python bench/list_10k.py
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from ocp_simulator.scenario import SCENARIO_DIR

from common import (
    TASKS_PATH, ansible_playbook_command, basic_auth_vars, journal_requests, peak_rss_wrapper, read_peaks,
    run_playbook, simulator,
)

TASKS = 10_000
PAGE_SIZE = 2000


def measure() -> dict:
    with simulator(SCENARIO_DIR / "large.yaml") as sim, tempfile.TemporaryDirectory(prefix="ocp-bench-rss-") as tmp:
        modules_report, playbook_report = Path(tmp) / "modules", Path(tmp) / "playbook"
        interpreter = peak_rss_wrapper(Path(tmp), sys.executable, modules_report)
        whole_run = peak_rss_wrapper(Path(tmp), ansible_playbook_command(), playbook_report)
        sim.clear_journal()
        pages = -(-TASKS // PAGE_SIZE)
        run = run_playbook("list_10k.yml", dict(basic_auth_vars(sim), pages=pages, expected_tasks=TASKS),
                           interpreter=interpreter, program=whole_run)
        journal = journal_requests(sim)
        module_peaks = read_peaks(modules_report)
        playbook_peak = max(read_peaks(playbook_report))

    def requests_during(name):
        timing = run.task(name)
        return [entry for entry in journal if timing["start"] <= entry["at"] <= timing["end"]]

    ours, theirs = requests_during("List with ocp_task_info"), requests_during("List with uri, page by page")
    for entry in ours + theirs:
        if entry["path"] != TASKS_PATH or entry["status"] != 200:
            raise RuntimeError(f"unexpected request while listing: {entry}")
    # The wrapper reports in the order the modules ran: the uri pages, then ocp_task_info.
    if len(module_peaks) != pages + 1:
        raise RuntimeError(f"expected {pages + 1} module processes, the wrapper saw {len(module_peaks)}")
    return {
        "tasks": TASKS, "pages": pages,
        "ocp_task_info": {"requests": len(ours), "wall": run.seconds("List with ocp_task_info"),
                          "rss_kib": module_peaks[-1]},
        "uri": {"requests": len(theirs), "wall": run.seconds("List with uri, page by page"),
                "rss_kib": max(module_peaks[:-1])},
        "playbook_rss_kib": playbook_peak,
        "page_queries": sorted(entry["query"] for entry in ours),
    }


def markdown(result: dict, command: str) -> str:
    ours, theirs = result["ocp_task_info"], result["uri"]
    verdict = "met" if ours["requests"] <= 5 else "missed"
    return "\n".join([
        "## Listing 10,000 tasks",
        "",
        f"`{command}`, against the simulator's `large` scenario ({result['tasks']:,} finished tasks). One "
        f"ansible-playbook run lists them with uri, {result['pages']} pages of {PAGE_SIZE:,} in a loop (the "
        "baseline), then with `ocp_task_info` and `all_pages: true`; an assert checks both got every task. "
        "Peak memory is the maximum resident set size of the module process (the interpreter ansible-playbook "
        "runs is a wrapper taking getrusage(RUSAGE_CHILDREN) around it); for uri, the largest of its page "
        "calls.",
        "",
        "| | requests | wall | peak memory of the module process |",
        "|---|---|---|---|",
        f"| uri, {result['pages']} pages in a loop (baseline) | {theirs['requests']} | {theirs['wall']:.1f} s | "
        f"{theirs['rss_kib'] / 1024:.0f} MiB (one page) |",
        f"| `ocp_task_info`, `all_pages: true` | {ours['requests']} | {ours['wall']:.1f} s | "
        f"{ours['rss_kib'] / 1024:.0f} MiB (all pages) |",
        f"| ratio ocp_task_info / uri | {ours['requests'] / theirs['requests']:.2f} | "
        f"{ours['wall'] / theirs['wall']:.2f} | {ours['rss_kib'] / theirs['rss_kib']:.2f} |",
        "",
        f"Queries sent by ocp_task_info: {', '.join('`' + query + '`' for query in result['page_queries'])}.",
        f"The largest process of the whole ansible-playbook run (controller included) peaked at "
        f"{result['playbook_rss_kib'] / 1024:.0f} MiB.",
        "",
        f"Target (10,000 tasks in 5 requests): {ours['requests']} requests: **{verdict}**.",
    ]) + "\n"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    result = measure()
    print(markdown(result, "python bench/list_10k.py"))
    return result


if __name__ == "__main__":
    main()
