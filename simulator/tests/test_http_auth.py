"""HTTP Basic and AK/SK authentication, with signatures computed here from OCP's docs (300.ak-sk-sign-roles.md)."""

import json
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import requests

from conftest import (ADMIN, ADMIN_AK, ADMIN_SK, VIEWER_AK, VIEWER_SK, canonical_query,
                      failed_task, journal, signed_headers)

TASKS = "/api/v2/tasks/instances"


def test_basic_good_credentials(sim):
    response = requests.get(sim.url + TASKS, auth=ADMIN, timeout=10)
    assert response.status_code == 200 and response.json()["successful"] is True


def test_basic_bad_password_and_unknown_user_are_401_without_challenge(sim):
    for auth in (("admin", "wrong"), ("nobody", "admin-pw")):
        response = requests.get(sim.url + TASKS, auth=auth, timeout=10)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == 0
        assert "WWW-Authenticate" not in response.headers


def test_a_client_waiting_for_a_challenge_never_authenticates(sim):
    # requests' HTTPDigestAuth sends nothing until challenged; OCP never challenges.
    response = requests.get(sim.url + TASKS, auth=requests.auth.HTTPDigestAuth(*ADMIN),
                            timeout=10)
    assert response.status_code == 401


def get_signed(sim, path, params=None, **options):
    url = sim.url + path
    headers = signed_headers(url, ADMIN_AK, ADMIN_SK, params=params, **options)
    return requests.get(url + canonical_query(params), headers=headers, timeout=10)


def test_aksk_good_signature(sim):
    response = get_signed(sim, TASKS)
    assert response.status_code == 200, response.text
    assert journal(sim)[-1]["identity"] == ADMIN_AK


def test_aksk_wrong_signature_is_401(sim):
    url = sim.url + TASKS
    headers = signed_headers(url, ADMIN_AK, "not-the-secret")
    assert requests.get(url, headers=headers, timeout=10).status_code == 401


def test_aksk_unknown_access_key_is_401(sim):
    url = sim.url + TASKS
    headers = signed_headers(url, "AKNOSUCHKEY", ADMIN_SK)
    assert requests.get(url, headers=headers, timeout=10).status_code == 401


def test_aksk_stale_or_future_date_is_401(sim):
    now = datetime.now(timezone.utc)
    for skew in (timedelta(minutes=16), -timedelta(minutes=16)):
        date = format_datetime(now - skew, usegmt=True)
        assert get_signed(sim, TASKS, date=date).status_code == 401
    near = format_datetime(now - timedelta(minutes=14), usegmt=True)
    assert get_signed(sim, TASKS, date=near).status_code == 200


def test_aksk_date_must_be_gmt(sim):
    date = datetime.now(timezone(timedelta(hours=8))).strftime("%a, %d %b %Y %H:%M:%S +0800")
    assert get_signed(sim, TASKS, date=date).status_code == 401


def test_aksk_query_is_canonicalised_sorted_and_encoded(sim):
    params = {"status": ["FAILED", "SUCCESSFUL"], "name": "Create tenant", "page": "1",
              "clusterId": "1"}
    response = get_signed(sim, TASKS, params=params)
    assert response.status_code == 200, response.text
    names = {task["name"] for task in response.json()["data"]["contents"]}
    assert names == {"Create tenant t_orders"}


def test_aksk_a_list_must_be_sent_as_signed_comma_joined_not_repeated(sim):
    url = sim.url + TASKS
    signed_as_list = [("status", ["FAILED", "SUCCESSFUL"])]
    headers = signed_headers(url, ADMIN_AK, ADMIN_SK, params=signed_as_list)
    assert requests.get(url + "?status=FAILED%2CSUCCESSFUL", headers=headers, timeout=10).status_code == 200
    repeated = requests.get(url + "?status=FAILED&status=SUCCESSFUL", headers=headers, timeout=10)
    assert repeated.status_code == 401


