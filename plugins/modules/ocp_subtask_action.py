#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: oceanbase.ocp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: ocp_subtask_action
short_description: Cancel, retry or skip a subtask of an OceanBase Cloud Platform (OCP) task, safely and idempotently
version_added: 1.0.0
description:
  - Cancels a RUNNING subtask, retries a FAILED one or skips a FAILED one, in an OCP task.
  - The subtask is given by O(subtask_id), or by O(subtask_name) and/or O(subtask_description) so
    that a playbook need not know ids. It must belong to O(task_id); when no subtask or more than
    one matches, the module fails and lists the candidates with their descriptions.
  - The task is read first and the action is sent only when OCP accepts it in the subtask's
    current state. When what the action is for already holds, the module changes nothing and
    says why in RV(reason) - a skip of a subtask already SUCCESSFUL or skipped, a cancel of a
    subtask already CANCELING or finished, a retry of a subtask already being retried or
    successful. So a playbook can be run again safely.
  - An action that does not fit the state (a cancel of a PENDING subtask, a retry or skip of a
    RUNNING one) changes nothing, or fails when O(fail_when_not_applicable=true).
  - The module fails without sending anything when OCP can never accept the action - a retry
    of a subtask that failed during a rollback, or of any subtask of a task under rollback.
  - The action is sent at most once. When its answer is lost (timeout, dropped connection,
    HTTP 5xx) the module reads the task again and reports whether OCP carried the action out,
    instead of sending it again.
  - With O(wait=true), waits until the task finishes. After a retry or skip the task must
    succeed (end rolled back, for a skip during a rollback); after a cancel any end will do,
    since the point was to stop. Otherwise, or at the timeout, the module fails with the last
    state of the task, its failed subtasks with the end of their logs, and the time waited.
author:
  - oceanbase.ocp maintainers (@oceanbase)
extends_documentation_fragment:
  - oceanbase.ocp.connection
  - oceanbase.ocp.wait
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Reads the task and predicts C(changed) from the subtask's state; sends no action and does not wait.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in diff_mode), when in diff mode.
    support: full
    details:
      - Returns RV(diff) with the status and operation of the task and its subtasks before and after the action
        (in check mode, as OCP would set them).
options:
  action:
    description:
      - V(cancel) stops a RUNNING subtask; it becomes FAILED with operation C(CANCEL), and the task FAILED.
      - V(retry) runs a FAILED subtask again.
      - V(skip) marks a FAILED subtask done without running it (during a rollback, without undoing it).
    type: str
    required: true
    choices: [cancel, retry, skip]
  task_id:
    description: ID of the task the subtask belongs to.
    type: int
    required: true
  subtask_id:
    description:
      - ID of the subtask. Mutually exclusive with O(subtask_name) and O(subtask_description); one of
        the three is required.
    type: int
  subtask_name:
    description:
      - Name of the subtask, compared as O(subtask_name_match) says.
      - Subtasks that run once per host share a name (C(Install OCP agent)); add O(subtask_description)
        to tell them apart, or use O(subtask_id).
    type: str
  subtask_description:
    description:
      - Description of the subtask, compared as O(subtask_description_match) says. OCP describes a
        per-host subtask with its host, for example C(Install the OCP agent on host 10.0.0.2).
      - With O(subtask_name) too, the subtask must match both.
    type: str
  subtask_description_match:
    description:
      - How O(subtask_description) is compared with the subtask descriptions, as
        O(subtask_name_match) for names.
      - V(exact) compares whole descriptions, case included.
      - V(regex) searches the description for the Python regular expression O(subtask_description),
        for example V(10\\.0\\.0\\.2$) for the host 10.0.0.2.
    type: str
    choices: [exact, regex]
    default: exact
  subtask_name_match:
    description:
      - How O(subtask_name) is compared with the subtask names.
      - V(exact) compares whole names, case included.
      - V(regex) searches the name for the Python regular expression O(subtask_name), anywhere in
        it unless anchored with C(^) and C($).
    type: str
    choices: [exact, regex]
    default: exact
  fail_when_not_applicable:
    description:
      - Fail instead of reporting no change when the action does not apply to the subtask's
        current state (for example a cancel of a PENDING subtask).
      - Cases where the outcome already holds (RV(decision=already_done)) never fail.
    type: bool
    default: false
notes:
  - The OCP user needs the C(TASK_MANAGER) permission to act and C(TASK_VIEWER) to read tasks.
  - OCP changes the subtask in steps (a skipped subtask is READY before it is SUCCESSFUL, a
    cancelled one CANCELING before FAILED); use O(wait=true) to get the task's final state.
seealso:
  - module: oceanbase.ocp.ocp_task_info
  - module: oceanbase.ocp.ocp_task_action
'''

EXAMPLES = r'''
# Against the OCP simulator (ocp-simulator, default scenario). ocp_password stands for a secret
# you keep in Ansible Vault; without api_url and credentials, the OCP_* variables are used.
- name: Skip the failed resource pool step of a tenant creation and wait for the rest
  oceanbase.ocp.ocp_subtask_action:
    api_url: http://127.0.0.1:8080
    username: admin
    password: "{{ ocp_password }}"
    task_id: 1004
    subtask_name: Create resource pool
    action: skip
    wait: true

