# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An AWX job without an AWX: a private_data_dir laid out as AWX lays it out for ansible-runner
(project/, inventory/, env/envvars with the credential's environment, env/extravars, env/settings),
run with ansible_runner.run, and what the tests read back: job events and artifact files."""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import ansible_runner

# AWX kills a job after the template's timeout; here it keeps a hung run from hanging the suite.
JOB_TIMEOUT_SECONDS = 300
# The runner's own record of the job: its `env` key is the job environment, the credential included,
# written before Ansible starts (AWX keeps the same environment, secrets masked, as the job's job_env).
COMMAND_FILE = "command"


@dataclass
class AwxJob:
    private_data_dir: Path
    ident: str
    status: str
    rc: int
    events: list[dict]

    @property
    def artifact_dir(self) -> Path:
        return self.private_data_dir / "artifacts" / self.ident

    @property
    def stdout(self) -> str:
        return "\n".join(event.get("stdout", "") for event in self.events)

    def stats(self) -> dict:
        """The set_stats data of the job, which AWX hands to the next workflow nodes as extra vars."""
        [stats] = [event for event in self.events if event["event"] == "playbook_on_stats"]
        return stats["event_data"].get("artifact_data", {})

    def task_events(self, task_name: str) -> list[dict]:
        """The events of one task, from its start to its result, with the output it printed between."""
        [start] = [index for index, event in enumerate(self.events)
                   if event["event"] == "playbook_on_task_start" and event["event_data"].get("task") == task_name]
        uuid = self.events[start]["event_data"]["task_uuid"]
        [end] = [index for index, event in enumerate(self.events)
                 if event["event"] in ("runner_on_ok", "runner_on_failed")
                 and event["event_data"].get("task_uuid") == uuid]
        return self.events[start:end + 1]


def prepare_private_data_dir(root: Path, project_files: list[Path], envvars: dict, extra_vars: dict) -> Path:
    """A private_data_dir with the project's files, a localhost inventory, the credential's
    environment (env/envvars, as the credential injectors rendered it) and the launch's extra vars."""
    (root / "project").mkdir(parents=True)
    (root / "inventory").mkdir()
    (root / "env").mkdir(exist_ok=True)
    for path in project_files:
        shutil.copy(path, root / "project" / path.name)
    # AWX's execution environment has a working interpreter; this machine's discovery may find a
    # broken pyenv shim, so the job runs on the test's own Python.
    (root / "inventory" / "hosts").write_text(
        f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n", encoding="utf-8")
    (root / "env" / "envvars").write_text(json.dumps(envvars), encoding="utf-8")
    (root / "env" / "extravars").write_text(json.dumps(extra_vars), encoding="utf-8")
    (root / "env" / "settings").write_text(json.dumps({"job_timeout": JOB_TIMEOUT_SECONDS}), encoding="utf-8")
    return root


def run_job(private_data_dir: Path, playbook: str, ident: str, verbosity: int = 0) -> AwxJob:
    """Run the playbook as AWX's job would, through ansible-runner; stdout stays in the artifacts."""
    runner = ansible_runner.run(private_data_dir=str(private_data_dir), playbook=playbook, ident=ident,
                                verbosity=verbosity, quiet=True)
    return AwxJob(private_data_dir, ident, runner.status, runner.rc, list(runner.events))


def files_containing(root: Path, secrets: list[str], skip_dirs: tuple[str, ...]) -> list[str]:
    """Every file under ``root`` (but ``skip_dirs``) with one of ``secrets`` in it, as 'path: secret'.
    The runner's command file is read without its `env` key, the job environment it records."""
    found = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if not path.is_file() or relative.parts[0] in skip_dirs:
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        if path.name == COMMAND_FILE and path.parent.parent.name == "artifacts":
            record = json.loads(text)
            record.pop("env")
            text = json.dumps(record)
        found += [f"{relative}: {secret}" for secret in secrets if secret in text]
    return found
