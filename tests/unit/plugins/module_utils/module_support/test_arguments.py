# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared connection options, building a client from them, and failing modules clearly."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.credentials import with_environment_credentials
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support import arguments as common
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.arguments import (
    client_from_module,
    connection_option_errors,
    ocp_argument_spec,
    wait_argument_spec,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.results import fail_from_error
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import (
    OcpClientError,
    OcpConnectionError,
    OcpIllegalStateError,
)

ENV_VARS = ["OCP_URL", "OCP_USERNAME", "OCP_PASSWORD", "OCP_ACCESS_KEY_ID", "OCP_ACCESS_KEY_SECRET",
            "OCP_VALIDATE_CERTS", "OCP_CA_PATH", "OCP_REQUEST_TIMEOUT", "OCP_REQUEST_RETRIES"]


class ModuleFailed(Exception):
    pass


class FakeModule:
    """Just what common.py uses of AnsibleModule; fail_json stops like the real one does."""

    def __init__(self, **params):
        self.params = dict(username=None, password=None, access_key_id=None, access_key_secret=None,
                           validate_certs=True, ca_path=None, request_timeout=30.0, request_retries=3)
        self.params.update(params)
        self.failure = None
        self.no_log_values = set()

    def fail_json(self, **result):
        self.failure = result
        raise ModuleFailed(result["msg"])


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


def validate(params):
    result = ArgumentSpecValidator(ocp_argument_spec()).validate(params)
    return result.validated_parameters, [str(error) for error in result.errors]


class TestArgumentSpec:
    def test_options_and_defaults(self):
        params, errors = validate({"api_url": "https://ocp.test", "username": "admin", "password": "secret"})
        assert errors == []
        assert params == {"api_url": "https://ocp.test", "username": "admin", "password": "secret",
                          "access_key_id": None, "access_key_secret": None, "validate_certs": True,
                          "ca_path": None, "request_timeout": 30.0, "request_retries": 3}

    def test_secrets_are_no_log(self):
        spec = ocp_argument_spec()
        assert [name for name, option in sorted(spec.items()) if option.get("no_log")] == [
            "access_key_secret", "password"]

    def test_each_call_gives_a_fresh_spec(self):
        ocp_argument_spec()["extra"] = {}
        assert "extra" not in ocp_argument_spec()

    def test_environment_fallbacks(self, monkeypatch):
        for name, value in [("OCP_URL", "https://env.test"), ("OCP_ACCESS_KEY_ID", "AK"),
                            ("OCP_ACCESS_KEY_SECRET", "SK"), ("OCP_VALIDATE_CERTS", "false"),
                            ("OCP_CA_PATH", "/etc/ca.pem"), ("OCP_REQUEST_TIMEOUT", "2.5"),
                            ("OCP_REQUEST_RETRIES", "0")]:
            monkeypatch.setenv(name, value)
        params, errors = validate({})
        assert errors == []
        params = with_environment_credentials(params)
        assert (params["api_url"], params["access_key_id"], params["access_key_secret"]) == (
            "https://env.test", "AK", "SK")
        assert (params["validate_certs"], params["ca_path"]) == (False, "/etc/ca.pem")
        assert (params["request_timeout"], params["request_retries"]) == (2.5, 0)

    def test_basic_credentials_from_the_environment(self, monkeypatch):
        monkeypatch.setenv("OCP_USERNAME", "admin")
        monkeypatch.setenv("OCP_PASSWORD", "secret")
        assert validate({"api_url": "https://ocp.test"})[1] == []

    def test_empty_variables_count_as_unset(self, monkeypatch):
        """AWX sets every variable a credential type injects, empty for the inputs left blank."""
        for name in ENV_VARS:
            monkeypatch.setenv(name, "")
        monkeypatch.setenv("OCP_URL", "https://env.test")
        monkeypatch.setenv("OCP_ACCESS_KEY_ID", "AK")
        monkeypatch.setenv("OCP_ACCESS_KEY_SECRET", "SK")
        params, errors = validate({})
        assert errors == []
        assert (params["username"], params["password"], params["ca_path"]) == (None, None, None)
        assert (params["validate_certs"], params["request_timeout"], params["request_retries"]) == (True, 30.0, 3)
        assert connection_option_errors(params) == []

    def test_ansible_checks_no_combination_itself(self):
        """Its messages could not name the OCP_* variables: connection_option_errors checks them."""
        assert validate({})[1] == []


def connection_params(**given):
    params = dict(api_url="https://ocp.test", username=None, password=None, access_key_id=None,
                  access_key_secret=None, validate_certs=True, ca_path=None, request_timeout=30.0, request_retries=3)
    params.update(given)
    return params


class TestConnectionOptionErrors:
    def test_complete_options_pass(self):
        assert connection_option_errors(connection_params(username="admin", password="x")) == []
        assert connection_option_errors(connection_params(access_key_id="AK", access_key_secret="SK")) == []

    @pytest.mark.parametrize("given, message", [
        (dict(api_url=None, username="admin", password="x"),
         "no api_url: give the api_url option or set the OCP_URL environment variable"),
        (dict(api_url="", username="admin", password="x"), "no api_url"),
        (dict(), "no credentials: give username and password (or set OCP_USERNAME and OCP_PASSWORD), or "
                 "access_key_id and access_key_secret (or set OCP_ACCESS_KEY_ID and OCP_ACCESS_KEY_SECRET)"),
        (dict(username="", password=""), "no credentials"),
        (dict(username="admin"), "username and password go together: got username without password "
                                 "(give the password option or set OCP_PASSWORD)"),
        (dict(password="x", access_key_id=""), "got password without username (give the username option or set "
                                               "OCP_USERNAME)"),
        (dict(access_key_secret="SK"), "got access_key_secret without access_key_id (give the access_key_id "
                                       "option or set OCP_ACCESS_KEY_ID)"),
        (dict(username="admin", password="x", access_key_id="AK"),
         "give either username/password (OCP_USERNAME/OCP_PASSWORD) or access_key_id/access_key_secret "
         "(OCP_ACCESS_KEY_ID/OCP_ACCESS_KEY_SECRET), not both; got username, password, access_key_id"),
    ])
    def test_messages_name_the_environment_variables(self, given, message):
        errors = connection_option_errors(connection_params(**given))
        assert len(errors) == 1 and message in errors[0], errors

    @pytest.mark.parametrize("option", ["request_timeout", "wait_timeout", "wait_sleep", "progress_interval"])
    @pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
    def test_numbers_must_be_finite(self, option, value):
        params = connection_params(username="admin", password="x", **{option: value})
        assert connection_option_errors(params) == ["%s must be a finite number, got %s" % (option, value)]

    def test_float_options_come_from_strings_too(self):
        """Ansible's float type turns 'nan' and 'inf' into floats: the check sees them."""
        spec = dict(ocp_argument_spec(), **wait_argument_spec())
        result = ArgumentSpecValidator(spec).validate(dict(api_url="https://ocp.test", username="a", password="b",
                                                           wait_timeout="nan", request_timeout="inf"))
        assert connection_option_errors(result.validated_parameters) == [
            "request_timeout must be a finite number, got inf", "wait_timeout must be a finite number, got nan"]


class TestClientFromModule:
    def test_builds_a_configured_client(self):
        module = FakeModule(api_url="https://ocp.test/", username="admin", password="secret", request_timeout=5.0,
                            request_retries=1, ca_path="/etc/ca.pem")
        client = client_from_module(module)
        assert (client.api_url, client.request_timeout, client.retry_policy.max_retries) == (
            "https://ocp.test", 5.0, 1)

    def test_fails_without_requests(self, monkeypatch):
        monkeypatch.setattr(common, "HAS_REQUESTS", False)
        monkeypatch.setattr(common, "REQUESTS_IMPORT_ERROR", "Traceback: No module named 'requests'")
        module = FakeModule(api_url="https://ocp.test", username="admin", password="secret")
        with pytest.raises(ModuleFailed, match="Failed to import the required Python library \\(requests\\)"):
            client_from_module(module)
        assert module.failure["exception"] == "Traceback: No module named 'requests'"

    @pytest.mark.parametrize("option, value, message", [
        ("request_timeout", float("nan"), "request_timeout must be a finite number, got nan"),
        ("request_timeout", 0.0, "request_timeout must be a number of seconds above 0, got 0.0"),
        ("request_timeout", -3.0, "request_timeout must be a number of seconds above 0, got -3.0"),
        ("request_retries", -1, "request_retries must be 0 (no retries) or more, got -1"),
    ])
    def test_fails_on_bad_numbers(self, option, value, message):
        module = FakeModule(api_url="https://ocp.test", username="admin", password="secret", **{option: value})
        with pytest.raises(ModuleFailed):
            client_from_module(module)
        assert module.failure == {"msg": message}

    def test_a_password_in_api_url_is_refused_and_masked(self):
        module = FakeModule(api_url="https://automation:S3cret%2Fpw@ocp.test:8080", username="admin", password="x")
        with pytest.raises(ModuleFailed):
            client_from_module(module)
        assert module.failure == {"msg": "api_url must not contain a user name or password; give them as username "
                                         "and password (or OCP_USERNAME and OCP_PASSWORD), got "
                                         "'https://automation:********@ocp.test:8080'"}
        # Ansible masks these in everything the module returns, its invocation (-vvv) included.
        assert module.no_log_values == {"S3cret%2Fpw", "S3cret/pw", "x"}

    def test_reports_configuration_errors(self):
        module = FakeModule(api_url="https://ocp.test", username="admin", password="secret",
                            access_key_id="AK", access_key_secret="SK")
        with pytest.raises(ModuleFailed, match="not both"):
            client_from_module(module)


class TestFailFromError:
    def test_api_error(self):
        module = FakeModule()
        error = OcpIllegalStateError(400, code=20003, message="not in FAILED state", trace_id="0123456789abcdef",
                                     method="POST", path="/api/v2/tasks/instances/1/retry")
        with pytest.raises(ModuleFailed):
            fail_from_error(module, error, task={"id": 1})
        assert module.failure == {
            "msg": str(error),
            "error": {"status": 400, "code": 20003, "message": "not in FAILED state", "trace_id": "0123456789abcdef",
                      "method": "POST", "path": "/api/v2/tasks/instances/1/retry"},
            "trace_id": "0123456789abcdef",
            "task": {"id": 1},
        }

    def test_connection_error(self):
        module = FakeModule()
        with pytest.raises(ModuleFailed, match="may have reached OCP"):
            fail_from_error(module, OcpConnectionError("ReadTimeout: timed out", "POST", "/x", ambiguous=True))
        assert module.failure["error"] == {"status": None, "code": None, "message": "ReadTimeout: timed out",
                                           "trace_id": None, "method": "POST", "path": "/x", "ambiguous": True}
        assert module.failure["trace_id"] is None

    def test_client_error(self):
        module = FakeModule()
        with pytest.raises(ModuleFailed, match="bad id"):
            fail_from_error(module, OcpClientError("bad id"))
        assert module.failure["error"]["message"] == "bad id"


class TestCredentialsFromTheEnvironment:
    ENVIRON = {"OCP_USERNAME": "admin", "OCP_PASSWORD": "pw", "OCP_ACCESS_KEY_ID": "AK", "OCP_ACCESS_KEY_SECRET": "SK"}

    def test_the_kind_the_task_gives_wins_over_the_other_kind_in_the_environment(self):
        params = dict(access_key_id="AK-TASK", access_key_secret="SK-TASK", username=None, password=None)
        resolved = with_environment_credentials(params, self.ENVIRON)
        assert (resolved["access_key_id"], resolved["username"], resolved["password"]) == ("AK-TASK", None, None)
        basic = with_environment_credentials(dict(username="ops", password="pw2"), self.ENVIRON)
        assert basic.get("access_key_id") is None and basic["username"] == "ops"

    def test_a_half_given_kind_is_completed_from_the_environment(self):
        resolved = with_environment_credentials(dict(username="admin"), {"OCP_PASSWORD": "pw", "OCP_ACCESS_KEY_ID": "AK"})
        assert (resolved["username"], resolved["password"], resolved.get("access_key_id")) == ("admin", "pw", None)

    def test_without_credentials_in_the_task_the_environment_gives_them(self):
        resolved = with_environment_credentials({}, {"OCP_ACCESS_KEY_ID": "AK", "OCP_ACCESS_KEY_SECRET": "SK",
                                                     "OCP_USERNAME": ""})
        assert (resolved["access_key_id"], resolved["access_key_secret"], resolved.get("username")) == ("AK", "SK", None)
        both = with_environment_credentials({}, self.ENVIRON)
        assert both["username"] == "admin" and both["access_key_id"] == "AK"  # connection_option_errors: not both
