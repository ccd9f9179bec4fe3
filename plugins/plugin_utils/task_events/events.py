# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn what OCP shows of a task into events, each keyed on the change it reports.

This is the pure half of the ``oceanbase.ocp.ocp_task_events`` source: no HTTP, no clock of its
own. watcher.py decides what to read; this file says, from a task's list entry or
detail read, its subtask logs and what is remembered of the task (``TaskMemory``), which events
are due and what to remember next.

Exactly once: every event has a key naming what changed (the task, the subtask and its run, the
state), and a task's memory keeps the keys it has put. An event whose key is remembered is never
made again, whatever is read later; the memory survives restarts in the checkpoint file.

Keys (``<task id>`` first, so a task's keys go with it):

- ``<task>:started``: the task started (once per task);
- ``<task>:<subtask>:run<n>:FAILED``: run ``n`` of the subtask failed; ``n`` counts the separator
  lines of its log, which, unlike ``runTime``, grows on every kind of retry. A log without
  separators gives ``at<finishTime>`` instead of ``run<n>``;
- ``<task>:<subtask>:since<start>:RUNNING_LONG``: that run of the subtask passed its limit; a first
  run starts at the subtask's ``startTime``, a later one as its log's separator says;
- ``<task>:FAILED:<finishTime>``: the task failed (again, after a retry: another finishTime);
- ``<task>:SUCCEEDED``, ``<task>:ROLLED_BACK``: final states, once each;
- ``<task>:UNREADABLE:<digest>``: OCP's answer about the task is malformed (tasks/snapshot.py
  checked_task), once per way it is malformed (the digest of the reason); the task is read
  again when its list entry changes (every poll while the entry itself is malformed).

