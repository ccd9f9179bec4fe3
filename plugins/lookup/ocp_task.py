# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: ocp_task
author:
  - oceanbase.ocp maintainers (@oceanbase)
short_description: Read OCP tasks on the controller, for templates and conditions
version_added: 1.0.0
description:
  - Reads OCP tasks by id, or lists the tasks that match filters, and returns them as
    M(oceanbase.ocp.ocp_task_info) does - normalised, in execution order, with C(finished),
    C(succeeded), C(rolled_back) and C(failed_subtasks) (with C(cause) for each failed subtask
    whose log was read).
  - Runs in the controller's own process, with no module start-up, so a read costs one HTTP request
    (about a tenth of a M(ansible.builtin.uri) or M(oceanbase.ocp.ocp_task_info) task). Use it in
    C(when:), C(until:) and templates; use M(oceanbase.ocp.ocp_task_info) to read from a host that can
    reach OCP when the controller cannot (delegation), or where check mode and a registered result matter.
  - The connection options are the modules' - each falls back on its E(OCP_*) environment
    variable on the controller, an empty variable counts as not set, and a kind of credentials
    given to the lookup wins over the other kind in the environment.
  - What OCP returns is data - the results are marked unsafe, so text in a task (a name, a log line)
    is never templated.
options:
  _terms:
    description:
      - Task ids to read, each a positive whole number; the tasks come back in this order.
      - Without ids, the tasks matching the filters are listed (every page, up to O(limit)).
    type: list
    elements: str
  subtask_logs:
    description:
      - Which subtask logs to read and attach to each subtask as C(log), one request each.
      - V(failed) reads the logs of FAILED subtasks only (and sets their C(cause)), V(all) every subtask's.
    type: str
    choices: [none, failed, all]
    default: none
  sort:
    description:
      - Sort order of a list, as C(field,asc) or C(field,desc), for example C(id,desc).
    type: str
  limit:
    description:
      - Stop a list after this many tasks.
    type: int
extends_documentation_fragment:
  - oceanbase.ocp.connection
  - oceanbase.ocp.task_filters
notes:
  - The lookup runs where the play's controller runs, never on a managed host; a delegated or
    remote host's network does not apply to it.
  - Errors (a task OCP does not know, credentials OCP refuses, no answer, a task read by id that OCP
    sends malformed) fail the task with a message that says what to do; no secret is part of any message.
  - A list leaves out the tasks OCP sends malformed, with a warning naming each.
seealso:
  - module: oceanbase.ocp.ocp_task_info
'''

EXAMPLES = r'''
# Against the OCP simulator (ocp-simulator, default scenario); ocp_password stands for a secret
# you keep in Ansible Vault. Without api_url and credentials, the OCP_* variables are used.
- name: Say why a task failed
  ansible.builtin.debug:
    msg: "{{ task.name }}: {{ task.failed_subtasks | map(attribute='cause') | join('; ') }}"
  vars:
    task: "{{ lookup('oceanbase.ocp.ocp_task', 1004, subtask_logs='failed', api_url='http://127.0.0.1:8080',
              username='admin', password=ocp_password) }}"

- name: Count the failed tasks of a cluster
  ansible.builtin.debug:
    msg: "{{ query('oceanbase.ocp.ocp_task', status=['FAILED'], cluster_id=1, api_url='http://127.0.0.1:8080',
             username='admin', password=ocp_password) | length }} failed task(s)"
'''

RETURN = r'''
_raw:
  description:
    - One task per id (or per listed task), as M(oceanbase.ocp.ocp_task_info) returns it in C(task)
      and C(tasks). With C(lookup), a single task comes back as the task itself; use C(query) (or
      C(wantlist=true)) for a list always.
  type: list
  elements: dict
'''

from ansible.errors import AnsibleError
from ansible.module_utils.common.parameters import remove_values
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpError
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.ocp_client import HAS_REQUESTS
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.options import CONNECTION_OPTIONS
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.filters import FILTER_OPTIONS
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_lookup.reading import connection_params, look_up, secrets_of

display = Display()


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        # Given values only: a documented default (validate_certs) must not hide OCP_VALIDATE_CERTS.
        params = connection_params(dict((option.name, kwargs.get(option.name)) for option in CONNECTION_OPTIONS))
        secrets = secrets_of(params)
        if not HAS_REQUESTS:
            raise AnsibleError('the ocp_task lookup needs the Python library requests on the controller')
        filters = dict((name, self.get_option(name)) for name in FILTER_OPTIONS)
        try:
            tasks = look_up(terms or [], params, filters, subtask_logs=self.get_option('subtask_logs'),
                            sort=self.get_option('sort'), limit=self.get_option('limit'),
                            warn=lambda text: display.warning('ocp_task lookup: %s' % (remove_values(text, secrets),)))
        except OcpError as error:
            raise AnsibleError('ocp_task lookup: %s' % remove_values('%s' % (error,), secrets))
        # Text from OCP is data: never templated again.
        return wrap_var(tasks)
