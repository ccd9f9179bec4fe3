"""The error envelope of each kind of error (OCP Express's codes), and the localisation of messages."""

import pytest
import requests

from conftest import admin_add_fault, admin_create_task, failed_task, find_task

TASKS = "/api/v2/tasks/instances"


def error_of(response, http_status):
    assert response.status_code == http_status, response.text
    body = response.json()
    assert body["successful"] is False and body["status"] == http_status
    assert "data" not in body
    return body["error"]


def test_illegal_task_action_is_400_20003_with_ocp_message(api):
    finished = find_task(api, "Create tenant t_orders")
    assert finished["status"] == "SUCCESSFUL"
    error = error_of(api.post(f"{TASKS}/{finished['id']}/retry"), 400)
    assert error["code"] == 20003
    assert error["message"] == (f"This operation is not supported for the {finished['id']} "
                                "task in the SUCCESSFUL state.")


def test_illegal_subtask_action_is_400_20003(api):
    task, subtask = failed_task(api)
    error = error_of(api.post(f"{TASKS}/{task['id']}/subtasks/{subtask['id']}/cancel"), 400)
    assert error["code"] == 20003


def test_rollback_of_a_prohibit_rollback_task_is_400_20004(sim, api):
    task = admin_create_task(sim, template="create_tenant", cluster_id=1,
                             prohibit_rollback=True, state="finished",
                             faults={"Create resource pool": [{"fail_attempts": [1, 1]}]})
    assert task["prohibitRollback"] is True and task["status"] == "FAILED"
    assert error_of(api.post(f"{TASKS}/{task['id']}/rollback"), 400)["code"] == 20004


def test_missing_task_is_404_20000(api):
    error = error_of(api.get(f"{TASKS}/999999"), 404)
    assert (error["code"], error["message"]) == (20000, "The 999999 task does not exist.")


def test_missing_subtask_is_404_20000(api):
    task, _subtask = failed_task(api)
    assert error_of(api.post(f"{TASKS}/{task['id']}/subtasks/999999/retry"), 404)["code"] == 20000


@pytest.mark.parametrize("query", [
    {"clusterId": "abc"}, {"tenantId": "1.5"}, {"hostId": "9223372036854775808"},
    {"type": "ONCE"},
    {"page": "0"}, {"page": "x"}, {"size": "0"}, {"size": "-1"},
    {"sort": "id,sideways"},
])
def test_bad_list_parameters_are_400_10001(api, query):
    assert error_of(api.get(TASKS, params=query), 400)["code"] == 10001


def test_bad_path_id_is_400_10001(api):
    assert error_of(api.get(f"{TASKS}/abc"), 400)["code"] == 10001
    assert error_of(api.post(f"{TASKS}/1/subtasks/x/retry"), 400)["code"] == 10001


def test_no_credentials_is_401_code_0_without_challenge(sim):
    response = requests.get(sim.url + TASKS, timeout=10)
    assert error_of(response, 401)["code"] == 0
    assert "WWW-Authenticate" not in response.headers


def test_viewer_acting_is_403_30014(viewer_api, api):
    task, _subtask = failed_task(api)
    error = error_of(viewer_api.post(f"{TASKS}/{task['id']}/retry"), 403)
    assert error["code"] == 30014
    assert "TASK_MANAGER" in error["message"]


def test_injected_500_is_an_ocp_error_envelope(sim, api):
    admin_add_fault(sim, status=500, nth=[1])
    assert error_of(api.get(TASKS), 500)["code"] == 10010


def test_messages_follow_accept_language(api):
    finished = find_task(api, "Create tenant t_orders")
    path = f"{TASKS}/{finished['id']}/retry"
    chinese = error_of(api.post(path, headers={"Accept-Language": "zh-CN,zh;q=0.9"}), 400)
    english = error_of(api.post(path, headers={"Accept-Language": "en-US"}), 400)
    default = error_of(api.post(path), 400)
    assert chinese["code"] == english["code"] == 20003
    assert "状态" in chinese["message"]
    assert english["message"] == default["message"]
    assert english["message"].startswith("This operation is not supported")


def test_401_is_localised_too(sim):
    response = requests.get(sim.url + TASKS, headers={"Accept-Language": "zh-CN"}, timeout=10)
    assert "登录" in error_of(response, 401)["message"]
