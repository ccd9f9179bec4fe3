# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the unit tests that script OCP's HTTP answers with ``responses`` share: the address, the
envelope of a successful answer, a TaskApi that never retries (an unscripted call fails), and the
ScriptedList behind conftest's ``scripted_list``, whose task list filters by status as OCP's does."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import json
from urllib.parse import parse_qsl, urlsplit

import responses

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.ocp_client import OcpClient
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.backoff import RetryPolicy
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.task_api import TaskApi

URL = "https://ocp.test"
TASKS = URL + "/api/v2/tasks/instances"


def envelope(data=None):
    answer = {"successful": True, "status": 200, "traceId": "0123456789abcdef"}
    if data is not None:
        answer["data"] = data
    return answer


def task_api():
    return TaskApi(OcpClient(URL, username="admin", password="secret", retry_policy=RetryPolicy(max_retries=0)))


EMPTY_PAGE = envelope(dict(contents=[], page=dict(totalElements=0, totalPages=1, number=1, size=2000)))


class ScriptedList:
    """``responses`` with OCP's task list answered as OCP answers it: the list answers a test
    registers are served in phases (those registered before the first POST until it is sent, and so
    on), page by page (the last one again), each filtered by the ``status`` the request asks for.
    Entries of a status OCP does not have pass through: a hostile OCP sends what it likes."""

    def __init__(self, mock):
        self._mock = mock
        self._phases = [[]]
        self._listening = False

    @property
    def calls(self):
        return self._mock.calls

    def add(self, method, url, **kwargs):
        if method == responses.GET and url == TASKS:
            self._phases[-1].append(kwargs['json'])
            if not self._listening:
                self._mock.add_callback(responses.GET, TASKS, callback=self._list)
                self._listening = True
            return
        if method == responses.POST:
            self._phases.append([])
        self._mock.add(method, url, **kwargs)

    def add_callback(self, method, url, **kwargs):
        if method == responses.POST:
            self._phases.append([])
        self._mock.add_callback(method, url, **kwargs)

    def _list(self, request):
        query = dict(parse_qsl(urlsplit(request.url).query))
        sent = sum(1 for call in self._mock.calls if call.request.method == 'POST')
        answers = self._phases[min(sent, len(self._phases) - 1)] or [EMPTY_PAGE]
        answer = copy.deepcopy(answers[min(int(query.get('page', 1)), len(answers)) - 1])
        asked = query.get('status', '').split(',') if query.get('status') else None
        data = answer.get('data')
        if asked and isinstance(data, dict) and isinstance(data.get('contents'), list):
            data['contents'] = [entry for entry in data['contents'] if not isinstance(entry, dict)
                                or entry.get('status') not in KNOWN_STATUSES or entry.get('status') in asked]
        return 200, {'Content-Type': 'application/json'}, json.dumps(answer)


KNOWN_STATUSES = ('RUNNING', 'FAILED', 'SUCCESSFUL')
