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
    It affects runs first..last (1-based; rollback runs are counted on their own).
    """

    kind: str
    first: int
    last: int
    message: str = None

    def applies_to(self, run_number):
        return self.first <= run_number <= self.last


def parse_fault(raw):
    """A Fault from its scenario form; ValueError says what is wrong.

    `fail_attempts: [N, M]` fails runs N..M. `hang`, `timeout` and `fail_rollback` hit
    only the first (rollback) run unless `attempts: [N, M]` says otherwise, so that an
    operator's cancel-and-retry or second rollback can succeed, as in real incidents.
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
        first, last = _run_range(raw[kind], kind)
    else:
        if raw[kind] is not True:
            raise ValueError(f"{kind} must be true")
        first, last = _run_range(raw.get("attempts", [1, 1]), "attempts")
    message = raw.get("message", DEFAULT_FAULT_MESSAGES.get(kind))
    if message is not None and not isinstance(message, str):
        raise ValueError("message must be a string")
    return Fault(kind, first, last, message)


def _run_range(value, key):
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value, value]
    valid = (isinstance(value, list) and len(value) in (1, 2)
             and all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in value))
    if not valid:
        raise ValueError(f"{key} must be [N, M] with 1 <= N <= M, got {value!r}")
    first, last = value[0], value[-1]
    if first > last:
        raise ValueError(f"{key} must be [N, M] with N <= M, got {value!r}")
    return first, last


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
    run_time: int = 1             # number of the current or next run
    rollback_runs: int = 0
    started: object = None        # datetime of the latest run's start
    finished: object = None       # datetime of the latest terminal transition
    executor: str = None
    auto_retry_pending: bool = False   # FAILED but about to retry by itself
    awaiting_rollback: bool = False    # not yet attempted by the current rollback
    token: int = 0                # bumped on every transition; older events are stale
    downstream: list = field(default_factory=list)  # indices into task.subtasks
    log: list = field(default_factory=list)         # logs.LogSegment

    def transition(self, status, operation=None):
        self.status = status
        if operation is not None:
            self.operation = operation
        self.token += 1

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
        for segment in self.log:
            segment.shift(delta)

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
    prohibit_rollback: bool
    host_ids: tuple
    rng: object                   # random.Random private to this task
    created: object               # datetime
    main_host: str = None         # the host ip that subtasks not bound to one host talk to
    status: str = RUNNING
    operation: str = EXECUTE
    started: object = None
    finished: object = None
    subtasks: list = field(default_factory=list)

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
        }

    def shift_times(self, delta):
        """Move the whole history of the task by `delta` (used to backdate finished tasks)."""
        self.created += delta
        self.started += delta
        if self.finished is not None:
            self.finished += delta
        for subtask in self.subtasks:
            subtask.shift_times(delta)


def derive_status(task):
    """OCP's rule: work in progress -> RUNNING; else any FAILED -> FAILED; else SUCCESSFUL.

    A subtask about to retry by itself counts as work in progress, which is why a FAILED
    subtask inside a RUNNING task is not final. PENDING subtasks stuck behind a FAILED
    one do not count: that task is FAILED.
    """
    subtasks = task.subtasks
    if any(s.status in IN_PROGRESS or s.auto_retry_pending for s in subtasks):
        return RUNNING
    if any(s.status == FAILED for s in subtasks):
        return FAILED
    return SUCCESSFUL


def in_progress_count(task):
    return sum(1 for s in task.subtasks if s.status in (READY, RUNNING))


def executable_subtasks(task):
    """PENDING subtasks whose upstreams all succeeded, in dependency order."""
    return [
        s for s in task.subtasks
        if s.status == PENDING and all(u.status == SUCCESSFUL for u in s.upstream_subtasks())
    ]


def undoable_subtasks(task):
    """Subtasks the rollback may undo now: not yet attempted, every downstream undone."""
    return [
        s for s in reversed(task.subtasks)
        if s.awaiting_rollback and all(d.status == PENDING for d in s.downstream_subtasks())
    ]
