"""Subtask logs, stored compactly and rendered on request, in the format of the OCP version.

A subtask's log is the list of records OCP appends to its `subtask_log` table, oldest
first; `GET .../log` joins them with "\\n" (OCP Express `TaskService.getSubtaskDetail`).
Only times and references to the template's lines are stored, so 10,000 finished tasks
cost little memory; the text is built when a client asks for it. A running segment shows
only the lines whose time has come, like a growing log file.

Three kinds of record, each written where OCP Express writes it:

- `RunSegment`: one run of the subtask (EXECUTE, RETRY, ROLLBACK, SKIP, ROLLBACK_SKIP,
  CANCEL). It starts with `############{OPERATION}{<OffsetDateTime.toString()>}############`
  (`RunnerFactory.SEPARATOR_FORMAT`, written by `RunnerFactory.doRun` before the runner),
  then the run's log lines, then the error of a failed run.
- `StateLine`: written by `SubtaskAccessor.setState` when a subtask reaches FAILED or
  SUCCESSFUL, or PENDING under operation ROLLBACK (see `state_is_logged`).
- `LogLine`: a line written outside any run, such as OCP's timeout callback.

Two formats (profiles.Profile.log_format), the separator the same in both:

- SPRING_LOG, OCP's documented log (1100.task-management/500.query-subtask-instance-logs.md,
  the same sample from V3.1.1 to V4.2.2): every line is a Spring Boot log line,
  `%d{yyyy-MM-dd HH:mm:ss.SSS} %5p PID --- [thread,traceId,spanId] %-40.40logger{39} : %m%n`,
  so it ends with a newline and the join leaves a blank line between entries; a run opens
  with `Run subtask, id=..., context=Context(...), executor=...` and the state line is one of
  those lines: `Set state for subtask: 13000335, current state: RUNNING, new state: SUCCESSFUL`,
  from logger `c.a.o.c.m.t.model.SubtaskInstanceEntity`.
- EXPRESS_LOG, as the simulator wrote it for OCP Express: `<time> <LEVEL> [subtask-executor-N,trace]
  <logger> : <message>` lines without a newline, and the state line as a bare record,
  `Set state for subtask: <id>, operation:<OP>, state: <STATE>` (SubtaskAccessor.setState).
"""

from datetime import timedelta

from .javatime import offset_date_time_string
from .profiles import SPRING_LOG

ROLLBACK_LINES = (
    "Start to rollback subtask {subtask}",
    "Revert the changes made by subtask {subtask}",
    "Rollback of subtask {subtask} finished",
)
# What OCP Express's JavaSubtaskRunner logs for a run that does nothing.
PASS_OVER_LINE = "Operation is {operation}, do nothing"
CANCEL_LINE = "Cancel subtask, id={subtask_id}, executor={executor}"
TIMEOUT_LINE = "Receive timeout callback, id={subtask_id}, name={subtask}, elapsed={elapsed}, timeout={timeout}"
# OCP's own logger for the subtask bookkeeping lines, as in its documented sample.
ENTITY_LOGGER = "c.a.o.c.m.t.model.SubtaskInstanceEntity"
RUN_LINE = ("Run subtask, id={subtask_id}, context=Context(parallelIdx={parallel_idx}, "
            "stringMap={{task_instance_id={task_id}, task_operation={operation_lower}, "
            "sub_task_instance_id={subtask_id}}}, listMap={{}}), executor={executor}")
# The process id in Spring's lines: one OCP server runs every task of the simulation.
OCP_PID = 57200


def state_is_logged(state, operation):
    """SubtaskAccessor.setState's rule: terminal states, and a rolled-back subtask's PENDING."""
    return state in ("FAILED", "SUCCESSFUL") or (operation == "ROLLBACK" and state == "PENDING")


