# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ocp_api's ``reuse_task`` and ``secret_body``: a playbook run again starts nothing twice.

Before a request that starts an operation, the tasks matching the user's filter (OCP's own task
list, the state an earlier run left) decide one of three things:

- ``reuse``: exactly one of them is RUNNING or FAILED: it is the task this request would start,
  returned as if started (the wait supervises it, a policy retries it), and nothing is sent;
- ``already_done``: none is live and the newest finished SUCCESSFUL by executing: the operation is
  done, returned unchanged;
- ``start``: none matches, or the newest ended by a rollback (the operation was undone): the
  request is sent as without ``reuse_task``.

Several live matches are refused with their list: guessing would supervise the wrong task.
When OCP refuses the request itself (a 4xx: the tenant exists because a run at the same time
created it a moment ago), the list is read again and a live task found then is reused.

``secret_body`` holds the body's secret fields apart from ``body``, so that the module can mark
them no_log and show the rest.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpApiError, OcpClientError, OcpError
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.api_call import ApiCallFailed
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.filters import (
    FILTER_OPTIONS, ID_FILTERS, filter_argument_spec, query_parameters)
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.labels import task_label
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.snapshot import finished_by_rollback
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.timestamps import format_moment, parse_time
from ansible_collections.oceanbase.ocp.plugins.module_utils.vocabulary import ALREADY_DONE, FAILED, RUNNING, SUCCESSFUL

REUSE = 'reuse'
START = 'start'
REUSE_DECISIONS = (REUSE, ALREADY_DONE, START)
LIVE_STATUSES = (RUNNING, FAILED)

# A pipeline is run again within hours of the run that failed: a "Retry job" click, a re-run
# after a lost runner, the next morning's attempt. Older matches are more likely an earlier,
# different operation under the same filter (last month's upgrade of the same cluster), which
# must not make today's request "already done". A day covers the re-runs and the longest
# operations (an upgrade takes hours), and is an option for pipelines that differ.
DEFAULT_MAX_AGE = 86400
MAX_AGE_OPTION = 'max_age'
# The filter keys reuse_task takes: the list's filters but status, which the decision reads.
REUSE_FILTER_OPTIONS = tuple(option for option in FILTER_OPTIONS if option != 'status')
# What a value of secret_body becomes wherever the module shows a body.
MASK = '********'
# OCP's statuses of a refusal after which a run at the same time may have started the operation
# (400: the tenant or host exists; 409: a conflict). Not 401/403/404: those say nothing of it.
CONFLICT_STATUSES = (400, 409)
# Pages of the list (MAX_PAGE_SIZE tasks each) read at most: more matching tasks within max_age
# than that is no earlier run of one operation, and an OCP that keeps serving pages must not hold us.
PAGES_MAX = 3
# How much of a name read from OCP a message quotes.
NAME_LIMIT = 120


class ReuseRefused(Exception):
    """The filter matches several live tasks, or reuse_task cannot be used as given."""


def _ocp_text(value):
    """Text from OCP quoted in a message: control characters escaped, bounded."""
    text = '%s' % (value,)
    text = ''.join(char if char.isprintable() else '\\x%02x' % ord(char) if ord(char) < 256 else '\\u%04x' % ord(char)
                   for char in text)
    return text if len(text) <= NAME_LIMIT else text[:NAME_LIMIT] + '...'


def reuse_option_errors(reuse_task, method):
    """What is wrong with ``reuse_task`` (the option's dict, or None) for a request of ``method``.
    Its keys and their types are the argument spec's (reuse_argument_spec); this checks the rest."""
    if reuse_task is None:
        return []
    if method == 'GET':
        return ['reuse_task applies to requests that start an operation (POST, PUT, DELETE); a GET starts '
                'nothing, so drop reuse_task or use oceanbase.ocp.ocp_task_info to find tasks']
    errors = []
    filters = reuse_filters(reuse_task)
    if not filters:
        errors.append('reuse_task needs at least one filter (%s) saying what identifies the task this request '
                      'starts, such as {name: Create tenant, tenant_name: t1, cluster_id: 1}'
                      % ', '.join(REUSE_FILTER_OPTIONS))
    for option in ID_FILTERS:
        value = filters.get(option)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
            errors.append('reuse_task %s must be a positive integer, got %r' % (option, value))
    for option in REUSE_FILTER_OPTIONS:
        value = filters.get(option)
        if option not in ID_FILTERS and value is not None and (not isinstance(value, str) or not value.strip()):
            errors.append('reuse_task %s must be a non-empty string, got %r' % (option, value))
    max_age = reuse_task.get(MAX_AGE_OPTION, DEFAULT_MAX_AGE)
    if max_age is not None and (isinstance(max_age, bool) or not isinstance(max_age, int) or max_age <= 0):
        errors.append('reuse_task max_age must be a whole number of seconds above 0, got %r' % (max_age,))
    return errors


