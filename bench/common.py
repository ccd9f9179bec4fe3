# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every benchmark needs: a simulator, ansible-playbook runs with timings, the journal, stats.

The simulator is started by the integration tests' harness (one way to start it, not two). Playbook
runs go through the bench_timing callback, so a benchmark reads when each task and each loop item
ended instead of timing the whole ansible-playbook process with its start-up.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import requests

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
PLAYBOOKS = BENCH / "playbooks"
SCENARIOS = BENCH / "scenarios"
sys.path.insert(0, str(REPO / "tests" / "integration"))

# pylint: disable-next=wrong-import-position
from harness import ADMIN_USER, Simulator, basic_auth_vars, start_simulator  # noqa: E402  (needs the path above)

# The simulator's administrator, for the benchmarks' own reads.
ADMIN = ADMIN_USER

__all__ = ["ADMIN", "Simulator", "basic_auth_vars", "simulator", "run_playbook", "PlaybookRun", "parse_time", "median",
           "percentile", "journal_requests", "ClockAnchor", "peak_rss_wrapper", "read_peaks", "utc_now_text"]

TASKS_PATH = "/api/v2/tasks/instances"
PLAYBOOK_TIMEOUT_SECONDS = 900
STOP_GRACE_SECONDS = 15


@contextlib.contextmanager
def simulator(scenario: Path, speed: float | None = None):
    """A simulator process on 127.0.0.1 with the admin API, stopped on exit (and by itself later)."""
    with tempfile.TemporaryDirectory(prefix="ocp-bench-") as tmp:
        sim = start_simulator(Path(tmp), False, scenario, speed)
        try:
            yield sim
        finally:
            sim.process.terminate()
            sim.process.wait(timeout=30)


@dataclass
class PlaybookRun:
    returncode: int
    output: str
    wall: float
    timings: list = field(default_factory=list)

    def task(self, name: str) -> dict:
        found = [timing for timing in self.timings if timing["name"] == name]
        if not found:
            raise KeyError(f"no task named {name!r} in the timings; the run said:\n{self.output[-3000:]}")
        return found[-1]

    def seconds(self, name: str) -> float:
        timing = self.task(name)
        return timing["end"] - timing["start"]

    def item_seconds(self, name: str) -> list[float]:
        """How long each loop item after the first took: the gaps between item ends (the first item also
        pays for starting the task, so it is left out)."""
        ends = self.task(name)["items"]
        return [later - earlier for earlier, later in zip(ends, ends[1:])]


def ansible_env(interpreter: str | None = None) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("OCP_")}
    env.update(ANSIBLE_PYTHON_INTERPRETER=interpreter or sys.executable, ANSIBLE_NOCOLOR="1",
               ANSIBLE_FORCE_COLOR="0", ANSIBLE_RETRY_FILES_ENABLED="0",
               ANSIBLE_CALLBACK_PLUGINS=str(BENCH / "callbacks"), ANSIBLE_CALLBACKS_ENABLED="bench_timing",
               # Deprecation and interpreter warnings are noise in the output we keep for errors.
               ANSIBLE_DEPRECATION_WARNINGS="0", ANSIBLE_LOCALHOST_WARNING="0")
    return env


def ansible_playbook_command() -> str:
    return str(Path(sys.executable).parent / "ansible-playbook")


