# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP client: configuration, what goes on the wire, retries, POST safety, pagination."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import email.utils
import json
import time
from http.client import RemoteDisconnected

import pytest
import requests
import urllib3
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.address import api_url_secrets, masked_api_url
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.ocp_client import OcpClient
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import (
    OcpApiError,
    OcpClientError,
    OcpConnectionError,
    OcpServerError,
    OcpUnexpectedResponseError,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.backoff import THROTTLE_WAIT_MAX, RetryPolicy

URL = "http://ocp.test:8080"
LIST_PATH = "/api/v2/tasks/instances"
TASK_PATH = LIST_PATH + "/1000"


def envelope(data=None, trace_id="0123456789abcdef"):
    answer = {"duration": 2, "server": "ocp-1", "status": 200, "successful": True,
              "timestamp": "2021-08-25T15:10:13.176+08:00", "traceId": trace_id}
    if data is not None:
        answer["data"] = data
    return answer


def refused():
    """What requests raises when nothing listens: the request was never sent."""
    return requests.exceptions.ConnectionError(MaxRetryError(None, "/", NewConnectionError(None, "refused")))


def dropped():
    """What requests raises when the server closes the connection after reading the request."""
    return requests.exceptions.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError(104)))


class Sleeps(list):
    """Records the delays the client asks for instead of sleeping."""

    def __call__(self, seconds):
        self.append(seconds)


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def client(sleeps):
    # random fixed at 0.5: the n-th retry waits 0.75 * 0.5 * 2 ** (n - 1) seconds.
    return OcpClient(URL, username="admin", password="secret", sleep=sleeps,
                     retry_policy=RetryPolicy(random=lambda: 0.5))


class TestConfiguration:
    @pytest.mark.parametrize("api_url", [None, "", "ocp.test:8080", "ftp://ocp.test", "http://", "http://ocp:x",
                                         "http://ocp:0", "http://[::1", "https://ocp.test/?a=1",
                                         "https://ocp.test:8080/api/v2", "https://ocp.test/api/"])
    def test_rejects_bad_api_urls(self, api_url):
        with pytest.raises(OcpClientError, match="api_url"):
            OcpClient(api_url, username="admin", password="secret")

    def test_accepts_a_path_prefix_and_drops_a_trailing_slash(self):
        assert OcpClient("https://gw.test/ocp/", username="a", password="b").api_url == "https://gw.test/ocp"

    @pytest.mark.parametrize("credentials, message", [
        ({}, "no credentials"),
        ({"username": "admin"}, "username and password go together"),
        ({"password": "secret"}, "username and password go together"),
        ({"access_key_id": "AK"}, "access_key_id and access_key_secret go together"),
        ({"access_key_secret": "SK"}, "access_key_id and access_key_secret go together"),
        ({"username": "", "password": "", "access_key_id": "AK", "access_key_secret": "SK"}, None),
        ({"username": "admin", "password": "secret", "access_key_id": "AK", "access_key_secret": "SK"}, "not both"),
        ({"username": "admin", "access_key_secret": "SK"}, "not both"),
    ])
    def test_needs_exactly_one_complete_credential_pair(self, credentials, message):
        if message is None:  # empty values count as not given
            OcpClient(URL, **credentials)
            return
        with pytest.raises(OcpClientError, match=message):
            OcpClient(URL, **credentials)

    @pytest.mark.parametrize("api_url, shown", [
        ("https://admin:pa55@ocp.test:8080", "'https://admin:********@ocp.test:8080'"),
        ("https://admin:pa/5@5@ocp.test", "'https://admin:********@ocp.test'"),
        ("https://t0ken@ocp.test", "'https://********@ocp.test'"),
        ("admin:pa55@ocp.test:8080", "'admin:********@ocp.test:8080'"),
    ])
    def test_refuses_user_info_in_api_url_without_showing_the_password(self, api_url, shown):
        with pytest.raises(OcpClientError) as caught:
            OcpClient(api_url, username="admin", password="secret")
        assert str(caught.value) == ("api_url must not contain a user name or password; give them as username and "
                                     "password (or OCP_USERNAME and OCP_PASSWORD), got %s" % shown)

    def test_api_url_secrets_and_mask(self):
        assert api_url_secrets("https://a:b%40c@h") == {"b%40c", "b@c"}
        assert api_url_secrets("https://h:8080/x") == set() and api_url_secrets(None) == set()
        assert masked_api_url("https://h:8080") == "https://h:8080"

    @pytest.mark.parametrize("timeout", [0, -1, None, float("nan"), float("inf")])
    def test_rejects_a_timeout_that_is_not_positive(self, timeout):
        with pytest.raises(OcpClientError, match="request_timeout"):
            OcpClient(URL, username="admin", password="secret", request_timeout=timeout)

    def test_rejects_relative_paths(self, client):
        with pytest.raises(OcpClientError, match="start with '/'"):
            client.get("api/v2/tasks/instances")


