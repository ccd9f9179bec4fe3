"""Subtask logs, stored compactly and rendered on request.

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
- `StateLine`: `Set state for subtask: <id>, operation:<OP>, state: <STATE>`, written by
  `SubtaskAccessor.setState` when a subtask reaches FAILED or SUCCESSFUL, or PENDING under
  operation ROLLBACK (see `state_is_logged`).
- `LogLine`: a line written outside any run, such as OCP's timeout callback.
"""

from datetime import timedelta

from .javatime import offset_date_time_string

ROLLBACK_LINES = (
    "Start to rollback subtask {subtask}",
    "Revert the changes made by subtask {subtask}",
    "Rollback of subtask {subtask} finished",
)
# What OCP Express's JavaSubtaskRunner logs for a run that does nothing.
PASS_OVER_LINE = "Operation is {operation}, do nothing"
CANCEL_LINE = "Cancel subtask, id={subtask_id}, executor={executor}"
TIMEOUT_LINE = "Receive timeout callback, id={subtask_id}, name={subtask}, elapsed={elapsed}, timeout={timeout}"


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

    def render(self, logger, context, now):
        out = [f"############{{{self.operation}}}{{{offset_date_time_string(self.started)}}}############"]
        visible_until = self.ended or now
        shown = self.lines if self.succeeded else self.lines[:-1]
        steps = max(len(self.lines) - 1, 1)
        for index, template in enumerate(shown):
            at = self.started + timedelta(seconds=self.span * index / steps)
            if at <= visible_until:
                out.append(_line(at, "INFO", self.thread, self.trace, logger, template.format_map(context)))
        if self.error:
            out.append(_line(self.ended, "ERROR", self.thread, self.trace, logger, self.error))
        return out


class StateLine:
    """`Set state for subtask: ...`, as SubtaskAccessor.setState writes it."""

    __slots__ = ("operation", "state")

    def __init__(self, operation, state):
        self.operation = operation
        self.state = state

    def shift(self, delta):
        pass

    def render(self, _logger, context, _now):
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

    def render(self, logger, _context, now):
        if self.at > now:
            return []
        return [_line(self.at, self.level, self.thread, self.trace, logger, self.message)]


def render_log(records, logger, context, now):
    """The full log text of a subtask; "" when it has none yet."""
    out = []
    for record in records:
        out += record.render(logger, context, now)
    return "\n".join(out)


def _line(at, level, thread, trace, logger, message):
    stamp = at.strftime("%Y-%m-%d %H:%M:%S.") + f"{at.microsecond // 1000:03d}"
    return f"{stamp} {level} [subtask-executor-{thread},{trace}] {logger} : {message}"
