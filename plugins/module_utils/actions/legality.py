# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a task or subtask action applies, decided from a fresh read; nothing here speaks HTTP.

The rules follow the legal-action table of FACTS.md ("Which action is legal"). Each decision is
one of:

- APPLY: OCP accepts the action in this state; the module sends it.
- ALREADY_DONE: what the action is for already holds (a retried task is running, a skipped
  subtask is done...); sending it would fail or repeat work, so the module reports no change.
- NOT_APPLICABLE: the action does not fit this state but may later (cancel of a PENDING
  subtask); no change, or a failure when the user asks for one.
- IMPOSSIBLE: OCP will never accept it for this task (rollback prohibited, retry after a failed
  rollback); the module fails.

``action_took_effect`` answers the question left by a POST whose answer was lost (timeout,
dropped connection, 5xx): comparing the reads before and after, did OCP carry it out?
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import re

from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.waiter import FAILED, ROLLED_BACK, SUCCEEDED

APPLY = 'apply'
ALREADY_DONE = 'already_done'
NOT_APPLICABLE = 'not_applicable'
IMPOSSIBLE = 'impossible'

TASK_ACTIONS = ('retry', 'rollback')
SUBTASK_ACTIONS = ('cancel', 'retry', 'skip')

# Operations that mean "skipped" (ROLLBACK_SKIP: skipped while the task rolls back).
SKIP_OPERATIONS = frozenset(['SKIP', 'ROLLBACK_SKIP'])
# Operations of a subtask that ran forward, as opposed to being skipped, cancelled or undone.
FORWARD_OPERATIONS = frozenset(['EXECUTE', 'RETRY'])
# Subtask states this module knows; anything else is never acted on.
SUBTASK_STATUSES = frozenset(['PENDING', 'READY', 'RUNNING', 'CANCELING', 'FAILED', 'SUCCESSFUL'])


class Decision(collections.namedtuple('Decision', ['kind', 'reason'])):
    """What to do (APPLY, ALREADY_DONE, NOT_APPLICABLE or IMPOSSIBLE) and why, in plain words."""

    __slots__ = ()

    @property
    def applies(self):
        return self.kind == APPLY


class SubtaskSelectionError(LookupError):
    """No subtask, or more than one, matches what the user gave."""


def _task_label(task):
    label = 'task %s' % (task.get('id'),)
    if task.get('name'):
        label += " '%s'" % (task['name'],)
    return label


def _subtask_label(subtask):
    label = 'subtask %s' % (subtask.get('id'),)
    if subtask.get('name'):
        label += " '%s'" % (subtask['name'],)
    return label


def _state(item):
    """``STATUS/OPERATION`` as OCP shows them, for reasons."""
    return '%s/%s' % (item.get('status'), item.get('operation') or 'no operation')


def _task_under_rollback(task):
    return task.get('operation') == 'ROLLBACK'


def decide_task_action(action, task):
    """The Decision for ``action`` ('retry' or 'rollback') on ``task`` as just read."""
    if action == 'retry':
        return _decide_task_retry(task)
    if action == 'rollback':
        return _decide_task_rollback(task)
    raise ValueError('unknown task action %r' % (action,))


def _decide_task_retry(task):
    label, status = _task_label(task), task.get('status')
    if _task_under_rollback(task):
        # A rollback undoes the task; OCP never runs it forward again afterwards.
        if status == 'FAILED':
            why = 'failed while rolling back'
        elif status == 'RUNNING':
            why = 'is being rolled back'
        else:
            why = 'was rolled back'
        return Decision(IMPOSSIBLE, '%s %s (%s); OCP cannot retry a task under rollback, only roll it back '
                                    'again or skip its failed subtasks' % (label, why, _state(task)))
    if status == 'FAILED':
        return Decision(APPLY, '%s is FAILED (%s), so OCP retries its failed subtasks' % (label, _state(task)))
    if status == 'RUNNING':
        return Decision(ALREADY_DONE, '%s is already running (%s); nothing to retry' % (label, _state(task)))
    if status == 'SUCCESSFUL':
        return Decision(ALREADY_DONE, '%s already succeeded; nothing to retry' % (label,))
    return _unknown_status(label, status)


