# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the action decisions: every row of the legal-action table, subtask selection
and the took-effect predicates used after an ambiguous POST. Pure: no HTTP, no sleeps."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.oceanbase.ocp.plugins.module_utils.actions.legality import (
    ALREADY_DONE,
    APPLY,
    IMPOSSIBLE,
    NOT_APPLICABLE,
    SubtaskSelectionError,
    decide_subtask_action,
    decide_task_action,
    expected_wait_outcomes,
    select_subtask,
    subtask_action_took_effect,
    task_action_took_effect,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.waiter import FAILED, ROLLED_BACK, SUCCEEDED


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


# ---------------------------------------------------------------- took effect

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


# ---------------------------------------------------------------- selection

def per_host_task():
    return task('FAILED', subtasks=[
        subtask('SUCCESSFUL', subtask_id=1, name='Check cluster create parameters', paralleIdx=-1),
        subtask('SUCCESSFUL', subtask_id=2, name='Install OceanBase package', paralleIdx=0,
                description='Install the OceanBase package on host 10.0.0.1'),
        subtask('FAILED', subtask_id=3, name='Install OceanBase package', paralleIdx=1,
                description='Install the OceanBase package on host 10.0.0.2'),
        subtask('PENDING', subtask_id=4, name='Start observer', parallelIdx=0,
                description='Start the observer on host 10.0.0.1'),
    ])


def test_select_by_id():
    assert select_subtask(per_host_task(), subtask_id=3)['id'] == 3


def test_select_by_an_id_of_another_task_names_the_task_and_its_subtasks():
    with pytest.raises(SubtaskSelectionError, match=r"task 1024 'Create tenant' has no subtask with id 99; "
                                                    r"its subtasks are: subtask 1 'Check cluster create"):
        select_subtask(per_host_task(), subtask_id=99)


def test_select_by_exact_name():
    assert select_subtask(per_host_task(), subtask_name='Start observer')['id'] == 4


def test_exact_name_is_case_sensitive_and_whole():
    for name in ('start observer', 'Start', 'Start observer '):
        with pytest.raises(SubtaskSelectionError, match=r"no subtask of task 1024 .* are named .*"
                                                        r"its subtask names are: 'Check cluster create parameters', "
                                                        r"'Install OceanBase package', 'Start observer'"):
            select_subtask(per_host_task(), subtask_name=name)


def test_several_matches_list_each_candidate_with_its_description():
    with pytest.raises(SubtaskSelectionError) as raised:
        select_subtask(per_host_task(), subtask_name='Install OceanBase package')
    assert str(raised.value) == (
        "2 subtasks of task 1024 'Create tenant' are named 'Install OceanBase package': "
        "subtask 2 'Install OceanBase package' (SUCCESSFUL/EXECUTE): Install the OceanBase package on host 10.0.0.1; "
        "subtask 3 'Install OceanBase package' (FAILED/EXECUTE): Install the OceanBase package on host 10.0.0.2; "
        "give subtask_description as well (exact, or a regular expression with subtask_description_match: regex), "
        "or subtask_id")


@pytest.mark.parametrize('description, match', [
    ('Install the OceanBase package on host 10.0.0.2', 'exact'),
    (r'10\.0\.0\.2$', 'regex'),
])
def test_select_per_host_subtask_by_name_and_description(description, match):
    assert select_subtask(per_host_task(), subtask_name='Install OceanBase package', subtask_description=description,
                          description_match=match)['id'] == 3


def test_select_by_description_alone():
    assert select_subtask(per_host_task(), subtask_description='^Start .* 10.0.0.1$',
                          description_match='regex')['id'] == 4


def test_a_description_no_named_subtask_has_lists_the_named_ones():
    with pytest.raises(SubtaskSelectionError) as raised:
        select_subtask(per_host_task(), subtask_name='Install OceanBase package', subtask_description='10.0.0.3',
                       description_match='regex')
    assert str(raised.value).startswith(
        "no subtask of task 1024 'Create tenant' are named 'Install OceanBase package' and have a description "
        "matching the regular expression '10.0.0.3'; those whose name matches are: subtask 2 ")
    assert "Install the OceanBase package on host 10.0.0.2" in str(raised.value)


def test_a_description_matching_several():
    with pytest.raises(SubtaskSelectionError, match=r"^2 subtasks .* have a description matching the regular "
                                                    r"expression '10\.0\.0\.1'.*give a subtask_description that "
                                                    r"matches only one, or subtask_id$"):
        select_subtask(per_host_task(), subtask_description='10.0.0.1', description_match='regex')
    with pytest.raises(SubtaskSelectionError, match=r"^no subtask .* are described as 'x'; its subtasks are: "
                                                    r"subtask 1 'Check cluster create parameters' \(SUCCESSFUL"):
        select_subtask(per_host_task(), subtask_description='x')


def test_select_by_regex_searches_the_name():
    assert select_subtask(per_host_task(), subtask_name='observer$', name_match='regex')['id'] == 4
    assert select_subtask(per_host_task(), subtask_name='^Check', name_match='regex')['id'] == 1


def test_regex_matching_several_or_none_fails():
    with pytest.raises(SubtaskSelectionError, match=r"^3 subtasks .* have a name matching the regular expression "
                                                    r"'Install\|Start'"):
        select_subtask(per_host_task(), subtask_name='Install|Start', name_match='regex')
    with pytest.raises(SubtaskSelectionError, match=r"no subtask .* matching the regular expression 'Bootstrap'"):
        select_subtask(per_host_task(), subtask_name='Bootstrap', name_match='regex')


def test_invalid_regex_fails_clearly():
    with pytest.raises(SubtaskSelectionError, match=r'subtask_name is not a valid regular expression'):
        select_subtask(per_host_task(), subtask_name='Install (', name_match='regex')
    with pytest.raises(SubtaskSelectionError, match=r'subtask_description is not a valid regular expression'):
        select_subtask(per_host_task(), subtask_description='host (', description_match='regex')


def test_selection_needs_an_id_a_name_or_a_description():
    with pytest.raises(SubtaskSelectionError, match='give subtask_id, subtask_name or subtask_description'):
        select_subtask(per_host_task())


# ---------------------------------------------------------------- expected wait outcomes

@pytest.mark.parametrize('action, task_operation, expected', [
    ('retry', 'EXECUTE', {SUCCEEDED}),
    ('rollback', 'EXECUTE', {ROLLED_BACK}),
    ('skip', 'EXECUTE', {SUCCEEDED}),
    ('skip', 'ROLLBACK', {ROLLED_BACK}),
    ('cancel', 'EXECUTE', {SUCCEEDED, FAILED, ROLLED_BACK}),
])
def test_expected_wait_outcomes(action, task_operation, expected):
    assert expected_wait_outcomes(action, task('FAILED', task_operation)) == expected
