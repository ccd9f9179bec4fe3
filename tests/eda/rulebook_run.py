# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible-rulebook as a user runs it: the collection's rulebook by its FQCN, the connection from
the OCP_* environment, in a session of its own so that it and what it starts can be stopped."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from harness import _descendants, playbook_env

RULEBOOK = "oceanbase.ocp.ocp_task_remediation"
STOP_GRACE_SECONDS = 20


def ansible_rulebook_command() -> str:
    """ansible-rulebook beside this Python (the venv's), else on PATH."""
    beside = Path(sys.executable).parent / "ansible-rulebook"
    return str(beside) if beside.exists() else (shutil.which("ansible-rulebook") or "ansible-rulebook")


@dataclass
class RulebookRun:
    process: subprocess.Popen
    output_path: Path

    @property
    def output(self) -> str:
        return self.output_path.read_text(errors="replace")

    def wait_for_output(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output:
                return
            if self.process.poll() is not None:
                raise AssertionError(f"ansible-rulebook ended before printing {text!r}:\n{self.output[-6000:]}")
            time.sleep(0.2)
        raise AssertionError(f"ansible-rulebook did not print {text!r} in {timeout} s:\n{self.output[-6000:]}")

    def stop(self) -> int:
        """SIGINT, as Ctrl-C; then SIGKILL to whatever is left of it and of what it started."""
        family = [self.process.pid] + _descendants(self.process.pid)
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                pass
        for pid in family:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return self.process.wait(timeout=30)


def start_rulebook(tmp_path: Path, connection: dict, variables: dict, name: str = "rulebook",
                   env: dict | None = None) -> RulebookRun:
    """Start ``ansible-rulebook --rulebook oceanbase.ocp.ocp_task_remediation`` with ``variables``
    (its --vars) and the ``connection`` as OCP_* environment variables; ``env``, when given, is the
    environment to start from instead of our playbooks' (to choose the ansible-core, for one)."""
    inventory = tmp_path / "inventory.yml"
    inventory.write_text("all:\n  hosts:\n    localhost:\n      ansible_connection: local\n")
    vars_path = tmp_path / f"{name}-vars.json"
    vars_path.write_text(json.dumps(variables))
    env = dict(env if env is not None else playbook_env())
    env.update(connection)
    output_path = tmp_path / f"{name}.out"
    with open(output_path, "w") as output:
        process = subprocess.Popen(
            [ansible_rulebook_command(), "--rulebook", RULEBOOK, "--inventory", str(inventory),
             "--vars", str(vars_path), "--print-events"],
            stdout=output, stderr=subprocess.STDOUT, env=env, cwd=str(tmp_path), start_new_session=True)
    return RulebookRun(process, output_path)
