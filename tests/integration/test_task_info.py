# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""oceanbase.ocp.ocp_task_info end to end: ansible-playbook against the simulator over HTTP(S)."""

from __future__ import annotations

import re

import pytest

from harness import (ACCESS_KEY, ADMIN_USER, SECRETIVE_USER, access_key_vars, assert_failed_with, basic_auth_vars,
                     run_playbook)


def assert_succeeded(run):
    assert run.returncode == 0, run.output
    assert re.search(r"localhost\s+: ok=\d+\s+changed=0\s+unreachable=0\s+failed=0", run.stdout), run.stdout


@pytest.mark.core_matrix
@pytest.mark.parametrize("transport", ["http", "https"])
@pytest.mark.parametrize("auth", ["basic", "access_key"])
def test_reads_tasks_every_way(request, transport, auth):
    simulator = request.getfixturevalue("simulator" if transport == "http" else "tls_simulator")
    simulator.clear_journal()
    variables = basic_auth_vars(simulator) if auth == "basic" else access_key_vars(simulator)

    run = run_playbook("task_info.yml", variables)

    assert_succeeded(run)
    # The first page of more, and a list stopped at its limit, say so.
    assert re.search(r"\[WARNING\]: returned 5 of the \d+ matching tasks \(the first page, size 5\); set all_pages: "
                     r"true", run.unwrapped_output), run.output
    assert re.search(r"\[WARNING\]: returned the first 7 of the \d+ matching tasks: all_pages stopped at limit 7",
                     run.unwrapped_output), run.output
    journal = simulator.journal()
    assert journal, "the playbook sent no request"
    assert {entry["method"] for entry in journal} == {"GET"}
    assert {entry["status"] for entry in journal} == {200}
    expected_identity = ADMIN_USER[0] if auth == "basic" else ACCESS_KEY[0]
    assert {entry["identity"] for entry in journal} == {expected_identity}


def test_all_pages_reads_in_pages_of_2000(simulator):
    simulator.clear_journal()
    run = run_playbook("task_info_args.yml", {"module_args": {
        "api_url": simulator.url, "username": ADMIN_USER[0], "password": ADMIN_USER[1], "all_pages": True}})
    assert_succeeded(run)
    lists = [entry for entry in simulator.journal() if entry["path"] == "/api/v2/tasks/instances"]
    assert len(lists) == 1
    assert "size=2000" in lists[0]["query"]


def test_check_mode_reads_and_changes_nothing(simulator):
    simulator.clear_journal()
    run = run_playbook("task_info.yml", basic_auth_vars(simulator), check=True)
    assert_succeeded(run)
    assert {entry["method"] for entry in simulator.journal()} == {"GET"}


def test_connection_from_environment_variables(simulator):
    env = {"OCP_URL": simulator.url, "OCP_USERNAME": ADMIN_USER[0], "OCP_PASSWORD": ADMIN_USER[1]}
    run = run_playbook("task_info_args.yml", {"module_args": {"size": 1}}, env=env)
    assert_succeeded(run)
    assert '"total":' in run.stdout


@pytest.mark.core_matrix
def test_https_without_the_ca_fails_and_names_the_cure(tls_simulator):
    variables = basic_auth_vars(tls_simulator)
    del variables["ocp_ca_path"]
    run = run_playbook("task_info.yml", variables)
    assert_failed_with(run, r"(?i)certificate verify failed", r"ca_path")


def connection_args(simulator, user=ADMIN_USER):
    return {"api_url": simulator.url, "username": user[0], "password": user[1]}


BAD_INPUT = {
    "missing URL": ({"api_url": None}, r"no api_url: give the api_url option or set the OCP_URL environment variable"),
    "both credential pairs": ({"access_key_id": "AK", "access_key_secret": "SK"},
                              r"give either username/password \(OCP_USERNAME/OCP_PASSWORD\) or access_key_id"),
    "no credentials": ({"username": None, "password": None},
                       r"no credentials: give username and password \(or set OCP_USERNAME and OCP_PASSWORD\)"),
    "half a pair": ({"password": None}, r"username and password go together: got username without password"),
    "non-integer id": ({"task_id": "twelve"}, r"argument 'task_id' is of type .* unable to convert to int"),
    "negative id": ({"task_id": -3}, r"task_id must be a positive integer, got -3"),
    "size 0": ({"size": 0}, r"size must be between 1 and 2000, got 0"),
    "size 5000": ({"size": 5000}, r"size must be between 1 and 2000, got 5000"),
    "unknown status": ({"status": ["DONE"]}, r"value of status must be one or more of: RUNNING, FAILED, SUCCESSFUL"),
    "bad sort": ({"sort": "id desc"}, r"sort must look like 'field,asc' or 'field,desc'"),
    "id with filters": ({"task_id": 1, "cluster_id": 1}, r"task_id reads one task and cannot be combined"),
    "subtask without task": ({"subtask_id": 5}, r"subtask_id requires task_id"),
    "page with all_pages": ({"page": 2, "all_pages": True}, r"page and all_pages are mutually exclusive"),
    "limit without all_pages": ({"limit": 5}, r"limit applies only with all_pages"),
    "zero timeout": ({"request_timeout": 0}, r"request_timeout must be"),
    "URL without scheme": ({"api_url": "ocp.example.com:8080"}, r"api_url must"),
}


