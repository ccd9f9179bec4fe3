"""The `ocp-simulator` command (also `python -m ocp_simulator`).

With no arguments it serves the built-in default scenario on http://127.0.0.1:8080 until
interrupted. Tests start it with `--port 0 --ready-file F --lifetime S` and read the URL
from F; the lifetime guarantees a forgotten process exits by itself.
"""

import argparse
import json
import logging
import os
import signal
import sys
import threading

from .engine import RUN_TIME_COUNTINGS
from .errors import ScenarioError
from .profiles import DEFAULT_PROFILE, PROFILE_NAMES
from .server import SimulatorServer


def build_parser():
    parser = argparse.ArgumentParser(
        prog="ocp-simulator",
        description="Serve a simulated OceanBase Cloud Platform (OCP) task API.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8080, help="port; 0 picks a free one")
    parser.add_argument("--scenario", metavar="FILE",
                        help="scenario YAML (default: the built-in default scenario)")
    parser.add_argument("--speed", type=float,
                        help="simulated seconds per real second (overrides the scenario)")
    parser.add_argument("--seed", type=int, help="random seed (overrides the scenario)")
    parser.add_argument("--run-time-counting", choices=RUN_TIME_COUNTINGS,
                        help="when a subtask's runTime goes up: 'ocp' (a subtask retry leaves it "
                             "unchanged) or 'every_run' (every retry adds 1); overrides the scenario")
    parser.add_argument("--ocp-version", choices=PROFILE_NAMES,
                        help="the OCP version to behave as, as its documentation describes it "
                             f"(default: $OCP_SIMULATOR_OCP_VERSION, else the scenario's, else {DEFAULT_PROFILE}); "
                             "'express' follows OCP Express's code")
    parser.add_argument("--rate-limit", metavar="off|WINDOW=LIMIT,...",
                        help="per-user throttling, e.g. 10s=50,1m=240, or off (default: "
                             "$OCP_SIMULATOR_RATE_LIMIT, else the scenario's, else the version's own)")
    parser.add_argument("--login-lockout", metavar="off|ATTEMPTS[/MINUTES]",
                        help="failed logins in a row that lock a client IP out, and for how long "
                             "(default: $OCP_SIMULATOR_LOGIN_LOCKOUT, else the scenario's, else the version's own)")
    parser.add_argument("--tls", action="store_true",
                        help="serve HTTPS with a generated certificate")
    parser.add_argument("--ca-out", metavar="PATH",
                        help="with --tls: write the CA bundle (PEM) here")
    parser.add_argument("--admin", action="store_true",
                        help="enable the admin API under /__simulator__ (no auth!)")
    parser.add_argument("--ready-file", metavar="PATH",
                        help='write {"url", "port", "ca"} as JSON here once serving')
    parser.add_argument("--lifetime", type=float, metavar="SECONDS",
                        help="exit by itself after this many seconds")
    parser.add_argument("--log-requests", action="store_true",
                        help="log every request (and why authentication failed) to stderr")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.ca_out and not args.tls:
        print("ocp-simulator: --ca-out needs --tls", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO if args.log_requests else logging.WARNING,
                        format="%(asctime)s %(name)s %(message)s")
    try:
        server = SimulatorServer(scenario_path=args.scenario, host=args.host, port=args.port,
                                 tls=args.tls, ca_out=args.ca_out, admin=args.admin,
                                 speed=args.speed, seed=args.seed,
                                 run_time_counting=args.run_time_counting, ocp_version=args.ocp_version,
                                 rate_limit=args.rate_limit, login_lockout=args.login_lockout)
    except ScenarioError as error:
        print(f"ocp-simulator: invalid scenario: {error}", file=sys.stderr)
        return 2
    except ValueError as error:
        print(f"ocp-simulator: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"ocp-simulator: cannot listen on {args.host}:{args.port}: {error}",
              file=sys.stderr)
        return 1
    with server:
        print(f"OCP simulator serving on {server.url} as OCP {server.engine.profile.name}", flush=True)
        if args.ready_file:
            write_ready_file(args.ready_file, server)
        wait_until_stopped(args.lifetime)
    return 0


def write_ready_file(path, server):
    """Write atomically, so a process polling for the file never reads half of it."""
    temporary = f"{path}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump({"url": server.url, "port": server.port, "ca": server.ca_path}, handle)
    os.replace(temporary, path)


def wait_until_stopped(lifetime):
    """Block until the lifetime ends, or SIGTERM / Ctrl-C arrives."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait(lifetime)
    except KeyboardInterrupt:
        pass
