# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per-call cost of a module of this collection (oceanbase.ocp.ocp_task_info or ocp_api) against
ansible.builtin.uri doing the same GET.

One ansible-playbook run reads the same task in 8 blocks of ``calls`` calls, 4 blocks with each
module, interleaved (uri, module, module, uri, module, uri, uri, module); the cost of a call is
the gap between two loop item ends. Each block is compared with the next block of the other
module, which shows how much the ratio moves on a busy machine. The journal proves both sent the
same requests. Then, to explain the difference, the AnsiballZ payloads of one call of each are
kept and run directly, without ansible-playbook around them: payload size, process time, and what
their imports cost (python -X importtime).

Usage: python bench/per_call_vs_uri.py [--module ocp_task_info|ocp_api] [--calls 10]
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
# "module" stands for the collection's module under measurement.
BLOCK_ORDER = ("uri", "module", "module", "uri", "module", "uri", "uri", "module")
# The playbook reading the task with each module and with uri, in BLOCK_ORDER.
PLAYBOOKS = {"ocp_task_info": "task_info_vs_uri.yml", "ocp_api": "api_vs_uri.yml"}
# Imports worth naming when explaining a module's start-up cost (cumulative, as -X importtime says).
NAMED_IMPORTS = ("requests", "ansible.module_utils.basic", "ansible.module_utils.urls",
                 "ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.arguments",
                 "ansible_collections.oceanbase.ocp.plugins.module_utils.client.ocp_client",
                 "ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.api_call")


def kept_payloads(extra_vars: dict, remote_tmp: Path, module: str) -> dict[str, Path]:
    """Run one call of uri and of ``module`` with ANSIBLE_KEEP_REMOTE_FILES (their files go to
    ``remote_tmp``, which the caller removes: they hold the password); {"uri" or "module": payload path}."""
    run_playbook("module_payloads.yml", dict(extra_vars, payload_module=module),
                 env={"ANSIBLE_KEEP_REMOTE_FILES": "1", "ANSIBLE_REMOTE_TMP": str(remote_tmp)})
    found = {path.stem.replace("AnsiballZ_", ""): path for path in remote_tmp.rglob("AnsiballZ_*.py")}
    missing = {"uri", module} - set(found)
    if missing:
        raise RuntimeError(f"no kept payload for {sorted(missing)} under {remote_tmp}")
    return {"uri": found["uri"], "module": found[module]}


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


