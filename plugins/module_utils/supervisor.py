# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Supervise OCP tasks until they end: poll, apply the remediation policy, report per task.

This is the logic of the ``ocp_task_wait`` action plugin, kept out of the plugin so that it runs
on a fake clock in unit tests. It is given a TaskApi (or a fake), a parsed Policy, a monotonic
``clock``, a ``sleeper``, a ``now`` returning an aware datetime (for the policy's delays and
limits, which it compares with OCP's timestamps) and a ``progress`` callback for progress lines.

One poll round:

- With few tasks left, each is read in detail. With more, one list query (status RUNNING or
  FAILED, the biggest page OCP serves) replaces them, and a task is read in detail only when
  its list entry calls for a decision: it left the list (it has finished: the list does not
  show the task's operation, which tells a success from a rollback), it shows a FAILED subtask
  that changed since the last round, or it shows a newly RUNNING subtask a cancel rule may
  watch (the list shows no start times). Tasks that merely progress are not read: the progress
  lines use their list entries. So a round costs the list query plus one read per task that
  finished or failed since the previous round, whatever the number of tasks waited for.
- For cancel rules each read notes when the earliest limit of a RUNNING subtask passes, and the
  task is read again then (not every round).
- A task that needs a decision gets its FAILED subtasks' logs read (once per run of a subtask),
  and the logs of RUNNING subtasks past a cancel limit when a cancel rule looks at logs, and
  ``policy.decide`` says what to do. ``max_actions`` counts, besides this run's actions, those
  OCP's state showed when each task was first read, so a supervision started again after the
  controller died cannot go over it. Due actions are sent once each: a sent action is
  remembered by subtask, action and run, so it is never sent twice even when OCP's answer is
  slow to show. An ambiguous answer (lost connection, 5xx) is followed by a read, never by a
  second POST (as in action_runner.py).
- Polling backs off like the waiter's (waiter.polling_delays) while nothing changes, starts
  over after an action or a change, and never sleeps past the deadline or past the next retry
  (or cancel limit) that falls due.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import time

from ansible_collections.oceanbase.ocp.plugins.module_utils.actions import (
    subtask_action_took_effect,
    task_action_took_effect,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.common import ocp_argument_spec, wait_argument_spec
from ansible_collections.oceanbase.ocp.plugins.module_utils.errors import (
    OcpClientError,
    OcpConnectionError,
    OcpError,
    OcpIllegalStateError,
    OcpServerError,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.policy import (
    CANCEL,
    FAIL,
    RETRY,
    ROLLBACK,
    SKIP,
    actions_shown_by_ocp,
    decide,
    next_cancel_check,
    parse_time,
    running_subtasks_cancel_rules_watch,
    subtasks_past_cancel_limits,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.waiter import (
    FAILED,
    ROLLED_BACK,
    SUCCEEDED,
    TIMED_OUT,
    default_max_sleep,
    failed_subtasks,
    polling_delays,
    task_outcome,
)

OUTCOMES = (SUCCEEDED, FAILED, ROLLED_BACK, TIMED_OUT)
# With this many unfinished tasks or more, one list query per round is cheaper than a read each.
LIST_QUERY_MIN_TASKS = 4
# OCP clamps larger pages to this (FACTS.md, "Lists").
LIST_PAGE_SIZE = 2000
LOG_EXCERPT_LINES = 10
# A progress line names at most this many tasks, so 200 tasks do not flood the output.
PROGRESS_MAX_TASKS = 10


def task_wait_argument_spec():
    """The options of ocp_task_wait: connection, wait_timeout/wait_sleep and its own; a new dict each call.

    The action plugin validates with it, and the documentation stub declares it so that the
    sanity tests compare it with the documentation.
    """
    spec = ocp_argument_spec()
    waits = wait_argument_spec()
    # ocp_task_wait always waits; ``wait`` belongs to the modules for which waiting is optional.
    del waits['wait']
    spec.update(waits)
    spec.update(
        tasks=dict(type='raw', required=True),
        policy=dict(type='dict'),
        progress_interval=dict(type='float', default=30),
        fail_when_unsuccessful=dict(type='bool', default=True),
    )
    return spec


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


class ServerClock:
    """OCP's current time: the timestamp of its last answer plus the time passed since.

    Retry delays and cancel limits compare "now" with OCP's timestamps, so OCP's own clock is the
    one to use: a controller whose clock is off would otherwise retry early or never. Before the
    first answer (or when OCP sends no timestamp) the controller's clock stands in.
    """

    def __init__(self, client, clock=time.monotonic, fallback=utc_now):
        self._client = client
        self._clock = clock
        self._fallback = fallback
        self._stamp = None
        self._base = None
        self._seen_at = None

    def __call__(self):
        stamp = getattr(self._client, 'last_server_time', None)
        if stamp and stamp != self._stamp:
            try:
                base = parse_time(stamp, self._fallback())
            except OcpClientError:
                return self._fallback()
            self._stamp, self._base, self._seen_at = stamp, base, self._clock()
        if self._base is None:
            return self._fallback()
        return self._base + datetime.timedelta(seconds=self._clock() - self._seen_at)


# ---------------------------------------------------------------- per-task state

def _list_fingerprint(task):
    """What the list endpoint shows of a task; a change means it is worth a detail read."""
    return (task.get('status'), task.get('operation'), tuple(sorted(
        (s.get('id'), s.get('status'), s.get('operation')) for s in task.get('subtasks') or [])))


def _progress(task):
    subtasks = task.get('subtasks') or []
    done = len([s for s in subtasks if s.get('status') == 'SUCCESSFUL'])
    return done, len(subtasks)


class TaskRecord:
    """What the supervisor knows about one task, and what it did to it."""

    def __init__(self, task_id):
        self.task_id = task_id
        # The last detail read, and the list entry of a later round (None once a read is newer).
        self.task = None
        self.listed = None
        self.fingerprint = None
        self.outcome = None
        self.actions = []
        self.decisions = []
        self.pending = []
        self.needs_read = False
        # When a cancel rule may next apply (OCP's time), or None: the task is read again then.
        self.cancel_check_at = None
        # The actions OCP's state showed on the first read, before this supervision acted.
        self.earlier_actions = None

    @property
    def finished(self):
        return self.outcome is not None

    @property
    def latest(self):
        """The freshest view of the task: its list entry when newer than the last read."""
        if self.listed is not None:
            return self.listed
        return self.task or {}

    def next_due(self):
        """The earliest moment something is due (an action's not_before or a cancel check), or None."""
        times = [action.not_before for action in self.pending if action.not_before is not None]
        if self.cancel_check_at is not None:
            times.append(self.cancel_check_at)
        return min(times) if times else None


class Supervisor:
    """Supervise tasks until each ends or ``timeout`` seconds pass; ``run`` returns the result dict."""

    def __init__(self, api, policy, timeout, sleep, progress_interval=30, check_mode=False, max_sleep=None,
                 clock=time.monotonic, sleeper=time.sleep, now=utc_now, progress=None):
        if timeout < 0:
            raise OcpClientError('wait_timeout must be 0 or more seconds, got %r' % (timeout,))
        if sleep <= 0:
            raise OcpClientError('wait_sleep must be more than 0 seconds, got %r' % (sleep,))
        if progress_interval <= 0:
            raise OcpClientError('progress_interval must be more than 0 seconds, got %r' % (progress_interval,))
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
        self._records = []
        self._history = []
        # (task id, action, subtask id, run) of every POST sent: none is ever sent twice.
        self._sent = set()
        # The same keys, for the POSTs OCP refused as illegal in the state it then had.
        self._refused = {}
        self._log_cache = {}
        self._needs_running_logs = any(rule.action == CANCEL and 'log' in rule.match for rule in policy.rules)
        self._needs_failed_logs = any('log' in rule.match for rule in policy.rules)
        self._has_cancel_rules = any(rule.action == CANCEL for rule in policy.rules)
        self.rounds = 0
        self._started = None

    # ------------------------------------------------------------ the loop

    def run(self, task_ids):
        started = self._started = self._clock()
        deadline = started + self.timeout
        self._records = [TaskRecord(task_id) for task_id in task_ids]
        delays = polling_delays(self.sleep, self.max_sleep)
        next_progress = started + self.progress_interval
        self._progress('waiting for %d task(s): %s' % (len(self._records), ', '.join(
            '%s' % record.task_id for record in self._records[:PROGRESS_MAX_TASKS])))
        while True:
            self.rounds += 1
            acted, changed = self._round()
            unfinished = [record for record in self._records if not record.finished]
            now = self._clock()
            if self.check_mode or not unfinished:
                break
            if now >= deadline:
                for record in unfinished:
                    record.outcome = TIMED_OUT
                break
            if now >= next_progress:
                self._progress(self._progress_line(now - started))
                next_progress = now + self.progress_interval
            if acted or changed:
                # Things move right after an action or a change: look again soon.
                delays = polling_delays(self.sleep, self.max_sleep)
            pause = min(next(delays), deadline - now, max(next_progress - now, 0.001))
            pause = min(pause, self._seconds_to_next_due())
            self._sleeper(max(pause, 0.001))
        elapsed = self._clock() - started
        self._progress('done ' + self._progress_line(elapsed))
        return self._result(elapsed)

    def report_so_far(self):
        """The result as far as the supervision got, for a run stopped by an error."""
        return self._result(self._clock() - self._started if self._started is not None else 0)

    def _seconds_to_next_due(self):
        dues = [record.next_due() for record in self._records if not record.finished and record.next_due()]
        if not dues:
            return float('inf')
        return max((min(dues) - self._now()).total_seconds(), 0) + 0.001

    def _round(self):
        """One poll round; (whether an action was sent, whether any task changed)."""
        unfinished = [record for record in self._records if not record.finished]
        if len(unfinished) >= LIST_QUERY_MIN_TASKS:
            changed = self._mark_changed_from_list(unfinished)
        else:
            changed = False
            for record in unfinished:
                record.needs_read = True
        now = self._now()
        to_read = [record for record in unfinished
                   if record.needs_read or (record.next_due() is not None and record.next_due() <= now)]
        # Every read first, then the decisions: max_actions must know all earlier actions in round one.
        for record in to_read:
            before = _list_fingerprint(record.latest) if record.latest else None
            record.task = self.api.get_task(record.task_id)
            record.listed = None
            record.needs_read = False
            changed = changed or _list_fingerprint(record.task) != before
            self._note_earlier_actions(record, record.task)
        acted = False
        for record in to_read:
            acted = self._supervise(record) or acted
        return acted, changed

    @staticmethod
    def _note_earlier_actions(record, snapshot):
        # What OCP shows before this supervision acts on the task; a detail read shows more
        # (runTime) than a list entry, so it may raise the count, until the first action.
        if not record.actions:
            record.earlier_actions = max(record.earlier_actions or 0, actions_shown_by_ocp(snapshot))

    def _mark_changed_from_list(self, unfinished):
        """Mark the tasks whose list entry calls for a read; True when any entry changed."""
        listed, _page = self.api.list_tasks({'status': ['RUNNING', 'FAILED']}, page=1, size=LIST_PAGE_SIZE,
                                            sort='id,desc')
        by_id = dict((task.get('id'), task) for task in listed)
        changed = False
        for record in unfinished:
            entry = by_id.get(record.task_id)
            fingerprint = None if entry is None else _list_fingerprint(entry)
            if fingerprint != record.fingerprint or record.fingerprint is None:
                changed = changed or record.fingerprint is not None
                # Missing from the list: finished (or on a later page); either way a read tells.
                if entry is None or self._entry_calls_for_a_read(record, entry):
                    record.needs_read = True
            if entry is not None:
                record.listed = entry
                self._note_earlier_actions(record, entry)
            record.fingerprint = fingerprint
        return changed

    def _entry_calls_for_a_read(self, record, entry):
        subtasks = entry.get('subtasks') or []
        if entry.get('status') != 'RUNNING' or any(s.get('status') == 'FAILED' for s in subtasks):
            return True  # a decision may be due
        if self._has_cancel_rules:
            # A cancel limit counts from the start time, which only a read shows.
            watched = set(running_subtasks_cancel_rules_watch(self.policy, entry))
            known = set(s.get('id') for s in (record.task or {}).get('subtasks') or [] if s.get('status') == 'RUNNING')
            return bool(watched - known)
        return False

    # ------------------------------------------------------------ deciding and acting

    def _logs(self, record, now):
        logs = {}
        past_limits = subtasks_past_cancel_limits(self.policy, record.task, now) if self._needs_running_logs else []
        for subtask in record.task.get('subtasks') or []:
            status = subtask.get('status')
            if status == 'FAILED' and self._needs_failed_logs:
                logs[subtask['id']] = self._failed_log(record.task_id, subtask)
            elif status == 'RUNNING' and subtask['id'] in past_limits:
                logs[subtask['id']] = self.api.get_subtask_log(record.task_id, subtask['id'])
        return logs

    def _failed_log(self, task_id, subtask):
        # A failed run's log does not change any more: read it once per run.
        key = (subtask.get('id'), subtask.get('runTime'), subtask.get('finishTime'))
        if key not in self._log_cache:
            self._log_cache[key] = self.api.get_subtask_log(task_id, subtask['id'])
        return self._log_cache[key]

    def _supervise(self, record):
        """Decide on a freshly read task and act; True when an action was sent."""
        task = record.task
        if task.get('status') == 'SUCCESSFUL':
            record.outcome = task_outcome(task)
            return False
        now = self._now()
        plan = decide(self.policy, task, self._logs(record, now), now, self._history,
                      earlier_actions=sum(r.earlier_actions or 0 for r in self._records))
        record.pending = []
        record.cancel_check_at = next_cancel_check(self.policy, task, now)
        if record.cancel_check_at is not None and record.cancel_check_at <= now:
            # A limit has passed and yet no cancel is due (a log pattern did not match, or the cancel
            # is on its way): look again at the slowest polling pace, not every round.
            record.cancel_check_at = now + datetime.timedelta(seconds=self.max_sleep)
        failures = [action for action in plan if action.action == FAIL]
        if failures:
            record.decisions = [self._describe(action, now, 'stopped') for action in failures]
            record.outcome = FAILED
            return False
        if not plan and task.get('status') == 'FAILED':
            record.outcome = FAILED  # FAILED with nothing the policy can act on
            return False
        acted = False
        for action in plan:
            if not action.due(now):
                record.pending.append(action)
                continue
            key = self._sent_key(record, action)
            if key in self._refused:
                # Refused, and the task has not moved since: sending again would only be refused again.
                record.decisions.append(dict(self._describe(action, now, 'refused'), reason=(
                    'OCP refused the %s%s (%s) and the task has not changed since; it is left as it is'
                    % (action.action, self._target(action), self._refused[key]))))
                record.outcome = FAILED
                return acted
            if key in self._sent:
                continue  # OCP has not shown the effect yet; never send twice
            if self.check_mode:
                record.actions.append(self._describe(action, now, 'would_send'))
                continue
            self._sent.add(key)
            acted = self._send(record, action, now) or acted
        return acted

    @staticmethod
    def _sent_key(record, action):
        # The same action on the same run of a subtask (or state of the task) is sent once.
        task = record.task
        if action.action == ROLLBACK:
            run = (task.get('operation'), task.get('status'))
        else:
            subtask = next((s for s in task.get('subtasks') or [] if s.get('id') == action.subtask_id), {})
            run = (subtask.get('runTime'), subtask.get('finishTime'))
        return (record.task_id, action.action, action.subtask_id, run)

    def _describe(self, action, now, result):
        return dict(action=action.action, subtask_id=action.subtask_id, subtask_name=action.subtask_name,
                    rule_index=action.rule_index, rule_name=action.rule_name, reason=action.reason,
                    attempt=action.attempt, at=now.isoformat(), result=result)

    def _post(self, task_id, action):
        if action.action == ROLLBACK:
            self.api.rollback_task(task_id)
        elif action.action in (RETRY, SKIP, CANCEL):
            getattr(self.api, '%s_subtask' % action.action)(task_id, action.subtask_id)
        else:
            raise ValueError('not an action to send: %r' % (action.action,))

    def _send(self, record, action, now):
        entry = self._describe(action, now, 'sent')
        before = record.task
        try:
            self._post(record.task_id, action)
        except OcpIllegalStateError as error:
            # The task moved between our read and the POST: decide again from the next read.
            entry.update(result='refused', error='%s' % (error,))
            self._refused[self._sent_key(record, action)] = error
            record.actions.append(entry)
            record.needs_read = True
            self._progress('task %s: OCP refused the %s (%s); reading it again' % (
                record.task_id, action.action, error))
            return False
        except OcpConnectionError as error:
            if error.ambiguous:
                return self._after_ambiguous_answer(record, action, entry, before, error)
            # The request never reached OCP: nothing happened, so it may be sent in a later round.
            self._sent.discard(self._sent_key(record, action))
            record.needs_read = True
            self._progress('task %s: could not send the %s (%s); trying again later' % (
                record.task_id, action.action, error))
            return False
        except OcpError as error:
            if not (isinstance(error, OcpServerError) or getattr(error, 'ambiguous', False)):
                raise
            return self._after_ambiguous_answer(record, action, entry, before, error)
        record.actions.append(entry)
        self._history.append(entry)
        record.needs_read = True
        target = self._target(action)
        self._progress('task %s: sent %s%s (%s)' % (record.task_id, action.action, target, action.reason))
        return True

    @staticmethod
    def _target(action):
        if action.action == ROLLBACK:
            return ''
        return " of subtask %s '%s'" % (action.subtask_id, action.subtask_name or '')

    def _after_ambiguous_answer(self, record, action, entry, before, error):
        """The POST may or may not have taken effect: read and tell, never send again."""
        after = self.api.get_task(record.task_id)
        record.task = after
        if action.action == ROLLBACK:
            took_effect = task_action_took_effect(ROLLBACK, before, after)
        else:
            old = next((s for s in before.get('subtasks') or [] if s.get('id') == action.subtask_id), {})
            new = next((s for s in after.get('subtasks') or [] if s.get('id') == action.subtask_id), {})
            took_effect = subtask_action_took_effect(action.action, old, new)
        if took_effect:
            entry.update(result='sent', note='the answer was lost (%s), but OCP carried it out' % (error,))
            record.actions.append(entry)
            self._history.append(entry)
            record.needs_read = True
            return True
        entry.update(result='lost', error='%s' % (error,))
        record.actions.append(entry)
        record.decisions.append(dict(entry, reason=(
            'the answer to the %s was lost (%s) and the task shows no effect; it was not sent again, so it '
            'cannot happen twice: check the task and run this again' % (action.action, error))))
        record.outcome = FAILED
        return False

    # ------------------------------------------------------------ reporting

    def _progress_line(self, elapsed):
        counts = dict((outcome, 0) for outcome in OUTCOMES)
        running = []
        for record in self._records:
            if record.finished:
                counts[record.outcome] += 1
            else:
                running.append(record)
        parts = []
        for record in running[:PROGRESS_MAX_TASKS]:
            task = record.latest
            done, total = _progress(task)
            parts.append("task %s '%s' %s %d/%d" % (
                record.task_id, task.get('name') or '', task.get('status'), done, total))
        if len(running) > PROGRESS_MAX_TASKS:
            parts.append('and %d more' % (len(running) - PROGRESS_MAX_TASKS,))
        return 'after %ds: %d running, %d succeeded, %d failed, %d rolled back, %d action(s) sent; %s' % (
            elapsed, len(running), counts[SUCCEEDED], counts[FAILED], counts[ROLLED_BACK], len(self._history),
            '; '.join(parts) or 'nothing left to wait for')

    def _failed_subtasks(self, record):
        failed = []
        for subtask in failed_subtasks(record.latest):
            try:
                lines = self._failed_log(record.task_id, subtask).splitlines()[-LOG_EXCERPT_LINES:]
            except OcpError as error:
                # The outcome matters more than one missing log.
                lines = ['(the log could not be read: %s)' % (error,)]
            failed.append(dict(id=subtask.get('id'), name=subtask.get('name'), status=subtask.get('status'),
                               operation=subtask.get('operation'), runTime=subtask.get('runTime'),
                               log_excerpt=lines))
        return failed

    def _task_result(self, record):
        task = record.latest
        done, total = _progress(task)
        result = dict(id=record.task_id, name=task.get('name'), outcome=record.outcome, status=task.get('status'),
                      operation=task.get('operation'), subtasks_done=done, subtasks_total=total,
                      actions=record.actions, decisions=record.decisions,
                      planned=[self._describe(action, self._now(), 'not_yet_due') for action in record.pending],
                      failed_subtasks=[])
        if record.outcome != SUCCEEDED:
            result['failed_subtasks'] = self._failed_subtasks(record)
        return result

    def _result(self, elapsed):
        tasks = [self._task_result(record) for record in self._records]
        summary = dict((outcome, len([t for t in tasks if t['outcome'] == outcome])) for outcome in OUTCOMES)
        summary.update(total=len(tasks), unfinished=len([t for t in tasks if t['outcome'] is None]),
                       actions_sent=len(self._history))
        return dict(changed=bool(self._history), tasks=tasks, summary=summary, elapsed=round(elapsed, 3),
                    rounds=self.rounds)


def unsuccessful_message(result):
    """One line naming the tasks that did not succeed, for the failure of the plugin."""
    parts = []
    for task in result['tasks']:
        if task['outcome'] == SUCCEEDED:
            continue
        text = "task %s '%s' %s" % (task['id'], task['name'] or '', task['outcome'] or 'unfinished')
        reasons = [decision['reason'] for decision in task['decisions']]
        if reasons:
            text += ': ' + '; '.join(reasons)
        parts.append(text)
    summary = result['summary']
    return '%d of %d task(s) did not succeed: %s' % (summary['total'] - summary[SUCCEEDED], summary['total'],
                                                     ' | '.join(parts))
