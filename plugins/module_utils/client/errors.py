# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed errors for the OCP client, and the one place that maps an OCP answer to them.

Modules catch these types instead of parsing messages: an OcpIllegalStateError means "not in
this state", an OcpNotFoundError means "no such task", and so on. The HTTP status decides the
type; OCP's ``error.code`` only refines a 400 and names what the error means (``meaning``), from
the codes of every OCP version (CODE_MEANINGS), because each version numbers them its own way.
No behaviour hangs on one code: every 400 is an OcpBadRequestError, and an action answered 400 is
read again and decided (actions/send_once.py), whatever code came with it.

What an error means for the caller is a property of the error, the same for every caller:

- ``transient``: weather; OCP (or what stands before it) may answer the next time: no answer,
  429, 5xx, or a success status whose body is unreadable.
- ``possibly_applied``: a request other than GET that OCP may have carried out although its
  answer is unusable (lost after it left, 5xx, a spoiled success): re-read, never send again.
- ``not_carried_out``: 429 and 503 say the server did not handle the request (RFC 9110).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import re

# What an ``error.code`` means. OCP 3.1 and 4.0 send numbers, OCP 4.2 and later names such as
# ``TSK10007``, OCP Express its own numbers; a number may come as a string of digits
# (docs/ocp-behaviour.md#errors-and-error-codes, ERR-2 and the table of codes).
ILLEGAL_STATE = 'illegal_state'              # the action is not allowed in the current state
ROLLBACK_PROHIBITED = 'rollback_prohibited'  # the task cannot be rolled back
SKIP_REFUSED = 'skip_refused'                # the subtask cannot be skipped
TASK_NOT_FOUND = 'task_not_found'
NOT_LOGGED_ON = 'not_logged_on'
NOT_AUTHORISED = 'not_authorised'
BAD_PARAMETER = 'bad_parameter'
UNSORTABLE_FIELD = 'unsortable_field'
UNKNOWN_ERROR = 'unknown_error'

CODE_MEANINGS = {
    # OCP 3.1, 4.0 (numbered error table)
    4007: ILLEGAL_STATE, 4009: ROLLBACK_PROHIBITED, 4010: SKIP_REFUSED, 4001: TASK_NOT_FOUND,
    3000: NOT_LOGGED_ON, 3100: NOT_AUTHORISED, 1001: BAD_PARAMETER, 1011: UNSORTABLE_FIELD, 1999: UNKNOWN_ERROR,
    # OCP 4.2 and later (TSK10016 and TSK10017: "the expected status is ...", a state refusal too)
    'TSK10007': ILLEGAL_STATE, 'TSK10016': ILLEGAL_STATE, 'TSK10017': ILLEGAL_STATE,
    'TSK10009': ROLLBACK_PROHIBITED, 'TSK10010': SKIP_REFUSED, 'TSK10001': TASK_NOT_FOUND,
    'IAM10000': NOT_LOGGED_ON, 'IAM11000': NOT_AUTHORISED, 'COM10001': BAD_PARAMETER,
    'COM10011': UNSORTABLE_FIELD, 'COM10999': UNKNOWN_ERROR,
    # OCP Express
    20003: ILLEGAL_STATE, 20004: ROLLBACK_PROHIBITED, 20000: TASK_NOT_FOUND, 30014: NOT_AUTHORISED,
    10001: BAD_PARAMETER, 10010: UNKNOWN_ERROR,
}

# Bounds what a code from OCP may make us keep or print (it is data, not ours).
CODE_MAX_CHARS = 32
# The codes OCP sends: ASCII digits, or ASCII letters and digits (str.isdigit() also takes '²' and
# other digits, which int() cannot read or reads as another number).
_NUMERIC_CODE = re.compile(r'[0-9]{1,%d}' % CODE_MAX_CHARS)
_NAMED_CODE = re.compile(r'[A-Za-z0-9]{1,%d}' % CODE_MAX_CHARS)

# Answers that say the server did not carry the request out (RFC 9110): rate limited, unavailable.
NOT_CARRIED_OUT_STATUSES = frozenset([429, 503])

# How much of a body that is not JSON we quote in a message: enough to recognise a login page.
BODY_EXCERPT_CHARS = 200


class OcpError(Exception):
    """Base of every error this collection's client raises."""

    transient = False
    possibly_applied = False
    not_carried_out = False


class OcpClientError(OcpError):
    """The client is misconfigured or misused (bad api_url, missing credentials, bad id...)."""


class OcpConnectionError(OcpError):
    """No HTTP answer: connection refused, DNS, TLS, timeout or a connection dropped mid-way.

    ``ambiguous`` is True when the request may have reached OCP (a POST that timed out after
    being sent). The action may then have happened: callers re-read the task state instead of
    sending it again.
    """

    def __init__(self, reason, method, path, ambiguous=False):
        super(OcpConnectionError, self).__init__(reason)
        self.reason = reason
        self.method = method
        self.path = path
        self.ambiguous = ambiguous

    # No answer came: the next attempt may get one.
    transient = True

    @property
    def possibly_applied(self):
        return self.ambiguous

    def __str__(self):
        text = "could not get an answer from OCP: %s (%s %s)" % (self.reason, self.method, self.path)
        if self.ambiguous:
            text += "; the request may have reached OCP, so check the task's state before sending it again"
        return text


