"""Run the simulator in-process: a Werkzeug threaded server in a daemon thread.

    with SimulatorServer(port=0) as sim:
        requests.get(sim.url + "/api/v2/tasks/instances", auth=("admin", "OcpSim-Admin-2026"))
"""

import threading

from werkzeug.serving import WSGIRequestHandler, make_server

from .app import SimulatorState, create_app
from .auth import UserDirectory
from .clock import SimClock
from .engine import check_run_time_counting
from .errors import BadRequest, ScenarioError
from .faults import FaultInjector, FaultSpecError
from .journal import Journal
from .scenario import build_engine, load_scenario
from .start_faults import StartFaults
from .tls import make_ssl_context


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler without its per-request access log line.

    The journal records every request, and `--log-requests` logs them with more detail
    (identity, fault, trace id) than Werkzeug's line would.
    """

    def log_request(self, code="-", size="-"):
        pass


class SimulatorServer:
    """The simulator on `host:port` (port 0 picks a free one); a context manager.

    Attributes: `url`, `port`, `engine`, `journal`, `faults`, `clock`, and `ca_path` (the
    CA bundle to verify against when `tls` is on, else None).
    `speed`, `seed` and `run_time_counting` override the scenario's settings when given.
    `clock` replaces the simulated clock (tests pass a ManualClock; `speed` is then unused).
    """

    def __init__(self, scenario_path=None, host="127.0.0.1", port=0, tls=False, ca_out=None,
                 admin=True, speed=None, seed=None, run_time_counting=None, clock=None):
        scenario = load_scenario(scenario_path)
        settings = scenario.settings
        if seed is not None:
            settings["seed"] = seed
        if run_time_counting is not None:
            try:
                settings["run_time_counting"] = check_run_time_counting(run_time_counting)
            except BadRequest as error:
                raise ValueError(error.message) from None
        self.clock = clock or SimClock(
            speed=speed if speed is not None else settings["speed"],
            tz_offset_minutes=settings["timezone_offset_minutes"],
        )
        self.engine = build_engine(scenario, self.clock)
        self.journal = Journal()
        self.faults = _fault_injector(scenario, settings["seed"])
        state = SimulatorState(self.engine, self.clock, UserDirectory(scenario.users),
                               self.journal, self.faults, admin, StartFaults(scenario.start_faults))
        ssl_context, self.ca_path = make_ssl_context(ca_out) if tls else (None, None)
        self._server = make_server(host, port, create_app(state), threaded=True,
                                   ssl_context=ssl_context,
                                   request_handler=QuietRequestHandler)
        self.port = self._server.port
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://{_url_host(host)}:{self.port}"
        self._thread = None

    def start(self):
        """Serve in a daemon thread; connections made before this wait in the backlog."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._server.serve_forever,
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
