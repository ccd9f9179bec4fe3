"""The task engine: OCP's task state machine over simulated time.

The engine is event driven and lazy. Every transition that takes time (a subtask
starting, a run ending, a timeout, a cancel or skip taking effect, an automatic retry)
is an event in one heap ordered by simulated time. Public methods first process the
events that are due at `clock.now()` and nothing else, so a request only pays for the
tasks that actually moved, and 10,000 finished tasks cost nothing per request.

Every event carries the subtask's `token` from when it was scheduled; any transition
bumps the token, so an event made obsolete by an action (a run that was cancelled, a
timeout for a run that already ended) is simply dropped when it comes due.

Randomness (duration jitter, log trace ids) comes from a `random.Random` per task,
seeded by the engine seed and the task id: same scenario + same seed + same calls at
the same simulated times = same outcomes.

The rules follow OCP's task engine as OCP Express publishes it (managers, coordinator
workers, runner and SubtaskAccessor under task/ in oceanbase/ocp-express); each method
names the class it follows. docs/simulator.md has the table of behaviours and evidence.
"""

import contextlib
import functools
import heapq
import itertools
import random
import threading
from datetime import timedelta

from . import views
from .errors import BadRequest, IllegalAction, NotFound, RollbackProhibited
from .profiles import DEFAULT_PROFILE, UnknownProfile, profile_named
from .logs import (
    CANCEL_LINE, PASS_OVER_LINE, ROLLBACK_LINES, TIMEOUT_LINE, LogLine, RunSegment, StateLine,
    render_log, state_is_logged,
)
from .model import (
    CANCEL, CANCELING, EXECUTE, FAILED, PENDING, READY, RETRY, ROLLBACK, ROLLBACK_SKIP,
    RUNNING, SKIP, SUCCESSFUL, Subtask, Task, derive_status, executable_subtasks,
    has_failed_subtask, in_progress_count, parse_faults, prohibits_rollback, undoable_subtasks,
)
from .templates import DEFAULT_HOST_IPS, TEMPLATES, critical_path_seconds, customized, expand, subtask_names

FIRST_TASK_ID = 1000
# Far above the task ids even with 10,000 tasks, so a client that mixes the two up gets
# a 404 instead of someone else's data.
FIRST_SUBTASK_ID = 1_000_000

DISPATCH_DELAY = 1.0        # READY -> RUNNING: OCP's scheduler polls about every second
AUTO_RETRY_DELAY = 5.0      # a failed run waits this long before retrying by itself
CANCEL_DELAY = 1.0          # CANCELING -> RUNNING/CANCEL -> FAILED/CANCEL, one worker poll each
ROLLBACK_DURATION_RATIO = 0.5   # undoing a subtask takes about half as long as doing it
DURATION_JITTER = 0.2       # runs last nominal duration * [0.8, 1.2]
HISTORY_SPACING = timedelta(minutes=10)   # between the ends of backdated finished tasks
RUNNING_HEAD_START = 0.4    # a "running" task started this fraction of its duration ago

TASK_TYPES = ("MANUAL", "SYS_ONECE", "SCHEDULED", "SYS_SCHEDULED")
START_STATES = ("as_is", "running", "finished")
DEFAULT_CREATOR_NAME = "admin"
# How runTime counts (see TaskEngine.run_time_counting).
OCP_COUNTING, EVERY_RUN_COUNTING = "ocp", "every_run"
RUN_TIME_COUNTINGS = (OCP_COUNTING, EVERY_RUN_COUNTING)


