# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment:
    # The options of modules that can wait for a task; plugins/module_utils/client/options.py and module_support/arguments.py define them.
    DOCUMENTATION = r'''
options:
  wait:
    description:
      - Whether to wait for the task to finish before returning.
      - The task is read at once, then every O(wait_sleep) seconds, the pause growing up to four times
        O(wait_sleep) (at most 30 seconds unless O(wait_sleep) is longer), until the task is no longer
        RUNNING or O(wait_timeout) seconds have passed.
      - A task that OCP reports SUCCESSFUL with operation C(ROLLBACK) was rolled back, not completed;
        waiting never takes that for a success.
    type: bool
    default: false
  wait_timeout:
    description:
      - With O(wait=true), how many seconds to wait at most.
      - When the time is up the module fails with the last state read; the task itself goes on in OCP.
    type: float
    default: 1800
  wait_sleep:
    description:
      - With O(wait=true), seconds between the first two reads of the task; later pauses grow from there.
    type: float
    default: 5
'''
