# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A hostile or broken OCP on loopback cannot hold us past a deadline, loop us, or forge our output.

- an answer sent a byte a second (headers or body), or one that never ends, ends within the
  bound request_timeout sets on the whole answer (3 s here: the run ends within 12 s);
- a task list that never ends (full pages, the same ids, a huge totalPages) ends with an error,
  through all_pages, within 50 s;
- progress lines of a task whose name carries ESC, BEL, CR and a bidi override print none raw.

The hostile server is http.server on 127.0.0.1 in a thread of this test, stopped by the test.
"""

from __future__ import annotations

import json
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler

import pytest

from harness import ADMIN_USER, run_reliability_cases

TIMEOUT = 3
HOSTILE_NAME = "Create tenant \x1b[2J\x1b]0;pwned\x07\rdone, 1 succeeded \u202eesrever"
RAW = ("\x1b", "\x07", "\r", "\u202e")


def _page_of_tasks(count):
    tasks = [{"id": 1000 + index, "name": "Create tenant", "status": "RUNNING", "subtasks": [],
              "taskDefinitionId": 2} for index in range(count)]
    return {"successful": True, "status": 200, "traceId": "0123456789abcdef",
            "data": {"contents": tasks, "page": {"totalElements": 10 ** 12, "totalPages": 10 ** 9, "number": 1,
                                                 "size": count}}}


class HostileHandler(BaseHTTPRequestHandler):
    """What the server does is the path's first segment after /api/v2: trickle, trickle-headers,
    endless, or the task list that never ends."""

    protocol_version = "HTTP/1.1"
    mode = "trickle"
    page = json.dumps(_page_of_tasks(2000)).encode()

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 (http.server's name)
        try:
            getattr(self, "_" + self.server.mode.replace("-", "_"))()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as it should

    def _trickle(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self._slowly(b'{"successful": true, "data": {"x": "' + b"y" * 99000)

    def _trickle_headers(self):
        self._slowly(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: " + b"p" * 10000)

    def _endless(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        while not self.server.stopping.is_set():
            self.wfile.write(b"400\r\n" + b" " * 1024 + b"\r\n")
            self.wfile.flush()
            time.sleep(0.01)

    def _endless_list(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.page)))
        self.end_headers()
        self.wfile.write(self.page)

    def _slowly(self, data):
        for index in range(len(data)):
            if self.server.stopping.is_set():
                return
            self.wfile.write(data[index:index + 1])
            self.wfile.flush()
            time.sleep(1)


class HostileServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture
def hostile():
    server = HostileServer(("127.0.0.1", 0), HostileHandler)
    server.stopping = threading.Event()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.stopping.set()
    server.shutdown()
    server.server_close()


def _info_case(server, **args):
    given = dict(api_url="http://127.0.0.1:%d" % server.server_address[1], username="admin", password="pw",
                 request_timeout=TIMEOUT)
    given.update(args)
    return dict(name="info", module="info", args=given)


@pytest.mark.parametrize("mode", ["trickle", "trickle-headers", "endless"])
def test_an_answer_that_crawls_or_never_ends_is_cut_at_request_timeout(hostile, tmp_path, mode):
    hostile.mode = mode
    started = time.monotonic()
    # Headers that crawl are no answer yet, and a GET without one is sent again (as after requests'
    # own read timeout): the bound then holds per attempt; here, one attempt.
    retries = dict(request_retries=0) if mode == "trickle-headers" else {}
    run, results, _role = run_reliability_cases(tmp_path, [_info_case(hostile, task_id=1, **retries)])
    elapsed = time.monotonic() - started
    result = results["info"]
    assert result["failed"] is True, result
    assert "did not arrive whole within request_timeout (3" in result["msg"], result["msg"]
    assert ("no answer came" if mode == "trickle-headers" else "the answer was still coming") in result["msg"]
    assert "Traceback" not in run.output
    # ansible-playbook's own start and end take a few seconds of it.
    assert elapsed < 12, elapsed


def test_a_task_list_that_never_ends_stops_with_an_error(hostile, tmp_path):
    hostile.mode = "endless-list"
    started = time.monotonic()
    run, results, _role = run_reliability_cases(tmp_path, [_info_case(hostile, all_pages=True, request_timeout=30)])
    elapsed = time.monotonic() - started
    result = results["info"]
    assert result["failed"] is True, result
    assert "OCP kept serving pages of tasks: listing stopped after 50 pages and 100000 tasks" in result["msg"]
    assert "totalPages=1000000000" in result["msg"]
    assert elapsed < 50, elapsed
    assert "Traceback" not in run.output


def test_progress_lines_print_no_control_or_bidi_character_raw(simulator, frozen_clock, tmp_path):
    task = simulator.create_task("create_tenant", tenant_id=1002, name=HOSTILE_NAME)
    # Not failing the play, so that the output holds the progress lines only (a failure prints the
    # result's data, OCP's names as they are, JSON-escaped).
    case = dict(name="wait", module="wait", args=dict(
        api_url=simulator.url, username=ADMIN_USER[0], password=ADMIN_USER[1], tasks=[task["id"]],
        wait_timeout=1, wait_sleep=0.2, progress_interval=0.5, fail_when_unsuccessful=False))
    run, results, _role = run_reliability_cases(tmp_path, [case])
    progress = [line for line in run.stdout.splitlines() if "ocp_task_wait:" in line]
    assert any("task %d" % task["id"] in line for line in progress), run.stdout
    for char in RAW:
        assert char not in run.stdout, repr(char)
    assert "\\x1b[2J" in run.stdout and "\\u202e" in run.stdout
    assert results["wait"]["tasks"][0]["id"] == task["id"]