class TestWire:
    def test_headers(self, client, mocked):
        mocked.get(URL + TASK_PATH, json=envelope({"id": 1000}))
        client.get(TASK_PATH)
        headers = mocked.calls[0].request.headers
        assert headers["User-Agent"] == "oceanbase.ocp/1.0.0 (ansible-collection) python-requests/%s" % (
            requests.__version__)
        assert headers["Accept"] == "application/json"
        assert headers["Accept-Language"] == "en-US"
        assert headers["Authorization"] == "Basic YWRtaW46c2VjcmV0"
        assert "Content-Type" not in headers
        assert "x-trace-id" not in {name.lower() for name in headers}

    def test_accept_language_is_configurable(self, mocked):
        mocked.get(URL + TASK_PATH, json=envelope({}))
        OcpClient(URL, username="a", password="b", accept_language="zh-CN").get(TASK_PATH)
        assert mocked.calls[0].request.headers["Accept-Language"] == "zh-CN"

    def test_query_string_is_built_canonically(self, client, mocked):
        mocked.get(URL + LIST_PATH, json=envelope({"contents": []}))
        client.get(LIST_PATH, {"status": ["RUNNING", "FAILED"], "size": 10, "page": 1, "name": "租户 a", "type": None})
        assert mocked.calls[0].request.url == (
            URL + LIST_PATH + "?name=%E7%A7%9F%E6%88%B7%20a&page=1&size=10&status=RUNNING%2CFAILED")

    def test_path_prefix_is_kept(self, mocked):
        mocked.get("https://gw.test/ocp" + TASK_PATH, json=envelope({}))
        OcpClient("https://gw.test/ocp/", username="a", password="b").get(TASK_PATH)

    def test_access_key_requests_are_signed(self, mocked):
        mocked.get(URL + LIST_PATH, json=envelope({"contents": []}))
        OcpClient(URL, access_key_id="AK1", access_key_secret="SK").get(LIST_PATH, {"page": 1})
        headers = mocked.calls[0].request.headers
        assert headers["Authorization"].startswith("OCP-ACCESS-KEY-HMACSHA1 AK1:")
        assert headers["Content-Type"] == "application/json"
        assert headers["Date"].endswith(" GMT")

    def test_tls_and_timeout_settings_reach_requests(self, mocked, monkeypatch):
        # With verify=True, requests would take a CA bundle named by these instead.
        monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
        monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
        for attempt in range(3):
            mocked.get("https://ocp.test" + TASK_PATH, json=envelope({}))
        OcpClient("https://ocp.test", username="a", password="b", request_timeout=7.5).get(TASK_PATH)
        OcpClient("https://ocp.test", username="a", password="b", ca_path="/etc/ocp-ca.pem").get(TASK_PATH)
        OcpClient("https://ocp.test", username="a", password="b", validate_certs=False,
                  ca_path="/etc/ocp-ca.pem").get(TASK_PATH)
        sent = [call.request.req_kwargs for call in mocked.calls]
        assert [(kwargs["verify"], kwargs["timeout"]) for kwargs in sent] == [
            (True, 7.5), ("/etc/ocp-ca.pem", 30), (False, 30)]

    def test_post_sends_json_body(self, client, mocked):
        mocked.post(URL + TASK_PATH + "/retry", json=envelope({"id": 1000}))
        client.post(TASK_PATH + "/retry", {"reason": "租户"})
        request = mocked.calls[0].request
        assert json.loads(request.body) == {"reason": "租户"}
        assert request.headers["Content-Type"] == "application/json"

    def test_post_without_body_and_answer_without_data(self, client, mocked):
        mocked.post(URL + TASK_PATH + "/subtasks/5/skip", json=envelope(trace_id="00000000000000aa"))
        answer = client.post(TASK_PATH + "/subtasks/5/skip")
        assert answer["successful"] is True and "data" not in answer
        assert not mocked.calls[0].request.body
        assert client.last_trace_id == "00000000000000aa"

    def test_one_session_for_every_request(self, mocked):
        session = requests.Session()
        mocked.get(URL + TASK_PATH, json=envelope({}))
        mocked.get(URL + TASK_PATH, json=envelope({}))
        client = OcpClient(URL, username="a", password="b", session=session)
        client.get(TASK_PATH)
        client.get(TASK_PATH)
        assert client.session is session
        assert client.request_count == 2
        assert session.auth is None  # a session given to the client is not modified


