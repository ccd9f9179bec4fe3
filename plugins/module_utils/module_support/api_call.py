# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One call of any OCP API endpoint, as oceanbase.ocp.ocp_api makes it.

What is refused before anything is sent (a path outside /api/, a query or body that cannot be
encoded), what the result holds (OCP's ``data``, the HTTP status, the trace id and the ids of
the tasks the answer carries), and how an answer lost after the request left is reported: as
possibly applied, never by sending the request again.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import binascii
import math
import os
import re
import time

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.auth import canonical_query
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.ocp_client import METHODS, json_body
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.lost_answer import UNSETTLED, settle
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.results import error_details
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import (
    OcpClientError,
    OcpConnectionError,
    OcpError,
    OcpMalformedAnswerError,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.labels import shown
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.references import task_ids_in_answer
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.snapshot import MAX_NESTING, too_deep

PATH_PREFIX = '/api/'
# What a path may hold as it is written (RFC 3986 path characters): anything else, spaces and
# non-ASCII included, must be percent-encoded by the user, so that the path signed for AK/SK is
# the path sent, and no HTTP library re-encodes it on the way.
_PATH = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*")
# Segments a server resolves against the path before them: /api/v2/../x is no longer under /api/.
_DOT_SEGMENTS = ('.', '..')
_PERCENT_DOT = re.compile(r'%2e', re.IGNORECASE)
QUERY_SCALARS = (str, int, float, bool)
TASK_ENDPOINTS = '/api/v2/tasks/'


_ENCODED_SEPARATOR = re.compile(r'%(?:2[fF]|5[cC])')


def path_errors(path):
    """What is wrong with ``path`` (a string), as messages; nothing when it can be sent."""
    if not path.startswith(PATH_PREFIX):
        return ['path must start with /api/ (the API path that follows api_url, such as /api/v2/tasks/instances), '
                'got %r' % (path,)]
    if '?' in path or '#' in path:
        return ["path must not contain '?' or '#': give query parameters in query, got %r" % (path,)]
    if not _PATH.fullmatch(path):
        return ["path may hold only ASCII letters, digits, '/', the characters -._~!$&'()*+,;=:@ and percent "
                "escapes; percent-encode anything else (spaces, non-ASCII), got %r" % (path,)]
    if _ENCODED_SEPARATOR.search(path):
        # Concatenated, not formatted: the percent signs are the text.
        return ["path must not contain an encoded '/' or '\\' (%2F, %5C), which servers and proxies may decode "
                "into a separator and resolve elsewhere" + ", got %r" % (path,)]
    segments = path.split('/')
    # A segment's parameters (Tomcat's ';jsessionid=...') are dropped before OCP resolves it, so
    # '..;x' is a '..' segment there.
    if any(_PERCENT_DOT.sub('.', segment.split(';', 1)[0]) in _DOT_SEGMENTS for segment in segments):
        return ["path must not contain '.' or '..' segments, which OCP would resolve outside the path given, "
                "got %r" % (path,)]
    if '' in segments[1:-1]:
        return ["path has an empty segment ('//'), usually from a variable that was empty, got %r" % (path,)]
    return []


def _query_value_error(key, value):
    if isinstance(value, float) and not math.isfinite(value):
        return 'query %s is not a finite number: %r' % (key, value)
    if not isinstance(value, QUERY_SCALARS):
        return ('query %s must be a string, a number, a boolean or a list of those (a list is sent '
                'comma-joined), got %r' % (key, value))
    return None


def query_errors(query):
    """What is wrong with ``query`` (a dict), as messages; a None value is left out when sent."""
    errors = []
    for key in sorted(query, key=str):
        value = query[key]
        if value is None:
            continue
        items = value if isinstance(value, (list, tuple)) else [value]
        for item in items:
            error = _query_value_error(key, item)
            if error:
                errors.append(error)
                break
    return errors


def request_errors(method, path, query, body):
    """Everything wrong with a request, checked before any is sent."""
    if method not in METHODS:
        # AnsibleModule checks the choices first; this guards other callers.
        return ['method must be one of %s, got %r' % (', '.join(METHODS), method)]
    errors = path_errors(path) + query_errors(query or {})
    if body is not None:
        if method == 'GET':
            errors.append('a GET sends no body; give its parameters in query')
        else:
            try:
                json_body(body)
            except OcpClientError as error:
                errors.append('%s' % (error,))
    return errors


def new_trace_id():
    """A trace id in OCP's own form (16 lower-case hex digits), sent as x-trace-id."""
    return binascii.hexlify(os.urandom(8)).decode('ascii')


class ApiCallFailed(Exception):
    """The call failed; ``result`` is the module's failure result, ``msg`` included."""

    def __init__(self, result, error=None):
        super(ApiCallFailed, self).__init__(result['msg'])
        self.result = result
        # The OcpError behind it, when OCP's answer (or its loss) is the reason: reuse_task reads it.
        self.error = error


def _failure(method, path, error, trace_id, settlement=None):
    """The ApiCallFailed for ``error``; ``settlement`` is what OCP's audit events said of a lost answer."""
    details = error_details(error)
    # possibly_applied says it for every kind of failure; the connection error's own flag would repeat it.
    details.pop('ambiguous', None)
    details['trace_id'] = details['trace_id'] or trace_id
    applied = error.possibly_applied
    if isinstance(error, OcpConnectionError):
        # Its own advice ("check the task's state") is replaced by the fuller one below.
        text = '%s' % (OcpConnectionError(error.reason, error.method, error.path),)
    else:
        text = '%s' % (error,)
    if settlement is not None and settlement.applied is not UNSETTLED:
        # The audit events told: their words replace the advice to go and check.
        applied = settlement.applied
        text = '%s; %s (OCP logs the request under trace id %s)' % (text, settlement.why, details['trace_id'])
    elif applied:
        text = ('%s; OCP may have carried out %s %s although its answer %s, and it was not sent again: '
                'check in OCP whether it took effect before running this again (a task it started is in '
                "OCP's task list, where oceanbase.ocp.ocp_task_info finds it by name and status; OCP logs the "
                'request under trace id %s)' % (
                    text, method, path, 'is malformed' if isinstance(error, OcpMalformedAnswerError) else 'was lost',
                    details['trace_id']))
        if settlement is not None:
            text = '%s; %s' % (text, settlement.why)
    result = dict(msg=text, error=details, trace_id=details['trace_id'], possibly_applied=applied)
    if settlement is not None:
        result['settled'] = settlement.as_result()
    return ApiCallFailed(result, error)


def no_task_warning(method, path, result):
    """The warning for a POST OCP accepted whose answer carries no task id; None otherwise.

    A POST is how OCP starts an operation, and a playbook that waits for its task next would only
    learn at the wait that there is none. Most often the endpoint is the synchronous twin of a
    task-starting one (docs/ocp-behaviour.md#calls-that-start-tasks, START-3): it did its work in
    the call, and there is nothing to wait for. Not warned of: a pre-check (takeOverPreCheck,
    START-7), which starts none by design, and the task endpoints' actions (a retry, a skip),
    which act on a task that exists.
    """
    if method != 'POST' or result.get('task_ids') or 'data' not in result:
        return None
    if path.startswith(TASK_ENDPOINTS) or path.rstrip('/').rsplit('/', 1)[-1].lower().endswith('precheck'):
        return None
    return ("OCP's answer to this POST carries no task id, so it started no task to wait for (task_ids is "
            'empty): the endpoint did its work in the call or starts none. If an OCP operation was meant, check '
            'the path: POST /api/v2/ob/clusters/{id}/tenants creates a tenant in the call, while '
            '/api/v2/ob/clusters/{id}/tenants/createTenant starts a task')


def _check_nesting(envelope, method, path):
    """OcpMalformedAnswerError when ``envelope``'s data nests deeper than any answer of OCP's
    (snapshot.MAX_NESTING): returned as it is, it would exhaust Python's recursion limit where
    Ansible handles the result (past some 400 levels), a Python error instead of a message."""
    deep = too_deep(envelope.get('data'))
    if deep is not None:
        raise OcpMalformedAnswerError(message='%s is nested deeper than %d levels' % (shown(deep, 40), MAX_NESTING)).about(
            method, path, envelope)


def call(client, method, path, query=None, body=None, check_mode=False, shown_body=None, clock=time.monotonic):
    """Send one request through ``client`` and return the ocp_api result; ApiCallFailed otherwise.

    When the answer to a task-starting POST is lost, OCP's audit events are read once
    (lost_answer.settle): a task they show this request started is returned as if the answer
    had come (with ``settled``), a refusal they show fails with ``possibly_applied`` false, and
    otherwise the failure says what they could not tell. Nothing is sent again.

    In check mode only a GET is sent; for any other method the result says what would have
    been sent, without the body (which often holds passwords) unless ``shown_body`` gives it as it
    may be shown (secret_body's values masked).
    """
    errors = request_errors(method, path, query, body)
    if errors:
        raise ApiCallFailed(dict(msg='; '.join(errors)))
    if check_mode and method != 'GET':
        sent_body = None if body is None else json_body(body)
        request = dict(method=method, path=path, query=canonical_query(query),
                       body_bytes=None if sent_body is None else len(sent_body))
        if shown_body is not None:
            request['body'] = shown_body
        return dict(changed=True, task_ids=[], request=request)
    trace_id = new_trace_id()
    sent_at = clock()
    try:
        envelope = client.request(method, path, params=query, body=body, trace_id=trace_id)
        _check_nesting(envelope, method, path)
    except OcpError as error:
        trace_id = client.last_trace_id or trace_id
        if not error.possibly_applied:
            raise _failure(method, path, error, trace_id)
        settlement = settle(client, method, path, body, lambda: clock() - sent_at, client.username)
        if settlement is not None and settlement.answers:
            return dict(changed=True, data=None, status=None, trace_id=trace_id, task_ids=settlement.task_ids,
                        settled=settlement.as_result())
        raise _failure(method, path, error, trace_id, settlement)
    data = envelope.get('data')
    return dict(changed=method != 'GET', data=data, status=client.last_status, trace_id=client.last_trace_id,
                task_ids=task_ids_in_answer(data))