def _decide_task_rollback(task):
    label, status = _task_label(task), task.get('status')
    if _task_under_rollback(task) and status == 'RUNNING':
        return Decision(ALREADY_DONE, '%s is already rolling back' % (label,))
    if _task_under_rollback(task) and status == 'SUCCESSFUL':
        return Decision(ALREADY_DONE, '%s is already rolled back (SUCCESSFUL/ROLLBACK)' % (label,))
    if task.get('prohibitRollback'):
        return Decision(IMPOSSIBLE, '%s prohibits rollback (prohibitRollback: true); retry it or skip its '
                                    'failed subtasks instead' % (label,))
    if status == 'FAILED':
        # Also after a failed rollback: rolling back again is how OCP resumes it.
        return Decision(APPLY, '%s is FAILED (%s), so OCP rolls it back' % (label, _state(task)))
    if status == 'RUNNING':
        return Decision(NOT_APPLICABLE, '%s is running (%s); OCP rolls back only FAILED tasks'
                        % (label, _state(task)))
    if status == 'SUCCESSFUL':
        return Decision(NOT_APPLICABLE, '%s succeeded; OCP rolls back only FAILED tasks' % (label,))
    return _unknown_status(label, status)


def decide_subtask_action(action, task, subtask):
    """The Decision for ``action`` ('cancel', 'retry' or 'skip') on ``subtask`` of ``task``."""
    if action not in SUBTASK_ACTIONS:
        raise ValueError('unknown subtask action %r' % (action,))
    label, status = _subtask_label(subtask), subtask.get('status')
    if status not in SUBTASK_STATUSES:
        return _unknown_status(label, status)
    return _SUBTASK_DECIDERS[action](task, subtask, label, status)


def _decide_subtask_cancel(task, subtask, label, status):
    if status == 'RUNNING':
        return Decision(APPLY, '%s is RUNNING, so OCP cancels it' % (label,))
    if status == 'CANCELING':
        return Decision(ALREADY_DONE, '%s is already being cancelled (CANCELING)' % (label,))
    if status in ('FAILED', 'SUCCESSFUL'):
        return Decision(ALREADY_DONE, '%s has already finished (%s); nothing to cancel' % (label, _state(subtask)))
    return Decision(NOT_APPLICABLE, '%s is %s, not running; OCP cancels only RUNNING subtasks'
                    % (label, _state(subtask)))


def _decide_subtask_retry(task, subtask, label, status):
    operation = subtask.get('operation')
    if operation == 'ROLLBACK' or _task_under_rollback(task):
        why = 'failed while rolling back' if status == 'FAILED' else 'belongs to a task under rollback'
        return Decision(IMPOSSIBLE, '%s %s (%s, task %s); OCP cannot run it forward again: skip it or roll '
                                    'the task back again' % (label, why, _state(subtask), _state(task)))
    if status == 'FAILED':
        return Decision(APPLY, '%s is FAILED (%s), so OCP runs it again' % (label, _state(subtask)))
    if status in ('READY', 'RUNNING') and operation == 'RETRY':
        return Decision(ALREADY_DONE, '%s is already being retried (%s)' % (label, _state(subtask)))
    if status == 'SUCCESSFUL' and operation in FORWARD_OPERATIONS:
        return Decision(ALREADY_DONE, '%s already succeeded; nothing to retry' % (label,))
    return Decision(NOT_APPLICABLE, '%s is %s; OCP retries only FAILED subtasks' % (label, _state(subtask)))


def _decide_subtask_skip(task, subtask, label, status):
    operation = subtask.get('operation')
    if status == 'FAILED':
        return Decision(APPLY, '%s is FAILED (%s), so OCP skips it' % (label, _state(subtask)))
    if operation in SKIP_OPERATIONS and status in ('READY', 'SUCCESSFUL', 'PENDING'):
        return Decision(ALREADY_DONE, '%s is already skipped (%s)' % (label, _state(subtask)))
    if status == 'SUCCESSFUL':
        return Decision(ALREADY_DONE, '%s already succeeded; nothing to skip' % (label,))
    return Decision(NOT_APPLICABLE, '%s is %s; OCP skips only FAILED subtasks' % (label, _state(subtask)))