def reuse_argument_spec():
    """reuse_task's suboptions: the list's filters but status, and max_age; a new dict each call."""
    spec = dict((option, entry) for option, entry in filter_argument_spec().items() if option in REUSE_FILTER_OPTIONS)
    spec[MAX_AGE_OPTION] = dict(type='int', default=DEFAULT_MAX_AGE)
    return spec


def reuse_filters(reuse_task):
    """The list filters of ``reuse_task``, ids as ints, without max_age and keys not given."""
    filters = {}
    for option in REUSE_FILTER_OPTIONS:
        value = (reuse_task or {}).get(option)
        if value is None:
            continue
        if option in ID_FILTERS and isinstance(value, str) and value.isdigit():
            value = int(value)
        filters[option] = value
    return filters


def secret_body_errors(body, secret_body):
    """What is wrong with merging ``secret_body`` into ``body``; names keys, never values."""
    if secret_body is None:
        return []
    if body is not None and not isinstance(body, dict):
        return ['secret_body is merged into the top level of body, so body must be a dictionary (or left out) '
                'with secret_body, got a %s' % (type(body).__name__,)]
    both = sorted(set(body or {}) & set(secret_body), key=str)
    if both:
        return ['key(s) %s are in both body and secret_body: give each field once (secret_body for the secret '
                'ones)' % ', '.join('%s' % (key,) for key in both)]
    return []


def merged_body(body, secret_body):
    """The body sent: ``body`` with ``secret_body``'s keys at its top level."""
    if secret_body is None:
        return body
    merged = dict(body or {})
    merged.update(secret_body)
    return merged


def masked_body(body, secret_body):
    """The body as the module may show it: each secret_body value replaced by MASK."""
    shown = dict(body or {})
    shown.update((key, MASK) for key in secret_body or {})
    return shown


def _start_moment(task, now):
    for field in ('startTime', 'createTime'):
        text = task.get(field)
        if isinstance(text, str) and text.strip():
            try:
                return parse_time(text, now)
            except OcpClientError:
                return None
    return None


def matching_tasks(api, filters, max_age, now):
    """The tasks matching ``filters`` started within ``max_age`` seconds of ``now()`` (OCP's clock),
    newest first. Paged through the list sorted by id descending, the order OCP creates tasks in,
    and left at the first task older than max_age. A task whose start cannot be read is kept: it
    may be this request's, and keeping it can only refuse or reuse, never start twice."""
    query_parameters(filters)  # an unknown filter is refused before anything is sent
    found = []
    for number, (tasks, _page) in enumerate(api.pages(filters, sort='id,desc'), 1):
        if number > PAGES_MAX:
            raise ReuseRefused(
                'reuse_task matches more than %d tasks started within max_age (%s seconds), more than one '
                'operation starts: narrow the filter (tenant_name, cluster_id, host_id, ...) or lower max_age; '
                'nothing was sent' % (len(found), max_age))
        current = now()
        for task in tasks:
            started = _start_moment(task, current)
            if max_age is not None and started is not None and (
                    current - started > datetime.timedelta(seconds=max_age)):
                return found
            found.append(task)
    return found


def describe(task, now=None):
    """What the result says of a task a decision names: id, name, status and start time."""
    started = _start_moment(task, now)
    return dict(id=task.get('id'), name=task.get('name'), status=task.get('status'),
                start_time=task.get('startTime') if started is None else format_moment(started),
                rolled_back=finished_by_rollback(task))


def _line(task):
    return '%s %s started %s' % (_ocp_text(task_label(task)), task.get('status'),
                                 _ocp_text(task.get('startTime') or task.get('createTime') or 'at an unknown time'))


