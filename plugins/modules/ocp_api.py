#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: oceanbase.ocp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: ocp_api
short_description: Call any OceanBase Cloud Platform (OCP) API endpoint and hand the tasks it starts to the wait
version_added: 1.0.0
description:
  - Sends one request to OCP's API - to start an operation (create a tenant, upgrade or take
    over a cluster, add hosts) or to read anything the other modules do not - with the
    collection's connection options, HTTP Basic or AK/SK signing included.
  - The answer is checked like every other module's. OCP's web console page (HTTP 200 with HTML,
    what OCP answers for a path it does not know), an answer with C(successful=false), or one that
    is not JSON fails the module, with OCP's error code and trace id when it gave them.
  - Returns OCP's RV(data) and, in RV(task_ids), the ids of the tasks the answer carries, so that
    the registered result can be given as it is to M(oceanbase.ocp.ocp_task_wait) or the
    C(oceanbase.ocp.task_supervisor) role.
  - A GET is sent again after a connection error or an HTTP 429, 502, 503 or 504, like the other
    modules' reads. Any other method is sent exactly once. When its answer is lost after the request
    left (a timeout or dropped connection, an HTTP 5xx, a success status with an unreadable body),
    the module fails with RV(possibly_applied=true) and says what to check, instead of sending it again.
  - "After a lost answer to a task-starting POST (a tenant's creation, an upgrade, a take-over, one host's
    addition), OCP's audit events are read once, where OCP has them (4.2 and later) and the user may read
    them: an event showing the request started a task returns that task as if the answer had come, one
    showing OCP refused it fails with RV(possibly_applied=false); RV(settled) says what they told."
  - Every request carries an C(x-trace-id) header with a new id, which OCP logs the request under;
    so RV(trace_id) names the request even when its answer was lost.
  - The path, query and body are checked before anything is sent; see the options.
author:
  - oceanbase.ocp maintainers (@oceanbase)
extends_documentation_fragment:
  - oceanbase.ocp.connection
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details:
      - A GET is sent, since it changes nothing. Any other method is not sent; the result reports
        C(changed=true) and, in RV(request), what would have been sent.
      - With O(reuse_task), the matching tasks are listed (a GET) and RV(reuse) says whether the request
        would be sent, or which task would be reused (C(changed=false), its id in RV(task_ids)).
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in diff_mode), when in diff mode.
    support: none
