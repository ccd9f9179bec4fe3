"""The Flask application: OCP's task API over the engine, plus probes and the admin API.

Request lifecycle (see `create_app`):
  1. `_begin_request`: trace id, locale, then injected faults (which may answer instead),
     then OCP's guards and authentication of every `/api/**` path but the two probes, before
     routing, as OCP's security filter does: a client IP locked out after failed logins is
     refused, without credentials even an unknown API path is a 401, and a user over the
     throttling limit gets a 429 (guard.py).
  2. routing (a trailing slash matches, as in Spring Boot 2): an unknown URL is answered
     like OCP's web console (HTTP 200, HTML page).
  3. the view: check the role (`requires`), parse parameters the way Spring would (400 on
     a type mismatch), call the engine (which advances itself).
  4. errors of every kind become OCP's error envelope (`_register_error_handlers`), with the
     `error.code` of the OCP version being simulated (profiles.py).
  5. `_finish_request`: the RateLimit headers, the journal and the optional request log.

The calls that start tasks are in starters.py, historical events in audit.py, the pieces
they share in web.py.
"""

import json
import logging
import secrets
import socket
import time
from datetime import datetime, timezone

from flask import Blueprint, Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.http import HTTP_STATUS_CODES

from . import errors
from .audit import audit_api
from .bodies import read_json
from .auth import TASK_MANAGER, TASK_VIEWER, AuthenticationFailed, authenticate
from .engine import RUN_TIME_COUNTINGS
from .faults import FaultSpecError
from .i18n import best_locale, translate
from .info import build_info
from .profiles import (UnknownProfile, format_login_lockout, format_rate_limit, parse_login_lockout,
                       parse_rate_limit, profile_named)
from .serialize import dumps, format_timestamp, to_json_value
from .starters import task_starters
from .web import (PROFILE_DEFAULT, ApiError, api_error_response, enum_arg, envelope_fields, error_code,
                  failure_response, optional_long_arg, optional_text_arg, page_args, page_info, parse_long,
                  requires, sort_arg, state, status_values_arg, success_response, text_args,
                  web_console_response)

ADMIN_PREFIX = "/__simulator__"
# The only API paths OCP answers without credentials.
PUBLIC_API_PATHS = ("/api/status", "/api/v2/time")
TASK_TYPES = ("MANUAL", "SYS_ONECE", "SCHEDULED", "SYS_SCHEDULED")

request_log = logging.getLogger("ocp_simulator.requests")
auth_log = logging.getLogger("ocp_simulator.auth")

# What a reverse proxy in front of OCP answers when OCP is down or slow (502/503/504).
GATEWAY_ERROR_PAGE = """<html>
<head><title>{status} {reason}</title></head>
<body>
<center><h1>{status} {reason}</h1></center>
<hr><center>nginx</center>
</body>
</html>
"""


def create_app(simulator_state):
    app = Flask(__name__)
    app.extensions["ocp_simulator"] = simulator_state
    # Spring Boot 2 matches `/api/v2/tasks/instances/` to the list; "//" matches nothing.
    app.url_map.strict_slashes = False
    app.url_map.merge_slashes = False
    app.before_request(_begin_request)
    app.after_request(_finish_request)
    _register_error_handlers(app)
    app.register_blueprint(probes)
    app.register_blueprint(info_api)
    app.register_blueprint(task_api)
    app.register_blueprint(task_starters)
    app.register_blueprint(audit_api)
    if simulator_state.admin:
        app.register_blueprint(admin_api)
    return app


def _is_admin_request():
    return request.path == ADMIN_PREFIX or request.path.startswith(ADMIN_PREFIX + "/")


def _needs_authentication():
    """Every `/api/**` path, known or not, except the probes (OCP's security filter)."""
    path = request.path
    return (path == "/api" or path.startswith("/api/")) and path.rstrip("/") not in PUBLIC_API_PATHS