def decide(tasks, filters):
    """``(decision, task, why)`` for the matching ``tasks`` (newest first); ReuseRefused when
    several are live."""
    shown = ', '.join('%s=%s' % (key, _ocp_text(value)) for key, value in sorted(filters.items()))
    live = [task for task in tasks if task.get('status') in LIVE_STATUSES]
    if len(live) > 1:
        raise ReuseRefused(
            'reuse_task {%s} matches %d RUNNING or FAILED tasks, so which one this request started cannot be told: '
            '%s. Narrow the filter (tenant_name, cluster_id, host_id, ...), or settle the extra tasks in OCP first; '
            'nothing was sent' % (shown, len(live), '; '.join(_line(task) for task in live)))
    if live:
        task = live[0]
        return REUSE, task, ('%s matches reuse_task {%s} and is %s: it is supervised instead of starting the '
                             'operation again' % (_ocp_text(task_label(task)), shown, task.get('status')))
    finished = [task for task in tasks if task.get('status') == SUCCESSFUL]
    if not finished:
        return START, None, 'no task matches reuse_task {%s}: the request is sent' % (shown,)
    newest = finished[0]
    if finished_by_rollback(newest):
        return START, newest, ('the newest task matching reuse_task {%s}, %s, was rolled back: the operation is '
                               'started anew' % (shown, _ocp_text(task_label(newest))))
    return ALREADY_DONE, newest, ('%s matches reuse_task {%s} and SUCCEEDED: the operation is done, nothing is sent'
                                  % (_ocp_text(task_label(newest)), shown))


def reuse_result(decision, task, why, now=None):
    """The module's result for a decision that returns an existing task (reuse, already_done)."""
    return dict(changed=False, data=task, task_ids=[task['id']], reused=True,
                reuse=dict(decision=decision, why=why, task=describe(task, now)))


def start_report(decision, task, why, now=None):
    """What the result says of a start decision (the request's own result comes with it)."""
    return dict(decision=decision, why=why, task=None if task is None else describe(task, now))


def is_conflict(error):
    """Whether OCP's refusal of a start may mean another run started the same operation."""
    return isinstance(error, OcpApiError) and error.status in CONFLICT_STATUSES


class TaskReuse:
    """The reuse_task decision of one request: ``api`` lists, ``now`` is OCP's clock."""

    def __init__(self, api, reuse_task, now):
        self._api = api
        self.filters = reuse_filters(reuse_task)
        self.max_age = (reuse_task or {}).get(MAX_AGE_OPTION, DEFAULT_MAX_AGE)
        self._now = now

    def decide(self):
        tasks = matching_tasks(self._api, self.filters, self.max_age, self._now)
        return decide(tasks, self.filters)

    def after_failure(self, error):
        """The result for a live task found after the request failed with ``error``, or None.

        OCP's refusal (400, 409) while another run's task now matches: that run started the
        operation a moment ago, so its task is reused. A lost answer (``possibly_applied``) while
        a live task now matches, where none did before the request: it is this request's task,
        started although the answer did not come back. A relisting that fails keeps the
        request's own failure, which says more."""
        if not (is_conflict(error) or getattr(error, 'possibly_applied', False)):
            return None
        try:
            tasks = matching_tasks(self._api, self.filters, self.max_age, self._now)
            decision, task, _why = decide(tasks, self.filters)
        except (OcpError, ReuseRefused):
            return None
        if decision != REUSE:
            return None
        if is_conflict(error):
            why = ('OCP refused the request (%s) and %s now matches reuse_task: another run started it at the same '
                   'time, so it is supervised instead' % (_ocp_text(error), _ocp_text(task_label(task))))
            return reuse_result(REUSE, task, why, self._now())
        why = ("the request's answer was lost (%s), and %s now matches reuse_task where no task did before it: it is "
               "the task this request started" % (_ocp_text(error), _ocp_text(task_label(task))))
        return dict(changed=True, data=task, task_ids=[task['id']], reused=False,
                    reuse=dict(decision=START, why=why, task=describe(task, self._now())))

    def now(self):
        return self._now()


def start_with_reuse(client, api, method, path, query, body, reuse_task, check_mode, now, send, shown_body=None):
    """ocp_api's call with ``reuse_task``: decide, then send through ``send`` (api_call.call's
    signature) only for ``start``. ReuseRefused when the filter matches several live tasks;
    ApiCallFailed from ``send`` when OCP refuses and no other run's task explains it."""
    reuse = TaskReuse(api, reuse_task, now)
    decision, task, why = reuse.decide()
    if decision != START:
        result = reuse_result(decision, task, why, reuse.now())
        if check_mode:
            result['reuse']['why'] = 'check mode: would %s: %s' % (
                'reuse the task' if decision == REUSE else 'send nothing', why)
        return result
    report = start_report(decision, task, why, reuse.now())
    if check_mode:
        report['why'] = 'check mode: would send the request: %s' % (why,)
        result = send(client, method, path, query, body, True, shown_body)
        result.update(reused=False, reuse=report)
        return result
    try:
        result = send(client, method, path, query, body, False, shown_body)
    except ApiCallFailed as failure:
        found = reuse.after_failure(failure.error) if failure.error is not None else None
        if found is None:
            raise
        return found
    result.update(reused=False, reuse=report)
    return result