def _synchronized(method):
    """Run `method` under the engine lock, after catching the simulation up with the clock."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self.lock:
            self._run_until(self.clock.now())
            return method(self, *args, **kwargs)
    return wrapper


class EventQueue:
    """Events (time, kind, subtask) in time order; ties keep the order they were pushed."""

    def __init__(self):
        self._heap = []
        self._sequence = itertools.count()

    def push(self, at, kind, subtask):
        heapq.heappush(self._heap, (at, next(self._sequence), kind, subtask.id, subtask.token))

    def pop_due(self, until):
        """The next event at or before `until` (None: no limit), or None."""
        if self._heap and (until is None or self._heap[0][0] <= until):
            return heapq.heappop(self._heap)
        return None


class TaskEngine:
    """OCP's task engine over simulated time.

    `run_time_counting` says when a subtask's runTime goes up. "ocp" (the default) follows
    OCP Express: a task retry and an automatic retry add 1, a subtask retry does not.
    "every_run" is the simulator's older rule, kept because OCP versions we cannot read may
    count that way: every retry adds 1, a subtask retry included.
    """

    def __init__(self, clock, seed=0, max_concurrency=10, run_time_counting=OCP_COUNTING,
                 profile=DEFAULT_PROFILE):
        self.clock = clock
        self.profile = check_profile(profile)   # profiles.Profile: log format and view shapes
        self.seed = seed
        self.max_concurrency = max_concurrency
        self.run_time_counting = check_run_time_counting(run_time_counting)
        self.lock = threading.RLock()
        # Inventory in OCP's shapes, filled by the scenario (and the HTTP layer).
        self.clusters = {}   # id -> {"id", "name", "obClusterId", "type"}
        self.tenants = {}    # id -> {"id", "name", "obTenantId", "mode", "clusterId"}
        self.hosts = {}      # id -> {"id", "ip", "clusterId"}
        self._tasks = {}     # id -> Task, in id order
        self._subtasks = {}  # id -> Subtask
        self._queue = EventQueue()
        self._task_ids = itertools.count(FIRST_TASK_ID)
        self._subtask_ids = itertools.count(FIRST_SUBTASK_ID)
        self._creator_ids = {DEFAULT_CREATOR_NAME: 1}
        self._history_slots = 0

    # ----------------------------------------------------------------- queries

    @_synchronized
    def advance(self):
        """Run the simulation up to clock.now() (every public method does it first)."""

    @_synchronized
    def get_task(self, task_id):
        return views.task_view(self._task(task_id), self.profile)

    @_synchronized
    def get_task_instance(self, task_id, shape, **extra):
        """The task as the call that started it answers, in `shape` (views.started_view)."""
        return views.started_view(self._task(task_id), self.profile, shape, **extra)

    @_synchronized
    def creator(self, name):
        """The user `name` as task creators are shown: {"id", "name"} (ids given in order of appearance)."""
        return self._creator(name)

    @_synchronized
    def list_tasks(self, *, name=None, statuses=None, task_type=None, cluster_name=None,
                   cluster_id=None, tenant_name=None, tenant_id=None, host_id=None,
                   page=1, size=10, sort=None):
        """One page of BasicTaskInstance and the total; `name`/`cluster_name` may be one
        substring or several (each must match)."""
        return views.select_tasks(
            self._tasks.values(), self.profile, name=name, statuses=statuses, task_type=task_type,
            cluster_name=cluster_name, cluster_id=cluster_id, tenant_name=tenant_name,
            tenant_id=tenant_id, host_id=host_id, page=page, size=size, sort=sort)

    @_synchronized
    def get_subtask_log(self, task_id, subtask_id):
        """The log text; "" for an unknown subtask, whatever the task id.

        OCP's log endpoint reads the log rows by subtask id and checks nothing else
        (OCP Express TaskService.getSubtaskDetail), so no 404 here.
        """
        subtask = self._subtasks.get(subtask_id)
        if subtask is None:
            return ""
        task = subtask.task
        logger = f"{task.template.logger_package}.{_class_name(subtask.spec.name)}"
        return render_log(subtask.log, logger, task.log_context(subtask), self.clock.now(),
                          self.profile.log_format)

    @_synchronized
    def set_run_time_counting(self, counting):
        self.run_time_counting = check_run_time_counting(counting)

    @_synchronized
    def set_profile(self, name):
        """Play another OCP version from now on (logs and views are rendered on request)."""
        self.profile = check_profile(name)

    # ----------------------------------------------------------------- actions

    @_synchronized
    def retry_task(self, task_id):
        """TaskInstanceManagerImpl.retryTask: FAILED, and not a rollback; runTime + 1."""
        task = self._task(task_id)
        if task.status != FAILED:
            raise IllegalAction(task.id, task.status)
        if task.operation == ROLLBACK:
            # OCP passes the operation where the message expects a state.
            raise IllegalAction(task.id, task.operation)
        now = self.clock.now()
        task.operation = RETRY
        for subtask in task.subtasks:
            if subtask.status == FAILED:
                subtask.run_time += 1
                self._make_ready(subtask, now, RETRY)
        self._settle(task, now)
        return views.task_view(task, self.profile)

    @_synchronized
    def rollback_task(self, task_id):
        """TaskInstanceManagerImpl.rollbackTask.

        Every subtask that is not PENDING gets operation ROLLBACK at once (a SUCCESSFUL one
        keeps its status until its turn), and those whose downstreams are all PENDING become
        READY at once, however many: OCP applies the concurrency cap only when its
        RunningTaskWorker marks more of them later (see _dispatch_rollbacks).
        """
        task = self._task(task_id)
        if task.status != FAILED:
            raise IllegalAction(task.id, task.status)
        if prohibits_rollback(task):
            raise RollbackProhibited(task.id)
        now = self.clock.now()
        task.operation = ROLLBACK
        for subtask in task.subtasks:
            if subtask.status == PENDING:
                continue
            subtask.transition(subtask.status, ROLLBACK)
            if all(downstream.status == PENDING for downstream in subtask.downstream_subtasks()):
                self._make_ready(subtask, now, ROLLBACK)
        self._settle(task, now)
        return views.task_view(task, self.profile)

    @_synchronized
    def retry_subtask(self, task_id, subtask_id):
        """SubtaskInstanceManagerImpl.retrySubtask: FAILED and not ROLLBACK; runTime unchanged.

        OCP looks at the subtask's own operation only, not at the task's.
        """
        subtask = self._subtask(subtask_id)  # OCP does not check it belongs to task_id
        if subtask.status != FAILED:
            raise IllegalAction(subtask.id, subtask.status)
        if subtask.operation == ROLLBACK:
            raise IllegalAction(subtask.id, subtask.operation)
        now = self.clock.now()
        if self.run_time_counting == EVERY_RUN_COUNTING:
            subtask.run_time += 1
        self._make_ready(subtask, now, RETRY)
        self._settle(subtask.task, now)
        return views.subtask_view(subtask, self.profile)

    @_synchronized
    def skip_subtask(self, task_id, subtask_id):
        """SubtaskInstanceManagerImpl.skipSubtask: FAILED; ROLLBACK_SKIP under a rollback."""
        subtask = self._subtask(subtask_id)  # OCP does not check it belongs to task_id
        if subtask.status != FAILED:
            raise IllegalAction(subtask.id, subtask.status, action="skip")
        now = self.clock.now()
        self._make_ready(subtask, now, ROLLBACK_SKIP if subtask.task.rolling_back else SKIP)
        self._settle(subtask.task, now)

    @_synchronized
    def cancel_subtask(self, task_id, subtask_id):
        """SubtaskInstanceManagerImpl.cancelSubtask: RUNNING -> CANCELING."""
        subtask = self._subtask(subtask_id)  # OCP does not check it belongs to task_id
        if subtask.status != RUNNING:
            raise IllegalAction(subtask.id, subtask.status)
        now = self.clock.now()
        subtask.transition(CANCELING)
        self._queue.push(now + timedelta(seconds=CANCEL_DELAY), "cancel_interrupt", subtask)
        self._settle(subtask.task, now)

    # ----------------------------------------------------------------- creation

    @_synchronized
    def create_task(self, template, *, name=None, cluster_id=None, tenant_id=None,
                    host_ids=(), creator=None, task_type="MANUAL", prohibit_rollback=None,
                    faults=None, status_override=None, add_subtasks=None, rename_subtasks=None):
        """Create a task from a template and start it; returns its id.

        status_override is the scenario's `state`: None or "as_is" starts the task now;
        "running" backdates its start so it is part-way through; "finished" runs it to
        completion at once and backdates it (its faults decide whether it ends FAILED).
        faults: {subtask name: [fault dict]} as in the scenario.
        add_subtasks, rename_subtasks: change the template for this task (templates.customized);
        faults name the subtasks as renamed and added.
        """
        template, state, parsed_faults = _checked_options(template, status_override, task_type, faults,
                                                          add_subtasks, rename_subtasks)
        cluster, tenant, hosts = self._scope(cluster_id, tenant_id, host_ids)

        now = self.clock.now()
        host_ips = [host["ip"] for host in hosts] or list(DEFAULT_HOST_IPS)
        plans = expand(template, host_ips)
        task_id = next(self._task_ids)
        task = Task(
            id=task_id,
            name=name or template.task_name,
            template=template,
            cluster=_cluster_view(cluster),
            tenant=_tenant_view(tenant),
            creator=self._creator(creator),
            task_type=task_type,
            prohibit_rollback=template.prohibit_rollback if prohibit_rollback is None else bool(prohibit_rollback),
            host_ids=tuple(host["id"] for host in hosts),
            rng=random.Random(f"{self.seed}:{task_id}"),
            created=now,
            main_host=host_ips[0],
        )
        self._add_subtasks(task, plans, parsed_faults)
        self._tasks[task.id] = task

        if state == "finished":
            self._run_to_completion(task, now)
        elif state == "running":
            head_start = timedelta(seconds=RUNNING_HEAD_START * critical_path_seconds(plans))
            self._start(task, now - head_start)
            self._run_until(now)
        else:
            self._start(task, now)
        return task.id

    def plan_history(self, count):
        """Reserve room for `count` finished tasks about to be created (scenario loading).

        They are backdated one after another, HISTORY_SPACING apart, the last one ending
        now, so their times grow with their ids as in a real OCP's history. Outside of
        such a plan a finished task simply ends now.
        """
        with self.lock:
            self._history_slots = count

    def _add_subtasks(self, task, plans, faults):
        for index, plan in enumerate(plans):
            subtask = Subtask(
                id=next(self._subtask_ids), task=task, index=index, spec=plan.spec,
                series_id=plan.series_id, parallel_idx=plan.parallel_idx, host=plan.host,
                upstreams=plan.upstreams, faults=tuple(faults.get(plan.spec.name, ())))
            task.subtasks.append(subtask)
            self._subtasks[subtask.id] = subtask
        for subtask in task.subtasks:
            for upstream in subtask.upstreams:
                task.subtasks[upstream].downstream.append(subtask.index)

    def _start(self, task, at):
        task.created = task.started = at
        self._settle(task, at)

    def _run_to_completion(self, task, now):
        """Run `task` alone until it stops, then move its history into the past."""
        with self._private_queue():
            self._start(task, now)
            self._run_until(None)
        ends_at = now - HISTORY_SPACING * max(self._history_slots - 1, 0)
        self._history_slots = max(self._history_slots - 1, 0)
        task.shift_times(ends_at - task.finished)

    @contextlib.contextmanager
    def _private_queue(self):
        """Swap in an empty event queue, so only the events of one task get processed."""
        shared, self._queue = self._queue, EventQueue()
        try:
            yield
        finally:
            self._queue = shared

    def _scope(self, cluster_id, tenant_id, host_ids):
        """The cluster, tenant and hosts a task concerns, from whichever ids were given."""
        tenant = _lookup(self.tenants, tenant_id, "tenant")
        hosts = [_lookup(self.hosts, host_id, "host") for host_id in host_ids]
        if cluster_id is None and tenant is not None:
            cluster_id = tenant.get("clusterId")
        if cluster_id is None and hosts:
            cluster_id = hosts[0].get("clusterId")
        cluster = _lookup(self.clusters, cluster_id, "cluster")
        if not hosts and cluster is not None:
            # A task on a cluster concerns every host of it (for the hostId filter).
            hosts = [host for _host_id, host in sorted(self.hosts.items()) if host.get("clusterId") == cluster["id"]]
        return cluster, tenant, hosts

    def _creator(self, creator):
        if isinstance(creator, dict):
            return {"id": creator.get("id"), "name": creator.get("name")}
        name = creator or DEFAULT_CREATOR_NAME
        user_id = self._creator_ids.setdefault(name, len(self._creator_ids) + 1)
        return {"id": user_id, "name": name}

    # ----------------------------------------------------------------- simulation

    def _run_until(self, until):
        while (event := self._queue.pop_due(until)) is not None:
            at, _sequence, kind, subtask_id, token = event
            subtask = self._subtasks[subtask_id]
            if subtask.token != token:
                continue  # overtaken by a later transition
            self._HANDLERS[kind](self, subtask, at)
            self._settle(subtask.task, at)

    def _settle(self, task, at):
        """Let the task move on after a change: hand out work, then recompute its status.

        Like OCP's RunningTaskWorker, no new work is handed out while a subtask is FAILED
        (not even while it waits for its automatic retry). A task's finishTime is set each
        time it ends and never cleared: OCP writes it with the state and nothing resets it
        when a retry or rollback makes the task RUNNING again.
        """
        task.touch()  # every change of a task ends here (views.py caches per revision)
        if not has_failed_subtask(task):
            if task.rolling_back:
                self._dispatch_rollbacks(task, at)
            else:
                self._dispatch_executions(task, at)
        status = derive_status(task)
        if status != task.status:
            task.status = status
            if status != RUNNING:
                task.finished = at
            if status == SUCCESSFUL and task.rolling_back:
                self._undo_creation(task)

    def _undo_creation(self, task):
        """A tenant creation rolled back leaves no tenant: its subtasks' rollbacks undo what they
        created, so the name is free again and a run again may create the tenant anew. The entry
        stays, marked, so that ids are never given twice and tasks may still name it."""
        if task.template.key == "create_tenant" and task.tenant:
            tenant = self.tenants.get(task.tenant.get("id"))
            if tenant is not None:
                tenant["undone"] = True

    def _dispatch_executions(self, task, at):
        """AbstractTaskWorker.doMarkRunningSubtasks: READY+RUNNING stay under the cap.

        Only the state changes, as OCP's bulk update does; the operation stays EXECUTE.
        """
        room = self.max_concurrency - in_progress_count(task)
        for subtask in executable_subtasks(task)[:max(room, 0)]:
            self._make_ready(subtask, at, subtask.operation)

    def _dispatch_rollbacks(self, task, at):
        """AbstractTaskWorker.doMarkRollbackSubtasks: undo the next ones, under the cap.

        OCP only sets READY here and relies on rollbackTask having set the operation; we
        set ROLLBACK again, so a subtask retried forward in the middle of a rollback is
        undone once, where OCP Express would run it forward again at every turn.
        """
        room = self.max_concurrency - in_progress_count(task)
        for subtask in undoable_subtasks(task)[:max(room, 0)]:
            self._make_ready(subtask, at, ROLLBACK)

    def _make_ready(self, subtask, at, operation):
        """READY with `operation`; the scheduler starts it a moment later.

        finishTime stays: OCP's actions and markers set the state only; SubtaskAccessor
        clears it when the run starts (setRunning) or an automatic retry begins (setReady).
        """
        subtask.transition(READY, operation)
        subtask.auto_retry_pending = False
        self._queue.push(at + timedelta(seconds=DISPATCH_DELAY), "start", subtask)

    # Runs. Every run goes READY -> RUNNING through SubtaskAccessor.setRunning (startTime
    # set the first time only, finishTime cleared), then RunnerFactory.doRun writes the
    # separator and JavaSubtaskRunner runs the operation.

    def _on_start(self, subtask, at):
        subtask.transition(RUNNING)
        if subtask.started is None:
            subtask.started = at
        subtask.finished = None
        subtask.executor = views.EXECUTOR
        if subtask.operation == ROLLBACK:
            self._begin_rollback_run(subtask, at)
        elif subtask.operation in (SKIP, ROLLBACK_SKIP):
            self._begin_pass_over(subtask, at)
        else:
            self._begin_run(subtask, at)

    def _begin_run(self, subtask, at):
        subtask.forward_runs += 1
        run = subtask.forward_runs
        duration = self._open_segment(subtask, at, subtask.spec.duration, subtask.spec.log_lines)
        if subtask.fault("hang", run):
            return  # no end and no watchdog: it runs until someone cancels it
        if not subtask.fault("timeout", run):
            self._queue.push(at + duration, "run_done", subtask)
        self._watch_timeout(subtask, at)

    def _begin_rollback_run(self, subtask, at):
        subtask.rollback_runs += 1
        nominal = max(1.0, subtask.spec.duration * ROLLBACK_DURATION_RATIO)
        duration = self._open_segment(subtask, at, nominal, ROLLBACK_LINES)
        self._queue.push(at + duration, "rollback_done", subtask)
        self._watch_timeout(subtask, at)

    def _begin_pass_over(self, subtask, at):
        """A SKIP or ROLLBACK_SKIP run: separator, one line, done (JavaSubtaskRunner.skip)."""
        line = PASS_OVER_LINE.format(operation=subtask.operation)
        self._open_segment(subtask, at, 0, (line,))
        self._queue.push(at, "pass_over_done", subtask)

    def _watch_timeout(self, subtask, at):
        """ReadySubtaskWorker registers an AsyncTimeout of `timeout` seconds for every run."""
        self._queue.push(at + timedelta(seconds=subtask.spec.timeout), "timed_out", subtask)

    def _open_segment(self, subtask, at, nominal_seconds, lines):
        """Open the run's log segment; returns the run's duration."""
        rng = subtask.task.rng
        seconds = round(nominal_seconds * rng.uniform(1 - DURATION_JITTER, 1 + DURATION_JITTER), 3)
        subtask.log.append(RunSegment(
            started=at, operation=subtask.operation, span=seconds, lines=lines,
            thread=rng.randint(1, 32), trace=f"{rng.getrandbits(64):016x}"))
        return timedelta(seconds=seconds)

    def _on_run_done(self, subtask, at):
        fault = subtask.fault("fail_attempts", subtask.forward_runs)
        if fault is None:
            self._end_run(subtask, at, SUCCESSFUL, succeeded=True)
            return
        self._end_run(subtask, at, FAILED, error=fault.message)
        self._schedule_auto_retry(subtask, at)

    def _schedule_auto_retry(self, subtask, at):
        """FailedSubtaskWorker.handleRetry: EXECUTE/RETRY runs retry while runTime <= retryCount."""
        if subtask.operation in (EXECUTE, RETRY) and subtask.run_time <= subtask.spec.retry_count:
            subtask.auto_retry_pending = True
            self._queue.push(at + timedelta(seconds=AUTO_RETRY_DELAY), "auto_retry", subtask)

    def _on_auto_retry(self, subtask, at):
        subtask.run_time += 1
        subtask.finished = None  # SubtaskAccessor.setReady
        self._make_ready(subtask, at, RETRY)

    def _on_timed_out(self, subtask, at):
        """The AsyncTimeout callback (ReadySubtaskWorker): FAILED, then a warning line.

        The operation stays what it was: OCP sets CANCEL only on its in-memory copy, for
        the log, and the run's own end is refused by the row version. As a plain failure
        of an EXECUTE or RETRY run, it is retried automatically while retries remain.
        """
        segment = subtask.log[-1]
        segment.close(at)
        self._set_state(subtask, at, FAILED)
        elapsed = int((at - segment.started).total_seconds())
        message = TIMEOUT_LINE.format(subtask_id=subtask.id, subtask=subtask.spec.name,
                                      elapsed=elapsed, timeout=subtask.spec.timeout)
        subtask.log.append(LogLine(at, "WARN", message, segment.thread, segment.trace))
        self._schedule_auto_retry(subtask, at)

    def _on_cancel_interrupt(self, subtask, at):
        """CancelingSubtaskWorker: interrupt the run, then RUNNING with operation CANCEL."""
        subtask.log[-1].close(at)
        subtask.transition(RUNNING, CANCEL)
        self._queue.push(at + timedelta(seconds=CANCEL_DELAY), "cancel_done", subtask)

    def _on_cancel_done(self, subtask, at):
        """RunningSubtaskWorker: FAILED/CANCEL, then the CANCEL run (JavaSubtaskRunner.cancel).

        The interrupted run writes no state line of its own (its late update loses to the
        row version), so the log shows the state line before the CANCEL separator.
        """
        self._set_state(subtask, at, FAILED)
        line = CANCEL_LINE.format(subtask_id=subtask.id, executor=subtask.executor)
        self._open_segment(subtask, at, 0, (line,))
        subtask.log[-1].close(at, succeeded=True)

    def _on_pass_over_done(self, subtask, at):
        end_state = PENDING if subtask.operation == ROLLBACK_SKIP else SUCCESSFUL
        self._end_run(subtask, at, end_state, succeeded=True)

    def _on_rollback_done(self, subtask, at):
        fault = subtask.fault("fail_rollback", subtask.rollback_runs)
        if fault is None:
            self._end_run(subtask, at, PENDING, succeeded=True)
        else:
            self._end_run(subtask, at, FAILED, error=fault.message)

    def _end_run(self, subtask, at, status, *, error=None, succeeded=False):
        """SubtaskAccessor.setExecuteEnd: close the run's segment, then set the state."""
        subtask.log[-1].close(at, error=error, succeeded=succeeded)
        self._set_state(subtask, at, status)

    def _set_state(self, subtask, at, status):
        """SubtaskAccessor.setFailed/setExecuteEnd: finishTime, state, and its log line."""
        previous = subtask.status
        subtask.transition(status)
        subtask.finished = at
        if state_is_logged(status, subtask.operation):
            run = next((record for record in reversed(subtask.log) if isinstance(record, RunSegment)), None)
            subtask.log.append(StateLine(subtask.operation, status, previous=previous, at=at,
                                         thread=run.thread if run else 1, trace=run.trace if run else ""))

    _HANDLERS = {
        "start": _on_start,
        "run_done": _on_run_done,
        "auto_retry": _on_auto_retry,
        "timed_out": _on_timed_out,
        "cancel_interrupt": _on_cancel_interrupt,
        "cancel_done": _on_cancel_done,
        "pass_over_done": _on_pass_over_done,
        "rollback_done": _on_rollback_done,
    }

    # ----------------------------------------------------------------- lookups

    def _task(self, task_id):
        task = self._tasks.get(task_id)
        if task is None:
            raise NotFound("task", task_id)
        return task

    def _subtask(self, subtask_id):
        subtask = self._subtasks.get(subtask_id)
        if subtask is None:
            raise NotFound("subtask", subtask_id)
        return subtask


