# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A broken or hostile OCP that answers malformed tasks gets clear errors, never a Python error, and
costs no other task:

- ocp_task_info on a malformed task fails naming the task, the field and what was found (escaped
  and cut): JSON nested too deeply to decode, or deeper than any task, ``subtasks`` that is no list,
  subtask entries that are no objects, missing or wrong-typed fields, subtask ids that are no
  positive integers, an answer for another task, error codes such as "²" or an object;
- a list gives its well-formed entries and names the malformed ones (``malformed``, a warning),
  whether the entry itself or the task's detail is malformed;
- ocp_task_wait, with few tasks (each read) and with many (the list watched), ends each malformed
  task ``unreadable`` with the reason and supervises the others to their end;
- the task_supervisor role supervises what a filter found, malformed entries with an id included,
  and its report and set_stats count every task.

The hostile server is http.server on 127.0.0.1 in a thread of this test: every task, list and log
answer comes from the tables below. Many malformations run in one ansible-playbook run.
"""

from __future__ import annotations

import json
import re
import socketserver
import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlsplit

import pytest

from harness import run_playbook, run_reliability_cases

TASKS_PATH = "/api/v2/tasks/instances"
TIME = "2024-05-01T12:00:00.000+08:00"
DONE, FAILED = 1, 3
# Not a part of any text the server sends: Ansible masks the password wherever it shows.
PASSWORD = "Hostile-0cp-Pa55"


def subtask(subtask_id, status="SUCCESSFUL", **fields):
    return dict(dict(id=subtask_id, name="Create resource pool", description="on host 10.0.0.4", status=status,
                     operation="EXECUTE", runTime=1, startTime=TIME, finishTime=TIME), **fields)


def task(task_id, status="FAILED", subtasks=None, **fields):
    if subtasks is None:
        subtasks = [subtask(task_id * 10, status="FAILED" if status == "FAILED" else "SUCCESSFUL")]
    return dict(dict(id=task_id, name="Create tenant", status=status, operation="EXECUTE", startTime=TIME,
                     finishTime=TIME, taskDefinitionId=2, subtasks=subtasks), **fields)


def without(mapping, key):
    return dict((name, value) for name, value in mapping.items() if name != key)


def nested(depth):
    return "[" * depth + "]" * depth


HOSTILE_KEY = "\x1b]0;pwned\x07\u202e"
# Each malformed task: (what OCP answers for it, what the message must say).
MALFORMED = {
    101: ('{"successful": true, "data": {"id": 101, "status": "FAILED", "x": %s}}' % nested(100000),
          "the answer is JSON nested too deeply to be read"),
    102: ('{"successful": true, "data": {"id": 102, "status": "FAILED", "context": %s}}' % nested(600),
          "task 102: context is nested deeper than 32 levels"),
    103: (task(103, subtasks={"a": 1}), "task 103: subtasks is not a list (found an object with key(s) a)"),
    104: (task(104, subtasks=[7, "x"]), "task 104, subtasks[0]: it is not an object (found 7)"),
    105: (without(task(105), "status"), "task 105: status is missing"),
    106: (task(106, status={"a": 1}), "task 106: status is not a string (found an object with key(s) a)"),
    107: (task(999), "task 107: it is the answer for task 999"),
    108: (task("abc"), "task 108: id is not a positive integer (found 'abc')"),
    109: (task(109, name={"zh": "x"}), "task 109: name is not a string (found an object with key(s) zh)"),
    110: (task(110, finishTime=[1]), "task 110: finishTime is not a string (found a list of 1 item(s))"),
    111: (task(111, operation=5), "task 111: operation is not a string (found 5)"),
    112: (task(112, subtasks=[subtask(0, "FAILED")]), "task 112, subtasks[0]: id is not a positive integer (found 0)"),
    113: (task(113, subtasks=[subtask(-1)]), "task 113, subtasks[0]: id is not a positive integer (found -1)"),
    114: (task(114, subtasks=[subtask(None)]), "task 114, subtasks[0]: id is not a positive integer (found null)"),
    115: (task(115, subtasks=[subtask("x")]), "task 115, subtasks[0]: id is not a positive integer (found 'x')"),
    116: (task(116, subtasks=[subtask(1.5)]), "task 116, subtasks[0]: id is not a positive integer (found 1.5)"),
    117: (task(117, subtasks=[subtask(True)]), "task 117, subtasks[0]: id is not a positive integer (found true)"),
    118: (task(118, subtasks=[subtask("\u00b2")]),
          "task 118, subtasks[0]: id is not a positive integer (found '\u00b2')"),
    119: (task(119, subtasks=[subtask(1190, upstreams=[[1]])]),
          "task 119, subtask 1190: upstreams[0] is not a positive integer (found a list of 1 item(s))"),
    120: (task(120, subtasks=[subtask(1200, runTime="x")]), "task 120, subtask 1200: runTime is not an integer (found 'x')"),
    121: ({"successful": True, "data": [121]}, "task 121: the envelope has no data object (found a list of 1 item(s))"),
    # OCP's text in a message is escaped and cut.
    122: (task(122, subtasks={HOSTILE_KEY: 1}),
          "task 122: subtasks is not a list (found an object with key(s) \\x1b]0;pwned\\x07\\u202e)"),
    123: (task(123, subtasks=[subtask("y" * 5000)]),
          "task 123, subtasks[0]: id is not a positive integer (found '%s... [4960 more characters]')" % ("y" * 40)),
}
# Error answers whose code is malformed: (HTTP status, code, what the message must say).
ERROR_CODES = {
    140: (400, "\u00b2", "OCP rejected the request as invalid: refused (GET /api/v2/tasks/instances/140, HTTP 400)"),
    141: (404, {"a": 1}, "not found: the task or subtask does not exist: refused (GET /api/v2/tasks/instances/141, HTTP 404)"),
    142: (409, "\u0662\u0660", "OCP answered with an unexpected HTTP status: refused (GET /api/v2/tasks/instances/142, "
                               "HTTP 409)"),
}
DETAILS = {DONE: task(DONE, status="SUCCESSFUL"), FAILED: task(FAILED)}
# The task list: three good entries (task 121's detail is malformed), three without an id that can
# be read, two malformed with one.
ENTRIES = [DETAILS[DONE], DETAILS[FAILED], task(121), without(task(200), "id"), task("abc"), 5, MALFORMED[103][0],
           MALFORMED[112][0]]
UNIDENTIFIED = ["entry 4 of page 1 of the task list: id is not a positive integer (found null)",
                "entry 5 of page 1 of the task list: id is not a positive integer (found 'abc')",
                "entry 6 of page 1 of the task list: it is not an object (found 5)"]
KNOWN_STATUSES = ("RUNNING", "FAILED", "SUCCESSFUL")
LOG = "2024-05-01 12:00:01.000 ERROR [executor-1,ab] c.o.o.Task : ERROR 4012 (HY000): Timeout"


def _answer(data):
    return {"successful": True, "status": 200, "traceId": "0123456789abcdef", "data": data}


class MalformedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _send(self, status, body):
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self):  # noqa: N802 (http.server's name)
        # No action may be sent on a task whose answer is malformed: refused, and counted.
        self.server.requests.append(("POST", self.path))
        self._send(400, {"successful": False, "status": 400, "error": {"code": 10001, "message": "refused"}})

    def do_GET(self):  # noqa: N802 (http.server's name)
        url = urlsplit(self.path)
        self.server.requests.append(("GET", url.path))
        if url.path == TASKS_PATH:
            # Filtered by status as OCP filters; what has no status OCP knows passes (hostile, it sends what it likes).
            asked = dict(parse_qsl(url.query)).get("status")
            entries = [entry for entry in ENTRIES if not asked or not isinstance(entry, dict)
                       or entry.get("status") in asked.split(",") or entry.get("status") not in KNOWN_STATUSES]
            return self._send(200, _answer({"contents": entries, "page": {
                "totalElements": len(entries), "totalPages": 1, "number": 1, "size": 2000}}))
        if url.path.endswith("/log"):
            return self._send(200, _answer({"log": LOG}))
        found = re.fullmatch(TASKS_PATH + r"/(\d+)", url.path)
        task_id = int(found.group(1)) if found else None
        if task_id in ERROR_CODES:
            status, code, _message = ERROR_CODES[task_id]
            return self._send(status, {"successful": False, "status": status,
                                       "error": {"code": code, "message": "refused"}})
        if task_id in MALFORMED:
            answer = MALFORMED[task_id][0]
            if isinstance(answer, str):
                return self._send(200, answer.encode())
            return self._send(200, answer if "successful" in answer else _answer(answer))
        if task_id in DETAILS:
            return self._send(200, _answer(DETAILS[task_id]))
        return self._send(404, {"successful": False, "status": 404, "error": {"code": 20000, "message": "no task"}})


class MalformedServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture
def hostile():
    server = MalformedServer(("127.0.0.1", 0), MalformedHandler)
    server.requests = []
    server.url = "http://127.0.0.1:%d" % server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _connection(server):
    return dict(api_url=server.url, username="admin", password=PASSWORD, request_retries=0)


def _case(name, module, server, **args):
    return dict(name=name, module=module, args=dict(_connection(server), **args))


# What a Python error looks like in ansible-playbook's output, on the cores this collection supports
# (not "Module failed": ansible-core 2.19 puts it before every module's own failure message).
PYTHON_ERRORS = ("Traceback", "MODULE FAILURE", "An exception occurred", "maximum recursion depth",
                 "RecursionError", "TypeError", "ValueError", "KeyError", "AttributeError", "invalid literal")


def _no_python_error(run):
    for marker in PYTHON_ERRORS:
        assert marker not in run.output, run.output


def _outcomes(result):
    return dict((entry["id"], entry["outcome"]) for entry in result["tasks"])


def test_malformed_answers_are_clear_errors_and_cost_no_other_task(hostile, tmp_path):
    cases = [_case("info %d" % task_id, "info", hostile, task_id=task_id) for task_id in sorted(MALFORMED)]
    cases += [_case("info %d" % task_id, "info", hostile, task_id=task_id) for task_id in sorted(ERROR_CODES)]
    cases += [
        _case("list", "info", hostile, all_pages=True),
        _case("list with logs", "info", hostile, status=["FAILED"], subtask_logs="failed", size=100),
        _case("action", "task", hostile, task_id=112, action="retry"),
        _case("subtask action", "subtask", hostile, task_id=118, subtask_id=1180, action="retry"),
        # ocp_api hands OCP's answer back as it is: only what Ansible could not carry is malformed to it.
        _case("api, nested too deeply", "api", hostile, path="%s/101" % TASKS_PATH),
        _case("api, nested deeply", "api", hostile, path="%s/102" % TASKS_PATH),
        # Three tasks are read one by one; six are watched through the list.
        _case("wait, read", "wait", hostile, tasks=[DONE, 112, 103], wait_timeout=30, wait_sleep=0.2),
        _case("wait, listed", "wait", hostile, tasks=[DONE, FAILED, 103, 112, 118, 121], wait_timeout=30,
              wait_sleep=0.2),
    ]
    role_cases = [dict(name="role, filter", vars=dict(
        task_supervisor_filter={"status": ["FAILED"]}, task_supervisor_fail_on_unsuccessful=False,
        task_supervisor_report_path=str(tmp_path / "report.json")))]
    run, results, role_results = run_reliability_cases(
        tmp_path, cases, role_cases, extra_vars=dict(ocp_url=hostile.url, ocp_username="admin", ocp_password=PASSWORD))
    _no_python_error(run)

    for task_id, (_answer_sent, message) in MALFORMED.items():
        result = results["info %d" % task_id]
        assert result["failed"] is True, result
        assert result["msg"].startswith("OCP's answer is malformed: "), result["msg"]
        assert message in result["msg"], (message, result["msg"])
        assert "/api/v2/tasks/instances/%d" % task_id in result["msg"]
    for char in ("\x1b", "\x07", "\u202e"):
        assert char not in results["info 122"]["msg"]
    assert len(results["info 123"]["msg"]) < 300
    for task_id, (_status, _code, message) in ERROR_CODES.items():
        result = results["info %d" % task_id]
        assert result["failed"] is True and result["msg"] == message, result["msg"]
        assert result["error"]["code"] is None

    listed = results["list"]
    assert listed["failed"] is False, listed
    assert [entry["id"] for entry in listed["tasks"]] == [DONE, FAILED, 121]
    assert listed["malformed"] == [dict(id=None, reason=reason) for reason in UNIDENTIFIED] + [
        dict(id=103, reason=MALFORMED[103][1]), dict(id=112, reason=MALFORMED[112][1])]
    assert "OCP sent 5 task(s) that cannot be read, left out of tasks and listed in malformed" in run.unwrapped_output

    # The entry of task 121 is well formed, its detail is not: read for its logs, it moves to malformed.
    with_logs = results["list with logs"]
    assert [entry["id"] for entry in with_logs["tasks"]] == [FAILED]
    assert with_logs["tasks"][0]["failed_subtasks"][0]["cause"] == "ERROR 4012 (HY000): Timeout"
    assert [entry["id"] for entry in with_logs["malformed"]] == [None, None, None, 103, 112, 121]
    assert with_logs["malformed"][-1]["reason"] == MALFORMED[121][1]

    # The read before the POST shows the task malformed: nothing is sent.
    action = results["action"]
    assert action["failed"] is True and MALFORMED[112][1] in action["msg"], action
    subtask_action = results["subtask action"]
    assert subtask_action["failed"] is True and MALFORMED[118][1] in subtask_action["msg"], subtask_action
    assert [request for request in hostile.requests if request[0] != "GET"] == []
    api_deep = results["api, nested too deeply"]
    assert api_deep["failed"] is True, api_deep
    assert api_deep["msg"].startswith("OCP's answer is malformed: the answer is JSON nested too deeply"), api_deep
    api_nested = results["api, nested deeply"]
    assert api_nested["failed"] is True and api_nested["possibly_applied"] is False, api_nested
    assert api_nested["msg"].startswith("OCP's answer is malformed: context is nested deeper than 32 levels"), api_nested

    read = results["wait, read"]
    assert _outcomes(read) == {DONE: "succeeded", 112: "unreadable", 103: "unreadable"}
    assert read["summary"]["total"] == 3 and read["summary"]["unreadable"] == 2
    assert read["msg"].startswith("2 of 3 task(s) did not succeed"), read["msg"]
    for task_id in (112, 103):
        assert MALFORMED[task_id][1] in read["msg"], read["msg"]
    assert "nothing more is done to this task; the other tasks are supervised all the same" in read["msg"]

    watched = results["wait, listed"]
    assert _outcomes(watched) == {DONE: "succeeded", FAILED: "failed", 103: "unreadable", 112: "unreadable",
                                  118: "unreadable", 121: "unreadable"}
    assert watched["summary"]["total"] == 6 and watched["summary"]["unreadable"] == 4
    assert [entry["cause"] for entry in _task(watched, FAILED)["failed_subtasks"]] == ["ERROR 4012 (HY000): Timeout"]
    # Ansible prints the warnings (and keeps them out of the registered result).
    warning = run.unwrapped_output.split("OCP listed tasks whose id cannot be read", 1)[1].split("\n", 1)[0]
    assert all(reason.split(": ", 1)[1] in warning for reason in UNIDENTIFIED), warning

    role = role_results["role, filter"]
    assert role["failed"] is False, role
    report = role["result"]
    assert _outcomes(report) == {FAILED: "failed", 121: "unreadable", 103: "unreadable", 112: "unreadable"}
    assert report["summary"]["total"] == 4 and report == json.loads((tmp_path / "report.json").read_text())


def _task(result, task_id):
    return next(entry for entry in result["tasks"] if entry["id"] == task_id)


def stats_of(run) -> dict:
    recap = run.stdout.split("CUSTOM STATS", 1)[1]
    return json.loads(re.search(r"RUN: (\{.*\})", recap, flags=re.S).group(1))["task_supervisor"]


def test_the_role_reports_and_records_every_task_when_some_are_malformed(hostile, tmp_path):
    extra_vars = dict(ocp_url=hostile.url, ocp_username="admin", ocp_password=PASSWORD,
                      supervisor_tasks=[DONE, 112, 102], result_path=str(tmp_path / "result.json"))
    run = run_playbook("task_supervisor.yml", extra_vars, env={"ANSIBLE_SHOW_CUSTOM_STATS": "1"})
    _no_python_error(run)
    assert run.returncode != 0  # two tasks did not succeed: the role fails, after its report
    result = json.loads((tmp_path / "result.json").read_text())
    assert _outcomes(result) == {DONE: "succeeded", 112: "unreadable", 102: "unreadable"}
    stats = stats_of(run)
    assert stats["outcomes"] == [{"id": DONE, "outcome": "succeeded", "actions": 0},
                                 {"id": 112, "outcome": "unreadable", "actions": 0},
                                 {"id": 102, "outcome": "unreadable", "actions": 0}]
    assert stats["summary"]["total"] == 3 and stats["summary"]["unreadable"] == 2 and "error" not in stats
    assert "2 of 3 task(s) did not succeed" in run.unwrapped_output