class OcpApiError(OcpError):
    """OCP answered, but not with a successful envelope."""

    # Plain-words cause shown first in the message; subclasses override it.
    cause = "OCP answered with an unexpected HTTP status"
    # True when the request was an action that may have been carried out although its answer
    # is unusable (see error_from_response); callers then re-read instead of sending it again.
    ambiguous = False
    # True when a success status came with a body that is no JSON envelope at all (a proxy's
    # page, a body cut off on the way): as good as no answer, so a GET may be sent again.
    unreadable = False
    # Seconds the answer asked to wait (Retry-After, or RateLimit-Reset on a 429), or None.
    retry_after = None

    def __init__(self, status, code=None, message=None, trace_id=None, method=None, path=None, cause=None):
        super(OcpApiError, self).__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.trace_id = trace_id
        self.method = method
        self.path = path
        if cause is not None:
            self.cause = cause

    @property
    def meaning(self):
        """What ``code`` means whichever OCP version sent it (one of CODE_MEANINGS' values), or None."""
        return code_meaning(self.code)

    @property
    def transient(self):
        return self.status == 429 or 500 <= (self.status or 0) <= 599 or self.unreadable

    @property
    def possibly_applied(self):
        # A 5xx may come from OCP failing after acting, or from a proxy that passed the request on.
        return self.method != "GET" and (self.ambiguous or 500 <= (self.status or 0) <= 599)

    @property
    def not_carried_out(self):
        return self.status in NOT_CARRIED_OUT_STATUSES

    def __str__(self):
        text = self.cause
        if self.message:
            text += ": %s" % self.message
        details = ["%s %s" % (self.method, self.path), "HTTP %s" % self.status]
        if self.code is not None:
            details.append("code %s" % self.code)
        if self.trace_id:
            details.append("traceId %s" % self.trace_id)
        return "%s (%s)" % (text, ", ".join(details))


class OcpAuthenticationError(OcpApiError):
    cause = "authentication failed: check username/password or access key"


class OcpPermissionError(OcpApiError):
    cause = "the user lacks the TASK_VIEWER/TASK_MANAGER permission"


class OcpNotFoundError(OcpApiError):
    cause = "not found: the task or subtask does not exist"


class OcpBadRequestError(OcpApiError):
    """HTTP 400, whatever its code: to an action, OCP's way of refusing it (docs/ocp-behaviour.md, ERR-3)."""
    cause = "OCP rejected the request as invalid"


class OcpIllegalStateError(OcpBadRequestError):
    cause = "the action is not allowed in the current state of the task or subtask"


class OcpRollbackProhibitedError(OcpBadRequestError):
    cause = "the task prohibits rollback"


class OcpSkipRefusedError(OcpBadRequestError):
    cause = "OCP refused to skip the subtask"


class OcpServerError(OcpApiError):
    cause = "OCP reported a server error"


class OcpUnexpectedResponseError(OcpApiError):
    cause = "OCP's answer is not a successful API envelope"


class OcpMalformedAnswerError(OcpUnexpectedResponseError):
    """A successful answer that does not hold what it must: a task whose ``subtasks`` is no list, a
    subtask id that is no positive integer, a field of the wrong type, JSON nested too deeply to be
    read. The message names the task (``task_id`` when its id could be read, else None), the field
    and what was found, escaped and cut (tasks/snapshot.py). Not weather: the same answer would
    come again, so a GET is not sent again for it; an action's answer may have come after OCP
    carried the action out (``ambiguous``)."""
    cause = "OCP's answer is malformed"

    def __init__(self, status=200, message=None, task_id=None, **details):
        super(OcpMalformedAnswerError, self).__init__(status, message=message, **details)
        self.task_id = task_id
        # What is malformed, without naming the task or where it was listed.
        self.problem = message
        self.ambiguous = details.get("method") not in (None, "GET")

    def about(self, method, path, envelope=None):
        """This error for the request it answers: ``method`` ``path``, and the envelope's traceId."""
        self.method, self.path = method, path
        self.ambiguous = method != "GET"
        # OCP's trace ids are 16 hex digits: anything else from a malformed answer is kept short.
        if isinstance(envelope, dict) and isinstance(envelope.get("traceId"), str):
            self.trace_id = envelope["traceId"][:CODE_MAX_CHARS * 2]
        return self


