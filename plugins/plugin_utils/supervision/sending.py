# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sending the policy's actions for a supervision: at most once, across actors and rounds, and never
lost from the report.

The protocol is the one the action modules use (module_utils/actions/send_once.py: re-read right
before the POST, send only what OCP still calls for, a refusal means someone else acted, 429/503
mean not carried out, a lost answer is read and told, never resent). This adapter gives it the
supervision's parameters and says what each outcome becomes: an entry in the task's report, a
progress line, and what the next round does.

- Each action is sent once per run of its subtask (the key holds the run), even when OCP is slow
  to show its effect: the protocol's memory keeps the keys of the actions sent, and of those OCP
  refused, so that an action refused in a state that has not moved since is not sent again.
- Refused, or found moved since the decision: the next round reads the task and decides again.
- 429 or 503 with no effect shown: decided again after the ``Retry-After`` OCP asked for.
- A lost answer: the task is read to tell; when OCP cannot be read either, the action is reported
  as ``possibly_applied`` and settled at the next successful read (``settle``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

from ansible_collections.oceanbase.ocp.plugins.module_utils.actions.effects import action_took_effect, predict_after, state_diff
from ansible_collections.oceanbase.ocp.plugins.module_utils.actions.send_once import (
    MOVED,
    NOT_CARRIED_OUT,
    NOT_SENT,
    REJECTED,
    SendOnce,
    SentActions,
    transient_read_error,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpError, OcpMalformedAnswerError
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.labels import subtask_label
from ansible_collections.oceanbase.ocp.plugins.module_utils.vocabulary import (
    LOST,
    POSSIBLY_APPLIED,
    REFUSED,
    SENT,
    WOULD_SEND,
)
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.policy import rule_action_of, sent_on_subtask


def target_label(action):
    """`` of subtask 12 'Create resource pool'``: what a subtask action acts on (nothing for a rollback)."""
    if sent_on_subtask(action) is None:
        return ''
    return ' of ' + subtask_label(dict(id=action.subtask_id, name=action.subtask_name))


# The verb of each action, as a sentence says it: "would retry subtask 12", "would roll back the task".
VERBS = {'rollback': 'roll back'}


def would_sentence(action):
    """``would retry subtask 12 'Create resource pool'``; ``would roll back the task``."""
    verb = VERBS.get(action.action, action.action)
    if sent_on_subtask(action) is None:
        return 'would %s the task' % (verb,)
    return 'would %s %s' % (verb, subtask_label(dict(id=action.subtask_id, name=action.subtask_name)))


def describe(action, now, result):
    """An action as the report shows it."""
    return dict(action=action.action, subtask_id=action.subtask_id, subtask_name=action.subtask_name,
                rule_index=action.rule_index, rule_name=action.rule_name, reason=action.reason,
                attempt=action.attempt, at=now.replace(microsecond=0).isoformat(), result=result)


class Sender(object):
    """Sends actions for a supervisor through the one send-at-most-once protocol; ``progress`` takes
    progress lines; with ``diff`` each action's before and after states are collected in ``diffs``.

    This adapter says what the supervision reports and what it does next: it never fails the wait
    over one action. A refusal is read at the next round, which decides again (the memory of refused
    actions says whether the state moved since); 429/503 defer the action past the Retry-After OCP
    asked for; an action whose answer was lost while OCP could not be read is possibly applied until
    a later read settles it.
    """

    def __init__(self, api, progress, diff=False):
        self.api = api
        self._progress = progress
        self.diff = diff
        self.diffs = []
        # Keys of every POST sent: (task id, action, subtask id, run). None is ever sent twice.
        self.memory = SentActions()
        self._protocol = SendOnce(api, read_after_refusal=False, possibly_applied_when=transient_read_error,
                                  memory=self.memory)

    def already_sent(self, key):
        return self.memory.sent(key)

    def refused_before(self, key):
        return self.memory.refusal(key)

    def would_send(self, record, action, now):
        """Check mode: report the action and its predicted effect, send nothing."""
        entry = describe(action, now, WOULD_SEND)
        record.actions.append(entry)
        if self.diff:
            after = predict_after(action.action, record.task, sent_on_subtask(action))
            self.diffs.append(state_diff('task %s, %s%s' % (record.task_id, action.action, target_label(action)),
                                         record.task, after))
        self._progress("task %s: %s (%s)" % (record.task_id, would_sentence(action), action.reason))

    def send(self, record, action, key, now):
        """Send ``action`` for ``record`` if OCP still calls for it; True when it was sent (or may have been)."""
        if rule_action_of(action.action).sent_as is None:
            raise ValueError('not an action to send: %r' % (action.action,))
        try:
            sending = self._protocol.send(action.action, record.task_id, sent_on_subtask(action), record.task,
                                          key=key)
        except OcpMalformedAnswerError as error:
            if self.memory.sent(key):
                # The POST went out, and what came after it (its answer, the read that would tell)
                # is malformed: it may have been carried out, and the report keeps it so.
                record.actions.append(dict(describe(action, now, POSSIBLY_APPLIED),
                                           note='what OCP answered after it is malformed (%s)' % (error,)))
            raise
        record.task = sending.fresh
        record.needs_read = True
        what = '%s%s' % (action.action, target_label(action))
        if sending.kind == MOVED:
            self._progress('task %s: changed since it was read (someone else acted, or OCP moved on); '
                           'not sending the %s, deciding again' % (record.task_id, what))
            return False
        if sending.kind == REJECTED:
            # The refusal (403, a state OCP calls illegal) ends the wait, but it is an action the
            # policy took: the report keeps it with its result, not only the message.
            record.actions.append(dict(describe(action, now, REFUSED), error='%s' % (sending.error,)))
            raise sending.error
        if sending.kind == NOT_SENT:
            self._progress('task %s: could not send the %s (%s); trying again later'
                           % (record.task_id, what, sending.error))
            return False
        entry = describe(action, now, SENT)
        if sending.kind == REFUSED:
            entry.update(result=REFUSED, error='%s' % (sending.error,))
            record.actions.append(entry)
            self._progress('task %s: OCP refused the %s, so someone else acted first (%s); reading it again'
                           % (record.task_id, what, sending.error))
            return False
        if sending.kind == NOT_CARRIED_OUT:
            record.task = sending.after
            wait = sending.error.retry_after or 0
            record.not_before = now + datetime.timedelta(seconds=wait)
            self._progress('task %s: OCP did not take the %s (HTTP %s); deciding again%s'
                           % (record.task_id, what, sending.error.status,
                              ' in %gs as it asked' % (wait,) if wait else ' later'))
            return False
        if sending.kind == SENT and sending.error is None:
            record.actions.append(entry)
            self._progress('task %s: sent %s (%s)' % (record.task_id, what, action.reason))
            if self.diff:
                self._record_diff(record, action, sending.fresh)
            return True
        record.actions.append(entry)
        if not sending.answer_lost:
            # OCP said 429/503, yet the read shows the action carried out (a proxy answered after passing it on).
            entry['note'] = 'OCP answered HTTP %s but carried it out' % (sending.error.status,)
            record.task = sending.after
            self._progress('task %s: OCP answered HTTP %s to the %s, but carried it out'
                           % (record.task_id, sending.error.status, what))
            return True
        entry['note'] = 'the answer was lost (%s)' % (sending.error,)
        if sending.kind == POSSIBLY_APPLIED:
            entry['result'] = POSSIBLY_APPLIED
            record.unconfirmed.append((entry, action, sending.fresh))
            self._progress('task %s: the answer to the %s was lost and OCP cannot be read (%s); it counts as '
                           'possibly applied until OCP shows' % (record.task_id, what, sending.read_error))
            return True
        return self.settle(record, entry, action, sending.fresh, sending.after)

    def _record_diff(self, record, action, before):
        try:
            after = self.api.get_task(record.task_id)
        except OcpError:
            return  # the diff is a courtesy; the next round reads the task anyway
        record.task = after
        self.diffs.append(state_diff('task %s, %s%s' % (record.task_id, action.action, target_label(action)),
                                     before, after))

    def settle(self, record, entry, action, before, after):
        """Say whether an action whose answer was lost took effect, from a read made after it."""
        record.task = after
        record.needs_read = True
        if action_took_effect(action.action, before, after, sent_on_subtask(action)):
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
