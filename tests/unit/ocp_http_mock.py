# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the unit tests that script OCP's HTTP answers with ``responses`` share: the address, the
envelope of a successful answer and a TaskApi that never retries (an unscripted call fails)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

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
