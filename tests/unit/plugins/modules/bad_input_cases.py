# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input to every option of every module: a wrong type, a value out of range, a required option
missing, options that conflict. Each case must fail with a message naming the problem, without a
traceback, and before any request reaches OCP. test_bad_input.py runs every case in-process;
tests/integration/test_reliability_bad_input.py runs a few of each module through ansible-playbook,
with the role's cases, which need the role's argument specs.

``NEXT`` stands for a task id of the case's own and ``{NEXT}`` in a path for one too, so that a
request that slipped through shows in the simulator's journal which case sent it.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import itertools

# The integration scenario's admin access key (tests/integration/scenarios/integration.yaml).
ACCESS_KEY = ("AKINTEGRATION00000001", "SKintegrationSecret000000000000000000001")

MODULES = {"info": "ocp_task_info", "task": "ocp_task_action", "subtask": "ocp_subtask_action",
           "wait": "ocp_task_wait", "api": "ocp_api"}
DROP = object()  # an option left out of a case's arguments

TYPE_INT = r"cannot be converted to an int|is of type <class 'str'> and we were unable to convert to int"
TYPE_FLOAT = r"unable to convert to float|cannot be converted to a float"
TYPE_BOOL = r"unable to convert to bool|cannot be converted to a bool"

# A password only ever given inside api_url: it must show nowhere, masked or refused.
URL_PASSWORD = "Url-Pa55word-Never-Shown"

# The connection options every module shares: (case, overrides, message).
CONNECTION_CASES = [
    ("api_url missing", {"api_url": DROP},
     r"no api_url: give the api_url option or set the OCP_URL environment variable"),
    ("api_url not a URL", {"api_url": "ocp.example.com"}, r"api_url must be an http:// or https:// URL"),
    ("api_url with the API path", {"api_url": "http://127.0.0.1:9/api/v2"},
     r"api_url must be the OCP address without the API path"),
    ("api_url with a password", {"api_url": "http://automation:%s@127.0.0.1:9" % URL_PASSWORD},
     r"api_url must not contain a user name or password; give them as username and password "
     r"\(or OCP_USERNAME and OCP_PASSWORD\), got 'http://automation:\*{8}@127\.0\.0\.1:9'"),
    ("api_url with a query", {"api_url": "http://127.0.0.1:9/?tenant=sys"},
     r"api_url must not contain a query string or fragment"),
    ("api_url with a fragment", {"api_url": "http://127.0.0.1:9/#/task"},
     r"api_url must not contain a query string or fragment"),
    ("no credentials", {"username": DROP, "password": DROP},
     r"no credentials: give username and password \(or set OCP_USERNAME and OCP_PASSWORD\), or access_key_id "
     r"and access_key_secret \(or set OCP_ACCESS_KEY_ID and OCP_ACCESS_KEY_SECRET\)"),
    ("empty credentials", {"username": "", "password": ""}, r"no credentials: give username and password"),
    ("username without password", {"password": DROP},
     r"username and password go together: got username without password \(give the password option or set "
     r"OCP_PASSWORD\)"),
    ("access key id without secret", {"username": DROP, "password": DROP, "access_key_id": ACCESS_KEY[0]},
     r"got access_key_id without access_key_secret \(give the access_key_secret option or set "
     r"OCP_ACCESS_KEY_SECRET\)"),
    ("password and access key both",
     {"username": DROP, "access_key_id": ACCESS_KEY[0], "access_key_secret": ACCESS_KEY[1]},
     r"give either username/password \(OCP_USERNAME/OCP_PASSWORD\) or access_key_id/access_key_secret "
     r"\(OCP_ACCESS_KEY_ID/OCP_ACCESS_KEY_SECRET\), not both"),
    ("access key id with a newline", {"username": DROP, "password": DROP, "access_key_id": ACCESS_KEY[0] + "\r\n",
                                      "access_key_secret": ACCESS_KEY[1]},
     r"access_key_id may hold only printable ASCII characters, no spaces"),
    ("access key secret not ASCII", {"username": DROP, "password": DROP, "access_key_id": ACCESS_KEY[0],
                                     "access_key_secret": "S\u00e9cret\u2028"},
     r"access_key_secret may hold only printable ASCII characters"),
    ("username not Latin-1", {"username": "\u7ba1\u7406\u5458"}, r"username must be Latin-1 text"),
    ("password with a newline", {"password": "pw\n"}, r"username and password must not hold a newline or NUL"),
    ("validate_certs not a bool", {"validate_certs": "maybe"}, TYPE_BOOL),
    ("request_timeout not a number", {"request_timeout": "soon"}, TYPE_FLOAT),
    ("request_timeout zero", {"request_timeout": 0}, r"request_timeout must be a number of seconds above 0, got 0"),
    ("request_timeout nan", {"request_timeout": "nan"}, r"request_timeout must be a finite number, got nan"),
    ("request_timeout infinite", {"request_timeout": "inf"}, r"request_timeout must be a finite number, got inf"),
    ("request_retries not an int", {"request_retries": "many"}, TYPE_INT),
    # (Not "inf": ansible-core 2.19's int conversion lets an OverflowError out for it.)
    ("request_retries nan", {"request_retries": "nan"}, TYPE_INT),
    ("request_retries negative", {"request_retries": -1}, r"request_retries must be 0 \(no retries\) or more"),
    ("ca_path a missing file", {"api_url": "https://127.0.0.1:9", "ca_path": "/nonexistent/ocp-ca.pem"},
     r"TLS failed \(.*/nonexistent/ocp-ca.pem\); set ca_path to the CA that signed OCP's certificate"),
    ("unknown option", {"tenant": "sys"}, r"(?:Unsupported parameters|Invalid options) for .*tenant"),
]