options:
  method:
    description:
      - The HTTP method, in capitals.
    type: str
    choices: [GET, POST, PUT, DELETE]
    default: GET
  path:
    description:
      - The API path that follows O(api_url), for example C(/api/v2/ob/clusters/1/tenants/createTenant).
      - It must start with C(/api/) and must not contain C(?) or C(#) (query parameters go in O(query)),
        C(.) or C(..) segments, or an empty segment (C(//), usually an empty variable).
      - Only ASCII letters, digits, C(/), C(-._~!$&'()*+,;=:@) and C(%XX) escapes are taken as they are;
        percent-encode anything else, spaces and non-ASCII characters included, for example with the
        C(ansible.builtin.urlencode) filter. The path is sent exactly as given.
    type: str
    required: true
  query:
    description:
      - Query parameters. A value is a string, a number or a boolean (sent as C(true)/C(false)), or a
        list of those, sent comma-joined as OCP expects (C(status=RUNNING,FAILED)); a V(null) value
        is left out.
      - Parameters are sent sorted by name and percent-encoded, the form OCP's AK/SK signature covers.
      - Nested dictionaries, lists in lists and non-finite numbers are refused before anything is sent.
    type: dict
  body:
    description:
      - The request's JSON body, any JSON value (usually a dictionary), sent as C(application/json).
        A string is sent as a JSON string; to send JSON text held in a variable, pass it through
        C(ansible.builtin.from_json).
      - Refused before anything is sent when it cannot be encoded as JSON (NaN or infinite numbers
        included), or with O(method=GET).
      - With AK/SK, the signature covers the MD5 of the exact bytes sent.
      - The body is never repeated in the result, since it often holds passwords. Put the secret fields
        (a tenant's C(rootPassword), a take-over's C(rootSysPassword)) in O(secret_body) instead, so that
        Ansible does not show them either, and the task needs no C(no_log).
    type: raw
  secret_body:
    description:
      - Fields merged into the top level of O(body) before it is sent, whose values never show at any
        verbosity - in the result, in errors, in the module's invocation echo - while the rest of the task
        and its result show as usual.
      - A key in both O(body) and O(secret_body) is refused before anything is sent; O(body) must be a
        dictionary, or left out, with it.
      - In check mode, the C(body) of RV(request) shows the body with each of these values as C(********).
    type: dict
  reuse_task:
    description:
      - What identifies, in OCP's task list, the task this request starts, so that a playbook run again
        (a "Retry job", a re-run after a lost runner) starts nothing twice and picks up the task an earlier
        run started. Before the request is sent, the matching tasks decide - the RUNNING or FAILED ones,
        of any age but newer than the newest SUCCESSFUL one (an older live task was left behind by an
        attempt that finished since), and the newest SUCCESSFUL one.
      - Exactly one RUNNING or FAILED - the request is not sent; that task is returned as the started one
        (RV(task_ids), RV(reused=true), C(changed=false)), for M(oceanbase.ocp.ocp_task_wait) or the role to
        supervise and its policy to retry.
      - None RUNNING or FAILED and the newest SUCCESSFUL, started within O(reuse_task.max_age), finished by
        executing - the operation is done; nothing is sent, the task is returned with C(changed=false).
      - None, or the newest ended by a rollback (the operation was undone), or it is older than
        O(reuse_task.max_age) - the request is sent.
      - A list reuse_task cannot read (an entry without a usable id or of a status not asked for, a list not
        newest first) is refused before anything is sent, as guessing could start the operation twice.
      - Several RUNNING or FAILED matches are refused with their list, before anything is sent; narrow the
        filter. When OCP refuses the request (HTTP 400 or 409, such as "tenant exists") and a RUNNING or
        FAILED task matches then, another run started it at the same time - it is returned as reused. When
        the answer is lost after the request left and a live task matches then, it is returned as the task
        this request started.
      - For requests that start an operation only, not with O(method=GET). RV(reuse) says which of these
        happened and why; check mode says which it would do, and lists the tasks (a GET) to tell.
      - "The filters that identify each operation's task: docs/starting-operations.md, section Run it again."
    type: dict
    suboptions:
      # BEGIN task filters: written by `make docs` from plugins/module_utils/tasks/filters.py
      name:
        description: Task name, fuzzy match.
        type: str
      type:
        description: Task type; V(SYS_ONECE) is spelled as OCP spells it.
        type: str
        choices: [MANUAL, SYS_ONECE, SCHEDULED, SYS_SCHEDULED]
      cluster_name:
        description: OCP cluster name, fuzzy match.
        type: str
      cluster_id:
        description: OCP cluster ID.
        type: int
      tenant_name:
        description: Tenant name; OCP expects C(cluster_id) with it.
        type: str
      tenant_id:
        description: Tenant ID.
        type: int
      host_id:
        description: Host ID.
        type: int
      # END task filters
      max_age:
        description:
          - A SUCCESSFUL match counts as this operation done only when it started within this many seconds
            of OCP's clock. An older one is more likely an earlier, different operation under the same filter
            (last month's upgrade of the same cluster). RUNNING and FAILED matches count at any age.
          - At most ten years.
          - The default, a day, covers re-runs and the longest operations.
        type: int
        default: 86400
notes:
  - "Which ids count as tasks: OCP's task instances (objects with C(id) and C(subtasks) or C(taskDefinitionId))
    anywhere in RV(data) - C(data) itself for a create call, C(data.contents[]) for a batch - and every
    C(taskIdList). Subtasks inside a task are not tasks. A cluster, tenant or host has an C(id) too, but is
    no task, so a GET of a cluster returns no task id."
  - C(changed) is V(false) for a GET and V(true) for any other method that succeeded; refine it with
    C(changed_when) where an endpoint is known not to change anything.
  - The OCP user needs the permissions the endpoint asks for; the task-starting calls need, for example,
    the cluster's or host's management permission.
seealso:
  - module: oceanbase.ocp.ocp_task_wait
  - module: oceanbase.ocp.ocp_task_info
  - name: Starting OCP operations from a playbook
    description: The guide with an example for each operation, each followed by its wait.
    link: https://github.com/oceanbase/ansible-collection-ocp/blob/main/docs/starting-operations.md
'''

EXAMPLES = r'''
- name: Create tenant t_orders in cluster 1
  oceanbase.ocp.ocp_api:
    api_url: http://127.0.0.1:8080
    username: admin
    password: "{{ ocp_password }}"
    method: POST
    path: /api/v2/ob/clusters/1/tenants/createTenant
    body:
      name: t_orders
      mode: MYSQL
      zones:
        - name: zone1
          replicaType: FULL
          resourcePool: {unitSpecName: S1, unitCount: 1}
    # Shown nowhere; the rest of the task and its result show as usual.
    secret_body:
      rootPassword: "{{ vault_tenant_root_password }}"
    # A run again picks up this tenant's creation instead of failing on "tenant exists".
    reuse_task: {name: Create tenant, tenant_name: t_orders, cluster_id: 1}
  register: tenant_started

- name: Wait until the tenant is created
  oceanbase.ocp.ocp_task_wait:
    api_url: http://127.0.0.1:8080
    username: admin
    password: "{{ ocp_password }}"
    tasks: "{{ tenant_started }}"
    wait_timeout: 3600

- name: Upgrade cluster 1, signing with an access key
  oceanbase.ocp.ocp_api:
    api_url: http://127.0.0.1:8080
    access_key_id: "{{ vault_ocp_access_key_id }}"
    access_key_secret: "{{ vault_ocp_access_key_secret }}"
    method: POST
    path: /api/v2/ob/clusters/1/upgrade
    body: {rpmFileName: oceanbase-4.2.1.8-108000022024072217.el7.x86_64.rpm}
  register: upgrade_started

- name: Wait for the upgrade
  oceanbase.ocp.ocp_task_wait:
    api_url: http://127.0.0.1:8080
    access_key_id: "{{ vault_ocp_access_key_id }}"
    access_key_secret: "{{ vault_ocp_access_key_secret }}"
    tasks: "{{ upgrade_started }}"
    wait_timeout: 14400

- name: Add two hosts; OCP starts one task per host
  oceanbase.ocp.ocp_api:
    method: POST
    path: /api/v2/compute/hosts/batchCreate
    body:
      hostBasicDataList:
        - {innerIpAddress: 10.0.0.11}
        - {innerIpAddress: 10.0.0.12}
      sshPort: 22
      kind: DEDICATED_PHYSICAL_MACHINE
      idcId: 1
      typeId: 1
      credentialId: 1
  register: hosts_started
  # api_url and credentials from OCP_URL, OCP_USERNAME and OCP_PASSWORD

- name: Wait for both
  oceanbase.ocp.ocp_task_wait:
    tasks: "{{ hosts_started }}"

- name: Read what the other modules do not, such as the running tasks of cluster 1
  oceanbase.ocp.ocp_api:
    path: /api/v2/tasks/instances
    query: {clusterId: 1, status: [RUNNING], size: 100}
  register: running
'''

RETURN = r'''
data:
  description:
    - OCP's C(data), as OCP sent it; V(null) when the answer has none (actions such as a subtask skip).
  returned: when the request was sent and succeeded
  type: raw
  sample: {id: 2001, name: Create tenant, status: RUNNING, taskDefinitionId: 2, tenantId: 1004, subtasks: []}
status:
  description: The HTTP status of OCP's answer.
  returned: when the request was sent and succeeded
  type: int
  sample: 200
trace_id:
  description:
    - The trace id OCP logged the request under, to quote to OCP support. OCP's own, or the
      C(x-trace-id) sent when the answer names none (a lost answer, a proxy's page).
  returned: when a request was sent, or its sending failed
  type: str
  sample: 3f9a0c27d1e84b56
task_ids:
  description:
    - The ids of the tasks the answer carries (see the notes for what counts as a task), in the
      answer's order; empty when it carries none, and in check mode for anything but a GET.
    - M(oceanbase.ocp.ocp_task_wait) and the C(oceanbase.ocp.task_supervisor) role take the whole
      registered result and wait for these.
  returned: unless the module failed
  type: list
  elements: int
  sample: [2001]
request:
  description:
    - What would have been sent, in check mode for a method other than GET; C(body_bytes) is the length
      of the body's JSON (V(null) without a body). The body itself is repeated (C(body)) only with
      O(secret_body), whose values it shows as C(********), since a body without it may hold passwords.
  returned: in check mode, when O(method) is not GET
  type: dict
  sample: {method: POST, path: /api/v2/ob/clusters/1/upgrade, query: '', body_bytes: 69}
reused:
  description:
    - With O(reuse_task), whether the task returned is one an earlier run (or a run at the same time)
      started, so that nothing was sent. V(false) when the request was sent.
  returned: when O(reuse_task) is given and the module did not fail
  type: bool
  sample: true
reuse:
  description:
    - With O(reuse_task), what the task list decided. C(decision) is C(reuse) (a RUNNING or FAILED task
      is supervised instead), C(already_done) (a task that succeeded, so nothing to do) or C(start) (the
      request was sent); C(why) says why, in check mode what would be done; C(task) is the task it was
      decided by (C(id), C(name), C(status), C(start_time), C(rolled_back)), V(null) when none matched.
  returned: when O(reuse_task) is given and the module did not fail
  type: dict
  sample:
    decision: reuse
    why: "task 1013 'Create tenant' matches reuse_task {cluster_id=1, name=Create tenant, tenant_name=t_orders}
      and is RUNNING: it is supervised instead of starting the operation again"
    task: {id: 1013, name: Create tenant, status: RUNNING, start_time: '2026-12-03 09:10:05+08:00', rolled_back: false}
settled:
  description:
    - When the answer to a task-starting POST was lost, what OCP's audit events (OCP 4.2 and later, read
      with the AUDIT_VIEWER permission) said of it; the request is never sent again.
    - C(applied) is V(true) when an event shows OCP received the request (the task it started is then in
      RV(task_ids), and the module succeeds as if the answer had come), V(false) when it shows OCP refused it
      (nothing was carried out), V(null) when the events could not tell (none yet, several, not readable);
      C(why) says which, and C(event) is the event (without its C(eventInfo), which may hold the request's
      parameters).
    - Settled are the creation of a tenant (both calls), a cluster's upgrade, a take-over, and the addition of
      one host, the calls whose events name the resource; the user's own events only, with Basic auth.
  returned: when the answer to one of those calls was lost
  type: dict
  sample:
    applied: true
    why: "OCP's audit event 17 (CREATE_TENANT of tenant t_orders by admin since 2026-12-03 09:10:03+08:00,
      SUCCESS) shows that OCP received the request and started task 1013: it is returned as this request's task"
    event: {id: 17, operationEvent: CREATE_TENANT, resourceName: 'obcluster:t_orders', operatorName: admin,
      status: SUCCESS, taskId: 1013, startTime: '2026-12-03T09:10:04+08:00'}
possibly_applied:
  description:
    - On failure, whether OCP may have carried out the request although its answer was lost (a
      method other than GET whose answer timed out, was cut off, was an HTTP 5xx or was unreadable).
      The request was not sent again; check in OCP before running the task again.
    - V(false) also when OCP's audit events show that OCP received the request and refused it (RV(settled)).
    - V(false) for a GET, for an answer OCP gave (a refusal such as HTTP 400 or 404), and when the
      request never left (connection refused, TLS).
  returned: on failure, unless the options were refused before sending
  type: bool
  sample: true
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpError, secret_forms
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.ocp_client import METHODS
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.api_call import (
    ApiCallFailed, call, no_task_warning, request_errors)
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.arguments import client_from_module, ocp_argument_spec
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.task_reuse import (
    ReuseRefused, masked_body, merged_body, reuse_argument_spec, reuse_option_errors, secret_body_errors,
    start_with_reuse)
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.task_api import TaskApi
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.timestamps import ServerClock


def argument_spec():
    spec = ocp_argument_spec()
    spec.update(
        method=dict(type='str', choices=list(METHODS), default='GET'),
        path=dict(type='str', required=True),
        query=dict(type='dict'),
        body=dict(type='raw'),
        secret_body=dict(type='dict', no_log=True),
        reuse_task=dict(type='dict', options=reuse_argument_spec()),
    )
    return spec


def main():
    # The connection options' constraints are checked by client_from_module, in messages that
    # name the OCP_* variables.
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    params = module.params
    method, body, secret_body = params['method'], params['body'], params['secret_body']
    # Checked before the client exists, so that bad input fails the same way with any connection options.
    errors = secret_body_errors(body, secret_body) + reuse_option_errors(params['reuse_task'], method)
    if errors:
        module.fail_json(msg='; '.join(errors))
    sent_body = merged_body(body, secret_body)
    errors = request_errors(method, params['path'], params['query'], sent_body)
    if errors:
        module.fail_json(msg='; '.join(errors))
    shown_body = None if secret_body is None else masked_body(body, secret_body)
    client = client_from_module(module)
    # Ansible hides secret_body's values where they show as given; OCP's answer may quote them
    # otherwise (JSON-escaped, its white space collapsed), and the client masks those forms too.
    client.secrets = secret_forms(secret_body or {})
    try:
        if params['reuse_task'] is None:
            result = call(client, method, params['path'], params['query'], sent_body, module.check_mode, shown_body)
        else:
            result = start_with_reuse(client, TaskApi(client), method, params['path'], params['query'], sent_body,
                                      params['reuse_task'], module.check_mode, ServerClock(client), call, shown_body)
    except ApiCallFailed as failure:
        module.fail_json(**failure.result)
    except ReuseRefused as refusal:
        module.fail_json(msg='%s' % refusal)
    except OcpError as error:
        # Listing the tasks failed: nothing was sent.
        module.fail_json(msg='reuse_task could not list the tasks, so nothing was sent: %s' % error)
    if result.get('settled'):
        # The answer was lost and the audit events stood in for it: the on-call should know.
        module.warn("the answer to %s %s was lost (it was not sent again); %s"
                    % (method, params['path'], result['settled']['why']))
    warning = no_task_warning(method, params['path'], result)
    if warning:
        module.warn(warning)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
