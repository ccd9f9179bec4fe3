# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per-call cost of oceanbase.ocp.ocp_task_info against ansible.builtin.uri doing the same GET.

One ansible-playbook run reads the same task in 8 blocks of ``calls`` calls, 4 blocks with each
module, interleaved (uri, ocp_task_info, ocp_task_info, uri, ocp_task_info, uri, uri,
ocp_task_info); the cost of a call is the gap between two loop item ends. Each block is compared
with the next block of the other module, which shows how much the ratio moves on a busy machine.
The journal proves both sent the same requests. Then, to explain the difference, the AnsiballZ
payloads of one call of each are kept and run directly, without ansible-playbook around them:
payload size, process time, and what their imports cost (python -X importtime).

Usage: python bench/task_info_vs_uri.py [--calls 10]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import SCENARIOS, TASKS_PATH, basic_auth_vars, journal_requests, median, run_playbook, simulator

DIRECT_RUNS = 10
BLOCK_ORDER = ("uri", "ocp_task_info", "ocp_task_info", "uri", "ocp_task_info", "uri", "uri", "ocp_task_info")
# Imports worth naming when explaining a module's start-up cost (cumulative, as -X importtime says).
NAMED_IMPORTS = ("requests", "ansible.module_utils.basic", "ansible.module_utils.urls",
                 "ansible_collections.oceanbase.ocp.plugins.module_utils.common",
                 "ansible_collections.oceanbase.ocp.plugins.module_utils.client")


def kept_payloads(extra_vars: dict, remote_tmp: Path) -> dict[str, Path]:
    """Run one call of each module with ANSIBLE_KEEP_REMOTE_FILES (its files go to ``remote_tmp``, which
    the caller removes: they hold the password) and return {module: payload path}."""
    run_playbook("module_payloads.yml", extra_vars,
                 env={"ANSIBLE_KEEP_REMOTE_FILES": "1", "ANSIBLE_REMOTE_TMP": str(remote_tmp)})
    payloads = {}
    for path in remote_tmp.rglob("AnsiballZ_*.py"):
        payloads[path.stem.replace("AnsiballZ_", "")] = path
    missing = {"uri", "ocp_task_info"} - set(payloads)
    if missing:
        raise RuntimeError(f"no kept payload for {sorted(missing)} under {remote_tmp}")
    return payloads


def direct_run(payload: Path) -> tuple[float, int]:
    """Seconds a payload takes run directly, and the size of the JSON result it prints."""
    started = time.perf_counter()
    completed = subprocess.run([sys.executable, str(payload)], capture_output=True, text=True, timeout=60,
                               check=False)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0 or '"failed": true' in completed.stdout:
        raise RuntimeError(f"{payload.name} failed when run directly:\n{completed.stdout}{completed.stderr}")
    return elapsed, len(completed.stdout.encode())


def import_costs(payload: Path) -> dict[str, float]:
    """Cumulative import time (ms) of NAMED_IMPORTS, and of everything (``total``), in one direct run."""
    completed = subprocess.run([sys.executable, "-X", "importtime", str(payload)], capture_output=True,
                               text=True, timeout=60, check=False)
    costs = {}
    total = 0
    for line in completed.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| *(\S+)", line)
        if not match:
            continue
        self_us, cumulative_us, name = int(match[1]), int(match[2]), match[3]
        total += self_us
        if name in NAMED_IMPORTS and name not in costs:
            costs[name] = cumulative_us / 1000
    costs["total"] = total / 1000
    return costs


def measure(calls: int) -> dict:
    with simulator(SCENARIOS / "bench.yaml") as sim:
        task = sim.create_task("create_tenant", cluster_id=1, tenant_id=1002, state="finished")
        extra_vars = dict(basic_auth_vars(sim), task_id=task["id"], calls=calls)
        sim.clear_journal()
        run = run_playbook("task_info_vs_uri.yml", extra_vars)
        journal = journal_requests(sim)

        def requests_during(name):
            timing = run.task(name)
            return [entry for entry in journal if timing["start"] <= entry["at"] <= timing["end"]]

        blocks = [(module, f"Read with {module}, block {index}") for index, module in enumerate(BLOCK_ORDER, 1)]
        result = {"calls": calls * BLOCK_ORDER.count("uri")}
        for module in ("uri", "ocp_task_info"):
            names = [name for block_module, name in blocks if block_module == module]
            gaps = [gap for name in names for gap in run.item_seconds(name)]
            sent = [entry for name in names for entry in requests_during(name)]
            wrong = [entry for entry in sent if entry["path"] != f"{TASKS_PATH}/{task['id']}" or entry["status"] != 200]
            if wrong:
                raise RuntimeError(f"{module} sent something other than the task's GET: {wrong[:3]}")
            result[module] = {"median": median(gaps), "mean": sum(run.seconds(name) for name in names) / result["calls"],
                              "requests": len(sent)}
        result["ratio"] = result["ocp_task_info"]["median"] / result["uri"]["median"]
        result["ratio_mean"] = result["ocp_task_info"]["mean"] / result["uri"]["mean"]
        # Neighbouring blocks (1-2, 3-4, 5-6, 7-8) ran under about the same load.
        result["block_ratios"] = []
        for first, second in zip(blocks[::2], blocks[1::2]):
            by_module = {first[0]: median(run.item_seconds(first[1])), second[0]: median(run.item_seconds(second[1]))}
            result["block_ratios"].append(by_module["ocp_task_info"] / by_module["uri"])

        with tempfile.TemporaryDirectory(prefix="ocp-bench-payloads-") as remote_tmp:
            result["payload"] = weigh_payloads(kept_payloads(basic_auth_vars(sim) | {"task_id": task["id"]},
                                                             Path(remote_tmp)))
    return result


