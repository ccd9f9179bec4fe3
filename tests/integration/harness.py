# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""End-to-end harness: the OCP simulator as a real HTTP(S) server, real ansible-playbook runs."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
PLAYBOOKS = HERE / "playbooks"
SCENARIOS = HERE / "scenarios"
# The simulator stops by itself even if pytest dies without tearing down.
SIMULATOR_LIFETIME_SECONDS = 1800
STARTUP_TIMEOUT_SECONDS = 30

ADMIN_USER = ("admin", "OcpSim-Admin-2026")
ACCESS_KEY = ("AKINTEGRATION00000001", "SKintegrationSecret000000000000000000001")
# A viewer whose password is distinctive enough to search the output for.
SECRETIVE_USER = ("secretive", "S3cr3t-Pa55word-Never-Printed")


@dataclass
class Simulator:
    url: str
    ca: str | None
    process: subprocess.Popen
    log_path: Path

    @property
    def admin_url(self) -> str:
        return self.url + "/__simulator__"

    def _admin(self, method: str, path: str, **kwargs) -> requests.Response:
        response = requests.request(method, self.admin_url + path, verify=self.ca or True, timeout=30, **kwargs)
        response.raise_for_status()
        return response

    def settings(self) -> dict:
        """The running simulator's settings: ocp_version (its profile), run_time_counting, rate_limit..."""
        return self._admin("GET", "/settings").json()

    def change_settings(self, **settings) -> dict:
        """Change the running simulator's settings (rate_limit, ocp_version, ...); its settings after."""
        return self._admin("POST", "/settings", json=settings).json()

    def journal(self) -> list[dict]:
        return self._admin("GET", "/journal").json()["entries"]

    def clear_journal(self) -> None:
        self._admin("DELETE", "/journal")

    def add_fault(self, fault: dict) -> None:
        self._admin("POST", "/faults", json=fault)

    def clear_faults(self) -> None:
        self._admin("DELETE", "/faults")

    def create_task(self, template: str, **fields) -> dict:
        return self._admin("POST", "/tasks", json=dict(template=template, **fields)).json()

    def set_clock(self, **fields) -> None:
        self._admin("POST", "/clock", json=fields)


def start_simulator(tmp_dir: Path, tls: bool, scenario: Path, speed: float | None = None,
                    ocp_version: str | None = None) -> Simulator:
    ready_file = tmp_dir / "ready.json"
    log_path = tmp_dir / "simulator.log"
    command = [sys.executable, "-m", "ocp_simulator", "--port", "0", "--admin",
               "--scenario", str(scenario), "--ready-file", str(ready_file),
               "--lifetime", str(SIMULATOR_LIFETIME_SECONDS)]
    if speed is not None:
        command += ["--speed", str(speed)]
    if ocp_version is not None:
        command += ["--ocp-version", ocp_version]
    # `make integration-every-run` runs the counting tests against OCP versions that add 1 to runTime
    # on every run (the simulator's default is OCP's engine, where a subtask retry does not).
    counting = os.environ.get("OCP_SIMULATOR_RUN_TIME_COUNTING")
    if counting:
        command += ["--run-time-counting", counting]
    if tls:
        command += ["--tls", "--ca-out", str(tmp_dir / "ca.pem")]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while not ready_file.exists() or not ready_file.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("simulator did not start:\n" + log_path.read_text())
        time.sleep(0.05)
    ready = json.loads(ready_file.read_text())
    return Simulator(url=ready["url"], ca=ready.get("ca"), process=process, log_path=log_path)


@dataclass
class PlaybookRun:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    @property
    def unwrapped_output(self) -> str:
        """The output with every run of white space made one space: ansible-core before 2.19 wraps
        warnings at the terminal's width, so a phrase of a warning may span lines."""
        return " ".join(self.output.split())


def playbook_env() -> dict:
    """The environment of our ansible-playbook runs: no OCP_* of the caller's, this venv's Python."""
    run_env = {key: value for key, value in os.environ.items() if not key.startswith("OCP_")}
    run_env.update(ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_NOCOLOR="1",
                   ANSIBLE_FORCE_COLOR="0", ANSIBLE_RETRY_FILES_ENABLED="0")
    return run_env


def run_playbook(playbook: str, extra_vars: dict | None = None, env: dict | None = None,
                 check: bool = False, verbosity: int = 0, tags: str | None = None, diff: bool = False) -> PlaybookRun:
    """Run one of our playbooks with ansible-playbook against localhost, as a user would."""
    run_env = playbook_env()
    run_env.update(env or {})
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="extra-vars-") as vars_file:
        # From a file: ansible-playbook -vvvv prints its command line, and secrets are among the vars.
        json.dump(extra_vars or {}, vars_file)
        vars_file.flush()
        command = ["ansible-playbook", "-i", "localhost,", "-c", "local", str(PLAYBOOKS / playbook),
                   "--extra-vars", "@" + vars_file.name]
        if check:
            command.append("--check")
        if diff:
            command.append("--diff")
        if verbosity:
            command.append("-" + "v" * verbosity)
        if tags:
            command += ["--tags", tags]
        completed = subprocess.run(command, capture_output=True, text=True, env=run_env, timeout=600, check=False)
    return PlaybookRun(completed.returncode, completed.stdout, completed.stderr)


def basic_auth_vars(simulator: Simulator, user=ADMIN_USER) -> dict:
    variables = {"ocp_url": simulator.url, "ocp_username": user[0], "ocp_password": user[1]}
    if simulator.ca:
        variables["ocp_ca_path"] = simulator.ca
    return variables


