# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Written by `make docs` from plugins/module_utils/tasks/filters.py (tests/utils/task_filter_docs.py):
# change the table there, not this file.

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment:
    # The filters of OCP's task list, as ocp_task_info takes them.
    DOCUMENTATION = r'''
options:
  name:
    description: Task name, fuzzy match.
    type: str
  status:
    description: Task statuses.
    type: list
    elements: str
    choices: [RUNNING, FAILED, SUCCESSFUL]
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
'''
