# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wait for an OCP task to finish, and say in plain words how it ended.

Nothing here speaks HTTP: the waiter is given ``read_task(task_id)`` (the client's task read in
production, a fake in tests), a clock and a sleeper, so tests run it on a fake clock.

How a task snapshot maps to an outcome (FACTS.md, "States and operations"):

- RUNNING is never final, even with FAILED subtasks inside: OCP may be retrying them itself.
- FAILED is final for the waiter (someone has to retry, skip or roll back).
- SUCCESSFUL with operation ROLLBACK means a finished rollback: the task's changes were undone,
  so it is reported as ROLLED_BACK, never as a success. (With no operation in the answer, subtasks
  not all SUCCESSFUL give a rollback away.)
- A status we do not know, or none at all, is not final either: the wait goes on until its
  timeout rather than guessing success.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import time

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpClientError
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.timestamps import format_duration

# How a wait ended.
SUCCEEDED = 'succeeded'
FAILED = 'failed'
ROLLED_BACK = 'rolled_back'
TIMED_OUT = 'timed_out'

# Each poll waits this many times longer than the one before, up to the cap.
BACKOFF_FACTOR = 1.5
# Without an explicit cap, polling slows down to 4 times the requested interval, but not beyond
# 30 s unless the requested interval is itself longer: OCP tasks take minutes, and noticing the
# end of one half a minute late is the most a playbook should lose.
DEFAULT_MAX_SLEEP_FACTOR = 4
DEFAULT_MAX_SLEEP_CEILING = 30.0


def task_outcome(task):
    """Return the outcome a task snapshot shows, or None while the task is not finished.

    ``task`` is the task JSON as OCP returns it (a WrappedTaskInstance dict). The task's own
    ``status`` decides whether it is finished, never its subtasks: OCP retries failed subtasks
    on its own while the task stays RUNNING.
    """
    if not isinstance(task, dict):
        return None
    status = task.get('status')
    if status == 'FAILED':
        return FAILED
    if status == 'SUCCESSFUL':
        return ROLLED_BACK if _finished_by_rollback(task) else SUCCEEDED
    return None


def _finished_by_rollback(successful_task):
    operation = successful_task.get('operation')
    if operation is not None:
        return operation == 'ROLLBACK'
    # OCP leaves out null fields. Without an operation, the subtasks tell: a finished rollback
    # puts them back to PENDING, a finished execution leaves them all SUCCESSFUL. Same rule as
    # normalize.py, so a task is never reported succeeded here and rolled back there.
    return any(subtask.get('status') != 'SUCCESSFUL' for subtask in _subtasks(successful_task))


def default_max_sleep(sleep):
    """The longest pause between polls when the caller gives no ``max_sleep``."""
    return max(sleep, min(DEFAULT_MAX_SLEEP_FACTOR * sleep, DEFAULT_MAX_SLEEP_CEILING))


def polling_delays(sleep, max_sleep, factor=BACKOFF_FACTOR):
    """Yield the pauses between polls, forever: ``sleep``, then each ``factor`` times longer,
    up to ``max_sleep`` (which is at least ``sleep``).

    The deadline is not known here; the waiter shortens the last pause so it ends on time.
    """
    delay = sleep
    while True:
        yield delay
        delay = min(delay * factor, max_sleep)


class WaitResult(collections.namedtuple('WaitResult', ['outcome', 'task', 'elapsed', 'polls'])):
    """How a wait ended.

    ``outcome`` is one of SUCCEEDED, FAILED, ROLLED_BACK, TIMED_OUT (or None from the check-mode
    waiter when the task is still running); ``task`` is the last snapshot read; ``elapsed`` the
    seconds the wait took, reads included; ``polls`` how many times the task was read.
    """

    __slots__ = ()

    @property
    def succeeded(self):
        """True only for a task that finished successfully (a rollback is not a success)."""
        return self.outcome == SUCCEEDED


class TaskWaiter:
    """Poll a task until it finishes or ``timeout`` seconds have passed.

    The first read happens at once. Between reads the waiter sleeps ``sleep`` seconds, then
    longer and longer (see polling_delays) up to ``max_sleep``, and never past the deadline:
    the last pause is cut short so that one final read happens right at the deadline, which
    catches a task that finished during that pause.

    Errors raised by ``read_task`` propagate unchanged: the client has already retried what is
    worth retrying, and the module knows best how to report the rest.
    """

    def __init__(self, read_task, timeout, sleep, max_sleep=None, clock=time.monotonic, sleeper=time.sleep):
        if timeout < 0:
            raise OcpClientError("the wait timeout must be 0 or more seconds, got %r" % (timeout,))
        # A zero pause would poll OCP in a tight loop.
        if sleep <= 0:
            raise OcpClientError("the polling interval must be more than 0 seconds, got %r" % (sleep,))
        if max_sleep is None:
            max_sleep = default_max_sleep(sleep)
        elif max_sleep < sleep:
            raise OcpClientError(
                "the longest polling interval (%r s) must not be shorter than the first one (%r s)" % (max_sleep, sleep))
        self.read_task = read_task
        self.timeout = timeout
        self.sleep = sleep
        self.max_sleep = max_sleep
        self._clock = clock
        self._sleeper = sleeper

    def wait(self, task_id):
        """Read task ``task_id`` until it is final or the timeout is up; return a WaitResult."""
        started = self._clock()
        deadline = started + self.timeout
        delays = polling_delays(self.sleep, self.max_sleep)
        polls = 0
        while True:
            task = self.read_task(task_id)
            polls += 1
            outcome = task_outcome(task)
            now = self._clock()
            if outcome is not None:
                return WaitResult(outcome, task, now - started, polls)
            time_left = deadline - now
            if time_left <= 0:
                return WaitResult(TIMED_OUT, task, now - started, polls)
            self._sleeper(min(next(delays), time_left))


