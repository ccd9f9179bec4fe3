# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The line of a failed subtask's log that says why it failed, past OCP's bookkeeping."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.oceanbase.ocp.plugins.module_utils.log_cause import cause_line

ERROR_4012 = ("2024-01-08 10:21:09.843 ERROR [subtask-executor-3,0ad1992a] c.o.o.s.t.b.tenant.CreateResourcePoolTask : "
              "ERROR 4012 (HY000): Timeout")
ERROR_4733 = ("2024-01-08 10:25:01.100 ERROR [subtask-executor-5,1bd1992a] c.o.o.s.t.b.tenant.CreateResourcePoolTask : "
              "ERROR 4733 (HY000): zone 'zone1' resource not enough to hold new unit")
INFO = "2024-01-08 10:25:00.000 INFO [subtask-executor-5,1bd1992a] c.o.o.s.t.b.tenant.CreateResourcePoolTask : Start"


@pytest.mark.parametrize("separator", [
    "############{RETRY}{2024-01-08T10:25:00.000+08:00}############",  # OCP Express's format
    "############RETRY{2024-01-08T10:25:00.000+08:00}############",    # without braces around the operation
])
def test_the_error_of_the_last_run(separator):
    log = "\n".join([
        "############{EXECUTE}{2024-01-08T10:21:07.123+08:00}############", ERROR_4012,
        "Set state for subtask: 10031, operation:EXECUTE, state: FAILED",
        separator, INFO, ERROR_4733, "2024-01-08 10:25:01.200 INFO [x] c.o.Cleanup : released the lock",
        "Set state for subtask: 10031, operation:RETRY, state: FAILED", ""])
    assert cause_line(log) == ERROR_4733


def test_without_an_error_line_the_last_line_of_the_subtask_itself():
    log = "Start\nExecute command failed: observer on 10.0.0.2 did not restart within 600 seconds  \n" \
          "Set state for subtask: 1, operation:EXECUTE, state: FAILED"
    assert cause_line(log) == "Execute command failed: observer on 10.0.0.2 did not restart within 600 seconds"


def test_lines_such_as_the_end_of_a_log():
    assert cause_line([INFO, ERROR_4012, "Set state for subtask: 1, operation:EXECUTE, state: FAILED"]) == ERROR_4012


@pytest.mark.parametrize("log", ["", None, [], "Set state for subtask: 1, operation:CANCEL, state: FAILED",
                                 "############{EXECUTE}{2024-01-08T10:21:07.123+08:00}############\n"])
def test_nothing_but_bookkeeping(log):
    assert cause_line(log) is None
