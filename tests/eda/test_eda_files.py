# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Event-Driven Ansible files we ship: rulebooks ansible-rulebook accepts, naming playbooks and
a source that exist; the source's documentation matching what it accepts; the EDA credential type
giving the environment the source reads; docs/eda.md showing them as they are; the source
runnable on its own."""

from __future__ import annotations

import ast
import json
import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from ansible_rulebook.validators import Validate
from jinja2 import StrictUndefined, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.auth import OcpAccessKeyAuth, OcpBasicAuth
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.options import CONNECTION_OPTIONS
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_events.source_options import (
    DEFAULTS,
    SOURCE_ARGUMENTS,
    client_from_options,
    source_options,
)
from harness import ADMIN_USER

ROOT = Path(__file__).resolve().parents[2]
EDA = ROOT / "extensions" / "eda"
PLUGIN = EDA / "plugins" / "event_source" / "ocp_task_events.py"
RULEBOOKS = sorted((EDA / "rulebooks").glob("*.yml"))
CREDENTIAL_TYPE = EDA / "credential_types" / "ocp_eda.yml"
DOCS = ROOT / "docs" / "eda.md"
CONNECTION_ENVIRONMENT = tuple((option.name, option.variable) for option in CONNECTION_OPTIONS)
CONNECTION_VARIABLES = set(variable for _name, variable in CONNECTION_ENVIRONMENT)
PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2E=\n-----END CERTIFICATE-----\n"


def load(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def plugin_constant(name: str) -> str:
    tree = ast.parse(PLUGIN.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == name:
            return node.value.value
    raise KeyError(name)


@pytest.mark.parametrize("path", RULEBOOKS, ids=lambda path: path.stem)
def test_rulebooks_are_valid_and_name_what_exists(path):
    rulebook = load(path)
    Validate.rulebook(rulebook)
    documented = set(yaml.safe_load(plugin_constant("DOCUMENTATION"))["options"])
    for ruleset in rulebook:
        for source in ruleset["sources"]:
            assert set(source) - {"name"} == {"oceanbase.ocp.ocp_task_events"}
            assert set(source["oceanbase.ocp.ocp_task_events"]) <= documented
        for rule in ruleset["rules"]:
            playbook = rule["action"].get("run_playbook")
            if playbook:
                namespace, collection, name = playbook["name"].split(".")
                assert (namespace, collection) == ("oceanbase", "ocp")
                assert (ROOT / "playbooks" / (name + ".yml")).is_file()
    assert RULEBOOKS and [path.name for path in RULEBOOKS] == ["ocp_task_remediation.yml",
                                                               "ocp_task_remediation_awx.yml"]


def test_the_source_documents_what_it_accepts():
    documentation = yaml.safe_load(plugin_constant("DOCUMENTATION"))
    options = documentation["options"]
    assert set(options) == SOURCE_ARGUMENTS | set(name for name, _variable in CONNECTION_ENVIRONMENT)
    for name, option in options.items():
        if "default" in option:
            assert DEFAULTS[name] == option["default"], name
    for name, variable in CONNECTION_ENVIRONMENT:
        assert variable in " ".join(options[name]["description"] if isinstance(options[name]["description"], list)
                                    else [options[name]["description"]]), name
    examples = yaml.safe_load(plugin_constant("EXAMPLES"))
    Validate.rulebook(examples)
    source_options(examples[0]["sources"][0]["oceanbase.ocp.ocp_task_events"], {"OCP_URL": "https://ocp"})


def inject(credential_type: dict, inputs: dict, env_dir: Path) -> dict:
    """What the EDA controller does with a credential (as AWX does; its namespace is ``eda``):
    empty inputs render as "", an unset boolean is false, files are written and named by eda.filename."""
    namespace = {key: value for key, value in inputs.items() if isinstance(value, bool) or value}
    for field in credential_type["inputs"]["fields"]:
        if field.get("type") == "boolean":
            namespace.setdefault(field["id"], False)
    sandbox = ImmutableSandboxedEnvironment()
    filenames = {}
    for label, template in credential_type["injectors"].get("file", {}).items():
        path = env_dir / label.partition(".")[2]
        path.write_text(sandbox.from_string(template).render(**namespace))
        filenames[label.partition(".")[2]] = str(path)
    namespace["eda"] = {"filename": filenames}
    return {name: sandbox.from_string(template).render(**namespace)
            for name, template in credential_type["injectors"]["env"].items()}


def test_the_eda_credential_type_is_well_formed():
    credential_type = load(CREDENTIAL_TYPE)
    assert credential_type["kind"] == "cloud"
    fields = credential_type["inputs"]["fields"]
    ids = [field["id"] for field in fields]
    assert len(ids) == len(set(ids)) and set(credential_type["inputs"]["required"]) <= set(ids)
    assert {field["id"] for field in fields if field.get("secret")} == {"password", "access_key_secret"}
    assert set(credential_type["injectors"]["env"]) <= CONNECTION_VARIABLES
    # Every template renders with every field given (StrictUndefined: no misspelt field).
    namespace = {field_id: "x" for field_id in ids}
    namespace["eda"] = {"filename": {"ca_bundle": "/tmp/ca"}}
    for template in credential_type["injectors"]["env"].values():
        ImmutableSandboxedEnvironment(undefined=StrictUndefined).from_string(template).render(namespace)


def test_a_password_credential_gives_the_source_basic_auth(tmp_path):
    env = inject(load(CREDENTIAL_TYPE), {"url": "https://ocp:8080", "username": "admin", "password": "pw"}, tmp_path)
    assert env["OCP_ACCESS_KEY_ID"] == "" and env["OCP_CA_PATH"] == "" and env["OCP_VALIDATE_CERTS"] == "true"
    client = client_from_options(source_options({}, env))
    assert isinstance(client._auth, OcpBasicAuth) and client._verify is True


def test_an_access_key_credential_with_a_ca_gives_the_source_signed_requests(tmp_path):
    env = inject(load(CREDENTIAL_TYPE), {"url": "https://ocp:8080", "access_key_id": "AK", "access_key_secret": "SK",
                                         "ca_bundle": PEM}, tmp_path)
    client = client_from_options(source_options({}, env))
    assert isinstance(client._auth, OcpAccessKeyAuth)
    assert client._verify == env["OCP_CA_PATH"] and Path(env["OCP_CA_PATH"]).read_text() == PEM


def test_docs_show_the_shipped_files():
    """docs/eda.md tells what to paste into the EDA controller; it must be what the files say."""
    docs = DOCS.read_text(encoding="utf-8")
    shown = dict(re.findall(r"<!-- eda-file: (\S+) -->\s*```yaml\n(.*?)```", docs, flags=re.S))
    credential_type = load(CREDENTIAL_TYPE)
    expected = {
        "credential_types/ocp_eda.yml#inputs": credential_type["inputs"],
        "credential_types/ocp_eda.yml#injectors": credential_type["injectors"],
        "rulebooks/ocp_task_remediation.yml": load(EDA / "rulebooks" / "ocp_task_remediation.yml"),
        "rulebooks/ocp_task_remediation_awx.yml#rules": load(EDA / "rulebooks" / "ocp_task_remediation_awx.yml")[0]["rules"],
    }
    assert set(shown) == set(expected)
    for key, value in expected.items():
        assert yaml.safe_load(shown[key]) == value, key


def test_the_source_runs_on_its_own_and_prints_events(simulator):
    """``python ocp_task_events.py`` with a mock queue, as the ansible.eda plugins do."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("OCP_")}
    env.update(OCP_URL=simulator.url, OCP_USERNAME=ADMIN_USER[0], OCP_PASSWORD=ADMIN_USER[1])
    process = subprocess.Popen([sys.executable, str(PLUGIN), json.dumps({"interval": 1, "initial_events": "failures"})],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    line, deadline = "", time.monotonic() + 60
    try:
        while not line and time.monotonic() < deadline and process.poll() is None:
            if select.select([process.stdout], [], [], 0.5)[0]:
                line = process.stdout.readline()
    finally:
        process.terminate()
        _out, errors = process.communicate(timeout=30)
    assert line, f"no event printed; stderr:\n{errors}"
    first = json.loads(line)
    # The scenario has a task FAILED at "Create resource pool": the current failure, marked initial.
    assert first["ocp"]["type"] == "subtask_failed" and first["ocp"]["initial"] is True
    assert first["ocp"]["subtask"]["name"] == "Create resource pool"
    assert "unit config is not enough" in first["ocp"]["subtask"]["reason"]


def test_the_source_says_where_it_must_live(tmp_path):
    copy = tmp_path / "ocp_task_events.py"
    copy.write_text(PLUGIN.read_text(encoding="utf-8"))
    completed = subprocess.run([sys.executable, str(copy)], capture_output=True, text=True, timeout=60, check=False)
    assert completed.returncode != 0
    assert "must run from an installed oceanbase.ocp collection" in completed.stderr


def test_the_awx_rulebook_launches_what_the_job_template_survey_accepts():
    """run_job_template's extra_vars, rendered as ansible-rulebook renders them, pass the survey of
    "Supervise OCP tasks" and name the task as its playbook reads it."""
    sys.path.insert(0, str(ROOT / "tests" / "runner"))
    from awx_survey import survey_extra_vars  # pylint: disable=import-outside-toplevel
    from ansible_rulebook.util import substitute_variables  # pylint: disable=import-outside-toplevel

    rules = load(EDA / "rulebooks" / "ocp_task_remediation_awx.yml")[0]["rules"]
    action = rules[0]["action"]["run_job_template"]
    assert action["name"] == "Supervise OCP tasks" and action["post_events"] is True
    rendered = substitute_variables(action["job_args"]["extra_vars"], {"event": {"ocp": {"task": {"id": 1030}}}})
    spec = json.loads((ROOT / "extensions" / "awx" / "survey_policy.json").read_text(encoding="utf-8"))
    extra_vars = survey_extra_vars(spec, rendered)
    assert extra_vars["ocp_task_ids"] == "1030" and extra_vars["ocp_task_fail_on_unsuccessful"] == "no"


# An event of each kind the rules act on, with every string written as Jinja: what an OCP that
# names tasks, subtasks and hosts, or writes logs, so could make the source send.
JINJA = "{{ lookup('pipe', 'touch pwned') }}{% set x = lookup('pipe', 'touch pwned') %}"
HOSTILE_TASK = {"id": 1031, "name": JINJA, "status": "FAILED", "cluster": {"id": 1, "name": JINJA},
                "tenant": {"id": 1002, "name": JINJA}, "creator": JINJA}
HOSTILE_SUBTASK = {"id": 1000185, "name": JINJA, "description": JINJA, "host": JINJA, "reason": JINJA,
                   "log_excerpt": [JINJA]}
HOSTILE_EVENTS = [
    {"ocp": {"type": "task_failed", "key": JINJA, "api_url": JINJA, "task": HOSTILE_TASK,
             "failed_subtasks": [HOSTILE_SUBTASK]}},
    {"ocp": {"type": "subtask_running_long", "key": JINJA, "api_url": JINJA, "task": HOSTILE_TASK,
             "subtask": HOSTILE_SUBTASK, "running_for": 1300.5, "limit": {"pattern": JINJA, "seconds": 1200}}},
    {"task_supervisor": {"summary": {"succeeded": 0, "total": 1, "actions_sent": 1},
                         "outcomes": [{"id": 1031, "outcome": "failed", "actions": 1}],
                         "error": {"kind": JINJA, "status": JINJA}}},
]
PAGE_RULES = ("Page a person when the supervision did not save the task", "Page a person when a subtask runs too long")


def playbook_variables(rule: dict) -> dict | None:
    action = rule["action"]
    if "run_playbook" in action:
        return action["run_playbook"].get("extra_vars", {})
    if "run_job_template" in action:
        return action["run_job_template"].get("job_args", {}).get("extra_vars", {})
    return None


@pytest.mark.parametrize("path", RULEBOOKS, ids=lambda path: path.stem)
def test_the_rulebooks_pass_the_playbooks_no_ocp_text(path):
    """What the rules hand a playbook or job template, rendered as ansible-rulebook renders it for
    events whose every string is Jinja: numbers, and words the rule itself wrote (ansible-rulebook
    adds the event as ansible_eda, which the playbooks never read)."""
    from ansible_rulebook.util import substitute_variables  # pylint: disable=import-outside-toplevel

    settings = {"ocp_remediation_policy": {"rules": []}, "ocp_remediation_wait_timeout": 60,
                "ocp_remediation_wait_sleep": 1, "ocp_page_webhook_url": "", "ocp_page_file": "/srv/pages.jsonl"}
    rendered = 0
    for rule in load(path)[0]["rules"]:
        variables = playbook_variables(rule)
        if variables is None:
            continue
        for event in HOSTILE_EVENTS:
            try:
                values = substitute_variables(variables, dict(settings, event=event))
            except UndefinedError:  # a rule for another kind of event
                continue
            rendered += 1
            for name, value in values.items():
                if name in settings:
                    continue
                assert "lookup" not in json.dumps(value), (rule["name"], name, value)
                for item in value if isinstance(value, list) else [value]:
                    assert isinstance(item, int) or re.fullmatch(r"'?[a-z_0-9]*'?", item), (rule["name"], name, item)
    assert rendered >= 3


def test_both_rulebooks_page_with_the_same_variables():
    local, awx = ({rule["name"]: playbook_variables(rule) for rule in load(EDA / "rulebooks" / name)[0]["rules"]}
                  for name in ("ocp_task_remediation.yml", "ocp_task_remediation_awx.yml"))
    for name in PAGE_RULES:
        # The AWX job template has its own webhook (its variables) and no file.
        assert {key: value for key, value in local[name].items() if key not in ("ocp_page_webhook_url", "ocp_page_file")
                } == awx[name], name