def decoded_json(response):
    """The decoded JSON body of ``response``, or None when the body is not JSON; OcpMalformedAnswerError
    when it is JSON nested too deeply for Python to decode (RecursionError, which no JSON parser of
    a Python program may be left to raise)."""
    try:
        return response.json()
    except ValueError:  # requests' JSONDecodeError is a ValueError
        return None
    except RecursionError:
        raise OcpMalformedAnswerError(status=response.status_code,
                                      message="the answer is JSON nested too deeply to be read")


def _parse_json(response):
    """The decoded JSON body, or None when the body is not JSON (or is nested too deeply to be read)."""
    try:
        return decoded_json(response)
    except OcpMalformedAnswerError:
        return None


def _excerpt(text, secrets=()):
    text = " ".join(masked(text, secrets).split())
    if len(text) > BODY_EXCERPT_CHARS:
        return text[:BODY_EXCERPT_CHARS] + "..."
    return text


SECRET_MASK = "********"


def secret_forms(value):
    """The texts a secret may come back as in an answer that quotes the request: as sent (JSON,
    with and without ASCII escapes), as decoded, and with its white space collapsed. A list or
    dictionary gives those of each value in it."""
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return set(form for item in value for form in secret_forms(item))
    text = value if isinstance(value, str) else json.dumps(value)
    forms = set([text, " ".join(text.split()), json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1]])
    return set(form for form in forms if form)


def masked(text, secrets):
    """``text`` from OCP with each of ``secrets`` (from secret_forms) replaced by SECRET_MASK,
    longest first, before anything cuts or escapes it (which would leave a part to show)."""
    if not isinstance(text, str):
        return text
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, SECRET_MASK)
    return text


def normalised_code(code):
    """``error.code`` as OCP meant it: an int for a number (sent as a number or a string of digits),
    a bounded upper-case string for a name such as ``TSK10007``, None when absent or unusable."""
    if isinstance(code, bool) or code is None:
        return None
    if isinstance(code, int):
        return code
    if isinstance(code, float) and code.is_integer():
        return int(code)
    if isinstance(code, str):
        text = code.strip()
        if _NUMERIC_CODE.fullmatch(text):
            return int(text)
        if _NAMED_CODE.fullmatch(text):
            return text.upper()
    return None


def code_meaning(code):
    """What an ``error.code`` of any OCP version means (CODE_MEANINGS), or None."""
    return CODE_MEANINGS.get(normalised_code(code))


_BAD_REQUEST_CLASSES = {
    ILLEGAL_STATE: OcpIllegalStateError,
    ROLLBACK_PROHIBITED: OcpRollbackProhibitedError,
    SKIP_REFUSED: OcpSkipRefusedError,
}


def _api_error_class(status, code):
    if status == 401:
        return OcpAuthenticationError
    if status == 403:
        return OcpPermissionError
    if status == 404:
        return OcpNotFoundError
    if status == 400:
        return _BAD_REQUEST_CLASSES.get(code_meaning(code), OcpBadRequestError)
    if 500 <= status <= 599:
        return OcpServerError
    return OcpApiError


def error_from_response(response, method, path, secrets=()):
    """The OcpApiError describing a ``requests`` response that is not a success.

    Only call it for answers the client did not accept: anything but 2xx, or a 2xx whose body is
    not a JSON envelope with ``successful: true``. OCP's text in it has ``secrets`` (secret_forms of
    the request's secret values) masked: an answer may quote the request's body.
    """
    envelope = _parse_json(response)
    if not isinstance(envelope, dict):
        envelope = None
    trace_id = (envelope or {}).get("traceId") or response.headers.get("X-Trace-Id")
    details = dict(status=response.status_code, trace_id=trace_id, method=method, path=path)

    if 200 <= response.status_code <= 299:
        if envelope is None:
            # OCP serves its web UI (HTML, HTTP 200) for paths it does not know.
            error = OcpUnexpectedResponseError(
                cause="the URL is probably not an OCP API endpoint; check api_url",
                message="expected a JSON envelope, got %s: %s" % (
                    response.headers.get("Content-Type", "no Content-Type"), _excerpt(response.text, secrets)),
                **details)
        else:
            error = OcpUnexpectedResponseError(
                message="the envelope lacks successful: true: %s" % _excerpt(response.text, secrets), **details)
        # A success status spoiled on the way (a proxy's page, a body cut off): an action may
        # well have been carried out.
        error.ambiguous = method != "GET"
        error.unreadable = envelope is None
        return error

    if 300 <= response.status_code <= 399:
        # Redirects are not followed: a redirected POST turns into a GET and credentials could leak.
        return OcpApiError(
            cause="OCP redirected the request; set api_url to the address it redirects to",
            message="Location: %s" % response.headers.get("Location", "(none)"), **details)

    error = (envelope or {}).get("error")
    if not isinstance(error, dict):
        error = {}
    code = normalised_code(error.get("code"))
    message = masked(error.get("message"), secrets)
    if message is None and envelope is None and response.text:
        message = _excerpt(response.text, secrets)
    return _api_error_class(response.status_code, code)(code=code, message=message, **details)
