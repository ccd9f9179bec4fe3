"""The engine's state: tasks, subtasks, their faults, and the rules read off that state.

Nothing here schedules or moves time; engine.py does, by calling these helpers.
"""

from dataclasses import dataclass, field

# Subtask states, and the three a task can be in.
PENDING, READY, RUNNING, CANCELING, FAILED, SUCCESSFUL = (
    "PENDING", "READY", "RUNNING", "CANCELING", "FAILED", "SUCCESSFUL")
# Operations. ROLLBACK_SKIP is OCP's undocumented "skipped while rolling back".
EXECUTE, RETRY, ROLLBACK, SKIP, CANCEL, ROLLBACK_SKIP = (
    "EXECUTE", "RETRY", "ROLLBACK", "SKIP", "CANCEL", "ROLLBACK_SKIP")

# States in which the engine still owes the subtask some work.
IN_PROGRESS = frozenset((READY, RUNNING, CANCELING))

FAULT_KINDS = ("fail_attempts", "hang", "timeout", "fail_rollback")
DEFAULT_FAULT_MESSAGES = {
    "fail_attempts": "Execute subtask failed: simulated fault",
    "fail_rollback": "Rollback subtask failed: simulated fault",
}


@dataclass(frozen=True)
class Fault:
    """Misbehaviour injected into one subtask.

    kind: fail_attempts (a run fails), hang (a run never ends, until cancelled),
    timeout (a run overstays its timeout), fail_rollback (a rollback run fails).
    It affects the runs in `runs` (a frozenset of run numbers) or, when that is None, runs
    first..last, counted by the simulator itself (1-based): forward runs (EXECUTE, RETRY) for
    fail_attempts, hang and timeout, rollback runs for fail_rollback. The count is not OCP's
    runTime, whose rule differs between OCP versions and actions (see
    `TaskEngine.run_time_counting`), so a scenario means the same under either rule.
    """

    kind: str
    first: int
    last: int
    message: str = None
    runs: frozenset = None

    def applies_to(self, run_number):
        if self.runs is not None:
            return run_number in self.runs
        return self.first <= run_number <= self.last


def parse_fault(raw):
    """A Fault from its scenario form; ValueError says what is wrong.

    `fail_attempts` says which runs fail (see _runs for the forms). `hang`, `timeout` and
    `fail_rollback` hit only the first (rollback) run unless `attempts` (same forms) says
    otherwise, so that an operator's cancel-and-retry or second rollback can succeed, as in
    real incidents.
    """
    if not isinstance(raw, dict):
        raise ValueError(f"a fault must be a mapping, got {raw!r}")
    kinds = [key for key in FAULT_KINDS if key in raw]
    if len(kinds) != 1:
        raise ValueError(f"a fault needs exactly one of {', '.join(FAULT_KINDS)}, got {sorted(raw)}")
    kind = kinds[0]
    allowed = {kind, "message"} | ({"attempts"} if kind != "fail_attempts" else set())
    unknown = set(raw) - allowed
    if unknown:
        raise ValueError(f"unknown key(s) {sorted(unknown)} in a {kind} fault")
    if kind == "fail_attempts":
        first, last, runs = _runs(raw[kind], kind)
    else:
        if raw[kind] is not True:
            raise ValueError(f"{kind} must be true")
        first, last, runs = _runs(raw.get("attempts", [1, 1]), "attempts")
    message = raw.get("message", DEFAULT_FAULT_MESSAGES.get(kind))
    if message is not None and not isinstance(message, str):
        raise ValueError("message must be a string")
    return Fault(kind, first, last, message, runs)


RUNS_FORMS = ("N", "[N, M] (runs N to M)", "[a, b, c, ...] (those runs)", "{runs: [a, b]}", "{from: N, to: M}")