# ---------------------------------------------------------------- request lifecycle

def _begin_request():
    g.started = time.monotonic()
    g.arrived = datetime.now(timezone.utc)
    g.trace_id = request.headers.get("x-trace-id") or secrets.token_hex(8)
    g.locale = best_locale(request.accept_languages)
    g.identity = None
    g.fault = None
    g.rate_headers = {}
    if _is_admin_request():
        return None
    g.fault = state().faults.decide(request.method, request.path)
    if g.fault is not None and not g.fault.after_handling:
        answer = _apply_fault(g.fault)
        if answer is not None:
            return answer
    if _needs_authentication():
        g.identity = _authenticate()
        verdict = state().rate_limiter.admit(g.identity.user)
        g.rate_headers = verdict.headers
        if not verdict.allowed:
            # Written by OCP's throttling before its tracing starts (200.api-call-description.md).
            return failure_response(429, 0, translate("too_many_requests", g.locale), traced=False)
    return None


class IpRestricted(Exception):
    """The client's IP is locked out after too many failed logins (guard.LoginGuard)."""


def _authenticate():
    """Authenticate the request, counting failed logins per client IP (OCP's lock-out)."""
    guard, client_ip = state().login_guard, request.remote_addr
    if guard.is_blocked(client_ip):
        raise IpRestricted(client_ip)
    try:
        identity = authenticate(request, state().users, aksk=state().profile.aksk)
    except AuthenticationFailed:
        if request.headers.get("Authorization"):
            guard.failed(client_ip)   # only a login attempt counts, not a request without one
        raise
    guard.succeeded(client_ip)
    return identity


def _apply_fault(decision):
    """Delay, then answer in the fault's way; None lets the request through."""
    if decision.latency_ms:
        time.sleep(decision.latency_ms / 1000)
    if decision.action == "drop":
        return _drop_connection()
    if decision.action == "html":
        return web_console_response()
    if decision.action == "invalid_json":
        return _truncated_json_response()
    if decision.action == "status":
        response = _failure_status_response(decision.status)
        if decision.retry_after is not None:
            response.headers["Retry-After"] = decision.retry_after
        return response
    return None


def _drop_connection():
    """Close the TCP connection without answering.

    Werkzeug's dev server puts the connection in the environ. After shutdown() its attempt
    to write our (empty) response fails with a ConnectionError, which it handles quietly
    as a dropped connection; the client sees the connection closed with no response.
    """
    connection = request.environ["werkzeug.socket"]
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # the client went away first: dropped either way
    return Response(status=500)


