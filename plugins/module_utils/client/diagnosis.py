# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Why a request got no answer, said in terms of what to change in ``api_url`` or the TLS options.

``requests`` reports "Max retries exceeded with url ..." for a wrong port, "Connection aborted"
for ``http://`` to a TLS server and "wrong version number" for ``https://`` to a plain one. These
functions turn what actually happened into one sentence naming the address and the likely fix;
when the proxy of the environment (``HTTPS_PROXY``...) could not be reached, the sentence names the
proxy, its password masked, not OCP, which was never asked.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
import socket
import ssl
from urllib.parse import urlsplit

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.address import masked_api_url

# Where OCP listens unless configured otherwise (OCP's installation guide: "port 8080").
OCP_DEFAULT_PORT = 8080
DEFAULT_PORTS = {"http": 80, "https": 443}
# What OpenSSL says when the other side answers a TLS hello with something that is not TLS.
NOT_TLS_MARKERS = ("WRONG_VERSION_NUMBER", "wrong version number", "record layer failure", "unknown protocol",
                   "packet length too long", "http request")
NAME_RESOLUTION_MARKERS = ("NameResolution", "Name or service not known", "nodename nor servname",
                           "getaddrinfo failed", "Temporary failure in name resolution", "No address associated")
# A TLS probe after a failure must not hold up the error message for long.
PROBE_TIMEOUT = 3.0


class Address(object):
    """Scheme, host and port of ``api_url``, and whether the port was written in it."""

    def __init__(self, api_url):
        parts = urlsplit(api_url)
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.explicit_port = parts.port is not None
        self.port = parts.port if parts.port is not None else DEFAULT_PORTS.get(parts.scheme, 80)

    def __str__(self):
        host = "[%s]" % self.host if ":" in self.host else self.host
        return "%s:%d" % (host, self.port)

    def with_scheme(self, scheme):
        host = "[%s]" % self.host if ":" in self.host else self.host
        port = "" if not self.explicit_port else ":%d" % self.port
        return "%s://%s%s" % (scheme, host, port)

    def port_hint(self):
        """A hint for a URL written without a port: OCP is rarely on 80/443."""
        if self.explicit_port:
            return ""
        host = "[%s]" % self.host if ":" in self.host else self.host
        return ("; api_url has no port, so %d was used, but OCP usually listens on %d: try api_url %s://%s:%d"
                % (self.port, OCP_DEFAULT_PORT, self.scheme, host, OCP_DEFAULT_PORT))


