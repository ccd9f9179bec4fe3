# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every way OCP can answer badly maps to one typed error with a readable message."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest
import requests

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.ocp_client import OcpClient
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import (
    OcpApiError,
    OcpAuthenticationError,
    OcpBadRequestError,
    OcpConnectionError,
    OcpIllegalStateError,
    OcpMalformedAnswerError,
    OcpNotFoundError,
    OcpPermissionError,
    OcpRollbackProhibitedError,
    OcpServerError,
    OcpSkipRefusedError,
    OcpUnexpectedResponseError,
    code_meaning,
    error_from_response,
    normalised_code,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.backoff import RetryPolicy

URL = "http://ocp.test:8080"
TASK_PATH = "/api/v2/tasks/instances/1000"
TRACE_ID = "0a1b2c3d4e5f6789"


def error_envelope(status, code, message):
    return {"duration": 3, "error": {"code": code, "message": message}, "server": "ocp-1", "status": status,
            "successful": False, "timestamp": "2021-08-25T15:10:13.176+08:00", "traceId": TRACE_ID}


@pytest.fixture
def client():
    # No retries: each test registers exactly the answers it expects.
    return OcpClient(URL, username="admin", password="secret", retry_policy=RetryPolicy(max_retries=0),
                     sleep=pytest.fail)


@pytest.mark.parametrize("status, code, error_class, cause", [
    (401, 0, OcpAuthenticationError, "authentication failed: check username/password or access key"),
    (403, 30014, OcpPermissionError, "the user lacks the TASK_VIEWER/TASK_MANAGER permission"),
    (404, 20000, OcpNotFoundError, "not found"),
    (400, 20003, OcpIllegalStateError, "not allowed in the current state"),
    (400, 20004, OcpRollbackProhibitedError, "prohibits rollback"),
    (400, 10001, OcpBadRequestError, "rejected the request as invalid"),
    (400, 0, OcpBadRequestError, "rejected the request as invalid"),
    (500, 10010, OcpServerError, "server error"),
    (503, 0, OcpServerError, "server error"),
    (409, 0, OcpApiError, "unexpected HTTP status"),
])
def test_error_envelopes(client, mocked, status, code, error_class, cause):
    mocked.get(URL + TASK_PATH, status=status, json=error_envelope(status, code, "the server's words"))
    with pytest.raises(error_class) as raised:
        client.get(TASK_PATH)
    error = raised.value
    assert type(error) is error_class  # pylint: disable=unidiomatic-typecheck
    assert (error.status, error.code, error.message) == (status, code, "the server's words")
    assert (error.trace_id, error.method, error.path) == (TRACE_ID, "GET", TASK_PATH)
    assert cause in str(error)
    assert str(error).endswith(
        ": the server's words (GET %s, HTTP %d, code %d, traceId %s)" % (TASK_PATH, status, code, TRACE_ID))
    assert client.last_trace_id == TRACE_ID


def test_http_status_wins_over_the_error_code(client, mocked):
    mocked.get(URL + TASK_PATH, status=404, json=error_envelope(404, 20003, "not here"))
    with pytest.raises(OcpNotFoundError):
        client.get(TASK_PATH)


def test_code_sent_as_a_string_still_refines_a_400(client, mocked):
    mocked.post(URL + TASK_PATH + "/rollback", status=400, json=error_envelope(400, "20004", "no rollback"))
    with pytest.raises(OcpRollbackProhibitedError) as raised:
        client.post(TASK_PATH + "/rollback")
    assert raised.value.code == 20004


# Every version's codes (docs/ocp-behaviour.md#errors-and-error-codes, the table of codes).
@pytest.mark.parametrize("code, error_class, meaning", [
    ("TSK10007", OcpIllegalStateError, "illegal_state"),
    ("TSK10016", OcpIllegalStateError, "illegal_state"),
    ("TSK10017", OcpIllegalStateError, "illegal_state"),
    ("tsk10007", OcpIllegalStateError, "illegal_state"),
    (4007, OcpIllegalStateError, "illegal_state"),
    ("4007", OcpIllegalStateError, "illegal_state"),
    (20003, OcpIllegalStateError, "illegal_state"),
    ("TSK10009", OcpRollbackProhibitedError, "rollback_prohibited"),
    (4009, OcpRollbackProhibitedError, "rollback_prohibited"),
    ("TSK10010", OcpSkipRefusedError, "skip_refused"),
    (4010, OcpSkipRefusedError, "skip_refused"),
    ("COM10001", OcpBadRequestError, "bad_parameter"),
    ("COM10011", OcpBadRequestError, "unsortable_field"),
    ("XYZ99999", OcpBadRequestError, None),
    (None, OcpBadRequestError, None),
])
def test_a_400_is_a_bad_request_whatever_the_version_calls_it(client, mocked, code, error_class, meaning):
    mocked.post(URL + TASK_PATH + "/retry", status=400, json=error_envelope(400, code, "refused"))
    with pytest.raises(error_class) as raised:
        client.post(TASK_PATH + "/retry")
    assert isinstance(raised.value, OcpBadRequestError)
    assert raised.value.meaning == meaning


@pytest.mark.parametrize("status, code, error_class, meaning", [
    (404, "TSK10001", OcpNotFoundError, "task_not_found"),
    (404, 4001, OcpNotFoundError, "task_not_found"),
    (403, "IAM11000", OcpPermissionError, "not_authorised"),
    (401, "IAM10000", OcpAuthenticationError, "not_logged_on"),
    (500, "COM10999", OcpServerError, "unknown_error"),
    (500, 1999, OcpServerError, "unknown_error"),
])
def test_other_statuses_keep_their_type_and_the_code_its_meaning(client, mocked, status, code, error_class, meaning):
    mocked.get(URL + TASK_PATH, status=status, json=error_envelope(status, code, "words"))
    with pytest.raises(error_class) as raised:
        client.get(TASK_PATH)
    assert raised.value.meaning == meaning


def test_codes_are_normalised_and_bounded():
    assert normalised_code(" TSK10007 ") == "TSK10007" and normalised_code("20003") == 20003
    assert normalised_code(4007.0) == 4007
    assert normalised_code(True) is None and normalised_code({"a": 1}) is None
    assert normalised_code("x" * 33) is None and normalised_code("TSK 1\n") is None
    assert code_meaning("\u0661\u0662") is None  # digits of another script are no code of OCP's


def test_html_page_with_http_200(client, mocked):
    mocked.get(URL + "/api/v2/taks/instances", status=200, content_type="text/html",
               body="<!DOCTYPE html><html><head><title>OCP</title></head><body>" + "x" * 500 + "</body></html>")
    with pytest.raises(OcpUnexpectedResponseError) as raised:
        client.get("/api/v2/taks/instances")
    text = str(raised.value)
    assert text.startswith("the URL is probably not an OCP API endpoint; check api_url: expected a JSON envelope, "
                           "got text/html: <!DOCTYPE html>")
    assert "..." in text and len(text) < 400
    assert text.endswith("(GET /api/v2/taks/instances, HTTP 200)")
    assert raised.value.trace_id is None


def test_invalid_json_with_http_200(client, mocked):
    mocked.get(URL + TASK_PATH, status=200, content_type="application/json", body='{"data": {"id": 1')
    with pytest.raises(OcpUnexpectedResponseError, match="check api_url"):
        client.get(TASK_PATH)


@pytest.mark.parametrize("envelope", [
    {"data": {"id": 1}, "traceId": TRACE_ID},
    {"successful": "true", "traceId": TRACE_ID},
    {"successful": False, "error": {"code": 0, "message": "odd"}, "traceId": TRACE_ID},
])
def test_json_without_successful_true(client, mocked, envelope):
    mocked.get(URL + TASK_PATH, status=200, json=envelope)
    with pytest.raises(OcpUnexpectedResponseError, match="lacks successful: true") as raised:
        client.get(TASK_PATH)
    assert raised.value.trace_id == TRACE_ID


def test_json_list_with_http_200(client, mocked):
    mocked.get(URL + TASK_PATH, status=200, json=[1, 2])
    with pytest.raises(OcpUnexpectedResponseError, match="check api_url"):
        client.get(TASK_PATH)


def test_error_without_an_envelope_quotes_the_body(client, mocked):
    mocked.get(URL + TASK_PATH, status=502, content_type="text/html", body="<html>Bad Gateway</html>",
               headers={"X-Trace-Id": "fedcba9876543210"})
    with pytest.raises(OcpServerError) as raised:
        client.get(TASK_PATH)
    assert raised.value.message == "<html>Bad Gateway</html>"
    assert raised.value.code is None
    assert raised.value.trace_id == "fedcba9876543210"
    assert str(raised.value) == ("OCP reported a server error: <html>Bad Gateway</html> "
                                 "(GET %s, HTTP 502, traceId fedcba9876543210)" % TASK_PATH)


def test_redirect_is_reported_not_followed(client, mocked):
    mocked.get(URL + TASK_PATH, status=302, headers={"Location": "https://ocp.test/login"})
    with pytest.raises(OcpApiError) as raised:
        client.get(TASK_PATH)
    assert "set api_url to the address it redirects to: Location: https://ocp.test/login" in str(raised.value)
    assert len(mocked.calls) == 1


def test_error_from_response_directly():
    response = requests.Response()
    response.status_code = 403
    response._content = json.dumps(error_envelope(403, 30014, "Access denied")).encode("utf-8")
    error = error_from_response(response, "POST", "/api/v2/tasks/instances/1/retry")
    assert isinstance(error, OcpPermissionError)
    assert str(error) == ("the user lacks the TASK_VIEWER/TASK_MANAGER permission: Access denied "
                          "(POST /api/v2/tasks/instances/1/retry, HTTP 403, code 30014, traceId %s)" % TRACE_ID)


def test_connection_error_message_says_whether_to_check_state():
    clear = OcpConnectionError("ConnectionError: refused", "GET", "/api/v2/tasks/instances")
    assert str(clear) == "could not get an answer from OCP: ConnectionError: refused (GET /api/v2/tasks/instances)"
    ambiguous = OcpConnectionError("ReadTimeout: timed out", "POST", "/x", ambiguous=True)
    assert "may have reached OCP, so check the task's state before sending it again" in str(ambiguous)


@pytest.mark.parametrize("code", ["\u00b2", "\u0662\u0660", "\uff11", {"a": 1}, ["x"], "TSK\u00b9"])
def test_a_code_in_no_form_ocp_sends_is_no_code(code):
    """'²' is a digit to str.isdigit() and no number to int(); '٢٠' is one int() reads as 20."""
    assert normalised_code(code) is None and code_meaning(code) is None


@pytest.mark.parametrize("status", [400, 404, 500])
def test_an_error_whose_code_is_malformed_keeps_its_status_and_words(client, mocked, status):
    mocked.get(URL + TASK_PATH, status=status, json=error_envelope(status, "\u00b2", "refused"))
    with pytest.raises(OcpApiError) as raised:
        client.get(TASK_PATH)
    assert (raised.value.status, raised.value.code, raised.value.message) == (status, None, "refused")
    assert "code" not in str(raised.value)


def test_an_error_body_nested_too_deeply_to_decode_is_quoted_as_text(client, mocked):
    body = "[" * 100000 + "]" * 100000
    mocked.get(URL + TASK_PATH, status=400, content_type="application/json", body=body)
    with pytest.raises(OcpBadRequestError) as raised:
        client.get(TASK_PATH)
    assert raised.value.message.startswith("[[[[") and len(str(raised.value)) < 400


def test_a_success_nested_too_deeply_to_decode_is_malformed_and_not_asked_again(mocked):
    """Not weather: the same answer would come again (a GET is not retried for it)."""
    client = OcpClient(URL, username="admin", password="secret", sleep=pytest.fail)
    mocked.get(URL + TASK_PATH, status=200, content_type="application/json",
               body='{"successful": true, "data": %s}' % ("[" * 100000 + "]" * 100000))
    with pytest.raises(OcpMalformedAnswerError) as raised:
        client.get(TASK_PATH)
    error = raised.value
    assert str(error) == ("OCP's answer is malformed: the answer is JSON nested too deeply to be read "
                          "(GET /api/v2/tasks/instances/1000, HTTP 200)")
    assert not error.transient and not error.possibly_applied and client.request_count == 1


def test_an_actions_answer_nested_too_deeply_may_have_been_carried_out(client, mocked):
    mocked.post(URL + TASK_PATH + "/retry", status=200, content_type="application/json",
                # 100,000 levels: past what any supported Python's parser decodes (3.13's reads 5,000).
                body='{"successful": true, "data": %s}' % ("{\"a\": " * 100000 + "1" + "}" * 100000))
    with pytest.raises(OcpMalformedAnswerError) as raised:
        client.post(TASK_PATH + "/retry")
    assert raised.value.possibly_applied and raised.value.ambiguous