class RunSegment:
    """One run: separator, progress lines (the last one only on success), error."""

    __slots__ = ("started", "operation", "span", "lines", "thread", "trace", "ended", "succeeded", "error")

    def __init__(self, started, operation, span=0.0, lines=(), thread=1, trace=""):
        self.started = started        # datetime of the separator
        self.operation = operation
        self.span = span              # seconds the progress lines are spread over
        self.lines = lines            # templates filled from the log context
        self.thread = thread          # executor thread number shown in lines
        self.trace = trace            # trace id shown in lines
        self.ended = None             # datetime, None while running
        self.succeeded = False
        self.error = None             # shown as an ERROR line at `ended`

    def close(self, at, error=None, succeeded=False):
        if self.ended is None:
            self.ended = at
            self.error = error
            self.succeeded = succeeded

    def shift(self, delta):
        self.started += delta
        if self.ended is not None:
            self.ended += delta

    def render(self, logger, context, now, log_format):
        line = _LINE_WRITERS[log_format]
        out = [f"############{{{self.operation}}}{{{offset_date_time_string(self.started)}}}############"]
        if log_format == SPRING_LOG:
            run = RUN_LINE.format_map({**context, "operation_lower": self.operation.lower()})
            out.append(line(self.started, "INFO", self.thread, self.trace, ENTITY_LOGGER, run))
        visible_until = self.ended or now
        shown = self.lines if self.succeeded else self.lines[:-1]
        steps = max(len(self.lines) - 1, 1)
        for index, template in enumerate(shown):
            at = self.started + timedelta(seconds=self.span * index / steps)
            if at <= visible_until:
                out.append(line(at, "INFO", self.thread, self.trace, logger, template.format_map(context)))
        if self.error:
            out.append(line(self.ended, "ERROR", self.thread, self.trace, logger, self.error))
        return out


class StateLine:
    """`Set state for subtask: ...`, as SubtaskAccessor.setState writes it."""

    __slots__ = ("operation", "previous", "state", "at", "thread", "trace")

    def __init__(self, operation, state, previous=None, at=None, thread=1, trace=""):
        self.operation = operation
        self.state = state
        self.previous = previous      # the state before, for OCP's "current state: ..."
        self.at = at
        self.thread = thread
        self.trace = trace

    def shift(self, delta):
        if self.at is not None:
            self.at += delta

    def render(self, _logger, context, _now, log_format):
        if log_format == SPRING_LOG:
            message = (f"Set state for subtask: {context['subtask_id']}, current state: {self.previous}, "
                       f"new state: {self.state}")
            return [_spring_line(self.at, "INFO", self.thread, self.trace, ENTITY_LOGGER, message)]
        return [f"Set state for subtask: {context['subtask_id']}, operation:{self.operation}, state: {self.state}"]


class LogLine:
    """A single log line outside any run."""

    __slots__ = ("at", "level", "message", "thread", "trace")

    def __init__(self, at, level, message, thread=1, trace=""):
        self.at = at
        self.level = level
        self.message = message        # already filled in
        self.thread = thread
        self.trace = trace

    def shift(self, delta):
        self.at += delta

    def render(self, logger, _context, now, log_format):
        if self.at > now:
            return []
        return [_LINE_WRITERS[log_format](self.at, self.level, self.thread, self.trace, logger, self.message)]


def render_log(records, logger, context, now, log_format="express"):
    """The full log text of a subtask; "" when it has none yet."""
    out = []
    for record in records:
        out += record.render(logger, context, now, log_format)
    return "\n".join(out)


def _stamp(at):
    return at.strftime("%Y-%m-%d %H:%M:%S.") + f"{at.microsecond // 1000:03d}"


def _express_line(at, level, thread, trace, logger, message):
    return f"{_stamp(at)} {level} [subtask-executor-{thread},{trace}] {logger} : {message}"


def _spring_line(at, level, thread, trace, logger, message):
    """`%d %5p PID --- [%t,%X{traceId},%X{spanId}] %-40.40logger{39} : %m%n` (Spring Boot's
    file pattern, which OCP Express's config_properties.yaml spells out too)."""
    span = f"{int(trace or '0', 16) * 0x9E3779B97F4A7C15 % 2**48:012x}"
    column = abbreviate_logger(logger, 39).ljust(40)[-40:]
    return (f"{_stamp(at)} {level:>5} {OCP_PID} --- [pool-subtask-executor-thread-{thread},{trace},{span}] "
            f"{column} : {message}\n")


_LINE_WRITERS = {SPRING_LOG: _spring_line, "express": _express_line}


def abbreviate_logger(name, target):
    """Logback's `%logger{target}`: package segments cut to their first letter, from the left,
    until the name fits (the class name itself is never cut)."""
    if len(name) <= target:
        return name
    *packages, simple = name.split(".")
    length = len(name)
    for index, package in enumerate(packages):
        if length <= target:
            break
        length -= len(package) - 1
        packages[index] = package[:1]
    return ".".join(packages + [simple])
