# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The task_supervisor role's own summary, for when no wait ran (a filter matching nothing, a step
failing before the wait), is the wait's summary of no tasks: the same counters, all zero."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import yaml

from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.reporting import summary

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLE_TASKS = os.path.join(ROOT, 'roles', 'task_supervisor', 'tasks', 'main.yml')


def test_the_summary_without_a_wait_is_the_wait_summary_of_no_tasks():
    with open(ROLE_TASKS) as handle:
        [block] = [task for task in yaml.safe_load(handle) if 'always' in task]
    [set_result] = [task for task in block['always'] if task['name'] == 'Set the result']
    assert set_result['vars']['task_supervisor__empty_summary'] == summary([])
