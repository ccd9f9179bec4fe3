# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one HTTP client every module of this collection talks to OCP through.

It owns what must be right once: credentials, TLS, timeouts, the response envelope, error
mapping and retries. It knows nothing about tasks; see tasks/task_api.py for the endpoints.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import math
import threading
import time
import traceback

try:
    import requests
    from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.address import validated_api_url
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.auth import CONTENT_TYPE, canonical_query
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.credentials import auth_from_credentials
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.diagnosis import (
    EXPRESS_MESSAGE,
    EXPRESS_PROBE_PATH,
    PROBE_TIMEOUT,
    connection_failure,
    failure_kind,
    looks_like_ocp_express,
    root_cause,
    tls_failure,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import (
    OcpClientError,
    OcpConnectionError,
    OcpMalformedAnswerError,
    OcpUnexpectedResponseError,
    decoded_json,
    error_from_response,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.backoff import (
    RETRY_AFTER_MAX,
    RetryPolicy,
    asked_wait,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.version import COLLECTION_VERSION

# The HTTP methods OCP's API uses. Only GET is ever sent twice (see backoff.py).
METHODS = ("GET", "POST", "PUT", "DELETE")
# The header under which OCP logs a request; it echoes a value the client sends
# (docs/ocp-behaviour.md#response-envelope).
TRACE_ID_HEADER = "x-trace-id"
# The largest answer read: a page of 2,000 tasks with their subtasks is a few MB; anything near
# this is no answer of OCP's, and reading it whole would hold the memory of the caller.
MAX_ANSWER_BYTES = 64 * 1024 * 1024
# Past request_timeout, the seconds left to requests' own read timeout: an answer that does not
# start fails as it always did (a timeout, sent again for a GET); only one that keeps the socket
# busy without ending reaches the whole-answer deadline.
ANSWER_GRACE = 1.0
_READ_CHUNK = 64 * 1024


def json_body(body):
    """``body`` as the JSON bytes to send; OcpClientError when it is not JSON.

    NaN and infinities are refused: Python would write them as ``NaN``/``Infinity``, which are
    not JSON and which OCP's parser rejects, after the request was already sent.
    """
    try:
        return json.dumps(body, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as error:
        raise OcpClientError("the body cannot be sent as JSON: %s" % (error,))


def _may_have_reached_server(error):
    """Whether a request that failed with ``error`` may have been received by OCP.

    Only failures known to happen before anything is sent count as "no": DNS, connection refused
    and connect timeout (to OCP or to a proxy), and the TLS handshake. Anything else may have come
    after OCP (or a proxy, which passes it on) read the request: a read timeout, a connection
    reset, a proxy that dropped the connection after forwarding.
    """
    if isinstance(error, (requests.exceptions.ConnectTimeout, requests.exceptions.SSLError)):
        return False
    return not isinstance(root_cause(error), (NewConnectionError, ConnectTimeoutError))


class _AnswerOverran(Exception):
    """The answer did not come whole within request_timeout, or grew past MAX_ANSWER_BYTES;
    ``answering`` when its headers had come (the answer started, and crawled or grew)."""

    def __init__(self, why, answering):
        super(_AnswerOverran, self).__init__(why)
        self.answering = answering


class OcpClient:
    """A connection to one OCP server, reused across requests (one ``requests.Session``).

    ``request`` (and its shorthands ``get`` and ``post``) returns the decoded envelope
    (``{"data": ..., "successful": true, ...}``) or raises an OcpError. Only GETs are retried, as
    ``retry_policy`` says; ``sleep`` is injectable so tests never wait.
    """

    def __init__(self, api_url, username=None, password=None, access_key_id=None, access_key_secret=None,
                 validate_certs=True, ca_path=None, request_timeout=30, retry_policy=None, sleep=time.sleep,
                 session=None, accept_language="en-US"):
        if not HAS_REQUESTS:
            raise OcpClientError("the Python library requests is required to talk to OCP")
        self.api_url = validated_api_url(api_url)
        self._auth = auth_from_credentials(username, password, access_key_id, access_key_secret)
        if request_timeout is None or not math.isfinite(request_timeout) or request_timeout <= 0:
            raise OcpClientError("request_timeout must be a number of seconds above 0, got %r" % (request_timeout,))
        self.request_timeout = request_timeout
        # requests takes a CA bundle path where it takes True.
        self._verify = (ca_path or True) if validate_certs else False
        self.retry_policy = retry_policy or RetryPolicy()
        self._sleep = sleep
        # trust_env (the default) makes the session honour HTTP(S)_PROXY, NO_PROXY and REQUESTS_CA_BUNDLE.
        self.session = session or requests.Session()
        self._headers = {
            "User-Agent": "oceanbase.ocp/%s (ansible-collection) python-requests/%s"
                          % (COLLECTION_VERSION, requests.__version__),
            "Accept": "application/json",
            "Accept-Language": accept_language,
        }
        self.last_trace_id = None
        # The HTTP status of the last answer, None until one came.
        self.last_status = None
        # The envelope's timestamp of the last successful answer: OCP's own clock, which the
        # policy of ocp_task_wait compares with task timestamps (immune to controller clock skew).
        self.last_server_time = None
        self.request_count = 0
        # Whether any HTTP answer came back yet: until then a failure may be a wrong scheme or port.
        self._answered = False
        # Whether api_url was checked for OCP Express (once per client: see _is_ocp_express).
        self._express = None
        # Texts masked in OCP's answers before an error quotes them (errors.secret_forms of
        # ocp_api's secret_body): an answer may repeat the request's body.
        self.secrets = frozenset()

    @property
    def username(self):
        """The OCP user of Basic auth; None with an access key, whose user the client does not know."""
        return getattr(self._auth, 'username', None)

    def request(self, method, path, params=None, body=None, trace_id=None):
        """Send ``method`` (one of METHODS) to ``path`` (like ``/api/v2/tasks/instances``) with
        query ``params`` and ``body`` (JSON-encoded; None sends no body); the envelope, which may
        have no ``data`` key.

        Only a GET is sent again after a failure; anything else is sent once, and a lost answer
        is an ambiguous OcpConnectionError or an OcpApiError. ``trace_id`` is sent as
        ``x-trace-id``, so that OCP logs the request under an id the caller knows even when the
        answer is lost; ``last_trace_id`` holds it until OCP's answer names another.
        """
        if method not in METHODS:
            raise OcpClientError("method must be one of %s, got %r" % (", ".join(METHODS), method))
        return self._request(method, path, params=params, body=body, trace_id=trace_id)

    def get(self, path, params=None):
        """GET ``path`` with query ``params``; the envelope."""
        return self._request("GET", path, params=params)

    def post(self, path, body=None):
        """POST ``body`` to ``path``; the envelope. Never retried: see OcpConnectionError.ambiguous."""
        return self._request("POST", path, body=body)

    def _url(self, path, params):
        if not path.startswith("/"):
            raise OcpClientError("API paths start with '/', got %r" % (path,))
        # The query is built here, never by requests: with access keys, OCP checks the signature
        # against the query exactly as received, and canonical_query is what the signature covers.
        query = canonical_query(params)
        return self.api_url + path + ("?" + query if query else "")

    def _request(self, method, path, params=None, body=None, trace_id=None):
        url = self._url(path, params)
        self.last_trace_id = trace_id
        self.last_status = None
        headers = dict(self._headers)
        if trace_id:
            headers[TRACE_ID_HEADER] = trace_id
        data = None
        if body is not None:
            # The exact bytes sent: the AK/SK signature hashes them as the request carries them.
            data = json_body(body)
            headers["Content-Type"] = CONTENT_TYPE
        retries_done = 0
        # Throttling is counted apart from failures (backoff.THROTTLE_WAIT_MAX).
        throttled_retries, throttled_waited = 0, 0.0
        while True:
            self.request_count += 1
            try:
                response = self._exchange(method, url, data, headers)
            except _AnswerOverran as overran:
                if not overran.answering and self.retry_policy.should_retry(method, retries_done):
                    # Nothing came (not even the headers): as requests' own read timeout, sent again.
                    retries_done += 1
                    self._sleep(self.retry_policy.delay(retries_done))
                    continue
                # It answered, too slowly (a body trickling in, an answer that never ends): not sent
                # again, since the next answer would likely crawl as well.
                raise OcpConnectionError(
                    "OCP's answer did not arrive whole within request_timeout (%s s; %s)" % (
                        self.request_timeout, overran), method, path, ambiguous=method != "GET")
            except requests.exceptions.SSLError as error:
                # A certificate problem (or a server that does not speak TLS) does not go away by retrying.
                raise OcpConnectionError(tls_failure(error, self.api_url, self._verify is not False), method, path)
            except requests.exceptions.RequestException as error:
                if self.retry_policy.should_retry(method, retries_done):
                    retries_done += 1
                    self._sleep(self.retry_policy.delay(retries_done))
                    continue
                kind = failure_kind(error, root_cause(error))
                reason = connection_failure(error, self.api_url, kind, first_contact=not self._answered,
                                            proxy=self._proxy_for(url) if kind.startswith("proxy") else None)
                raise OcpConnectionError(reason, method, path,
                                         ambiguous=method != "GET" and _may_have_reached_server(error))
            except OSError as error:
                # requests checks ca_path before connecting, and raises a bare OSError when the
                # file is missing: nothing was sent.
                raise OcpConnectionError(
                    "TLS failed (%s); set ca_path to the CA that signed OCP's certificate, or "
                    "validate_certs=false on a trusted network" % error, method, path)
            self._answered = True
            self.last_status = response.status_code
            retry_after = asked_wait(response.status_code, response.headers)
            if response.status_code == 429:
                pause = self.retry_policy.throttled_pause(method, throttled_retries, throttled_waited, retry_after)
                if pause is not None:
                    throttled_retries += 1
                    throttled_waited += pause
                    self._sleep(pause)
                    continue
            elif (self.retry_policy.should_retry(method, retries_done, response.status_code)
                    and (retry_after or 0) <= RETRY_AFTER_MAX):
                retries_done += 1
                self._sleep(self.retry_policy.delay(retries_done, retry_after))
                continue
            try:
                return self._envelope(response, method, path, trace_id)
            except OcpUnexpectedResponseError as error:
                # An unreadable success is as good as no answer: a GET may be sent again, like after a drop.
                if not (error.unreadable and self.retry_policy.should_retry(method, retries_done)):
                    raise
                retries_done += 1
                self._sleep(self.retry_policy.delay(retries_done))

    def _proxy_for(self, url):
        """The proxy requests sends ``url`` through, chosen from the environment (``*_PROXY``,
        ``NO_PROXY``) exactly as requests chooses it; None for none."""
        settings = self.session.merge_environment_settings(url, {}, None, None, None)
        return requests.utils.select_proxy(url, settings.get("proxies") or {})

    def _exchange(self, method, url, data, headers):
        """One request and its whole answer within ``request_timeout`` (and ANSWER_GRACE): connect,
        headers and body.

        requests' timeout bounds each wait for a byte only, so an answer sent a byte at a time, or one
        that never ends, would hold the caller for ever. The exchange runs in a thread of its own that
        the caller stops waiting for at the deadline (the thread ends with the connection, at the next
        per-read timeout at the latest); the body is read in chunks up to MAX_ANSWER_BYTES."""
        outcome = {}

        def exchange():
            try:
                response = self.session.request(
                    method, url, data=data, headers=headers, auth=self._auth, timeout=self.request_timeout,
                    verify=self._verify, allow_redirects=False, stream=True)
                outcome['answering'] = True
                body = bytearray()
                for chunk in response.iter_content(_READ_CHUNK):
                    body.extend(chunk)
                    if len(body) > MAX_ANSWER_BYTES:
                        response.close()
                        raise _AnswerOverran('it is larger than %d MiB' % (MAX_ANSWER_BYTES // (1024 * 1024),),
                                             answering=True)
                # The body as requests would have read it without stream=True.
                response._content = bytes(body)
                outcome['response'] = response
            # Whatever it is, it is raised again in the caller's thread.
            except BaseException as error:  # pylint: disable=broad-except
                outcome['error'] = error

        worker = threading.Thread(target=exchange, name='ocp-request')
        worker.daemon = True
        worker.start()
        worker.join(self.request_timeout + ANSWER_GRACE)
        if worker.is_alive():
            answering = outcome.get('answering', False)
            raise _AnswerOverran('the answer was still coming' if answering else 'no answer came', answering)
        if 'error' in outcome:
            raise outcome['error']
        return outcome['response']

    def _is_ocp_express(self):
        """Whether api_url is OCP Express: asked once, after an answer that is no API envelope (the
        web console's page, what OCP Express answers for /api/v2) before any envelope came; no
        credentials go with the probe."""
        if self._express is None:
            self._express = False
            try:
                probe = self.session.get(self.api_url + EXPRESS_PROBE_PATH, headers={"Accept": "application/json"},
                                         timeout=min(self.request_timeout, PROBE_TIMEOUT), verify=self._verify,
                                         allow_redirects=False)
            except (requests.exceptions.RequestException, OSError):
                return False
            self._express = looks_like_ocp_express(probe)
        return self._express

    def _envelope(self, response, method, path, sent_trace_id=None):
        """The decoded envelope of a successful answer; otherwise raise the matching OcpApiError.

        The trace id is OCP's, or the one sent when the answer names none (a proxy's page)."""
        if 200 <= response.status_code <= 299:
            try:
                envelope = decoded_json(response)
            except OcpMalformedAnswerError as error:
                error.trace_id = response.headers.get("X-Trace-Id") or sent_trace_id
                self.last_trace_id = error.trace_id
                raise error.about(method, path)
            if isinstance(envelope, dict) and envelope.get("successful") is True:
                self._express = False  # OCP Express has no /api/v2 to answer an envelope from
                self.last_trace_id = (envelope.get("traceId") or response.headers.get("X-Trace-Id")
                                      or sent_trace_id)
                if isinstance(envelope.get("timestamp"), str):
                    self.last_server_time = envelope["timestamp"]
                return envelope
        error = error_from_response(response, method, path, self.secrets)
        if isinstance(error, OcpUnexpectedResponseError) and error.unreadable and self._is_ocp_express():
            error = OcpUnexpectedResponseError(cause="OCP Express is not supported",
                                               message=EXPRESS_MESSAGE % (EXPRESS_PROBE_PATH,),
                                               status=error.status, trace_id=error.trace_id, method=method, path=path)
        error.retry_after = asked_wait(response.status_code, response.headers)
        error.trace_id = error.trace_id or sent_trace_id
        self.last_trace_id = error.trace_id
        raise error