What happened before the source first started watching (``EventContext.watch_start``) is history:
its keys are remembered without an event, so a source never replays OCP's past. Only with
``initial`` (the ``initial_events: failures`` option, at the first start) do the failures a task
shows at that moment come out, marked ``initial``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import hashlib
import re

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpClientError
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.subtask_log import (
    SubtaskRuns,
    failure_lines,
    failure_reason,
    subtask_runs,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.timestamps import parse_time
from ansible_collections.oceanbase.ocp.plugins.module_utils.vocabulary import AFTER_A_FIRST_RUN_OPERATIONS, SUCCEEDED
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_events.checkpoint import expect
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_list.entries import (
    NEW_FAILURE,
    entry_fingerprint,
    finished_outcome,
    is_malformed,
    log_settled,
    log_view,
    read_reason,
)

# The event types, the value of ``event.ocp.type`` in a rulebook.
TASK_STARTED = 'task_started'
SUBTASK_FAILED = 'subtask_failed'
SUBTASK_RUNNING_LONG = 'subtask_running_long'
TASK_FAILED = 'task_failed'
TASK_SUCCEEDED = 'task_succeeded'
TASK_ROLLED_BACK = 'task_rolled_back'
TASK_UNREADABLE = 'task_unreadable'
OCP_UNREACHABLE = 'ocp_unreachable'
OCP_REACHABLE = 'ocp_reachable'
# Every event is one mapping under this key: rulebook conditions read ``event.ocp.type``.
EVENT_ROOT = 'ocp'

# Operations after which a subtask that looks fine may have failed on the way.
_OPERATIONS_AFTER_A_FAILURE = AFTER_A_FIRST_RUN_OPERATIONS
# Which failures in a changed list entry call for a read (task_list/listing.py Watching): the
# source tells each failed run once, so only a failure the entry did not show before is news.
EVENT_SOURCE_FAILURES = NEW_FAILURE
_IPV4 = re.compile(r'(?<![0-9.])((?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3})'
                   r'(?![0-9.])')
_HOST_WORD = re.compile(r'\bhost\s+([A-Za-z0-9][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)+|[0-9A-Fa-f]*:[0-9A-Fa-f:]+)')


class TaskEvent(collections.namedtuple('TaskEvent', ['key', 'task_id', 'payload'])):
    """One event to put on the queue: ``payload`` is ``{"ocp": {...}}``; ``task_id`` is None for
    the reachability events, which belong to no task."""

    __slots__ = ()

    @property
    def type(self):
        return self.payload[EVENT_ROOT]['type']


class EventContext(collections.namedtuple('EventContext', [
        'api_url', 'watch_start', 'observed_at', 'catch_up', 'initial', 'log_lines'])):
    """What every event of one poll shares.

    ``watch_start`` (aware datetime): when the source first started watching, by OCP's clock;
    ``observed_at``: OCP's timestamp of the poll's answers (text, as OCP wrote it); ``catch_up``:
    the poll is the first after a restart or an outage, so what it finds happened while nobody
    looked; ``initial``: the first poll of a first start with ``initial_events: failures``.
    """

    __slots__ = ()

    def before_watching(self, timestamp):
        """Whether an OCP timestamp is not after the moment the source started watching (OCP showed
        it in the first answer); an unknown time is not."""
        if not timestamp or self.watch_start is None:
            return False
        try:
            return parse_time(timestamp, self.watch_start) <= self.watch_start
        except OcpClientError:
            return False


class TaskMemory:
    """What the source remembers of one task between polls (and, in the checkpoint, restarts).

    - ``listed``: the task's list entry in short (task_list/entries.py ``entry_fingerprint``), to
      tell what changed;
    - ``summary``: the task fields events carry (name, cluster, tenant, type...);
    - ``subtasks``: per subtask id (text), the ``view`` (task_list/entries.py ``log_view``: status,
      operation, finishTime) of the last read whose log was looked at, and ``reason``, why its last
      failed run failed;
    - ``watches``: running subtasks a ``running_long`` limit applies to: when the run started;
    - ``keys``: the keys of the events put (or passed over as history);
    - ``finished``: the task ended for good (SUCCESSFUL, whether executed or rolled back);
    - ``needs_read``: a poll stopped half-way through its events: read the task again.
    """

    def __init__(self, listed=None, summary=None, subtasks=None, watches=None, keys=None, finished=False,
                 needs_read=False):
        self.listed = listed
        self.summary = summary or {}
        self.subtasks = subtasks or {}
        self.watches = watches or {}
        self.keys = set(keys or ())
        self.finished = finished
        self.needs_read = needs_read

    def copy(self):
        return TaskMemory(
            listed=self.listed, summary=dict(self.summary),
            subtasks=dict((key, dict(value)) for key, value in self.subtasks.items()),
            watches=dict((key, dict(value)) for key, value in self.watches.items()),
            keys=set(self.keys), finished=self.finished, needs_read=self.needs_read)

    def to_dict(self):
        return dict(listed=self.listed, summary=self.summary, subtasks=self.subtasks, watches=self.watches,
                    keys=sorted(self.keys), finished=self.finished, needs_read=self.needs_read)

    @classmethod
    def from_dict(cls, data, field='task'):
        """The memory ``to_dict`` wrote, read back from the checkpoint; ``field`` names it there. A
        field of another type (a hand-edited or damaged file) is a CheckpointFieldError naming it:
        every field is checked here as far as the source relies on its type."""
        expect(data, field, 'a mapping')
        listed = expect(data.get('listed'), field + '.listed', 'a mapping or null')
        if listed is not None:
            # Compared with each new entry's fingerprint, read with .get (task_list/entries.py).
            expect(listed.get('subtasks'), field + '.listed.subtasks', 'a mapping or null')
        subtasks = expect(data.get('subtasks'), field + '.subtasks', 'a mapping or null') or {}
        for subtask_id, known in subtasks.items():
            expect(known, '%s.subtasks.%s' % (field, subtask_id), 'a mapping')
        watches = expect(data.get('watches'), field + '.watches', 'a mapping or null') or {}
        for subtask_id, watch in watches.items():
            where = '%s.watches.%s' % (field, subtask_id)
            expect(watch, where, 'a mapping')
            for name in ('since', 'description', 'name'):
                expect(watch.get(name), '%s.%s' % (where, name), 'a text or null')
            expect(watch.get('seconds', 0), where + '.seconds', 'a number')
        return cls(listed=listed, summary=expect(data.get('summary'), field + '.summary', 'a mapping or null'),
                   subtasks=subtasks, watches=watches,
                   keys=expect(data.get('keys'), field + '.keys', 'a list of texts or null'),
                   finished=expect(data.get('finished', False), field + '.finished', 'true or false'),
                   needs_read=expect(data.get('needs_read', False), field + '.needs_read', 'true or false'))


# ---------------------------------------------------------------- list entries

def watch_limit(rules, subtask_name):
    """The ``(index, pattern, seconds)`` of the first running_long rule naming the subtask, or None."""
    for index, (pattern, seconds) in enumerate(rules or ()):
        if pattern.search(subtask_name or ''):
            return index, pattern.pattern, seconds
    return None


def watched_running(entry, rules):
    """Ids (text) of the entry's RUNNING subtasks that a running_long rule applies to, with their
    operations; empty when none."""
    watched = {}
    for subtask in entry.get('subtasks') or []:
        if subtask.get('status') == 'RUNNING' and watch_limit(rules, subtask.get('name')) is not None:
            watched['%s' % subtask.get('id')] = subtask.get('operation')
    return watched


def entry_needs_read(entry, memory, rules):
    """Why the task's detail must be read to know its events, or None when its list entry tells
    enough: the rule the supervision watches the list by too (task_list/entries.py read_reason),
    with the source's EVENT_SOURCE_FAILURES. A task never seen calls for a read when runs behind
    it may hide a failure; a poll stopped half-way leaves its tasks to be read again."""
    if memory is not None and (memory.needs_read or memory.listed is None):
        return 'left half-read by an interrupted poll'
    known = dict((subtask_id, watch.get('operation')) for subtask_id, watch in (memory.watches if memory else {}).items())
    return read_reason(entry, memory.listed if memory is not None else None, EVENT_SOURCE_FAILURES,
                       history=memory is None, watched=watched_running(entry, rules), known=known)


# ---------------------------------------------------------------- payloads

def host_of(description):
    """The host a subtask works on, as its description names it ("Install OCP agent on host
    10.0.0.4"), or None. OCP has no field for it."""
    if not description:
        return None
    address = _IPV4.search(description)
    if address:
        return address.group(1)
    named = _HOST_WORD.search(description)
    return named.group(1) if named else None


def _scope(value):
    if not isinstance(value, dict):
        return None
    return dict(id=value.get('id'), name=value.get('name'))


def task_summary(task, earlier=None):
    """The task fields events carry. A list entry lacks ``type`` and ``operation``: what an
    ``earlier`` summary knew of them stays."""
    summary = dict(earlier or {})
    summary.update(id=task.get('id'), name=task.get('name'), status=task.get('status'),
                   cluster=_scope(task.get('cluster')), tenant=_scope(task.get('tenant')),
                   start_time=task.get('startTime'), finish_time=task.get('finishTime'))
    for field, key in (('type', 'type'), ('operation', 'operation'), ('creator', 'creator'),
                       ('prohibit_rollback', 'prohibitRollback')):
        if key in task:
            value = task[key]
            summary[field] = value.get('name') if isinstance(value, dict) and field == 'creator' else value
    return summary


def _subtask_fields(subtask):
    return dict(id=subtask.get('id'), name=subtask.get('name'), description=subtask.get('description'),
                host=host_of(subtask.get('description')), status=subtask.get('status'))


def _payload(event_type, key, context, **fields):
    body = dict(type=event_type, key=key, api_url=context.api_url, observed_at=context.observed_at,
                catch_up=bool(context.catch_up), initial=False)
    body.update(fields)
    return {EVENT_ROOT: body}


# ---------------------------------------------------------------- events

class _Collector:
    """Events of one task in the making, and the keys to remember."""

    def __init__(self, task_id, memory, context):
        self.task_id = task_id
        self.memory = memory
        self.context = context
        self.events = []

    def offer(self, key, event_type, happened_at, current=False, **fields):
        """An event for ``key`` unless it was put before or lies before the source started;
        ``current`` marks a failure the task shows now, which ``initial`` lets through."""
        if key in self.memory.keys:
            return
        self.memory.keys.add(key)
        initial = self.context.initial and current
        if self.context.before_watching(happened_at) and not initial:
            return  # history: remembered, not told
        payload = _payload(event_type, key, self.context, **fields)
        payload[EVENT_ROOT]['initial'] = initial
        self.events.append(TaskEvent(key, self.task_id, payload))


def events_from_entry(entry, memory, context):
    """The events a list entry gives without a read, and the task's memory: task_started for a
    task never seen, task_succeeded for an entry whose outcome it tells by itself
    (task_list/entries.py finished_outcome: a clean success). Only call it for an entry that
    entry_needs_read passed, or one whose outcome it tells."""
    memory = memory.copy() if memory is not None else TaskMemory()
    memory.summary = task_summary(entry, memory.summary)
    memory.listed = entry_fingerprint(entry)
    task_id = entry.get('id')
    collector = _Collector(task_id, memory, context)
    # Every task the source knows has this key (told, or taken as history): offered, it is news
    # only for a task never seen.
    collector.offer('%s:started' % task_id, TASK_STARTED, entry.get('startTime'), task=memory.summary)
    if finished_outcome(entry, history=True) == SUCCEEDED:
        memory.summary['operation'] = 'EXECUTE'
        collector.offer('%s:SUCCEEDED' % task_id, TASK_SUCCEEDED, entry.get('finishTime'), task=memory.summary)
        memory.finished = True
        memory.watches = {}
    return collector.events, memory


def _run_start_needs_log(subtask, memory, rules):
    """Whether a RUNNING subtask under a running_long limit runs again (a retry, a cancel's run...)
    and its watch does not know this run: OCP's ``startTime`` is the first run's
    (docs/ocp-behaviour.md#task-and-subtask-states, ST-12), so only the log's latest separator says
    when this run started."""
    if subtask.get('status') != 'RUNNING' or subtask.get('operation') in (None, 'EXECUTE'):
        return False
    if watch_limit(rules, subtask.get('name')) is None:
        return False
    known = (memory.watches if memory is not None else {}).get('%s' % subtask.get('id')) or {}
    return not (known.get('since') and known.get('operation') == subtask.get('operation'))


def subtasks_needing_logs(task, memory, rules=()):
    """Ids of the subtasks of a detail read whose logs the events need: those that may show a failed
    run not yet accounted for (a run has ended: FAILED, SUCCESSFUL, or PENDING after a rollback; the
    subtask failed or went through an operation that follows a failure; it changed since its log was
    last read), and a running subtask under a limit whose run's start only its log shows."""
    known = memory.subtasks if memory is not None else {}
    needed = []
    for subtask in task.get('subtasks') or []:
        if _run_start_needs_log(subtask, memory, rules):
            needed.append(subtask.get('id'))
            continue
        status, operation = subtask.get('status'), subtask.get('operation')
        if not log_settled(subtask):
            continue
        if status == 'PENDING' and operation not in ('ROLLBACK', 'ROLLBACK_SKIP'):
            continue  # it never ran
        if status != 'FAILED' and operation not in _OPERATIONS_AFTER_A_FAILURE:
            continue  # its only run succeeded
        if (known.get('%s' % subtask.get('id')) or {}).get('view') == log_view(subtask):
            continue
        needed.append(subtask.get('id'))
    return needed


def _run_marker(run, runs, subtask):
    if run.operation is None and len(runs) == 1:
        # No separators to count runs by: the run's end names it.
        return 'at%s' % (subtask.get('finishTime') or '')
    return 'run%d' % run.number


def _run_end(run, runs, subtask):
    """When a run ended at the latest: the next run's start, or for the last run the subtask's finishTime."""
    if run.number < len(runs):
        return runs[run.number].started
    return subtask.get('finishTime') or run.started


def _failed_runs(collector, task, subtask, log_text, log_lines):
    """Offer a subtask_failed event per failed run of the log; the reason of the last failure."""
    runs = subtask_runs(log_text)
    reason = None
    for run in runs:
        if not run.failed:
            continue
        last = run.number == len(runs)
        current = last and subtask.get('status') == 'FAILED'
        reason = failure_reason(run)
        fields = _subtask_fields(subtask)
        fields.update(operation=run.failed_operation or subtask.get('operation'), run=run.number,
                      started=run.started, finished=subtask.get('finishTime') if last else None,
                      reason=reason, log_excerpt=failure_lines(run, log_lines))
        collector.offer('%s:%s:%s:FAILED' % (task.get('id'), subtask.get('id'), _run_marker(run, runs, subtask)),
                        SUBTASK_FAILED, _run_end(run, runs, subtask), current=current,
                        task=collector.memory.summary, subtask=fields, late=not current)
    if not runs and subtask.get('status') == 'FAILED':
        # An empty log: the failure is still one, named by its end.
        fields = _subtask_fields(subtask)
        fields.update(operation=subtask.get('operation'), run=None, started=subtask.get('startTime'),
                      finished=subtask.get('finishTime'), reason=None, log_excerpt=[])
        collector.offer('%s:%s:at%s:FAILED' % (task.get('id'), subtask.get('id'), subtask.get('finishTime') or ''),
                        SUBTASK_FAILED, subtask.get('finishTime'), current=True,
                        task=collector.memory.summary, subtask=fields, late=False)
    return reason


def _failed_subtasks_now(task, memory):
    failed = []
    for subtask in task.get('failed_subtasks') or []:
        fields = _subtask_fields(subtask)
        fields.update(operation=subtask.get('operation'),
                      reason=(memory.subtasks.get('%s' % subtask.get('id')) or {}).get('reason'))
        failed.append(fields)
    return failed


def events_from_read(task, memory, logs, context, rules=(), log_lines=10):
    """The events a detail read of a task gives, and the task's memory after them.

    ``task`` is normalised (tasks/task_api.py), ``memory`` what was known (None: a task never seen),
    ``logs`` the texts of the subtasks ``subtasks_needing_logs`` named, by subtask id.
    ``rules`` are the running_long rules ``(compiled pattern, seconds)``; the watches they call
    for are taken from this read, which shows when each running subtask started.
    """
    memory = memory.copy() if memory is not None else TaskMemory()
    memory.summary = task_summary(task, memory.summary)
    memory.needs_read = False
    task_id = task.get('id')
    collector = _Collector(task_id, memory, context)
    collector.offer('%s:started' % task_id, TASK_STARTED, task.get('startTime'), task=memory.summary)
    for subtask in task.get('subtasks') or []:
        subtask_id = subtask.get('id')
        if subtask_id not in logs or not log_settled(subtask):
            continue  # a running subtask's log was read for its run's start only
        reason = _failed_runs(collector, task, subtask, logs[subtask_id], log_lines)
        known = memory.subtasks.setdefault('%s' % subtask_id, {})
        known['view'] = log_view(subtask)
        if reason is not None:
            known['reason'] = reason
    memory.watches = _watches_from_read(task, memory.watches, rules, logs)
    status = task.get('status')
    if status == 'FAILED':
        collector.offer('%s:FAILED:%s' % (task_id, task.get('finishTime') or ''), TASK_FAILED,
                        task.get('finishTime'), current=True, task=memory.summary,
                        failed_subtasks=_failed_subtasks_now(task, memory))
    elif status == 'SUCCESSFUL':
        if task.get('rolled_back'):
            collector.offer('%s:ROLLED_BACK' % task_id, TASK_ROLLED_BACK, task.get('finishTime'), task=memory.summary)
        else:
            collector.offer('%s:SUCCEEDED' % task_id, TASK_SUCCEEDED, task.get('finishTime'), task=memory.summary)
        memory.finished = True
        memory.watches = {}
    return collector.events, memory


def _run_started(subtask, earlier, logs):
    """When the subtask's current run started: a first run at its ``startTime``; a later run as its
    log's latest separator says (ST-12), or as the watch of the same run already knew."""
    operation = subtask.get('operation')
    if operation not in (None, 'EXECUTE'):
        if subtask.get('id') in logs:
            return SubtaskRuns(logs[subtask.get('id')]).latest_started or subtask.get('startTime')
        if earlier.get('operation') == operation and earlier.get('since'):
            return earlier['since']
    return subtask.get('startTime') or earlier.get('since')


def _watches_from_read(task, watches, rules, logs=None):
    kept = {}
    for subtask in task.get('subtasks') or []:
        if subtask.get('status') != 'RUNNING':
            continue
        limit = watch_limit(rules, subtask.get('name'))
        if limit is None:
            continue
        subtask_id = '%s' % subtask.get('id')
        earlier = watches.get(subtask_id) or {}
        since = _run_started(subtask, earlier, logs or {})
        kept[subtask_id] = dict(since=since, operation=subtask.get('operation'), rule=limit[0], pattern=limit[1],
                                seconds=limit[2], name=subtask.get('name'), description=subtask.get('description'))
    return kept


def events_from_unreadable(task_id, entry, memory, reason, context):
    """The task_unreadable event of a task whose detail read (or a subtask log) OCP answered malformed,
    and the task's memory: what its list entry (when well formed) and earlier reads showed stays.
    ``reason`` says what is malformed, escaped and cut (OcpMalformedAnswerError's message); the
    event is told once per reason."""
    memory = memory.copy() if memory is not None else TaskMemory()
    if entry is not None and not is_malformed(entry):
        memory.summary = task_summary(entry, memory.summary)
    memory.summary.setdefault('id', task_id)
    memory.needs_read = False
    collector = _Collector(task_id, memory, context)
    digest = hashlib.sha1(reason.encode('utf-8', 'replace')).hexdigest()[:12]
    collector.offer('%s:UNREADABLE:%s' % (task_id, digest), TASK_UNREADABLE, None, task=memory.summary,
                    reason=reason)
    return collector.events, memory


def update_from_entry(entry, memory, rules):
    """The memory of a task whose list entry changed in a way that needs no read."""
    memory = memory.copy()
    memory.listed = entry_fingerprint(entry)
    memory.summary = task_summary(entry, memory.summary)
    running = watched_running(entry, rules)
    memory.watches = dict((subtask_id, watch) for subtask_id, watch in memory.watches.items()
                          if running.get(subtask_id) == watch.get('operation'))
    return memory


def running_long_events(task_id, memory, now, context):
    """subtask_running_long events for the watched subtasks past their limit at ``now`` (an aware
    datetime by OCP's clock), and the memory with their keys. The watches must be current: the
    caller drops those the latest list entry no longer shows RUNNING (update_from_entry)."""
    due = []
    for subtask_id, watch in sorted(memory.watches.items()):
        since = watch.get('since')
        if not since:
            continue
        try:
            running_for = (now - parse_time(since, now)).total_seconds()
        except OcpClientError:
            continue
        if running_for >= watch.get('seconds', 0):
            due.append((subtask_id, watch, running_for))
    if not due:
        return [], memory
    memory = memory.copy()
    collector = _Collector(task_id, memory, context)
    for subtask_id, watch, running_for in due:
        subtask = dict(id=int(subtask_id) if subtask_id.isdigit() else subtask_id, name=watch.get('name'),
                       description=watch.get('description'), host=host_of(watch.get('description')),
                       status='RUNNING', operation=watch.get('operation'), started=watch.get('since'))
        collector.offer('%s:%s:since%s:RUNNING_LONG' % (task_id, subtask_id, watch.get('since')), SUBTASK_RUNNING_LONG,
                        None, task=memory.summary, subtask=subtask, running_for=round(running_for, 3),
                        limit=dict(pattern=watch.get('pattern'), seconds=watch.get('seconds')))
    return collector.events, memory


# ---------------------------------------------------------------- OCP itself

def unreachable_event(context, reason, status=None, retry_after=None):
    """ocp_unreachable: the first failed poll of an outage. ``reason`` is the client's message,
    which names the URL and never the credentials."""
    return TaskEvent(None, None, _payload(OCP_UNREACHABLE, None, context, reason=reason, status=status,
                                          retry_after=retry_after))


def reachable_event(context, down_for, failed_polls):
    """ocp_reachable: the first successful poll after an outage."""
    return TaskEvent(None, None, _payload(OCP_REACHABLE, None, context, down_for=round(down_for, 3),
                                          failed_polls=failed_polls))
