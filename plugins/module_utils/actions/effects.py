# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What an action changes: what OCP shows right after it is accepted (check mode's prediction and
diff), whether a read made after a POST whose answer was lost shows it took effect, whether OCP
still calls for it right before sending, and what a wait after it should end in.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.oceanbase.ocp.plugins.module_utils.actions.legality import under_rollback
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.labels import state_label, subtask_label, task_label
from ansible_collections.oceanbase.ocp.plugins.module_utils.vocabulary import (
    CANCEL_ACTION,
    FAILED_OUTCOME,
    RETRY_ACTION,
    ROLLBACK_ACTION,
    ROLLED_BACK,
    SKIP_ACTION,
    SKIP_OPERATIONS,
    SUCCEEDED,
)


def _subtasks_by_id(task):
    return dict((subtask.get('id'), subtask) for subtask in task.get('subtasks') or [])


def _run_time(subtask):
    try:
        return int(subtask.get('runTime'))
    except (TypeError, ValueError):
        return None


def _ran_again(before, after):
    """Whether ``after`` (the same subtask, read later) shows a new run.

    A new run ends with a new finish time; ``runTime`` grows on some OCP versions but not on a
    subtask retry in OCP's engine (docs/ocp-behaviour.md#task-and-subtask-states), so it only adds evidence.
    """
    old, new = _run_time(before), _run_time(after)
    if old is not None and new is not None and new > old:
        return True
    return after.get('status') == 'FAILED' and after.get('finishTime') != before.get('finishTime')


def _subtask_retried(before, after):
    if _ran_again(before, after):
        return True
    # A subtask that left FAILED under operation RETRY shows a retry.
    return after.get('status') != 'FAILED' and after.get('operation') == 'RETRY'


def _changed_subtasks(before, after):
    """Whether any subtask moved on between the two reads of a task (status, operation, run, finish)."""
    def fingerprint(task):
        return dict((subtask_id, (s.get('status'), s.get('operation'), s.get('runTime'), s.get('finishTime')))
                    for subtask_id, s in _subtasks_by_id(task).items())
    return fingerprint(before) != fingerprint(after)


def task_action_took_effect(action, before, after):
    """Whether OCP carried out task ``action``, judging from the task read ``before`` sending it
    (when the decision was APPLY, so the task was FAILED) and the task read ``after`` it."""
    if action == RETRY_ACTION:
        # A FAILED task only moves when someone acts; a retry re-runs every FAILED subtask.
        after_subtasks = _subtasks_by_id(after)
        for subtask in before.get('subtasks') or []:
            later = after_subtasks.get(subtask.get('id'))
            if subtask.get('status') == 'FAILED' and later is not None and _subtask_retried(subtask, later):
                return True
        return after.get('operation') == 'RETRY' and after.get('status') != 'FAILED'
    if action == ROLLBACK_ACTION:
        if after.get('operation') != 'ROLLBACK':
            return False
        if before.get('operation') != 'ROLLBACK' or after.get('status') != 'FAILED':
            return True
        # Rolling back again after a failed rollback: only the subtasks can tell.
        return _changed_subtasks(before, after)
    raise ValueError('unknown task action %r' % (action,))


def subtask_action_took_effect(action, before, after):
    """Whether OCP carried out subtask ``action``, judging from the subtask read ``before``
    sending it and the same subtask read ``after`` it."""
    status, operation = after.get('status'), after.get('operation')
    if action == RETRY_ACTION:
        return _subtask_retried(before, after)
    if action == SKIP_ACTION:
        return operation in SKIP_OPERATIONS
    if action == CANCEL_ACTION:
        # A subtask that overran its timeout ends the same way (FAILED/CANCEL): either way it is stopped.
        return status == 'CANCELING' or (status == 'FAILED' and operation == 'CANCEL')
    raise ValueError('unknown subtask action %r' % (action,))