class CheckModeWaiter:
    """The waiter for check mode: reads the task once and reports what it shows, without waiting.

    In check mode a module must not spend the playbook's time waiting for work it did not start,
    but reading is harmless and tells the user where the task stands. ``outcome`` is the task's
    current outcome, or None while it is still running (never TIMED_OUT, since nothing was
    waited for); ``polls`` is always 1.
    """

    def __init__(self, read_task, clock=time.monotonic):
        self.read_task = read_task
        self._clock = clock

    def wait(self, task_id):
        """Read task ``task_id`` once and return a WaitResult describing it."""
        started = self._clock()
        task = self.read_task(task_id)
        return WaitResult(task_outcome(task), task, self._clock() - started, 1)


def make_waiter(read_task, timeout, sleep, max_sleep=None, check_mode=False):
    """The waiter a module should use: a CheckModeWaiter in check mode, else a TaskWaiter."""
    if check_mode:
        return CheckModeWaiter(read_task)
    return TaskWaiter(read_task, timeout, sleep, max_sleep=max_sleep)


def _subtask_order(subtask):
    # OCP lists subtasks in no fixed order; seriesId is their execution order. It may come as a
    # string (long values are), and a subtask without one goes last.
    try:
        return (0, int(subtask.get('seriesId')))
    except (TypeError, ValueError):
        return (1, 0)


def _subtasks(task):
    subtasks = task.get('subtasks') if isinstance(task, dict) else None
    return [subtask for subtask in subtasks or [] if isinstance(subtask, dict)]


def failed_subtasks(task):
    """The FAILED subtasks of a task snapshot, in execution (seriesId) order."""
    failed = [subtask for subtask in _subtasks(task) if subtask.get('status') == 'FAILED']
    return sorted(failed, key=_subtask_order)


def _describe_task(task):
    task = task if isinstance(task, dict) else {}
    text = 'task %s' % (task.get('id', '(unknown id)'),)
    if task.get('name'):
        text += " '%s'" % (task['name'],)
    return text


def explain_failed_subtask(subtask, cause=None):
    """The one explanation of a failed subtask every entry point gives: which, where, and why.

    ``subtask 1000012 'Install OCP agent' (Install OCP agent on host 10.0.0.4) failed: <cause>``:
    the description names the host of a per-host subtask; ``cause`` is the log line of its latest
    run that says why (runs.cause_line). An operation other than EXECUTE and RETRY (CANCEL after
    a timeout, ROLLBACK) changes what the failure means, so it is shown.
    """
    text = 'subtask %s' % (subtask.get('id', '(unknown id)'),)
    if subtask.get('name'):
        text += " '%s'" % (subtask['name'],)
    if subtask.get('description') and subtask.get('description') != subtask.get('name'):
        text += ' (%s)' % (subtask['description'],)
    text += ' failed'
    operation = subtask.get('operation')
    if operation and operation not in ('EXECUTE', 'RETRY'):
        text += ' (operation %s)' % (operation,)
    if cause:
        text += ': %s' % (cause,)
    return text


def _failed_subtasks_text(task, causes):
    return '; '.join(explain_failed_subtask(subtask, causes.get(subtask.get('id')))
                     for subtask in failed_subtasks(task))


def _progress_text(task):
    subtasks = _subtasks(task)
    if not subtasks:
        return ''
    done = len([subtask for subtask in subtasks if subtask.get('status') == 'SUCCESSFUL'])
    return ' (%d/%d subtasks done)' % (done, len(subtasks))


def wait_failure_message(result, causes=None):
    """A one-line message saying how a wait ended, for ``fail_json(msg=...)``.

    It names the task, the time waited and what went wrong: the failed subtasks of a FAILED
    task (with their causes: ``causes`` maps subtask ids to the log line that says why), the
    status and progress of a task that timed out, the fact that a rolled-back task undid its
    changes.
    """
    task = result.task if isinstance(result.task, dict) else {}
    name = _describe_task(task)
    waited = format_duration(result.elapsed)
    failures = _failed_subtasks_text(task, causes or {})

    if result.outcome == FAILED:
        during = ' while rolling back' if task.get('operation') == 'ROLLBACK' else ''
        message = '%s failed%s after %s' % (name, during, waited)
        if failures:
            message += ': ' + failures
        return message

    if result.outcome == ROLLED_BACK:
        return ('%s was rolled back after %s: OCP reports it SUCCESSFUL with operation ROLLBACK, '
                'so its changes were undone and it did not succeed' % (name, waited))

    if result.outcome == SUCCEEDED:
        return '%s succeeded after %s' % (name, waited)

    status = task.get('status')
    state = 'still %s' % (status,) if status else 'no status in OCP\'s answer'
    if result.outcome == TIMED_OUT:
        message = 'timed out after %s waiting for %s, %s%s' % (waited, name, state, _progress_text(task))
    else:
        # The check-mode waiter reads once and does not wait.
        message = '%s has not finished, %s%s' % (name, state, _progress_text(task))
    if failures:
        # Not final: OCP may still retry these on its own.
        message += '; failed for now, OCP may retry: ' + failures
    return message
