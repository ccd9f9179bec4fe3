# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Faults are weather (issue 12), through ansible-playbook against the simulator, journal-counted.

- A burst of 503s and a 429 asking for Retry-After mid-wait: the wait rides them out and ends
  succeeded, and waits at least as long as OCP asked.
- A proxy that forwards an action to OCP and then drops the connection: the action took effect, so
  it is reported as carried out (never as "not sent", never sent twice).
- Unknown task ids among known ones: each is its own outcome, and the role still writes its report.
"""

from __future__ import annotations

import json
import socket
import threading

import pytest

from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.timestamps import parse_time

from action_helpers import FAULT_MESSAGE, create_tenant_task, failed_task, subtask_id, task_path
from harness import basic_auth_vars, run_playbook

POOL = "Create resource pool"
LIST_OR_TASK = "/api/v2/tasks/instances*"


def wait(simulator, tmp_path, tasks, policy, env=None, **options):
    result_path = tmp_path / "result.json"
    run = run_playbook("task_wait.yml", dict(basic_auth_vars(simulator), wait_tasks=tasks, wait_policy=policy,
                                             result_path=str(result_path), **options), env=env)
    assert run.returncode == 0 and "Traceback" not in run.output, run.output
    return run, json.loads(result_path.read_text())


@pytest.fixture
def faults_cleared(fast_clock):
    fast_clock.clear_faults()
    yield fast_clock
    fast_clock.clear_faults()


def test_a_burst_of_503s_and_a_429_with_retry_after_mid_wait_end_succeeded(faults_cleared, tmp_path):
    simulator = faults_cleared
    task = failed_task(simulator, failing_runs=(1, 1))
    retry_path = task_path(task["id"], "subtasks", subtask_id(task, POOL), "retry")
    simulator.clear_journal()
    # The first GET gets through; then five 503s and a 429 asking for 2 s, on every read of the task.
    simulator.add_fault({"match": {"method": "GET", "path": LIST_OR_TASK}, "nth": [2, 3, 4, 5, 6],
                         "status": 503})
    simulator.add_fault({"match": {"method": "GET", "path": LIST_OR_TASK}, "nth": [7], "status": 429,
                         "retry_after": 2})
    policy = {"rules": [{"match": {"log": "ERROR 4012"}, "action": "retry"}]}
    run, result = wait(simulator, tmp_path, [task["id"]], policy, wait_timeout=120, progress_interval=1)
    [outcome] = result["tasks"]
    assert outcome["outcome"] == "succeeded", result
    journal = simulator.journal()
    faulted = [entry for entry in journal if entry["fault"]]
    assert [entry["status"] for entry in faulted] == [503] * 5 + [429], faulted
    # OCP asked for 2 s after the 429: the next request came no sooner.
    after_429 = [entry for entry in journal if entry["time"] > faulted[-1]["time"]]
    assert after_429 and _seconds_between(faulted[-1]["time"], after_429[0]["time"]) >= 2
    assert [e["status"] for e in journal if e["method"] == "POST" and e["path"] == retry_path] == [200]
    assert "OCP answers again, after" in run.stdout


def _seconds_between(earlier, later):
    """Seconds between two journal times (ISO 8601, any number of fraction digits)."""
    return (parse_time(later, None) - parse_time(earlier, None)).total_seconds()


class ForwardThenDropProxy:
    """An HTTP proxy that passes each request on to OCP, reads OCP's answer, and for the POSTs
    closes the client's connection instead of passing the answer back (as a proxy that dies or
    times out after forwarding does). GETs are answered normally."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.dropped = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    @staticmethod
    def _read_request(client):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = client.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _sep, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        while len(body) < length:
            body += client.recv(65536)
        return head + b"\r\n\r\n" + body

    def _handle(self, client):
        with client:
            request = self._read_request(client)
            if not request:
                return
            with socket.create_connection(("127.0.0.1", self.target_port), timeout=30) as upstream:
                # Werkzeug takes the absolute-form request target a proxy receives; close after one answer.
                upstream.sendall(request.replace(b"\r\nConnection: keep-alive", b"\r\nConnection: close", 1))
                answer = b""
                while True:
                    chunk = upstream.recv(65536)
                    if not chunk:
                        break
                    answer += chunk
            if request.startswith(b"POST "):
                self.dropped += 1
                return  # OCP acted; the client never hears of it
            client.sendall(answer)

    def close(self):
        self.listener.close()


def test_a_proxy_that_forwards_an_action_and_drops_its_answer_is_not_never_sent(fast_clock, tmp_path):
    simulator = fast_clock
    task = failed_task(simulator, failing_runs=(1, 1))
    retry_path = task_path(task["id"], "subtasks", subtask_id(task, POOL), "retry")
    proxy = ForwardThenDropProxy(int(simulator.url.rsplit(":", 1)[1]))
    env = {"HTTP_PROXY": "http://127.0.0.1:%d" % proxy.port, "http_proxy": "http://127.0.0.1:%d" % proxy.port,
           "NO_PROXY": "", "no_proxy": ""}
    try:
        simulator.clear_journal()
        _run, result = wait(simulator, tmp_path, [task["id"]], {"rules": [{"action": "retry"}]}, env=env)
    finally:
        proxy.close()
    assert proxy.dropped == 1
    [outcome] = result["tasks"]
    assert outcome["outcome"] == "succeeded"
    [action] = outcome["actions"]
    assert action["result"] == "sent" and "carried it out" in action["note"]
    posts = [e for e in simulator.journal() if e["method"] == "POST"]
    assert [(e["path"], e["status"]) for e in posts] == [(retry_path, 200)]


def test_unknown_ids_among_known_ones_are_their_own_outcome_and_the_role_reports(fast_clock, tmp_path):
    simulator = fast_clock
    known = [failed_task(simulator, failing_runs=(1, 1)) for _index in range(2)]
    report_path, result_path = tmp_path / "report.json", tmp_path / "role.json"
    run = run_playbook("task_supervisor.yml", dict(
        basic_auth_vars(simulator), supervisor_tasks=[known[0]["id"], 999999, known[1]["id"]],
        supervisor_policy={"rules": [{"match": {"subtask_name": POOL}, "action": "retry"}]},
        report_path=str(report_path), result_path=str(result_path)))
    assert run.returncode != 0 and "Traceback" not in run.output  # 999999 did not succeed
    assert "task 999999 not_found (OCP knows no task with this id)" in run.output, run.output
    report = json.loads(report_path.read_text())
    assert [task["outcome"] for task in report["tasks"]] == ["succeeded", "not_found", "succeeded"]
    assert report["summary"]["not_found"] == 1 and report == json.loads(result_path.read_text())


def test_a_task_whose_subtask_fails_with_a_long_log_reports_the_cause_not_the_log(fast_clock, tmp_path):
    simulator = fast_clock
    task = create_tenant_task(simulator, {POOL: [{"fail_attempts": [1, 99], "message": FAULT_MESSAGE}]})
    _run, result = wait(simulator, tmp_path, [task["id"]], {}, fail_when_unsuccessful=False)
    [failed] = result["tasks"][0]["failed_subtasks"]
    assert failed["cause"] == FAULT_MESSAGE
