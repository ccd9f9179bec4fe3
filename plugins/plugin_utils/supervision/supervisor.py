# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Supervise OCP tasks until they end: poll, apply the remediation policy, report per task.

This is the logic of the ``ocp_task_wait`` action plugin, kept out of the plugin so that it runs
on a fake clock in unit tests. It is given a TaskApi (or a fake), a parsed Policy, a monotonic
``clock``, a ``sleeper``, a ``now`` returning an aware datetime (for the policy's delays and
limits, which it compares with OCP's timestamps) and a ``progress`` callback for progress lines.
The concerns live in their own modules: what to read (reading.py), what the records say
(evidence.py), what to do (policy.py), sending it at most once (sending.py), and what to report
(reporting.py). This module is the loop.

One poll round:

- With few tasks left, each is read in detail. With more, the list of unfinished tasks (every
  page) replaces them, and a task is read in detail only when its list entry calls for a
  decision (task_list/entries.py read_reason, the way the event source watches too): it shows a
  FAILED subtask, or a RUNNING subtask a cancel rule may watch runs a run whose start the
  supervision does not know. Tasks that left the list (they finished) are looked up among the
  tasks that ended last (one more list query, more pages only while some are missing), and
  their entry tells the outcome where it can (entries.finished_outcome: a success by forward
  runs, or a rollback's marks); only the rest are read. reading.py's SUPERVISION_WATCHING says
  how this differs from the event source, and why. So a round costs the list pages plus one
  read per task that failed (the policy and the report look at it) or that the entry leaves in
  doubt, whatever the number of tasks waited for.
- A task that needs a decision gets its evidence read (evidence.py, reading.py), and
  ``policy.decide`` says what to do. Due actions go to the Sender, which re-reads the task right
  before each POST and sends only what OCP still calls for.
- Faults are weather: once OCP has answered, a read that gets no answer, 429 or 5xx ends the
  round, and the next one comes after a backoff that honours ``Retry-After``, within the deadline,
  with a progress line saying since when OCP has not answered. Only 401/403, a task OCP does not
  know (that task ends ``not_found``) and the deadline end a wait early. Before OCP has answered
  at all, an error ends the wait at once: it is most likely a wrong address or credentials.
- A malformed answer about one task (tasks/snapshot.py checked_task: a subtask id that is no
  positive integer, a field of the wrong type) ends that task ``unreadable``, with the reason; the
  others are supervised to their end. A list entry that is malformed has its task read in detail;
  a list that cannot be read at all has every task read in detail that round.
- Polling backs off like the waiter's (waiter.polling_delays) while nothing changes, starts over
  after an action or a change, and never sleeps past the deadline or past the next retry (or
  cancel limit) that falls due.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import time

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.backoff import default_max_sleep, polling_delays
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import (
    OcpClientError,
    OcpError,
    OcpMalformedAnswerError,
    OcpNotFoundError,
    OcpUnexpectedResponseError,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.snapshot import task_outcome
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.timestamps import format_duration, format_moment, utc_now
from ansible_collections.oceanbase.ocp.plugins.module_utils.vocabulary import (
    CANCEL_ACTION,
    FAIL_ACTION,
    FAILED_OUTCOME,
    NOT_FOUND,
    ROLLBACK_ACTION,
    TAKEN,
    TIMED_OUT,
    UNREADABLE,
    WOULD_SEND,
)
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.evidence import actions_recorded
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.policy import (
    decide,
    next_cancel_check,
    running_subtasks_cancel_rules_watch,
)
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.reading import Reader
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.records import Outage, TaskRecord
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.reporting import (
    failed_subtask_entries,
    final_line,
    left_unfinished_lines,
    progress_line,
    summary,
    task_result,
)
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.sending import Sender, describe
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_list.entries import (
    entry_fingerprint,
    finished_outcome,
    is_malformed,
    operation_told,
)

# At the deadline, tasks that timed out are read once more (up to this many) to report what still runs.
FINAL_READS_MAX = 50


class Supervisor(object):
    """Supervise tasks until each ends or ``timeout`` seconds pass; ``run`` returns the result dict."""

    def __init__(self, api, policy, timeout, sleep, progress_interval=30, check_mode=False, max_sleep=None,
                 clock=time.monotonic, sleeper=time.sleep, now=utc_now, progress=None, diff=False, reader=None):
        # NaN compares false with everything: "not (x >= 0)" refuses it where "x < 0" would not.
        if not 0 <= timeout < float('inf'):
            raise OcpClientError('wait_timeout must be 0 or more seconds, got %r' % (timeout,))
        if not 0 < sleep < float('inf'):
            raise OcpClientError('wait_sleep must be more than 0 seconds, got %r' % (sleep,))
        if not 0 < progress_interval < float('inf'):
            raise OcpClientError('progress_interval must be a number of seconds above 0, got %r' % (progress_interval,))
        self.api = api
        self.policy = policy
        self.timeout = timeout
        self.sleep = sleep
        self.max_sleep = default_max_sleep(sleep) if max_sleep is None else max_sleep
        self.progress_interval = progress_interval
        self.check_mode = check_mode
        self._clock = clock
        self._sleeper = sleeper
        self._now = now
        self._progress = progress or (lambda line: None)
        self.reader = reader or Reader(api, policy)
        self.task_list = self.reader.task_list
        self.sender = Sender(api, self._progress, diff=diff)
        self._records = []
        self._has_cancel_rules = any(rule.action == CANCEL_ACTION for rule in policy.rules)
        self._answered = False
        self._outage = None
        self.rounds = 0
        self._started = None
        # Whether a round said already that the list cannot be read (and read every task instead).
        self._said_list_unreadable = False

    # ------------------------------------------------------------ the loop

    def run(self, task_ids):
        started = self._started = self._clock()
        deadline = started + self.timeout
        self._records = [TaskRecord(task_id) for task_id in task_ids]
        delays = polling_delays(self.sleep, self.max_sleep)
        next_progress = started + self.progress_interval
        self._progress('waiting for %d task(s): %s' % (len(self._records), ', '.join(
            '%s' % record.task_id for record in self._records[:10])))
        while True:
            self.rounds += 1
            acted, changed, retry_after = self._weathered_round()
            unfinished = [record for record in self._records if not record.finished]
            now = self._clock()
            if self.check_mode or not unfinished:
                break
            if now >= deadline:
                self._time_out(unfinished)
                break
            if now >= next_progress:
                self._progress(self._outage_line() if self._outage else progress_line(self._records, now - started))
                next_progress = now + self.progress_interval
            if acted or changed:
                # Things move right after an action or a change: look again soon.
                delays = polling_delays(self.sleep, self.max_sleep)
            if self._outage is not None:
                pause = self._outage.next_pause(retry_after)
            else:
                pause = min(next(delays), self._seconds_to_next_due())
            pause = min(pause, deadline - now, max(next_progress - now, 0.001))
            self._sleeper(max(pause, 0.001))
        elapsed = self._clock() - started
        self._progress(final_line(self._records, elapsed, self.check_mode))
        return self._result(elapsed)

    def left_unfinished(self):
        """The lines to print when the supervision is stopped from outside: one per unfinished task."""
        return left_unfinished_lines(self._records)

    def report_so_far(self):
        """The result as far as the supervision got, for a run stopped by an error."""
        return self._result(self._clock() - self._started if self._started is not None else 0)

    def _weathered_round(self):
        """One round; OCP not answering (once it has answered before) is weather, not the end.

        Returns (an action was sent, a task changed, seconds OCP asked to wait or None).
        """
        try:
            acted, changed = self._round()
        except OcpError as error:
            if not (self._answered and error.transient):
                raise
            if self._outage is None:
                self._outage = Outage(self._now(), self.sleep, self.max_sleep)
                self._progress('OCP did not answer (%s); trying again, until the wait times out' % (error,))
            self._outage.failures += 1
            self._outage.reason = '%s' % (error,)
            return False, False, getattr(error, 'retry_after', None)
        if self._outage is not None:
            self._progress('OCP answers again, after %s without an answer'
                           % (format_duration((self._now() - self._outage.since).total_seconds()),))
            self._outage = None
        return acted, changed, None

    def _outage_line(self):
        return 'OCP has not answered since %s (%s, %d attempt(s)): %s' % (
            format_moment(self._outage.since),
            format_duration((self._now() - self._outage.since).total_seconds()),
            self._outage.failures, self._outage.reason)

    def _seconds_to_next_due(self):
        dues = [record.next_due() for record in self._records if not record.finished and record.next_due()]
        if not dues:
            return float('inf')
        return max((min(dues) - self._now()).total_seconds(), 0) + 0.001

    def _time_out(self, unfinished):
        """Mark what is left timed out, after one more read of each (a few) to report where it stands."""
        for record in unfinished:
            record.outcome = TIMED_OUT
            if self._outage is not None:
                record.decisions.append(dict(action=None, result='timed_out', reason=self._outage_line()))
        if self._outage is not None:
            return
        for record in unfinished[:FINAL_READS_MAX]:
            try:
                self._read(record)
            except OcpMalformedAnswerError:
                continue  # timed out all the same: the report says what the last good read showed
            except OcpError as error:
                if not error.transient:
                    raise
                return
            if record.outcome == NOT_FOUND:
                continue
            finished_meanwhile = task_outcome(record.task)
            if finished_meanwhile is not None:
                record.outcome = finished_meanwhile

    # ------------------------------------------------------------ reading

    def _round(self):
        """One poll round; (whether an action was sent, whether any task changed)."""
        unfinished = [record for record in self._records if not record.finished]
        changed = False
        if self.task_list.lists_instead_of_reading(len(unfinished)):
            changed = self._mark_changed_from_list_or_read_all(unfinished)
        else:
            for record in unfinished:
                record.needs_read = True
        now = self._now()
        to_read = [record for record in unfinished
                   if record.needs_read or (record.next_due() is not None and record.next_due() <= now)]
        # Every read first, then the decisions: max_actions must know all earlier actions in round one.
        for record in to_read:
            before = entry_fingerprint(record.latest) if record.latest else None
            try:
                self._read(record)
            except OcpMalformedAnswerError as error:
                self._unreadable(record, error)
            changed = changed or (record.task is not None and entry_fingerprint(record.task) != before)
        for record in to_read:
            if not record.finished and record.task.get('status') != 'SUCCESSFUL':
                try:
                    self._gather_evidence(record)
                except OcpMalformedAnswerError as error:
                    self._unreadable(record, error)
        acted = False
        for record in to_read:
            if not record.finished:
                try:
                    acted = self._supervise(record) or acted
                except OcpMalformedAnswerError as error:
                    # An action whose answer, or the read after it, is malformed is in the report
                    # already (sending.py), as possibly applied.
                    self._unreadable(record, error)
        return acted, changed

    def _unreadable(self, record, error):
        """One task's answer is malformed: that task ends ``unreadable``, with the reason, and the
        supervision goes on with the others. What was read of it before stays in the report."""
        # OCP did answer: an outage after this is weather, not a sign of a wrong api_url.
        self._answered = True
        record.outcome = UNREADABLE
        record.needs_read = False
        record.decisions.append(dict(action=None, result=UNREADABLE, reason=(
            '%s: nothing more is done to this task; the other tasks are supervised all the same' % (error,))))

    def _mark_changed_from_list_or_read_all(self, unfinished):
        """_mark_changed_from_list; when the list itself cannot be read (its answer is no list of
        tasks, or nested too deeply), every task is read in detail this round instead."""
        try:
            return self._mark_changed_from_list(unfinished)
        except OcpUnexpectedResponseError as error:
            if error.transient:
                raise
            if not self._said_list_unreadable:
                self._progress('the task list cannot be read (%s); reading each task instead' % (error,))
                self._said_list_unreadable = True
            for record in unfinished:
                record.needs_read = True
            return False

    def _read(self, record):
        try:
            task = self.reader.task(record.task_id)
        except OcpNotFoundError:
            self._answered = True
            record.outcome = NOT_FOUND
            record.decisions.append(dict(action=None, result=NOT_FOUND, reason=(
                'OCP knows no task %s; the other tasks are supervised all the same' % (record.task_id,))))
            return
        self._answered = True
        record.task, record.listed, record.needs_read = task, None, False
        record.read_at = self._now()
        for entry, action, before in record.unconfirmed:
            self.sender.settle(record, entry, action, before, task)
        record.unconfirmed = []

    def _mark_changed_from_list(self, unfinished):
        """Mark the tasks whose list entry calls for a read, and end those whose entry among the
        tasks that ended last tells their outcome; True when any entry changed."""
        by_id = self.reader.unfinished_tasks()
        self._answered = True
        left = [record.task_id for record in unfinished if record.task_id not in by_id]
        ended = self.task_list.recently_ended(left) if left and self.task_list.watching.ended_from_list else {}
        changed = False
        for record in unfinished:
            entry = by_id.get(record.task_id)
            if entry is None and self._ended_from_entry(record, ended.get(record.task_id)):
                changed = True
                continue
            fingerprint = None if entry is None else entry_fingerprint(entry)
            if fingerprint != record.fingerprint or record.fingerprint is None:
                changed = changed or record.fingerprint is not None
                # Missing from the list and from the tasks that ended last: a read tells.
                if self._entry_calls_for_a_read(record, entry):
                    record.needs_read = True
            if entry is not None and not is_malformed(entry):
                record.listed = entry
                if record.recorded_at_start is None and record.task is None:
                    record.recorded_now = actions_recorded(entry)
            record.fingerprint = fingerprint
        return changed

    def _ended_from_entry(self, record, entry):
        """End a task that left the list by its entry among the tasks that ended last, where that
        entry tells the outcome (task_list/entries.py finished_outcome); True when it did.

        Not when an action's answer was lost (only a read settles it), nor, under ``max_actions``,
        when the runs behind the entry would count (their log tells how many)."""
        if entry is None or record.unconfirmed:
            return False
        outcome = finished_outcome(entry, history=self.policy.max_actions is not None)
        if outcome is None:
            return False
        record.listed = dict(entry, operation=operation_told(entry, outcome))
        record.fingerprint = entry_fingerprint(entry)
        record.needs_read = False
        record.outcome = outcome
        return True

    def _entry_calls_for_a_read(self, record, entry):
        """Whether the task's list entry (None: it left the list) calls for a read (task_list/entries.py)."""
        watched, known = {}, {}
        if self._has_cancel_rules and entry is not None:
            # A cancel limit counts from the run's start, which only a read shows. Runs are told
            # apart by subtask alone (no operation): a subtask that runs again keeps the first
            # run's startTime, so its limit, counted from there, is an early bound; when it passes
            # the task is read anyway (next_cancel_check) and the log says when this run started.
            watched = dict((subtask_id, None) for subtask_id in running_subtasks_cancel_rules_watch(self.policy, entry))
            known = dict((s.get('id'), None) for s in (record.task or {}).get('subtasks') or []
                         if s.get('status') == 'RUNNING')
        # Earlier actions count against max_actions: the log of each says how many.
        history = self.policy.max_actions is not None and record.task is None
        return self.task_list.why_read(entry, record.fingerprint, history=history, watched=watched,
                                       known=known) is not None

    # ------------------------------------------------------------ deciding and acting

    def _gather_evidence(self, record):
        """What OCP records about the task's subtasks (logs read as needed), and the actions it shows."""
        now = self._now()
        record.evidence = self.reader.evidence(record.task, now)
        record.recorded_now = actions_recorded(record.task, record.evidence, now)
        if record.recorded_at_start is None:
            record.recorded_at_start = record.recorded_now

    def _actions_taken(self):
        """What counts against max_actions: per task, OCP's records or what they showed plus ours, the more."""
        return sum(max(record.recorded_now, (record.recorded_at_start or 0) + record.taken)
                   for record in self._records)

    def _supervise(self, record):
        """Decide on a freshly read task and act; True when an action was sent."""
        task = record.task
        if task.get('status') == 'SUCCESSFUL':
            record.outcome = task_outcome(task)
            return False
        now = self._now()
        plan = decide(self.policy, task, record.evidence, now, self._actions_taken())
        record.pending = []
        record.cancel_check_at = next_cancel_check(self.policy, task, now, record.evidence)
        if record.cancel_check_at is not None and record.cancel_check_at <= now:
            # A limit has passed and yet no cancel is due (a log pattern did not match, or the cancel
            # is on its way): look again at the slowest polling pace, not every round.
            record.cancel_check_at = now + datetime.timedelta(seconds=self.max_sleep)
        failures = [action for action in plan if action.action == FAIL_ACTION]
        if failures:
            record.decisions = [describe(action, now, 'stopped') for action in failures]
            record.outcome = FAILED_OUTCOME
            return False
        if not plan and task.get('status') == 'FAILED':
            record.outcome = FAILED_OUTCOME  # FAILED with nothing the policy can act on
            return False
        acted = False
        for action in plan:
            if not action.due(now) or (record.not_before is not None and record.not_before > now):
                record.pending.append(action)
                continue
            key = self._sent_key(record, action)
            refusal = self.sender.refused_before(key)
            if refusal is not None:
                # Refused, and OCP's records have not moved since: sending again would only be refused again.
                record.decisions.append(dict(describe(action, now, 'refused'), reason=(
                    'OCP refused the %s (%s) and the task has not changed since; it is left as it is'
                    % (action.action, refusal))))
                record.outcome = FAILED_OUTCOME
                return acted
            if self.sender.already_sent(key):
                continue  # OCP has not shown the effect yet; never send twice
            if self.check_mode:
                self.sender.would_send(record, action, now)
                continue
            if action.action == ROLLBACK_ACTION and not record.failed_before_rollback:
                record.failed_before_rollback = failed_subtask_entries(record, self.reader.runs)
            acted = self.sender.send(record, action, key, now) or acted
            if record.finished:
                break
        record.not_before = None if record.not_before is not None and record.not_before <= now else record.not_before
        return acted

    def _sent_key(self, record, action):
        # The same action on the same run of a subtask (or state of the task) is sent once.
        task = record.task
        if action.action == ROLLBACK_ACTION:
            rollbacks = max([0] + [proof.rollbacks for proof in record.evidence.values()])
            run = (task.get('operation'), task.get('status'), rollbacks)
        else:
            proof = record.evidence.get(action.subtask_id)
            run = proof.run_key if proof is not None else None
        return (record.task_id, action.action, action.subtask_id, run)

    # ------------------------------------------------------------ reporting

    def _result(self, elapsed):
        now = self._now()
        tasks = [task_result(record, self.reader.runs, [describe(action, now, 'not_yet_due') for action in record.pending])
                 for record in self._records]
        result = dict(changed=any(entry['result'] in TAKEN or entry['result'] == WOULD_SEND
                                  for task in tasks for entry in task['actions']),
                      tasks=tasks, summary=summary(tasks), elapsed=round(elapsed), rounds=self.rounds)
        if self.sender.diff:
            result['diff'] = self.sender.diffs
        warnings = ['a log pattern of rule(s) %s took longer than the bound on the log of subtask %s and counted '
                    'as not matching' % (', '.join('%d' % index for index in indexes), subtask_id)
                    for subtask_id, indexes in self.reader.search_timeouts]
        if self.task_list.unidentified:
            warnings.append('OCP listed tasks whose id cannot be read, left out of the list (a task waited for is '
                            'read by its id): %s' % ('; '.join(self.task_list.unidentified),))
        if warnings:
            result['warnings'] = warnings
        return result