def access_key_vars(simulator: Simulator, key=ACCESS_KEY) -> dict:
    variables = {"ocp_url": simulator.url, "ocp_access_key_id": key[0], "ocp_access_key_secret": key[1]}
    if simulator.ca:
        variables["ocp_ca_path"] = simulator.ca
    return variables


def assert_failed_with(run: PlaybookRun, *patterns: str) -> None:
    """The play failed, its output matches every pattern, and no Python traceback leaked."""
    assert run.returncode != 0, run.output
    for pattern in patterns:
        assert re.search(pattern, run.output), f"{pattern!r} not in:\n{run.output}"
    assert "Traceback" not in run.output


# ---------------------------------------------------------------- reliability suite helpers

def run_reliability_cases(tmp_dir: Path, cases: list[dict], role_cases: list[dict] | None = None,
                          extra_vars: dict | None = None, verbosity: int = 0) -> tuple[PlaybookRun, dict, dict]:
    """Run reliability_cases.yml over module ``cases`` ({name, module, args}) and ``role_cases``
    ({name, vars}) in one ansible-playbook run; the run and each case's result by name."""
    names = [case["name"] for case in cases] + [case["name"] for case in role_cases or []]
    assert len(names) == len(set(names)), "case names must be unique"
    result_path, role_result_path = tmp_dir / "module-results.json", tmp_dir / "role-results.json"
    variables = dict(extra_vars or {}, cases=cases, result_path=str(result_path))
    if role_cases:
        variables.update(role_cases=role_cases, role_result_path=str(role_result_path))
    run = run_playbook("reliability_cases.yml", variables, verbosity=verbosity)
    assert result_path.exists(), run.output
    results = {entry["case"]["name"]: entry for entry in json.loads(result_path.read_text())}
    role_results = {}
    if role_cases:
        assert role_result_path.exists(), run.output
        role_results = {entry["case"]["name"]: entry for entry in json.loads(role_result_path.read_text())}
    missing = set(names) - set(results) - set(role_results)
    assert not missing, "cases without a result: %s\n%s" % (sorted(missing), run.output)
    return run, results, role_results


def journal_by_path(entries: list[dict]) -> dict[tuple[str, str], list[dict]]:
    """Journal entries grouped by (method, path), in the order they arrived.

    The journal numbers a request when it is answered, so a slow answer comes after a quicker
    retry sent behind it; ``time`` is the arrival."""
    grouped: dict[tuple[str, str], list[dict]] = {}
    for entry in sorted(entries, key=lambda entry: (entry["time"], entry["seq"])):
        grouped.setdefault((entry["method"], entry["path"]), []).append(entry)
    return grouped


@dataclass
class BackgroundPlaybook:
    """An ansible-playbook run in its own session, so that the whole controller can be killed."""
    process: subprocess.Popen
    output_path: Path

    def kill(self) -> None:
        """SIGKILL the controller and every process it forked, as when the machine dies.

        Ansible's workers leave the controller's session (setsid), so killing the process group
        is not enough: the descendants are found through /proc first."""
        for pid in [self.process.pid] + _descendants(self.process.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(timeout=30)

    def kill_controller(self) -> list[int]:
        """SIGKILL ansible-playbook alone, as the OOM killer might; the pids of what it had forked."""
        orphans = _descendants(self.process.pid)
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        return orphans

    def finish(self, timeout: float = 180) -> PlaybookRun:
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        return PlaybookRun(self.process.returncode, self.output_path.read_text(), "")


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # The field after the parenthesised command name, which may itself hold spaces.
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def start_playbook(playbook: str, extra_vars: dict, tmp_dir: Path, name: str) -> BackgroundPlaybook:
    """Start one of our playbooks like run_playbook does, without waiting for it."""
    run_env = playbook_env()
    vars_path = tmp_dir / (name + "-vars.json")
    vars_path.write_text(json.dumps(extra_vars))
    output_path = tmp_dir / (name + ".out")
    with open(output_path, "w") as output:
        process = subprocess.Popen(
            ["ansible-playbook", "-i", "localhost,", "-c", "local", str(PLAYBOOKS / playbook),
             "--extra-vars", "@" + str(vars_path)],
            stdout=output, stderr=subprocess.STDOUT, env=run_env, start_new_session=True)
    return BackgroundPlaybook(process, output_path)


def wait_for_journal(simulator: Simulator, predicate, timeout: float, what: str) -> list[dict]:
    """Poll the simulator's journal until ``predicate(journal)`` holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        journal = simulator.journal()
        if predicate(journal):
            return journal
        time.sleep(0.05)
    raise AssertionError("timed out waiting for %s; journal:\n%s" % (what, simulator.journal()))


def alive(pids: list[int]) -> list[int]:
    """Those of ``pids`` still running (zombies count as gone)."""
    running = []
    for pid in pids:
        try:
            state = Path("/proc/%d/stat" % pid).read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            running.append(pid)
    return running


def run_playbook_on(inventory: Path, playbook: str, extra_vars: dict, forks: int) -> PlaybookRun:
    """Run one of our playbooks over an inventory of our own, with ``forks`` workers."""
    run_env = playbook_env()
    vars_path = inventory.parent / (inventory.stem + "-vars.json")
    vars_path.write_text(json.dumps(extra_vars))
    command = ["ansible-playbook", "-i", str(inventory), "--forks", str(forks), str(PLAYBOOKS / playbook),
               "--extra-vars", "@" + str(vars_path)]
    completed = subprocess.run(command, capture_output=True, text=True, env=run_env, timeout=600, check=False)
    return PlaybookRun(completed.returncode, completed.stdout, completed.stderr)
