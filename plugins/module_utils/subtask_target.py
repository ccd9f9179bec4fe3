# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The subtask action's target, choosing the subtask by description too.

Per-host subtasks share their name ("Install OCP agent" once per host); OCP puts the host in the
description ("Install the OCP agent on host 10.0.0.2"). action_runner.SubtaskTarget selects by id
or name only; this extends it with ``subtask_description`` until that class takes it itself.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.oceanbase.ocp.plugins.module_utils.action_runner import SubtaskTarget
from ansible_collections.oceanbase.ocp.plugins.module_utils.actions import select_subtask


class DescribedSubtaskTarget(SubtaskTarget):
    """A SubtaskTarget whose subtask may also be given by ``subtask_description``, compared as
    ``description_match`` ('exact' or 'regex') says; name and description may be combined."""

    def __init__(self, api, action, task_id, subtask_id=None, subtask_name=None, name_match='exact',
                 subtask_description=None, description_match='exact'):
        super(DescribedSubtaskTarget, self).__init__(api, action, task_id, subtask_id=subtask_id,
                                                     subtask_name=subtask_name, name_match=name_match)
        self.subtask_description = subtask_description
        self.description_match = description_match

    def select(self, task):
        """The subtask to act on; remembers its id, so later reads find the same one."""
        subtask = select_subtask(task, self.subtask_id, self.subtask_name, self.name_match,
                                 self.subtask_description, self.description_match)
        self.subtask_id = subtask['id']
        return subtask