def _checked_options(template_key, status_override, task_type, faults, add_subtasks=None, rename_subtasks=None):
    """(template, start state, parsed faults) for create_task, or BadRequest."""
    if template_key not in TEMPLATES:
        raise BadRequest(f"unknown template {template_key!r}, expected one of {sorted(TEMPLATES)}")
    try:
        template = customized(TEMPLATES[template_key], add_subtasks, rename_subtasks)
    except ValueError as error:
        raise BadRequest(str(error)) from None
    state = status_override or "as_is"
    if state not in START_STATES:
        raise BadRequest(f"state must be one of {START_STATES}, got {state!r}")
    if task_type not in TASK_TYPES:
        raise BadRequest(f"type must be one of {TASK_TYPES}, got {task_type!r}")
    try:
        parsed_faults = parse_faults(subtask_names(template), faults)
    except ValueError as error:
        raise BadRequest(f"faults: {error}") from None
    if state == "finished" and _has_hang(parsed_faults):
        raise BadRequest("a task with a hang fault never finishes; use state as_is or running")
    return template, state, parsed_faults


def _lookup(inventory, ident, kind):
    if ident is None:
        return None
    if ident not in inventory:
        raise BadRequest(f"{kind} {ident} does not exist")
    return inventory[ident]


def _cluster_view(cluster):
    if cluster is None:
        return None
    return {key: cluster.get(key) for key in ("id", "name", "obClusterId", "type")}


def _tenant_view(tenant):
    if tenant is None:
        return None
    return {key: tenant.get(key) for key in ("id", "name", "obTenantId", "mode")}


def check_run_time_counting(counting):
    if counting not in RUN_TIME_COUNTINGS:
        raise BadRequest(f"run_time_counting must be one of {list(RUN_TIME_COUNTINGS)}, got {counting!r}")
    return counting


def check_profile(name):
    """The profiles.Profile called `name`, or BadRequest."""
    try:
        return profile_named(name)
    except UnknownProfile as error:
        raise BadRequest(str(error)) from None


def _has_hang(faults):
    return any(fault.kind == "hang" for subtask_faults in faults.values() for fault in subtask_faults)


def _class_name(subtask_name):
    """"Create resource pool" -> "CreateResourcePoolTask", the Java class in log lines."""
    words = "".join(c if c.isalnum() else " " for c in subtask_name).split()
    return "".join(word[:1].upper() + word[1:] for word in words) + "Task"
