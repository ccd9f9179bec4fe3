# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The subtask action's target chooses a per-host subtask by its description."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.oceanbase.ocp.plugins.module_utils.subtask_target import DescribedSubtaskTarget

TASK = {"id": 1000, "name": "Add host", "status": "FAILED", "subtasks": [
    {"id": 6, "name": "Install OCP agent", "status": "SUCCESSFUL", "description": "Install the OCP agent on host 10.0.0.1"},
    {"id": 7, "name": "Install OCP agent", "status": "FAILED", "description": "Install the OCP agent on host 10.0.0.2"},
]}


def test_selects_by_name_and_description_and_remembers_the_id():
    target = DescribedSubtaskTarget(None, "retry", 1000, subtask_name="Install OCP agent",
                                    subtask_description=r"10\.0\.0\.2$", description_match="regex")
    assert target.select(TASK)["id"] == 7
    assert target.subtask_id == 7
    # Later reads (after the action) find the same subtask by id.
    assert target.select(dict(TASK, subtasks=list(reversed(TASK["subtasks"]))))["id"] == 7
    assert target.describe() == "retry of subtask 7 of task 1000"