class TestGetRetries:
    def test_connection_errors_then_success(self, client, mocked, sleeps):
        mocked.get(URL + TASK_PATH, body=refused())
        mocked.get(URL + TASK_PATH, body=requests.exceptions.ReadTimeout("read timed out"))
        mocked.get(URL + TASK_PATH, json=envelope({"id": 1000}))
        assert client.get(TASK_PATH)["data"] == {"id": 1000}
        assert sleeps == [0.375, 0.75]
        assert client.request_count == 3

    @pytest.mark.parametrize("status", [429, 502, 503, 504])
    def test_transient_statuses_then_success(self, client, mocked, sleeps, status):
        mocked.get(URL + TASK_PATH, status=status, body="busy")
        mocked.get(URL + TASK_PATH, json=envelope({"id": 1000}))
        assert client.get(TASK_PATH)["data"] == {"id": 1000}
        # Throttling waits at least backoff.THROTTLE_PAUSE_MIN: OCP's windows are seconds long.
        assert sleeps == ([1.0] if status == 429 else [0.375])

    def test_gives_up_after_max_retries_with_the_last_answer(self, client, mocked, sleeps):
        for attempt in range(4):
            mocked.get(URL + TASK_PATH, status=503, json={"successful": False, "error": {"code": 0, "message": "down"}})
        with pytest.raises(OcpServerError, match="down"):
            client.get(TASK_PATH)
        assert sleeps == [0.375, 0.75, 1.5]
        assert client.request_count == 4

    def test_gives_up_after_max_retries_of_connection_errors(self, client, mocked, sleeps):
        for attempt in range(4):
            mocked.get(URL + TASK_PATH, body=dropped())
        with pytest.raises(OcpConnectionError) as raised:
            client.get(TASK_PATH)
        assert raised.value.ambiguous is False  # a GET changes nothing
        assert (raised.value.method, raised.value.path) == ("GET", TASK_PATH)
        assert sleeps == [0.375, 0.75, 1.5]

    def test_delays_are_bounded(self, mocked, sleeps):
        policy = RetryPolicy(max_retries=6, backoff_base=1.0, backoff_max=4.0, random=lambda: 0.999)
        client = OcpClient(URL, username="a", password="b", retry_policy=policy, sleep=sleeps)
        for attempt in range(7):
            mocked.get(URL + TASK_PATH, status=502)
        with pytest.raises(OcpServerError):
            client.get(TASK_PATH)
        assert len(sleeps) == 6 and max(sleeps) < 4.0 and sum(sleeps) < 6 * 4.0

    def test_definite_errors_are_not_retried(self, client, mocked, sleeps):
        mocked.get(URL + TASK_PATH, status=500, json={"successful": False, "error": {"code": 10010}})
        with pytest.raises(OcpServerError):
            client.get(TASK_PATH)
        assert sleeps == []

    def test_tls_failures_are_not_retried(self, client, mocked, sleeps):
        mocked.get(URL + TASK_PATH, body=requests.exceptions.SSLError("certificate verify failed"))
        with pytest.raises(OcpConnectionError, match="set ca_path") as raised:
            client.get(TASK_PATH)
        assert raised.value.ambiguous is False
        assert sleeps == []

    @pytest.mark.parametrize("body, content_type", [
        ("<html><body>Bad gateway</body></html>", "text/html"),
        ('{"successful": true, "data": {"id": 10', "application/json"),
    ])
    def test_a_success_status_with_an_unreadable_body_is_retried(self, client, mocked, sleeps, body, content_type):
        mocked.get(URL + TASK_PATH, body=body, content_type=content_type)
        mocked.get(URL + TASK_PATH, json=envelope({"id": 1000}))
        assert client.get(TASK_PATH)["data"] == {"id": 1000}
        assert sleeps == [0.375]

    def test_a_success_status_with_a_json_refusal_is_not_retried(self, client, mocked, sleeps):
        mocked.get(URL + TASK_PATH, json={"successful": False})
        with pytest.raises(OcpUnexpectedResponseError):
            client.get(TASK_PATH)
        assert sleeps == []

    def test_a_missing_ca_file_is_a_clear_error_and_nothing_is_sent(self, tmp_path, sleeps):
        # No mock: requests itself checks the CA file, before it opens a connection.
        client = OcpClient("https://127.0.0.1:9", username="a", password="b", ca_path=str(tmp_path / "no-ca.pem"),
                           sleep=sleeps)
        with pytest.raises(OcpConnectionError, match="set ca_path") as raised:
            client.get(TASK_PATH)
        assert "no-ca.pem" in str(raised.value)
        assert raised.value.ambiguous is False and sleeps == []


