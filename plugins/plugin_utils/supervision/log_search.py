# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Search a policy's log patterns in a subtask's log in bounded time, whatever the log and the pattern.

Policies are written by people, logs by OCP. A pattern such as ``.*ERROR.*Timeout`` on a 2 MB line
backtracks for minutes, and Python's ``re`` cannot be interrupted from another thread. So:

- each pattern is searched line by line, in the lines of the latest run only (subtask_log.py), each line
  cut at ``MAX_LINE_CHARS`` and at most the last ``MAX_LINES`` lines;
- the search runs in a child Python process that the caller kills after ``timeout`` seconds (and
  that kills itself with an alarm, should the caller die first); a pattern that did not finish in
  time counts as not matching, and the caller is told which.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import select
import subprocess
import sys
import time

MAX_LINE_CHARS = 4096
MAX_LINES = 2000
SEARCH_TIMEOUT = 5.0

# The child: patterns and lines as JSON on stdin, one "index:0|1" line per pattern as it finishes.
_CHILD = r'''
import json, re, signal, sys
signal.alarm(int(sys.argv[1]))  # the default action ends the process, even inside re
job = json.load(sys.stdin)
for index, pattern in enumerate(job["patterns"]):
    compiled = re.compile(pattern)
    found = any(compiled.search(line) for line in job["lines"])
    sys.stdout.write("%d:%d\n" % (index, found))
    sys.stdout.flush()
'''


def bounded_lines(lines):
    """The lines a search looks at: the last MAX_LINES, each cut at MAX_LINE_CHARS."""
    return [line[:MAX_LINE_CHARS] for line in lines[-MAX_LINES:]]


class SearchResult(object):
    """Which patterns matched; ``timed_out`` holds the patterns that did not finish in time."""

    def __init__(self, matched, timed_out):
        self.matched = frozenset(matched)
        self.timed_out = frozenset(timed_out)


def search(patterns, lines, timeout=SEARCH_TIMEOUT, clock=time.monotonic):
    """Search each compiled pattern of ``patterns`` in ``lines`` within ``timeout`` seconds in all."""
    patterns = list(patterns)
    if not patterns:
        return SearchResult([], [])
    job = json.dumps(dict(patterns=[p.pattern for p in patterns], lines=bounded_lines(lines)))
    child = subprocess.Popen([sys.executable, '-c', _CHILD, '%d' % (int(timeout) + 2)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    finished = {}
    try:
        child.stdin.write(job.encode('utf-8'))
        child.stdin.close()
        deadline = clock() + timeout
        pending = b''
        while len(finished) < len(patterns):
            left = deadline - clock()
            if left <= 0 or not select.select([child.stdout], [], [], left)[0]:
                break
            chunk = os.read(child.stdout.fileno(), 4096)
            if not chunk:
                break
            pending += chunk
            while b'\n' in pending:
                line, pending = pending.split(b'\n', 1)
                index, found = line.decode('ascii').split(':')
                finished[int(index)] = found == '1'
    except (OSError, ValueError):
        pass  # a child that died or wrote nonsense: its unfinished patterns count as timed out
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        child.stdout.close()
    matched = [patterns[index] for index, found in finished.items() if found]
    timed_out = [pattern for index, pattern in enumerate(patterns) if index not in finished]
    return SearchResult(matched, timed_out)
