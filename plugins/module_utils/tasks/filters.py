# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filters of OCP's task list: the one table everything that lists tasks is made from.

ocp_task_info's options and the role's ``task_supervisor_filter`` take these names; TaskApi sends
each under OCP's query parameter (docs/ocp-behaviour.md#lists-paging-and-filters). The module's
argument spec and the event source's ``filters`` are built from the table when they run; the
documentation (plugins/doc_fragments/task_filters.py, the role's argument spec and the lines of
its tasks that pass the filters on, the event source's DOCUMENTATION) is written from it by
``make docs``, and ``make docs-check`` fails when a copy is stale. Adding a filter is one row here.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpClientError
from ansible_collections.oceanbase.ocp.plugins.module_utils.vocabulary import TASK_STATUSES, TASK_TYPES

TaskFilter = collections.namedtuple('TaskFilter', ['option', 'parameters', 'type', 'choices', 'description'])
TaskFilter.__doc__ = """One filter: the option name users give, OCP's query parameters (the value is sent under each:
see cluster_name), the option's Ansible type (``list`` means a list of strings, sent comma-joined), its choices (or
None) and one line of documentation."""

TASK_FILTERS = (
    TaskFilter('name', ('name',), 'str', None, 'Task name, fuzzy match.'),
    TaskFilter('status', ('status',), 'list', sorted(TASK_STATUSES, key=['RUNNING', 'FAILED', 'SUCCESSFUL'].index),
               'Task statuses.'),
    TaskFilter('type', ('type',), 'str', list(TASK_TYPES), 'Task type; V(SYS_ONECE) is spelled as OCP spells it.'),
    # Every version of OCP's docs spells it cluterName; which spelling the server reads is not written
    # anywhere, and a parameter it does not read is ignored, which would list every task
    # (docs/ocp-behaviour.md#lists-paging-and-filters, LIST-2 and LIST-3). Sent under both, it filters
    # whichever the server reads.
    TaskFilter('cluster_name', ('cluterName', 'clusterName'), 'str', None, 'OCP cluster name, fuzzy match.'),
    TaskFilter('cluster_id', ('clusterId',), 'int', None, 'OCP cluster ID.'),
    TaskFilter('tenant_name', ('tenantName',), 'str', None, 'Tenant name; OCP expects C(cluster_id) with it.'),
    TaskFilter('tenant_id', ('tenantId',), 'int', None, 'Tenant ID.'),
    TaskFilter('host_id', ('hostId',), 'int', None, 'Host ID.'),
)
FILTER_OPTIONS = tuple(task_filter.option for task_filter in TASK_FILTERS)
# Filters whose values are ids: positive integers.
ID_FILTERS = tuple(task_filter.option for task_filter in TASK_FILTERS if task_filter.type == 'int')


def filter_argument_spec():
    """The filters as Ansible options (ocp_task_info's); a new dict each call."""
    spec = {}
    for task_filter in TASK_FILTERS:
        entry = dict(type=task_filter.type)
        if task_filter.type == 'list':
            entry['elements'] = 'str'
        if task_filter.choices:
            entry['choices'] = list(task_filter.choices)
        spec[task_filter.option] = entry
    return spec


def query_parameters(filters):
    """OCP's query parameters for ``filters`` (a dict keyed by option name; None means not given).

    An unknown name is refused rather than dropped: dropped, it would widen the list to every task.
    """
    known = dict((task_filter.option, task_filter.parameters) for task_filter in TASK_FILTERS)
    unknown = sorted(set(filters or {}) - set(known))
    if unknown:
        raise OcpClientError('unknown task filter(s) %s; known: %s' % (', '.join(unknown), ', '.join(sorted(known))))
    return dict((parameter, value) for option, value in (filters or {}).items() if value is not None
                for parameter in known[option])
