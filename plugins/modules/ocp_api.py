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
      - The body is never repeated in the result, since it often holds passwords; set C(no_log=true) on the
        task when it does, so that Ansible does not show it either.
    type: raw
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
      rootPassword: "{{ vault_tenant_root_password }}"
      zones:
        - name: zone1
          replicaType: FULL
          resourcePool: {unitSpecName: S1, unitCount: 1}
  register: tenant_started
  no_log: true  # the body holds the tenant's root password

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
    body: {version: 4.2.1.8}
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
    - What would have been sent, in check mode for a method other than GET. The body itself is
      not repeated; C(body_bytes) is the length of its JSON (V(null) without a body).
  returned: in check mode, when O(method) is not GET
  type: dict
  sample: {method: POST, path: /api/v2/ob/clusters/1/upgrade, query: '', body_bytes: 22}
possibly_applied:
  description:
    - On failure, whether OCP may have carried out the request although its answer was lost (a
      method other than GET whose answer timed out, was cut off, was an HTTP 5xx or was unreadable).
      The request was not sent again; check in OCP before running the task again.
    - V(false) for a GET, for an answer OCP gave (a refusal such as HTTP 400 or 404), and when the
      request never left (connection refused, TLS).
  returned: on failure, unless the options were refused before sending
  type: bool
  sample: true
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.ocp_client import METHODS
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.api_call import ApiCallFailed, call, request_errors
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.arguments import client_from_module, ocp_argument_spec


def argument_spec():
    spec = ocp_argument_spec()
    spec.update(
        method=dict(type='str', choices=list(METHODS), default='GET'),
        path=dict(type='str', required=True),
        query=dict(type='dict'),
        body=dict(type='raw'),
    )
    return spec


def main():
    # The connection options' constraints are checked by client_from_module, in messages that
    # name the OCP_* variables.
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    params = module.params
    # Checked before the client exists, so that bad input fails the same way with any connection options.
    errors = request_errors(params['method'], params['path'], params['query'], params['body'])
    if errors:
        module.fail_json(msg='; '.join(errors))
    client = client_from_module(module)
    try:
        result = call(client, params['method'], params['path'], params['query'], params['body'], module.check_mode)
    except ApiCallFailed as failure:
        module.fail_json(**failure.result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
