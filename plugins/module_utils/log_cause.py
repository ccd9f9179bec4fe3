# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which line of a failed subtask's log says why it failed.

OCP's subtask logs hold every run of the subtask, oldest first. Besides what the subtask itself
wrote, OCP adds bookkeeping that never explains a failure: a separator at the start of each run
(``############{RETRY}{2024-01-08T10:21:07.123+08:00}############``, older versions without the
braces around the operation) and ``Set state for subtask: ...`` at each change of state. The
cause is in the last run: its last ERROR line, or failing that its last line of its own.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

_RUN_SEPARATOR = re.compile(r'^\s*#{4,}.*#{4,}\s*$')
_STATE_LINE = re.compile(r'^\s*Set state for subtask:')
# The log level of a Java log line ("2024-01-08 10:21:07.123 ERROR [thread] class : message").
_ERROR_LEVEL = re.compile(r'\bERROR\b')


def _is_bookkeeping(line):
    return bool(_RUN_SEPARATOR.match(line) or _STATE_LINE.match(line))


def cause_line(log):
    """The line of ``log`` (the text, or a list of its lines such as the end of it) that says why
    the subtask failed, stripped; None when the log holds nothing but OCP's bookkeeping."""
    lines = log.splitlines() if isinstance(log, str) else list(log or [])
    last_run_start = 0
    for index, line in enumerate(lines):
        if _RUN_SEPARATOR.match(line):
            last_run_start = index + 1
    own_lines = [line.strip() for line in lines[last_run_start:] if line.strip() and not _is_bookkeeping(line)]
    errors = [line for line in own_lines if _ERROR_LEVEL.search(line)]
    if errors:
        return errors[-1]
    return own_lines[-1] if own_lines else None
