# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The two ways OCP authenticates API clients, as ``requests`` auth hooks.

Both run on the prepared request, so they see the URL, headers and body exactly as they will be
sent. The AK/SK scheme signs the query string; for the signature to hold, the URL's query must
already be in canonical form: the client builds it with ``canonical_query`` and never hands
``params`` to requests (which would encode them its own way).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import hashlib
import hmac
import time
from email.utils import formatdate

from urllib.parse import parse_qsl, quote, urlsplit

try:
    from requests.auth import AuthBase
except ImportError:
    # The import-time guard of the client reports the missing library; this only keeps the
    # module importable so that guard can run.
    AuthBase = object

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpClientError

CONTENT_TYPE = "application/json"
ACCESS_KEY_SCHEME = "OCP-ACCESS-KEY-HMACSHA1"
SIGNED_HEADER_PREFIX = "x-ocp-"
DEFAULT_PORTS = {"http": 80, "https": 443}


def _text(value):
    """A query value as OCP's Java side expects it (booleans lower case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "%s" % (value,)


def _encode(text):
    # No safe characters: '/', ',', ':' and spaces are all percent-encoded (space as %20).
    return quote(text.encode("utf-8"), safe="")


def canonical_query(params):
    """The query string OCP signs: keys sorted, keys and values percent-encoded with no safe
    characters, list values comma-joined before encoding, None values left out.

    >>> canonical_query({"status": ["RUNNING", "FAILED"], "page": 1})
    'page=1&status=RUNNING%2CFAILED'
    """
    pairs = []
    for key in sorted(params or {}):
        value = params[key]
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            value = ",".join(_text(item) for item in value)
        pairs.append("%s=%s" % (_encode(_text(key)), _encode(_text(value))))
    return "&".join(pairs)


def _body_md5(body):
    if not body:
        return ""
    if not isinstance(body, bytes):
        body = body.encode("utf-8")
    return hashlib.md5(body).hexdigest().upper()


def _signed_headers(headers):
    """Every x-ocp-* header as ``name:value`` with the name lower-cased, sorted, one per line."""
    lines = []
    for name, value in (headers or {}).items():
        if name.lower().startswith(SIGNED_HEADER_PREFIX):
            lines.append("%s:%s" % (name.lower(), value.strip()))
    return "\n".join(sorted(lines))


def string_to_sign(method, body, content_type, date, host, headers, path, params):
    """The text OCP's AK/SK scheme signs (docs/ocp-behaviour.md#authentication), one field per line:
    METHOD, MD5 of the body, Content-Type, Date, host[:port], x-ocp-* headers, path?query.
    """
    path_and_query = path
    query = canonical_query(params)
    if query:
        path_and_query += "?" + query
    return "\n".join([
        method.upper(),
        _body_md5(body),
        content_type or "",
        date,
        host,
        _signed_headers(headers),
        path_and_query,
    ])


def sign(access_key_secret, text):
    """base64(HMAC-SHA1(secret, text)) as a string."""
    digest = hmac.new(access_key_secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def wire_host(url):
    """The Host header value HTTP clients send for ``url``: the port only when it is not the
    scheme's default, IPv6 addresses in brackets."""
    parts = urlsplit(url)
    host = parts.hostname
    if ":" in host:
        host = "[%s]" % host
    if parts.port is None or parts.port == DEFAULT_PORTS.get(parts.scheme):
        return host
    return "%s:%d" % (host, parts.port)


def _query_params(query):
    """The query string back as a dict; a repeated key becomes a list, as canonical_query takes."""
    params = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key in params:
            previous = params[key]
            params[key] = (previous if isinstance(previous, list) else [previous]) + [value]
        else:
            params[key] = value
    return params


class OcpBasicAuth(AuthBase):
    """HTTP Basic, sent with the first request: OCP's 401 carries no WWW-Authenticate
    challenge, so a client waiting for one would never authenticate."""

    def __init__(self, username, password):
        # Who acts, as OCP records it (an audit event's operatorName); never the password.
        self.username = username
        self._header = "Basic " + base64.b64encode(
            ("%s:%s" % (username, password)).encode("utf-8")).decode("ascii")

    def __call__(self, request):
        request.headers["Authorization"] = self._header
        return request


class OcpAccessKeyAuth(AuthBase):
    """OCP's access key signature (``OCP-ACCESS-KEY-HMACSHA1``).

    ``now`` returns the time in seconds since the epoch; tests pass a fixed clock.
    """

    def __init__(self, access_key_id, access_key_secret, now=time.time):
        self._access_key_id = access_key_id
        self._access_key_secret = access_key_secret
        self._now = now

    def __call__(self, request):
        parts = urlsplit(request.url)
        params = _query_params(parts.query)
        if canonical_query(params) != parts.query:
            # OCP recomputes the string to sign from the query it receives: a query encoded any
            # other way would be signed differently and rejected with a 401.
            raise OcpClientError(
                "refusing to sign %s: its query string is not in canonical form; build it with "
                "canonical_query()" % request.url)
        date = formatdate(self._now(), usegmt=True)
        request.headers["Date"] = date
        request.headers["Content-Type"] = CONTENT_TYPE
        text = string_to_sign(request.method, request.body, CONTENT_TYPE, date, wire_host(request.url),
                              request.headers, parts.path, params)
        request.headers["Authorization"] = "%s %s:%s" % (
            ACCESS_KEY_SCHEME, self._access_key_id, sign(self._access_key_secret, text))
        return request
