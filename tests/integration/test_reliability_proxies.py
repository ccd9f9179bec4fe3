# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Proxies (the reliability class "proxies"), through ansible-playbook against the simulator.

An unreachable proxy is not OCP refusing the connection: with ``HTTP_PROXY`` naming a closed
port on 127.0.0.1 (and no ``NO_PROXY``, so that requests sends even a request to 127.0.0.1
through it), every module and the wait name the proxy, with its password masked, and never the
password itself, even at -vvv; nothing reaches OCP. (A proxy that forwards an action and drops its
answer is in test_reliability_weather.py.)
"""

from __future__ import annotations

import json
import socket

from harness import basic_auth_vars, run_playbook

PROXY_USER, PROXY_PASSWORD = "proxyuser", "Pr0xy-Pa55word-Never-Printed"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_proxy_is_named_with_its_password_masked(frozen_clock, tmp_path):
    simulator = frozen_clock
    port = closed_port()
    proxy = "http://%s:%s@127.0.0.1:%d" % (PROXY_USER, PROXY_PASSWORD, port)
    env = {"HTTP_PROXY": proxy, "http_proxy": proxy, "HTTPS_PROXY": proxy, "https_proxy": proxy,
           "NO_PROXY": "", "no_proxy": ""}
    connection = dict(api_url=simulator.url, username="admin", password="OcpSim-Admin-2026", request_retries=0)
    cases = [
        {"name": "info", "module": "info", "args": dict(connection, task_id=1000)},
        {"name": "wait", "module": "wait", "args": dict(connection, tasks=[1000], wait_timeout=10)},
        {"name": "api", "module": "api", "args": dict(connection, path="/api/v2/tasks/instances")},
        {"name": "action", "module": "task", "args": dict(connection, task_id=1004, action="retry")},
    ]
    result_path = tmp_path / "results.json"
    simulator.clear_journal()
    run = run_playbook("reliability_cases.yml", dict(basic_auth_vars(simulator), cases=cases,
                                                     result_path=str(result_path)), env=env, verbosity=3)
    results = {entry["case"]["name"]: entry for entry in json.loads(result_path.read_text())}

    named = ("could not connect to the proxy http://%s:********@127.0.0.1:%d ([Errno 111] Connection refused); "
             "requests to 127.0.0.1:%s go through it (HTTP_PROXY or ALL_PROXY)"
             % (PROXY_USER, port, simulator.url.rsplit(":", 1)[1]))
    for name in ("info", "wait", "api", "action"):
        result = results[name]
        assert result.get("failed") is True, result
        assert named in result["msg"], (name, result["msg"])
        assert "could not connect to 127.0.0.1" not in result["msg"], result["msg"]
    # Nothing was sent, so the action was not "possibly applied".
    assert results["action"].get("possibly_applied") in (None, False), results["action"]
    assert PROXY_PASSWORD not in run.output and PROXY_PASSWORD not in result_path.read_text()
    assert "Traceback" not in run.output
    assert simulator.journal() == []
