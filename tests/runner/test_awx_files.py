# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX files we ship (extensions/awx/): AWX would accept them, they produce the environment and
policy the collection expects, and docs/awx.md shows them as they are."""

from __future__ import annotations

import copy
import json
import re
import stat
from pathlib import Path

import pytest
import yaml

from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.policy import parse_policy
from awx_credential import credential_type_errors, inject_credential
from awx_survey import survey_extra_vars, survey_spec_errors

ROOT = Path(__file__).resolve().parents[2]
AWX = ROOT / "extensions" / "awx"
CREDENTIAL_TYPE = AWX / "credential_types" / "ocp.yml"
SURVEY = AWX / "survey_policy.json"
DOCS = ROOT / "docs" / "awx.md"
CONNECTION_VARIABLES = {"OCP_URL", "OCP_USERNAME", "OCP_PASSWORD", "OCP_ACCESS_KEY_ID", "OCP_ACCESS_KEY_SECRET",
                        "OCP_VALIDATE_CERTS", "OCP_CA_PATH", "OCP_REQUEST_TIMEOUT", "OCP_REQUEST_RETRIES"}
PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2E=\n-----END CERTIFICATE-----\n"


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_one_credential_type_for_both_kinds_of_account():
    assert [path.name for path in (AWX / "credential_types").iterdir()] == ["ocp.yml"]


def test_credential_type_is_one_awx_accepts():
    credential_type = load(CREDENTIAL_TYPE)
    assert credential_type_errors(credential_type) == []
    # Every variable it sets is one the collection reads.
    assert set(credential_type["injectors"]["env"]) <= CONNECTION_VARIABLES
    secret_fields = {field["id"] for field in credential_type["inputs"]["fields"] if field.get("secret")}
    assert secret_fields == {"password", "access_key_secret"}
    # Either kind of credential may be filled in: only the URL is required.
    assert credential_type["inputs"]["required"] == ["url"]


@pytest.mark.parametrize("mistake, message", [
    (lambda ct: ct["injectors"]["env"].update(OCP_URL="{{ host }}"), "'host' is undefined"),
    (lambda ct: ct["injectors"]["file"].update(template="{{ url }}"), "syntax mixed"),
    (lambda ct: ct["injectors"]["env"].update(ANSIBLE_CONFIG="{{ url }}"), "ANSIBLE_CONFIG"),
    (lambda ct: ct["inputs"]["required"].append("token"), "'token' is not a field"),
    (lambda ct: ct.update(kind="ssh"), "kind"),
    (lambda ct: ct["inputs"]["fields"].append({"id": "url", "label": "Again"}), "used twice"),
])
def test_credential_type_check_catches_what_awx_refuses(mistake, message):
    credential_type = copy.deepcopy(load(CREDENTIAL_TYPE))
    mistake(credential_type)
    errors = credential_type_errors(credential_type)
    assert any(message in error for error in errors), errors


def test_password_credential_sets_basic_auth_environment(tmp_path):
    env = inject_credential(load(CREDENTIAL_TYPE), {"url": "https://ocp.example.com:8080", "username": "admin",
                                                    "password": "pw"}, tmp_path)
    # No CA given: OCP_CA_PATH is empty, which the collection takes as "the default trust store";
    # the access key variables are empty, which it takes as unset.
    assert env == {"OCP_URL": "https://ocp.example.com:8080", "OCP_USERNAME": "admin", "OCP_PASSWORD": "pw",
                   "OCP_ACCESS_KEY_ID": "", "OCP_ACCESS_KEY_SECRET": "", "OCP_CA_PATH": "", "OCP_VALIDATE_CERTS": "true"}


def test_access_key_credential_leaves_username_and_password_empty(tmp_path):
    env = inject_credential(load(CREDENTIAL_TYPE), {"url": "https://ocp.example.com:8080", "access_key_id": "AK1",
                                                    "access_key_secret": "SK1"}, tmp_path)
    # AWX sets them all the same; the collection counts empty variables as unset (test_awx_job.py runs it).
    assert env == {"OCP_URL": "https://ocp.example.com:8080", "OCP_USERNAME": "", "OCP_PASSWORD": "",
                   "OCP_ACCESS_KEY_ID": "AK1", "OCP_ACCESS_KEY_SECRET": "SK1", "OCP_CA_PATH": "",
                   "OCP_VALIDATE_CERTS": "true"}


def test_ca_certificate_reaches_the_job_as_a_private_file(tmp_path):
    env = inject_credential(load(CREDENTIAL_TYPE), {"url": "https://ocp", "access_key_id": "AK1",
                                                    "access_key_secret": "SK1", "ca_bundle": PEM}, tmp_path)
    ca_path = Path(env["OCP_CA_PATH"])
    assert ca_path.parent == tmp_path and ca_path.read_text() == PEM
    assert stat.S_IMODE(ca_path.stat().st_mode) == 0o600
    assert env["OCP_VALIDATE_CERTS"] == "true"


def test_skipping_verification_takes_a_ticked_box(tmp_path):
    credential_type = load(CREDENTIAL_TYPE)
    base = {"url": "https://ocp", "username": "u", "password": "p"}
    assert inject_credential(credential_type, dict(base, skip_tls_verify=True), tmp_path)["OCP_VALIDATE_CERTS"] == "false"
    assert inject_credential(credential_type, dict(base, skip_tls_verify=False), tmp_path)["OCP_VALIDATE_CERTS"] == "true"


def test_survey_is_one_awx_accepts_and_its_default_policy_is_valid():
    spec = json.loads(SURVEY.read_text(encoding="utf-8"))
    assert survey_spec_errors(spec) == []
    extra_vars = survey_extra_vars(spec, {"ocp_task_ids": "1024,1025"})
    policy = yaml.safe_load(extra_vars["ocp_task_policy"])
    parsed = parse_policy(policy)
    assert [rule.action for rule in parsed.rules] == ["retry"]
    assert extra_vars["ocp_task_wait_timeout"] == 1800 and extra_vars["ocp_task_fail_on_unsuccessful"] == "yes"


@pytest.mark.parametrize("answers, message", [
    ({"ocp_task_wait_timeout": 5}, "below the minimum 60"),
    ({"ocp_task_wait_timeout": "1800"}, "expected to be a integer"),
    ({"ocp_task_fail_on_unsuccessful": "maybe"}, "expected to be one of"),
    ({"ocp_task_policy": "x" * 9000}, "above the maximum 8192"),
])
def test_survey_answers_are_checked_as_awx_checks_them(answers, message):
    spec = json.loads(SURVEY.read_text(encoding="utf-8"))
    with pytest.raises(ValueError, match=message):
        survey_extra_vars(spec, answers)


def test_survey_check_catches_what_awx_refuses():
    spec = json.loads(SURVEY.read_text(encoding="utf-8"))
    spec["spec"][4]["default"] = "perhaps"
    spec["spec"].append(dict(spec["spec"][0]))
    errors = survey_spec_errors(spec)
    assert any("not among the choices" in error for error in errors), errors
    assert any("asked twice" in error for error in errors), errors


def test_docs_show_the_shipped_configuration():
    """docs/awx.md tells what to paste into AWX; it must be what the files say."""
    docs = DOCS.read_text(encoding="utf-8")
    shown = dict(re.findall(r"<!-- awx-file: (\S+) -->\s*```(?:yaml|json)\n(.*?)```", docs, flags=re.S))
    expected = {
        "credential_types/ocp.yml#inputs": load(CREDENTIAL_TYPE)["inputs"],
        "credential_types/ocp.yml#injectors": load(CREDENTIAL_TYPE)["injectors"],
    }
    assert set(shown) == set(expected)
    for key, value in expected.items():
        assert yaml.safe_load(shown[key]) == value, key


def test_project_installs_the_collection():
    requirements = load(AWX / "project" / "collections" / "requirements.yml")
    assert [collection["name"] for collection in requirements["collections"]] == ["oceanbase.ocp"]
