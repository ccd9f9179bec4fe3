# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""End-to-end harness: the OCP simulator as a real HTTP(S) server, real ansible-playbook runs."""

from __future__ import annotations

import json
import os
import re
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

ADMIN_USER = ("admin", "admin")
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


def start_simulator(tmp_dir: Path, tls: bool, scenario: Path, speed: float | None = None) -> Simulator:
    ready_file = tmp_dir / "ready.json"
    log_path = tmp_dir / "simulator.log"
    command = [sys.executable, "-m", "ocp_simulator", "--port", "0", "--admin",
               "--scenario", str(scenario), "--ready-file", str(ready_file),
               "--lifetime", str(SIMULATOR_LIFETIME_SECONDS)]
    if speed is not None:
        command += ["--speed", str(speed)]
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


def run_playbook(playbook: str, extra_vars: dict | None = None, env: dict | None = None,
                 check: bool = False, verbosity: int = 0, tags: str | None = None) -> PlaybookRun:
    """Run one of our playbooks with ansible-playbook against localhost, as a user would."""
    run_env = {key: value for key, value in os.environ.items() if not key.startswith("OCP_")}
    run_env.update(ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_NOCOLOR="1",
                   ANSIBLE_FORCE_COLOR="0", ANSIBLE_RETRY_FILES_ENABLED="0")
    run_env.update(env or {})
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="extra-vars-") as vars_file:
        # From a file: ansible-playbook -vvvv prints its command line, and secrets are among the vars.
        json.dump(extra_vars or {}, vars_file)
        vars_file.flush()
        command = ["ansible-playbook", "-i", "localhost,", "-c", "local", str(PLAYBOOKS / playbook),
                   "--extra-vars", "@" + vars_file.name]
        if check:
            command.append("--check")
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