# Each module's own options: (module, case, arguments, message).
MODULE_CASES = [
    ("info", "task_id not an int", {"task_id": "latest"}, TYPE_INT),
    ("info", "task_id zero", {"task_id": 0}, r"task_id must be a positive integer, got 0"),
    ("info", "subtask_id negative", {"task_id": "NEXT", "subtask_id": -3},
     r"subtask_id must be a positive integer, got -3"),
    ("info", "subtask_id without task_id", {"subtask_id": 5}, r"subtask_id requires task_id"),
    ("info", "subtask_logs unknown", {"task_id": "NEXT", "subtask_logs": "some"},
     r"value of subtask_logs must be one of: none, failed, all, got: some"),
    ("info", "status unknown", {"status": ["DONE"]},
     r"value of status must be one or more of: RUNNING, FAILED, SUCCESSFUL. Got no match for: DONE"),
    ("info", "type unknown", {"type": "ADHOC"}, r"value of type must be one of: MANUAL, SYS_ONECE"),
    ("info", "cluster_id zero", {"cluster_id": 0}, r"cluster_id must be a positive integer, got 0"),
    ("info", "tenant_id not an int", {"tenant_id": "t_app"}, TYPE_INT),
    ("info", "host_id negative", {"host_id": -1}, r"host_id must be a positive integer, got -1"),
    ("info", "page zero", {"page": 0}, r"page must be a positive integer, got 0"),
    ("info", "size too large", {"size": 2001}, r"size must be between 1 and 2000, got 2001"),
    ("info", "size zero", {"size": 0}, r"size must be between 1 and 2000, got 0"),
    ("info", "sort malformed", {"sort": "id desc"}, r"sort must look like 'field,asc' or 'field,desc'"),
    ("info", "all_pages not a bool", {"all_pages": "every"}, TYPE_BOOL),
    ("info", "limit without all_pages", {"limit": 5}, r"limit applies only with all_pages: true"),
    ("info", "limit zero", {"all_pages": True, "limit": 0}, r"limit must be a positive integer, got 0"),
    ("info", "task_id with list filters", {"task_id": "NEXT", "status": ["FAILED"], "tenant_id": 1002},
     r"task_id reads one task and cannot be combined with the list filters: status, tenant_id"),
    ("info", "page with all_pages", {"page": 2, "all_pages": True}, r"page and all_pages are mutually exclusive"),

    ("task", "action missing", {"task_id": "NEXT"}, r"missing required arguments: action"),
    ("task", "action unknown", {"task_id": "NEXT", "action": "restart"},
     r"value of action must be one of: retry, rollback, got: restart"),
    ("task", "task_id missing", {"action": "retry"}, r"missing required arguments: task_id"),
    ("task", "task_id not an int", {"task_id": "1e3x", "action": "retry"}, TYPE_INT),
    ("task", "task_id zero", {"task_id": 0, "action": "retry"}, r"task_id must be a positive integer, got 0"),
    ("task", "fail_when_not_applicable not a bool",
     {"task_id": "NEXT", "action": "retry", "fail_when_not_applicable": "strict"}, TYPE_BOOL),
    ("task", "wait not a bool", {"task_id": "NEXT", "action": "retry", "wait": "forever"}, TYPE_BOOL),
    ("task", "wait_timeout negative", {"task_id": "NEXT", "action": "retry", "wait_timeout": -1},
     r"wait_timeout must be 0 or more seconds, got -1"),
    ("task", "wait_timeout not a number", {"task_id": "NEXT", "action": "retry", "wait_timeout": "1h"}, TYPE_FLOAT),
    ("task", "wait_sleep zero", {"task_id": "NEXT", "action": "retry", "wait_sleep": 0},
     r"wait_sleep must be more than 0 seconds, got 0"),
    ("task", "wait_sleep nan", {"task_id": "NEXT", "action": "retry", "wait": True, "wait_sleep": "nan"},
     r"wait_sleep must be a finite number, got nan"),
    ("task", "wait_timeout nan", {"task_id": "NEXT", "action": "retry", "wait": True, "wait_timeout": "nan"},
     r"wait_timeout must be a finite number, got nan"),
    ("task", "wait_timeout infinite", {"task_id": "NEXT", "action": "retry", "wait": True, "wait_timeout": "inf"},
     r"wait_timeout must be a finite number, got inf"),

    ("subtask", "action unknown", {"task_id": "NEXT", "subtask_id": 1, "action": "rollback"},
     r"value of action must be one of: cancel, retry, skip, got: rollback"),
    ("subtask", "action missing", {"task_id": "NEXT", "subtask_id": 1}, r"missing required arguments: action"),
    ("subtask", "task_id missing", {"subtask_id": 1, "action": "skip"}, r"missing required arguments: task_id"),
    ("subtask", "task_id negative", {"task_id": -2, "subtask_id": 1, "action": "skip"},
     r"task_id must be a positive integer, got -2"),
    ("subtask", "subtask_id and subtask_name", {"task_id": "NEXT", "subtask_id": 1, "subtask_name": "x",
                                                "action": "skip"},
     r"parameters are mutually exclusive: subtask_id\|subtask_name"),
    ("subtask", "subtask_id and subtask_description", {"task_id": "NEXT", "subtask_id": 1,
                                                       "subtask_description": "on host 10.0.0.2", "action": "skip"},
     r"parameters are mutually exclusive: subtask_id\|subtask_description"),
    ("subtask", "neither subtask_id nor subtask_name", {"task_id": "NEXT", "action": "skip"},
     r"one of the following is required: subtask_id, subtask_name, subtask_description"),
    ("subtask", "subtask_id zero", {"task_id": "NEXT", "subtask_id": 0, "action": "skip"},
     r"subtask_id must be a positive integer, got 0"),
    ("subtask", "subtask_id not an int", {"task_id": "NEXT", "subtask_id": "pool", "action": "skip"}, TYPE_INT),
    ("subtask", "subtask_name_match unknown", {"task_id": "NEXT", "subtask_name": "pool",
                                               "subtask_name_match": "glob", "action": "skip"},
     r"value of subtask_name_match must be one of: exact, regex, got: glob"),
    ("subtask", "subtask_name not a valid regex", {"task_id": "NEXT", "subtask_name": "Create (pool",
                                                   "subtask_name_match": "regex", "action": "skip"},
     r"subtask_name.*(?:regular expression|regex).*Create \(pool"),
    ("subtask", "subtask_description not a valid regex", {"task_id": "NEXT", "subtask_description": "host (2",
                                                          "subtask_description_match": "regex", "action": "skip"},
     r"subtask_description is not a valid regular expression \(.*\): 'host \(2'"),
    ("subtask", "subtask_description_match unknown", {"task_id": "NEXT", "subtask_description": "x",
                                                      "subtask_description_match": "glob", "action": "skip"},
     r"value of subtask_description_match must be one of: exact, regex, got: glob"),
    ("subtask", "wait_sleep negative", {"task_id": "NEXT", "subtask_id": 1, "action": "retry", "wait_sleep": -1},
     r"wait_sleep must be more than 0 seconds, got -1"),
    ("subtask", "wait_timeout negative", {"task_id": "NEXT", "subtask_id": 1, "action": "retry",
                                          "wait_timeout": -5}, r"wait_timeout must be 0 or more seconds, got -5"),
    ("subtask", "wait_sleep infinite", {"task_id": "NEXT", "subtask_id": 1, "action": "retry", "wait": True,
                                        "wait_sleep": "inf"}, r"wait_sleep must be a finite number, got inf"),
    ("subtask", "wait_timeout nan", {"task_id": "NEXT", "subtask_id": 1, "action": "retry", "wait": True,
                                     "wait_timeout": "nan"}, r"wait_timeout must be a finite number, got nan"),

    ("wait", "tasks missing", {}, r"missing required arguments: tasks"),
    ("wait", "task id zero", {"tasks": [0]}, r"a task reference must be a positive task id \(ASCII digits\), got 0"),
    ("wait", "task id a word", {"tasks": ["latest"]}, r"a task reference must be a positive task id \(ASCII digits\), got 'latest'"),
    ("wait", "task reference a bool", {"tasks": [True]}, r"a task reference must be a positive task id \(ASCII digits\), got True"),
    # str.isdigit() says yes to these; int() fails on the first and reads the second as 12.
    ("wait", "task id a superscript two", {"tasks": ["\u00b2"]},
     r"a task reference must be a positive task id \(ASCII digits\), got '\u00b2'"),
    ("wait", "task id in Arabic-Indic digits", {"tasks": ["\u0661\u0662"]},
     r"a task reference must be a positive task id \(ASCII digits\), got '\u0661\u0662'"),
    ("wait", "policy delay nan", {"tasks": ["NEXT"], "policy": {"rules": [{"action": "retry", "delay": float("nan")}]}},
     r"invalid policy: rules\[0\] key delay must be a number >= 0, got nan"),
    ("wait", "policy cancel limit infinite", {"tasks": ["NEXT"], "policy": {"rules": [
        {"action": "cancel", "running_longer_than": float("inf")}]}},
     r"invalid policy: rules\[0\] key running_longer_than must be a number >= 0, got inf"),
    ("wait", "tasks empty", {"tasks": []}, r"tasks.*(?:empty|at least one|no task)"),
    ("wait", "policy not a dict", {"tasks": ["NEXT"], "policy": ["retry"]}, r"policy.*(?:type|dict)"),
    ("wait", "policy unknown key", {"tasks": ["NEXT"], "policy": {"retries": 3}},
     r"invalid policy: policy has unknown key\(s\) retries"),
    ("wait", "policy rule action unknown", {"tasks": ["NEXT"], "policy": {"rules": [{"action": "reboot"}]}},
     r"invalid policy: rules\[0\] key action must be one of retry, skip, rollback, cancel, fail, got 'reboot'"),
    ("wait", "policy cancel without a limit", {"tasks": ["NEXT"], "policy": {"rules": [{"action": "cancel"}]}},
     r"invalid policy: rules\[0\] needs running_longer_than"),
    ("wait", "policy max_attempts zero", {"tasks": ["NEXT"], "policy": {"rules": [
        {"action": "retry", "max_attempts": 0}]}}, r"invalid policy: rules\[0\] key max_attempts must be an integer >= 1"),
    ("wait", "policy max_actions negative", {"tasks": ["NEXT"], "policy": {"max_actions": -1}},
     r"invalid policy: key max_actions must be an integer >= 0, got -1"),
    ("wait", "policy bad regex", {"tasks": ["NEXT"], "policy": {"rules": [
        {"action": "skip", "match": {"subtask_name": "(unclosed"}}]}},
     r"invalid policy: rules\[0\] key match.subtask_name is not a valid regular expression"),
    ("wait", "policy option of another action", {"tasks": ["NEXT"], "policy": {"rules": [
        {"action": "skip", "max_attempts": 2}]}}, r"invalid policy: rules\[0\] has unknown key\(s\) max_attempts"),
    ("wait", "wait_timeout negative", {"tasks": ["NEXT"], "wait_timeout": -1},
     r"wait_timeout must be 0 or more seconds, got -1"),
    ("wait", "wait_sleep not a number", {"tasks": ["NEXT"], "wait_sleep": "often"}, TYPE_FLOAT),
    ("wait", "wait_sleep zero", {"tasks": ["NEXT"], "wait_sleep": 0}, r"wait_sleep must be more than 0 seconds"),
    ("wait", "progress_interval zero", {"tasks": ["NEXT"], "progress_interval": 0},
     r"progress_interval must be a number of seconds above 0, got 0"),
    ("wait", "wait_timeout nan", {"tasks": ["NEXT"], "wait_timeout": "nan"},
     r"wait_timeout must be a finite number, got nan"),
    ("wait", "wait_timeout infinite", {"tasks": ["NEXT"], "wait_timeout": "inf"},
     r"wait_timeout must be a finite number, got inf"),
    ("wait", "wait_sleep nan", {"tasks": ["NEXT"], "wait_sleep": "nan"}, r"wait_sleep must be a finite number, got nan"),
    ("wait", "progress_interval nan", {"tasks": ["NEXT"], "progress_interval": "nan"},
     r"progress_interval must be a finite number, got nan"),
    ("wait", "progress_interval infinite", {"tasks": ["NEXT"], "progress_interval": "inf"},
     r"progress_interval must be a finite number, got inf"),
    ("wait", "fail_when_unsuccessful not a bool", {"tasks": ["NEXT"], "fail_when_unsuccessful": "sometimes"},
     TYPE_BOOL),
    ("wait", "wait is not an option", {"tasks": ["NEXT"], "wait": True}, r"Invalid options for .*ocp_task_wait: wait"),

    # ocp_api: {NEXT} in a path that would be sent becomes a fresh id, to tell the cases apart in the journal.
    ("api", "path missing", {"method": "GET"}, r"missing required arguments: path"),
    ("api", "path without /api/", {"path": "/v2/ob/clusters/1/upgrade", "method": "POST"},
     r"path must start with /api/ \(the API path that follows api_url.*got '/v2/ob/clusters/1/upgrade'"),
    ("api", "path a full URL", {"path": "http://127.0.0.1:9/api/v2/tasks/instances"}, r"path must start with /api/"),
    ("api", "path the web console", {"path": "/"}, r"path must start with /api/"),
    ("api", "path with a query string", {"path": "/api/v2/tasks/instances?status=FAILED"},
     r"path must not contain '\?' or '#': give query parameters in query"),
    ("api", "path with dot segments", {"path": "/api/v2/tasks/../../status"},
     r"path must not contain '\.' or '\.\.' segments"),
    ("api", "path with encoded dot segments", {"path": "/api/v2/%2e%2E/status"}, r"'\.' or '\.\.' segments"),
    # Tomcat drops a segment's parameters before resolving it: '..;x' is '..' there.
    ("api", "path with a dot segment carrying parameters", {"path": "/api/..;/x"}, r"'\.' or '\.\.' segments"),
    ("api", "path with an encoded slash", {"path": "/api/v2/tasks/..%2f..%2fstatus"},
     r"must not contain an encoded '/' or '\\' \(%2F, %5C\)"),
    ("api", "path with an encoded backslash", {"path": "/api/v2/tasks/%5C..%5Cstatus"}, r"encoded '/' or"),
    ("api", "path with a space", {"path": "/api/v2/ob/clusters/obcluster 1"}, r"percent-encode anything else"),
    ("api", "path not ASCII", {"path": "/api/v2/ob/tenants/租户"}, r"percent-encode anything else"),
    ("api", "path with an empty segment", {"path": "/api/v2/ob/clusters//upgrade", "method": "POST"},
     r"path has an empty segment \('//'\)"),
    ("api", "method outside the list", {"path": "/api/v2/ob/clusters/{NEXT}/upgrade", "method": "PATCH"},
     r"value of method must be one of: GET, POST, PUT, DELETE, got: PATCH"),
    ("api", "method in lower case", {"path": "/api/v2/ob/clusters/{NEXT}/upgrade", "method": "post"},
     r"value of method must be one of: GET, POST, PUT, DELETE, got: post"),
    ("api", "query a nested dict", {"path": "/api/v2/tasks/instances/{NEXT}", "query": {"filter": {"status": "FAILED"}}},
     r"query filter must be a string, a number, a boolean or a list of those"),
    ("api", "query a list in a list", {"path": "/api/v2/tasks/instances/{NEXT}", "query": {"status": [["FAILED"]]}},
     r"query status must be a string"),
    ("api", "query not a dict", {"path": "/api/v2/tasks/instances/{NEXT}", "query": ["status", "FAILED"]},
     r"query.*(?:dict|type)"),
    ("api", "query NaN", {"path": "/api/v2/tasks/instances/{NEXT}", "query": {"ratio": float("nan")}},
     r"query ratio is not a finite number: nan"),
    ("api", "body NaN", {"path": "/api/v2/ob/clusters/{NEXT}/upgrade", "method": "POST",
                         "body": {"rpmFileName": float("nan")}},
     r"the body cannot be sent as JSON: Out of range float values are not JSON compliant"),
    ("api", "body infinity in a list", {"path": "/api/v2/ob/clusters/{NEXT}/upgrade", "method": "PUT",
                                        "body": [{"ratio": float("-inf")}]},
     r"the body cannot be sent as JSON: Out of range float values"),
    ("api", "body with a GET", {"path": "/api/v2/tasks/instances/{NEXT}", "body": {"status": "FAILED"}},
     r"a GET sends no body; give its parameters in query"),
    ("api", "every problem at once", {"path": "/v2/x", "query": {"a": {}}, "method": "POST",
                                      "body": {"n": float("inf")}},
     r"path must start with /api/.*; query a must be a string.*; the body cannot be sent as JSON"),
]

