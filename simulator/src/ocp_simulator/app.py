"""The Flask application: OCP's task API over the engine, plus probes and the admin API.

Request lifecycle (see `create_app`):
  1. `_begin_request`: trace id, locale, then injected faults (which may answer instead),
     then authentication of every `/api/**` path but the two probes, before routing, as
     OCP's security filter does: without credentials even an unknown API path is a 401.
  2. routing (a trailing slash matches, as in Spring Boot 2): an unknown URL is answered
     like OCP's web console (HTTP 200, HTML page).
  3. the view: check the role (`requires`), parse parameters the way Spring would (400 on
     a type mismatch), call the engine (which advances itself).
  4. errors of every kind become OCP's error envelope (`_register_error_handlers`).
  5. `_finish_request`: the journal and the optional request log.
"""

import json
import logging
import re
import secrets
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import wraps

from flask import Blueprint, Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.http import HTTP_STATUS_CODES

from . import errors
from .auth import TASK_MANAGER, TASK_VIEWER, AuthenticationFailed, authenticate
from .engine import RUN_TIME_COUNTINGS
from .faults import FaultSpecError
from .i18n import best_locale, translate
from .info import build_info
from .serialize import dumps, envelope, error_body, format_timestamp, to_json_value
from .start_faults import StartFaults

ADMIN_PREFIX = "/__simulator__"
# The only API paths OCP answers without credentials.
PUBLIC_API_PATHS = ("/api/status", "/api/v2/time")
TASK_TYPES = ("MANUAL", "SYS_ONECE", "SCHEDULED", "SYS_SCHEDULED")
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 2000
JAVA_LONG_RANGE = (-(2**63), 2**63 - 1)
TENANT_NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]{1,63}")
TENANT_MODES = ("MYSQL", "ORACLE")
HOST_KINDS = ("DEDICATED_PHYSICAL_MACHINE", "DEDICATED_CONTAINER")

request_log = logging.getLogger("ocp_simulator.requests")
auth_log = logging.getLogger("ocp_simulator.auth")

# What OCP answers for any URL it has no API for: its single-page web console.
WEB_CONSOLE_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>OceanBase Cloud Platform</title></head>
<body><div id="root"></div>
<script>/* OCP web console (simulated): this URL is not an API endpoint. */</script>
</body>
</html>
"""

# What a reverse proxy in front of OCP answers when OCP is down or slow (502/503/504).
GATEWAY_ERROR_PAGE = """<html>
<head><title>{status} {reason}</title></head>
<body>
<center><h1>{status} {reason}</h1></center>
<hr><center>nginx</center>
</body>
</html>
"""


@dataclass
class SimulatorState:
    """Everything the views need, shared by all request threads."""

    engine: object          # TaskEngine
    clock: object           # SimClock or ManualClock: the simulated server time
    users: object           # auth.UserDirectory
    journal: object         # journal.Journal
    faults: object          # faults.FaultInjector
    admin: bool = False
    start_faults: object = field(default_factory=StartFaults)  # start_faults.StartFaults


class ApiError(Exception):
    """An error the HTTP layer itself detects; becomes OCP's error envelope."""

    def __init__(self, http_status, code, message_key, **params):
        super().__init__(message_key)
        self.http_status = http_status
        self.code = code
        self.message_key = message_key
        self.params = params


def bad_parameter(detail):
    return ApiError(400, 10001, "bad_parameter", detail=detail)


def create_app(state):
    app = Flask(__name__)
    app.extensions["ocp_simulator"] = state
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
    if state.admin:
        app.register_blueprint(admin_api)
    return app