def test_aksk_the_query_is_verified_as_it_arrived_on_the_wire(sim):
    # Signed over the canonical query, sent in another order or another encoding: 401,
    # because the server signs the query string it received, not one rebuilt from it.
    url = sim.url + TASKS
    params = {"name": "Create tenant", "page": "1"}
    headers = signed_headers(url, ADMIN_AK, ADMIN_SK, params=params)
    assert canonical_query(params) == "?name=Create%20tenant&page=1"
    assert requests.get(url + "?name=Create%20tenant&page=1", headers=headers, timeout=10).status_code == 200
    for wire in ("?page=1&name=Create%20tenant", "?name=Create+tenant&page=1", "?name=Create%20tenant&page=1&"):
        assert requests.get(url + wire, headers=headers, timeout=10).status_code == 401, wire


def test_aksk_the_path_is_verified_as_it_arrived(sim):
    url = sim.url + TASKS
    headers = signed_headers(url, ADMIN_AK, ADMIN_SK)
    assert requests.get(url + "/", headers=headers, timeout=10).status_code == 401
    slashed = signed_headers(url + "/", ADMIN_AK, ADMIN_SK)
    assert requests.get(url + "/", headers=slashed, timeout=10).status_code == 200


def test_aksk_signing_other_params_than_sent_is_401(sim):
    url = sim.url + TASKS
    headers = signed_headers(url, ADMIN_AK, ADMIN_SK, params={"page": "1"})
    assert requests.get(url + "?page=2", headers=headers, timeout=10).status_code == 401
    assert requests.get(url, headers=headers, timeout=10).status_code == 401


def test_aksk_x_ocp_headers_are_signed(sim):
    url = sim.url + TASKS
    extra = {"X-OCP-Origin": "ansible", "x-ocp-request-id": "42"}
    headers = signed_headers(url, ADMIN_AK, ADMIN_SK, extra_headers=extra)
    assert requests.get(url, headers=headers, timeout=10).status_code == 200
    headers["x-ocp-request-id"] = "43"   # changed after signing
    assert requests.get(url, headers=headers, timeout=10).status_code == 401


def test_aksk_content_type_is_signed(sim):
    url = sim.url + TASKS
    headers = signed_headers(url, ADMIN_AK, ADMIN_SK)
    headers["Content-Type"] = "text/plain"
    assert requests.get(url, headers=headers, timeout=10).status_code == 401


def test_aksk_post_body_md5_is_signed(sim):
    url = sim.url + "/api/v2/ob/clusters/1/tenants/createTenant"
    body = json.dumps(tenant_body("t_signed")).encode()
    headers = signed_headers(url, ADMIN_AK, ADMIN_SK, method="POST", body=body)
    assert requests.post(url, data=body, headers=headers, timeout=10).status_code == 200
    tampered = json.dumps(tenant_body("t_tampered")).encode()
    assert requests.post(url, data=tampered, headers=headers, timeout=10).status_code == 401


def test_aksk_viewer_may_read_but_not_act(sim, api):
    failed, _subtask = failed_task(api)
    read_url = sim.url + TASKS
    assert requests.get(read_url, headers=signed_headers(read_url, VIEWER_AK, VIEWER_SK),
                        timeout=10).status_code == 200
    act_url = f"{sim.url}{TASKS}/{failed['id']}/retry"
    headers = signed_headers(act_url, VIEWER_AK, VIEWER_SK, method="POST")
    response = requests.post(act_url, headers=headers, timeout=10)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == 30014


# Valid under every OCP version's rule (8-32 characters, two digits, two upper, two lower, two of ._+@#$%).
TENANT_PASSWORD = "S3cret.Pa55_w"


def tenant_body(name):
    return {"name": name, "mode": "MYSQL", "rootPassword": TENANT_PASSWORD,
            "zones": [{"name": "zone1", "replicaType": "FULL",
                       "resourcePool": {"unitSpecName": "S1", "unitCount": 1}}]}
