# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The oceanbase.ocp.ocp_task lookup through ansible-playbook against the simulator: by id with
Basic and with an access key, over TLS, a filtered list, and the errors a user meets (a bad
credential, an unknown id), each clear, without a traceback or a secret."""

from __future__ import annotations

import json

import pytest
import requests

from harness import ACCESS_KEY, ADMIN_USER, SECRETIVE_USER, assert_failed_with, run_playbook


def _connection(simulator, user=ADMIN_USER, access_key=None):
    options = {"api_url": simulator.url}
    if access_key:
        options.update(access_key_id=access_key[0], access_key_secret=access_key[1])
    else:
        options.update(username=user[0], password=user[1])
    if simulator.ca:
        options["ca_path"] = simulator.ca
    return options


def _look_up(simulator, tmp_path, terms, verbosity=0, env=None, **options):
    result_path = tmp_path / "looked_up.json"
    run = run_playbook("task_lookup.yml", dict(lookup_terms=terms, lookup_options=options, result_path=str(result_path)),
                       verbosity=verbosity, env=env)
    return run, (json.loads(result_path.read_text()) if result_path.exists() else None)


def _ocp_task(simulator, task_id):
    response = requests.get(simulator.url + "/api/v2/tasks/instances/%d" % task_id, auth=ADMIN_USER,
                            verify=simulator.ca or True, timeout=30)
    response.raise_for_status()
    return response.json()["data"]


def _failed_task_id(simulator):
    response = requests.get(simulator.url + "/api/v2/tasks/instances", auth=ADMIN_USER, timeout=30,
                            verify=simulator.ca or True, params={"status": "FAILED", "size": 1})
    return response.json()["data"]["contents"][0]["id"]


def test_by_id_with_basic_returns_the_task_as_ocp_task_info_does(simulator, tmp_path):
    task_id = _failed_task_id(simulator)
    run, tasks = _look_up(simulator, tmp_path, [task_id], subtask_logs="failed", **_connection(simulator))
    assert run.returncode == 0, run.output
    [task] = tasks
    assert task["id"] == task_id and task["status"] == "FAILED" == _ocp_task(simulator, task_id)["status"]
    assert (task["finished"], task["succeeded"], task["rolled_back"]) == (True, False, False)
    [failed] = task["failed_subtasks"]
    assert failed["cause"] and "log" not in failed
    assert len(task["subtasks"]) == len(_ocp_task(simulator, task_id)["subtasks"])


def test_several_ids_with_an_access_key_over_tls_from_the_environment(tls_simulator, tmp_path):
    ids = sorted(task["id"] for task in requests.get(
        tls_simulator.url + "/api/v2/tasks/instances", auth=ADMIN_USER, verify=tls_simulator.ca, timeout=30,
        params={"size": 2}).json()["data"]["contents"])
    # The connection from OCP_* alone, as an AWX credential injects it; at -vvvv no secret shows.
    env = {"OCP_URL": tls_simulator.url, "OCP_ACCESS_KEY_ID": ACCESS_KEY[0], "OCP_ACCESS_KEY_SECRET": ACCESS_KEY[1],
           "OCP_CA_PATH": tls_simulator.ca}
    run, tasks = _look_up(tls_simulator, tmp_path, list(reversed(ids)), verbosity=4, env=env)
    assert run.returncode == 0, run.output
    assert [task["id"] for task in tasks] == list(reversed(ids))
    assert ACCESS_KEY[1] not in run.output


# ansible-core 2.19 and later trust no lookup's result; before, only the lookup's wrap_var keeps
# OCP's text from being templated again: `make matrix` runs this on 2.16 to 2.18 too.
@pytest.mark.core_matrix
def test_text_from_ocp_is_data_never_templated(simulator, tmp_path):
    name = "Create tenant {{ 6 * 7 }} {{ lookup('env', 'HOME') }}"
    task = simulator.create_task("create_tenant", cluster_id=1, tenant_id=1002, name=name, state="finished")
    run, tasks = _look_up(simulator, tmp_path, [task["id"]], **_connection(simulator))
    assert run.returncode == 0, run.output
    assert tasks[0]["name"] == name
    # Passed through another template (set_fact), it is still the text OCP sent.
    assert json.loads((tmp_path / "looked_up.json.name").read_text())["first_name"] == name


def test_a_filtered_list(simulator, tmp_path):
    run, tasks = _look_up(simulator, tmp_path, [], status=["FAILED"], cluster_id=1, **_connection(simulator))
    assert run.returncode == 0, run.output
    expected = requests.get(simulator.url + "/api/v2/tasks/instances", auth=ADMIN_USER, timeout=30,
                            params={"status": "FAILED", "clusterId": 1, "size": 2000}).json()["data"]["contents"]
    assert tasks and sorted(task["id"] for task in tasks) == sorted(task["id"] for task in expected)
    assert all(task["status"] == "FAILED" for task in tasks)


def test_a_bad_credential_fails_clearly_without_the_secret(simulator, tmp_path):
    wrong = (SECRETIVE_USER[0], SECRETIVE_USER[1] + "-wrong")
    run, _tasks = _look_up(simulator, tmp_path, [1], verbosity=3, **_connection(simulator, user=wrong))
    assert_failed_with(run, r"ocp_task lookup: .*401")
    assert wrong[1] not in run.output


def test_an_unknown_id_is_named(simulator, tmp_path):
    run, _tasks = _look_up(simulator, tmp_path, [987654321], **_connection(simulator))
    assert_failed_with(run, r"ocp_task lookup: OCP knows no task 987654321")