- name: Retry the agent installation on host 10.0.0.2 of a host addition
  oceanbase.ocp.ocp_subtask_action:
    task_id: 1000
    subtask_name: Install OCP agent
    subtask_description: "10\\.0\\.0\\.2$"
    subtask_description_match: regex
    action: retry
  register: agent_install
  # Every host's subtask is named "Install OCP agent"; the description names the host. This one
  # succeeded already, so the module reports no change and says why in agent_install.reason.

- name: Retry one subtask by id, failing if it is not FAILED
  oceanbase.ocp.ocp_subtask_action:
    task_id: 1005
    subtask_id: 1000065
    action: retry
    fail_when_not_applicable: true
  register: retried
'''

RETURN = r'''
action:
  description: The action asked for.
  returned: always
  type: str
  sample: skip
performed:
  description:
    - Whether OCP carried out the action in this run; the same as C(changed) outside check mode.
    - False in check mode, where nothing is sent.
  returned: always
  type: bool
decision:
  description:
    - What the state of the subtask, read before acting, called for.
    - V(apply) the action is allowed and was sent (predicted in check mode).
    - V(already_done) what the action is for already holds, nothing was sent.
    - V(not_applicable) the action does not fit the subtask's state, nothing was sent.
    - V(impossible) OCP can never accept the action for this subtask; the module failed.
  returned: always
  type: str
  sample: apply
reason:
  description: Why the module acted or did not, in plain words.
  returned: always
  type: str
  sample: subtask 1000031 'Create resource pool' is FAILED (FAILED/EXECUTE), so OCP skips it
task:
  description:
    - The task with OCP's field names and the conveniences of M(oceanbase.ocp.ocp_task_info)
      (C(finished), C(succeeded), C(rolled_back), C(failed_subtasks)).
    - As read after the action, or at the end of the wait; as read before when nothing was sent.
  returned: when the task could be read
  type: dict
subtask:
  description: The subtask acted on, from RV(task).
  returned: when the subtask was found
  type: dict
  sample:
    id: 1000031
    name: Create resource pool
    status: READY
    operation: SKIP
    runTime: 1
wait:
  description: How the wait ended, or null without O(wait=true), in check mode and when the action did not apply.
  returned: always
  type: dict
  contains:
    outcome:
      description: V(succeeded), V(failed), V(rolled_back) (not a success) or V(timed_out).
      type: str
      sample: succeeded
    elapsed:
      description: Seconds waited.
      type: float
      sample: 42.0
    polls:
      description: How many times the task was read.
      type: int
      sample: 6
failed_subtasks:
  description:
    - When the wait ends otherwise than expected, the task's FAILED subtasks, each with
      C(log_excerpt) (the last lines of its latest run) and C(cause) (the line of it that says why).
  returned: when the wait fails
  type: list
  elements: dict
elapsed:
  description: Seconds waited.
  returned: when the wait fails
  type: float
diff:
  description: With C(--diff), the status and operation of the task and its subtasks before and after the action.
  returned: in diff mode, when the action was sent or would be sent
  type: dict
trace_id:
  description: OCP's trace ID of the action request, or of the last request when none was sent; quote it to OCP support.
  returned: always
  type: str
  sample: 0ad1992a1c6a1374
'''

import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.action_run import (
    SubtaskTarget,
    action_argument_spec,
    run_action_module,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.vocabulary import SUBTASK_ACTIONS
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.arguments import client_from_module
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.task_api import TaskApi


def argument_spec():
    spec = action_argument_spec(SUBTASK_ACTIONS)
    spec.update(
        subtask_id=dict(type='int'),
        subtask_name=dict(type='str'),
        subtask_name_match=dict(type='str', choices=['exact', 'regex'], default='exact'),
        subtask_description=dict(type='str'),
        subtask_description_match=dict(type='str', choices=['exact', 'regex'], default='exact'),
    )
    return spec


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        supports_check_mode=True,
        mutually_exclusive=[('subtask_id', 'subtask_name'), ('subtask_id', 'subtask_description')],
        required_one_of=[('subtask_id', 'subtask_name', 'subtask_description')],
    )
    params = module.params
    if params['subtask_id'] is not None and params['subtask_id'] < 1:
        module.fail_json(msg='subtask_id must be a positive integer, got %s' % params['subtask_id'])
    for option in ('subtask_name', 'subtask_description'):
        if params[option] is not None and params[option + '_match'] == 'regex':
            # Checked before the task is read: a typo in the pattern must not cost a request.
            try:
                re.compile(params[option])
            except re.error as error:
                module.fail_json(msg='%s is not a valid regular expression (%s): %r' % (option, error, params[option]))
    client = client_from_module(module)
    target = SubtaskTarget(
        TaskApi(client), params['action'], params['task_id'], subtask_id=params['subtask_id'],
        subtask_name=params['subtask_name'], name_match=params['subtask_name_match'],
        subtask_description=params['subtask_description'], description_match=params['subtask_description_match'])
    run_action_module(module, client, target)


if __name__ == '__main__':
    main()