# Task ids no scenario task has: a request that slipped through names its case in the journal.
_task_ids = itertools.count(900001)


def with_ids(value):
    """``value`` with each "NEXT" replaced by a fresh task id, and "{NEXT}" in a string by one too."""
    if value == "NEXT":
        return next(_task_ids)
    if isinstance(value, str) and "{NEXT}" in value:
        return value.replace("{NEXT}", str(next(_task_ids)))
    if isinstance(value, list):
        return [with_ids(item) for item in value]
    if isinstance(value, dict):
        return {key: with_ids(item) for key, item in value.items()}
    return value


def valid_args(module):
    """Arguments with which ``module`` would send a request: the base of a connection case."""
    return {"info": {"task_id": "NEXT"}, "task": {"task_id": "NEXT", "action": "retry"},
            "subtask": {"task_id": "NEXT", "subtask_id": 1, "action": "skip"},
            "wait": {"tasks": ["NEXT"]},
            "api": {"method": "POST", "path": "/api/v2/ob/clusters/{NEXT}/upgrade",
                    "body": {"rpmFileName": "oceanbase-4.2.5.1-101000092024120111.el7.x86_64.rpm"}}}[module]


def cases(connection):
    """Every case as ``{name, module, args, message}``, ``connection`` ({api_url, username, password})
    under each module's own arguments, every connection case for every module."""
    found = []
    for module in MODULES:
        for name, overrides, message in CONNECTION_CASES:
            args = dict(connection, **valid_args(module))
            args.update(overrides)
            args = {key: value for key, value in args.items() if value is not DROP}
            found.append(dict(name="%s: %s" % (module, name), module=module, args=with_ids(args), message=message))
    for module, name, args, message in MODULE_CASES:
        found.append(dict(name="%s: %s" % (module, name), module=module, args=with_ids(dict(connection, **args)),
                          message=message))
    return found
