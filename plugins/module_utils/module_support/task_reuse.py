# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ocp_api's ``reuse_task`` and ``secret_body``: a playbook run again starts nothing twice.

Before a request that starts an operation, the tasks matching the user's filter (OCP's own task
list, the state an earlier run left) decide one of three things:

- ``reuse``: exactly one of them is RUNNING or FAILED, and newer than the newest finished one: it is
  the task this request would start, returned as if started (the wait supervises it, a policy
  retries it), and nothing is sent. Live tasks count at any age: a run again must never start an
  operation a second time beside a live one; a live task older than a finished attempt was left
  behind by that attempt's run and is not this request's;
- ``already_done``: none of those is live and the newest finished task, started within max_age,
  finished SUCCESSFUL by executing: the operation is done, returned unchanged;
- ``start``: none matches, or the newest finished task ended by a rollback (the operation was
  undone), or it is older than max_age (an earlier, different operation): the request is sent.

Several live matches are refused with their list: guessing would supervise the wrong task. An
entry reuse_task cannot read (no usable id, a status of no list asked for, a list not in the order
asked) is refused too: each of those could start the operation twice. When OCP refuses the request
itself (a 400 or 409: the tenant exists because a run at the same time created it a moment ago), or
its answer is lost, the list is read again and a task found then is returned.

``secret_body`` holds the body's secret fields apart from ``body``, so that the module can mark
them no_log and show the rest.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import (
    SECRET_MASK, OcpApiError, OcpClientError, OcpError)
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.api_call import ApiCallFailed
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.filters import (
    FILTER_OPTIONS, ID_FILTERS, filter_argument_spec, query_parameters)
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.labels import shown, task_label
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
# What a value of secret_body becomes wherever the module shows a body: the client's mask of OCP's text.
MASK = SECRET_MASK
# OCP's statuses of a refusal after which a run at the same time may have started the operation
# (400: the tenant or host exists; 409: a conflict). Not 401/403/404: those say nothing of it.
CONFLICT_STATUSES = (400, 409)
# Pages of live tasks (MAX_PAGE_SIZE each) read at most: more live matches than that is no earlier
# run of one operation, and an OCP that keeps serving pages must not hold us.
PAGES_MAX = 3
# The newest finished matches read: the first decides, the rest show OCP sorted as asked.
FINISHED_PAGE = 20
# Ten years: a longer max_age means "any age", and Python's dates end in the year 9999.
MAX_AGE_LIMIT = 10 * 365 * 86400
# How much of a name read from OCP a message quotes, and how many tasks a refusal lists.
NAME_LIMIT = 120
LISTED_LIMIT = 10


class ReuseRefused(Exception):
    """The filter matches several live tasks, or reuse_task cannot be used as given."""


def _ocp_text(value):
    """Text from OCP (or the user) quoted in a message: escaped and bounded as every label is."""
    return shown(value, NAME_LIMIT)


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
            errors.append('reuse_task %s must be a positive integer, got %s' % (option, _ocp_text(repr(value))))
    for option in REUSE_FILTER_OPTIONS:
        value = filters.get(option)
        if option not in ID_FILTERS and value is not None and (not isinstance(value, str) or not value.strip()):
            errors.append('reuse_task %s must be a non-empty string, got %s' % (option, _ocp_text(repr(value))))
    max_age = reuse_task.get(MAX_AGE_OPTION, DEFAULT_MAX_AGE)
    if max_age is not None and (isinstance(max_age, bool) or not isinstance(max_age, int)
                                or not 0 < max_age <= MAX_AGE_LIMIT):
        errors.append('reuse_task max_age must be a whole number of seconds above 0 and at most %d (ten years), '
                      'got %s' % (MAX_AGE_LIMIT, _ocp_text(repr(max_age))))
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
            except (OcpClientError, OverflowError, ValueError):
                return None
    return None


def _usable_id(task):
    value = task.get('id')
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _check_entries(tasks, statuses):
    """ReuseRefused for an entry of a list asked for ``statuses`` that reuse_task cannot decide by."""
    for task in tasks:
        if not _usable_id(task) or task.get('status') not in statuses:
            raise ReuseRefused(
                'OCP listed a task reuse_task cannot read (id %s, status %s, where the list asked for %s), so '
                'whether this request was started already cannot be told; nothing was sent'
                % (_ocp_text(repr(task.get('id'))), _ocp_text(repr(task.get('status'))), ', '.join(statuses)))


def live_tasks(api, filters):
    """The RUNNING or FAILED tasks matching ``filters``, newest first, each once, of any age."""
    query_parameters(filters)  # an unknown filter is refused before anything is sent
    found = {}
    for number, (tasks, _page) in enumerate(api.pages(dict(filters, status=list(LIVE_STATUSES)), sort='id,desc'), 1):
        if number > PAGES_MAX:
            raise ReuseRefused(
                'reuse_task matches more than %d RUNNING or FAILED tasks, more than one operation leaves: narrow '
                'the filter (tenant_name, cluster_id, host_id, ...); nothing was sent' % (len(found),))
        _check_entries(tasks, LIVE_STATUSES)
        for task in tasks:
            # A list sorted newest first shifts while it is paged through: a task is counted once.
            found.setdefault(task['id'], task)
    return sorted(found.values(), key=lambda task: task['id'], reverse=True)


