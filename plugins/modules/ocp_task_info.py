#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: oceanbase.ocp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: ocp_task_info
short_description: Read OceanBase Cloud Platform (OCP) tasks, their subtasks and logs
version_added: 1.0.0
description:
  - Reads one OCP task by O(task_id), with its subtasks in the order they run (each after its C(upstreams)), or lists
    tasks by any filter of OCP's C(GET /api/v2/tasks/instances).
  - Optionally reads subtask logs, either of the failed subtasks or of all of them, and one
    subtask with its log.
  - Tasks are returned with OCP's own field names, plus computed conveniences per task
    (C(finished), C(succeeded), C(rolled_back), C(failed_subtasks)).
  - Each piece of data is returned once - a task read by O(task_id) in RV(task), each log in its
    subtask's C(log) - so that long logs do not multiply the size of the result.
  - When a list holds fewer tasks than match the filters (the first page, or O(limit) reached), the
    module warns and says how to get them all.
  - This module only reads; it never reports C(changed).
author:
  - oceanbase.ocp maintainers (@oceanbase)
extends_documentation_fragment:
  - oceanbase.ocp.connection
  - oceanbase.ocp.task_filters
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Reads only, so it runs unchanged in check mode.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in diff_mode), when in diff mode.
    support: none
options:
  task_id:
    description:
      - ID of the task to read. Mutually exclusive with the list filters.
    type: int
  subtask_id:
    description:
      - ID of one subtask of O(task_id) to return, with its log, in RV(subtask).
      - Its log is returned there only, not also in the C(subtasks) of RV(task).
    type: int
  subtask_logs:
    description:
      - Which subtask logs to read and attach to each subtask as C(log).
      - V(failed) reads the logs of FAILED subtasks only, V(all) those of every subtask.
      - Each FAILED subtask whose log was read also gets, in C(failed_subtasks), C(cause) - the
        line of the log that says why it failed.
      - In list mode each listed task is read in detail first, one request per task, plus
        one request per log.
    type: str
    choices: [none, failed, all]
    default: none
  page:
    description:
      - Page to return, starting at 1. When omitted, the first page, with a warning if more tasks match.
      - Mutually exclusive with O(all_pages).
    type: int
  size:
    description:
      - Tasks per page, from 1 to 2000.
    type: int
    default: 10
  sort:
    description:
      - Sort order as C(field,asc) or C(field,desc), for example C(id,desc); applies to one page and to
        O(all_pages) alike.
    type: str
  all_pages:
    description:
      - Read every page (2000 tasks a request) instead of one, up to O(limit) tasks.
    type: bool
    default: false
  limit:
    description:
      - With O(all_pages), stop after this many tasks, with a warning if more match.
    type: int
notes:
  - OCP answers an unknown URL with its web console page and HTTP 200; the module reports
    that as an error naming O(api_url) rather than returning nothing.
  - A task OCP answers malformed (a subtask id that is no positive integer, a field of the wrong type,
    JSON nested too deeply) fails a read by O(task_id) with a message naming the task, the field and
    what was found. A list leaves such tasks out of RV(tasks), names them in RV(malformed) and warns.
seealso:
  - module: oceanbase.ocp.ocp_task_action
  - module: oceanbase.ocp.ocp_subtask_action
'''

EXAMPLES = r'''
# Against the OCP simulator (ocp-simulator, default scenario). ocp_password stands for a secret
# you keep in Ansible Vault; without api_url and credentials, the OCP_* variables are used.
- name: Read a task with the logs of its failed subtasks
  oceanbase.ocp.ocp_task_info:
    api_url: http://127.0.0.1:8080
    username: admin
    password: "{{ ocp_password }}"
    task_id: 1004
    subtask_logs: failed
  register: ocp_task

- name: Show why it failed
  ansible.builtin.debug:
    msg: "{{ item.name }}: {{ item.cause }}"
  loop: "{{ ocp_task.task.failed_subtasks }}"
  loop_control:
    label: "{{ item.id }}"

- name: List every failed task of cluster 1, newest first
  oceanbase.ocp.ocp_task_info:
    cluster_id: 1
    status: [FAILED]
    sort: id,desc
    all_pages: true
    limit: 5000
  register: failed_tasks
  # api_url and credentials from OCP_URL, OCP_USERNAME and OCP_PASSWORD (or OCP_ACCESS_KEY_ID
  # and OCP_ACCESS_KEY_SECRET)

- name: Read one subtask and its log
  oceanbase.ocp.ocp_task_info:
    task_id: 1004
    subtask_id: 1000050
  register: ocp_subtask