def measure(calls: int, module: str = "ocp_task_info") -> dict:
    """Per-call cost of ``module`` and of uri, each reading one task ``4 * calls`` times in one run.

    The result has "uri" and "module" (the module's figures), "module_name", the ratios and "payload"."""
    with simulator(SCENARIOS / "bench.yaml") as sim:
        task = sim.create_task("create_tenant", cluster_id=1, tenant_id=1002, state="finished")
        extra_vars = dict(basic_auth_vars(sim), task_id=task["id"], calls=calls)
        sim.clear_journal()
        run = run_playbook(PLAYBOOKS[module], extra_vars)
        journal = journal_requests(sim)

        def requests_during(name):
            timing = run.task(name)
            return [entry for entry in journal if timing["start"] <= entry["at"] <= timing["end"]]

        blocks = [(role, "Read with %s, block %d" % ("uri" if role == "uri" else module, index))
                  for index, role in enumerate(BLOCK_ORDER, 1)]
        result = {"calls": calls * BLOCK_ORDER.count("uri"), "module_name": module}
        for role in ("uri", "module"):
            names = [name for block_role, name in blocks if block_role == role]
            gaps = [gap for name in names for gap in run.item_seconds(name)]
            sent = [entry for name in names for entry in requests_during(name)]
            wrong = [entry for entry in sent if entry["path"] != f"{TASKS_PATH}/{task['id']}" or entry["status"] != 200]
            if wrong:
                raise RuntimeError(f"{role} sent something other than the task's GET: {wrong[:3]}")
            result[role] = {"median": median(gaps), "mean": sum(run.seconds(name) for name in names) / result["calls"],
                            "requests": len(sent)}
        result["ratio"] = result["module"]["median"] / result["uri"]["median"]
        result["ratio_mean"] = result["module"]["mean"] / result["uri"]["mean"]
        # Neighbouring blocks (1-2, 3-4, 5-6, 7-8) ran under about the same load.
        result["block_ratios"] = []
        for first, second in zip(blocks[::2], blocks[1::2]):
            by_role = {first[0]: median(run.item_seconds(first[1])), second[0]: median(run.item_seconds(second[1]))}
            result["block_ratios"].append(by_role["module"] / by_role["uri"])

        with tempfile.TemporaryDirectory(prefix="ocp-bench-payloads-") as remote_tmp:
            result["payload"] = weigh_payloads(kept_payloads(basic_auth_vars(sim) | {"task_id": task["id"]},
                                                             Path(remote_tmp), module))
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
    uri, mine, payload, name = result["uri"], result["module"], result["payload"], result["module_name"]
    low, high = min(result["block_ratios"]), max(result["block_ratios"])
    if result["ratio"] <= 1.0:
        verdict = "met"
    elif low <= 1.0:
        verdict = (f"missed by {(result['ratio'] - 1) * 100:.1f} %, within this run's noise (neighbouring "
                   f"blocks from {low:.2f} to {high:.2f})")
    else:
        verdict = "missed (slower in every pair of neighbouring blocks)"
    order = ", ".join("uri" if role == "uri" else name for role in BLOCK_ORDER)
    lines = [
        f"## Per-call cost: `{name}` against `ansible.builtin.uri`",
        "",
        f"`{command}`: one ansible-playbook run reads the same finished task {result['calls']} times with "
        f"each module, in 8 interleaved loops ({order}) after one warm-up call each. A call's cost is the gap "
        "between two loop item ends (so the first item of each loop, which also starts the task, is left "
        "out), from the `bench_timing` callback; the journal shows each call sent exactly one GET.",
        "",
        "| module | median per call | mean per call | requests |",
        "|---|---|---|---|",
        f"| `ansible.builtin.uri` (baseline) | {uri['median'] * 1000:.0f} ms | {uri['mean'] * 1000:.0f} ms | "
        f"{uri['requests']} |",
        f"| `oceanbase.ocp.{name}` | {mine['median'] * 1000:.0f} ms | {mine['mean'] * 1000:.0f} ms | "
        f"{mine['requests']} |",
        f"| ratio {name} / uri | **{result['ratio']:.2f}** | {result['ratio_mean']:.2f} | |",
        "",
        "Ratio of the medians of neighbouring blocks (same load): "
        + ", ".join(f"{ratio:.2f}" for ratio in result["block_ratios"]) + ".",
        "",
        f"Target (no slower than uri, ratio <= 1.00): **{verdict}**.",
        "",
        f"Where the time goes: the AnsiballZ payload of one call of each, run directly "
        f"({DIRECT_RUNS} times each, median), without ansible-playbook around it:",
        "",
        f"| | uri | {name} |",
        "|---|---|---|",
        f"| payload size | {payload['uri']['bytes'] / 1024:.0f} KiB | {payload['module']['bytes'] / 1024:.0f} KiB |",
        f"| result printed by the module | {payload['uri']['output'] / 1024:.1f} KiB | "
        f"{payload['module']['output'] / 1024:.1f} KiB |",
        f"| module process, start to exit | {payload['uri']['direct'] * 1000:.0f} ms | "
        f"{payload['module']['direct'] * 1000:.0f} ms |",
    ]
    imports = sorted(set(payload["uri"]["imports"]) | set(payload["module"]["imports"]),
                     key=lambda module: (module == "total", module))
    for module in imports:
        def cell(role, module=module):
            value = payload[role]["imports"].get(module)
            return "not imported" if value is None else f"{value:.0f} ms"
        label = "all imports (sum of self times)" if module == "total" else f"import `{module}` (cumulative)"
        lines.append(f"| {label} | {cell('uri')} | {cell('module')} |")
    direct_ratio = payload["module"]["direct"] / payload["uri"]["direct"]
    http_imports = (payload["module"]["imports"].get("requests"), payload["uri"]["imports"].get("ansible.module_utils.urls"))
    lines += ["", f"Run directly (interleaved, so under the same load), the {name} process takes "
              f"{direct_ratio:.2f} times as long as uri's. Each pays for its HTTP library: `requests` "
              f"{http_imports[0] or 0:.0f} ms for {name}, `ansible.module_utils.urls` {http_imports[1] or 0:.0f} ms "
              "for uri (one -X importtime run each, so noisier than the medians)."]
    return "\n".join(lines) + "\n"


def command_line(module: str, calls: int) -> str:
    return f"python bench/per_call_vs_uri.py --module {module} --calls {calls}"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", choices=sorted(PLAYBOOKS), default="ocp_task_info",
                        help="the collection's module to compare with uri")
    parser.add_argument("--calls", type=int, default=10, help="calls per block, so 4x this many per module")
    args = parser.parse_args(argv)
    result = measure(args.calls, args.module)
    print(markdown(result, command_line(args.module, args.calls)))
    return result


if __name__ == "__main__":
    main()