def newest_finished(api, filters):
    """The newest SUCCESSFUL task matching ``filters`` (of any age), or None; read in detail when its
    list entry cannot tell a rollback from an execution."""
    tasks, _page = api.list_tasks(dict(filters, status=[SUCCESSFUL]), page=1, size=FINISHED_PAGE, sort='id,desc')
    _check_entries(tasks, (SUCCESSFUL,))
    ids = [task['id'] for task in tasks]
    if ids != sorted(ids, reverse=True):
        # A list in another order would hide the newest task behind older ones.
        raise ReuseRefused('OCP did not list the tasks newest first as asked (sort=id,desc), so the newest task '
                           'matching reuse_task cannot be told; nothing was sent')
    if not tasks:
        return None
    newest = tasks[0]
    if newest.get('operation') is None and not isinstance(newest.get('subtasks'), list):
        newest = api.get_task(newest['id'])
    return newest


def describe(task, now=None):
    """What the result says of a task a decision names: id, name, status and start time."""
    started = _start_moment(task, now)
    return dict(id=task.get('id'), name=task.get('name'), status=task.get('status'),
                start_time=task.get('startTime') if started is None else format_moment(started),
                rolled_back=finished_by_rollback(task))


def _line(task):
    return '%s %s started %s' % (_ocp_text(task_label(task)), task.get('status'),
                                 _ocp_text(task.get('startTime') or task.get('createTime') or 'at an unknown time'))


def _listed(tasks):
    lines = '; '.join(_line(task) for task in tasks[:LISTED_LIMIT])
    if len(tasks) > LISTED_LIMIT:
        lines += '; and %d more' % (len(tasks) - LISTED_LIMIT,)
    return lines


def _within(task, max_age, now):
    """Whether ``task`` started within ``max_age`` seconds of ``now``; an unreadable start counts as
    within (it may be this request's, and counting it can only leave the request unsent)."""
    started = _start_moment(task, now)
    return max_age is None or started is None or now - started <= datetime.timedelta(seconds=max_age)


def decide(live, finished, filters, max_age, now):
    """``(decision, task, why)`` for the ``live`` matching tasks (newest first) and the newest
    ``finished`` one (or None); ReuseRefused when several live tasks are newer than it."""
    shown = ', '.join('%s=%s' % (key, _ocp_text(value)) for key, value in sorted(filters.items()))
    if finished is not None:
        live = [task for task in live if task['id'] > finished['id']]
    if len(live) > 1:
        raise ReuseRefused(
            'reuse_task {%s} matches %d RUNNING or FAILED tasks, so which one this request started cannot be told: '
            '%s. Narrow the filter (tenant_name, cluster_id, host_id, ...), or settle the extra tasks in OCP first; '
            'nothing was sent' % (shown, len(live), _listed(live)))
    if live:
        task = live[0]
        return REUSE, task, ('%s matches reuse_task {%s} and is %s: it is supervised instead of starting the '
                             'operation again' % (_ocp_text(task_label(task)), shown, task.get('status')))
    if finished is None:
        return START, None, 'no task matches reuse_task {%s}: the request is sent' % (shown,)
    if not _within(finished, max_age, now):
        return START, finished, ('the newest task matching reuse_task {%s}, %s, started more than max_age (%d s) '
                                 'ago, so it is taken for an earlier operation: the request is sent'
                                 % (shown, _ocp_text(task_label(finished)), max_age))
    if finished_by_rollback(finished):
        return START, finished, ('the newest task matching reuse_task {%s}, %s, was rolled back: the operation is '
                                 'started anew' % (shown, _ocp_text(task_label(finished))))
    return ALREADY_DONE, finished, ('%s matches reuse_task {%s} and SUCCEEDED: the operation is done, nothing is '
                                    'sent' % (_ocp_text(task_label(finished)), shown))


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
        live = live_tasks(self._api, self.filters)
        finished = newest_finished(self._api, self.filters)
        return decide(live, finished, self.filters, self.max_age, self._now())

    def after_failure(self, error):
        """The result for a task found after the request failed with ``error``, or None.

        OCP's refusal (400, 409) while another run's task now matches: that run started the
        operation a moment ago (its task is live: reused) or finished it (done). A lost answer
        (``possibly_applied``) while a live task now matches, where none did before the request: it
        is this request's task, started although the answer did not come back. A relisting that
        fails keeps the request's own failure, which says more."""
        conflict = is_conflict(error)
        if not (conflict or getattr(error, 'possibly_applied', False)):
            return None
        try:
            decision, task, _why = self.decide()
        except (OcpError, ReuseRefused):
            return None
        if decision == START or (decision == ALREADY_DONE and not conflict):
            return None
        label = _ocp_text(task_label(task))
        if conflict:
            why = ('OCP refused the request (%s) and %s now matches reuse_task: another run %s it at the same time, '
                   'so %s' % (_ocp_text(error), label, 'started' if decision == REUSE else 'carried out',
                              'it is supervised instead' if decision == REUSE else 'the operation is done'))
            return reuse_result(decision, task, why, self._now())
        why = ("the request's answer was lost (%s), and %s now matches reuse_task where no task did before it: it is "
               "the task this request started" % (_ocp_text(error), label))
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