class TestRetryAfter:
    def test_a_get_waits_at_least_what_retry_after_asks(self, client, mocked, sleeps):
        mocked.get(URL + TASK_PATH, status=429, headers={"Retry-After": "10"})
        mocked.get(URL + TASK_PATH, status=503, headers={"Retry-After": "0"})
        mocked.get(URL + TASK_PATH, json=envelope({"id": 1000}))
        assert client.get(TASK_PATH)["data"] == {"id": 1000}
        # 10 s as asked (more than the backoff), then the plain backoff for "0": the first failure
        # that is not throttling (throttling is counted apart, backoff.THROTTLE_WAIT_MAX).
        assert sleeps == [10.0, 0.375]

    def test_a_get_throttled_for_7s_with_only_rate_limit_reset_succeeds(self, client, mocked, sleeps):
        # OCP's 429: a JSON envelope, RateLimit-* headers, no Retry-After (docs/ocp-behaviour.md, THR-1, THR-2).
        mocked.get(URL + TASK_PATH, status=429, headers={"RateLimit-Limit": "10", "RateLimit-Remaining": "0",
                                                         "RateLimit-Reset": "7"},
                   json={"duration": 0, "error": {"code": 0, "message": "Excessive number of requests."},
                         "server": "ocp-1", "status": 429, "successful": False, "traceId": ""})
        mocked.get(URL + TASK_PATH, json=envelope({"id": 1000}))
        assert client.get(TASK_PATH)["data"] == {"id": 1000}
        assert sleeps == [7.0]

    def test_rate_limit_reset_on_a_success_asks_for_no_wait(self, client, mocked, sleeps):
        mocked.get(URL + TASK_PATH, status=503, headers={"RateLimit-Reset": "40"})
        mocked.get(URL + TASK_PATH, json=envelope({"id": 1000}), headers={"RateLimit-Reset": "40"})
        client.get(TASK_PATH)
        assert sleeps == [0.375]

    def test_the_longer_of_retry_after_and_rate_limit_reset(self, client, mocked, sleeps):
        mocked.get(URL + TASK_PATH, status=429, headers={"Retry-After": "2", "RateLimit-Reset": "5"})
        mocked.get(URL + TASK_PATH, status=429, headers={"Retry-After": "6", "RateLimit-Reset": "bogus"})
        mocked.get(URL + TASK_PATH, json=envelope({"id": 1000}))
        client.get(TASK_PATH)
        assert sleeps == [5.0, 6.0]

    def test_a_rate_limit_reset_under_a_minute_is_waited_out(self, client, mocked, sleeps):
        mocked.get(URL + TASK_PATH, status=429, headers={"RateLimit-Reset": "53"})
        mocked.get(URL + TASK_PATH, json=envelope({"id": 1000}))
        client.get(TASK_PATH)
        assert sleeps == [53.0]

    def test_a_rate_limit_reset_past_a_minute_is_left_to_the_caller(self, client, mocked, sleeps):
        mocked.get(URL + TASK_PATH, status=429, headers={"RateLimit-Reset": "3600"})
        with pytest.raises(OcpApiError) as raised:
            client.get(TASK_PATH)
        assert raised.value.retry_after == 3600.0 and sleeps == []

    def test_an_http_date_is_read_too(self, client, mocked, sleeps):
        in_a_while = email.utils.formatdate(time.time() + 30, usegmt=True)
        mocked.get(URL + TASK_PATH, status=503, headers={"Retry-After": in_a_while})
        mocked.get(URL + TASK_PATH, json=envelope({"id": 1000}))
        client.get(TASK_PATH)
        assert len(sleeps) == 1 and 25 < sleeps[0] <= 31

    def test_an_unreadable_retry_after_falls_back_to_the_backoff(self, client, mocked, sleeps):
        mocked.get(URL + TASK_PATH, status=429, headers={"Retry-After": "soon"})
        mocked.get(URL + TASK_PATH, json=envelope({"id": 1000}))
        client.get(TASK_PATH)
        assert sleeps == [1.0]

    def test_throttling_is_waited_out_more_times_than_request_retries(self, client, mocked, sleeps):
        """Forks sharing OCP's per-user limit meet it together: five throttled answers in a row (more
        than the 3 retries a failure gets) are waited out, each as OCP asks."""
        for _attempt in range(5):
            mocked.get(URL + TASK_PATH, status=429, headers={"RateLimit-Reset": "9"})
        mocked.get(URL + TASK_PATH, json=envelope({"id": 1000}))
        assert client.get(TASK_PATH)["data"] == {"id": 1000}
        assert sleeps == [9.0] * 5

    def test_an_ocp_that_throttles_forever_is_given_up_within_the_budget(self, client, mocked, sleeps):
        """A hostile or stuck OCP answering 429 to everything: the waits stop at THROTTLE_WAIT_MAX in
        all, and the error carries what OCP asked, for a caller with a deadline."""
        mocked.get(URL + TASK_PATH, status=429, headers={"RateLimit-Reset": "0"})
        with pytest.raises(OcpApiError) as raised:
            client.get(TASK_PATH)
        assert raised.value.status == 429 and raised.value.retry_after == 0
        assert sum(sleeps) <= THROTTLE_WAIT_MAX and min(sleeps) >= 1.0
        assert client.request_count == len(sleeps) + 1 <= THROTTLE_WAIT_MAX + 1

    def test_no_retries_means_no_throttling_retries_either(self, mocked, sleeps):
        client = OcpClient(URL, username="admin", password="secret", sleep=sleeps.append,
                           retry_policy=RetryPolicy(max_retries=0))
        mocked.get(URL + TASK_PATH, status=429, headers={"RateLimit-Reset": "2"})
        with pytest.raises(OcpApiError):
            client.get(TASK_PATH)
        assert sleeps == [] and client.request_count == 1

    def test_a_throttled_post_is_never_sent_again(self, client, mocked, sleeps):
        mocked.post(URL + "/api/v2/tasks/instances/1/retry", status=429, headers={"RateLimit-Reset": "2"})
        with pytest.raises(OcpApiError):
            client.post("/api/v2/tasks/instances/1/retry")
        assert sleeps == [] and client.request_count == 1

    def test_a_long_retry_after_is_left_to_the_caller(self, client, mocked, sleeps):
        # Not waited out inside one call: a wait with a deadline knows whether it has the time.
        mocked.get(URL + TASK_PATH, status=429, headers={"Retry-After": "3600"})
        with pytest.raises(OcpApiError) as raised:
            client.get(TASK_PATH)
        assert raised.value.status == 429 and raised.value.retry_after == 3600.0
        assert sleeps == []

    def test_the_error_carries_retry_after_when_retries_run_out(self, client, mocked, sleeps):
        for attempt in range(4):
            mocked.get(URL + TASK_PATH, status=503, headers={"Retry-After": "2"})
        with pytest.raises(OcpServerError) as raised:
            client.get(TASK_PATH)
        assert raised.value.retry_after == 2.0 and sleeps == [2.0, 2.0, 2.0]

    def test_a_post_is_never_resent_whatever_retry_after_says(self, client, mocked, sleeps):
        mocked.post(URL + TASK_PATH + "/retry", status=503, headers={"Retry-After": "1"})
        with pytest.raises(OcpServerError) as raised:
            client.post(TASK_PATH + "/retry")
        assert raised.value.retry_after == 1.0
        assert client.request_count == 1 and sleeps == []


