# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading a subtask's log as runs: both separator spellings, failures, skips, cancels."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.subtask_log import (
    failure_lines,
    failure_reason,
    subtask_runs,
)

LOG = """############{EXECUTE}{2024-01-08T10:20:00.123+08:00}############
2024-01-08 10:20:00.123 INFO [subtask-executor-3,1a2b] c.o.o.s.t.b.tenant.CreateResourcePoolTask : Start to create resource pool
2024-01-08 10:20:02.000 ERROR [subtask-executor-3,1a2b] c.o.o.s.t.b.tenant.CreateResourcePoolTask : ERROR 4012 (HY000): Timeout
Set state for subtask: 12, operation:EXECUTE, state: FAILED
############{RETRY}{2024-01-08T10:21:07.123+08:00}############
2024-01-08 10:21:07.123 INFO [subtask-executor-4,3c4d] c.o.o.s.t.b.tenant.CreateResourcePoolTask : Start to create resource pool
2024-01-08 10:21:09.000 INFO [subtask-executor-4,3c4d] c.o.o.s.t.b.tenant.CreateResourcePoolTask : Resource pool created
Set state for subtask: 12, operation:RETRY, state: SUCCESSFUL"""


def test_runs_are_counted_by_their_separators():
    runs = subtask_runs(LOG)
    assert [(run.number, run.operation, run.started, run.failed) for run in runs] == [
        (1, 'EXECUTE', '2024-01-08T10:20:00.123+08:00', True),
        (2, 'RETRY', '2024-01-08T10:21:07.123+08:00', False)]
    assert runs[0].failed_operation == 'EXECUTE'


def test_the_separator_without_braces_around_the_operation_counts_too():
    log = LOG.replace('{EXECUTE}', 'EXECUTE').replace('{RETRY}', 'RETRY')
    assert [(run.operation, run.started) for run in subtask_runs(log)] == [
        ('EXECUTE', '2024-01-08T10:20:00.123+08:00'), ('RETRY', '2024-01-08T10:21:07.123+08:00')]


def test_a_failed_run_skipped_afterwards_stays_a_failed_run():
    log = LOG.split('\n############{RETRY}', maxsplit=1)[0] + '\nSet state for subtask: 12, operation:SKIP, state: SUCCESSFUL'
    runs = subtask_runs(log)
    assert len(runs) == 1 and runs[0].failed
    assert runs[0].states == [('EXECUTE', 'FAILED'), ('SKIP', 'SUCCESSFUL')]


def test_a_cancelled_run_failed_under_cancel():
    log = ('############{EXECUTE}{2024-01-08T10:20:00+08:00}############\n'
           '2024-01-08 10:40:10.000 ERROR [x,y] c.o.Task : Subtask execution timed out after 1200 seconds, cancel it\n'
           'Set state for subtask: 9, operation:CANCEL, state: FAILED')
    run = subtask_runs(log)[0]
    assert run.failed_operation == 'CANCEL'
    assert failure_reason(run) == 'Subtask execution timed out after 1200 seconds, cancel it'


def test_why_a_run_failed():
    run = subtask_runs(LOG)[0]
    assert failure_reason(run) == 'ERROR 4012 (HY000): Timeout'
    assert failure_lines(run, 10) == LOG.splitlines()[1:3]
    assert failure_lines(run, 1) == LOG.splitlines()[2:3]
    assert failure_lines(run, 0) == []


@pytest.mark.parametrize('log, runs', [('', 0), (None, 0), ('\n\n', 0), ('plain line\nanother', 1)])
def test_logs_without_separators(log, runs):
    found = subtask_runs(log)
    assert len(found) == runs
    if runs:
        assert found[0].operation is None and failure_reason(found[0]) == 'another'


def test_attempts_rollbacks_and_cancels_are_counted_by_the_separators():
    from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.subtask_log import SubtaskRuns
    log = LOG + ('\n############{ROLLBACK}{2024-01-08T10:30:00+08:00}############\nundo'
                 '\n############{CANCEL}{2024-01-08T10:31:00+08:00}############\nCancel subtask, id=12')
    runs = SubtaskRuns(log)
    assert (runs.known, runs.attempts, runs.rollbacks, runs.cancels) == (True, 2, 1, 1)
    # The cancel belongs with the run it stopped: the latest run is the rollback.
    assert runs.latest_operation == 'ROLLBACK' and runs.latest_started == '2024-01-08T10:30:00+08:00'
    assert runs.latest_run_lines() == ['undo', 'Cancel subtask, id=12']
    assert runs.key == (4, '2024-01-08T10:31:00+08:00')
    assert not SubtaskRuns('plain line').known and SubtaskRuns('plain line').latest_run_lines() == ['plain line']


