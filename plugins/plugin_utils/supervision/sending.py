# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sending the policy's actions: at most once, across actors, and never lost from the report.

- Right before each POST the task is read again, and the POST is sent only if the state the
  decision was made on still holds (actions.still_called_for). Otherwise someone else acted
  (another supervision, a fork of ``ocp_task_action``, a person) or OCP moved on, and the next
  round decides again from what OCP then records. OCP checks states under a row lock, so of two
  actors that pass this check at the same moment the second gets 400/20003: that too is "someone
  else did it", re-read and reported as such. What remains possible: two actors on a subtask that
  fails again within the milliseconds between one's POST and the other's (see docs).
- Each action is sent once per run of its subtask (the key holds the run), even when OCP is slow
  to show its effect.
- OCP answering 429 or 503 did not carry the action out (RFC 9110); a read confirms it (a proxy
  might answer 503 after forwarding), and the action is decided again after the ``Retry-After`` it
  asked for. Any other failure after the request may have left (a lost
  connection, a timeout, 5xx, a proxy's error, an unreadable answer) is ambiguous: the task is read
  again to tell, never sent twice. When OCP cannot be read either, the action is reported as
  ``possibly_applied`` and checked at the next successful read.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

from ansible_collections.oceanbase.ocp.plugins.module_utils.actions.effects import (
    predict_after,
    state_diff,
    still_called_for,
    subtask_action_took_effect,
    task_action_took_effect,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import (
    OcpApiError,
    OcpConnectionError,
    OcpError,
    OcpIllegalStateError,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.labels import subtask_label
from ansible_collections.oceanbase.ocp.plugins.module_utils.vocabulary import (
    CANCEL_ACTION,
    LOST,
    POSSIBLY_APPLIED,
    REFUSED,
    RETRY_ACTION,
    ROLLBACK_ACTION,
    SENT,
    SKIP_ACTION,
    WOULD_SEND,
)


def target_label(action):
    """`` of subtask 12 'Create resource pool'``: what a subtask action acts on (nothing for a rollback)."""
    if action.action == ROLLBACK_ACTION:
        return ''
    return ' of ' + subtask_label(dict(id=action.subtask_id, name=action.subtask_name))


def describe(action, now, result):
    """An action as the report shows it."""
    return dict(action=action.action, subtask_id=action.subtask_id, subtask_name=action.subtask_name,
                rule_index=action.rule_index, rule_name=action.rule_name, reason=action.reason,
                attempt=action.attempt, at=now.replace(microsecond=0).isoformat(), result=result)


def _effect_shown(action, before, after):
    if action.action == ROLLBACK_ACTION:
        return task_action_took_effect(ROLLBACK_ACTION, before, after)
    old = next((s for s in before.get('subtasks') or [] if s.get('id') == action.subtask_id), {})
    new = next((s for s in after.get('subtasks') or [] if s.get('id') == action.subtask_id), {})
    return subtask_action_took_effect(action.action, old, new)


class Sender(object):
    """Sends actions for a supervisor; ``progress`` takes progress lines; with ``diff`` each action's
    before and after states are collected in ``diffs``."""

    def __init__(self, api, progress, diff=False):
        self.api = api
        self._progress = progress
        self.diff = diff
        self.diffs = []
        # Keys of every POST sent: (task id, action, subtask id, run). None is ever sent twice.
        self._sent = set()
        # The same keys, for the POSTs OCP refused as illegal in the state it then had.
        self._refused = {}

    def already_sent(self, key):
        return key in self._sent

    def refused_before(self, key):
        return self._refused.get(key)

    def would_send(self, record, action, now):
        """Check mode: report the action and its predicted effect, send nothing."""
        entry = describe(action, now, WOULD_SEND)
        record.actions.append(entry)
        if self.diff:
            after = predict_after(action.action, record.task, None if action.action == ROLLBACK_ACTION else action.subtask_id)
            self.diffs.append(state_diff('task %s, %s%s' % (record.task_id, action.action, target_label(action)),
                                         record.task, after))
        self._progress("task %s: would %s%s (%s)"
                       % (record.task_id, action.action, target_label(action), action.reason))

    def send(self, record, action, key, now):
        """Send ``action`` for ``record`` if OCP still calls for it; True when it was sent (or may have been)."""
        before = record.task
        fresh = self.api.get_task(record.task_id)
        target = None if action.action == ROLLBACK_ACTION else action.subtask_id
        if not still_called_for(action.action, before, fresh, target):
            record.task = fresh
            record.needs_read = True
            self._progress('task %s: changed since it was read (someone else acted, or OCP moved on); '
                           'not sending the %s%s, deciding again'
                           % (record.task_id, action.action, target_label(action)))
            return False
        record.task = before = fresh
        entry = describe(action, now, SENT)
        self._sent.add(key)
        try:
            self._post(record.task_id, action)
        except OcpIllegalStateError as error:
            return self._after_refusal(record, action, key, entry, error)
        except OcpApiError as error:
            if error.not_carried_out:
                return self._after_not_carried_out(record, action, key, entry, before, error, now)
            if not error.possibly_applied:
                raise
            return self._after_ambiguous_answer(record, action, entry, before, error)
        except OcpConnectionError as error:
            if not error.ambiguous:
                # The request never left: nothing happened, so it may be decided and sent again later.
                self._sent.discard(key)
                record.needs_read = True
                self._progress('task %s: could not send the %s%s (%s); trying again later'
                               % (record.task_id, action.action, target_label(action), error))
                return False
            return self._after_ambiguous_answer(record, action, entry, before, error)
        record.actions.append(entry)
        record.needs_read = True
        self._progress('task %s: sent %s%s (%s)'
                       % (record.task_id, action.action, target_label(action), action.reason))
        if self.diff:
            self._record_diff(record, action, before)
        return True

    def _post(self, task_id, action):
        if action.action == ROLLBACK_ACTION:
            self.api.rollback_task(task_id)
        elif action.action in (RETRY_ACTION, SKIP_ACTION, CANCEL_ACTION):
            getattr(self.api, '%s_subtask' % action.action)(task_id, action.subtask_id)
        else:
            raise ValueError('not an action to send: %r' % (action.action,))

    def _record_diff(self, record, action, before):
        try:
            after = self.api.get_task(record.task_id)
        except OcpError:
            return  # the diff is a courtesy; the next round reads the task anyway
        record.task = after
        self.diffs.append(state_diff('task %s, %s%s' % (record.task_id, action.action, target_label(action)),
                                     before, after))

    def _after_refusal(self, record, action, key, entry, error):
        """OCP refused under its row lock: someone else acted between our read and our POST."""
        self._sent.discard(key)
        self._refused[key] = error
        entry.update(result=REFUSED, error='%s' % (error,))
        record.actions.append(entry)
        record.needs_read = True
        self._progress('task %s: OCP refused the %s%s, so someone else acted first (%s); reading it again'
                       % (record.task_id, action.action, target_label(action), error))
        return False

    def _after_not_carried_out(self, record, action, key, entry, before, error, now):
        """429/503: OCP says it did not handle the action; a read confirms (a proxy might say so after
        forwarding it) before the action may be decided again, after the Retry-After OCP asked for."""
        try:
            after = self.api.get_task(record.task_id)
        except OcpError as read_error:
            if not read_error.transient:
                raise
            after = None
        if after is not None and _effect_shown(action, before, after):
            entry['note'] = 'OCP answered HTTP %s but carried it out' % (error.status,)
            record.actions.append(entry)
            return self.settle(record, entry, action, before, after)
        if after is None:
            # Unread: it cannot be told whether the action was taken, so it is not decided again blindly.
            return self._after_ambiguous_answer(record, action, entry, before, error)
        record.task = after
        self._sent.discard(key)
        record.needs_read = True
        wait = error.retry_after or 0
        record.not_before = now + datetime.timedelta(seconds=wait)
        self._progress('task %s: OCP did not take the %s%s (HTTP %s); deciding again%s'
                       % (record.task_id, action.action, target_label(action), error.status,
                          ' in %gs as it asked' % (wait,) if wait else ' later'))
        return False

    def _after_ambiguous_answer(self, record, action, entry, before, error):
        """The POST may or may not have taken effect: read and tell, never send again."""
        entry['note'] = 'the answer was lost (%s)' % (error,)
        try:
            after = self.api.get_task(record.task_id)
        except OcpError as read_error:
            if not read_error.transient:
                raise
            entry['result'] = POSSIBLY_APPLIED
            record.actions.append(entry)
            record.unconfirmed.append((entry, action, before))
            record.needs_read = True
            self._progress('task %s: the answer to the %s%s was lost and OCP cannot be read (%s); it counts as '
                           'possibly applied until OCP shows' % (record.task_id, action.action,
                                                                 target_label(action), read_error))
            return True
        record.actions.append(entry)
        return self.settle(record, entry, action, before, after)

    def settle(self, record, entry, action, before, after):
        """Say whether an action whose answer was lost took effect, from a read made after it."""
        record.task = after
        record.needs_read = True
        if _effect_shown(action, before, after):
            entry.update(result=SENT, note='%s, but OCP carried it out' % (entry.get('note') or 'the answer was lost',))
            self._progress('task %s: the answer to the %s%s was lost, but OCP carried it out'
                           % (record.task_id, action.action, target_label(action)))
            return True
        entry.update(result=LOST)
        record.decisions.append(dict(entry, reason=(
            '%s and the task shows no effect; it was not sent again, so it cannot happen twice: check the task '
            'and run this again' % (entry.get('note') or 'the answer to the %s was lost' % (action.action,)))))
        record.outcome = 'failed'
        return False
