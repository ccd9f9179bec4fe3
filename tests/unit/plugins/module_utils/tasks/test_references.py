# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Task references in every shape task-starting calls hand out, and the ones refused before any request."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpClientError
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.references import is_task, task_ids_from, task_ids_in_answer


@pytest.mark.parametrize('references, expected', [
    ([5], [5]),
    (['7', 7, {'id': 8}], [7, 8]),
    ([{'data': {'id': 9, 'clusterId': 1}}], [9]),
    ([{'json': {'data': {'contents': [{'id': 3}, {'id': 4}]}}}], [3, 4]),
    ([{'data': {'backupObjectOpsResultList': [{'taskIdList': [11, 12]}, {'taskIdList': [13]}]}}], [11, 12, 13]),
    ([{'taskIdList': ['14']}], [14]),
    # an ocp_api result: its task_ids win over the ids in its data
    ({'task_ids': [21, 22], 'data': {'id': 7, 'contents': [{'id': 21}]}, 'status': 200}, [21, 22]),
    ([{'task_ids': [30]}, 30, '31'], [30, 31]),
    # one reference instead of a list: a registered ocp_api result as it is
    ({'task_ids': [40], 'data': {'id': 40}, 'changed': True}, [40]),
    ({'data': {'id': 41}}, [41]),
    (42, [42]),
    # a string, as the list option split it before: comma-separated ids
    ('43,44', [43, 44]),
    ('45', [45]),
])
def test_task_references_in_every_shape_task_starting_calls_return(references, expected):
    assert task_ids_from(references) == expected


@pytest.mark.parametrize('references, message', [
    ([], 'names no task'),
    ([0], 'positive task id'),
    ([True], 'positive task id'),
    ([1.5], 'positive task id'),
    ([None], 'positive task id'),
    ([{'clusterId': 1}], 'got a dict with keys clusterId'),
    (['1; DROP'], 'positive task id'),
    # str.isdigit() accepts these, int() does not (or reads them as other numbers)
    (['\u00b2'], r'ASCII digits'),
    (['\u0661\u0662'], r'ASCII digits'),
    (['12\n'], r'ASCII digits'),
    ([' 12'], r'ASCII digits'),
    ([{'task_ids': []}], 'names no task'),
])
def test_bad_task_references_fail_before_anything_is_sent(references, message):
    with pytest.raises(OcpClientError, match=message):
        task_ids_from(references)


TASK = {'id': 2001, 'name': 'Create tenant', 'status': 'RUNNING', 'taskDefinitionId': 2,
        'subtasks': [{'id': 20011, 'status': 'RUNNING', 'operation': 'EXECUTE'}]}
LISTED_TASK = {'id': 2002, 'status': 'FAILED', 'subtasks': [{'id': 20021, 'status': 'FAILED'}]}
CLUSTER = {'id': 1, 'name': 'obcluster', 'status': 'RUNNING', 'obClusterId': 1001,
           'zones': [{'id': 11, 'name': 'zone1', 'status': 'RUNNING'}]}


@pytest.mark.parametrize('value, expected', [
    (TASK, True),
    (LISTED_TASK, True),  # a list entry: subtasks, no taskDefinitionId
    ({'id': 3, 'taskDefinitionId': 9}, True),
    (CLUSTER, False),
    ({'id': 20011, 'status': 'RUNNING', 'operation': 'EXECUTE', 'runTime': 1}, False),  # a subtask
    ({'subtasks': [], 'taskDefinitionId': 2}, False),  # no id
    ({'id': 4, 'subtasks': None, 'taskDefinitionId': None}, False),
    ([TASK], False),
])
def test_what_counts_as_a_task(value, expected):
    assert is_task(value) is expected


# OCP's documented reply to a cluster upgrade (oceanbase/ocp-doc V4.2.2,
# 450.cluster-information/700.upgrade-an-ob-cluster.md, abridged): the subtasks under ``tasks``, no
# ``subtasks`` and no ``taskDefinitionId`` (docs/ocp-behaviour.md#calls-that-start-tasks).
UPGRADE_REPLY = {
    'cluster': {'id': 22, 'name': 'terran', 'obClusterId': 1},
    'creator': {'id': 100, 'name': 'admin'},
    'id': 108368, 'name': 'Submit upgrade OB cluster dag', 'startTime': '2021-03-02T12:04:48.487+08:00',
    'status': 'RUNNING',
    'tasks': [
        {'description': 'Update OB cluster status', 'downstreams': [], 'id': 130229, 'name': 'Update OB cluster status',
         'operation': 'EXECUTE', 'status': 'PENDING', 'upstreams': [130230]},
        {'description': 'Start node', 'downstreams': [130232], 'id': 130231, 'name': 'Start node',
         'operation': 'EXECUTE', 'status': 'RUNNING', 'upstreams': []},
    ],
}


def test_the_documented_upgrade_reply_is_a_task():
    assert is_task(UPGRADE_REPLY) is True
    assert task_ids_in_answer(UPGRADE_REPLY) == [108368]
    # Its subtasks are no tasks; a status and a list of something else make none either.
    assert task_ids_in_answer(UPGRADE_REPLY['tasks']) == []
    assert is_task({'id': 1, 'status': 'RUNNING', 'tasks': [{'id': 2}]}) is False
    assert is_task({'id': 1, 'tasks': UPGRADE_REPLY['tasks']}) is False


@pytest.mark.parametrize('data, expected', [
    # create tenant, upgrade, take over: the task itself, plus fields about what it creates
    (dict(TASK, tenantId=1004, clusterId=1), [2001]),
    # batchCreate: one task per host
    ({'contents': [LISTED_TASK, dict(TASK, id=2003)], 'page': {'totalElements': 2}}, [2002, 2003]),
    # a backup strategy
    ({'backupObjectOpsResultList': [{'taskIdList': [31, '32']}, {'taskIdList': [33, 31]}]}, [31, 32, 33]),
    ({'taskIdList': ['9007199254740993']}, [9007199254740993]),  # a long beyond 2^53, sent as a string
    # what carries no task: a cluster, a log, nothing at all, a subtask retried
    (CLUSTER, []),
    ({'contents': [CLUSTER]}, []),
    ({'log': '############{EXECUTE}{...}############'}, []),
    (None, []),
    ({'id': 20011, 'status': 'READY', 'operation': 'RETRY'}, []),
    # a task's subtasks are not looked into, even one that looked like a task
    (dict(TASK, subtasks=[dict(LISTED_TASK, id=99)]), [2001]),
    # tasks wherever they are, in order, once; ids that are no task ids are left out
    ({'cluster': CLUSTER, 'tasks': [dict(TASK, id=5), dict(TASK, id=5)], 'taskIdList': [6, 0, 'x', True]}, [6, 5]),
])
def test_task_ids_in_an_answer(data, expected):
    assert task_ids_in_answer(data) == expected
