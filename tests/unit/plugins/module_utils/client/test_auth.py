# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authentication: canonical query, AK/SK string-to-sign and signature, preemptive Basic.

The expected signatures were computed once outside this code, with
``printf '<string to sign>' | openssl dgst -sha1 -hmac 'ocp-secret-key' -binary | base64``,
and pasted here, so a bug shared by the code and a test helper cannot hide.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.auth import (
    OcpAccessKeyAuth,
    OcpBasicAuth,
    canonical_query,
    sign,
    string_to_sign,
    wire_host,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.ocp_client import OcpClient
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpClientError

SECRET = "ocp-secret-key"
# Tue, 24 Nov 2026 10:00:00 GMT
NOV_24_2026_10H = 1795514400


def fixed_clock(epoch_seconds):
    return lambda: epoch_seconds


def prepared(method, url, body=None):
    return requests.Request(method, url, data=body).prepare()


class TestCanonicalQuery:
    def test_keys_are_sorted(self):
        assert canonical_query({"size": 10, "page": 1, "name": "x"}) == "name=x&page=1&size=10"

    def test_lists_are_comma_joined_then_encoded(self):
        assert canonical_query({"status": ["RUNNING", "FAILED"]}) == "status=RUNNING%2CFAILED"
        assert canonical_query({"status": ("RUNNING",)}) == "status=RUNNING"

    def test_commas_in_a_plain_value_are_encoded(self):
        assert canonical_query({"status": "RUNNING,FAILED"}) == "status=RUNNING%2CFAILED"

    def test_spaces_are_percent_20_not_plus(self):
        assert canonical_query({"name": "Create tenant"}) == "name=Create%20tenant"

    def test_unicode_is_utf8_percent_encoded(self):
        assert canonical_query({"name": "租户"}) == "name=%E7%A7%9F%E6%88%B7"

    def test_no_safe_characters(self):
        assert canonical_query({"q": "a/b:c&d=e+f?g#h%"}) == "q=a%2Fb%3Ac%26d%3De%2Bf%3Fg%23h%25"

    def test_unreserved_characters_stay(self):
        assert canonical_query({"q": "a-b_c.d~e"}) == "q=a-b_c.d~e"

    def test_keys_are_encoded_too(self):
        assert canonical_query({"a key": "v"}) == "a%20key=v"

    def test_none_values_are_left_out(self):
        assert canonical_query({"name": None, "page": 1}) == "page=1"
        assert canonical_query({}) == ""
        assert canonical_query(None) == ""

    def test_booleans_are_java_style(self):
        assert canonical_query({"flag": True, "other": False}) == "flag=true&other=false"


class TestStringToSign:
    def test_get_with_a_list_filter(self):
        text = string_to_sign("get", None, "application/json", "Tue, 24 Nov 2026 10:00:00 GMT", "127.0.0.1:8080",
                              {"Accept": "application/json"}, "/api/v2/tasks/instances",
                              {"status": ["RUNNING", "FAILED"], "size": 10, "page": 1})
        assert text == ("GET\n\napplication/json\nTue, 24 Nov 2026 10:00:00 GMT\n127.0.0.1:8080\n\n"
                        "/api/v2/tasks/instances?page=1&size=10&status=RUNNING%2CFAILED")
        assert sign(SECRET, text) == "ptZ7P+kJcgRyl1hCqyYGIYwS82I="

    def test_post_with_body_and_ocp_headers(self):
        # MD5 of the body: printf '{"reason": "maintenance"}' | openssl dgst -md5, upper-cased.
        headers = {"X-OCP-Zone": " hz", "x-ocp-request-id": "abc", "X-Other": "not signed"}
        text = string_to_sign("POST", b'{"reason": "maintenance"}', "application/json",
                              "Mon, 01 Mar 2027 08:05:09 GMT", "ocp.example.com", headers,
                              "/api/v2/tasks/instances/1001/subtasks/2002/retry", None)
        assert text == ("POST\n8FDF6685BF84554886A046EA37221BDB\napplication/json\nMon, 01 Mar 2027 08:05:09 GMT\n"
                        "ocp.example.com\nx-ocp-request-id:abc\nx-ocp-zone:hz\n"
                        "/api/v2/tasks/instances/1001/subtasks/2002/retry")
        assert sign(SECRET, text) == "45aMzpiBeEfDoDvTUClOLdbXGdM="

    def test_ipv6_host_and_unicode_query(self):
        text = string_to_sign("GET", "", "application/json", "Tue, 24 Nov 2026 10:00:00 GMT", "[::1]:8443", {},
                              "/api/v2/tasks/instances", {"page": 1, "size": 10, "name": "Create tenant 租户"})
        assert text == ("GET\n\napplication/json\nTue, 24 Nov 2026 10:00:00 GMT\n[::1]:8443\n\n"
                        "/api/v2/tasks/instances?name=Create%20tenant%20%E7%A7%9F%E6%88%B7&page=1&size=10")
        assert sign(SECRET, text) == "GS5qBBRNOAy7y8RR+GVRlnxce4Q="


class TestWireHost:
    @pytest.mark.parametrize("url, host", [
        ("http://127.0.0.1:8080/api", "127.0.0.1:8080"),
        ("http://ocp.example.com/api", "ocp.example.com"),
        ("http://ocp.example.com:80/api", "ocp.example.com"),
        ("https://ocp.example.com:443/api", "ocp.example.com"),
        ("https://ocp.example.com:80/api", "ocp.example.com:80"),
        ("https://[::1]:8443/api", "[::1]:8443"),
        ("https://OCP.Example.com/api", "ocp.example.com"),
    ])
    def test_port_only_when_not_the_default(self, url, host):
        assert wire_host(url) == host


class TestAccessKeyAuth:
    def test_signs_a_get(self):
        request = OcpAccessKeyAuth("AK1", SECRET, now=fixed_clock(NOV_24_2026_10H))(
            prepared("GET", "http://127.0.0.1:8080/api/v2/tasks/instances?page=1&size=10&status=RUNNING%2CFAILED"))
        assert request.headers["Date"] == "Tue, 24 Nov 2026 10:00:00 GMT"
        assert request.headers["Content-Type"] == "application/json"
        assert request.headers["Authorization"] == "OCP-ACCESS-KEY-HMACSHA1 AK1:ptZ7P+kJcgRyl1hCqyYGIYwS82I="

    def test_signs_the_host_without_a_default_port(self):
        request = OcpAccessKeyAuth("AK1", SECRET, now=fixed_clock(1803888309))(
            prepared("POST", "https://ocp.example.com/api/v2/tasks/instances/1001/subtasks/2002/retry",
                     body=b'{"reason": "maintenance"}'))
        request.headers["X-OCP-Zone"] = "hz"
        request.headers["x-ocp-request-id"] = "abc"
        request = OcpAccessKeyAuth("AK1", SECRET, now=fixed_clock(1803888309))(request)
        assert request.headers["Date"] == "Mon, 01 Mar 2027 08:05:09 GMT"
        assert request.headers["Authorization"] == "OCP-ACCESS-KEY-HMACSHA1 AK1:45aMzpiBeEfDoDvTUClOLdbXGdM="

    def test_signs_a_path_without_query(self):
        request = OcpAccessKeyAuth("AK1", SECRET, now=fixed_clock(NOV_24_2026_10H))(
            prepared("GET", "http://ocp.example.com:8080/api/v2/tasks/instances/42"))
        assert request.headers["Authorization"] == "OCP-ACCESS-KEY-HMACSHA1 AK1:pVsRzRDX6bB3jrc1sKNyZYOxLPs="

    @pytest.mark.parametrize("query", ["size=10&page=1", "name=a+b", "status=RUNNING,FAILED"])
    def test_refuses_a_query_it_would_sign_differently(self, query):
        with pytest.raises(OcpClientError, match="canonical"):
            OcpAccessKeyAuth("AK1", SECRET)(prepared("GET", "http://ocp:8080/api/v2/tasks/instances?" + query))


class TestBasicAuth:
    def test_is_sent_without_waiting_for_a_challenge(self):
        request = OcpBasicAuth("admin", "secret")(prepared("GET", "http://ocp:8080/api/v2/tasks/instances"))
        assert request.headers["Authorization"] == "Basic YWRtaW46c2VjcmV0"

    def test_encodes_non_ascii_passwords_as_utf8(self):
        request = OcpBasicAuth("admin", "pässwörd")(prepared("GET", "http://ocp:8080/api/v2/tasks/instances"))
        assert request.headers["Authorization"] == "Basic YWRtaW46cMOkc3N3w7ZyZA=="


class RecordingHandler(BaseHTTPRequestHandler):
    """Answers every GET and PUT with a success envelope and keeps what it received (a PUT's body
    in ``bodies``)."""

    received = []
    bodies = []

    def do_PUT(self):
        RecordingHandler.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.do_GET()

    def do_GET(self):
        RecordingHandler.received.append((self.path, dict(self.headers)))
        body = json.dumps({"data": {}, "successful": True, "traceId": "0123456789abcdef"}).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        """Keep the test output clean."""


@pytest.fixture
def local_server():
    RecordingHandler.received = []
    RecordingHandler.bodies = []
    server = HTTPServer(("127.0.0.1", 0), RecordingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_signature_matches_what_a_server_receives(local_server):
    """Sign what goes on the wire: recompute the signature from the request as the server got it."""
    port = local_server.server_address[1]
    client = OcpClient("http://127.0.0.1:%d" % port, access_key_id="AK1", access_key_secret=SECRET)
    client.get("/api/v2/tasks/instances", {"status": ["RUNNING", "FAILED"], "name": "a b/租户", "page": 1})

    [(path_and_query, headers)] = RecordingHandler.received
    assert path_and_query == "/api/v2/tasks/instances?name=a%20b%2F%E7%A7%9F%E6%88%B7&page=1&status=RUNNING%2CFAILED"
    assert headers["Host"] == "127.0.0.1:%d" % port
    expected_text = "\n".join(["GET", "", headers["Content-Type"], headers["Date"], headers["Host"], "", path_and_query])
    assert headers["Authorization"] == "OCP-ACCESS-KEY-HMACSHA1 AK1:" + sign(SECRET, expected_text)


def test_the_signature_covers_the_md5_of_the_body_bytes_the_server_receives(local_server):
    """Any method, any JSON body: the MD5 signed is that of the bytes on the wire, and the trace id
    header, not being an x-ocp-* header, is sent but not signed."""
    port = local_server.server_address[1]
    client = OcpClient("http://127.0.0.1:%d" % port, access_key_id="AK1", access_key_secret=SECRET)
    client.request("PUT", "/api/v2/ob/clusters/1/parameters", params={"force": True},
                   body=[{"name": "租户", "value": 1.5, "nested": {"list": [None, False]}}], trace_id="00000000000000ab")

    [(path_and_query, headers)] = RecordingHandler.received
    [body] = RecordingHandler.bodies
    assert json.loads(body.decode("utf-8")) == [{"name": "租户", "value": 1.5, "nested": {"list": [None, False]}}]
    assert headers["x-trace-id"] == "00000000000000ab"
    md5 = hashlib.md5(body).hexdigest().upper()
    expected_text = "\n".join(["PUT", md5, "application/json", headers["Date"], headers["Host"], "", path_and_query])
    assert path_and_query == "/api/v2/ob/clusters/1/parameters?force=true"
    assert headers["Authorization"] == "OCP-ACCESS-KEY-HMACSHA1 AK1:" + sign(SECRET, expected_text)


def test_basic_credentials_go_with_the_first_request(local_server):
    client = OcpClient("http://127.0.0.1:%d" % local_server.server_address[1], username="admin", password="secret")
    client.get("/api/v2/tasks/instances")
    assert client.request_count == 1
    [(_path, headers)] = RecordingHandler.received
    assert headers["Authorization"] == "Basic YWRtaW46c2VjcmV0"