def proxy_dropped_after_forwarding():
    """What requests raises when an HTTP proxy forwarded the request, then closed without an answer."""
    reason = urllib3.exceptions.ProxyError("Unable to connect to proxy", RemoteDisconnected("closed"))
    return requests.exceptions.ProxyError(MaxRetryError(None, "/", reason))


def proxy_unreachable():
    """What requests raises when the proxy itself refuses the connection: nothing was sent."""
    reason = urllib3.exceptions.ProxyError("Unable to connect to proxy", NewConnectionError(None, "refused"))
    return requests.exceptions.ProxyError(MaxRetryError(None, "/", reason))


class TestPostSafety:
    @pytest.mark.parametrize("failure, ambiguous", [
        (refused, False),
        (lambda: requests.exceptions.ConnectTimeout("connect timed out"), False),
        (lambda: requests.exceptions.SSLError("handshake"), False),
        (proxy_unreachable, False),
        (lambda: requests.exceptions.ReadTimeout("read timed out"), True),
        (dropped, True),
        (proxy_dropped_after_forwarding, True),
    ])
    def test_connection_failures_are_never_retried(self, client, mocked, sleeps, failure, ambiguous):
        mocked.post(URL + TASK_PATH + "/retry", body=failure())
        with pytest.raises(OcpConnectionError) as raised:
            client.post(TASK_PATH + "/retry")
        assert raised.value.ambiguous is ambiguous
        assert (raised.value.method, raised.value.path) == ("POST", TASK_PATH + "/retry")
        assert client.request_count == 1 and sleeps == []

    def test_a_success_status_with_an_unreadable_body_may_have_acted(self, client, mocked, sleeps):
        mocked.post(URL + TASK_PATH + "/retry", body="<html>proxy page</html>", content_type="text/html")
        with pytest.raises(OcpUnexpectedResponseError) as raised:
            client.post(TASK_PATH + "/retry")
        assert raised.value.ambiguous is True
        assert client.request_count == 1 and sleeps == []

    @pytest.mark.parametrize("status", [429, 502, 503, 504])
    def test_transient_statuses_are_not_retried(self, client, mocked, sleeps, status):
        mocked.post(URL + TASK_PATH + "/rollback", status=status)
        with pytest.raises(OcpApiError):
            client.post(TASK_PATH + "/rollback")
        assert client.request_count == 1 and sleeps == []


