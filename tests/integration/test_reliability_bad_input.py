# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input through ansible-playbook: a few cases of each module (every case runs in-process in
tests/unit/plugins/modules/test_bad_input.py, from the same table) and every case of the
task_supervisor role, whose argument specs only ansible-playbook applies. Each case must fail with
a message naming the problem, without a traceback, and before any request reaches OCP.

All the cases run in one ansible-playbook run (reliability_cases.yml); each is then checked
as its own test. Every case that names a task uses its own task id, so a request that slipped
through shows in the journal which case sent it.
"""

from __future__ import annotations

import re

import pytest

from ansible_collections.oceanbase.ocp.tests.unit.plugins.modules.bad_input_cases import (
    TYPE_INT, URL_PASSWORD, cases, with_ids)
from harness import ADMIN_USER, basic_auth_vars, run_reliability_cases

# Through a real playbook, per module: the password in api_url (Ansible's own masking of the
# invocation), a non-finite number (Ansible's own conversion) and one of the module's own options.
PLAYBOOK_CASES = ("api_url with a password", "request_timeout nan", "unknown option", "task_id not an int",
                  "action unknown", "tasks missing", "path without /api/", "policy rule action unknown")

ROLE_CASES = [
    ("nothing to supervise", {}, r"Set task_supervisor_tasks .* or task_supervisor_filter"),
    # One reference may stand for the list (a registered ocp_api result); this one names no task.
    ("tasks a dict naming no task", {"task_supervisor_tasks": {"id": "x"}},
     r"a task reference must be a positive task id \(ASCII digits\), got 'x'"),
    ("task id zero", {"task_supervisor_tasks": [0]}, r"a task reference must be a positive task id \(ASCII digits\), got 0"),
    ("filter not a dict", {"task_supervisor_filter": ["FAILED"]}, r"task_supervisor_filter.*(?:dict|type)"),
    ("filter value of a wrong type", {"task_supervisor_filter": {"cluster_id": "obcluster"}}, TYPE_INT),
    ("filter status unknown", {"task_supervisor_filter": {"status": ["DONE"]}},
     r"value of status must be one or more of: RUNNING, FAILED, SUCCESSFUL"),
    ("policy not a dict", {"task_supervisor_tasks": ["NEXT"], "task_supervisor_policy": ["retry"]},
     r"task_supervisor_policy.*(?:dict|type)"),
    ("policy invalid", {"task_supervisor_tasks": ["NEXT"], "task_supervisor_policy": {"rules": [{"action": "fix"}]}},
     r"invalid policy: rules\[0\] key action must be one of"),
    ("wait_timeout not a number", {"task_supervisor_tasks": ["NEXT"], "task_supervisor_wait_timeout": "1h"},
     r"task_supervisor_wait_timeout.*(?:float|convert)"),
    ("wait_timeout negative", {"task_supervisor_tasks": ["NEXT"], "task_supervisor_wait_timeout": -1},
     r"wait_timeout must be 0 or more seconds, got -1"),
    ("wait_timeout nan", {"task_supervisor_tasks": ["NEXT"], "task_supervisor_wait_timeout": "nan"},
     r"wait_timeout must be a finite number, got nan"),
    ("wait_sleep zero", {"task_supervisor_tasks": ["NEXT"], "task_supervisor_wait_sleep": 0},
     r"wait_sleep must be more than 0 seconds"),
    ("progress_interval negative", {"task_supervisor_tasks": ["NEXT"], "task_supervisor_progress_interval": -2},
     r"progress_interval must be a number of seconds above 0, got -2"),
    ("fail_on_unsuccessful not a bool", {"task_supervisor_tasks": ["NEXT"],
                                         "task_supervisor_fail_on_unsuccessful": "often"},
     r"task_supervisor_fail_on_unsuccessful.*(?:bool|convert)"),
]


def _connection(simulator):
    return {"api_url": simulator.url, "username": ADMIN_USER[0], "password": ADMIN_USER[1]}


def _module_cases(simulator):
    return [case for case in cases(_connection(simulator)) if case["name"].split(": ", 1)[1] in PLAYBOOK_CASES]


def _role_cases():
    return [dict(name="role: " + name, vars=with_ids(variables), message=message)
            for name, variables, message in ROLE_CASES]


CASE_NAMES = [case["name"] for case in cases({})
              if case["name"].split(": ", 1)[1] in PLAYBOOK_CASES] + ["role: " + case[0] for case in ROLE_CASES]


@pytest.fixture(scope="module")
def matrix(simulator, tmp_path_factory):
    """Every case in one playbook run; the journal of what reached the simulator meanwhile."""
    cases, role_cases = _module_cases(simulator), _role_cases()
    simulator.clear_journal()
    run, results, role_results = run_reliability_cases(
        tmp_path_factory.mktemp("bad-input"), cases, role_cases, extra_vars=basic_auth_vars(simulator))
    messages = {case["name"]: case["message"] for case in cases + role_cases}
    return run, dict(results, **role_results), messages, simulator.journal()


def test_no_request_reached_ocp(matrix):
    _run, _results, _messages, journal = matrix
    assert journal == [], "requests were sent (the task id names the case):\n%s" % "\n".join(
        "%s %s?%s" % (entry["method"], entry["path"], entry["query"]) for entry in journal)


def test_a_password_in_api_url_shows_nowhere_in_the_results(matrix):
    """Neither in the message nor in the module's invocation. (The output shows each case's own
    arguments as the loop item; test_reliability_secrets.py searches the output at -vvvv.)"""
    _run, results, _messages, _journal = matrix
    refused = [name for name in results if name.endswith(": api_url with a password")]
    assert len(refused) == 5, refused  # every module
    for name in refused:
        returned = {key: value for key, value in results[name].items() if key != "case"}
        assert "********" in str(returned) and URL_PASSWORD not in str(returned), returned


def test_no_traceback_anywhere(matrix):
    run, results, _messages, _journal = matrix
    assert "Traceback" not in run.output
    # A module that crashed reports its output as module_stderr; Ansible 2.19 adds an
    # "exception" key to every failure, with a traceback only when there was one.
    crashed = [name for name, result in results.items()
               if "module_stderr" in result or "Traceback" in str(result.get("exception", ""))]
    assert not crashed


@pytest.mark.parametrize("name", CASE_NAMES)
def test_bad_input_fails_with_a_clear_message(matrix, name):
    _run, results, messages, _journal = matrix
    result = results[name]
    assert result.get("failed") is True, result
    assert re.search(messages[name], result.get("msg", "")), "%r not in %r" % (messages[name], result.get("msg"))


def test_role_rejects_a_filter_key_it_does_not_know(simulator, tmp_path):
    """A misspelt filter key must not widen the selection to every task of OCP, which the
    policy would then act on. (Its own run: when it fails, it sends requests.)"""
    case = dict(name="role: filter key unknown", vars={"task_supervisor_filter": {"cluster": "obcluster"}})
    simulator.clear_journal()
    run, _results, role_results = run_reliability_cases(tmp_path, [], [case], extra_vars=basic_auth_vars(simulator))
    result = role_results[case["name"]]
    assert result["failed"] is True, result
    assert re.search(r"task_supervisor_filter.*\bcluster\b", result["msg"]), result["msg"]
    assert "Traceback" not in run.output
    assert simulator.journal() == []
