# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every row of the legal-action table, decided from a read. Pure: no HTTP, no sleeps."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.oceanbase.ocp.plugins.module_utils.actions.legality import decide_subtask_action, decide_task_action
from ansible_collections.oceanbase.ocp.plugins.module_utils.vocabulary import ALREADY_DONE, APPLY, IMPOSSIBLE, NOT_APPLICABLE


def subtask(status, operation='EXECUTE', subtask_id=11, name='Create resource pool', run_time=1, **fields):
    return dict(id=subtask_id, name=name, status=status, operation=operation, runTime=run_time, **fields)


def task(status, operation='EXECUTE', subtasks=None, prohibit_rollback=False):
    return dict(id=1024, name='Create tenant', status=status, operation=operation,
                prohibitRollback=prohibit_rollback, subtasks=subtasks or [])


# (task status, task operation, prohibitRollback) -> expected decision, a word the reason must contain
TASK_RETRY_TABLE = [
    ('FAILED', 'EXECUTE', False, APPLY, 'FAILED'),
    ('FAILED', 'RETRY', False, APPLY, 'FAILED'),
    ('FAILED', 'EXECUTE', True, APPLY, 'FAILED'),  # prohibitRollback does not stop a retry
    ('RUNNING', 'EXECUTE', False, ALREADY_DONE, 'already running'),
    ('RUNNING', 'RETRY', False, ALREADY_DONE, 'already running'),
    ('SUCCESSFUL', 'EXECUTE', False, ALREADY_DONE, 'already succeeded'),
    ('SUCCESSFUL', 'RETRY', False, ALREADY_DONE, 'already succeeded'),
    ('FAILED', 'ROLLBACK', False, IMPOSSIBLE, 'failed while rolling back'),
    ('RUNNING', 'ROLLBACK', False, IMPOSSIBLE, 'being rolled back'),
    ('SUCCESSFUL', 'ROLLBACK', False, IMPOSSIBLE, 'was rolled back'),
    ('PAUSED', 'EXECUTE', False, IMPOSSIBLE, 'does not know'),
    (None, 'EXECUTE', False, IMPOSSIBLE, 'does not know'),
]

TASK_ROLLBACK_TABLE = [
    ('FAILED', 'EXECUTE', False, APPLY, 'rolls it back'),
    ('FAILED', 'RETRY', False, APPLY, 'rolls it back'),
    ('FAILED', 'ROLLBACK', False, APPLY, 'rolls it back'),  # resuming a failed rollback
    ('FAILED', 'EXECUTE', True, IMPOSSIBLE, 'prohibits rollback'),
    ('RUNNING', 'EXECUTE', True, IMPOSSIBLE, 'prohibits rollback'),
    ('RUNNING', 'ROLLBACK', False, ALREADY_DONE, 'already rolling back'),
    ('SUCCESSFUL', 'ROLLBACK', False, ALREADY_DONE, 'already rolled back'),
    ('RUNNING', 'EXECUTE', False, NOT_APPLICABLE, 'only FAILED tasks'),
    ('RUNNING', 'RETRY', False, NOT_APPLICABLE, 'only FAILED tasks'),
    ('SUCCESSFUL', 'EXECUTE', False, NOT_APPLICABLE, 'succeeded'),
    ('UNKNOWN', 'EXECUTE', False, IMPOSSIBLE, 'does not know'),
]


@pytest.mark.parametrize('status, operation, prohibited, expected, words', TASK_RETRY_TABLE)
def test_task_retry_decisions(status, operation, prohibited, expected, words):
    decision = decide_task_action('retry', task(status, operation, prohibit_rollback=prohibited))
    assert decision.kind == expected
    assert words in decision.reason
    assert "task 1024 'Create tenant'" in decision.reason
    assert decision.applies == (expected == APPLY)


@pytest.mark.parametrize('status, operation, prohibited, expected, words', TASK_ROLLBACK_TABLE)
def test_task_rollback_decisions(status, operation, prohibited, expected, words):
    decision = decide_task_action('rollback', task(status, operation, prohibit_rollback=prohibited))
    assert decision.kind == expected
    assert words in decision.reason


def test_unknown_task_action_is_a_programming_error():
    with pytest.raises(ValueError):
        decide_task_action('restart', task('FAILED'))


# (subtask status, subtask operation, task status, task operation) -> decision, reason words
SUBTASK_CANCEL_TABLE = [
    ('RUNNING', 'EXECUTE', 'RUNNING', 'EXECUTE', APPLY, 'cancels it'),
    ('RUNNING', 'RETRY', 'RUNNING', 'RETRY', APPLY, 'cancels it'),
    ('RUNNING', 'ROLLBACK', 'RUNNING', 'ROLLBACK', APPLY, 'cancels it'),
    ('CANCELING', 'EXECUTE', 'RUNNING', 'EXECUTE', ALREADY_DONE, 'already being cancelled'),
    ('FAILED', 'CANCEL', 'FAILED', 'EXECUTE', ALREADY_DONE, 'already finished'),
    ('FAILED', 'EXECUTE', 'FAILED', 'EXECUTE', ALREADY_DONE, 'already finished'),
    ('SUCCESSFUL', 'EXECUTE', 'RUNNING', 'EXECUTE', ALREADY_DONE, 'already finished'),
    ('PENDING', 'EXECUTE', 'RUNNING', 'EXECUTE', NOT_APPLICABLE, 'only RUNNING subtasks'),
    ('READY', 'EXECUTE', 'RUNNING', 'EXECUTE', NOT_APPLICABLE, 'only RUNNING subtasks'),
    ('WAITING', 'EXECUTE', 'RUNNING', 'EXECUTE', IMPOSSIBLE, 'does not know'),
]

