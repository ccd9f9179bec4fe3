# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection failures explained from what happened on the wire: real loopback servers, real sockets."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import http.server
import socket
import ssl
import threading

import pytest
import requests
import trustme
import urllib3
from urllib3.exceptions import MaxRetryError, NewConnectionError

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.ocp_client import OcpClient
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.diagnosis import (
    connection_failure,
    failure_kind,
    root_cause,
    tls_failure,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpConnectionError
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.backoff import RetryPolicy

PATH = "/api/v2/tasks/instances"


class _Quiet(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'{"successful": true, "data": {"contents": []}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class _TlsServer(http.server.ThreadingHTTPServer):
    """Drops a connection whose TLS handshake fails (plain HTTP sent to it), like a TLS server does."""

    def __init__(self, address, handler, context):
        super(_TlsServer, self).__init__(address, handler)
        self._context = context

    def get_request(self):
        raw, address = self.socket.accept()
        return self._context.wrap_socket(raw, server_side=True), address

    def handle_error(self, request, client_address):
        pass


@pytest.fixture
def plain_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def tls_server():
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    server = _TlsServer(("127.0.0.1", 0), _Quiet, context)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _client(api_url, **options):
    return OcpClient(api_url, username="u", password="p", request_timeout=5,
                     retry_policy=RetryPolicy(max_retries=0), **options)


def test_https_to_a_plain_http_server_suggests_http(plain_server):
    for validate_certs in (True, False):
        with pytest.raises(OcpConnectionError) as raised:
            _client("https://127.0.0.1:%d" % plain_server, validate_certs=validate_certs).get(PATH)
        message = str(raised.value)
        assert "probably serves plain HTTP: try api_url http://127.0.0.1:%d" % plain_server in message
        assert "validate_certs" not in message


def test_http_to_a_tls_server_suggests_https(tls_server):
    with pytest.raises(OcpConnectionError) as raised:
        _client("http://127.0.0.1:%d" % tls_server).get(PATH)
    assert "speaks TLS: try api_url https://127.0.0.1:%d" % tls_server in str(raised.value)


def test_an_untrusted_certificate_points_at_ca_path(tls_server):
    with pytest.raises(OcpConnectionError, match="set ca_path to the CA"):
        _client("https://127.0.0.1:%d" % tls_server).get(PATH)


def test_the_right_scheme_works(plain_server):
    assert _client("http://127.0.0.1:%d" % plain_server).get(PATH)["successful"] is True


def test_a_closed_port_is_named_without_urllib3_noise(closed_port):
    with pytest.raises(OcpConnectionError) as raised:
        _client("http://127.0.0.1:%d" % closed_port).get(PATH)
    message = str(raised.value)
    assert "could not connect to 127.0.0.1:%d ([Errno 111] Connection refused)" % closed_port in message
    assert "Max retries exceeded" not in message and "usually listens" not in message


def _refused():
    return requests.exceptions.ConnectionError(MaxRetryError(
        None, "/", NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")))


def test_a_url_without_port_hints_at_8080():
    message = connection_failure(_refused(), "https://ocp.example.com", "refused")
    assert message == ("could not connect to ocp.example.com:443 ([Errno 111] Connection refused); api_url has no "
                       "port, so 443 was used, but OCP usually listens on 8080: try api_url "
                       "https://ocp.example.com:8080")


def test_a_name_that_does_not_resolve_says_so():
    error = requests.exceptions.ConnectionError(MaxRetryError(None, "/", NewConnectionError(
        None, "Failed to resolve 'ocp.invalid' ([Errno -2] Name or service not known)")))
    assert connection_failure(error, "http://ocp.invalid:8080", "unresolved") == (
        "the host name ocp.invalid does not resolve (check api_url)")


def test_only_a_first_contact_is_probed_for_tls():
    probes = []
    error = requests.exceptions.ConnectionError("Connection aborted.")

    def probe(host, port):
        probes.append((host, port))
        return True
    later = connection_failure(error, "http://ocp:8080", "aborted", first_contact=False, probe=probe)
    assert "speaks TLS" not in later and probes == []
    first = connection_failure(error, "http://ocp:8080", "aborted", first_contact=True, probe=probe)
    assert first.endswith("try api_url https://ocp:8080") and probes == [("ocp", 8080)]


def test_a_certificate_problem_with_validation_off_does_not_advise_turning_it_off():
    message = tls_failure(requests.exceptions.SSLError("sslv3 alert handshake failure"), "https://ocp:8080", False)
    assert "validate_certs" not in message and "ocp:8080" in message


# ---------------------------------------------------------------- proxies

PROXY_USER, PROXY_PASSWORD = "proxyuser", "Pr0xy-S3cret-Never-Shown"
PROXY_VARIABLES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy",
                   "NO_PROXY", "no_proxy")


@pytest.fixture
def proxy_environment(monkeypatch):
    """Sets the proxy variables a test gives, and none of the caller's (requests reads them at each request)."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)

    def use(**variables):
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
    return use


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
@pytest.mark.parametrize("scheme, variable", [("http", "HTTP_PROXY"), ("https", "HTTPS_PROXY")])
def test_an_unreachable_proxy_is_named_and_not_blamed_on_ocp(plain_server, tls_server, closed_port, proxy_environment,
                                                             scheme, variable):
    """OCP answers on 127.0.0.1, but the proxy the environment names (a closed port) refuses the
    connection: the message names the proxy, its password masked, and not OCP's address."""
    ocp_port = plain_server if scheme == "http" else tls_server
    api_url = "%s://127.0.0.1:%d" % (scheme, ocp_port)
    proxy = "http://%s:%s@127.0.0.1:%d" % (PROXY_USER, PROXY_PASSWORD, closed_port)
    # No NO_PROXY: requests sends even a request to 127.0.0.1 through the proxy.
    proxy_environment(**{variable: proxy})
    with pytest.raises(OcpConnectionError) as raised:
        _client(api_url, validate_certs=False).get(PATH)
    message = str(raised.value)
    assert ("could not connect to the proxy http://%s:********@127.0.0.1:%d ([Errno 111] Connection refused); requests "
            "to 127.0.0.1:%d go through it (%s or ALL_PROXY): check the proxy, or put OCP's host in NO_PROXY to reach "
            "OCP directly" % (PROXY_USER, closed_port, ocp_port, variable)) in message
    assert PROXY_PASSWORD not in message and "could not connect to 127.0.0.1" not in message
    assert raised.value.ambiguous is False
    # The same request with OCP's host in NO_PROXY goes straight to OCP: it was the proxy.
    proxy_environment(NO_PROXY="127.0.0.1")
    assert _client(api_url, validate_certs=False).get(PATH)["successful"] is True


def _proxy_error(cause):
    reason = urllib3.exceptions.ProxyError("Unable to connect to proxy", cause)
    return requests.exceptions.ProxyError(MaxRetryError(None, "/", reason))


@pytest.mark.parametrize("cause, kind, sentence", [
    (urllib3.exceptions.NameResolutionError("proxy.invalid", None, socket.gaierror(-2, "Name or service not known")),
     "proxy_unresolved", "the host name of the proxy http://u:********@proxy.invalid:3128 does not resolve; "),
    (urllib3.exceptions.ConnectTimeoutError(None, "timed out"),
     "proxy_timeout", "connecting to the proxy http://u:********@proxy.invalid:3128 timed out; "),
    (OSError("Tunnel connection failed: 407 Proxy Authentication Required"),
     "proxy", "the proxy http://u:********@proxy.invalid:3128 did not pass the request on (Tunnel connection failed: "
              "407 Proxy Authentication Required); "),
])
def test_each_way_a_proxy_fails_names_the_proxy(cause, kind, sentence):
    error = _proxy_error(cause)
    assert failure_kind(error, root_cause(error)) == kind
    message = connection_failure(error, "https://ocp.example.com:8443", kind, proxy="http://u:pw@proxy.invalid:3128")
    assert message.startswith(sentence) and "requests to ocp.example.com:8443 go through it (HTTPS_PROXY" in message
    assert ":pw@" not in message
