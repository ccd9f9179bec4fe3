# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A new user's first hour: `make demo` installs only what it runs and says what to do next,
README.md shows that next step, and `make install` puts the collection where ansible-doc finds it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "utils"))

from install_collection import NEXT_STEP  # noqa: E402  pylint: disable=wrong-import-position


def user_env(home: Path) -> dict:
    """A user's environment: their own HOME, no collections path or PYTHONPATH of the test run (a
    path on sys.path would let Ansible find the collection there), this venv's tools on PATH."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_COLLECTIONS_PATHS", "PYTHONPATH")
           and not key.startswith("OCP_")}
    env.update(HOME=str(home), PATH="%s%s%s" % (Path(sys.executable).parent, os.pathsep, os.environ["PATH"]))
    return env


def make_dry_run(target: str, tmp_path: Path) -> str:
    """What `make <target>` would run on a fresh clone (no virtual environment yet)."""
    completed = subprocess.run(["make", "-n", target, "VENV=%s" % (tmp_path / "venv")], cwd=ROOT, capture_output=True,
                               text=True, check=True)
    return completed.stdout


def test_demo_installs_only_what_it_runs(tmp_path):
    commands = make_dry_run("demo", tmp_path)
    [install] = [line for line in commands.splitlines() if "pip install" in line and "--upgrade pip" not in line]
    assert "-r requirements.txt" in install and "ansible-core>=2.16" in install and "-e ./simulator" in install
    assert "tests/requirements.txt" not in commands


def test_install_uses_the_runtime_environment_and_the_default_path(tmp_path):
    commands = make_dry_run("install", tmp_path)
    assert "tests/requirements.txt" not in commands
    assert re.search(r"/python tests/utils/install_collection\.py\s*$", commands, re.MULTILINE), commands


def test_install_puts_the_collection_where_ansible_doc_finds_it(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = user_env(home)
    installed = subprocess.run([sys.executable, str(ROOT / "tests" / "utils" / "install_collection.py")], env=env,
                               capture_output=True, text=True, check=False)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert (home / ".ansible" / "collections" / "ansible_collections" / "oceanbase" / "ocp" / "MANIFEST.json").is_file()

    doc = subprocess.run(["ansible-doc", "oceanbase.ocp.ocp_task_wait"], env=env, capture_output=True, text=True,
                         check=False)
    assert doc.returncode == 0, doc.stdout + doc.stderr
    assert str(home / ".ansible" / "collections") in doc.stdout
    assert "Waits for one or many OCP tasks" in doc.stdout


def test_readme_shows_the_step_the_demo_prints():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    after_demo = readme.split("## After the demo", 1)[1].split("\n## ", 1)[0]
    assert "```sh\n%s\n```" % NEXT_STEP in after_demo


def test_demo_runs_and_ends_with_readable_lines_and_the_next_step(tmp_path):
    env = dict(os.environ, OCP_DEMO_REPORT=str(tmp_path / "report.json"))
    demo = subprocess.run([sys.executable, str(ROOT / "tests" / "utils" / "run_demo.py")], env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    output = demo.stdout + demo.stderr
    assert demo.returncode == 0, output
    final = output.split("TASK [Show the final report]", 1)[1]
    assert re.search(r"\d+ of \d+ task\(s\) succeeded, \d+ failed, \d+ rolled back, \d+ timed out; \d+ action\(s\) "
                     r"sent; report written to \S+report\.json", final), final
    assert re.search(r"task \d+ \(Create tenant t_demo\) succeeded after \d+ action\(s\): skip of Check tenant "
                     r"parameters, retry of Create resource pool", final), final
    # Plain lines, no JSON inside them (such as {\"succeeded\": 2}).
    assert '\\"' not in final and "{" not in final.split('"msg": [', 1)[1].split("PLAY RECAP")[0]
    assert output.rstrip().endswith("shows how to run playbooks against the simulator.")
    assert "\n  %s\n" % NEXT_STEP in output