# OCP's own sample of a subtask log (oceanbase/ocp-doc, every branch, TM/500.query-subtask-instance-logs.md;
# docs/ocp-behaviour.md LOG-2 to LOG-4), the lines between the first and the last left out.
OCP_SAMPLE = (
    "############{EXECUTE}{2021-08-25T15:09:32.697+08:00}############\n"
    "2021-08-25 15:09:32.716  INFO 57200 --- [pool-subtask-executor-thread-32,8ae3dcf2e4374658,d286cf9d6de4] "
    "c.a.o.c.m.t.model.SubtaskInstanceEntity  : Run subtask, id=13000335, context=Context(parallelIdx=-1, "
    "stringMap={prohibit_rollback=false, host_id=3000002}, listMap={}), executor=xxx.xxx.xxx.xxx\n\n"
    "2021-08-25 15:09:32.726  INFO 57200 --- [pool-subtask-executor-thread-32,8ae3dcf2e4374658,d286cf9d6de4] "
    "a.o.s.t.b.h.PrepareReinstallOcpAgentTask : [PrepareReinstallOcpAgentTask] begin\n\n"
    "2021-08-25 15:09:33.073  INFO 57200 --- [pool-subtask-executor-thread-32,8ae3dcf2e4374658,d286cf9d6de4] "
    "c.a.o.c.m.t.model.SubtaskInstanceEntity  : Set state for subtask: 13000335, current state: RUNNING, "
    "new state: SUCCESSFUL\n")
# The same layout for a run that failed and the retry after it (built here: OCP's docs show no failed run).
OCP_FAILED_THEN_RETRIED = (
    "############{EXECUTE}{2021-08-25T15:09:32.697+08:00}############\n"
    "2021-08-25 15:09:32.716  INFO 57200 --- [pool-subtask-executor-thread-32,8ae3dcf2e4374658,d286cf9d6de4] "
    "c.a.o.c.m.t.model.SubtaskInstanceEntity  : Run subtask, id=13000335, context=Context(parallelIdx=-1)\n\n"
    "2021-08-25 15:09:32.901 ERROR 57200 --- [pool-subtask-executor-thread-32,8ae3dcf2e4374658,d286cf9d6de4] "
    "c.a.o.s.t.b.t.CreateResourcePoolTask     : ERROR 4733 (HY000): zone 'zone1' resource not enough\n\n"
    "2021-08-25 15:09:33.073  INFO 57200 --- [pool-subtask-executor-thread-32,8ae3dcf2e4374658,d286cf9d6de4] "
    "c.a.o.c.m.t.model.SubtaskInstanceEntity  : Set state for subtask: 13000335, current state: RUNNING, "
    "new state: FAILED\n"
    "############{RETRY}{2021-08-25T15:12:00.1+08:00}############\n"
    "2021-08-25 15:12:00.113  WARN 57200 --- [pool-subtask-executor-thread-7,aa00dcf2e4374658,aa00cf9d6de4] "
    "c.a.o.s.t.b.t.CreateResourcePoolTask     : unit config changed\n\n"
    "2021-08-25 15:12:01.073  INFO 57200 --- [pool-subtask-executor-thread-7,aa00dcf2e4374658,aa00cf9d6de4] "
    "c.a.o.c.m.t.model.SubtaskInstanceEntity  : Set state for subtask: 13000335, current state: RUNNING, "
    "new state: SUCCESSFUL\n")


def test_ocps_documented_log_is_one_successful_run():
    [run] = subtask_runs(OCP_SAMPLE)
    assert (run.operation, run.started, run.failed) == ('EXECUTE', '2021-08-25T15:09:32.697+08:00', False)
    assert run.states == [('EXECUTE', 'SUCCESSFUL')]


def test_ocps_state_line_inside_a_log_line_tells_a_failed_run_under_the_runs_operation():
    runs = subtask_runs(OCP_FAILED_THEN_RETRIED)
    assert [(run.operation, run.failed, run.failed_operation) for run in runs] == [
        ('EXECUTE', True, 'EXECUTE'), ('RETRY', False, None)]
    assert failure_reason(runs[0]) == "ERROR 4733 (HY000): zone 'zone1' resource not enough"
    # The bookkeeping (the state line) and the blank lines between entries are no reason.
    assert [line.split(' : ')[-1] for line in failure_lines(runs[0], 10)] == [
        'Run subtask, id=13000335, context=Context(parallelIdx=-1)',
        "ERROR 4733 (HY000): zone 'zone1' resource not enough"]


def test_a_padded_level_is_a_level():
    """Spring right-aligns the level in 5 characters: "  INFO", " WARN", "ERROR"."""
    run = subtask_runs(OCP_FAILED_THEN_RETRIED)[1]
    assert failure_reason(run) == 'unit config changed'