def speaks_tls(host, port, timeout=PROBE_TIMEOUT):
    """Whether a TLS handshake with host:port succeeds (no certificate check: only the protocol counts)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            with context.wrap_socket(raw, server_hostname=host):
                return True
    except (OSError, ValueError):
        return False


def _os_error_text(error):
    """``[Errno 111] Connection refused`` from deep inside a requests exception, or its own text."""
    found = re.search(r"\[Errno -?\d+\] [^'\")]+", _texts(error))
    return found.group(0).strip() if found else "%s" % (error,)


def _texts(error):
    """The messages of ``error`` and of every exception it wraps, outermost first."""
    seen, texts, queue = set(), [], [error]
    while queue:
        item = queue.pop(0)
        if item is None or id(item) in seen or len(seen) > 10:
            continue
        seen.add(id(item))
        texts.append("%s: %s" % (type(item).__name__, item))
        for attribute in ("reason", "original_error", "__cause__", "__context__"):
            inner = getattr(item, attribute, None)
            if isinstance(inner, BaseException):
                queue.append(inner)
        queue.extend(arg for arg in getattr(item, "args", ()) if isinstance(arg, BaseException))
    return " | ".join(texts)


def tls_failure(error, api_url, validate_certs):
    """The sentence for a TLS failure: a server that does not speak TLS, or a certificate to trust."""
    address = Address(api_url)
    detail = _texts(error)
    if any(marker in detail for marker in NOT_TLS_MARKERS):
        return ("%s did not answer the TLS handshake with TLS, so it probably serves plain HTTP: try api_url %s"
                % (address, address.with_scheme("http")))
    if not validate_certs:
        return "the TLS handshake with %s failed (%s)" % (address, error)
    return ("TLS failed (%s); set ca_path to the CA that signed OCP's certificate, or validate_certs=false on a "
            "trusted network" % (error,))


def _proxy_failure(error, address, kind, proxy):
    """The sentence for a request that a proxy did not pass on: the proxy named (its password
    masked), not OCP, which was never reached, and the variables that chose it."""
    shown = masked_api_url(proxy) if proxy else "of the environment"
    variables = "HTTPS_PROXY" if address.scheme == "https" else "HTTP_PROXY"
    hint = ("; requests to %s go through it (%s or ALL_PROXY): check the proxy, or put OCP's host in NO_PROXY "
            "to reach OCP directly" % (address, variables))
    if kind == "proxy_unresolved":
        return "the host name of the proxy %s does not resolve%s" % (shown, hint)
    if kind == "proxy_refused":
        return "could not connect to the proxy %s (%s)%s" % (shown, _os_error_text(error), hint)
    if kind == "proxy_timeout":
        return "connecting to the proxy %s timed out%s" % (shown, hint)
    return "the proxy %s did not pass the request on (%s)%s" % (shown, _proxy_reason(error), hint)


def root_cause(error):
    """The low-level reason behind a ``requests`` exception: requests wraps urllib3's
    MaxRetryError, which wraps the reason, which for a proxy wraps the original error."""
    cause = error.args[0] if getattr(error, "args", None) else None
    for _depth in range(4):
        inner = getattr(cause, "reason", None) or getattr(cause, "original_error", None)
        if inner is None or inner is cause:
            break
        cause = inner
    return cause


def _proxy_reason(error):
    """What went wrong with the proxy ("Tunnel connection failed: 407 ..."), without requests'
    wrapping ("Max retries exceeded with url ...")."""
    cause = root_cause(error)
    return "%s" % (cause if isinstance(cause, BaseException) else error,)


def connection_failure(error, api_url, kind, first_contact=False, probe=speaks_tls, proxy=None):
    """The reason for a request that got no answer; ``kind`` is 'refused', 'unresolved', 'connect_timeout',
    'read_timeout' or 'aborted', or for a failure to get through the proxy (``proxy``: its URL)
    'proxy_refused', 'proxy_unresolved', 'proxy_timeout' or 'proxy' (see ``failure_kind``). Only on
    ``first_contact`` (nothing ever answered) is a connection closed without an answer worth a TLS
    probe: later, the scheme has proved right."""
    address = Address(api_url)
    if kind.startswith("proxy"):
        return _proxy_failure(error, address, kind, proxy)
    if kind == "unresolved":
        return "the host name %s does not resolve (check api_url)" % (address.host,)
    if kind == "refused":
        return "could not connect to %s (%s)%s" % (address, _os_error_text(error), address.port_hint())
    if kind == "connect_timeout":
        return "connecting to %s timed out%s" % (address, address.port_hint())
    if kind == "read_timeout":
        return "OCP at %s did not answer within request_timeout (%s)" % (address, error)
    if kind == "aborted" and first_contact and address.scheme == "http" and probe(address.host, address.port):
        return ("%s closed the connection without answering, and it speaks TLS: try api_url %s"
                % (address, address.with_scheme("https")))
    return "%s: %s" % (type(error).__name__, error)


def failure_kind(error, root_cause):
    """Classify a ``requests`` exception by what happened on the wire."""
    # Imported here: this module must import without requests, whose absence the client reports.
    import requests
    from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
    if isinstance(error, requests.exceptions.ProxyError):
        # The proxy was not reached, or did not pass the request on: OCP is not the one to blame.
        if isinstance(root_cause, NewConnectionError):
            unresolved = any(marker in _texts(root_cause) for marker in NAME_RESOLUTION_MARKERS)
            return "proxy_unresolved" if unresolved else "proxy_refused"
        if isinstance(root_cause, ConnectTimeoutError):
            return "proxy_timeout"
        return "proxy"
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return "connect_timeout"
    if isinstance(error, requests.exceptions.ReadTimeout):
        return "read_timeout"
    if isinstance(root_cause, NewConnectionError):
        detail = _texts(root_cause)
        if any(marker in detail for marker in NAME_RESOLUTION_MARKERS):
            return "unresolved"
        return "refused"
    return "aborted"


# OCP Express serves its API under /api/v1 and answers GET /api/v1/status without credentials with a
# JSON object; OCP serves /api/v2 and has no /api/v1 (docs/ocp-behaviour.md#where-ocp-express-differs,
# EXP-1 and EXP-13). For a path it does not serve, OCP Express answers its web console's page
# (ENV-11), which is how an /api/v2 request to it fails.
EXPRESS_PROBE_PATH = "/api/v1/status"
EXPRESS_MESSAGE = ("api_url points at OCP Express (it answers %s), which serves its own /api/v1 API; this collection "
                   "supports OCP's /api/v2 (OCP 3.1 and later) only: set api_url to an OCP server")


def looks_like_ocp_express(response):
    """Whether ``response`` (to GET EXPRESS_PROBE_PATH) is OCP Express's answer: 200 and a JSON object."""
    if response is None or response.status_code != 200:
        return False
    if "json" not in (response.headers.get("Content-Type") or "").lower():
        return False
    try:
        body = response.json()
    except (ValueError, RecursionError):
        # Not JSON, or JSON nested too deeply to decode: no answer of OCP Express's.
        return False
    return isinstance(body, dict) and ("status" in body or "data" in body)