def weigh_payloads(payloads: dict[str, Path]) -> dict:
    direct = {name: [] for name in payloads}
    output_bytes = {}
    for _round in range(DIRECT_RUNS):
        for name, payload in payloads.items():  # interleaved, like the playbook
            seconds, output_bytes[name] = direct_run(payload)
            direct[name].append(seconds)
    return {name: {"bytes": payload.stat().st_size, "direct": median(direct[name]),
                   "output": output_bytes[name], "imports": import_costs(payload)}
            for name, payload in payloads.items()}


def markdown(result: dict, command: str) -> str:
    uri, info, payload = result["uri"], result["ocp_task_info"], result["payload"]
    low, high = min(result["block_ratios"]), max(result["block_ratios"])
    if result["ratio"] <= 1.0:
        verdict = "met"
    elif low <= 1.0:
        verdict = (f"missed by {(result['ratio'] - 1) * 100:.1f} %, within this run's noise (neighbouring "
                   f"blocks from {low:.2f} to {high:.2f})")
    else:
        verdict = "missed (slower in every pair of neighbouring blocks)"
    lines = [
        "## Per-call cost: `ocp_task_info` against `ansible.builtin.uri`",
        "",
        f"`{command}`: one ansible-playbook run reads the same finished task {result['calls']} times with "
        "each module, in 8 interleaved loops (uri, ocp_task_info, ocp_task_info, uri, ocp_task_info, uri, "
        "uri, ocp_task_info) after one warm-up call each. A call's cost is the gap between two loop "
        "item ends (so the first item of each loop, which also starts the task, is left out), from the "
        "`bench_timing` callback; the journal shows each call sent exactly one GET.",
        "",
        "| module | median per call | mean per call | requests |",
        "|---|---|---|---|",
        f"| `ansible.builtin.uri` (baseline) | {uri['median'] * 1000:.0f} ms | {uri['mean'] * 1000:.0f} ms | "
        f"{uri['requests']} |",
        f"| `oceanbase.ocp.ocp_task_info` | {info['median'] * 1000:.0f} ms | {info['mean'] * 1000:.0f} ms | "
        f"{info['requests']} |",
        f"| ratio ocp_task_info / uri | **{result['ratio']:.2f}** | {result['ratio_mean']:.2f} | |",
        "",
        "Ratio of the medians of neighbouring blocks (same load): "
        + ", ".join(f"{ratio:.2f}" for ratio in result["block_ratios"]) + ".",
        "",
        f"Target (no slower than uri, ratio <= 1.00): **{verdict}**.",
        "",
        f"Where the time goes: the AnsiballZ payload of one call of each, run directly "
        f"({DIRECT_RUNS} times each, median), without ansible-playbook around it:",
        "",
        "| | uri | ocp_task_info |",
        "|---|---|---|",
        f"| payload size | {payload['uri']['bytes'] / 1024:.0f} KiB | {payload['ocp_task_info']['bytes'] / 1024:.0f} KiB |",
        f"| result printed by the module | {payload['uri']['output'] / 1024:.1f} KiB | "
        f"{payload['ocp_task_info']['output'] / 1024:.1f} KiB |",
        f"| module process, start to exit | {payload['uri']['direct'] * 1000:.0f} ms | "
        f"{payload['ocp_task_info']['direct'] * 1000:.0f} ms |",
    ]
    names = sorted(set(payload["uri"]["imports"]) | set(payload["ocp_task_info"]["imports"]),
                   key=lambda name: (name == "total", name))
    for name in names:
        def cell(module, name=name):
            value = payload[module]["imports"].get(name)
            return "not imported" if value is None else f"{value:.0f} ms"
        label = "all imports (sum of self times)" if name == "total" else f"import `{name}` (cumulative)"
        lines.append(f"| {label} | {cell('uri')} | {cell('ocp_task_info')} |")
    direct_ratio = payload["ocp_task_info"]["direct"] / payload["uri"]["direct"]
    http_imports = (payload["ocp_task_info"]["imports"].get("requests"), payload["uri"]["imports"].get("ansible.module_utils.urls"))
    lines += ["", f"Run directly (interleaved, so under the same load), the ocp_task_info process takes "
              f"{direct_ratio:.2f} times as long as uri's. Each pays for its HTTP library: `requests` "
              f"{http_imports[0] or 0:.0f} ms for ocp_task_info, `ansible.module_utils.urls` {http_imports[1] or 0:.0f} ms "
              "for uri (one -X importtime run each, so noisier than the medians)."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10, help="calls per block, so 4x this many per module")
    args = parser.parse_args(argv)
    result = measure(args.calls)
    print(markdown(result, f"python bench/task_info_vs_uri.py --calls {args.calls}"))
    return result


if __name__ == "__main__":
    main()
