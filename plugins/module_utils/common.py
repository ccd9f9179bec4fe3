# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every module of this collection shares: connection options, building the client from
them, and failing with a useful message. Documented in doc_fragments/connection.py."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.oceanbase.ocp.plugins.module_utils.client import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    OcpClient,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.errors import (
    OcpApiError,
    OcpClientError,
    OcpConnectionError,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.retry import RetryPolicy

# Splat into AnsibleModule next to argument_spec=ocp_argument_spec(), so a playbook mixing up
# credentials fails before the module runs. Environment fallbacks count: OCP_USERNAME set in the
# environment conflicts with access_key_id given in the task.
OCP_CONNECTION_CONSTRAINTS = dict(
    required_together=[("username", "password"), ("access_key_id", "access_key_secret")],
    mutually_exclusive=[("username", "access_key_id"), ("username", "access_key_secret"),
                        ("password", "access_key_id"), ("password", "access_key_secret")],
    required_one_of=[("username", "access_key_id")],
)


def ocp_argument_spec():
    """The connection options; a new dict each call, so a module may add its own options to it."""
    return dict(
        api_url=dict(type="str", required=True, fallback=(env_fallback, ["OCP_URL"])),
        username=dict(type="str", fallback=(env_fallback, ["OCP_USERNAME"])),
        password=dict(type="str", no_log=True, fallback=(env_fallback, ["OCP_PASSWORD"])),
        access_key_id=dict(type="str", fallback=(env_fallback, ["OCP_ACCESS_KEY_ID"])),
        access_key_secret=dict(type="str", no_log=True, fallback=(env_fallback, ["OCP_ACCESS_KEY_SECRET"])),
        validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["OCP_VALIDATE_CERTS"])),
        ca_path=dict(type="path", fallback=(env_fallback, ["OCP_CA_PATH"])),
        request_timeout=dict(type="float", default=30, fallback=(env_fallback, ["OCP_REQUEST_TIMEOUT"])),
        request_retries=dict(type="int", default=3, fallback=(env_fallback, ["OCP_REQUEST_RETRIES"])),
    )


def connection_option_errors(params):
    """What is wrong with connection options that their types alone do not catch."""
    errors = []
    if params["request_timeout"] <= 0:
        errors.append("request_timeout must be a number of seconds above 0, got %s" % params["request_timeout"])
    if params["request_retries"] < 0:
        errors.append("request_retries must be 0 (no retries) or more, got %s" % params["request_retries"])
    return errors


def client_from_params(params):
    """An OcpClient configured from validated connection options; raises OcpClientError on bad ones."""
    return OcpClient(
        params["api_url"],
        username=params["username"],
        password=params["password"],
        access_key_id=params["access_key_id"],
        access_key_secret=params["access_key_secret"],
        validate_certs=params["validate_certs"],
        ca_path=params["ca_path"],
        request_timeout=params["request_timeout"],
        retry_policy=RetryPolicy(max_retries=params["request_retries"]),
    )


def client_from_module(module):
    """An OcpClient configured from the module's connection options; fails the module on bad ones."""
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
    errors = connection_option_errors(module.params)
    if errors:
        module.fail_json(msg="; ".join(errors))
    try:
        return client_from_params(module.params)
    except OcpClientError as error:
        module.fail_json(msg="%s" % error)


def error_details(error):
    """The structured ``error`` result of a failed module: what OCP said, and about which request."""
    if isinstance(error, OcpApiError):
        return dict(status=error.status, code=error.code, message=error.message, trace_id=error.trace_id,
                    method=error.method, path=error.path)
    if isinstance(error, OcpConnectionError):
        return dict(status=None, code=None, message=error.reason, trace_id=None, method=error.method,
                    path=error.path, ambiguous=error.ambiguous)
    return dict(status=None, code=None, message="%s" % error, trace_id=None, method=None, path=None)


def fail_from_error(module, error, **extra):
    """Fail the module for an OcpError: a readable ``msg`` plus ``error`` and ``trace_id`` results
    (quote the traceId to OCP support). ``extra`` adds results, such as the task as last read."""
    details = error_details(error)
    module.fail_json(msg="%s" % error, error=details, trace_id=details["trace_id"], **extra)


def wait_argument_spec():
    """The options of modules that can wait for a task to finish (doc_fragments/wait.py); a new
    dict each call. The same names on every module, so playbooks can set them once."""
    return dict(
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="float", default=1800),
        wait_sleep=dict(type="float", default=5),
    )


def wait_option_errors(params):
    """What is wrong with the wait options, checked before any request is sent."""
    errors = []
    if params["wait_timeout"] < 0:
        errors.append("wait_timeout must be 0 or more seconds, got %s" % params["wait_timeout"])
    if params["wait_sleep"] <= 0:
        # A zero pause would poll OCP in a tight loop.
        errors.append("wait_sleep must be more than 0 seconds, got %s" % params["wait_sleep"])
    return errors
