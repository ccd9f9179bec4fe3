# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Task references in every shape task-starting calls hand out, and the ones refused before any request."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.oceanbase.ocp.plugins.module_utils.errors import OcpClientError
from ansible_collections.oceanbase.ocp.plugins.module_utils.task_refs import task_ids_from


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
