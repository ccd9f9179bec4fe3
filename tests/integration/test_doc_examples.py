# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every example of the documentation runs as written against the OCP simulator's default scenario.

The examples are the fenced YAML blocks of README.md, docs/*.md and the READMEs of the roles and the
AWX files, and the EXAMPLES of every module (plugins/modules/*.py, so a new module's are picked up).
A block is a playbook (plays with ``hosts``) or a list of tasks, which is run as the tasks of a
play on localhost. Each runs with ansible-playbook against a simulator of its own, started with
the built-in default scenario at the speed the quick start uses, as a reader would run it:

- ``http://127.0.0.1:8080``, the simulator's address, is replaced with the test simulator's;
- the OCP_* variables hold the simulator's address and admin credentials, and the variables
  ``ocp_password`` and ``vault_ocp_password``, which examples use for a secret kept in Ansible
  Vault, its admin password; ``vault_ocp_access_key_id``/``_secret`` its admin's access key; any
  other ``vault_*`` variable gets a made-up secret.

An HTML comment right above a block in Markdown says how else to treat it, with the reason:

- ``<!-- example: not run, <reason> -->`` for what is no playbook (AWX configuration, a scenario
  file) or needs what the simulator is not (a real OCP's address and CA);
- ``<!-- example: check mode, <reason> -->`` to run it with ``--check``;
- ``<!-- example: fails with "<text>", <reason> -->`` when the default scenario makes it fail, as
  the text around it says: the run must fail, with ``<text>`` in its output;
- ``<!-- example: on OCP <version>, <reason> -->`` for a call only some OCP versions document (a
  take-over's pre-check): the simulator plays that version (``--ocp-version``).
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from harness import ADMIN_USER, playbook_env, start_simulator

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted(["README.md", "roles/task_supervisor/README.md", "roles/ocp_page/README.md",
                    "extensions/awx/README.md"]
                   + ["docs/%s" % path.name for path in (ROOT / "docs").glob("*.md")])
MODULES = sorted(path.relative_to(ROOT).as_posix() for path in (ROOT / "plugins" / "modules").glob("*.py"))
# Module examples another change rewrites; each with the reason it does not run yet.
# Modules whose EXAMPLES cannot run against the simulator yet, with the reason (none today).
PENDING_MODULES = {}
SIMULATOR_ADDRESS = "http://127.0.0.1:8080"
# The quick start's `ocp-simulator --speed 60`: a tenant creation takes seconds.
SPEED = 60
FENCE = re.compile(r"^```ya?ml[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
DIRECTIVE = re.compile(
    r"^<!-- example: (not run|check mode|fails with \"([^\"]+)\"|on OCP (3\.1|4\.0|4\.2|4\.3)), (\S.*?) -->$")


@dataclass
class Example:
    where: str
    text: str
    mode: str = "run"  # run, check, fails, skip
    expected: str = ""
    reason: str = ""
    ocp_version: str | None = None  # the simulator's --ocp-version; None: its default


def _directive(lines_above: list[str], where: str) -> tuple[str, str, str, str | None]:
    """The mode, expected text, reason and OCP version the HTML comments right above a block give."""
    for line in reversed(lines_above):
        if not line.strip():
            continue
        if not line.startswith("<!--"):
            break
        found = DIRECTIVE.match(line.strip())
        if found:
            kind = found.group(1)
            if found.group(3):
                return "run", "", found.group(4), found.group(3)
            mode = "skip" if kind == "not run" else "check" if kind == "check mode" else "fails"
            return mode, found.group(2) or "", found.group(4), None
        assert not line.startswith("<!-- example"), "%s: malformed example directive %r" % (where, line)
    return "run", "", "", None


def markdown_examples(relative: str) -> list[Example]:
    text = (ROOT / relative).read_text(encoding="utf-8")
    examples = []
    for found in FENCE.finditer(text):
        line = text.count("\n", 0, found.start()) + 1
        where = "%s:%d" % (relative, line)
        mode, expected, reason, version = _directive(text[:found.start()].splitlines(), where)
        examples.append(Example(where, textwrap.dedent(found.group(1)), mode, expected, reason, version))
    return examples


def module_examples(relative: str) -> list[Example]:
    tree = ast.parse((ROOT / relative).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(target, "id", None) == "EXAMPLES" for target in node.targets):
            example = Example("%s:EXAMPLES" % relative, node.value.value)
            if relative in PENDING_MODULES:
                example.mode, example.reason = "skip", PENDING_MODULES[relative]
            return [example]
    return []


def all_examples() -> list[Example]:
    examples = [example for relative in DOCUMENTS for example in markdown_examples(relative)]
    return examples + [example for relative in MODULES for example in module_examples(relative)]


def playbook_text(example: Example) -> str:
    """The example as a playbook: as it is when it holds plays, else its tasks in a play on localhost."""
    document = yaml.safe_load(example.text)
    assert isinstance(document, list) and document and all(isinstance(item, dict) for item in document), (
        "%s is neither a playbook nor a list of tasks; mark it <!-- example: not run, <reason> -->" % example.where)
    if all("hosts" in item for item in document):
        return example.text
    assert not any("hosts" in item for item in document), "%s mixes plays and tasks" % example.where
    return ("- name: %s\n  hosts: localhost\n  gather_facts: false\n  tasks:\n%s"
            % (example.where, textwrap.indent(example.text, "    ")))


def test_there_are_examples_and_each_reason_is_given():
    examples = all_examples()
    assert len([example for example in examples if example.mode != "skip"]) >= 20
    assert all(example.reason for example in examples if example.mode in ("skip", "check", "fails"))


@pytest.fixture(scope="module")
def default_scenario() -> Path:
    import ocp_simulator.scenario  # pylint: disable=import-outside-toplevel

    return Path(ocp_simulator.scenario.__file__).parent / "scenarios" / "default.yaml"


def secret_variables(text: str, scenario: Path) -> dict:
    """What stands in for the secrets a reader keeps in Ansible Vault: ``ocp_password`` and
    ``vault_ocp_password`` are the simulator's admin password, ``vault_ocp_access_key_id`` and
    ``vault_ocp_access_key_secret`` its admin's access key, any other ``vault_*`` variable an
    example names (a tenant's root password) a made-up one."""
    [access_key] = yaml.safe_load(scenario.read_text(encoding="utf-8"))["users"][0]["access_keys"]
    secrets = {"ocp_password": ADMIN_USER[1], "vault_ocp_password": ADMIN_USER[1],
               "vault_ocp_access_key_id": access_key["id"], "vault_ocp_access_key_secret": access_key["secret"]}
    for name in re.findall(r"\b(vault_[a-z0-9_]+)\b", text):
        secrets.setdefault(name, "Example_Secret#0001")  # OCP's password rules (START-2)
    return secrets


@pytest.mark.parametrize("example", [pytest.param(example, id=example.where) for example in all_examples()])
def test_example_runs_against_the_simulator(example, default_scenario, tmp_path):
    if example.mode == "skip":
        pytest.skip(example.reason)
    playbook = tmp_path / "example.yml"
    simulator = start_simulator(tmp_path, tls=False, scenario=default_scenario, speed=SPEED,
                                ocp_version=example.ocp_version)
    try:
        playbook.write_text(playbook_text(example).replace(SIMULATOR_ADDRESS, simulator.url), encoding="utf-8")
        variables = tmp_path / "vars.json"
        variables.write_text(json.dumps(secret_variables(example.text, default_scenario)), encoding="utf-8")
        env = dict(playbook_env(), OCP_URL=simulator.url, OCP_USERNAME=ADMIN_USER[0], OCP_PASSWORD=ADMIN_USER[1])
        command = ["ansible-playbook", "-i", "localhost,", "-c", "local", str(playbook), "-e", "@%s" % variables]
        if example.mode == "check":
            command.append("--check")
        run = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False)
    finally:
        simulator.process.terminate()
        simulator.process.wait(timeout=30)
    output = run.stdout + run.stderr
    assert "Traceback" not in output, output
    if example.mode == "fails":
        assert run.returncode != 0, "%s should fail (%s):\n%s" % (example.where, example.reason, output)
        assert example.expected in output, output
    else:
        assert run.returncode == 0, "%s:\n%s" % (example.where, output)
