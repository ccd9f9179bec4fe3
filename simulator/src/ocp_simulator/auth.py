"""OCP's two API authentication schemes: HTTP Basic and the AK/SK HMAC-SHA1 signature.

Both are checked on every request, preemptively: OCP never sends a challenge
(`WWW-Authenticate`), so a client that waits for one never authenticates.

The AK/SK signature (OCP docs from V4.0.3 on, `300.ak-sk-sign-roles.md`) is recomputed from
the request exactly as it arrived:

    METHOD \n MD5 \n CONTENT_TYPE \n DATE \n HOST \n OCP_HEADERS \n PATH_AND_QUERY

PATH_AND_QUERY is the path and query string as they came over the wire: nothing is
decoded, nothing rebuilt from the parsed parameters. A client must send the canonical
query it signs (keys sorted, values percent-encoded with no safe characters, a list sent
as one comma-joined value); a query in another order or encoding, or a repeated key, is
refused even when the signature covers it, so a client that would fail against OCP fails
here too. Any difference is a 401.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import quote

TASK_VIEWER = "TASK_VIEWER"
TASK_MANAGER = "TASK_MANAGER"
AUDIT_VIEWER = "AUDIT_VIEWER"   # GET /api/v2/audit/events (1200.ocp-historical-events)

AKSK_SCHEME = "OCP-ACCESS-KEY-HMACSHA1"
OCP_HEADER_PREFIX = "x-ocp-"
MAX_DATE_SKEW = timedelta(minutes=15)


class AuthenticationFailed(Exception):
    """No or bad credentials: HTTP 401. The text says why, for the operator, not the client."""


@dataclass(frozen=True)
class Identity:
    """Who made the request, and how they proved it."""

    user: str
    roles: frozenset
    access_key: str = None

    @property
    def label(self):
        """How the journal names the caller: the access key when one was used."""
        return self.access_key or self.user

    def has_role(self, role):
        return role in self.roles


@dataclass(frozen=True)
class _Account:
    name: str
    password: str
    roles: frozenset


class UserDirectory:
    """The scenario's users, looked up by name (Basic) or by access key id (AK/SK)."""

    def __init__(self, users):
        self._accounts = {}
        self._access_keys = {}  # access key id -> (account, secret)
        for user in users:
            account = _Account(user["name"], str(user.get("password", "")),
                               frozenset(user.get("roles", ())))
            self._accounts[account.name] = account
            for key in user.get("access_keys", ()):
                self._access_keys[key["id"]] = (account, key["secret"])

    def check_password(self, name, password):
        account = self._accounts.get(name)
        if account is None or not _same_text(password, account.password):
            raise AuthenticationFailed(f"unknown user or wrong password for {name!r}")
        return Identity(account.name, account.roles)

    def secret_for(self, access_key):
        if access_key not in self._access_keys:
            raise AuthenticationFailed(f"unknown access key {access_key!r}")
        return self._access_keys[access_key]


def authenticate(request, directory, now=None, aksk=True):
    """The Identity behind a Flask/Werkzeug request, or AuthenticationFailed.

    `aksk=False` plays an OCP without AK/SK (documented from OCP 4.0.3 on): a signed request
    is then a request without credentials it understands.
    """
    header = request.headers.get("Authorization", "")
    scheme, _space, credentials = header.partition(" ")
    if scheme == AKSK_SCHEME:
        if not aksk:
            raise AuthenticationFailed("AK/SK signatures are not available in this OCP version")
        return _authenticate_signature(request, credentials.strip(), directory,
                                       now or datetime.now(timezone.utc))
    basic = request.authorization
    if basic is not None and basic.type == "basic":
        return directory.check_password(basic.username or "", basic.password or "")
    raise AuthenticationFailed("no supported Authorization header")


def _authenticate_signature(request, credentials, directory, now):
    access_key, separator, signature = credentials.partition(":")
    if not separator or not access_key or not signature:
        raise AuthenticationFailed("malformed OCP-ACCESS-KEY-HMACSHA1 credentials")
    account, secret = directory.secret_for(access_key)
    _check_date(request.headers.get("Date"), now)
    path, query = wire_path_and_query(request)
    canonical = canonical_query(request.args)
    if query != canonical:
        raise AuthenticationFailed(
            f"query string {query!r} is not in canonical form; a client must send {canonical!r}")
    expected = sign(secret, string_to_sign(request))
    if not _same_text(signature, expected):
        raise AuthenticationFailed(
            f"signature mismatch for {access_key}; server signed {string_to_sign(request)!r}")
    return Identity(account.name, account.roles, access_key)


def _check_date(date_header, now):
    """The Date header must be RFC 1123 in GMT and within 15 minutes of the real time."""
    if not date_header or not date_header.endswith(" GMT"):
        raise AuthenticationFailed("missing or non-GMT Date header")
    try:
        sent = parsedate_to_datetime(date_header)
    except (TypeError, ValueError):
        raise AuthenticationFailed(f"unparseable Date header {date_header!r}") from None
    if abs(now - sent) > MAX_DATE_SKEW:
        raise AuthenticationFailed(f"Date header {date_header!r} is more than 15 minutes off")


def sign(secret, text):
    """base64(HMAC-SHA1(secret, text))."""
    digest = hmac.new(secret.encode(), text.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def string_to_sign(request):
    body = request.get_data(cache=True)
    return "\n".join([
        request.method.upper(),
        hashlib.md5(body).hexdigest().upper() if body else "",
        request.headers.get("Content-Type", ""),
        request.headers.get("Date", ""),
        request.headers.get("Host", ""),
        _ocp_headers(request.headers),
        "?".join(part for part in wire_path_and_query(request) if part),
    ])


def _ocp_headers(headers):
    pairs = sorted(
        (name.lower(), value) for name, value in headers.items()
        if name.lower().startswith(OCP_HEADER_PREFIX)
    )
    return "\n".join(f"{name}:{value}" for name, value in pairs)


def wire_path_and_query(request):
    """(path, query) exactly as in the request line, undecoded; query "" when there is none.

    Werkzeug's development server keeps the request target in REQUEST_URI; without it
    (another WSGI server) the path is re-encoded, which gives the same text for a path
    that needed no encoding, as every API path does.
    """
    target = request.environ.get("REQUEST_URI")
    if target is None:
        return quote(request.path), request.query_string.decode("latin-1")
    path, _mark, query = target.partition("?")
    return path, query


def canonical_query(args):
    """The query a client must send and sign: keys sorted, values percent-encoded, no safe chars.

    `args` is a Werkzeug MultiDict; a key sent twice is compared as the comma-joined list,
    which never equals the two separate pairs that arrived, so repeats are refused.
    """
    params = sorted((key, ",".join(values)) for key, values in args.lists())
    return "&".join(f"{quote(key, safe='')}={quote(value, safe='')}" for key, value in params)


def _same_text(given, expected):
    """Constant-time comparison that tolerates non-ASCII input."""
    return hmac.compare_digest(given.encode(), expected.encode())
