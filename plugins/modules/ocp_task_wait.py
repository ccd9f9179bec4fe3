#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: oceanbase.ocp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: ocp_task_wait
short_description: Wait for OceanBase Cloud Platform (OCP) tasks and remediate failures by a declared policy
version_added: 1.0.0
description:
  - Waits for one or many OCP tasks until each has ended or O(wait_timeout) seconds have passed,
    and applies a remediation O(policy) to failed and hung subtasks on the way - retry, skip,
    cancel, roll the task back, or stop and leave the task as it is.
  - Runs on the controller as an action plugin, and prints a progress line at least every
    O(progress_interval) seconds, so that C(ansible-playbook) and AWX show the wait is alive.
  - Each action is sent at most once, also across actors. Right before each action the task is read
    again, and the action is sent only if OCP still shows the state it was decided on; otherwise
    someone else (another supervision, a fork of M(oceanbase.ocp.ocp_task_action), a person) acted
    first, and the next round decides again. When an action's answer is lost (timeout, dropped
    connection, HTTP 5xx, a proxy's error), the task is read again to tell whether OCP carried it
    out; it is never sent twice. What remains possible is described in the policy cookbook
    (two actors on a subtask that fails again within milliseconds).
  - Limits count what OCP records, not what this run remembers. An attempt of a subtask is one run
    of it as its log records it (OCP writes one C(############{OPERATION}{time}############) line
    per run), so OCP's own automatic retries and retries sent by hand, by another tool or by an
    earlier run all count, whichever way the OCP version keeps C(runTime). C(max_actions) counts the
    actions OCP's records show. Running the playbook again, or twice at once, never exceeds a limit.
  - Faults are weather. Once OCP has answered, reads that get no answer, HTTP 429 or 5xx are tried
    again with a growing pause that honours C(Retry-After), until O(wait_timeout), with progress
    lines saying since when OCP has not answered. Only 401/403 and the deadline end a wait early.
    A task id OCP does not know ends that task RV(tasks[].outcome=not_found); the others are
    supervised.
  - A malformed answer about one task (a subtask id that is no positive integer, a field of the wrong
    type, JSON nested too deeply) ends that task RV(tasks[].outcome=unreadable), with the reason in
    RV(tasks[].decisions); the others are supervised to their end.
  - With many tasks, each poll round reads the list of unfinished tasks (every page) and, when
    tasks left it, the list of the tasks that ended last; a task that succeeded by forward runs
    or was rolled back ends by its list entry, and detail reads go only to the tasks that failed
    (the policy and the report look at them) or that the entry leaves in doubt.
author:
  - oceanbase.ocp maintainers (@oceanbase)
extends_documentation_fragment:
  - oceanbase.ocp.connection
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details:
      - Reads each task once and reports in RV(tasks[].actions) what the policy would do; sends no action and does
        not wait. C(changed) is true when an action would be sent.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in diff_mode), when in diff mode.
    support: full
    details:
      - Returns RV(diff), one entry per action, with the status and operation of the task and its subtasks before and
        after it (in check mode, as OCP would set them).
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
options:
  tasks:
    description:
      - The tasks to wait for, as a list or as one of them. Each is a task ID, a task (a dict with C(id)), or what a
        task-starting call returned - the registered result of M(oceanbase.ocp.ocp_api) as it is (its C(task_ids)),
        an OCP envelope or C(uri) result (C(data), C(json)), a list in C(data.contents), or C(taskIdList) (also
        inside C(backupObjectOpsResultList)).
      - A string is read as comma-separated task IDs.
      - The same task named twice is waited for once.
    type: raw
    required: true
  policy:
    description:
      - What to do when a subtask fails or hangs. Without a policy the tasks are only waited for.
      - C(rules) is a list tried in order; the first rule that applies to a subtask decides. Each rule has
        an C(action) (V(retry), V(skip), V(rollback), V(cancel), V(fail)), an optional C(name), and an optional
        C(match) with regular expressions C(subtask_name), C(description) (the subtask's description, which
        names the host of a per-host subtask), C(log) and C(task_name), all of which must match.
      - A C(log) pattern is searched line by line in the latest run of the subtask (from its last
        C(############{OPERATION}{time}############) line), each line cut at 4,096 characters, the last 2,000
        lines, for at most 5 seconds in a separate process; a pattern that does not finish in time counts as not
        matching and is reported in RV(warnings).
      - V(retry) takes C(max_attempts) (attempts of the subtask in all, its first run included, default 3),
        C(delay) (seconds after the failure) and C(backoff) (the delay's factor per attempt). An exhausted retry
        rule is passed over, so a later rule says what happens on giving up.
      - V(cancel) takes C(running_longer_than) (seconds since the start of the subtask's latest run) and applies
        to RUNNING subtasks.
      - V(rollback) rolls the whole task back; it takes C(max_attempts) (rollbacks in all, default 1), and a rollback
        that failed is sent again only while they allow, otherwise the rule is passed over. V(fail) stops and
        leaves the task as it is, as does a failed subtask no rule matches.
      - C(never_skip) is a list of regular expressions of subtask names a V(skip) rule must never skip (the
        task fails instead); C(max_actions) caps the actions taken on the tasks as OCP's records show them
        (retries beyond the first attempt, skips, cancels, rollbacks; by anyone), so neither running the wait
        again nor a second supervision goes over it. OCP does not show how often it retries a subtask by
        itself, so its automatic retries count too, and the cap errs on the safe side.
      - An invalid policy fails the task before any request is sent.
    type: dict
  wait_timeout:
    description:
      - How many seconds to wait at most. When the time is up the unfinished tasks end RV(tasks[].outcome=timed_out);
        they go on in OCP. RV(tasks[].running_subtasks) says what still ran and for how long.
    type: float
    default: 1800
  wait_sleep:
    description:
      - Seconds between the first two poll rounds; later pauses grow up to four times as long (at most 30
        seconds unless O(wait_sleep) is longer), and start over after an action.
    type: float
    default: 5
  progress_interval:
    description: Seconds between progress lines in the output.
    type: float
    default: 30
  fail_when_unsuccessful:
    description:
      - Fail when any task does not end RV(tasks[].outcome=succeeded). With V(false), the result says how each
        task ended and the play goes on.
    type: bool
    default: true
notes:
  - The OCP user needs C(TASK_VIEWER) to read tasks and C(TASK_MANAGER) to act on them.
  - The policy's delays and limits compare the controller's clock with OCP's timestamps; keep the clocks in sync.
seealso:
  - module: oceanbase.ocp.ocp_task_info
  - module: oceanbase.ocp.ocp_task_action
  - module: oceanbase.ocp.ocp_subtask_action
'''

EXAMPLES = r'''
# Against the OCP simulator (ocp-simulator, default scenario). ocp_password stands for a secret
# you keep in Ansible Vault; without api_url and credentials, the OCP_* variables are used.
- name: Find the failed tasks of cluster 1
  oceanbase.ocp.ocp_task_info:
    api_url: http://127.0.0.1:8080
    username: admin
    password: "{{ ocp_password }}"
    cluster_id: 1
    status: [FAILED]
  register: failed_tasks

- name: Wait for them, retrying observers slow to restart and rolling back tenant creations short of memory
  oceanbase.ocp.ocp_task_wait:
    api_url: http://127.0.0.1:8080
    username: admin
    password: "{{ ocp_password }}"
    tasks: "{{ failed_tasks.tasks }}"
    wait_timeout: 3600
    policy:
      never_skip: ["^Create tenant$"]
      max_actions: 10
      rules:
        - name: observers slow to restart
          match: {log: "did not restart within"}
          action: retry
          max_attempts: 3
          delay: 30
        - name: not enough memory for the tenant
          match: {task_name: "^Create tenant", log: "ERROR 4733"}
          action: rollback
    fail_when_unsuccessful: false
  register: waited

- name: Show how each task ended
  ansible.builtin.debug:
    var: waited.summary
'''

RETURN = r'''
tasks:
  description: One entry per task, in the order given.
  returned: always, unless the options are invalid
  type: list
  elements: dict
  contains:
    id:
      description: ID of the task.
      type: int
      sample: 1024
    name:
      description: Name of the task.
      type: str
      sample: Create tenant
    outcome:
      description:
        - V(succeeded), V(failed), V(rolled_back), V(timed_out), V(not_found) for an id OCP does not know, or
          V(unreadable) when what OCP answered about the task is malformed.
        - In check mode, null for a task that has not ended.
      type: str
      sample: succeeded
    status:
      description: The task's status as last read.
      type: str
      sample: SUCCESSFUL
    operation:
      description: The task's operation as last read.
      type: str
      sample: EXECUTE
    subtasks_done:
      description: How many subtasks were SUCCESSFUL when last read.
      type: int
    subtasks_total:
      description: How many subtasks the task has.
      type: int
    actions:
      description:
        - The actions taken (or, in check mode, that would be taken), each with C(action), C(subtask_id),
          C(subtask_name), C(rule_index), C(rule_name), C(reason), C(attempt), C(at) (ISO time, OCP's clock) and
          C(result) (V(sent), V(would_send), V(refused) by OCP because someone else acted first, V(lost) when
          the answer was lost and the task shows no effect, V(possibly_applied) when the answer was lost and OCP
          could not be read since).
      type: list
      elements: dict
    decisions:
      description:
        - Why the task was left as it is (a V(fail) rule, no rule, never_skip, max_actions, a malformed answer),
          in the same shape as RV(tasks[].actions).
      type: list
      elements: dict
    planned:
      description: Retries waiting for their delay when the wait ended.
      type: list
      elements: dict
    failed_subtasks:
      description:
        - The FAILED subtasks of a task that did not succeed, each with C(id), C(name), C(description), C(status),
          C(operation), C(runTime), C(attempts) (runs its log records), C(cause) (the line of its latest run that
          says why) and C(log_excerpt) (the last lines of its latest run).
      type: list
      elements: dict
    running_subtasks:
      description:
        - For a task that timed out, its subtasks still at work when last read, each with C(id), C(name),
          C(description), C(status) and C(running_for) (seconds since its latest run started, when known).
      type: list
      elements: dict
summary:
  description:
    - How many tasks ended each way (C(succeeded), C(failed), C(rolled_back), C(timed_out), C(not_found),
      C(unreadable)),
      C(unfinished) (check mode), C(total), C(actions_sent) (sent or possibly applied),
      C(actions_possibly_applied) and C(actions_would_send) (check mode).
  returned: always, unless the options are invalid
  type: dict
  sample: {succeeded: 2, failed: 0, rolled_back: 0, timed_out: 0, not_found: 0, unreadable: 0, unfinished: 0,
           total: 2, actions_sent: 1, actions_possibly_applied: 0, actions_would_send: 0}
elapsed:
  description: Seconds the wait took.
  returned: always, unless the options are invalid
  type: int
rounds:
  description: Poll rounds made.
  returned: always, unless the options are invalid
  type: int
diff:
  description: With C(--diff), per action the status and operation of the task and its subtasks before and after it.
  returned: in diff mode, when an action was sent or would be sent
  type: list
  elements: dict
warnings:
  description: Log patterns that did not finish within their bound and counted as not matching.
  returned: when there are any
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.arguments import task_wait_argument_spec


def main():
    # Never reached through Ansible: the action plugin of the same name runs instead. The
    # argument spec is declared all the same, so the sanity tests check it against DOCUMENTATION.
    module = AnsibleModule(argument_spec=task_wait_argument_spec(), supports_check_mode=True)
    module.fail_json(msg='oceanbase.ocp.ocp_task_wait runs as an action plugin on the controller; '
                         'this module file only documents it')


if __name__ == '__main__':
    main()
