# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What AWX does with a custom credential type, for tests without an AWX.

Two halves, both following AWX's documented behaviour (docs/credentials/custom_credential_types.md
in the AWX repository, and its CredentialType.inject_credential):

- ``credential_type_errors``: the checks AWX makes when a credential type is created, so a file we
  ship is one AWX accepts;
- ``inject_credential``: how AWX turns a credential of that type into a job's environment and files.
  Empty inputs are left out of the template namespace (they render as ""), an unset boolean is
  False, files are rendered first and written under the job's ``env/`` directory with mode 0600, and
  ``tower.filename`` (or ``tower.filename.<name>`` for several files) names them in the other
  templates. Templates run in Jinja's immutable sandbox, as in AWX.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from types import SimpleNamespace

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

# Users may create only these kinds; the others are AWX's own.
CUSTOM_KINDS = ("cloud", "net")
FIELD_TYPES = ("string", "boolean")
FIELD_ID = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
ENV_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
INJECTOR_KINDS = ("file", "env", "extra_vars")
# AWX refuses injectors for variables that steer Ansible or the job itself (a subset of its list:
# the ones a credential type for a REST API could plausibly collide with).
BLOCKED_ENV = re.compile(r"^(ANSIBLE_.*|AWX_.*|TOWER_.*|JOB_ID|INVENTORY_ID|PROJECT_REVISION|PATH|HOME|PYTHONPATH|"
                         r"VIRTUAL_ENV|MAX_EVENT_RES|CALLBACK_QUEUE|CALLBACK_CONNECTION|CACHE|JOB_CALLBACK_DEBUG|"
                         r"INVENTORY_HOSTVARS)$")
VALIDATION_VALUE = "EXAMPLE"


def credential_type_errors(credential_type: dict) -> list[str]:
    """Why AWX would refuse this credential type; empty when it would accept it."""
    errors = []
    if not isinstance(credential_type.get("name"), str) or not credential_type["name"].strip():
        errors.append("name: a non-empty string is required")
    if credential_type.get("kind") not in CUSTOM_KINDS:
        errors.append(f"kind: must be one of {CUSTOM_KINDS}, got {credential_type.get('kind')!r}")
    fields = credential_type.get("inputs", {}).get("fields", [])
    errors += _field_errors(fields, credential_type.get("inputs", {}).get("required", []))
    if not errors:
        errors += _injector_errors(credential_type.get("injectors", {}), [field["id"] for field in fields])
    return errors


def _field_errors(fields, required) -> list[str]:
    errors = []
    ids, labels = set(), set()
    for index, field in enumerate(fields):
        where = f"inputs.fields[{index}]"
        if not isinstance(field, dict):
            errors.append(f"{where}: must be a mapping")
            continue
        if not FIELD_ID.match(str(field.get("id", ""))):
            errors.append(f"{where}.id: {field.get('id')!r} is not a valid identifier")
        if not isinstance(field.get("label"), str) or not field["label"]:
            errors.append(f"{where}.label: a non-empty string is required")
        if field.get("id") in ids or field.get("label") in labels:
            errors.append(f"{where}: id {field.get('id')!r} or label {field.get('label')!r} is used twice")
        ids.add(field.get("id"))
        labels.add(field.get("label"))
        field_type = field.get("type", "string")
        if field_type not in FIELD_TYPES:
            errors.append(f"{where}.type: must be one of {FIELD_TYPES}, got {field_type!r}")
        for flag in ("secret", "multiline"):
            if flag in field and not isinstance(field[flag], bool):
                errors.append(f"{where}.{flag}: must be true or false")
        if field_type == "boolean" and (field.get("secret") or field.get("multiline")):
            errors.append(f"{where}: a boolean field can be neither secret nor multiline")
    for name in required:
        if name not in ids:
            errors.append(f"inputs.required: {name!r} is not a field")
    return errors


def _injector_errors(injectors, field_ids) -> list[str]:
    errors = [f"injectors.{kind}: unknown injector kind" for kind in injectors if kind not in INJECTOR_KINDS]
    file_labels = list(injectors.get("file", {}))
    single = "template" in file_labels
    if single and len(file_labels) > 1:
        errors.append("injectors.file: single-file ('template') and multi-file ('template.NAME') syntax mixed")
    if not single and any(not re.match(r"^template\.[a-zA-Z_][a-zA-Z0-9_]*$", label) for label in file_labels):
        errors.append(f"injectors.file: labels must be 'template' or 'template.NAME', got {file_labels}")
    namespace = {field_id: VALIDATION_VALUE for field_id in field_ids}
    names = [] if single else [label.split(".", 1)[1] for label in file_labels]
    namespace["tower"] = _tower_namespace("EXAMPLE_FILENAME" if single else {name: "EXAMPLE_FILENAME" for name in names})
    for name in injectors.get("env", {}):
        if not ENV_NAME.match(name) or BLOCKED_ENV.match(name):
            errors.append(f"injectors.env.{name}: AWX does not let a credential type set this variable")
    for kind in INJECTOR_KINDS:
        for key, template in injectors.get(kind, {}).items():
            try:
                ImmutableSandboxedEnvironment(undefined=StrictUndefined).from_string(template).render(namespace)
            except TemplateError as error:
                errors.append(f"injectors.{kind}.{key}: {error}")
    return errors


def _tower_namespace(filenames):
    """AWX's reserved ``tower`` template variable: ``tower.filename`` for one file, else one attribute per file."""
    return SimpleNamespace(filename=SimpleNamespace(**filenames) if isinstance(filenames, dict) else filenames)


def inject_credential(credential_type: dict, inputs: dict, env_dir) -> dict[str, str]:
    """The environment variables a job gets from a credential with these ``inputs``; writes the
    type's files into ``env_dir`` (the job's private_data_dir/env) as AWX does."""
    namespace = {}
    for name, value in inputs.items():
        if isinstance(value, bool) or value:
            namespace[name] = value
    for field in credential_type["inputs"]["fields"]:
        if field.get("type") == "boolean" and field["id"] not in inputs:
            namespace[field["id"]] = False
    sandbox = ImmutableSandboxedEnvironment()
    injectors = credential_type.get("injectors", {})
    filenames = {}
    for label, template in injectors.get("file", {}).items():
        descriptor, path = tempfile.mkstemp(dir=env_dir)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(sandbox.from_string(template).render(**namespace))
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        filenames[label.partition(".")[2]] = path
    if filenames:
        namespace["tower"] = _tower_namespace(filenames.get("") if "" in filenames else filenames)
    return {name: sandbox.from_string(template).render(**namespace)
            for name, template in injectors.get("env", {}).items()}