def _runs(value, key):
    """(first, last, runs) of the runs a fault hits; runs is None for a range.

    - `3`: run 3; `[3]`: run 3;
    - `[1, 3]`: runs 1 to 3, the range form the simulator always had (two numbers are a range);
    - `[1, 2, 5]`: runs 1, 2 and 5 (one number, or three and more, are run numbers);
    - `{runs: [1, 3]}`: runs 1 and 3, whatever their count;
    - `{from: 2, to: 99}`: runs 2 to 99.
    """
    def run_number(item):
        return isinstance(item, int) and not isinstance(item, bool) and item >= 1

    problem = f"{key} must be one of {', '.join(RUNS_FORMS)} with run numbers >= 1, got {value!r}"
    if isinstance(value, dict):
        if set(value) == {"runs"} and isinstance(value["runs"], list) and value["runs"] \
                and all(map(run_number, value["runs"])):
            return min(value["runs"]), max(value["runs"]), frozenset(value["runs"])
        if set(value) == {"from", "to"} and run_number(value["from"]) and run_number(value["to"]):
            first, last = value["from"], value["to"]
        else:
            raise ValueError(problem)
    elif run_number(value):
        first = last = value
    elif isinstance(value, list) and value and all(map(run_number, value)):
        if len(value) != 2:
            return min(value), max(value), frozenset(value)
        first, last = value
    else:
        raise ValueError(problem)
    if first > last:
        raise ValueError(f"{key}: a range of runs must go up, got {value!r}")
    return first, last, None


def parse_faults(subtask_names, raw):
    """{subtask name: [Fault]} from {subtask name: [fault dict]}; ValueError on any problem."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ValueError("faults must map subtask names to lists of faults")
    parsed = {}
    for name, faults in raw.items():
        if name not in subtask_names:
            raise ValueError(f"no subtask named {name!r}; subtasks are {sorted(subtask_names)}")
        if isinstance(faults, dict):
            faults = [faults]
        if not isinstance(faults, list):
            raise ValueError(f"faults of {name!r} must be a list")
        parsed[name] = [parse_fault(fault) for fault in faults]
    return parsed


@dataclass(eq=False)
class Subtask:
    id: int
    task: "Task"
    index: int                    # position in task.subtasks
    spec: object                  # templates.SubtaskSpec
    series_id: int
    parallel_idx: int
    host: str
    upstreams: tuple              # indices into task.subtasks
    faults: tuple                 # Fault
    status: str = PENDING
    operation: str = EXECUTE
    run_time: int = 1             # OCP's runTime: starts at 1, see TaskEngine.run_time_counting
    forward_runs: int = 0         # EXECUTE/RETRY runs so far, for the fault scripts
    rollback_runs: int = 0        # ROLLBACK runs so far, for the fault scripts
    started: object = None        # datetime of the first run's start (OCP never moves it)
    finished: object = None       # datetime of the latest end, None from RUNNING on
    executor: str = None
    auto_retry_pending: bool = False   # FAILED but about to retry by itself
    token: int = 0                # bumped on every transition; older events are stale
    downstream: list = field(default_factory=list)  # indices into task.subtasks
    log: list = field(default_factory=list)         # logs.RunSegment / StateLine / LogLine

    def transition(self, status, operation=None):
        self.status = status
        if operation is not None:
            self.operation = operation
        self.token += 1
        self.task.touch()

    def fault(self, kind, run_number):
        """The first fault of `kind` that hits run `run_number`, or None."""
        for fault in self.faults:
            if fault.kind == kind and fault.applies_to(run_number):
                return fault
        return None

    def shift_times(self, delta):
        if self.started is not None:
            self.started += delta
        if self.finished is not None:
            self.finished += delta
        for record in self.log:
            record.shift(delta)

    def upstream_subtasks(self):
        return [self.task.subtasks[i] for i in self.upstreams]

    def downstream_subtasks(self):
        return [self.task.subtasks[i] for i in self.downstream]


@dataclass(eq=False)
class Task:
    id: int
    name: str
    template: object              # templates.TaskTemplate
    cluster: dict                 # OCP's cluster shape, or None
    tenant: dict                  # OCP's tenant shape, or None
    creator: dict
    task_type: str
    prohibit_rollback: bool       # the task's own flag; see prohibits_rollback() for OCP's answer
    host_ids: tuple
    rng: object                   # random.Random private to this task
    created: object               # datetime
    main_host: str = None         # the host ip that subtasks not bound to one host talk to
    status: str = RUNNING
    operation: str = EXECUTE
    started: object = None
    finished: object = None
    subtasks: list = field(default_factory=list)
    # Bumped on every change of the task or its subtasks, so views.py can keep what it built for
    # the current revision (a list of 2,000 of 10,000 finished tasks then builds nothing).
    revision: int = 0
    view_cache: dict = field(default_factory=dict)

    def touch(self):
        self.revision += 1

    @property
    def rolling_back(self):
        return self.operation == ROLLBACK

    def log_context(self, subtask):
        """Values for the {placeholders} of the template's log lines and descriptions."""
        return {
            "cluster": self.cluster["name"] if self.cluster else "obcluster",
            "tenant": self.tenant["name"] if self.tenant else "tenant",
            "host": subtask.host or self.main_host,
            "subtask": subtask.spec.name,
            "subtask_id": subtask.id,
            "task_id": self.id,
            "parallel_idx": subtask.parallel_idx,
            "executor": subtask.executor,
        }

    def shift_times(self, delta):
        """Move the whole history of the task by `delta` (used to backdate finished tasks)."""
        self.touch()
        self.created += delta
        self.started += delta
        if self.finished is not None:
            self.finished += delta
        for subtask in self.subtasks:
            subtask.shift_times(delta)


