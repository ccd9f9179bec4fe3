# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a subtask's log as a list of runs: what each run was, whether it failed, and why.

OCP keeps no history of a subtask's runs except its log (FACTS.md, "Log"): every run starts with
a separator line naming its operation and start time, and every terminal transition appends a
``Set state for subtask`` line. ``runTime`` is no count of runs (a subtask retry leaves it as it
is), so the number of a run, which event keys rely on, is counted here, from the separators.

Both spellings of the separator are read: ``############{RETRY}{<time>}############`` (OCP) and
``############RETRY{<time>}############`` (older builds of the simulator).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import re

_RUN_SEPARATOR = re.compile(r'^#{6,}\{?([A-Z_]+)\}?\{([^{}]*)\}#{6,}\s*$')
_STATE_LINE = re.compile(r'^Set state for subtask:\s*(\d+),\s*operation:\s*([A-Z_]+),\s*state:\s*([A-Z_]+)')
# OCP's log lines: "<date> <time> <LEVEL> [<thread>,<trace>] <logger> : <message>".
_LEVEL = re.compile(r'^\S+ \S+ (ERROR|WARN|INFO|DEBUG)\b')
_MESSAGE = re.compile(r' : (.*)$')


class SubtaskRun(collections.namedtuple('SubtaskRun', ['number', 'operation', 'started', 'lines', 'states'])):
    """One run of a subtask, as its log tells it.

    ``number`` counts from 1; ``operation`` (EXECUTE, RETRY, ROLLBACK...) and ``started`` (OCP's
    timestamp text) come from the separator and are None for a log without separators; ``lines``
    are the run's lines (the separator excluded); ``states`` the ``(operation, state)`` of each
    ``Set state`` line in it, in order: a failed run later skipped shows FAILED, then SUCCESSFUL.
    """

    __slots__ = ()

    @property
    def failed(self):
        return any(state == 'FAILED' for _operation, state in self.states)

    @property
    def failed_operation(self):
        """The operation the run failed under (CANCEL for a cancelled or timed-out run), or None."""
        for operation, state in self.states:
            if state == 'FAILED':
                return operation
        return None


def subtask_runs(log_text):
    """The runs a subtask's log shows, oldest first; an empty log has none.

    Lines before the first separator (a log written without them) make up the first run.
    """
    runs = []
    current = None
    for line in (log_text or '').splitlines():
        separator = _RUN_SEPARATOR.match(line.strip())
        if separator:
            current = dict(operation=separator.group(1), started=separator.group(2) or None, lines=[], states=[])
            runs.append(current)
            continue
        if current is None:
            if not line.strip():
                continue
            current = dict(operation=None, started=None, lines=[], states=[])
            runs.append(current)
        current['lines'].append(line)
        state = _STATE_LINE.match(line.strip())
        if state:
            current['states'].append((state.group(2), state.group(3)))
    return [SubtaskRun(number=index + 1, operation=run['operation'], started=run['started'],
                       lines=run['lines'], states=run['states'])
            for index, run in enumerate(runs)]


def _is_state_line(line):
    return bool(_STATE_LINE.match(line.strip()))


def failure_lines(run, limit):
    """The last ``limit`` lines of a run that say why it failed, bookkeeping lines left out."""
    lines = [line for line in run.lines if line.strip() and not _is_state_line(line)]
    return lines[-limit:] if limit > 0 else []


def failure_reason(run):
    """The message of the run's last ERROR line (its last line when it has none), or None."""
    lines = [line for line in run.lines if line.strip() and not _is_state_line(line)]
    errors = [line for line in lines if (_LEVEL.match(line) and _LEVEL.match(line).group(1) == 'ERROR')
              or line.lstrip().startswith('ERROR')]
    chosen = errors[-1] if errors else (lines[-1] if lines else None)
    if chosen is None:
        return None
    if _LEVEL.match(chosen):
        message = _MESSAGE.search(chosen)
        if message:
            return message.group(1).strip()
    return chosen.strip()
