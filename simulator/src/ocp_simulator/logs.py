"""Subtask logs, stored compactly and rendered on request.

A subtask keeps one `LogSegment` per run (and one per bare state change, such as a
skip). Only times and references to the template's lines are stored, so 10,000
finished tasks cost little memory; the text is built when a client asks for it.
A running segment shows only the lines whose time has come, like a growing log file.

Rendered format (FACTS.md): each run starts with
`############{OPERATION}{<ISO time>}############`, then OCP-style log lines, then any
error, and every terminal transition ends with
`Set state for subtask: <id>, operation:<OP>, state: <STATE>`.
"""

from dataclasses import dataclass
from datetime import timedelta

ROLLBACK_LINES = (
    "Start to rollback subtask {subtask}",
    "Revert the changes made by subtask {subtask}",
    "Rollback of subtask {subtask} finished",
)
ROLLBACK_PROHIBITED_LINES = ("Rollback is prohibited for subtask {subtask}, skip it",)


@dataclass
class LogSegment:
    started: object               # datetime
    operation: str = None         # run operation for the header; None: no header
    span: float = 0.0             # seconds the progress lines are spread over
    lines: tuple = ()             # template lines; the last one only appears on success
    thread: int = 1               # executor thread number shown in lines
    trace: str = ""               # trace id shown in lines
    ended: object = None          # datetime, None while running
    succeeded: bool = False
    error: str = None             # shown as an ERROR line at `ended`
    final_operation: str = None   # for the closing "Set state" line
    final_state: str = None

    def close(self, at, state, operation, error=None, succeeded=False):
        self.ended = at
        self.final_state = state
        self.final_operation = operation
        self.error = error
        self.succeeded = succeeded

    def shift(self, delta):
        self.started += delta
        if self.ended is not None:
            self.ended += delta


def render_log(segments, subtask_id, logger, context, now):
    """The full log text of a subtask; "" when it has none yet."""
    out = []
    for segment in segments:
        out += _render_segment(segment, subtask_id, logger, context, now)
    return "\n".join(out)


def _render_segment(segment, subtask_id, logger, context, now):
    out = []
    if segment.operation:
        out.append(f"############{segment.operation}{{{_iso(segment.started)}}}############")
    visible_until = segment.ended or now
    for at, template in _progress_lines(segment):
        if at <= visible_until:
            out.append(_line(at, "INFO", segment, logger, template.format_map(context)))
    if segment.error:
        out.append(_line(segment.ended, "ERROR", segment, logger, segment.error))
    if segment.final_state:
        out.append(
            f"Set state for subtask: {subtask_id}, operation:{segment.final_operation}, "
            f"state: {segment.final_state}"
        )
    return out


def _progress_lines(segment):
    """(time, template) for each line; a run that did not succeed never prints its last."""
    lines = segment.lines if segment.succeeded else segment.lines[:-1]
    steps = max(len(segment.lines) - 1, 1)
    return [
        (segment.started + timedelta(seconds=segment.span * index / steps), template)
        for index, template in enumerate(lines)
    ]


def _line(at, level, segment, logger, message):
    stamp = at.strftime("%Y-%m-%d %H:%M:%S.") + f"{at.microsecond // 1000:03d}"
    return f"{stamp} {level} [subtask-executor-{segment.thread},{segment.trace}] {logger} : {message}"


def _iso(at):
    return at.isoformat(timespec="milliseconds")