def derive_status(task):
    """The task's status from its subtasks (OCP Express RunningTaskWorker.updateState).

    Work in progress -> RUNNING; else any FAILED -> FAILED; else SUCCESSFUL once every
    subtask is SUCCESSFUL (PENDING under a rollback), RUNNING until then.

    A subtask about to retry by itself counts as work in progress, which is why a FAILED
    subtask inside a RUNNING task is not final. PENDING subtasks stuck behind a FAILED
    one do not count: that task is FAILED. READY and CANCELING count as in progress too,
    where OCP Express only looks at RUNNING: they last a second, and a task that flips to
    FAILED while a subtask is READY would only confuse clients the way a race in OCP does.
    """
    subtasks = task.subtasks
    if any(s.status in IN_PROGRESS or s.auto_retry_pending for s in subtasks):
        return RUNNING
    if any(s.status == FAILED for s in subtasks):
        return FAILED
    done = PENDING if task.rolling_back else SUCCESSFUL
    return SUCCESSFUL if all(s.status == done for s in subtasks) else RUNNING


def has_failed_subtask(task):
    """OCP hands out no new work to a task while any of its subtasks is FAILED."""
    return any(s.status == FAILED for s in task.subtasks)


def prohibits_rollback(task):
    """OCP's prohibitRollback of a task (OCP Express TaskInstanceManagerImpl.prohibitRollback).

    The task's own flag, or any subtask that has run (not PENDING or READY) and prohibits
    rollback: once such a step has been done, the whole task can no longer be undone.
    """
    return task.prohibit_rollback or any(
        s.status not in (PENDING, READY) and s.spec.prohibit_rollback for s in task.subtasks)


def in_progress_count(task):
    return sum(1 for s in task.subtasks if s.status in (READY, RUNNING))


def executable_subtasks(task):
    """PENDING subtasks whose upstreams all succeeded, in dependency order."""
    return [
        s for s in task.subtasks
        if s.status == PENDING and all(u.status == SUCCESSFUL for u in s.upstream_subtasks())
    ]


def undoable_subtasks(task):
    """SUCCESSFUL subtasks a rollback may undo now (every downstream undone), last first."""
    return [
        s for s in reversed(task.subtasks)
        if s.status == SUCCESSFUL and all(d.status == PENDING for d in s.downstream_subtasks())
    ]
