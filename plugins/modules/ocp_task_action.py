#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: oceanbase.ocp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: ocp_task_action
short_description: Retry or roll back an OceanBase Cloud Platform (OCP) task, safely and idempotently
version_added: 1.0.0
description:
  - Retries a FAILED OCP task (OCP runs its failed subtasks again) or rolls it back (OCP undoes
    its subtasks in reverse dependency order).
  - The task is read first and the action is sent only when OCP accepts it in the task's
    current state. When what the action is for already holds, the module changes nothing and
    says why in RV(reason) - a retry of a task that is RUNNING or SUCCESSFUL, a rollback of a
    task already rolling back or rolled back. So a playbook can be run again safely.
  - A rollback of a running or successful task does not apply; the module then changes nothing,
    or fails when O(fail_when_not_applicable=true).
  - The module fails without sending anything when OCP can never accept the action - a
    rollback of a task with C(prohibitRollback), a retry of a task that was rolled back or failed
    while rolling back.
  - The action is sent at most once. When its answer is lost (timeout, dropped connection,
    HTTP 5xx) the module reads the task again and reports whether OCP carried the action out,
    instead of sending it again.
  - With O(wait=true), waits until the task finishes. A retried task must succeed and a rolled
    back task must end rolled back; any other end, or the timeout, fails the module with the
    last state of the task, its failed subtasks with the end of their logs, and the time waited.
author:
  - oceanbase.ocp maintainers (@oceanbase)
extends_documentation_fragment:
  - oceanbase.ocp.connection
  - oceanbase.ocp.wait
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Reads the task and predicts C(changed) from its state; sends no action and does not wait.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in diff_mode), when in diff mode.
    support: full
    details:
      - Returns RV(diff) with the status and operation of the task and its subtasks before and after the action
        (in check mode, as OCP would set them).
options:
  action:
    description:
      - V(retry) runs every FAILED subtask of a FAILED task again.
      - V(rollback) undoes the subtasks of a FAILED task; also the way to resume a rollback that failed.
    type: str
    required: true
    choices: [retry, rollback]
  task_id:
    description: ID of the task.
    type: int
    required: true
  fail_when_not_applicable:
    description:
      - Fail instead of reporting no change when the action does not apply to the task's
        current state (a rollback of a RUNNING or SUCCESSFUL task).
      - Cases where the outcome already holds (RV(decision=already_done)) never fail.
    type: bool
    default: false
notes:
  - The OCP user needs the C(TASK_MANAGER) permission to act and C(TASK_VIEWER) to read tasks.
  - The task, read after the action, may still show the state before it for a moment; use
    O(wait=true) to get its final state.
seealso:
  - module: oceanbase.ocp.ocp_task_info
  - module: oceanbase.ocp.ocp_subtask_action
'''

EXAMPLES = r'''
# Against the OCP simulator (ocp-simulator, default scenario). ocp_password stands for a secret
# you keep in Ansible Vault; without api_url and credentials, the OCP_* variables are used.
- name: Retry a failed cluster upgrade and wait until it succeeds
  oceanbase.ocp.ocp_task_action:
    api_url: http://127.0.0.1:8080
    username: admin
    password: "{{ ocp_password }}"
    task_id: 1005
    action: retry
    wait: true
    wait_timeout: 3600
  register: retried

- name: Say what was done
  ansible.builtin.debug:
    msg: "{{ retried.reason }}"

- name: Roll back a failed tenant creation; fail if it is not in a state to be rolled back
  oceanbase.ocp.ocp_task_action:
    task_id: 1004
    action: rollback
    fail_when_not_applicable: true
    wait: true
'''

RETURN = r'''
action:
  description: The action asked for.
  returned: always
  type: str
  sample: retry
performed:
  description:
    - Whether OCP carried out the action in this run; the same as C(changed) outside check mode.
    - False in check mode, where nothing is sent.
  returned: always
  type: bool
decision:
  description:
    - What the state of the task, read before acting, called for.
    - V(apply) the action is allowed and was sent (predicted in check mode).
    - V(already_done) what the action is for already holds, nothing was sent.
    - V(not_applicable) the action does not fit the task's state, nothing was sent.
    - V(impossible) OCP can never accept the action for this task; the module failed.
  returned: always
  type: str
  sample: apply
reason:
  description: Why the module acted or did not, in plain words.
  returned: always
  type: str
  sample: task 1024 'Create tenant' is FAILED (FAILED/EXECUTE), so OCP retries its failed subtasks
task:
  description:
    - The task with OCP's field names and the conveniences of M(oceanbase.ocp.ocp_task_info)
      (C(finished), C(succeeded), C(rolled_back), C(failed_subtasks)).
    - As read after the action, or at the end of the wait; as read before when nothing was sent.
  returned: when the task could be read
  type: dict
  sample:
    id: 1024
    name: Create tenant
    status: RUNNING
    operation: RETRY
    finished: false
    succeeded: false
    rolled_back: false
    failed_subtasks: []
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
      sample: 312.5
    polls:
      description: How many times the task was read.
      type: int
      sample: 25
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

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.action_run import (
    TaskTarget,
    action_argument_spec,
    run_action_module,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.vocabulary import TASK_ACTIONS
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.arguments import client_from_module
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.task_api import TaskApi


def main():
    # The connection options' constraints are checked by client_from_module, in messages that
    # name the OCP_* variables.
    module = AnsibleModule(argument_spec=action_argument_spec(TASK_ACTIONS), supports_check_mode=True)
    client = client_from_module(module)
    target = TaskTarget(TaskApi(client), module.params['action'], module.params['task_id'])
    run_action_module(module, client, target)


if __name__ == '__main__':
    main()
