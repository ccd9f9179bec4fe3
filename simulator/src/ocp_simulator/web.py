"""What every part of the HTTP layer shares: the state, errors, responses, roles, parameters.

app.py (request lifecycle, task endpoints, admin API), starters.py (calls that start tasks)
and audit.py (historical events) build on these. Nothing here depends on which OCP version
is simulated except through `state().profile`, the profiles.Profile in force.
"""

import re
import time
from dataclasses import dataclass, field
from functools import wraps

from flask import Response, current_app, g, request

from .auth import authenticate
from .bodies import decimal, read_json, shown
from .errors import BadRequest
from .i18n import translate
from .serialize import dumps, envelope, error_body
from .start_faults import StartFaults

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 2000
JAVA_LONG_RANGE = (-(2**63), 2**63 - 1)
# The setting that follows the profile in force (rate limit, login lock-out).
PROFILE_DEFAULT = "default"

# What OCP answers for any URL it has no API for: its single-page web console.
WEB_CONSOLE_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>OceanBase Cloud Platform</title></head>
<body><div id="root"></div>
<script>/* OCP web console (simulated): this URL is not an API endpoint. */</script>
</body>
</html>
"""


@dataclass
class SimulatorState:
    """Everything the views need, shared by all request threads."""

    engine: object          # TaskEngine; engine.profile is the OCP version in force
    clock: object           # SimClock or ManualClock: the simulated server time
    users: object           # auth.UserDirectory
    journal: object         # journal.Journal
    faults: object          # faults.FaultInjector
    admin: bool = False
    start_faults: object = field(default_factory=StartFaults)  # start_faults.StartFaults
    audit: object = None          # audit.AuditLog
    rate_limiter: object = None   # guard.RateLimiter
    login_guard: object = None    # guard.LoginGuard
    # PROFILE_DEFAULT, or what was chosen (windows; a LoginLockout or None for off).
    rate_limit_setting: object = PROFILE_DEFAULT
    login_lockout_setting: object = PROFILE_DEFAULT

    @property
    def profile(self):
        return self.engine.profile

    def set_profile(self, name):
        """Play another OCP version; settings left at PROFILE_DEFAULT follow it."""
        self.engine.set_profile(name)
        self.apply_guards()

    def set_rate_limit(self, windows):
        self.rate_limit_setting = windows
        self.apply_guards()

    def set_login_lockout(self, lockout):
        self.login_lockout_setting = lockout
        self.apply_guards()

    def effective_rate_limit(self):
        setting = self.rate_limit_setting
        return self.profile.rate_limit if setting == PROFILE_DEFAULT else setting

    def effective_login_lockout(self):
        setting = self.login_lockout_setting
        return self.profile.login_lockout if setting == PROFILE_DEFAULT else setting

    def apply_guards(self):
        """Give the guards their settings; each starts counting afresh."""
        if self.rate_limiter is not None:
            self.rate_limiter.configure(self.effective_rate_limit())
        if self.login_guard is not None:
            self.login_guard.configure(self.effective_login_lockout())


def state():
    return current_app.extensions["ocp_simulator"]


class ApiError(Exception):
    """An error the HTTP layer itself detects; becomes OCP's error envelope.

    `kind` is a field of profiles.ErrorCodes (its code depends on the OCP version), or None
    for errors Spring answers itself, with code 0 in every version (405, 415).
    """

    def __init__(self, http_status, kind, message_key, **params):
        super().__init__(message_key)
        self.http_status = http_status
        self.kind = kind
        self.message_key = message_key
        self.params = params


def bad_parameter(detail):
    return ApiError(400, "bad_parameter", "bad_parameter", detail=detail)


def error_code(kind):
    """The `error.code` of an error of `kind` in the OCP version in force (0 for None)."""
    return 0 if kind is None else getattr(state().profile.errors, kind)


# ---------------------------------------------------------------- responses

def envelope_fields(http_status, traced=True, **fields):
    """The envelope; `traced=False` for answers written before OCP's tracing starts.

    OCP's security filter answers a 401 before TraceHandlerInterceptor has run, so that
    envelope has an empty traceId and a duration of 0 (OCP Express
    CustomAuthenticationEntryPoint, TraceUtils); OCP's throttling answers its 429 the same
    way (200.api-call-description.md, "Throttling").
    """
    return envelope(
        status=http_status,
        timestamp=state().clock.now(),
        duration_ms=int((time.monotonic() - g.started) * 1000) if traced else 0,
        trace_id=g.trace_id if traced else "",
        server=request.environ.get("SERVER_NAME", ""),
        **fields,
    )


def success_response(data=None):
    """HTTP 200 envelope; `data=None` leaves the `data` key out (subtask cancel/skip)."""
    body = envelope_fields(200, successful=True, data=data)
    return Response(dumps(body), status=200, mimetype="application/json")


def failure_response(http_status, code, message, traced=True, **extra):
    body = envelope_fields(http_status, traced, successful=False,
                           error=error_body(code, message, **extra))
    return Response(dumps(body), status=http_status, mimetype="application/json")


def web_console_response():
    return Response(WEB_CONSOLE_PAGE, status=200, mimetype="text/html")


def api_error_response(error):
    message = translate(error.message_key, g.locale, **error.params)
    return failure_response(error.http_status, error_code(error.kind), message)


# ---------------------------------------------------------------- roles

def requires(role):
    """Require an authenticated caller (401) with `role` (403) before the view runs."""
    def decorate(view):
        @wraps(view)
        def guarded(**kwargs):
            if g.identity is None:
                g.identity = authenticate(request, state().users, aksk=state().profile.aksk)
            if role is not None and not g.identity.has_role(role):
                raise ApiError(403, "forbidden", "forbidden", role=role)
            return view(**kwargs)
        return guarded
    return decorate


def served_where(flag):
    """Serve the view only in the OCP versions whose profile has `flag` set; elsewhere the
    path is unknown, so it answers the web console page (before any role check)."""
    def decorate(view):
        @wraps(view)
        def guarded(**kwargs):
            if not getattr(state().profile, flag):
                return web_console_response()
            return view(**kwargs)
        return guarded
    return decorate


# ---------------------------------------------------------------- query parameters

def parse_long(text, name):
    """A Java `Long` parameter: decimal digits with an optional sign, in range, else 400."""
    if not re.fullmatch(r"[+-]?\d+", text.strip()):
        raise bad_parameter(f"{name} must be a number, got {shown(text)}")
    value = decimal(text.strip())
    if not JAVA_LONG_RANGE[0] <= value <= JAVA_LONG_RANGE[1]:
        raise bad_parameter(f"{name} is out of range: {shown(text)}")
    return value


def optional_long_arg(name):
    text = request.args.get(name, "")
    return parse_long(text, name) if text.strip() else None


def optional_text_arg(name):
    return request.args.get(name) or None


def text_args(names):
    """The non-empty values of the parameters `names` (the profile's spellings of a filter)."""
    return tuple(request.args[name] for name in names if request.args.get(name))


def comma_values_arg(name, upper=False):
    """A StringArray parameter: comma-separated and/or repeated; None when not sent.

    OCP Express splits the value on "," (TaskService.buildSpecification); repeats are what
    Spring binds to an array too.
    """
    values = [
        value.strip().upper() if upper else value.strip()
        for sent in request.args.getlist(name)
        for value in sent.split(",")
        if value.strip()
    ]
    return values or None


def status_values_arg(name):
    """Task states in any case (TaskState.fromValue, equalsIgnoreCase); unknown ones match nothing."""
    return comma_values_arg(name, upper=True)


def enum_arg(name, allowed):
    text = (request.args.get(name) or "").strip()
    if text and text not in allowed:
        raise bad_parameter(f"{name} must be one of {', '.join(allowed)}, got {shown(text)}")
    return text or None


def page_args():
    """`page` (1-based, >= 1) and `size` (>= 1, clamped at 2000)."""
    page = _positive_int_arg("page", default=1)
    size = _positive_int_arg("size", default=DEFAULT_PAGE_SIZE)
    return page, min(size, MAX_PAGE_SIZE)


def _positive_int_arg(name, default):
    text = request.args.get(name, "").strip()
    if not text:
        return default
    if not re.fullmatch(r"\+?\d+", text) or not 1 <= decimal(text) <= 2**31 - 1:
        raise bad_parameter(f"{name} must be a positive integer, got {shown(text)}")
    return decimal(text)


def sort_arg(name="sort"):
    """`field` or `field,asc|desc` (direction case-insensitive), normalised to `field,dir`."""
    text = (request.args.get(name) or "").strip()
    if not text:
        return None
    field_name, _comma, direction = (part.strip() for part in text.partition(","))
    direction = direction.lower() or "asc"
    if not field_name or direction not in ("asc", "desc"):
        raise bad_parameter(f"{name} must be 'field,asc' or 'field,desc', got {shown(text)}")
    return f"{field_name},{direction}"


def page_info(total, page, size):
    return {"totalElements": total, "totalPages": -(-total // size), "number": page, "size": size}


# ---------------------------------------------------------------- bodies

def json_body():
    """The request's JSON document: 415 when not sent as JSON, 400 when malformed or too deep."""
    if not request.is_json:
        raise ApiError(415, None, "unsupported_media_type",
                       content_type=request.content_type or "")
    try:
        return read_json(request.get_data(cache=True))
    except BadRequest as error:
        raise bad_parameter(error.message) from None


def object_body():
    body = json_body()
    if not isinstance(body, dict):
        raise bad_parameter("the request body must be a JSON object")
    return body