'''

RETURN = r'''
task:
  description:
    - The task read by O(task_id), with OCP's field names and the computed conveniences.
    - Each subtask carries C(log) when O(subtask_logs) selected it.
    - C(failed_subtasks) are the FAILED subtasks without their C(log) (it is in C(subtasks)), with
      C(cause), the line of the log that says why, when the log was read.
  returned: when O(task_id) is given
  type: dict
  sample:
    id: 1004
    name: Create tenant
    status: FAILED
    operation: EXECUTE
    prohibitRollback: false
    finished: true
    succeeded: false
    rolled_back: false
    failed_subtasks:
      - id: 1000050
        name: Create resource pool
        description: Create the resource pool of tenant t_report
        status: FAILED
        operation: EXECUTE
        runTime: 1
        cause: "2026-11-26 19:18:59.448 ERROR [subtask-executor-8,d58aa45ba70e69c5] c.o.o.s.t.b.tenant.CreateResourcePoolTask :
          ERROR 4733 (HY000): zone 'zone1' resource not enough to hold new unit, max_memory=8589934592"
    subtasks:
      - {id: 1000048, seriesId: 1, name: Check tenant parameters, status: SUCCESSFUL, operation: EXECUTE, parallelIdx: -1}
      - {id: 1000050, seriesId: 3, name: Create resource pool, status: FAILED, operation: EXECUTE, parallelIdx: -1,
         log: "..."}
tasks:
  description:
    - The tasks listed, in OCP's order.
    - Each carries C(finished) (not RUNNING), C(succeeded) (SUCCESSFUL and not rolled back),
      C(rolled_back) (SUCCESSFUL with operation ROLLBACK) and C(failed_subtasks), as RV(task) does.
  returned: in list mode, that is without O(task_id)
  type: list
  elements: dict
malformed:
  description:
    - The tasks OCP sent malformed, left out of RV(tasks) (their entry, or their detail read for
      O(subtask_logs)), each with C(id) (null when the id itself cannot be read) and C(reason), which
      names the field and what was found.
  returned: in list mode, that is without O(task_id)
  type: list
  elements: dict
  sample: [{id: 1030, reason: "task 1030, subtasks[2]: id is not a positive integer (found 'x')"}]
subtask:
  description: The subtask given by O(subtask_id), with its C(log).
  returned: when O(subtask_id) is given
  type: dict
page:
  description: OCP's paging information of the page read.
  returned: in list mode without O(all_pages)
  type: dict
  sample: {number: 1, size: 10, totalElements: 42, totalPages: 5}
total:
  description: How many tasks match the filters, as OCP counts them (also when O(limit) stopped the list).
  returned: in list mode
  type: int
trace_id:
  description: OCP's trace ID of the last request, to quote when asking OCP's support.
  returned: always
  type: str
'''

import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpError
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.arguments import client_from_module, ocp_argument_spec
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.results import fail_from_error
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.task_info import SubtaskNotFound, read_list, read_one
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.filters import FILTER_OPTIONS, ID_FILTERS, filter_argument_spec
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.task_api import TaskApi
from ansible_collections.oceanbase.ocp.plugins.module_utils.vocabulary import MAX_PAGE_SIZE
SORT_PATTERN = re.compile(r'^[A-Za-z]+,(asc|desc)$')


def argument_spec():
    spec = ocp_argument_spec()
    spec.update(
        task_id=dict(type='int'),
        subtask_id=dict(type='int'),
        subtask_logs=dict(type='str', choices=['none', 'failed', 'all'], default='none'),
        page=dict(type='int'),
        size=dict(type='int', default=10),
        sort=dict(type='str'),
        all_pages=dict(type='bool', default=False),
        limit=dict(type='int'),
    )
    spec.update(filter_argument_spec())
    return spec


def validation_errors(params):
    """What is wrong with the options that AnsibleModule cannot check itself."""
    errors = []
    for option in ('task_id', 'subtask_id', 'page', 'limit') + ID_FILTERS:
        if params[option] is not None and params[option] < 1:
            errors.append('%s must be a positive integer, got %s' % (option, params[option]))
    if not 1 <= params['size'] <= MAX_PAGE_SIZE:
        errors.append('size must be between 1 and %d, got %d' % (MAX_PAGE_SIZE, params['size']))
    if params['sort'] is not None and not SORT_PATTERN.match(params['sort']):
        errors.append("sort must look like 'field,asc' or 'field,desc', got %r" % params['sort'])
    if params['task_id'] is not None:
        used_filters = [option for option in FILTER_OPTIONS if params[option] is not None]
        if used_filters:
            errors.append('task_id reads one task and cannot be combined with the list filters: %s'
                          % ', '.join(used_filters))
    if params['subtask_id'] is not None and params['task_id'] is None:
        errors.append('subtask_id requires task_id')
    if params['all_pages'] and params['page'] is not None:
        errors.append('page and all_pages are mutually exclusive')
    if params['limit'] is not None and not params['all_pages']:
        errors.append('limit applies only with all_pages: true')
    return errors


def main():
    # The connection options' constraints are checked by client_from_module, in messages that
    # name the OCP_* variables.
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    params = module.params
    errors = validation_errors(params)
    if errors:
        module.fail_json(msg='; '.join(errors))

    client = client_from_module(module)
    api = TaskApi(client)
    warnings = []
    try:
        if params['task_id'] is not None:
            result = read_one(api, params['task_id'], params['subtask_logs'], params['subtask_id'])
        else:
            result, warnings = read_list(api, params)
    except OcpError as error:
        fail_from_error(module, error)
    except SubtaskNotFound as error:
        module.fail_json(msg=str(error), trace_id=client.last_trace_id)
    for warning in warnings:
        module.warn(warning)
    module.exit_json(changed=False, trace_id=client.last_trace_id, **result)


if __name__ == '__main__':
    main()