_SUBTASK_DECIDERS = {
    'cancel': _decide_subtask_cancel,
    'retry': _decide_subtask_retry,
    'skip': _decide_subtask_skip,
}


def _unknown_status(label, status):
    # Acting on a state we do not understand could do harm; better to stop and say so.
    return Decision(IMPOSSIBLE, '%s has a status this module does not know (%r); not acting on it' % (label, status))


# ---------------------------------------------------------------- after an ambiguous POST

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
    subtask retry in OCP's engine (FACTS.md), so it only adds evidence.
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
    if action == 'retry':
        # A FAILED task only moves when someone acts; a retry re-runs every FAILED subtask.
        after_subtasks = _subtasks_by_id(after)
        for subtask in before.get('subtasks') or []:
            later = after_subtasks.get(subtask.get('id'))
            if subtask.get('status') == 'FAILED' and later is not None and _subtask_retried(subtask, later):
                return True
        return after.get('operation') == 'RETRY' and after.get('status') != 'FAILED'
    if action == 'rollback':
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
    if action == 'retry':
        return _subtask_retried(before, after)
    if action == 'skip':
        return operation in SKIP_OPERATIONS
    if action == 'cancel':
        # A subtask that overran its timeout ends the same way (FAILED/CANCEL): either way it is stopped.
        return status == 'CANCELING' or (status == 'FAILED' and operation == 'CANCEL')
    raise ValueError('unknown subtask action %r' % (action,))


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
    """The task as OCP's legal-action table (FACTS.md) says it is right after ``action`` is accepted.

    For check mode's diff: what would change, without sending anything.
    """
    after = dict(task, subtasks=[dict(s) for s in task.get('subtasks') or []])
    if action in ('retry', 'rollback') and subtask_id is None:
        after.update(status='RUNNING', operation=action.upper())
        for subtask in after['subtasks']:
            if action == 'retry' and subtask.get('status') == 'FAILED':
                subtask.update(status='READY', operation='RETRY')
            elif action == 'rollback' and subtask.get('status') != 'PENDING':
                subtask['operation'] = 'ROLLBACK'
        return after
    target = next((s for s in after['subtasks'] if s.get('id') == subtask_id), None)
    if target is None:
        return after
    if action == 'retry':
        target.update(status='READY', operation='RETRY')
        after['status'] = 'RUNNING'
    elif action == 'skip':
        target.update(status='READY', operation='ROLLBACK_SKIP' if _task_under_rollback(task) else 'SKIP')
        after['status'] = 'RUNNING'
    elif action == 'cancel':
        target['status'] = 'CANCELING'
    return after


def state_text(task):
    """A task's and its subtasks' status/operation, one line each, for a diff."""
    lines = ['%s: %s' % (_task_label(task), _state(task))]
    for subtask in task.get('subtasks') or []:
        lines.append('  %s: %s' % (_subtask_label(subtask), _state(subtask)))
    return '\n'.join(lines) + '\n'


def state_diff(header, before, after):
    """One entry of a module's ``diff`` result: the state before and after an action."""
    return dict(before_header='%s (before)' % (header,), after_header='%s (after)' % (header,),
                before=state_text(before), after=state_text(after))


# ---------------------------------------------------------------- choosing the subtask

def _describe_candidates(subtasks):
    """The subtasks as a user tells them apart: per-host subtasks share a name, and OCP puts the
    host in the description ("Install the OCP agent on host 10.0.0.2")."""
    described = []
    for subtask in subtasks:
        text = "%s (%s)" % (_subtask_label(subtask), _state(subtask))
        if subtask.get('description'):
            text += ": %s" % (subtask['description'],)
        described.append(text)
    return '; '.join(described)