def _truncated_json_response():
    """HTTP 200 that claims JSON but stops mid-document, as a cut-off proxy stream would."""
    text = dumps(envelope_fields(200, successful=True, data={"contents": [], "page": {}}))
    return Response(text[: len(text) // 2], status=200, mimetype="application/json")


def _failure_status_response(status):
    """500 comes from OCP itself (JSON envelope); other statuses from the proxy (HTML)."""
    if status == 500:
        return failure_response(500, error_code("internal"), translate("internal_error", g.locale))
    page = GATEWAY_ERROR_PAGE.format(status=status, reason=HTTP_STATUS_CODES.get(status, ""))
    return Response(page, status=status, mimetype="text/html")


def _finish_request(response):
    if _is_admin_request():
        return response
    if g.fault is not None and g.fault.after_handling:
        # The request has been carried out; now its answer is delayed or lost.
        response = _apply_fault(g.fault) or response
    for header, value in g.rate_headers.items():
        response.headers[header] = value
    dropped = g.fault is not None and g.fault.action == "drop"
    identity = g.identity.label if g.identity else None
    fault = g.fault.describe() if g.fault else None
    status = 0 if dropped else response.status_code
    state().journal.record(
        arrived=g.arrived, method=request.method, path=request.path,
        query=request.query_string.decode("latin-1"), status=status,
        identity=identity, fault=fault,
    )
    request_log.info("%s %s -> %s identity=%s fault=%s traceId=%s", request.method,
                     request.full_path.rstrip("?"), status or "dropped", identity, fault,
                     g.trace_id)
    return response


# ---------------------------------------------------------------- errors

def _engine_error_message(error):
    if isinstance(error, errors.IllegalAction):
        codes = state().profile.errors
        if error.kind == "skip_refused" and codes.skip_refused != codes.illegal_state:
            return translate("skip_refused", g.locale, id=error.target_id)
        return translate("illegal_action", g.locale, id=error.target_id, state=error.state)
    if isinstance(error, errors.RollbackProhibited):
        return translate("rollback_prohibited", g.locale, id=error.task_id)
    if isinstance(error, errors.NotFound):
        return translate(f"{error.kind_of_target}_not_found", g.locale, id=error.ident)
    if isinstance(error, errors.BadRequest):
        return translate("bad_parameter", g.locale, detail=error.message)
    return translate("internal_error", g.locale)


def _register_error_handlers(app):
    app.errorhandler(ApiError)(api_error_response)

    @app.errorhandler(AuthenticationFailed)
    def unauthenticated(error):
        # The reason helps whoever runs the simulator; OCP tells the client nothing more.
        auth_log.info("401 for %s %s: %s", request.method, request.path, error)
        # debugMessage is Spring Security's exception text (ApiError(message, exception)).
        given = bool(request.headers.get("Authorization"))
        debug = "Bad credentials" if given else "Full authentication is required to access this resource"
        # Deliberately no WWW-Authenticate header: OCP sends none.
        return failure_response(401, error_code("unauthenticated"), translate("unauthorized", g.locale),
                                traced=False, debugMessage=debug)

    @app.errorhandler(IpRestricted)
    def ip_restricted(error):
        auth_log.info("401 for %s %s: client %s is locked out", request.method, request.path, error)
        return failure_response(401, error_code("ip_restricted"),
                                translate("ip_restricted", g.locale, ip=request.remote_addr), traced=False)

    @app.errorhandler(errors.SimError)
    def engine_error(error):
        return failure_response(error.http_status, error_code(error.kind), _engine_error_message(error))

    @app.errorhandler(NotFound)
    def unknown_url(_error):
        return web_console_response()

    @app.errorhandler(MethodNotAllowed)
    def wrong_method(error):
        message = translate("method_not_allowed", g.locale, method=request.method)
        response = failure_response(405, 0, message)
        response.headers["Allow"] = ", ".join(error.valid_methods or ())
        return response

    @app.errorhandler(HTTPException)
    def other_http_error(error):
        return failure_response(error.code, 0, error.description)

    @app.errorhandler(Exception)
    def unexpected(_error):
        current_app.logger.exception("unexpected error on %s %s", request.method, request.path)
        return failure_response(500, error_code("internal"), translate("internal_error", g.locale))


# ---------------------------------------------------------------- probes

probes = Blueprint("probes", __name__)


@probes.get("/api/status")
def status_probe():
    return Response("ok", mimetype="text/plain")


@probes.get("/api/v2/time")
def time_probe():
    return Response(format_timestamp(state().clock.now()), mimetype="text/plain")


info_api = Blueprint("info", __name__)


@info_api.get("/api/v2/info")
@requires(None)
def build_info_view():
    """OCP's build information: a bare JSON object, not the envelope (see info.py)."""
    info = build_info(state().profile.build_version)
    body = to_json_value({**info, "server": request.environ.get("SERVER_NAME", "")})
    return Response(json.dumps(body, sort_keys=True), mimetype="application/json")


# ---------------------------------------------------------------- the eight task endpoints

task_api = Blueprint("tasks", __name__, url_prefix="/api/v2/tasks/instances")


@task_api.get("")
@requires(TASK_VIEWER)
def list_tasks():
    """The profile says how the name and cluster-name filters are spelt: OCP's docs spell the
    cluster one `cluterName` in every version; OCP Express reads `keyword` and no cluster name.
    A parameter the version does not know is ignored, as Spring ignores it."""
    profile = state().profile
    page, size = page_args()
    contents, total = state().engine.list_tasks(
        name=text_args(profile.name_filters),
        statuses=status_values_arg("status"),
        task_type=enum_arg("type", TASK_TYPES),
        cluster_name=text_args(profile.cluster_name_filters),
        cluster_id=optional_long_arg("clusterId"),
        tenant_name=optional_text_arg("tenantName"),
        tenant_id=optional_long_arg("tenantId"),
        host_id=optional_long_arg("hostId"),
        page=page, size=size, sort=sort_arg(),
    )
    return success_response({"contents": contents, "page": page_info(total, page, size)})


@task_api.get("/<task_id>")
@requires(TASK_VIEWER)
def get_task(task_id):
    return success_response(state().engine.get_task(parse_long(task_id, "taskInstanceId")))


@task_api.post("/<task_id>/retry")
@requires(TASK_MANAGER)
def retry_task(task_id):
    return success_response(state().engine.retry_task(parse_long(task_id, "taskInstanceId")))


@task_api.post("/<task_id>/rollback")
@requires(TASK_MANAGER)
def rollback_task(task_id):
    task = state().engine.rollback_task(parse_long(task_id, "taskInstanceId"))
    return success_response(task)


def _ids(task_id, subtask_id):
    return parse_long(task_id, "taskInstanceId"), parse_long(subtask_id, "subtaskInstanceId")


@task_api.post("/<task_id>/subtasks/<subtask_id>/retry")
@requires(TASK_MANAGER)
def retry_subtask(task_id, subtask_id):
    return success_response(state().engine.retry_subtask(*_ids(task_id, subtask_id)))


@task_api.post("/<task_id>/subtasks/<subtask_id>/skip")
@requires(TASK_MANAGER)
def skip_subtask(task_id, subtask_id):
    state().engine.skip_subtask(*_ids(task_id, subtask_id))
    return success_response()


@task_api.post("/<task_id>/subtasks/<subtask_id>/cancel")
@requires(TASK_MANAGER)
def cancel_subtask(task_id, subtask_id):
    state().engine.cancel_subtask(*_ids(task_id, subtask_id))
    return success_response()


@task_api.get("/<task_id>/subtasks/<subtask_id>/log")
@requires(TASK_VIEWER)
def subtask_log(task_id, subtask_id):
    return success_response({"log": state().engine.get_subtask_log(*_ids(task_id, subtask_id))})


# ---------------------------------------------------------------- admin API (--admin only)

admin_api = Blueprint("admin", __name__, url_prefix=ADMIN_PREFIX)
SETTINGS = ("run_time_counting", "ocp_version", "rate_limit", "login_lockout")


class AdminError(Exception):
    """A bad admin request: answered as {"error": message} with HTTP 400."""


@admin_api.errorhandler(AdminError)
@admin_api.errorhandler(FaultSpecError)
@admin_api.errorhandler(errors.SimError)
@admin_api.errorhandler(ApiError)
def admin_error(error):
    return Response(json.dumps({"error": str(error)}), status=400, mimetype="application/json")


def admin_json(value):
    """Plain JSON (not OCP's envelope): nulls are kept, e.g. a journal entry's identity."""
    return Response(json.dumps(value), mimetype="application/json")


def _admin_body():
    try:
        body = read_json(request.get_data(cache=True)) or {}
    except errors.BadRequest as error:
        # Deep nesting, a huge number, or no JSON at all: a 400 saying so, never a traceback.
        raise AdminError(f"the body must be JSON: {error.message}") from None
    if not isinstance(body, dict):
        raise AdminError("the body must be a JSON object")
    return body


@admin_api.get("/health")
def admin_health():
    return admin_json({"ok": True})


@admin_api.get("/journal")
def admin_journal():
    return admin_json({"entries": state().journal.as_dicts()})


@admin_api.delete("/journal")
def admin_clear_journal():
    state().journal.clear()
    return admin_json({"ok": True})


@admin_api.get("/audit")
def admin_audit():
    """Every audit event, whichever version is played (GET /api/v2/audit/events needs 4.2+)."""
    return admin_json({"events": to_json_value(state().audit.events())})


@admin_api.post("/faults")
def admin_add_fault():
    return admin_json({"id": state().faults.add(_admin_body())})


@admin_api.delete("/faults")
def admin_clear_faults():
    state().faults.clear()
    return admin_json({"ok": True})


@admin_api.post("/clock")
def admin_clock():
    body = _admin_body()
    clock, engine = state().clock, state().engine
    try:
        if "speed" in body:
            clock.speed = body["speed"]
        if "advance_seconds" in body:
            clock.advance(body["advance_seconds"])
    except (TypeError, ValueError, AttributeError, OverflowError) as error:
        raise AdminError(f"bad clock change: {error}") from None
    engine.advance()
    return admin_json({"now": format_timestamp(clock.now()),
                       "speed": getattr(clock, "speed", None)})


@admin_api.get("/settings")
def admin_get_settings():
    simulator = state()
    return admin_json({
        "run_time_counting": simulator.engine.run_time_counting,
        "ocp_version": simulator.profile.name,
        "rate_limit": format_rate_limit(simulator.effective_rate_limit()),
        "login_lockout": format_login_lockout(simulator.effective_login_lockout()),
    })


@admin_api.post("/settings")
def admin_change_settings():
    """Change settings of the running simulator, e.g. {"ocp_version": "4.2", "rate_limit": "off"}.

    `rate_limit` and `login_lockout` take "default" (the version's own), "off", or a value as
    the command line takes it; setting either, or the version, starts their counts afresh.
    """
    body = _admin_body()
    unknown = sorted(set(body) - set(SETTINGS))
    if unknown:
        raise AdminError(f"unknown setting(s) {unknown}; known: {list(SETTINGS)}")
    simulator = state()
    try:
        profile = profile_named(body["ocp_version"]) if "ocp_version" in body else None
        rate_limit = _setting(body, "rate_limit", parse_rate_limit)
        lockout = _setting(body, "login_lockout", parse_login_lockout)
    except (UnknownProfile, ValueError) as error:
        raise AdminError(str(error)) from None
    if "run_time_counting" in body:
        if body["run_time_counting"] not in RUN_TIME_COUNTINGS:
            raise AdminError(f"run_time_counting must be one of {list(RUN_TIME_COUNTINGS)}")
        simulator.engine.set_run_time_counting(body["run_time_counting"])
    if profile is not None:
        simulator.set_profile(profile.name)
    if "rate_limit" in body:
        simulator.set_rate_limit(rate_limit)
    if "login_lockout" in body:
        simulator.set_login_lockout(lockout)
    return admin_get_settings()


def _setting(body, name, parse):
    if name not in body:
        return None
    value = body[name]
    return PROFILE_DEFAULT if value == PROFILE_DEFAULT else parse(value)


@admin_api.post("/tasks")
def admin_create_task():
    """Create a task like a scenario entry would; `state` is the scenario's start state."""
    body = _admin_body()
    engine = state().engine
    task_id = engine.create_task(
        body.get("template"),
        name=body.get("name"),
        cluster_id=body.get("cluster_id"),
        tenant_id=body.get("tenant_id"),
        host_ids=body.get("host_ids") or (),
        prohibit_rollback=body.get("prohibit_rollback"),
        faults=body.get("faults"),
        status_override=body.get("state"),
        add_subtasks=body.get("add_subtasks"),
        rename_subtasks=body.get("rename_subtasks"),
    )
    return admin_json(to_json_value(engine.get_task(task_id)))
