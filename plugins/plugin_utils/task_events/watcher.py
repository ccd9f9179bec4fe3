# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One poll of OCP for the ``oceanbase.ocp.ocp_task_events`` source: what to ask, what it means.

Synchronous and given everything it uses (a TaskApi or a fake, OCP's clock, a monotonic clock, a
random source for jitter), so that tests run it without HTTP or sleeps; source_loop.py runs
it in an executor thread, off the event loop.

A poll:

- asks one list query: the tasks that are RUNNING or FAILED (OCP serves up to 2000 a page; more
  pages only beyond that). A task whose entry is unchanged costs nothing more;
- every ``sweep_every`` polls (and at once after a restart or an outage) asks a second, usually
  one-page list query, of every status, newest first, down to the newest id the last sweep saw:
  a task that started and ended between two polls is never on the first list;
- when tasks left that list (they ended), asks one more list query, of the SUCCESSFUL tasks that
  ended last (more pages only while some of them are not found yet, task_list/listing.py): an
  entry showing every subtask SUCCESSFUL under EXECUTE tells a clean success, with no read (a
  rollback or a success after a retry is read: the source tells every failure on the way, and
  only the log shows them);
- reads in detail only a task whose entry needs it (events.entry_needs_read, the rule the
  supervision watches the list by too, task_list/entries.py: it failed, it ended other than
  cleanly, it runs a subtask under a ``running_long`` limit) and, once per run, the log of a
  subtask that failed or went through a retry, skip, cancel or rollback, or that runs again under
  a limit (only its log says when that run started);
- returns a PollPlan: the events, the memory to keep once they are put, and the pause before
  the next poll. Nothing is changed until ``commit``, so a poll interrupted while its events are
  put (the source stopped) keeps what it put: the tasks whose events all went out as told, and
  the next start reads again only the task it was cut off in.

The first start with no checkpoint only learns what OCP shows (``initial_events: failures`` also
tells the failures it shows at that moment); the newest task id then is where sweeps start.

