# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wait for an OCP task to finish, and say in plain words how it ended.

Nothing here speaks HTTP: the waiter is given ``read_task(task_id)`` (the client's task read in
production, a fake in tests), a clock and a sleeper, so tests run it on a fake clock.

How a task snapshot maps to an outcome is snapshot.task_outcome's: RUNNING is never final (OCP
may be retrying failed subtasks itself), FAILED is final for the waiter (someone has to retry, skip
or roll back), SUCCESSFUL after a rollback is ROLLED_BACK, never a success, and a status this
collection does not know is not final: the wait goes on until its timeout rather than guess.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import time

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.backoff import default_max_sleep, polling_delays
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpApiError, OcpClientError
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.labels import explain_failed_subtask, task_label
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.snapshot import failed_subtasks, subtasks_of, task_outcome
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.timestamps import format_duration
from ansible_collections.oceanbase.ocp.plugins.module_utils.vocabulary import (
    FAILED_OUTCOME,
    ROLLED_BACK,
    SUCCEEDED,
    TIMED_OUT,
)


class WaitResult(collections.namedtuple('WaitResult', ['outcome', 'task', 'elapsed', 'polls'])):
    """How a wait ended.

    ``outcome`` is one of SUCCEEDED, FAILED_OUTCOME, ROLLED_BACK, TIMED_OUT; ``task`` is the last snapshot read; ``elapsed`` the
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

    A read OCP throttles (429, after the client's own retries) slows the wait down, never ends it:
    the next read comes after what OCP asked for (``Retry-After`` or ``RateLimit-Reset``), within
    the deadline; at the deadline the wait has timed out with the last task read, or, when no read
    ever got through, the 429 is raised. Other errors raised by ``read_task`` propagate unchanged:
    the client has already retried what is worth retrying, and the module knows best how to report
    the rest.
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
        task = None
        while True:
            try:
                task = self.read_task(task_id)
            except OcpApiError as error:
                if error.status != 429:
                    raise
                time_left = deadline - self._clock()
                if time_left <= 0:
                    if task is None:
                        raise
                    return WaitResult(TIMED_OUT, task, self._clock() - started, polls)
                self._sleeper(min(max(next(delays), error.retry_after or 0), time_left))
                continue
            polls += 1
            outcome = task_outcome(task)
            now = self._clock()
            if outcome is not None:
                return WaitResult(outcome, task, now - started, polls)
            time_left = deadline - now
            if time_left <= 0:
                return WaitResult(TIMED_OUT, task, now - started, polls)
            self._sleeper(min(next(delays), time_left))


def _failed_subtasks_text(task, causes):
    return '; '.join(explain_failed_subtask(subtask, causes.get(subtask.get('id')))
                     for subtask in failed_subtasks(task))


def _progress_text(task):
    subtasks = subtasks_of(task)
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
    name = task_label(task)
    waited = format_duration(result.elapsed)
    failures = _failed_subtasks_text(task, causes or {})

    if result.outcome == FAILED_OUTCOME:
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
        # No outcome yet: the task was read, but not waited for to its end.
        message = '%s has not finished, %s%s' % (name, state, _progress_text(task))
    if failures:
        # Not final: OCP may still retry these on its own.
        message += '; failed for now, OCP may retry: ' + failures
    return message
