# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The words the whole collection shares, each with one meaning; this module imports nothing.

OCP's own words are upper case, as OCP writes them (docs/ocp-behaviour.md#task-and-subtask-states):
a task's or subtask's ``status`` and ``operation``. The collection's words are lower case: how a
task ended for us (an outcome), the actions a user or a policy asks for, and what became of an
action we sent. Every layer may import this module; it imports nothing, so it can never be the
reason for a cycle.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

# ---------------------------------------------------------------- OCP's words

# Task statuses. A task is RUNNING while any subtask runs, FAILED when one failed and none runs.
RUNNING = 'RUNNING'
FAILED = 'FAILED'
SUCCESSFUL = 'SUCCESSFUL'
TASK_STATUSES = frozenset([RUNNING, FAILED, SUCCESSFUL])

# Subtask statuses: the task's three, and the steps before and inside a run.
PENDING = 'PENDING'
READY = 'READY'
CANCELING = 'CANCELING'
SUBTASK_STATUSES = frozenset([PENDING, READY, RUNNING, CANCELING, FAILED, SUCCESSFUL])
# A subtask in one of these is at work (or about to be): a later read sees more.
AT_WORK_STATUSES = frozenset([READY, RUNNING, CANCELING])

# Operations: what a task or subtask is doing (or last did).
EXECUTE = 'EXECUTE'
RETRY = 'RETRY'
ROLLBACK = 'ROLLBACK'
SKIP = 'SKIP'
CANCEL = 'CANCEL'
# A subtask skipped while its task rolls back (undocumented, seen in OCP Express's engine).
ROLLBACK_SKIP = 'ROLLBACK_SKIP'
# Runs that try the subtask's work, as opposed to undoing, skipping or cancelling it.
FORWARD_OPERATIONS = frozenset([EXECUTE, RETRY])
SKIP_OPERATIONS = frozenset([SKIP, ROLLBACK_SKIP])
# Operations a subtask only comes to when something happened to it after its first run: a retry,
# a skip, a cancel or a rollback (OCP's own or anyone's).
AFTER_A_FIRST_RUN_OPERATIONS = frozenset([RETRY, SKIP, CANCEL, ROLLBACK, ROLLBACK_SKIP])

# Task types; SYS_ONECE is spelt as OCP spells it.
TASK_TYPES = ('MANUAL', 'SYS_ONECE', 'SCHEDULED', 'SYS_SCHEDULED')

# OCP serves at most this many list entries a page, and clamps larger pages to it.
MAX_PAGE_SIZE = 2000

# ---------------------------------------------------------------- how a task ended, for us

SUCCEEDED = 'succeeded'
# ``FAILED`` above is OCP's status; this is the outcome, which also covers a task left failed.
FAILED_OUTCOME = 'failed'
ROLLED_BACK = 'rolled_back'
TIMED_OUT = 'timed_out'
NOT_FOUND = 'not_found'
# OCP's answer about the task is malformed (a field of the wrong type, a subtask id that is no
# positive integer): nothing can be decided on it, so nothing more is done to it.
UNREADABLE = 'unreadable'
OUTCOMES = (SUCCEEDED, FAILED_OUTCOME, ROLLED_BACK, TIMED_OUT, NOT_FOUND, UNREADABLE)

# ---------------------------------------------------------------- actions

# What a user (the action modules) or a policy rule asks for.
RETRY_ACTION = 'retry'
ROLLBACK_ACTION = 'rollback'
SKIP_ACTION = 'skip'
CANCEL_ACTION = 'cancel'
# A policy's "stop and leave the task as it is": never sent to OCP.
FAIL_ACTION = 'fail'
TASK_ACTIONS = (RETRY_ACTION, ROLLBACK_ACTION)
SUBTASK_ACTIONS = (CANCEL_ACTION, RETRY_ACTION, SKIP_ACTION)

# Whether an action applies to a task or subtask in the state it was read in.
APPLY = 'apply'                    # OCP accepts it now: send it
ALREADY_DONE = 'already_done'      # what it is for already holds: nothing to send
NOT_APPLICABLE = 'not_applicable'  # it does not fit this state, but may later
IMPOSSIBLE = 'impossible'          # OCP will never accept it for this task

# What became of an action sent (or not) to OCP.
SENT = 'sent'
WOULD_SEND = 'would_send'              # check mode
REFUSED = 'refused'                    # OCP refused it (someone else acted, or the state forbids it)
LOST = 'lost'                          # its answer was lost and OCP shows no effect: not sent again
POSSIBLY_APPLIED = 'possibly_applied'  # its answer was lost and OCP could not be read to tell
# Results that may have changed the task: they count as actions taken.
TAKEN = frozenset([SENT, POSSIBLY_APPLIED])