SUBTASK_RETRY_TABLE = [
    ('FAILED', 'EXECUTE', 'FAILED', 'EXECUTE', APPLY, 'runs it again'),
    ('FAILED', 'RETRY', 'FAILED', 'RETRY', APPLY, 'runs it again'),
    ('FAILED', 'CANCEL', 'FAILED', 'EXECUTE', APPLY, 'runs it again'),
    # A FAILED subtask inside a RUNNING task (OCP may retry it itself) may still be retried.
    ('FAILED', 'EXECUTE', 'RUNNING', 'EXECUTE', APPLY, 'runs it again'),
    ('READY', 'RETRY', 'RUNNING', 'RETRY', ALREADY_DONE, 'already being retried'),
    ('RUNNING', 'RETRY', 'RUNNING', 'RETRY', ALREADY_DONE, 'already being retried'),
    ('SUCCESSFUL', 'EXECUTE', 'RUNNING', 'EXECUTE', ALREADY_DONE, 'already succeeded'),
    ('SUCCESSFUL', 'RETRY', 'SUCCESSFUL', 'RETRY', ALREADY_DONE, 'already succeeded'),
    ('FAILED', 'ROLLBACK', 'FAILED', 'ROLLBACK', IMPOSSIBLE, 'failed while rolling back'),
    ('FAILED', 'EXECUTE', 'RUNNING', 'ROLLBACK', IMPOSSIBLE, 'failed while rolling back'),
    ('PENDING', 'ROLLBACK', 'SUCCESSFUL', 'ROLLBACK', IMPOSSIBLE, 'task under rollback'),
    ('PENDING', 'EXECUTE', 'FAILED', 'EXECUTE', NOT_APPLICABLE, 'only FAILED subtasks'),
    ('RUNNING', 'EXECUTE', 'RUNNING', 'EXECUTE', NOT_APPLICABLE, 'only FAILED subtasks'),
    ('READY', 'EXECUTE', 'RUNNING', 'EXECUTE', NOT_APPLICABLE, 'only FAILED subtasks'),
    ('CANCELING', 'EXECUTE', 'RUNNING', 'EXECUTE', NOT_APPLICABLE, 'only FAILED subtasks'),
    ('SUCCESSFUL', 'SKIP', 'SUCCESSFUL', 'EXECUTE', NOT_APPLICABLE, 'only FAILED subtasks'),
]

SUBTASK_SKIP_TABLE = [
    ('FAILED', 'EXECUTE', 'FAILED', 'EXECUTE', APPLY, 'skips it'),
    ('FAILED', 'CANCEL', 'FAILED', 'EXECUTE', APPLY, 'skips it'),
    # Skipping is how a failed rollback gets past a subtask.
    ('FAILED', 'ROLLBACK', 'FAILED', 'ROLLBACK', APPLY, 'skips it'),
    ('READY', 'SKIP', 'RUNNING', 'EXECUTE', ALREADY_DONE, 'already skipped'),
    ('SUCCESSFUL', 'SKIP', 'SUCCESSFUL', 'EXECUTE', ALREADY_DONE, 'already skipped'),
    ('READY', 'ROLLBACK_SKIP', 'RUNNING', 'ROLLBACK', ALREADY_DONE, 'already skipped'),
    ('PENDING', 'ROLLBACK_SKIP', 'SUCCESSFUL', 'ROLLBACK', ALREADY_DONE, 'already skipped'),
    ('SUCCESSFUL', 'EXECUTE', 'RUNNING', 'EXECUTE', ALREADY_DONE, 'already succeeded'),
    ('SUCCESSFUL', 'RETRY', 'SUCCESSFUL', 'RETRY', ALREADY_DONE, 'already succeeded'),
    ('RUNNING', 'EXECUTE', 'RUNNING', 'EXECUTE', NOT_APPLICABLE, 'only FAILED subtasks'),
    ('PENDING', 'EXECUTE', 'FAILED', 'EXECUTE', NOT_APPLICABLE, 'only FAILED subtasks'),
    ('CANCELING', 'EXECUTE', 'RUNNING', 'EXECUTE', NOT_APPLICABLE, 'only FAILED subtasks'),
    ('PENDING', 'ROLLBACK', 'SUCCESSFUL', 'ROLLBACK', NOT_APPLICABLE, 'only FAILED subtasks'),
]


def _subtask_decision(action, row):
    sub_status, sub_operation, task_status, task_operation = row[:4]
    the_subtask = subtask(sub_status, sub_operation)
    return decide_subtask_action(action, task(task_status, task_operation, [the_subtask]), the_subtask)


@pytest.mark.parametrize('row', SUBTASK_CANCEL_TABLE, ids=lambda row: '-'.join(row[:4]))
def test_subtask_cancel_decisions(row):
    decision = _subtask_decision('cancel', row)
    assert (decision.kind, row[5] in decision.reason) == (row[4], True), decision.reason
    assert "subtask 11 'Create resource pool'" in decision.reason


@pytest.mark.parametrize('row', SUBTASK_RETRY_TABLE, ids=lambda row: '-'.join(row[:4]))
def test_subtask_retry_decisions(row):
    decision = _subtask_decision('retry', row)
    assert (decision.kind, row[5] in decision.reason) == (row[4], True), decision.reason


@pytest.mark.parametrize('row', SUBTASK_SKIP_TABLE, ids=lambda row: '-'.join(row[:4]))
def test_subtask_skip_decisions(row):
    decision = _subtask_decision('skip', row)
    assert (decision.kind, row[5] in decision.reason) == (row[4], True), decision.reason


def test_unknown_subtask_action_is_a_programming_error():
    with pytest.raises(ValueError):
        decide_subtask_action('pause', task('RUNNING'), subtask('RUNNING'))