class TestRequest:
    """``request``: any of OCP's methods through the same checks as ``get`` and ``post``."""

    @pytest.mark.parametrize("method", ["PUT", "DELETE", "POST"])
    def test_sends_any_method_with_its_body(self, client, mocked, method):
        mocked.add(method, URL + "/api/v2/things/1", json=envelope({"id": 1}))
        answer = client.request(method, "/api/v2/things/1", params={"force": True}, body={"a": [1, "é"]})
        request = mocked.calls[0].request
        assert request.url == URL + "/api/v2/things/1?force=true"
        assert json.loads(request.body) == {"a": [1, "é"]}
        assert request.headers["Content-Type"] == "application/json"
        assert answer["data"] == {"id": 1} and client.last_status == 200

    @pytest.mark.parametrize("method", ["get", "PATCH", "HEAD", "", None])
    def test_refuses_other_methods_before_sending(self, client, method):
        with pytest.raises(OcpClientError, match="method must be one of GET, POST, PUT, DELETE"):
            client.request(method, TASK_PATH)
        assert client.request_count == 0

    @pytest.mark.parametrize("body, reason", [
        ({"ratio": float("nan")}, "Out of range float values"),
        ([float("inf")], "Out of range float values"),
        ({"ids": {1, 2}}, "not JSON serializable"),
        (b"raw bytes", "not JSON serializable"),
    ])
    def test_refuses_a_body_that_is_not_json_before_sending(self, client, body, reason):
        with pytest.raises(OcpClientError, match="the body cannot be sent as JSON: .*" + reason):
            client.request("POST", TASK_PATH, body=body)
        assert client.request_count == 0

    def test_sends_the_trace_id_and_keeps_ocps(self, client, mocked):
        mocked.post(URL + TASK_PATH, json=envelope({"id": 1}, trace_id="00000000000000ff"))
        client.request("POST", TASK_PATH, body={}, trace_id="0123456789abcdef")
        assert mocked.calls[0].request.headers["x-trace-id"] == "0123456789abcdef"
        assert client.last_trace_id == "00000000000000ff"

    def test_the_trace_id_sent_names_an_answer_without_one(self, client, mocked):
        mocked.post(URL + TASK_PATH, status=502, body="<html>bad gateway</html>", content_type="text/html")
        with pytest.raises(OcpServerError) as raised:
            client.request("POST", TASK_PATH, trace_id="0123456789abcdef")
        assert raised.value.trace_id == "0123456789abcdef" and "traceId 0123456789abcdef" in str(raised.value)
        assert client.last_trace_id == "0123456789abcdef" and client.last_status == 502

    def test_the_trace_id_sent_survives_a_lost_answer(self, client, mocked):
        mocked.put(URL + TASK_PATH, body=dropped())
        with pytest.raises(OcpConnectionError) as raised:
            client.request("PUT", TASK_PATH, body={}, trace_id="0123456789abcdef")
        assert raised.value.ambiguous is True
        assert client.last_trace_id == "0123456789abcdef" and client.last_status is None

    def test_a_get_is_retried_under_the_same_trace_id(self, client, mocked, sleeps):
        mocked.get(URL + TASK_PATH, status=503)
        mocked.get(URL + TASK_PATH, json=envelope({"id": 1}))
        client.request("GET", TASK_PATH, trace_id="0123456789abcdef")
        assert [call.request.headers["x-trace-id"] for call in mocked.calls] == ["0123456789abcdef"] * 2
        assert sleeps == [0.375]

    @pytest.mark.parametrize("method", ["PUT", "DELETE"])
    @pytest.mark.parametrize("failure", [dropped, lambda: requests.exceptions.ReadTimeout("read timed out")])
    def test_put_and_delete_are_never_sent_twice(self, client, mocked, sleeps, method, failure):
        mocked.add(method, URL + TASK_PATH, body=failure())
        with pytest.raises(OcpConnectionError) as raised:
            client.request(method, TASK_PATH)
        assert raised.value.ambiguous is True
        assert client.request_count == 1 and sleeps == []

    @pytest.mark.parametrize("method", ["PUT", "DELETE"])
    def test_put_and_delete_are_not_retried_on_a_transient_status(self, client, mocked, sleeps, method):
        mocked.add(method, URL + TASK_PATH, status=503)
        with pytest.raises(OcpServerError):
            client.request(method, TASK_PATH)
        assert client.request_count == 1 and sleeps == []
