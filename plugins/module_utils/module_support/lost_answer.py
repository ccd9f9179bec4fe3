# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a task-starting POST whose answer was lost took effect, as OCP's audit events tell.

OCP 4.2 and later record every operation a user performs in ``GET /api/v2/audit/events``
(docs/ocp-behaviour.md#audit-events, AUD-1, AUD-2): the operation (``CREATE_TENANT``, ...), its
resource, who did it, when it started, its status and, for an O&M task, the task's id. After
ocp_api lost the answer to one of the calls in START_CALLS, one read of those events can settle
what ``possibly_applied`` leaves open:

- one event of this operation, on this resource, by this user, that started after the request
  was sent: OCP received the request. With a task id it started that task (the request is
  *applied*, and its task is returned as if the answer had come); FAILED without one, OCP
  refused it (*not applied*: nothing was carried out); SUCCESS of a call that starts no task
  (the synchronous tenant creation) applied it.
- no such event, several, or events that cannot be read (OCP before 4.2, a user without
  AUDIT_VIEWER, a malformed answer): nothing is settled, and the failure says why.

The request is never sent again here. "After the request was sent" is OCP's clock: the audit
answer's timestamp minus the time that passed since the request left, less SLACK_SECONDS for
events written to the whole second; so the controller's clock does not matter.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import re

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpError, OcpPermissionError
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.labels import shown
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.timestamps import format_moment, parse_time

AUDIT_EVENTS_PATH = '/api/v2/audit/events'
# Events are read newest first, one page: a lost answer is seconds old, so this operation on this
# resource cannot have happened more often than this since (a busier resource is not settled).
EVENTS_READ = 20
# Event times are whole seconds (the documented sample): an event of this request may show a
# start up to a second before the moment computed for the send.
SLACK_SECONDS = 2
# An event's fields a result shows. eventInfo (the request's parameters) is left out: it may hold
# what secret_body sent, in a form OCP chose.
SHOWN_FIELDS = ('id', 'operationEvent', 'resourceName', 'resourceId', 'operatorName', 'status', 'taskId',
                'executionType', 'startTime', 'endTime')
APPLIED, NOT_APPLIED, UNSETTLED = True, False, None
_ASCII_DIGITS = re.compile(r'[0-9]{1,18}')


def _tenant(match, body):
    """The tenant a creation names; its events name it ``<cluster name>:<tenant name>`` (AUD-1)."""
    name = body.get('name') if isinstance(body, dict) else None
    if not isinstance(name, str) or not name:
        return None
    # Not narrowed by OCP's resourceName filter: whether it matches a part of the name is not
    # documented, and this collection does not know the cluster's name that comes first.
    return _Resource('tenant %s' % (shown(name),), None,
                     lambda event: isinstance(event.get('resourceName'), str)
                     and (event['resourceName'] == name or event['resourceName'].endswith(':' + name)))


def _cluster(match, body):
    """The cluster an upgrade names by id in its path: the event's resourceId."""
    cluster_id = int(match.group(1))
    return _Resource('cluster %d' % (cluster_id,), None, lambda event: _integer(event.get('resourceId')) == cluster_id)


def _taken_over(match, body):
    """The cluster a take-over names, if it does (clusterName is optional, START-7)."""
    name = body.get('clusterName') if isinstance(body, dict) else None
    if name is None:
        return _Resource('a cluster', None, lambda event: True)
    if not isinstance(name, str) or not name:
        return None
    return _Resource('cluster %s' % (shown(name),), name, lambda event: event.get('resourceName') == name)


def _one_host(match, body):
    """The host of a batch of one; a batch of several has an event per host, not settled here."""
    hosts = body.get('hostBasicDataList') if isinstance(body, dict) else None
    if not isinstance(hosts, list) or len(hosts) != 1 or not isinstance(hosts[0], dict):
        return None
    address = hosts[0].get('innerIpAddress')
    if not isinstance(address, str) or not address:
        return None
    return _Resource('host %s' % (shown(address),), address, lambda event: event.get('resourceName') == address)


# (path, operationEvent, whether the call starts a task, the resource it concerns), for POST
# (docs/ocp-behaviour.md#calls-that-start-tasks: START-2, START-3, START-4, START-7, START-8).
START_CALLS = (
    (re.compile(r'/api/v2/ob/clusters/([0-9]+)/tenants/createTenant'), 'CREATE_TENANT', True, _tenant),
    (re.compile(r'/api/v2/ob/clusters/([0-9]+)/tenants'), 'CREATE_TENANT', False, _tenant),
    (re.compile(r'/api/v2/ob/clusters/([0-9]+)/upgrade'), 'UPGRADE_OB_CLUSTER', True, _cluster),
    (re.compile(r'/api/v2/ob/clusters/takeOver'), 'TAKE_OVER_OB_CLUSTER', True, _taken_over),
    (re.compile(r'/api/v2/compute/hosts/batchCreate'), 'ADD_HOSTS', True, _one_host),
)


class _Resource:
    def __init__(self, described, name_filter, matches):
        self.described = described
        # OCP's resourceName filter, to narrow the page read; None reads the operation's newest.
        self.name_filter = name_filter
        self.matches = matches


class Settlement:
    """What the audit events say: ``applied`` (APPLIED, NOT_APPLIED or UNSETTLED), ``why`` in
    words, the ``event`` that says it (its SHOWN_FIELDS) and the ``task_ids`` it names.
    ``answers`` is whether it stands for the lost answer: applied, and the task found where the
    call starts one."""

    def __init__(self, applied, why, event=None, task_ids=(), answers=False):
        self.applied = applied
        self.why = why
        self.event = event
        self.task_ids = list(task_ids)
        self.answers = answers

    def as_result(self):
        return dict(applied=self.applied, why=self.why, event=self.event)


def _integer(value):
    """An id OCP sent as a number or a string of ASCII digits; None for anything else."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _ASCII_DIGITS.fullmatch(value):
        return int(value)
    return None


def settleable_call(method, path, body):
    """``(operationEvent, starts_task, resource)`` of a call the audit events can settle, else None."""
    if method != 'POST':
        return None
    for pattern, operation, starts_task, resource_of in START_CALLS:
        match = pattern.fullmatch(path)
        if match:
            resource = resource_of(match, body)
            return None if resource is None else (operation, starts_task, resource)
    return None


def settle(client, method, path, body, seconds_since_sent, username=None):
    """The Settlement of a lost answer to ``method path`` (``body`` as sent), or None when the
    call is none the audit events can settle (nothing is read then).

    ``seconds_since_sent()`` is the time since the request left, on a monotonic clock; ``username``
    the OCP user of Basic auth (events by others do not count), None for AK/SK, whose user the
    collection does not know.
    """
    call = settleable_call(method, path, body)
    if call is None:
        return None
    operation, starts_task, resource = call
    params = dict(operationEvent=operation, order='startTime,desc', page=1, size=EVENTS_READ)
    if resource.name_filter is not None:
        params['resourceName'] = resource.name_filter
    try:
        data = client.get(AUDIT_EVENTS_PATH, params=params).get('data')
    except OcpPermissionError:
        return Settlement(UNSETTLED, "OCP's audit events, which could tell, are not readable by this user (they need "
                                     'the AUDIT_VIEWER permission)')
    except OcpError as error:
        return Settlement(UNSETTLED, "OCP's audit events could not be read to tell (they exist from OCP 4.2 on): %s"
                          % (shown(error, 300),))
    events = data.get('contents') if isinstance(data, dict) else None
    if not isinstance(events, list):
        return Settlement(UNSETTLED, "OCP's answer about its audit events holds no list of events (contents), so it "
                                     'cannot tell')
    try:
        now = parse_time(client.last_server_time or '', None)
    except OcpError:
        return Settlement(UNSETTLED, "OCP's answer about its audit events carries no time of OCP's to compare them "
                                     'with, so it cannot tell')
    since = now - datetime.timedelta(seconds=seconds_since_sent() + SLACK_SECONDS)
    candidates, unreadable = [], []
    for event in events:
        if not isinstance(event, dict) or event.get('operationEvent') != operation or not resource.matches(event):
            continue
        if username is not None and event.get('operatorName') != username:
            continue
        try:
            started = parse_time('%s' % (event.get('startTime'),), now)
        except OcpError:
            unreadable.append(event)
            continue
        if started >= since:
            candidates.append(event)
    what = '%s of %s%s since %s' % (operation, resource.described,
                                    ' by %s' % (shown(username),) if username is not None else '',
                                    format_moment(since))
    if unreadable:
        return Settlement(UNSETTLED, "OCP's audit events hold %s %s without a readable start time, so they cannot tell"
                          % (len(unreadable), operation))
    if not candidates:
        return Settlement(UNSETTLED, "OCP's audit events show no %s: OCP may not have received the request, or may "
                                     'not have recorded it yet' % (what,))
    if len(candidates) > 1:
        return Settlement(UNSETTLED, "OCP's audit events show %d of %s (ids %s), so which one this request was "
                                     'cannot be told' % (len(candidates), what,
                                                         ', '.join(shown(event.get('id')) for event in candidates)))
    return _decided(candidates[0], what, starts_task)


def _decided(event, what, starts_task):
    shown_event = dict((field, event.get(field)) for field in SHOWN_FIELDS if field in event)
    status = event.get('status')
    task_id = _integer(event.get('taskId'))
    named = "OCP's audit event %s (%s, %s)" % (shown(event.get('id')), what, shown(status))
    if task_id is not None and task_id > 0:
        return Settlement(APPLIED, '%s shows that OCP received the request and started task %d: it is returned as '
                                   "this request's task" % (named, task_id), shown_event, [task_id], answers=True)
    if status == 'FAILED':
        return Settlement(NOT_APPLIED, '%s shows that OCP received the request and refused it, starting nothing: it '
                                       'was not carried out, so running this again sends it anew' % (named,),
                          shown_event)
    if status == 'SUCCESS' and not starts_task:
        return Settlement(APPLIED, '%s shows that OCP received the request and carried it out' % (named,), shown_event,
                          answers=True)
    if status == 'SUCCESS':
        return Settlement(APPLIED, '%s shows that OCP received the request and carried it out, but names no task: '
                                   "find it in OCP's task list before running this again" % (named,), shown_event)
    return Settlement(UNSETTLED, '%s has a status this collection does not know, so it cannot tell' % (named,),
                      shown_event)
