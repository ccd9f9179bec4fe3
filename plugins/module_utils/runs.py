# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runs of a subtask, as its log records them.

OCP's ``runTime`` is not a count of runs: a subtask retry leaves it unchanged, only a task retry
and OCP's automatic retry add 1 (FACTS.md, "States and operations"; OCP Express
``SubtaskInstanceManagerImpl.retrySubtask``), and other OCP versions may count differently. What
records every run is the log: the runner starts each run with one separator line naming its
operation and start time (OCP Express ``RunnerFactory.SEPARATOR_FORMAT``)::

    ############{RETRY}{2024-01-08T10:21:07.123+08:00}############

So attempts, the latest run and its start are read off these lines. A log without any separator
(an OCP that writes none, or no log at all) knows nothing of runs: callers then fall back on
``runTime``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import re

# Braces around the operation are what OCP writes; an older simulator wrote none, so both are read.
_SEPARATOR = re.compile(r'^#{4,}\{?([A-Z_]+)\}?\{([^{}]*)\}#{4,}\s*$')
# Operations of runs that try the subtask's work (as opposed to undoing, skipping or cancelling it).
FORWARD_OPERATIONS = frozenset(['EXECUTE', 'RETRY'])
ROLLBACK_OPERATION = 'ROLLBACK'
CANCEL_OPERATION = 'CANCEL'
# OCP's bookkeeping line at each terminal state (OCP Express SubtaskAccessor.setState): never a cause.
STATE_LINE_PREFIX = 'Set state for subtask:'


Run = collections.namedtuple('Run', ['operation', 'started', 'line'])
Run.__doc__ = """One run: its ``operation``, its start time as OCP wrote it, and the index of its separator line."""


def is_separator(line):
    return _SEPARATOR.match(line.strip()) is not None


class SubtaskRuns(object):
    """What a subtask's log says about its runs. ``log`` is the text of OCP's log endpoint."""

    def __init__(self, log):
        self.lines = (log or '').splitlines()
        self.runs = []
        for index, line in enumerate(self.lines):
            found = _SEPARATOR.match(line.strip())
            if found:
                self.runs.append(Run(found.group(1), found.group(2), index))

    @property
    def known(self):
        """Whether the log records runs at all (it has at least one separator)."""
        return bool(self.runs)

    def count(self, *operations):
        return len([run for run in self.runs if run.operation in operations])

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
        """The lines of the latest run and what followed it (a cancel); the whole log without separators."""
        latest = self._latest()
        return self.lines[latest.line:] if latest else list(self.lines)

    @property
    def key(self):
        """Changes with every new run: (number of runs, the latest separator's start time)."""
        return (len(self.runs), self.runs[-1].started if self.runs else None)


def cause_line(lines):
    """The last line that says why a run failed: not a separator, not OCP's state bookkeeping.

    An ERROR line wins over a later plain one (a cancel's closing remarks, a stack frame).
    """
    meaningful = [line.strip() for line in lines
                  if line.strip() and not line.startswith(STATE_LINE_PREFIX) and not is_separator(line)]
    errors = [line for line in meaningful if ' ERROR ' in line or line.startswith('ERROR')]
    if errors:
        return errors[-1]
    return meaningful[-1] if meaningful else None
