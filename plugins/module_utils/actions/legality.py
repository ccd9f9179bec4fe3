# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a task or subtask action applies, decided from a fresh read; nothing here speaks HTTP.

The rules follow OCP's table of legal actions (docs/ocp-behaviour.md#which-action-is-legal). Each
decision is one of (vocabulary.py):

- APPLY: OCP accepts the action in this state; the module sends it.
- ALREADY_DONE: what the action is for already holds (a retried task is running, a skipped
  subtask is done...); sending it would fail or repeat work, so the module reports no change.
- NOT_APPLICABLE: the action does not fit this state but may later (cancel of a PENDING
  subtask); no change, or a failure when the user asks for one.
- IMPOSSIBLE: OCP will never accept it for this task (rollback prohibited, retry after a failed
  rollback); the module fails.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections

from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.labels import state_label, subtask_label, task_label
from ansible_collections.oceanbase.ocp.plugins.module_utils.vocabulary import (
    ALREADY_DONE,
    APPLY,
    CANCEL_ACTION,
    FORWARD_OPERATIONS,
    IMPOSSIBLE,
    NOT_APPLICABLE,
    RETRY_ACTION,
    ROLLBACK,
    ROLLBACK_ACTION,
    SKIP_ACTION,
    SKIP_OPERATIONS,
    SUBTASK_ACTIONS,
    SUBTASK_STATUSES,
)


class Decision(collections.namedtuple('Decision', ['kind', 'reason'])):
    """What to do (APPLY, ALREADY_DONE, NOT_APPLICABLE or IMPOSSIBLE) and why, in plain words."""

    __slots__ = ()

    @property
    def applies(self):
        return self.kind == APPLY


def under_rollback(task):
    """Whether the task is being (or was) rolled back: its operation is ROLLBACK."""
    return task.get('operation') == ROLLBACK


def decide_task_action(action, task):
    """The Decision for ``action`` ('retry' or 'rollback') on ``task`` as just read."""
    if action == RETRY_ACTION:
        return _decide_task_retry(task)
    if action == ROLLBACK_ACTION:
        return _decide_task_rollback(task)
    raise ValueError('unknown task action %r' % (action,))


def _decide_task_retry(task):
    label, status = task_label(task), task.get('status')
    if under_rollback(task):
        # A rollback undoes the task; OCP never runs it forward again afterwards.
        if status == 'FAILED':
            why = 'failed while rolling back'
        elif status == 'RUNNING':
            why = 'is being rolled back'
        else:
            why = 'was rolled back'
        return Decision(IMPOSSIBLE, '%s %s (%s); OCP cannot retry a task under rollback, only roll it back '
                                    'again or skip its failed subtasks' % (label, why, state_label(task)))
    if status == 'FAILED':
        return Decision(APPLY, '%s is FAILED (%s), so OCP retries its failed subtasks' % (label, state_label(task)))
    if status == 'RUNNING':
        return Decision(ALREADY_DONE, '%s is already running (%s); nothing to retry' % (label, state_label(task)))
    if status == 'SUCCESSFUL':
        return Decision(ALREADY_DONE, '%s already succeeded; nothing to retry' % (label,))
    return _unknown_status(label, status)


def _decide_task_rollback(task):
    label, status = task_label(task), task.get('status')
    if under_rollback(task) and status == 'RUNNING':
        return Decision(ALREADY_DONE, '%s is already rolling back' % (label,))
    if under_rollback(task) and status == 'SUCCESSFUL':
        return Decision(ALREADY_DONE, '%s is already rolled back (SUCCESSFUL/ROLLBACK)' % (label,))
    if task.get('prohibitRollback'):
        return Decision(IMPOSSIBLE, '%s prohibits rollback (prohibitRollback: true); retry it or skip its '
                                    'failed subtasks instead' % (label,))
    if status == 'FAILED':
        # Also after a failed rollback: rolling back again is how OCP resumes it.
        return Decision(APPLY, '%s is FAILED (%s), so OCP rolls it back' % (label, state_label(task)))
    if status == 'RUNNING':
        return Decision(NOT_APPLICABLE, '%s is running (%s); OCP rolls back only FAILED tasks'
                        % (label, state_label(task)))
    if status == 'SUCCESSFUL':
        return Decision(NOT_APPLICABLE, '%s succeeded; OCP rolls back only FAILED tasks' % (label,))
    return _unknown_status(label, status)


