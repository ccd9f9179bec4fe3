# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared connection options, building a client from them, and failing modules clearly."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.oceanbase.ocp.plugins.module_utils import common
from ansible_collections.oceanbase.ocp.plugins.module_utils.common import (
    OCP_CONNECTION_CONSTRAINTS,
    client_from_module,
    fail_from_error,
    ocp_argument_spec,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.errors import (
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

    def fail_json(self, **result):
        self.failure = result
        raise ModuleFailed(result["msg"])


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


def validate(params):
    result = ArgumentSpecValidator(ocp_argument_spec(), **OCP_CONNECTION_CONSTRAINTS).validate(params)
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
        assert (params["api_url"], params["access_key_id"], params["access_key_secret"]) == (
            "https://env.test", "AK", "SK")
        assert (params["validate_certs"], params["ca_path"]) == (False, "/etc/ca.pem")
        assert (params["request_timeout"], params["request_retries"]) == (2.5, 0)

    def test_basic_credentials_from_the_environment(self, monkeypatch):
        monkeypatch.setenv("OCP_USERNAME", "admin")
        monkeypatch.setenv("OCP_PASSWORD", "secret")
        assert validate({"api_url": "https://ocp.test"})[1] == []

    @pytest.mark.parametrize("params, message", [
        ({"username": "admin", "password": "x"}, "api_url"),
        ({"api_url": "u"}, "one of the following is required"),
        ({"api_url": "u", "username": "admin"}, "parameters are required together"),
        ({"api_url": "u", "access_key_id": "AK"}, "parameters are required together"),
        ({"api_url": "u", "username": "admin", "password": "x", "access_key_id": "AK", "access_key_secret": "SK"},
         "mutually exclusive"),
    ])
    def test_constraints(self, params, message):
        errors = validate(params)[1]
        assert errors and message in errors[0]


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
        ("request_timeout", 0.0, "request_timeout must be a number of seconds above 0, got 0.0"),
        ("request_timeout", -3.0, "request_timeout must be a number of seconds above 0, got -3.0"),
        ("request_retries", -1, "request_retries must be 0 (no retries) or more, got -1"),
    ])
    def test_fails_on_bad_numbers(self, option, value, message):
        module = FakeModule(api_url="https://ocp.test", username="admin", password="secret", **{option: value})
        with pytest.raises(ModuleFailed):
            client_from_module(module)
        assert module.failure == {"msg": message}

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
