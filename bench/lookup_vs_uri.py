# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""30 reads of one task by the ``oceanbase.ocp.ocp_task`` lookup against 30 by ansible.builtin.uri.

One ansible-playbook run (bench/playbooks/lookup_vs_uri.yml) reads the same finished task in six
blocks of ``calls`` reads: three pairs, uri/lookup, lookup/uri, uri/lookup, so that a machine
getting busier or quieter favours neither. A lookup read is a ``set_fact`` task item whose
template calls the lookup, as a ``when:`` or ``until:`` would; a uri read is a loop item. Each
block's time comes from the bench_timing callback (the task's start to end); the ratio of a
pair is lookup over uri, and the result is the median of the three. The simulator's journal
proves each block sent ``calls`` GETs of the task.

Usage: python bench/lookup_vs_uri.py [--calls 30]
"""

from __future__ import annotations

import argparse

from common import SCENARIOS, TASKS_PATH, basic_auth_vars, journal_requests, median, run_playbook, simulator

ORDER = ("uri", "lookup", "lookup", "uri", "uri", "lookup")
BAR = 0.2


def block_name(way: str, index: int) -> str:
    return "Read with %s, block %d" % ("uri" if way == "uri" else "the lookup", index)


def measure(calls: int) -> dict:
    with simulator(SCENARIOS / "bench.yaml") as sim:
        task = sim.create_task("create_tenant", cluster_id=1, tenant_id=1002, state="finished")
        sim.clear_journal()
        run = run_playbook("lookup_vs_uri.yml", dict(basic_auth_vars(sim), task_id=task["id"], calls=calls))
        journal = journal_requests(sim)
    path = "%s/%d" % (TASKS_PATH, task["id"])
    seconds = {}
    for index, way in enumerate(ORDER, 1):
        name = block_name(way, index)
        timing = run.task(name)
        sent = [entry for entry in journal if timing["start"] <= entry["at"] <= timing["end"]
                and entry["method"] == "GET" and entry["path"] == path]
        if len(sent) != calls:
            raise RuntimeError(f"{name} sent {len(sent)} GETs of the task, not {calls}")
        seconds[index] = run.seconds(name)
    pairs = []
    for first in (1, 3, 5):
        by_way = {ORDER[first - 1]: seconds[first], ORDER[first]: seconds[first + 1]}
        pairs.append(dict(uri=by_way["uri"], lookup=by_way["lookup"], ratio=by_way["lookup"] / by_way["uri"]))
    return dict(calls=calls, pairs=pairs, ratio=median(pair["ratio"] for pair in pairs))


def markdown(result: dict, command: str) -> str:
    calls = result["calls"]
    lines = ["## The `ocp_task` lookup against `uri`: %d reads each" % calls, "",
             f"`{command}`: one ansible-playbook run reads the same finished task in three pairs of blocks of "
             f"{calls} reads (uri first, then the lookup first, then uri first); a lookup read is one `set_fact` "
             "item whose template calls the lookup. Block times from the task's start to its end.", "",
             "| pair | uri, %d reads | lookup, %d reads | per read, uri / lookup | lookup / uri |" % (calls, calls),
             "|---|---|---|---|---|"]
    for number, pair in enumerate(result["pairs"], 1):
        lines.append(f"| {number} | {pair['uri']:.2f} s | {pair['lookup']:.2f} s | {1000 * pair['uri'] / calls:.0f} ms / "
                     f"{1000 * pair['lookup'] / calls:.0f} ms | {pair['ratio']:.3f}x |")
    met = "met" if result["ratio"] <= BAR else "missed"
    lines += ["", f"Median of the three pairs: **{result['ratio']:.3f}x** (target at most {BAR}x): **{met}**."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=30, help="reads per block")
    args = parser.parse_args(argv)
    result = measure(args.calls)
    print(markdown(result, f"python bench/lookup_vs_uri.py --calls {args.calls}"))
    return result


if __name__ == "__main__":
    main()