def decide_subtask_action(action, task, subtask):
    """The Decision for ``action`` ('cancel', 'retry' or 'skip') on ``subtask`` of ``task``."""
    if action not in SUBTASK_ACTIONS:
        raise ValueError('unknown subtask action %r' % (action,))
    label, status = subtask_label(subtask), subtask.get('status')
    if status not in SUBTASK_STATUSES:
        return _unknown_status(label, status)
    return _SUBTASK_DECIDERS[action](task, subtask, label, status)


def _decide_subtask_cancel(task, subtask, label, status):
    if status == 'RUNNING':
        return Decision(APPLY, '%s is RUNNING, so OCP cancels it' % (label,))
    if status == 'CANCELING':
        return Decision(ALREADY_DONE, '%s is already being cancelled (CANCELING)' % (label,))
    if status in ('FAILED', 'SUCCESSFUL'):
        return Decision(ALREADY_DONE, '%s has already finished (%s); nothing to cancel' % (label, state_label(subtask)))
    return Decision(NOT_APPLICABLE, '%s is %s, not running; OCP cancels only RUNNING subtasks'
                    % (label, state_label(subtask)))


def _decide_subtask_retry(task, subtask, label, status):
    operation = subtask.get('operation')
    if operation == 'ROLLBACK' or under_rollback(task):
        why = 'failed while rolling back' if status == 'FAILED' else 'belongs to a task under rollback'
        return Decision(IMPOSSIBLE, '%s %s (%s, task %s); OCP cannot run it forward again: skip it or roll '
                                    'the task back again' % (label, why, state_label(subtask), state_label(task)))
    if status == 'FAILED':
        return Decision(APPLY, '%s is FAILED (%s), so OCP runs it again' % (label, state_label(subtask)))
    if status in ('READY', 'RUNNING') and operation == 'RETRY':
        return Decision(ALREADY_DONE, '%s is already being retried (%s)' % (label, state_label(subtask)))
    if status == 'SUCCESSFUL' and operation in FORWARD_OPERATIONS:
        return Decision(ALREADY_DONE, '%s already succeeded; nothing to retry' % (label,))
    return Decision(NOT_APPLICABLE, '%s is %s; OCP retries only FAILED subtasks' % (label, state_label(subtask)))


def _decide_subtask_skip(task, subtask, label, status):
    operation = subtask.get('operation')
    if status == 'FAILED':
        return Decision(APPLY, '%s is FAILED (%s), so OCP skips it' % (label, state_label(subtask)))
    if operation in SKIP_OPERATIONS and status in ('READY', 'SUCCESSFUL', 'PENDING'):
        return Decision(ALREADY_DONE, '%s is already skipped (%s)' % (label, state_label(subtask)))
    if status == 'SUCCESSFUL':
        return Decision(ALREADY_DONE, '%s already succeeded; nothing to skip' % (label,))
    return Decision(NOT_APPLICABLE, '%s is %s; OCP skips only FAILED subtasks' % (label, state_label(subtask)))


_SUBTASK_DECIDERS = {
    CANCEL_ACTION: _decide_subtask_cancel,
    RETRY_ACTION: _decide_subtask_retry,
    SKIP_ACTION: _decide_subtask_skip,
}


def _unknown_status(label, status):
    # Acting on a state we do not understand could do harm; better to stop and say so.
    return Decision(IMPOSSIBLE, '%s has a status this module does not know (%r); not acting on it' % (label, status))
