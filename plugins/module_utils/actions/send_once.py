# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Send an action to OCP at most once: the one protocol behind the action modules
(module_support/action_run.py) and the supervision of ``ocp_task_wait``
(plugin_utils/supervision/sending.py), which only say what they report and how they fail.

The protocol, for one action decided on a task as read (``decided_on``):

1. Read the task again right before the POST, and send only if the state the decision was made
   on still holds (effects.still_called_for). Otherwise someone else acted (another fork,
   another supervision, a person in the console) or OCP moved on: ``MOVED``, nothing sent.
2. Send the POST once. It is never sent again by this protocol, whatever comes back.
3. What the answer means, from the error's own properties (client/errors.py):

   - none: ``SENT``;
   - any 400 (OcpBadRequestError, whatever its ``error.code``: OCP 3.1 and 4.0 say ``4007``, 4.2
     ``TSK10007``, ``TSK10016`` or ``TSK10010``, OCP Express ``20003``, and a version may use a code
     we do not know): ``REFUSED``. After our fresh read this most likely means someone else acted
     first, as in a lost race; a read tells which (``read_after_refusal``), so no behaviour rests on
     one code (docs/ocp-behaviour.md#errors-and-error-codes, ERR-2);
   - 429 or 503 (``not_carried_out``): OCP says it did not carry the request out (RFC 9110); a
     read confirms it, since a proxy may answer so after passing the request on: ``NOT_CARRIED_OUT``
     when the read shows no effect, ``SENT`` when it shows one;
   - no answer after the request left, a 5xx, a success whose body is unreadable
     (``possibly_applied``): the answer is lost. A read tells whether the action took effect
     (effects.action_took_effect): ``SENT``, or ``LOST`` when it shows none. Never sent again;
   - the read after a lost answer fails too: ``POSSIBLY_APPLIED``, for a later read to settle
     (``possibly_applied_when`` says which read errors leave it so);
   - no connection before anything was sent: ``NOT_SENT`` (nothing happened; may be decided again);
   - any other answer (401, 403, 404, another 4xx): ``REJECTED``, nothing was done.

Between two actors. For a **subtask** action OCP reads the subtask under a row lock and checks its
state there (docs/ocp-behaviour.md#which-action-is-legal, ACT-7): of two actors whose fresh reads
both pass, the second POST is refused (400), which this protocol reads as someone else acting
first. What remains possible is a subtask that fails again within the moment between one actor's
POST and the other's: both see a legal state, and both are accepted.

For a **task** action (retry, rollback) OCP takes no row lock: it reads the task with ``findById``
and checks its state in a transaction (ACT-7). Two actors whose fresh reads both come before
either's action is committed may both send, and both pass OCP's check. In OCP Express the
subtasks' optimistic version makes the later commit fail (a 5xx, which this protocol reads as a
lost answer: the read then shows the task retried or rolled back, so that actor reports the action
as carried out); in OCP that outcome is inferred. What the collection guarantees for task actions:
each actor sends its action at most once and never resends it after any answer; an actor whose
fresh read comes after another's action sends nothing (``MOVED``); both accepted writes set the
same state (RUNNING under RETRY, or under ROLLBACK), so the task is retried or rolled back once,
but both actors may report it as theirs. One actor per task rules that out
(docs/policy-cookbook.md, "Several actors on one task").

Where the two users differ on purpose, the difference is a parameter of ``SendOnce``:

- ``read_after_refusal``: the module reads at once after a refusal, because it reports the task as
  it is now and ends there: done by someone else, or refused in the state it was decided on. The
  supervision does not: its next round reads the task and decides again anyway, and its memory of
  refused actions tells whether the state moved since.
- ``possibly_applied_when(read_error)``: which errors of the read after a lost answer leave the
  action possibly applied; any other is raised. The module takes every error (it fails at once,
  reporting the lost answer and the failed read, so that the user checks the task); the supervision
  only transient ones (a later round's read settles the action, and a definite answer to a read,
  such as a 401, ends the wait as any other read's does).
- ``memory``: the supervision remembers the key of every action it sent (its subtask's run, so an
  action is sent once per run across rounds, even while OCP is slow to show its effect) and of those
  OCP refused; a module run sends one action and remembers nothing.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections

from ansible_collections.oceanbase.ocp.plugins.module_utils.actions.effects import action_took_effect, still_called_for
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import (
    OcpBadRequestError,
    OcpConnectionError,
    OcpError,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.vocabulary import (
    LOST,
    POSSIBLY_APPLIED,
    REFUSED,
    RETRY_ACTION,
    SENT,
    SUBTASK_ACTIONS,
    TASK_ACTIONS,
)

# What became of one sending. SENT, REFUSED, LOST and POSSIBLY_APPLIED are the vocabulary's
# results of an action; these are the protocol's other outcomes, where nothing was carried out.
MOVED = 'moved'                      # not sent: the fresh read shows another state than the one decided on
NOT_CARRIED_OUT = 'not_carried_out'  # OCP answered 429/503 and a read shows no effect
NOT_SENT = 'not_sent'                # no connection before anything was sent
REJECTED = 'rejected'                # OCP answered no for a reason other than the state (401, 403, 404)
OUTCOMES = (SENT, MOVED, REFUSED, NOT_CARRIED_OUT, NOT_SENT, REJECTED, LOST, POSSIBLY_APPLIED)


class Sending(collections.namedtuple('Sending', ['kind', 'fresh', 'after', 'error', 'read_error', 'answer_lost'])):
    """What became of one action: ``kind`` (one of OUTCOMES); ``fresh``, the task read right before
    the POST (the state it was sent on, or found moved); ``after``, the task read after the POST
    (None when it was not read); ``error``, the POST's error (None when OCP accepted it at once);
    ``read_error``, why the read after a lost answer failed; ``answer_lost``, whether the answer
    went the lost-answer way (also a 429/503 whose confirming read failed)."""

    __slots__ = ()


def any_read_error(error):
    """``possibly_applied_when`` for a caller that reports every failed read itself."""
    return True


def transient_read_error(error):
    """``possibly_applied_when`` for a caller whose later reads settle the action: weather only."""
    return error.transient


def post_action(api, action, task_id, subtask_id=None):
    """Send ``action`` through ``api`` (a TaskApi): a task action without ``subtask_id``, a subtask action with it."""
    if subtask_id is None:
        if action not in TASK_ACTIONS:
            raise ValueError('not a task action: %r' % (action,))
        return api.retry_task(task_id) if action == RETRY_ACTION else api.rollback_task(task_id)
    if action not in SUBTASK_ACTIONS:
        raise ValueError('not a subtask action: %r' % (action,))
    return getattr(api, '%s_subtask' % action)(task_id, subtask_id)


class SentActions(object):
    """The keys of the actions a supervision sent, and of those OCP refused (see ``memory``)."""

    def __init__(self):
        self._sent = set()
        self._refused = {}

    def sent(self, key):
        return key in self._sent

    def refusal(self, key):
        """The error OCP refused the action of ``key`` with, or None."""
        return self._refused.get(key)

    def note_sent(self, key):
        self._sent.add(key)

    def forget(self, key):
        """Nothing happened: the same action may be decided and sent again."""
        self._sent.discard(key)

    def note_refused(self, key, error):
        self._sent.discard(key)
        self._refused[key] = error


class SendOnce(object):
    """The protocol over ``api`` (a TaskApi), with the parameters the module docstring explains."""

    def __init__(self, api, read_after_refusal, possibly_applied_when, memory=None):
        self.api = api
        self.read_after_refusal = read_after_refusal
        self.possibly_applied_when = possibly_applied_when
        self.memory = memory

    def send(self, action, task_id, subtask_id, decided_on, key=None):
        """Send ``action`` (on ``subtask_id``, or on the task when None) if OCP still shows the state
        ``decided_on``; a Sending. Errors of the fresh read, of a read after a refusal and of a read
        after a lost answer that ``possibly_applied_when`` does not accept propagate."""
        fresh = self.api.get_task(task_id)
        if not still_called_for(action, decided_on, fresh, subtask_id):
            return Sending(MOVED, fresh, None, None, None, False)
        if self.memory is not None:
            self.memory.note_sent(key)
        try:
            post_action(self.api, action, task_id, subtask_id)
        except OcpBadRequestError as error:
            # Any 400, as a lost race: the read that follows (or the next round's) decides.
            if self.memory is not None:
                self.memory.note_refused(key, error)
            after = self.api.get_task(task_id) if self.read_after_refusal else None
            return Sending(REFUSED, fresh, after, error, None, False)
        except OcpError as error:
            if error.not_carried_out:
                return self._after_not_carried_out(action, task_id, subtask_id, fresh, error, key)
            if error.possibly_applied:
                return self._after_lost_answer(action, task_id, subtask_id, fresh, error)
            if isinstance(error, OcpConnectionError):
                # The request never left: nothing happened.
                if self.memory is not None:
                    self.memory.forget(key)
                return Sending(NOT_SENT, fresh, None, error, None, False)
            return Sending(REJECTED, fresh, None, error, None, False)
        return Sending(SENT, fresh, None, None, None, False)

    def _read_after(self, task_id):
        """The task read after a POST whose answer says nothing sure; (task, None) or (None, read error)."""
        try:
            return self.api.get_task(task_id), None
        except OcpError as read_error:
            if not self.possibly_applied_when(read_error):
                raise
            return None, read_error

    def _after_not_carried_out(self, action, task_id, subtask_id, fresh, error, key):
        after, read_error = self._read_after(task_id)
        if read_error is not None:
            # Unread, it cannot be told whether the action was taken: a lost answer, never decided again blindly.
            return self._after_lost_answer(action, task_id, subtask_id, fresh, error)
        if action_took_effect(action, fresh, after, subtask_id):
            return Sending(SENT, fresh, after, error, None, False)
        if self.memory is not None:
            self.memory.forget(key)
        return Sending(NOT_CARRIED_OUT, fresh, after, error, None, False)

    def _after_lost_answer(self, action, task_id, subtask_id, fresh, error):
        after, read_error = self._read_after(task_id)
        if read_error is not None:
            return Sending(POSSIBLY_APPLIED, fresh, None, error, read_error, True)
        if action_took_effect(action, fresh, after, subtask_id):
            return Sending(SENT, fresh, after, error, None, True)
        return Sending(LOST, fresh, after, error, None, True)
