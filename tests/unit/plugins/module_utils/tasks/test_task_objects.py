# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How messages name what a task works on (labels.task_objects, labels.object_label)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.labels import object_label, task_objects


@pytest.mark.parametrize('task, objects, label', [
    # A task detail or list entry (docs/ocp-behaviour.md LIST-8).
    ({'tenant': {'id': 1003, 'name': 't_report'}, 'cluster': {'id': 1, 'name': 'obcluster'}},
     {'tenant': 't_report', 'cluster': 'obcluster'}, 'tenant t_report in cluster obcluster'),
    # A cluster task has no tenant (ENV-4: absent, not null).
    ({'cluster': {'id': 1, 'name': 'obcluster'}}, {'cluster': 'obcluster'}, 'cluster obcluster'),
    # OCP Express: tenantInfo and no cluster (LIST-9).
    ({'tenantInfo': {'obTenantId': 1002, 'name': 't_app'}}, {'tenant': 't_app'}, 'tenant t_app'),
    # Nothing named, or names that are not text: nothing said, never empty quotes.
    ({}, {}, ''),
    ({'tenant': {'id': 3}, 'cluster': {'name': ''}}, {}, ''),
    ({'tenant': {'name': 7}}, {}, ''),
    (None, {}, ''),
])
def test_objects_are_named_as_ocp_names_them(task, objects, label):
    assert task_objects(task) == objects
    assert object_label(task) == label
    assert "''" not in label