When OCP cannot be reached (no answer, 5xx, 429 or an unreadable answer after the first good
one), the poll is tried again after a backoff (longer each time, up to ``max_backoff``, never
shorter than a ``Retry-After``), with one ``ocp_unreachable`` event at the start of the outage
and one ``ocp_reachable`` at its end. Credentials or permissions OCP refuses, and a request it
calls invalid, stop the source: waiting does not mend them.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import random as _random
import re
import time

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.backoff import Backoff
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import (
    OcpApiError,
    OcpAuthenticationError,
    OcpClientError,
    OcpConnectionError,
    OcpMalformedAnswerError,
    OcpNotFoundError,
    OcpPermissionError,
    OcpUnexpectedResponseError,
)
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_events.checkpoint import (
    CheckpointFieldError,
    expect,
    shown_value,
)
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_events.events import (
    EVENT_SOURCE_FAILURES,
    EventContext,
    TaskMemory,
    entry_needs_read,
    events_from_entry,
    events_from_read,
    events_from_unreadable,
    reachable_event,
    running_long_events,
    subtasks_needing_logs,
    task_summary,
    unreachable_event,
    update_from_entry,
    watched_running,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.timestamps import parse_time, utc_now
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_list.entries import entry_fingerprint, finished_outcome
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_list.listing import TaskList, Watching
# Backoff after failed polls doubles from the poll interval; a Retry-After beyond this is not honoured
# as such (an answer asking for hours is more likely a mistake than a plan).
BACKOFF_FACTOR = 2.0
RETRY_AFTER_CEILING = 3600.0
# A task id as the checkpoint writes it (a key of ``tasks``): OCP's ids are Java longs.
_TASK_ID = re.compile(r'[0-9]{1,19}\Z')


def event_source_watching(options):
    """How the source watches the task list (task_list/listing.py Watching), and why."""
    return Watching(
        # It watches every task OCP has (within its filters), which only the list names.
        detail_below=0,
        # A task that starts and ends between two polls is never on the list of unfinished tasks:
        # every sweep_every polls, a sweep of every status finds it.
        sweep_every=options.sweep_every,
        # Tasks that left the list come in one more query, of the tasks that ended last: an entry
        # that tells the outcome by itself (a clean success) needs no read.
        ended_from_list=True,
        failures=EVENT_SOURCE_FAILURES)


class WatchState:
    """What the source knows between polls; ``to_dict``/``from_dict`` for the checkpoint.

    ``memory``: TaskMemory by task id; ``watch_start``: OCP's time of the first poll ever (text);
    ``watermark``: the newest task id a sweep (or the first poll) has covered; ``restored``: read
    from a checkpoint and not polled since. ``outage`` (not saved) describes a current outage.
    """

    def __init__(self, memory=None, watch_start=None, watermark=None, restored=False):
        self.memory = memory or {}
        self.watch_start = watch_start
        self.watermark = watermark
        self.restored = restored
        self.outage = None
        self.polls_since_sweep = 0
        self.consecutive_failures = 0
        self.ever_answered = False

    def to_dict(self):
        return dict(watch_start=self.watch_start, watermark=self.watermark,
                    tasks=dict(('%d' % task_id, memory.to_dict()) for task_id, memory in sorted(self.memory.items())))

    @classmethod
    def from_dict(cls, data):
        """The state ``to_dict`` wrote, read back from the checkpoint: a field of another type (a
        hand-edited or damaged file) is a CheckpointFieldError naming it, never a Python error."""
        expect(data, 'state', 'a mapping')
        tasks = expect(data.get('tasks'), 'tasks', 'a mapping or null') or {}
        memory = {}
        for task_id, value in tasks.items():
            if not isinstance(task_id, str) or not _TASK_ID.match(task_id):
                raise CheckpointFieldError('tasks', 'must be keyed by task ids (digits), not %s' % shown_value(task_id))
            memory[int(task_id)] = TaskMemory.from_dict(value, 'tasks.%s' % task_id)
        watch_start = expect(data.get('watch_start'), 'watch_start', 'a text or null')
        if watch_start is not None:
            try:
                parse_time(watch_start, None)
            except OcpClientError:
                raise CheckpointFieldError('watch_start', 'must be a timestamp, not %s' % shown_value(watch_start))
        return cls(memory=memory, watch_start=watch_start,
                   watermark=expect(data.get('watermark'), 'watermark', 'a whole number or null'), restored=True)


class PollPlan:
    """The outcome of one poll, applied by ``TaskEventWatcher.commit`` once its events are put."""

    def __init__(self):
        self.events = []
        # The memory of each task the poll learnt something of (None: OCP no longer has it), and the
        # finished tasks to forget once the plan is applied whole (the sweeps are past their ids).
        self.updates = {}
        self.forget = set()
        self.watch_start = None
        self.watermark = None
        self.swept = False
        # A failed poll: no answer worth using; outage_began holds the outage it starts, if any.
        self.failed = False
        self.outage_began = None
        self.outage_ended = False
        self.delay = None
        self.fatal = None
        self.list_queries = 0
        self.reads = 0
        self.log_reads = 0
        # What the source logs: list entries OCP sent malformed without an id that can be read.
        self.warnings = []

    @property
    def requests(self):
        return self.list_queries + self.reads + self.log_reads


def _worth_waiting_out(error, ever_answered):
    """Whether a failed poll is worth trying again later, rather than a reason to stop: weather
    (errors.py's ``transient``), and any answer the client cannot use once OCP has answered well
    (a proxy's page, an envelope without ``successful``), because a source runs for days and
    stopping means no events at all. Before OCP has answered, such an answer most likely means
    api_url points at something that is not OCP's API: the source stops and says so."""
    if isinstance(error, OcpUnexpectedResponseError):
        return ever_answered
    return error.transient


def stop_message(error):
    """Why the source stops, in words that say what to do."""
    if isinstance(error, OcpAuthenticationError):
        return ('OCP refused the credentials (HTTP 401): check username/password or the access key '
                '(OCP_USERNAME/OCP_PASSWORD or OCP_ACCESS_KEY_ID/OCP_ACCESS_KEY_SECRET); the source stopped. %s' % error)
    if isinstance(error, OcpPermissionError):
        return ('OCP refused the request (HTTP 403): the user needs the TASK_VIEWER permission to watch tasks; '
                'the source stopped. %s' % error)
    return 'the source stopped: %s' % error


class TaskEventWatcher:
    """Polls OCP (through ``api``, a TaskApi) and plans the events; see the module docstring.

    ``options`` is a SourceOptions (source_options.py); ``server_time()`` returns OCP's
    timestamp of the last answer (the client's ``last_server_time``) or None; ``now()`` is the
    fallback (an aware datetime); ``clock`` measures outages; ``random`` jitters backoffs.
    """

    def __init__(self, api, options, state=None, server_time=None, now=utc_now, clock=time.monotonic,
                 random=_random.random):
        self._api = api
        self.options = options
        self.state = state or WatchState()
        self._server_time = server_time or (lambda: None)
        self._now = now
        self._clock = clock
        self._random = random
        self.dirty = False
        self.task_list = TaskList(api, event_source_watching(options), filters=options.filters)
        # How many of the task list's unidentified entries were logged already (each once).
        self._warned = 0

    # ------------------------------------------------------------ polling

    def poll(self):
        plan = PollPlan()
        queries = self.task_list.queries
        try:
            self._poll(plan)
            plan.list_queries = self.task_list.queries - queries
            plan.warnings = ['OCP listed a task whose id cannot be read, left out: %s' % (reason,)
                             for reason in self.task_list.unidentified[self._warned:]]
            self._warned = len(self.task_list.unidentified)
        except OcpClientError as error:
            plan.events, plan.updates, plan.fatal = [], {}, 'the source stopped: %s' % error
            return plan
        except (OcpApiError, OcpConnectionError) as error:
            if not _worth_waiting_out(error, self.state.ever_answered):
                plan.events, plan.updates, plan.fatal = [], {}, stop_message(error)
                return plan
            return self._failed_poll(error)
        plan.delay = self.options.interval
        return plan

    def _failed_poll(self, error):
        plan = PollPlan()
        plan.failed = True
        failures = self.state.consecutive_failures + 1
        backoff = Backoff(self.options.interval, self.options.max_backoff, factor=BACKOFF_FACTOR, jitter=True,
                          floor=self.options.interval, random=self._random)
        retry_after = getattr(error, 'retry_after', None)
        plan.delay = backoff.pause(failures, min(retry_after, RETRY_AFTER_CEILING) if retry_after else None)
        status = getattr(error, 'status', None)
        reason = getattr(error, 'reason', None) or '%s' % error
        if self.state.outage is None:
            context = self._context(self._now().isoformat(), catch_up=False, initial=False)
            plan.events.append(unreachable_event(context, reason, status=status, retry_after=retry_after))
            plan.outage_began = dict(since=self._clock(), reason=reason)
        return plan

    def _context(self, observed_at, catch_up, initial):
        watch_start = self.state.watch_start or observed_at
        try:
            start = parse_time(watch_start, self._now())
        except OcpClientError:
            start = None
        return EventContext(api_url=self.options.shown_url, watch_start=start, observed_at=observed_at,
                            catch_up=catch_up, initial=initial, log_lines=self.options.log_lines)

    def _observed_at(self):
        return self._server_time() or self._now().isoformat()

    def _read(self, plan, task_id, memory):
        """The task's detail and the logs events_from_read needs; (None, None) when OCP no longer has
        it. OcpMalformedAnswerError when what OCP answered of it (the detail or a log) is malformed."""
        plan.reads += 1
        try:
            task = self._api.get_task(task_id)
        except OcpNotFoundError:
            return None, None
        logs = {}
        for subtask_id in subtasks_needing_logs(task, memory, self.options.running_long):
            plan.log_reads += 1
            logs[subtask_id] = self._api.get_subtask_log(task_id, subtask_id)
        return task, logs

    def _poll(self, plan):
        state, options = self.state, self.options
        first = state.watch_start is None
        sweeping = self.task_list.watching.sweep_every > 0
        catch_up = not first and (state.restored or state.outage is not None)
        active = self.task_list.unfinished()
        observed_at = self._observed_at()
        if first:
            plan.watch_start = observed_at
        context = self._context(observed_at, catch_up=catch_up,
                                initial=first and options.initial_events == 'failures')
        if state.outage is not None:
            plan.outage_ended = True
            plan.events.append(reachable_event(context, self._clock() - state.outage['since'],
                                               state.consecutive_failures))
        watermark, swept = state.watermark, {}
        if sweeping and (first or watermark is None):
            watermark = self.task_list.newest_id()
        elif sweeping and (catch_up or state.polls_since_sweep + 1 >= self.task_list.watching.sweep_every):
            swept, watermark = self.task_list.sweep(watermark)
            plan.swept = True
        plan.watermark = watermark
        rules = options.running_long

        updates, task_events, to_read = plan.updates, {}, []
        for task_id in sorted(active):
            entry, memory = active[task_id], state.memory.get(task_id)
            if first:
                # What OCP shows now is the starting point, not news; a half-done earlier first
                # poll may have left keys, which stay.
                memory = memory.copy() if memory is not None else TaskMemory()
                memory.listed, memory.summary = entry_fingerprint(entry), task_summary(entry, memory.summary)
                memory.keys.add('%s:started' % task_id)
                updates[task_id] = memory
                if (context.initial and entry.get('status') == 'FAILED') or watched_running(entry, rules):
                    to_read.append((task_id, entry))
            elif entry_needs_read(entry, memory, rules):
                to_read.append((task_id, entry))
            elif memory is None:
                task_events[task_id], updates[task_id] = events_from_entry(entry, None, context)
            elif entry_fingerprint(entry) != memory.listed:
                updates[task_id] = update_from_entry(entry, memory, rules)
        # Started and ended between two polls: never on the active list.
        ended = dict((task_id, entry) for task_id, entry in swept.items()
                     if task_id not in active and task_id not in state.memory)
        # Left the active list: ended (or gone). Their last entries come in one more list query.
        left = [task_id for task_id, memory in sorted(state.memory.items())
                if task_id not in active and not memory.finished]
        if left and not first and self.task_list.watching.ended_from_list:
            ended.update(self.task_list.recently_ended(left))
        for task_id in sorted(set(ended) | set(left)):
            entry, memory = ended.get(task_id), state.memory.get(task_id)
            if entry is not None and finished_outcome(entry, history=True) is not None and (
                    memory is None or not memory.needs_read):
                task_events[task_id], updates[task_id] = events_from_entry(entry, memory, context)
            else:
                to_read.append((task_id, entry))

        for task_id, entry in to_read:
            memory = updates.get(task_id, state.memory.get(task_id))
            try:
                task, logs = self._read(plan, task_id, memory)
            except OcpMalformedAnswerError as error:
                # This task is set aside, told once; the others are watched as ever.
                events, memory = events_from_unreadable(task_id, entry, memory, error.message, context)
                if entry is not None:
                    memory.listed = entry_fingerprint(entry)
                task_events[task_id] = task_events.get(task_id, []) + events
                updates[task_id] = memory
                continue
            if task is None:
                updates[task_id] = None
                continue
            events, memory = events_from_read(task, memory, logs, context, rules, options.log_lines)
            memory.listed = entry_fingerprint(entry if entry is not None else task)
            task_events[task_id] = task_events.get(task_id, []) + events
            updates[task_id] = memory

        now = self._server_now(observed_at)
        for task_id in sorted(set(state.memory) | set(updates)):
            memory = updates.get(task_id, state.memory.get(task_id))
            if memory is None or memory.finished or not memory.watches:
                continue
            events, memory = running_long_events(task_id, memory, now, context)
            if events:
                task_events[task_id] = task_events.get(task_id, []) + events
                updates[task_id] = memory

        for task_id in sorted(task_events):
            plan.events.extend(task_events[task_id])
        # A finished task is forgotten once the sweeps are past its id: none will show it again.
        for task_id in sorted(set(state.memory) | set(updates)):
            memory = updates.get(task_id, state.memory.get(task_id))
            if memory is not None and memory.finished and (not sweeping or task_id <= (watermark or 0)):
                plan.forget.add(task_id)

    def _server_now(self, observed_at):
        try:
            return parse_time(observed_at, self._now())
        except OcpClientError:
            return self._now()

    # ------------------------------------------------------------ committing

    def commit(self, plan, emitted):
        """Apply a plan whose first ``emitted`` events were put on the queue.

        All put: everything the plan learnt is kept. Fewer (the source was stopped while putting
        them): a task whose events were all put keeps what the plan learnt of it, as if the plan
        were applied whole (so a restart does not read it again: the read and log read each of
        them cost would come to two requests a task); of the task whose events were put in part,
        only the keys of those put are kept, and it is read again next time; the rest (the tasks
        whose events were not put, the sweep's watermark) stays as it was, so that nothing is
        lost and nothing told twice.
        """
        state = self.state
        if plan.fatal:
            return
        if plan.failed:
            state.consecutive_failures += 1
            if plan.outage_began is not None and emitted >= 1:
                state.outage = plan.outage_began
            return
        if plan.outage_ended and emitted >= 1:
            state.outage = None
        if emitted < len(plan.events):
            self._commit_in_part(plan, emitted)
            return
        changed = bool(plan.updates) or bool(plan.forget) or state.restored
        if plan.watch_start is not None and state.watch_start is None:
            state.watch_start, changed = plan.watch_start, True
        for task_id, memory in plan.updates.items():
            if memory is None:
                state.memory.pop(task_id, None)
            else:
                state.memory[task_id] = memory
        for task_id in plan.forget:
            state.memory.pop(task_id, None)
        if plan.watermark is not None and plan.watermark != state.watermark:
            state.watermark, changed = plan.watermark, True
        state.restored = False
        state.ever_answered = True
        state.consecutive_failures = 0
        state.outage = None
        state.polls_since_sweep = 0 if plan.swept else state.polls_since_sweep + 1
        self.dirty = self.dirty or changed

    def _commit_in_part(self, plan, emitted):
        put, not_put = plan.events[:emitted], plan.events[emitted:]
        cut = set(event.task_id for event in not_put)
        state = self.state
        for task_id in sorted(set(event.task_id for event in put if event.task_id is not None) - cut):
            # Every event of the task went out: what the plan learnt of it holds. It is not
            # forgotten even when finished: the sweeps stay where they were, and would find it again.
            memory = plan.updates.get(task_id)
            if memory is not None:
                state.memory[task_id] = memory
                self.dirty = True
        for event in put:
            if event.task_id is None or event.task_id not in cut:
                continue
            memory = state.memory.get(event.task_id)
            memory = memory.copy() if memory is not None else TaskMemory()
            memory.keys.add(event.key)
            memory.needs_read = True
            state.memory[event.task_id] = memory
            self.dirty = True

    def saved(self):
        """The state was written to the checkpoint."""
        self.dirty = False
