# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every module of this collection shares: connection options, building the client from
them, and failing with a useful message. Documented in doc_fragments/connection.py."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import math
import os

from ansible.module_utils.basic import missing_required_lib
from ansible.module_utils.common.validation import check_type_bool, check_type_float, check_type_int
from ansible.module_utils.errors import AnsibleFallbackNotFound

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.address import api_url_secrets
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.backoff import RetryPolicy
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.credentials import (
    credentials_problem,
    with_environment_credentials,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpClientError
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.ocp_client import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    OcpClient,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.options import (
    CONNECTION_OPTIONS,
    CREDENTIAL_OPTIONS,
    SECRET_OPTIONS,
)


def env_fallback_unless_empty(*names):
    """The first of the environment variables ``names`` set to something other than an empty string.

    Like ansible-core's env_fallback, except that an empty variable counts as unset: AWX sets every
    variable a credential type injects, empty for the inputs left blank, so one credential type
    can carry either a password or an access key.
    """
    for name in names:
        if os.environ.get(name):
            return os.environ[name]
    raise AnsibleFallbackNotFound


# The OCP_* variables whose value the option's type refuses, as (variable, value, option, type):
# the fallback leaves such a value out (the option keeps its default), and
# connection_option_errors names the variable, which ansible-core's own type error would not
# (it names the option, which the user never wrote). One process runs one module or one task.
UNUSABLE_VARIABLES = []

_CHECKS = dict(float=check_type_float, int=check_type_int, bool=check_type_bool)
# A value quoted in an error is cut to this many characters.
QUOTED_VALUE_MAX = 40


def _typed_env_fallback(variable, option_name, option_type):
    """The fallback of a typed option: the variable's value when the type takes it."""
    def fallback():
        value = env_fallback_unless_empty(variable)
        check = _CHECKS.get(option_type)
        if check is None:
            return value
        try:
            check(value)
        except (TypeError, ValueError):
            if not any(entry[0] == variable for entry in UNUSABLE_VARIABLES):
                UNUSABLE_VARIABLES.append((variable, value, option_name, option_type))
            raise AnsibleFallbackNotFound
        return value
    return (fallback, [])


def unusable_variable_errors():
    """``OCP_REQUEST_TIMEOUT=abc is not a number (it sets request_timeout)``, for each refused value."""
    kinds = dict(float='a number', int='a whole number', bool='true or false')
    errors = []
    for variable, value, option_name, option_type in UNUSABLE_VARIABLES:
        shown = value if len(value) <= QUOTED_VALUE_MAX else value[:QUOTED_VALUE_MAX] + '...'
        errors.append('the environment variable %s=%s is not %s (it sets %s)'
                      % (variable, shown.encode('unicode_escape').decode('ascii'), kinds[option_type], option_name))
    return errors


def _from_env(*names):
    return (env_fallback_unless_empty, list(names))


def ocp_argument_spec():
    """The connection options (client/options.py); a new dict each call, so a module may add its own.

    api_url is not ``required`` here: connection_option_errors says it is missing, naming OCP_URL.
    The credentials' OCP_* variables are read by with_environment_credentials, not by a fallback: a
    kind of credentials the task gives must win over the other kind in the environment."""
    spec = {}
    for option in CONNECTION_OPTIONS:
        entry = dict(type=option.type)
        if option.default is not None:
            entry['default'] = option.default
        if option.secret:
            entry['no_log'] = True
        if option.name not in CREDENTIAL_OPTIONS:
            entry['fallback'] = _typed_env_fallback(option.variable, option.name, option.type)
        spec[option.name] = entry
    return spec


def credential_secrets(params):
    """The secret values among the credentials, the environment's included: never to be shown."""
    resolved = with_environment_credentials(params)
    return set("%s" % (resolved[name],) for name in SECRET_OPTIONS if resolved.get(name))


def non_finite_number_errors(params):
    """Each option whose value is NaN or infinite. Python's float() accepts 'nan' and 'inf', and so
    does Ansible's float type; such a value would pass every range check (nan < 0 is false) and then
    wait forever, or fail deep inside a library. Checks every option, so a new float option is
    covered without being listed."""
    return ["%s must be a finite number, got %s" % (name, value) for name, value in sorted(params.items())
            if isinstance(value, float) and not math.isfinite(value)]


def connection_option_errors(params):
    """What is wrong with the options that their types alone do not catch: any number that is not
    finite (of any option, the wait options included), a missing api_url, credentials missing, half
    given or of both kinds, and the connection options' ranges. Every module and the wait action
    plugin call this before anything is sent."""
    errors = unusable_variable_errors() + non_finite_number_errors(params)
    params = with_environment_credentials(params)
    if not params.get("api_url"):
        errors.append("no api_url: give the api_url option or set the OCP_URL environment variable, "
                      "for example https://ocp.example.com:8080")
    problem = credentials_problem(params.get("username"), params.get("password"), params.get("access_key_id"),
                                  params.get("access_key_secret"))
    if problem:
        errors.append(problem)
    timeout, retries = params["request_timeout"], params["request_retries"]
    if math.isfinite(timeout) and timeout <= 0:
        errors.append("request_timeout must be a number of seconds above 0, got %s" % timeout)
    if retries < 0:
        errors.append("request_retries must be 0 (no retries) or more, got %s" % retries)
    return errors


def client_from_params(params):
    """An OcpClient configured from validated connection options; raises OcpClientError on bad ones."""
    params = with_environment_credentials(params)
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
    # A password in api_url is refused below; until then, and in the module's invocation shown
    # at -vvv, Ansible masks it like the values of no_log options.
    module.no_log_values.update(api_url_secrets(module.params.get("api_url")))
    # Credentials taken from the environment are no option value Ansible knows to mask.
    module.no_log_values.update(credential_secrets(module.params))
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
    errors = connection_option_errors(module.params)
    if errors:
        module.fail_json(msg="; ".join(errors))
    try:
        return client_from_params(module.params)
    except OcpClientError as error:
        module.fail_json(msg="%s" % error)


def wait_argument_spec():
    """The options of modules that can wait for a task to finish (doc_fragments/wait.py); a new
    dict each call. The same names on every module, so playbooks can set them once."""
    return dict(
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="float", default=1800),
        wait_sleep=dict(type="float", default=5),
    )


def wait_option_errors(params):
    """What is wrong with the wait options, checked before any request is sent (NaN and infinity:
    by connection_option_errors)."""
    errors = []
    if params["wait_timeout"] < 0:
        errors.append("wait_timeout must be 0 or more seconds, got %s" % params["wait_timeout"])
    if params["wait_sleep"] <= 0:
        # A zero pause would poll OCP in a tight loop.
        errors.append("wait_sleep must be more than 0 seconds, got %s" % params["wait_sleep"])
    return errors


def task_wait_argument_spec():
    """The options of ocp_task_wait: connection, wait_timeout/wait_sleep and its own; a new dict each call.

    The action plugin validates with it, and the documentation stub declares it so that the
    sanity tests compare it with the documentation.
    """
    spec = ocp_argument_spec()
    waits = wait_argument_spec()
    # ocp_task_wait always waits; ``wait`` belongs to the modules for which waiting is optional.
    del waits['wait']
    spec.update(waits)
    spec.update(
        tasks=dict(type='raw', required=True),
        policy=dict(type='dict'),
        progress_interval=dict(type='float', default=30),
        fail_when_unsuccessful=dict(type='bool', default=True),
    )
    return spec
