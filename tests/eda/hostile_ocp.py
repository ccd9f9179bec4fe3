# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OCP as an attacker can make it: the simulator behind a proxy on loopback that renames things
in every JSON answer. The simulator names a task as it is told and writes the log lines a fault
gives, but takes subtask names from its templates; in a real OCP a subtask's name and description
come from whoever defined the task or named the host, so the proxy gives them the text of a test.
Requests pass through unchanged (credentials, bodies, the methods), so every client, the
ocp_task_events source and the collection's modules alike, sees one consistent hostile OCP."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

# Headers of the answer worth passing on; the proxy sets Content-Length itself.
ANSWER_HEADERS = ("Content-Type", "Retry-After", "Allow", "X-Trace-Id")


def renamed(value, renames: dict[str, str]):
    """``value`` with every string that equals a key of ``renames`` replaced by its value."""
    if isinstance(value, dict):
        return {key: renamed(item, renames) for key, item in value.items()}
    if isinstance(value, list):
        return [renamed(item, renames) for item in value]
    if isinstance(value, str):
        return renames.get(value, value)
    return value


class HostileOcp:
    """A proxy at ``url`` to the simulator at ``upstream`` whose answers carry ``renames``."""

    def __init__(self, upstream: str, renames: dict[str, str]):
        self.upstream = upstream.rstrip("/")
        self.renames = renames
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {key: value for key, value in self.headers.items()
                           if key.lower() not in ("host", "content-length", "connection", "accept-encoding")}
                try:
                    answer = requests.request(self.command, proxy.upstream + self.path, headers=headers, data=body,
                                              allow_redirects=False, timeout=60)
                except requests.RequestException:
                    # No answer from the simulator (a dropped connection): none from the proxy either.
                    self.close_connection = True
                    return
                content = answer.content
                if "json" in answer.headers.get("Content-Type", ""):
                    try:
                        content = json.dumps(renamed(answer.json(), proxy.renames), ensure_ascii=False).encode()
                    except ValueError:
                        pass  # a body the simulator cut off on purpose goes on as it is
                self.send_response(answer.status_code)
                for name in ANSWER_HEADERS:
                    if name in answer.headers:
                        self.send_header(name, answer.headers[name])
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PUT = do_DELETE = _forward

            def log_message(self, *_args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        # A daemon thread: the proxy ends with the test process at the latest.
        self._thread = threading.Thread(target=self._server.serve_forever, name="hostile-ocp", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