def _state():
    return current_app.extensions["ocp_simulator"]


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
    if _is_admin_request():
        return None
    g.fault = _state().faults.decide(request.method, request.path)
    if g.fault is not None and not g.fault.after_handling:
        answer = _apply_fault(g.fault)
        if answer is not None:
            return answer
    if _needs_authentication():
        g.identity = authenticate(request, _state().users)
    return None


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
    text = dumps(_envelope_fields(200, successful=True, data={"contents": [], "page": {}}))
    return Response(text[: len(text) // 2], status=200, mimetype="application/json")


def _failure_status_response(status):
    """500 comes from OCP itself (JSON envelope); other statuses from the proxy (HTML)."""
    if status == 500:
        return failure_response(500, 10010, translate("internal_error", g.locale))
    page = GATEWAY_ERROR_PAGE.format(status=status, reason=HTTP_STATUS_CODES.get(status, ""))
    return Response(page, status=status, mimetype="text/html")


def _finish_request(response):
    if _is_admin_request():
        return response
    if g.fault is not None and g.fault.after_handling:
        # The request has been carried out; now its answer is delayed or lost.
        response = _apply_fault(g.fault) or response
    dropped = g.fault is not None and g.fault.action == "drop"
    identity = g.identity.label if g.identity else None
    fault = g.fault.describe() if g.fault else None
    status = 0 if dropped else response.status_code
    _state().journal.record(
        arrived=g.arrived, method=request.method, path=request.path,
        query=request.query_string.decode("latin-1"), status=status,
        identity=identity, fault=fault,
    )
    request_log.info("%s %s -> %s identity=%s fault=%s traceId=%s", request.method,
                     request.full_path.rstrip("?"), status or "dropped", identity, fault,
                     g.trace_id)
    return response


# ---------------------------------------------------------------- responses

def _envelope_fields(http_status, traced=True, **fields):
    """The envelope; `traced=False` for answers written before OCP's tracing starts.

    OCP's security filter answers a 401 before TraceHandlerInterceptor has run, so that
    envelope has an empty traceId and a duration of 0 (OCP Express
    CustomAuthenticationEntryPoint, TraceUtils).
    """
    return envelope(
        status=http_status,
        timestamp=_state().clock.now(),
        duration_ms=int((time.monotonic() - g.started) * 1000) if traced else 0,
        trace_id=g.trace_id if traced else "",
        server=request.environ.get("SERVER_NAME", ""),
        **fields,
    )


def success_response(data=None):
    """HTTP 200 envelope; `data=None` leaves the `data` key out (subtask cancel/skip)."""
    body = _envelope_fields(200, successful=True, data=data)
    return Response(dumps(body), status=200, mimetype="application/json")


def failure_response(http_status, code, message, traced=True, **extra):
    body = _envelope_fields(http_status, traced, successful=False,
                            error=error_body(code, message, **extra))
    return Response(dumps(body), status=http_status, mimetype="application/json")


def web_console_response():
    return Response(WEB_CONSOLE_PAGE, status=200, mimetype="text/html")


# ---------------------------------------------------------------- errors

ENGINE_ERROR_MESSAGES = {
    errors.IllegalAction: lambda e: translate("illegal_action", g.locale,
                                              id=e.target_id, state=e.state),
    errors.RollbackProhibited: lambda e: translate("rollback_prohibited", g.locale,
                                                   id=e.task_id),
    errors.NotFound: lambda e: translate(f"{e.kind}_not_found", g.locale, id=e.ident),
    errors.BadRequest: lambda e: translate("bad_parameter", g.locale, detail=e.message),
}


def _register_error_handlers(app):
    @app.errorhandler(ApiError)
    def api_error(error):
        message = translate(error.message_key, g.locale, **error.params)
        return failure_response(error.http_status, error.code, message)

    @app.errorhandler(AuthenticationFailed)
    def unauthenticated(error):
        # The reason helps whoever runs the simulator; OCP tells the client nothing more.
        auth_log.info("401 for %s %s: %s", request.method, request.path, error)
        # debugMessage is Spring Security's exception text (ApiError(message, exception)).
        given = bool(request.headers.get("Authorization"))
        debug = "Bad credentials" if given else "Full authentication is required to access this resource"
        # Deliberately no WWW-Authenticate header: OCP sends none.
        return failure_response(401, 0, translate("unauthorized", g.locale), traced=False,
                                debugMessage=debug)

    @app.errorhandler(errors.SimError)
    def engine_error(error):
        describe = ENGINE_ERROR_MESSAGES.get(type(error))
        message = describe(error) if describe else translate("internal_error", g.locale)
        return failure_response(error.http_status, error.error_code, message)

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
        return failure_response(500, 10010, translate("internal_error", g.locale))


# ---------------------------------------------------------------- auth and parameters

def requires(role):
    """Require an authenticated caller (401) with `role` (403/30014) before the view runs."""
    def decorate(view):
        @wraps(view)
        def guarded(**kwargs):
            if g.identity is None:
                g.identity = authenticate(request, _state().users)
            if role is not None and not g.identity.has_role(role):
                raise ApiError(403, 30014, "forbidden", role=role)
            return view(**kwargs)
        return guarded
    return decorate


def parse_long(text, name):
    """A Java `Long` parameter: decimal digits with an optional sign, in range, else 400."""
    if not re.fullmatch(r"[+-]?\d+", text.strip()):
        raise bad_parameter(f"{name} must be a number, got {text!r}")
    value = int(text)
    if not JAVA_LONG_RANGE[0] <= value <= JAVA_LONG_RANGE[1]:
        raise bad_parameter(f"{name} is out of range: {text!r}")
    return value


def optional_long_arg(name):
    text = request.args.get(name, "")
    return parse_long(text, name) if text.strip() else None


def optional_text_arg(name):
    return request.args.get(name) or None


def status_values_arg(name):
    """Task states, comma-separated and/or repeated, in any case; None when not sent.

    OCP Express splits the value on "," and maps each part with TaskState.fromValue
    (equalsIgnoreCase); an unknown value becomes null and matches no task (no 400).
    """
    values = [
        value.strip().upper()
        for sent in request.args.getlist(name)
        for value in sent.split(",")
        if value.strip()
    ]
    return values or None


def enum_arg(name, allowed):
    text = (request.args.get(name) or "").strip()
    if text and text not in allowed:
        raise bad_parameter(f"{name} must be one of {', '.join(allowed)}, got {text!r}")
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
    if not re.fullmatch(r"\+?\d+", text) or int(text) < 1 or int(text) > 2**31 - 1:
        raise bad_parameter(f"{name} must be a positive integer, got {text!r}")
    return int(text)


def sort_arg():
    """`field` or `field,asc|desc` (direction case-insensitive), normalised to `field,dir`."""
    text = (request.args.get("sort") or "").strip()
    if not text:
        return None
    field, _comma, direction = (part.strip() for part in text.partition(","))
    direction = direction.lower() or "asc"
    if not field or direction not in ("asc", "desc"):
        raise bad_parameter(f"sort must be 'field,asc' or 'field,desc', got {text!r}")
    return f"{field},{direction}"


def json_body():
    """The request's JSON document: 415 when not sent as JSON, 400 when malformed."""
    if not request.is_json:
        raise ApiError(415, 0, "unsupported_media_type",
                       content_type=request.content_type or "")
    try:
        return json.loads(request.get_data(cache=True) or b"null")
    except ValueError:
        raise bad_parameter("malformed JSON request body") from None


# ---------------------------------------------------------------- probes

probes = Blueprint("probes", __name__)


@probes.get("/api/status")
def status_probe():
    return Response("ok", mimetype="text/plain")


@probes.get("/api/v2/time")
def time_probe():
    return Response(format_timestamp(_state().clock.now()), mimetype="text/plain")


info_api = Blueprint("info", __name__)


@info_api.get("/api/v2/info")
@requires(None)
def build_info_view():
    """OCP's build information: a bare JSON object, not the envelope (see info.py)."""
    body = to_json_value({**build_info(), "server": request.environ.get("SERVER_NAME", "")})
    return Response(json.dumps(body, sort_keys=True), mimetype="application/json")


# ---------------------------------------------------------------- the eight task endpoints

task_api = Blueprint("tasks", __name__, url_prefix="/api/v2/tasks/instances")


@task_api.get("")
@requires(TASK_VIEWER)
def list_tasks():
    page, size = page_args()
    contents, total = _state().engine.list_tasks(
        name=optional_text_arg("name"),
        statuses=status_values_arg("status"),
        task_type=enum_arg("type", TASK_TYPES),
        cluster_name=optional_text_arg("clusterName"),
        cluster_id=optional_long_arg("clusterId"),
        tenant_name=optional_text_arg("tenantName"),
        tenant_id=optional_long_arg("tenantId"),
        host_id=optional_long_arg("hostId"),
        page=page, size=size, sort=sort_arg(),
    )
    total_pages = -(-total // size)
    page_info = {"totalElements": total, "totalPages": total_pages, "number": page, "size": size}
    return success_response({"contents": contents, "page": page_info})


@task_api.get("/<task_id>")
@requires(TASK_VIEWER)
def get_task(task_id):
    return success_response(_state().engine.get_task(parse_long(task_id, "taskInstanceId")))


@task_api.post("/<task_id>/retry")
@requires(TASK_MANAGER)
def retry_task(task_id):
    return success_response(_state().engine.retry_task(parse_long(task_id, "taskInstanceId")))


@task_api.post("/<task_id>/rollback")
@requires(TASK_MANAGER)
def rollback_task(task_id):
    task = _state().engine.rollback_task(parse_long(task_id, "taskInstanceId"))
    return success_response(task)


def _ids(task_id, subtask_id):
    return parse_long(task_id, "taskInstanceId"), parse_long(subtask_id, "subtaskInstanceId")


@task_api.post("/<task_id>/subtasks/<subtask_id>/retry")
@requires(TASK_MANAGER)
def retry_subtask(task_id, subtask_id):
    return success_response(_state().engine.retry_subtask(*_ids(task_id, subtask_id)))


@task_api.post("/<task_id>/subtasks/<subtask_id>/skip")
@requires(TASK_MANAGER)
def skip_subtask(task_id, subtask_id):
    _state().engine.skip_subtask(*_ids(task_id, subtask_id))
    return success_response()


@task_api.post("/<task_id>/subtasks/<subtask_id>/cancel")
@requires(TASK_MANAGER)
def cancel_subtask(task_id, subtask_id):
    _state().engine.cancel_subtask(*_ids(task_id, subtask_id))
    return success_response()


@task_api.get("/<task_id>/subtasks/<subtask_id>/log")
@requires(TASK_VIEWER)
def subtask_log(task_id, subtask_id):
    return success_response({"log": _state().engine.get_subtask_log(*_ids(task_id, subtask_id))})


# ---------------------------------------------------------------- calls that start tasks

task_starters = Blueprint("task_starters", __name__, url_prefix="/api/v2")


@task_starters.post("/ob/clusters/<cluster_id>/tenants/createTenant")
@requires(TASK_MANAGER)
def create_tenant(cluster_id):
    cluster_id = parse_long(cluster_id, "id")
    params = _tenant_params(_object_body())
    engine = _state().engine
    with engine.lock:
        _require_cluster(engine, cluster_id)
        tenant_id = _add_tenant(engine, cluster_id, params["name"], params["mode"])
        task_id = engine.create_task("create_tenant", cluster_id=cluster_id,
                                     tenant_id=tenant_id, creator=_creator(),
                                     faults=_start_faults("create_tenant", params["name"]))
        task = engine.get_task(task_id)
    return success_response({**task, "tenantId": tenant_id})


@task_starters.post("/ob/clusters/<cluster_id>/upgrade")
@requires(TASK_MANAGER)
def upgrade_cluster(cluster_id):
    cluster_id = parse_long(cluster_id, "id")
    _required_text(_object_body(), "version")
    engine = _state().engine
    with engine.lock:
        _require_cluster(engine, cluster_id)
        faults = _start_faults("upgrade_cluster", engine.clusters[cluster_id]["name"])
        task_id = engine.create_task("upgrade_cluster", cluster_id=cluster_id,
                                     creator=_creator(), faults=faults)
        return success_response(engine.get_task(task_id))


@task_starters.post("/ob/clusters/takeOver")
@requires(TASK_MANAGER)
def take_over_cluster():
    body = _object_body()
    address = _required_text(body, "address")
    _required_int(body, "port")
    _required_text(body, "rootSysPassword")
    engine = _state().engine
    name = body.get("clusterName") or f"cluster_{address}"
    with engine.lock:
        cluster_id = _add_cluster(engine, name)
        task_id = engine.create_task("take_over_cluster", cluster_id=cluster_id,
                                     creator=_creator(),
                                     faults=_start_faults("take_over_cluster", name))
        task = engine.get_task(task_id)
    # obdeploy reads data.clusterId from this answer.
    return success_response({**task, "clusterId": cluster_id})


@task_starters.post("/compute/hosts/batchCreate")
@requires(TASK_MANAGER)
def batch_create_hosts():
    addresses = _host_params(_object_body())
    engine = _state().engine
    with engine.lock:
        taken = {host["ip"] for host in engine.hosts.values()} & set(addresses)
        if taken:
            raise bad_parameter(f"host {sorted(taken)[0]} already exists")
        tasks = []
        for address in addresses:
            host_id = _add_host(engine, address)
            task_id = engine.create_task("add_hosts", host_ids=[host_id], creator=_creator(),
                                         faults=_start_faults("add_hosts", address))
            tasks.append(engine.get_task(task_id))
    return success_response({"contents": tasks})


def _creator():
    return g.identity.user


def _start_faults(template, name):
    """The scenario's start_faults for the task this call starts (None: no faults)."""
    return _state().start_faults.faults_for(template, name)


def _object_body():
    body = json_body()
    if not isinstance(body, dict):
        raise bad_parameter("the request body must be a JSON object")
    return body


def _required_text(body, field):
    value = body.get(field)
    if not isinstance(value, str) or not value.strip():
        raise bad_parameter(f"{field} must not be blank")
    return value


def _required_int(body, field, minimum=0):
    value = body.get(field)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise bad_parameter(f"{field} must be an integer >= {minimum}")
    return value


def _tenant_params(body):
    """OCP's createTenant body: name, rootPassword and zones required; mode MYSQL by default."""
    name = _required_text(body, "name")
    if not TENANT_NAME_PATTERN.fullmatch(name):
        raise bad_parameter("name must start with a letter and have 2-64 letters, "
                            "digits or underscores")
    _required_text(body, "rootPassword")
    mode = body.get("mode") or "MYSQL"
    if mode not in TENANT_MODES:
        raise bad_parameter(f"mode must be one of {', '.join(TENANT_MODES)}")
    zones = body.get("zones")
    if not isinstance(zones, list) or not zones:
        raise bad_parameter("zones must be a non-empty list")
    for zone in zones:
        _zone_params(zone)
    return {"name": name, "mode": mode}


def _zone_params(zone):
    if not isinstance(zone, dict):
        raise bad_parameter("each zone must be an object")
    _required_text(zone, "name")
    _required_text(zone, "replicaType")
    pool = zone.get("resourcePool")
    if not isinstance(pool, dict):
        raise bad_parameter("zones[].resourcePool must be an object")
    _required_text(pool, "unitSpecName")
    _required_int(pool, "unitCount", minimum=1)


def _host_params(body):
    """OCP's batchCreate body; returns the host addresses (hostBasicDataList[].innerIpAddress)."""
    hosts = body.get("hostBasicDataList")
    if not isinstance(hosts, list) or not hosts:
        raise bad_parameter("hostBasicDataList must be a non-empty list")
    _required_int(body, "sshPort", minimum=1)
    for field in ("idcId", "typeId", "credentialId"):
        _required_int(body, field)
    if body.get("kind") not in HOST_KINDS:
        raise bad_parameter(f"kind must be one of {', '.join(HOST_KINDS)}")
    if not all(isinstance(host, dict) for host in hosts):
        raise bad_parameter("each hostBasicDataList entry must be an object")
    addresses = [_required_text(host, "innerIpAddress") for host in hosts]
    if len(set(addresses)) != len(addresses):
        raise bad_parameter("hostBasicDataList repeats an address")
    return addresses


# The helpers below change the engine's inventory; callers hold `engine.lock`.

def _require_cluster(engine, cluster_id):
    if cluster_id not in engine.clusters:
        raise ApiError(404, 0, "cluster_not_found", id=cluster_id)


def _next_id(records, first):
    return max(records, default=first - 1) + 1


def _add_cluster(engine, name):
    cluster_id = _next_id(engine.clusters, 1)
    ob_cluster_id = _next_id([c["obClusterId"] for c in engine.clusters.values()], 1)
    engine.clusters[cluster_id] = {"id": cluster_id, "name": name,
                                   "obClusterId": ob_cluster_id, "type": "PRIMARY"}
    return cluster_id


def _add_tenant(engine, cluster_id, name, mode):
    in_cluster = [t for t in engine.tenants.values() if t["clusterId"] == cluster_id]
    if any(tenant["name"] == name for tenant in in_cluster):
        raise bad_parameter(f"tenant {name} already exists in cluster {cluster_id}")
    tenant_id = _next_id(engine.tenants, 1001)
    ob_tenant_id = _next_id([t["obClusterId"] for t in in_cluster], 1001)
    engine.tenants[tenant_id] = {"id": tenant_id, "name": name, "obClusterId": ob_tenant_id,
                                 "mode": mode, "clusterId": cluster_id}
    return tenant_id


def _add_host(engine, address):
    host_id = _next_id(engine.hosts, 1)
    engine.hosts[host_id] = {"id": host_id, "ip": address, "clusterId": None}
    return host_id


# ---------------------------------------------------------------- admin API (--admin only)

admin_api = Blueprint("admin", __name__, url_prefix=ADMIN_PREFIX)


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
        body = json.loads(request.get_data(cache=True) or b"{}")
    except ValueError:
        raise AdminError("the body must be JSON") from None
    if not isinstance(body, dict):
        raise AdminError("the body must be a JSON object")
    return body


@admin_api.get("/health")
def admin_health():
    return admin_json({"ok": True})


@admin_api.get("/journal")
def admin_journal():
    return admin_json({"entries": _state().journal.as_dicts()})


@admin_api.delete("/journal")
def admin_clear_journal():
    _state().journal.clear()
    return admin_json({"ok": True})


@admin_api.post("/faults")
def admin_add_fault():
    return admin_json({"id": _state().faults.add(_admin_body())})


@admin_api.delete("/faults")
def admin_clear_faults():
    _state().faults.clear()
    return admin_json({"ok": True})


@admin_api.post("/clock")
def admin_clock():
    body = _admin_body()
    clock, engine = _state().clock, _state().engine
    try:
        if "speed" in body:
            clock.speed = float(body["speed"])
        if "advance_seconds" in body:
            clock.advance(float(body["advance_seconds"]))
    except (TypeError, ValueError, AttributeError) as error:
        raise AdminError(f"bad clock change: {error}") from None
    engine.advance()
    return admin_json({"now": format_timestamp(clock.now()),
                       "speed": getattr(clock, "speed", None)})


@admin_api.get("/settings")
def admin_get_settings():
    return admin_json({"run_time_counting": _state().engine.run_time_counting})


@admin_api.post("/settings")
def admin_change_settings():
    """Change settings of the running simulator: {"run_time_counting": "ocp"|"every_run"}."""
    body = _admin_body()
    unknown = sorted(set(body) - {"run_time_counting"})
    if unknown:
        raise AdminError(f"unknown setting(s) {unknown}; known: ['run_time_counting']")
    if "run_time_counting" in body:
        if body["run_time_counting"] not in RUN_TIME_COUNTINGS:
            raise AdminError(f"run_time_counting must be one of {list(RUN_TIME_COUNTINGS)}")
        _state().engine.set_run_time_counting(body["run_time_counting"])
    return admin_get_settings()


@admin_api.post("/tasks")
def admin_create_task():
    """Create a task like a scenario entry would; `state` is the scenario's start state."""
    body = _admin_body()
    engine = _state().engine
    task_id = engine.create_task(
        body.get("template"),
        name=body.get("name"),
        cluster_id=body.get("cluster_id"),
        tenant_id=body.get("tenant_id"),
        host_ids=body.get("host_ids") or (),
        prohibit_rollback=body.get("prohibit_rollback"),
        faults=body.get("faults"),
        status_override=body.get("state"),
    )
    return admin_json(to_json_value(engine.get_task(task_id)))