def _text_test(option, value, match):
    """A test of a subtask's text for ``option`` ('subtask_name' or 'subtask_description') compared
    as ``match`` ('exact' or 'regex') says, and how it reads in a message."""
    what = 'name' if option == 'subtask_name' else 'description'
    if match == 'regex':
        try:
            pattern = re.compile(value)
        except re.error as error:
            raise SubtaskSelectionError('%s is not a valid regular expression: %s' % (option, error))
        return (lambda text: pattern.search(text) is not None,
                'have a %s matching the regular expression %r' % (what, value))
    if match == 'exact':
        return (lambda text: text == value,
                ('are named %r' if what == 'name' else 'are described as %r') % (value,))
    raise ValueError('unknown %s match %r' % (what, match))


def select_subtask(task, subtask_id=None, subtask_name=None, name_match='exact', subtask_description=None,
                   description_match='exact'):
    """The one subtask of ``task`` given by ``subtask_id``, or by ``subtask_name`` and/or
    ``subtask_description``, each compared exactly or as a regular expression searched in the text
    (``name_match``/``description_match`` 'exact' or 'regex'); when both are given, both must match.

    Raises SubtaskSelectionError naming the candidates, with their descriptions, when none or
    several match. A ``subtask_id`` must belong to ``task``: OCP's subtask endpoints do not check
    that, so a mistyped id would otherwise act on another task's subtask.
    """
    subtasks = task.get('subtasks') or []
    label = _task_label(task)
    if subtask_id is not None:
        for subtask in subtasks:
            if subtask.get('id') == subtask_id:
                return subtask
        raise SubtaskSelectionError('%s has no subtask with id %s; its subtasks are: %s'
                                    % (label, subtask_id, _describe_candidates(subtasks)))
    if subtask_name is None and subtask_description is None:
        raise SubtaskSelectionError('give subtask_id, subtask_name or subtask_description')
    named, hows = subtasks, []
    if subtask_name is not None:
        test, how = _text_test('subtask_name', subtask_name, name_match)
        named = [s for s in subtasks if test(s.get('name') or '')]
        hows.append(how)
    matches = named
    if subtask_description is not None:
        test, how = _text_test('subtask_description', subtask_description, description_match)
        matches = [s for s in named if test(s.get('description') or '')]
        hows.append(how)
    how = ' and '.join(hows)
    if len(matches) == 1:
        return matches[0]
    if not matches and named and subtask_name is not None:
        # The name matched: show those subtasks, so that the description to give can be read off.
        raise SubtaskSelectionError('no subtask of %s %s; those whose name matches are: %s'
                                    % (label, how, _describe_candidates(named)))
    if not matches and subtask_name is not None:
        names = sorted(set(s.get('name') or '' for s in subtasks))
        raise SubtaskSelectionError('no subtask of %s %s; its subtask names are: %s'
                                    % (label, how, ', '.join(repr(name) for name in names)))
    if not matches:
        raise SubtaskSelectionError('no subtask of %s %s; its subtasks are: %s'
                                    % (label, how, _describe_candidates(subtasks)))
    if subtask_description is None:
        raise SubtaskSelectionError('%d subtasks of %s %s: %s; give subtask_description as well (exact, or a regular '
                                    'expression with subtask_description_match: regex), or subtask_id'
                                    % (len(matches), label, how, _describe_candidates(matches)))
    raise SubtaskSelectionError('%d subtasks of %s %s: %s; give a subtask_description that matches only one, or '
                                'subtask_id' % (len(matches), label, how, _describe_candidates(matches)))


# ---------------------------------------------------------------- what a wait should end in

def expected_wait_outcomes(action, task):
    """The wait outcomes (waiter.SUCCEEDED...) that mean ``action`` achieved its purpose.

    A rollback is meant to end rolled back; a skip during a rollback lets the rollback go on;
    a cancel is meant to stop the task, so any end will do. Otherwise the task should succeed.
    """
    if action == 'rollback':
        return frozenset([ROLLED_BACK])
    if action == 'cancel':
        return frozenset([SUCCEEDED, FAILED, ROLLED_BACK])
    if action == 'skip' and _task_under_rollback(task):
        return frozenset([ROLLED_BACK])
    return frozenset([SUCCEEDED])
