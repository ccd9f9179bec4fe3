# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runs of a subtask, as its log records them, and why a run failed.

OCP's ``runTime`` is not a count of runs: a subtask retry leaves it unchanged, only a task retry
and OCP's automatic retry add 1 (docs/ocp-behaviour.md#task-and-subtask-states; OCP Express
``SubtaskInstanceManagerImpl.retrySubtask``), and other OCP versions may count differently. What
records every run is the log: the runner starts each run with one separator line naming its
operation and start time (OCP Express ``RunnerFactory.SEPARATOR_FORMAT``), and each terminal
transition writes a ``Set state for subtask`` line. OCP writes Spring log lines, a blank line
after each, and the state change as the message of one of them (docs/ocp-behaviour.md#subtask-logs,
LOG-2 to LOG-4; OCP's own sample, abridged)::

    ############{EXECUTE}{2021-08-25T15:09:32.697+08:00}############
    2021-08-25 15:09:32.716  INFO 57200 --- [pool-subtask-executor-thread-32,8ae3dcf2e4374658,d286cf9d6de4] ...
        ... c.a.o.c.m.t.model.SubtaskInstanceEntity  : Run subtask, id=13000335, ...

    2021-08-25 15:09:33.073  INFO 57200 --- [pool-subtask-executor-thread-32,8ae3dcf2e4374658,d286cf9d6de4] ...
        ... c.a.o.c.m.t.model.SubtaskInstanceEntity  : Set state for subtask: 13000335, current state: RUNNING, new state: SUCCESSFUL

OCP Express writes the state change as a line of its own, with the operation (LOG-5)::

    ############{RETRY}{2024-01-08T10:21:07.123+08:00}############
    2024-01-08 10:21:09.000 ERROR [subtask-executor-4,3c4d] c.o.o.s.t.b.tenant.CreateResourcePoolTask : ERROR 4012 ...
    Set state for subtask: 12, operation:RETRY, state: FAILED

Both are read. So attempts, the latest run, its start and the cause of a failure are read off these lines; the
supervisor, the action modules and the EDA source all read them here. Both spellings of the
separator are read (an older simulator wrote no braces around the operation). A log without any
separator (an OCP that writes none, or no log at all) knows nothing of runs: callers then fall
back on ``runTime``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import re

from ansible_collections.oceanbase.ocp.plugins.module_utils.vocabulary import CANCEL, FORWARD_OPERATIONS, ROLLBACK

_SEPARATOR = re.compile(r'^#{4,}\{?([A-Z_]+)\}?\{([^{}]*)\}#{4,}\s*$')
# The state line, in either form (docs/ocp-behaviour.md#subtask-logs): OCP Express writes a record
# of its own, ``Set state for subtask: 12, operation:RETRY, state: FAILED`` (LOG-5); OCP writes it as
# the message of a Spring log line, ``... SubtaskInstanceEntity  : Set state for subtask: 12, current
# state: RUNNING, new state: FAILED`` (LOG-4), without the operation: the run's separator names it.
_STATE_LINE = re.compile(r'(?:^|\s:\s)Set state for subtask:\s*(\d+),\s*(?:operation:\s*([A-Z_]+),\s*state:\s*([A-Z_]+)'
                         r'|current state:\s*[A-Z_]+,\s*new state:\s*([A-Z_]+))')
# A log line: "<date> <time> <LEVEL> ...", the level right-aligned in 5 characters by OCP's Spring
# layout ("2021-08-25 15:09:32.716  INFO 57200 --- [<thread>,<trace>,<span>] <logger> : <message>",
# LOG-3) and left as it is by OCP Express ("... ERROR [<thread>,<trace>] <logger> : <message>").
_LEVEL = re.compile(r'^\S+ \S+\s+(ERROR|WARN|INFO|DEBUG)\b')
_MESSAGE = re.compile(r' : (.*)$')
ROLLBACK_OPERATION = ROLLBACK
CANCEL_OPERATION = CANCEL
# How many trailing lines of a failed run's log a failure result, a report or an event carries.
LOG_EXCERPT_LINES = 10


class Run(collections.namedtuple('Run', ['number', 'operation', 'started', 'lines', 'states'])):
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
        """The operation the run failed under (CANCEL for a cancelled run), or None."""
        for operation, state in self.states:
            if state == 'FAILED':
                return operation
        return None


def is_separator(line):
    return _SEPARATOR.match(line.strip()) is not None


def _is_state_line(line):
    return bool(_STATE_LINE.search(line.strip()))


def _state(line, run_operation):
    """``(operation, state)`` of a state line, or None: OCP's form names no operation, so the run's
    (from its separator) stands in."""
    found = _STATE_LINE.search(line.strip())
    if not found:
        return None
    if found.group(4):
        return (run_operation, found.group(4))
    return (found.group(2), found.group(3))


def subtask_runs(log_text):
    """The runs a subtask's log shows, oldest first; an empty log has none.

    Lines before the first separator (a log written without them) make up the first run.
    """
    runs = []
    current = None
    for line in (log_text or '').splitlines():
        separator = _SEPARATOR.match(line.strip())
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
        state = _state(line, current['operation'])
        if state:
            current['states'].append(state)
    return [Run(number=index + 1, operation=run['operation'], started=run['started'], lines=run['lines'],
                states=run['states'])
            for index, run in enumerate(runs)]


class SubtaskRuns(object):
    """What a subtask's log says about its runs. ``log`` is the text of OCP's log endpoint."""

    def __init__(self, log):
        self.runs = subtask_runs(log)
        self._separated = [run for run in self.runs if run.operation is not None]

    @property
    def known(self):
        """Whether the log records runs at all (it has at least one separator)."""
        return bool(self._separated)

    def count(self, *operations):
        return len([run for run in self._separated if run.operation in operations])

    @property
    def attempts(self):
        """How many times the subtask's work was tried (EXECUTE and RETRY runs)."""
        return self.count(*FORWARD_OPERATIONS)

    @property
    def rollbacks(self):
        return self.count(ROLLBACK_OPERATION)

    @property
    def cancels(self):
        """Cancels sent by someone: OCP's runner writes a CANCEL run for them, not for a timeout."""
        return self.count(CANCEL_OPERATION)

    def _latest(self):
        # A CANCEL run stops the run before it: the two belong together.
        for run in reversed(self.runs):
            if run.operation != CANCEL_OPERATION:
                return run
        return self.runs[-1] if self.runs else None

    @property
    def latest_started(self):
        """The start time (as OCP wrote it) of the latest run, or None without separators."""
        latest = self._latest()
        return latest.started if latest else None

    @property
    def latest_operation(self):
        latest = self._latest()
        return latest.operation if latest else None

    def latest_run_lines(self):
        """The lines of the latest run and of what followed it (a cancel); the whole log without separators."""
        latest = self._latest()
        if latest is None:
            return []
        return [line for run in self.runs[latest.number - 1:] for line in run.lines]

    @property
    def key(self):
        """Changes with every new run: (number of runs, the latest separator's start time)."""
        return (len(self._separated), self._separated[-1].started if self._separated else None)


def cause_line(lines):
    """Why a run failed, from its lines: the message of its last ERROR line (of its last line when it
    has none), OCP's ``Set state`` bookkeeping and separators left out; None for no such line.

    ``2024-01-08 10:20:02.000 ERROR [executor-3,1a2b] c.o.o.Task : ERROR 4012 (HY000): Timeout``
    gives ``ERROR 4012 (HY000): Timeout``.
    """
    meaningful = [line for line in lines if line.strip() and not _is_state_line(line) and not is_separator(line)]
    errors = [line for line in meaningful if (_LEVEL.match(line) and _LEVEL.match(line).group(1) == 'ERROR')
              or line.lstrip().startswith('ERROR')]
    chosen = errors[-1] if errors else (meaningful[-1] if meaningful else None)
    if chosen is None:
        return None
    if _LEVEL.match(chosen):
        message = _MESSAGE.search(chosen)
        if message:
            return message.group(1).strip()
    return chosen.strip()


def failure_reason(run):
    """Why ``run`` failed (see cause_line), or None."""
    return cause_line(run.lines)


def failure_lines(run, limit):
    """The last ``limit`` lines of a run that say why it failed, bookkeeping lines left out."""
    lines = [line for line in run.lines if line.strip() and not _is_state_line(line)]
    return lines[-limit:] if limit > 0 else []
