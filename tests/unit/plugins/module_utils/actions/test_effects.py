# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What an action changes: the took-effect predicates used after an ambiguous POST, and what a wait
after an action should end in. Pure: no HTTP, no sleeps."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.oceanbase.ocp.plugins.module_utils.actions.effects import (
    expected_wait_outcomes,
    subtask_action_took_effect,
    task_action_took_effect,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.vocabulary import FAILED_OUTCOME as FAILED, ROLLED_BACK, SUCCEEDED


def subtask(status, operation='EXECUTE', subtask_id=11, name='Create resource pool', run_time=1, **fields):
    return dict(id=subtask_id, name=name, status=status, operation=operation, runTime=run_time, **fields)


def task(status, operation='EXECUTE', subtasks=None, prohibit_rollback=False):
    return dict(id=1024, name='Create tenant', status=status, operation=operation,
                prohibitRollback=prohibit_rollback, subtasks=subtasks or [])


def test_task_retry_took_effect_when_a_failed_subtask_ran_again():
    before = task('FAILED', 'EXECUTE', [subtask('SUCCESSFUL', subtask_id=10), subtask('FAILED', subtask_id=11)])
    after = task('RUNNING', 'RETRY', [subtask('SUCCESSFUL', subtask_id=10), subtask('READY', 'RETRY', run_time=2)])
    assert task_action_took_effect('retry', before, after)


def test_task_retry_took_effect_even_if_the_retry_already_failed_again():
    before = task('FAILED', 'RETRY', [subtask('FAILED', 'RETRY', run_time=2)])
    after = task('FAILED', 'RETRY', [subtask('FAILED', 'RETRY', run_time=3)])
    assert task_action_took_effect('retry', before, after)


def test_task_retry_did_not_take_effect_when_nothing_moved():
    before = task('FAILED', 'RETRY', [subtask('FAILED', 'RETRY', run_time=2)])
    assert not task_action_took_effect('retry', before, task('FAILED', 'RETRY', [subtask('FAILED', 'RETRY',
                                                                                         run_time=2)]))


def test_task_retry_without_run_times_falls_back_on_the_task_operation():
    before = task('FAILED', 'EXECUTE', [dict(id=11, status='FAILED', operation='EXECUTE')])
    after = task('RUNNING', 'RETRY', [dict(id=11, status='READY', operation='RETRY')])
    assert task_action_took_effect('retry', before, after)
    assert not task_action_took_effect('retry', before, before)


@pytest.mark.parametrize('after_status', ['RUNNING', 'SUCCESSFUL', 'FAILED'])
def test_task_rollback_took_effect_once_the_operation_is_rollback(after_status):
    before = task('FAILED', 'EXECUTE', [subtask('FAILED')])
    assert task_action_took_effect('rollback', before, task(after_status, 'ROLLBACK', [subtask('FAILED')]))
    assert not task_action_took_effect('rollback', before, before)


def test_second_rollback_took_effect_only_if_the_subtasks_moved():
    before = task('FAILED', 'ROLLBACK', [subtask('FAILED', 'ROLLBACK', finishTime='10:00')])
    unchanged = task('FAILED', 'ROLLBACK', [subtask('FAILED', 'ROLLBACK', finishTime='10:00')])
    failed_again = task('FAILED', 'ROLLBACK', [subtask('FAILED', 'ROLLBACK', finishTime='10:05')])
    assert not task_action_took_effect('rollback', before, unchanged)
    assert task_action_took_effect('rollback', before, failed_again)
    assert task_action_took_effect('rollback', before, task('RUNNING', 'ROLLBACK', [subtask('RUNNING', 'ROLLBACK')]))


TOOK_EFFECT_TABLE = [
    # action, before, after, took effect
    ('retry', subtask('FAILED'), subtask('READY', 'RETRY', run_time=2), True),
    ('retry', subtask('FAILED'), subtask('FAILED', 'RETRY', run_time=2), True),
    ('retry', subtask('FAILED'), subtask('FAILED'), False),
    ('retry', subtask('FAILED', run_time=None), subtask('RUNNING', 'RETRY', run_time=None), True),
    ('skip', subtask('FAILED'), subtask('READY', 'SKIP'), True),
    ('skip', subtask('FAILED'), subtask('SUCCESSFUL', 'SKIP'), True),
    ('skip', subtask('FAILED', 'ROLLBACK'), subtask('PENDING', 'ROLLBACK_SKIP'), True),
    ('skip', subtask('FAILED'), subtask('FAILED'), False),
    ('cancel', subtask('RUNNING'), subtask('CANCELING'), True),
    ('cancel', subtask('RUNNING'), subtask('FAILED', 'CANCEL'), True),
    ('cancel', subtask('RUNNING'), subtask('RUNNING'), False),
    ('cancel', subtask('RUNNING'), subtask('SUCCESSFUL'), False),
    ('cancel', subtask('RUNNING'), subtask('FAILED'), False),
]


@pytest.mark.parametrize('action, before, after, expected', TOOK_EFFECT_TABLE)
def test_subtask_action_took_effect(action, before, after, expected):
    assert subtask_action_took_effect(action, before, after) is expected


def test_took_effect_rejects_unknown_actions():
    with pytest.raises(ValueError):
        task_action_took_effect('skip', task('FAILED'), task('FAILED'))
    with pytest.raises(ValueError):
        subtask_action_took_effect('rollback', subtask('FAILED'), subtask('FAILED'))


@pytest.mark.parametrize('action, task_operation, expected', [
    ('retry', 'EXECUTE', {SUCCEEDED}),
    ('rollback', 'EXECUTE', {ROLLED_BACK}),
    ('skip', 'EXECUTE', {SUCCEEDED}),
    ('skip', 'ROLLBACK', {ROLLED_BACK}),
    ('cancel', 'EXECUTE', {SUCCEEDED, FAILED, ROLLED_BACK}),
])
def test_expected_wait_outcomes(action, task_operation, expected):
    assert expected_wait_outcomes(action, task('FAILED', task_operation)) == expected