def action_took_effect(action, before, after, subtask_id=None):
    """Whether ``after`` (read after a POST whose answer said nothing sure) shows ``action`` carried
    out on the task read ``before`` it: a task action without ``subtask_id``, else a subtask action."""
    if subtask_id is None:
        return task_action_took_effect(action, before, after)
    old = _subtasks_by_id(before).get(subtask_id) or {}
    new = _subtasks_by_id(after).get(subtask_id) or {}
    return subtask_action_took_effect(action, old, new)


def subtask_state(subtask):
    """What changes when anyone acts on a subtask or it runs: status, operation, run, finish time."""
    return (subtask.get('status'), subtask.get('operation'), subtask.get('runTime'), subtask.get('finishTime'))


def still_called_for(action, before, fresh, subtask_id=None):
    """Whether ``fresh`` (read right before sending) shows the state the decision on ``before`` was made in.

    When it does not, someone else acted (or OCP moved on) in between: the decision is taken
    again from the fresh read instead of sending, so two actors converge rather than both acting.
    """
    if subtask_id is None:  # a task action (retry, rollback): the task and its failed subtasks
        def state(task):
            return (task.get('status'), task.get('operation'),
                    sorted(subtask_state(s) + (s.get('id'),) for s in task.get('subtasks') or []
                           if s.get('status') == 'FAILED'))
        return state(before) == state(fresh)
    old, new = _subtasks_by_id(before).get(subtask_id), _subtasks_by_id(fresh).get(subtask_id)
    if old is None or new is None:
        return False
    return subtask_state(old) == subtask_state(new) and before.get('status') == fresh.get('status')


def predict_after(action, task, subtask_id=None):
    """The task as OCP's legal-action table (docs/ocp-behaviour.md#which-action-is-legal) says it is right
    after ``action`` is accepted.

    For check mode's diff: what would change, without sending anything.
    """
    after = dict(task, subtasks=[dict(s) for s in task.get('subtasks') or []])
    if action in (RETRY_ACTION, ROLLBACK_ACTION) and subtask_id is None:
        after.update(status='RUNNING', operation=action.upper())
        for subtask in after['subtasks']:
            if action == RETRY_ACTION and subtask.get('status') == 'FAILED':
                subtask.update(status='READY', operation='RETRY')
            elif action == ROLLBACK_ACTION and subtask.get('status') != 'PENDING':
                subtask['operation'] = 'ROLLBACK'
        return after
    target = next((s for s in after['subtasks'] if s.get('id') == subtask_id), None)
    if target is None:
        return after
    if action == RETRY_ACTION:
        target.update(status='READY', operation='RETRY')
        after['status'] = 'RUNNING'
    elif action == SKIP_ACTION:
        target.update(status='READY', operation='ROLLBACK_SKIP' if under_rollback(task) else 'SKIP')
        after['status'] = 'RUNNING'
    elif action == CANCEL_ACTION:
        target['status'] = 'CANCELING'
    return after


def state_text(task):
    """A task's and its subtasks' status/operation, one line each, for a diff."""
    lines = ['%s: %s' % (task_label(task), state_label(task))]
    for subtask in task.get('subtasks') or []:
        lines.append('  %s: %s' % (subtask_label(subtask), state_label(subtask)))
    return '\n'.join(lines) + '\n'


def state_diff(header, before, after):
    """One entry of a module's ``diff`` result: the state before and after an action."""
    return dict(before_header='%s (before)' % (header,), after_header='%s (after)' % (header,),
                before=state_text(before), after=state_text(after))


def expected_wait_outcomes(action, task):
    """The wait outcomes (vocabulary.SUCCEEDED...) that mean ``action`` achieved its purpose.

    A rollback is meant to end rolled back; a skip during a rollback lets the rollback go on;
    a cancel is meant to stop the task, so any end will do. Otherwise the task should succeed.
    """
    if action == ROLLBACK_ACTION:
        return frozenset([ROLLED_BACK])
    if action == CANCEL_ACTION:
        return frozenset([SUCCEEDED, FAILED_OUTCOME, ROLLED_BACK])
    if action == SKIP_ACTION and under_rollback(task):
        return frozenset([ROLLED_BACK])
    return frozenset([SUCCEEDED])
