# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the ``oceanbase.ocp.ocp_task`` lookup reads, on the controller: tasks by id or a filtered
list, as ocp_task_info returns them (module_support/task_info.py), through the same client.

The connection options come from the one table (client/options.py) with the modules' rules:
each falls back on its OCP_* variable, an empty value counts as not set, and a kind of
credentials the lookup is given wins over the other kind in the environment
(credentials.with_environment_credentials). Ansible's own ``env:`` fallback of a plugin option
cannot say the last two, so the lookup resolves them here, as the modules do.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.address import api_url_secrets
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpClientError, OcpNotFoundError
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.options import CONNECTION_OPTIONS, CREDENTIAL_OPTIONS
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.arguments import (
    client_from_params,
    connection_option_errors,
    credential_secrets,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.task_info import malformed_warning, read_list, read_task
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.filters import FILTER_OPTIONS
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.task_api import TaskApi

SUBTASK_LOG_CHOICES = ('none', 'failed', 'all')


def _converted(option, value):
    """An OCP_* variable's text as the option's type, as the modules' argument spec converts it."""
    if option.type == 'bool':
        lowered = ('%s' % value).strip().lower()
        if lowered in ('1', 'true', 'yes', 'on', 'y', 't'):
            return True
        if lowered in ('0', 'false', 'no', 'off', 'n', 'f'):
            return False
        raise OcpClientError('%s must be a boolean, got %r' % (option.variable, value))
    converter = dict(int=int, float=float).get(option.type)
    if converter is None:
        return value
    try:
        return converter(value)
    except ValueError:
        raise OcpClientError('%s must be a number (%s), got %r' % (option.variable, option.type, value))


def connection_params(given, environ=None):
    """The connection options: ``given`` (the lookup's own values, None for not given) completed
    from the OCP_* variables, then the table's defaults. Credentials are left for
    with_environment_credentials (inside connection_option_errors and client_from_params)."""
    environ = os.environ if environ is None else environ
    params = {}
    for option in CONNECTION_OPTIONS:
        value = given.get(option.name)
        if value in (None, '') and option.name not in CREDENTIAL_OPTIONS and environ.get(option.variable):
            value = _converted(option, environ[option.variable])
        params[option.name] = option.default if value in (None, '') else value
    return params


def secrets_of(params):
    """Every secret the output must not show: the credentials (the environment's too) and any
    password written into api_url."""
    return credential_secrets(params) | set(api_url_secrets(params.get('api_url')))


def _task_id(term):
    text = '%s' % (term,)
    if isinstance(term, bool) or not text.strip().isdigit() or int(text) <= 0:
        raise OcpClientError('a task id is a positive whole number, got %r' % (term,))
    return int(text)


def look_up(terms, params, filters, subtask_logs='none', sort=None, limit=None, api=None, warn=None):
    """The tasks: those whose ids are ``terms``, in that order, or, with no terms, the tasks
    matching ``filters`` (every page, up to ``limit``). Raises OcpError with a message that says
    what to do; a task OCP does not know is named. ``warn`` gets what ocp_task_info would warn
    about a list (the tasks OCP sent malformed, left out)."""
    if subtask_logs not in SUBTASK_LOG_CHOICES:
        raise OcpClientError('subtask_logs must be one of %s, got %r' % (', '.join(SUBTASK_LOG_CHOICES), subtask_logs))
    unknown = sorted(set(filters) - set(FILTER_OPTIONS))
    if unknown:
        raise OcpClientError('unknown task filter(s) %s' % ', '.join(unknown))
    given_filters = dict((name, value) for name, value in filters.items() if value not in (None, '', []))
    if terms and given_filters:
        raise OcpClientError('give task ids or filters, not both: filters %s select a list, ids read those tasks'
                             % ', '.join(sorted(given_filters)))
    task_ids = [_task_id(term) for term in terms]
    errors = connection_option_errors(params)
    if errors:
        raise OcpClientError('; '.join(errors))
    api = api or TaskApi(client_from_params(params))
    if task_ids:
        tasks = []
        for task_id in task_ids:
            try:
                tasks.append(read_task(api, task_id, subtask_logs))
            except OcpNotFoundError:
                raise OcpClientError('OCP knows no task %d (HTTP 404): check the id, or list tasks with filters' % task_id)
        return tasks
    result, _warnings = read_list(api, dict(given_filters, all_pages=True, sort=sort, limit=limit,
                                            subtask_logs=subtask_logs, page=None, size=None))
    if result['malformed'] and warn is not None:
        warn(malformed_warning(result['malformed'], left_out_of="the lookup's tasks"))
    return result['tasks']