@pytest.mark.core_matrix
@pytest.mark.parametrize("tool", ["ocp_task_info", "ocp_task_wait"])
def test_empty_ocp_variables_count_as_unset(simulator, tool):
    """AWX sets every variable a credential type names, empty for the fields left blank: an
    access key credential comes with OCP_USERNAME and OCP_PASSWORD set to ''."""
    env = {"OCP_URL": simulator.url, "OCP_USERNAME": "", "OCP_PASSWORD": "", "OCP_ACCESS_KEY_ID": ACCESS_KEY[0],
           "OCP_ACCESS_KEY_SECRET": ACCESS_KEY[1], "OCP_CA_PATH": "", "OCP_VALIDATE_CERTS": "",
           "OCP_REQUEST_TIMEOUT": "", "OCP_REQUEST_RETRIES": ""}
    task_id = simulator.create_task("create_tenant", cluster_id=1, tenant_id=1003, state="finished")["id"]
    simulator.clear_journal()
    args = {"task_id": task_id} if tool == "ocp_task_info" else {"tasks": [task_id], "wait_timeout": 5}
    run = run_playbook("module_args.yml", {"module": tool, "module_args": args}, env=env)
    assert run.returncode == 0, run.output
    assert {entry["identity"] for entry in simulator.journal()} == {ACCESS_KEY[0]}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_fails_clearly_before_any_request(simulator, case):
    overrides, message = BAD_INPUT[case]
    module_args = {**connection_args(simulator), **overrides}
    module_args = {key: value for key, value in module_args.items() if value is not None}
    simulator.clear_journal()

    run = run_playbook("task_info_args.yml", {"module_args": module_args})

    assert_failed_with(run, message)
    assert "Traceback" not in run.output
    assert simulator.journal() == []


API_ERRORS = {
    "wrong password": (lambda sim: {**connection_args(sim), "password": "wrong", "task_id": 1},
                       r"(?i)authentication failed.*HTTP 401"),
    "unknown access key": (lambda sim: {"api_url": sim.url, "access_key_id": "AKNOPE",
                                        "access_key_secret": "nope", "task_id": 1},
                           r"(?i)authentication failed.*HTTP 401"),
    "no permission": (lambda sim: {**connection_args(sim, ("outsider", "outsider")), "size": 1},
                      r"(?i)TASK_VIEWER.*HTTP 403"),
    "unknown task": (lambda sim: {**connection_args(sim), "task_id": 987654321},
                     r"(?i)not found.*HTTP 404"),
    "wrong base path": (lambda sim: {**connection_args(sim), "api_url": sim.url + "/ocp", "size": 1},
                        r"(?i)not an OCP API endpoint.*api_url"),
}


@pytest.mark.parametrize("case", sorted(API_ERRORS))
def test_api_errors_name_the_cause_and_the_trace_id(simulator, case):
    make_args, message = API_ERRORS[case]
    run = run_playbook("task_info_args.yml", {"module_args": make_args(simulator)})
    assert_failed_with(run, message)
    assert "Traceback" not in run.output
    # OCP's 401 is written before tracing starts (traceId ""), and an HTML page carries none.
    if case not in ("wrong base path", "wrong password", "unknown access key"):
        assert_failed_with(run, r"traceId[\"':= ]+[0-9a-f]{16}")


@pytest.mark.core_matrix
@pytest.mark.parametrize("how", ["options", "environment"])
def test_secrets_never_appear_even_at_vvvv(tls_simulator, how):
    password_args = connection_args(tls_simulator, SECRETIVE_USER)
    key_args = {"api_url": tls_simulator.url, "access_key_id": ACCESS_KEY[0], "access_key_secret": ACCESS_KEY[1]}
    for args, secret in ((password_args, SECRETIVE_USER[1]), (key_args, ACCESS_KEY[1])):
        args = {**args, "ca_path": tls_simulator.ca, "size": 1}
        env = {}
        if how == "environment":
            env = {"OCP_PASSWORD": args.pop("password", ""), "OCP_ACCESS_KEY_SECRET": args.pop("access_key_secret", "")}
            env = {key: value for key, value in env.items() if value}
        run = run_playbook("task_info_args.yml", {"module_args": args}, env=env, verbosity=4)
        assert_succeeded(run)
        assert secret not in run.output
