"""Run the simulator in-process: a Werkzeug threaded server in a daemon thread.

    with SimulatorServer(port=0) as sim:
        requests.get(sim.url + "/api/v2/tasks/instances", auth=("admin", "OcpSim-Admin-2026"))
"""

import os
import threading

from werkzeug.serving import WSGIRequestHandler, make_server

from . import profiles
from .app import create_app
from .audit import AuditLog
from .auth import UserDirectory
from .clock import SimClock
from .engine import check_run_time_counting
from .errors import BadRequest, ScenarioError
from .faults import FaultInjector, FaultSpecError
from .guard import LoginGuard, RateLimiter
from .journal import Journal
from .scenario import build_engine, load_scenario
from .start_faults import StartFaults
from .tls import make_ssl_context
from .web import PROFILE_DEFAULT, SimulatorState

# Environment variables that choose what the command line and the arguments below choose,
# when those are not given (so a test suite can pick the OCP version of every simulator it starts).
ENVIRONMENT = {
    "ocp_version": profiles.ENVIRONMENT_VARIABLE,
    "rate_limit": "OCP_SIMULATOR_RATE_LIMIT",
    "login_lockout": "OCP_SIMULATOR_LOGIN_LOCKOUT",
}


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler without its per-request access log line.

    The journal records every request, and `--log-requests` logs them with more detail
    (identity, fault, trace id) than Werkzeug's line would.
    """

    def log_request(self, code="-", size="-"):
        pass


class SimulatorServer:
    """The simulator on `host:port` (port 0 picks a free one); a context manager.

    Attributes: `url`, `port`, `engine`, `journal`, `faults`, `clock`, `state` (web.SimulatorState:
    the profile, audit log and guards), and `ca_path` (the CA bundle to verify against when `tls`
    is on, else None).
    `speed`, `seed`, `run_time_counting`, `ocp_version`, `rate_limit` and `login_lockout`
    override the scenario's settings when given; the last three, when not given, come from
    OCP_SIMULATOR_OCP_VERSION, OCP_SIMULATOR_RATE_LIMIT and OCP_SIMULATOR_LOGIN_LOCKOUT if set.
    `clock` replaces the simulated clock (tests pass a ManualClock; `speed` is then unused).
    """

    def __init__(self, scenario_path=None, host="127.0.0.1", port=0, tls=False, ca_out=None,
                 admin=True, speed=None, seed=None, run_time_counting=None, clock=None,
                 ocp_version=None, rate_limit=None, login_lockout=None):
        scenario = load_scenario(scenario_path)
        settings = scenario.settings
        if seed is not None:
            settings["seed"] = seed
        if run_time_counting is not None:
            try:
                settings["run_time_counting"] = check_run_time_counting(run_time_counting)
            except BadRequest as error:
                raise ValueError(error.message) from None
        chosen = {"ocp_version": ocp_version, "rate_limit": rate_limit, "login_lockout": login_lockout}
        for name, value in chosen.items():
            if value is None:
                value = os.environ.get(ENVIRONMENT[name]) or None
            if value is not None:
                settings[name] = _checked_setting(name, value)
        self.clock = clock or SimClock(
            speed=speed if speed is not None else settings["speed"],
            tz_offset_minutes=settings["timezone_offset_minutes"],
        )
        self.engine = build_engine(scenario, self.clock)
        self.journal = Journal()
        self.faults = _fault_injector(scenario, settings["seed"])
        self.state = SimulatorState(
            self.engine, self.clock, UserDirectory(scenario.users), self.journal, self.faults, admin,
            StartFaults(scenario.start_faults), audit=AuditLog(), rate_limiter=RateLimiter(self.clock),
            login_guard=LoginGuard(self.clock), rate_limit_setting=settings["rate_limit"],
            login_lockout_setting=settings["login_lockout"])
        self.state.apply_guards()
        ssl_context, self.ca_path = make_ssl_context(ca_out) if tls else (None, None)
        self._server = make_server(host, port, create_app(self.state), threaded=True,
                                   ssl_context=ssl_context,
                                   request_handler=QuietRequestHandler)
        self.port = self._server.port
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://{_url_host(host)}:{self.port}"
        self._thread = None

    def start(self):
        """Serve in a daemon thread; connections made before this wait in the backlog."""
        if self._thread is None:
            # A short poll interval: stop() waits for it (tests stop hundreds of servers).
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                            name="ocp-simulator", daemon=True)
            self._thread.start()
        return self

    def stop(self):
        """Stop serving and free the port (safe to call twice, or without start())."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


def _checked_setting(name, value):
    """An ocp_version, rate_limit or login_lockout given as text or a value; ValueError if bad."""
    if name == "ocp_version":
        return profiles.profile_named(value).name
    if value == PROFILE_DEFAULT:
        return value
    parse = profiles.parse_rate_limit if name == "rate_limit" else profiles.parse_login_lockout
    return parse(value)


def _fault_injector(scenario, seed):
    """The scenario's http_faults, each checked; a bad one is a ScenarioError like any other."""
    injector = FaultInjector(seed=seed)
    for index, spec in enumerate(scenario.http_faults):
        try:
            injector.add(spec)
        except FaultSpecError as error:
            raise ScenarioError(scenario.path, f"http_faults[{index}]", str(error)) from None
    return injector


def _url_host(host):
    """The host to put in URLs: a wildcard address is reached through the loopback."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host