def run_playbook(playbook: str, extra_vars: dict, interpreter: str | None = None, env: dict | None = None,
                 timeout: float = PLAYBOOK_TIMEOUT_SECONDS, program: str | None = None,
                 while_running=None) -> PlaybookRun:
    """ansible-playbook (or ``program`` standing in for it) against localhost with the timing callback;
    ``while_running()`` is called once it has started. Raise RuntimeError when it fails, and
    subprocess.TimeoutExpired (after stopping it) when it runs longer than ``timeout`` seconds."""
    with tempfile.TemporaryDirectory(prefix="ocp-bench-run-") as tmp:
        vars_path = Path(tmp) / "vars.json"
        timings_path = Path(tmp) / "timings.json"
        # From a file: the vars hold the password, and a command line is visible to every user.
        vars_path.write_text(json.dumps(extra_vars))
        run_env = ansible_env(interpreter)
        run_env.update(env or {}, BENCH_TIMINGS_FILE=str(timings_path))
        command = [program or ansible_playbook_command(), "-i", "localhost,", "-c", "local", str(PLAYBOOKS / playbook),
                   "--extra-vars", "@" + str(vars_path)]
        started = time.monotonic()
        # Output to a file, not a pipe: nobody reads a pipe while while_running() runs.
        with open(Path(tmp) / "output.txt", "w+", encoding="utf-8") as output_file:
            process = subprocess.Popen(command, stdout=output_file, stderr=subprocess.STDOUT, env=run_env)
            try:
                if while_running is not None:
                    while_running()
                returncode = process.wait(timeout=timeout)
            finally:
                if process.poll() is None:
                    stop_playbook(process, str(vars_path))
            wall = time.monotonic() - started
            output_file.seek(0)
            output = output_file.read()
        if returncode != 0:
            raise RuntimeError(f"{playbook} failed ({returncode}):\n{output[-5000:]}")
        timings = json.loads(timings_path.read_text()) if timings_path.exists() else []
    return PlaybookRun(returncode, output, wall, timings)


def stop_playbook(process: subprocess.Popen, marker: str) -> None:
    """Stop a running ansible-playbook and every worker it forked.

    On SIGINT ansible-playbook terminates its workers itself; but the workers run in sessions of
    their own, so whatever is left after that is found by ``marker`` (the run's unique vars file,
    on every worker's command line) and killed by its process id.
    """
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if marker in cmdline.read_bytes().decode(errors="replace"):
                os.kill(int(cmdline.parent.name), signal.SIGKILL)
        except (OSError, ValueError):
            continue  # gone meanwhile, or not ours to read


def peak_rss_wrapper(directory: Path, target: str, report: Path) -> str:
    """An executable that runs ``target`` with its arguments and appends the peak RSS (KiB) of it and
    its descendants to ``report``: as ANSIBLE_PYTHON_INTERPRETER it measures each module process."""
    wrapper = directory / ("peak-rss-" + Path(target).name)
    wrapper.write_text(
        f"#!{sys.executable}\n"
        "import resource, subprocess, sys\n"
        f"code = subprocess.call([{target!r}] + sys.argv[1:])\n"
        f"with open({str(report)!r}, 'a') as report:\n"
        "    report.write('%d\\n' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "sys.exit(code)\n")
    wrapper.chmod(0o755)
    return str(wrapper)


def read_peaks(report: Path) -> list[int]:
    """The peak RSS values (KiB) a wrapper wrote, one per process it ran."""
    return [int(line) for line in report.read_text().split()] if report.exists() else []


def parse_time(text: str) -> float:
    """An ISO 8601 time with offset (journal or OCP) as a POSIX timestamp."""
    return datetime.fromisoformat(text).timestamp()


class ClockAnchor:
    """Maps the simulator's simulated times to real (wall-clock) times.

    Setting the speed re-anchors the simulated clock and answers its "now"; the real time of that
    instant is taken as the middle of the request (it takes a millisecond or two on 127.0.0.1).
    """

    def __init__(self, sim: Simulator, speed: float):
        before = time.time()
        response = requests.post(sim.admin_url + "/clock", json={"speed": speed}, timeout=30)
        after = time.time()
        response.raise_for_status()
        answer = response.json()
        self.speed = float(answer["speed"])
        self.sim_anchor = parse_time(answer["now"])
        self.real_anchor = (before + after) / 2

    def real(self, simulated: str) -> float:
        """The real time at which the simulated time ``simulated`` (OCP's format) was reached."""
        return self.real_anchor + (parse_time(simulated) - self.sim_anchor) / self.speed


def journal_requests(sim: Simulator) -> list[dict]:
    """The journal's entries with their arrival as a POSIX timestamp in ``at``, in order of arrival (the
    journal numbers a request when it is answered, so a slow answer may come after a later request)."""
    entries = sim.journal()
    for entry in entries:
        entry["at"] = parse_time(entry["time"])
    return sorted(entries, key=lambda entry: (entry["at"], entry["seq"]))


def median(values) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")


def percentile(values, fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def utc_now_text() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
