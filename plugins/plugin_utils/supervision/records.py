# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a supervision knows and remembers: per task, and about OCP not answering."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.backoff import Backoff
from ansible_collections.oceanbase.ocp.plugins.module_utils.vocabulary import TAKEN

# Without an answer from OCP, rounds come this much further apart each time (up to max_sleep).
OUTAGE_BACKOFF_FACTOR = 2


class TaskRecord(object):
    """What the supervisor knows about one task, and what it did to it."""

    def __init__(self, task_id):
        self.task_id = task_id
        # The last detail read (and when, in OCP's time), the list entry of a later round, and the
        # fingerprint of the entry last listed (task_list/entries.py).
        self.task = None
        self.read_at = None
        self.listed = None
        self.fingerprint = None
        self.evidence = {}
        self.outcome = None
        self.actions = []
        self.decisions = []
        self.pending = []
        self.needs_read = False
        # When a cancel rule may next apply (OCP's time), or None: the task is read again then.
        self.cancel_check_at = None
        # After OCP answered 429/503 to an action: nothing is sent before this moment.
        self.not_before = None
        # Actions whose answer was lost while OCP could not be read: (entry, action, task before).
        self.unconfirmed = []
        # The actions OCP's records showed when the task was first read, and last read.
        self.recorded_at_start = None
        self.recorded_now = 0
        # The failed subtasks (with their causes) that called for a rollback, read before it was
        # sent: a rolled-back task's subtasks are PENDING, so only this says why it was rolled back.
        self.failed_before_rollback = []

    @property
    def finished(self):
        return self.outcome is not None

    @property
    def latest(self):
        """The freshest view of the task: its list entry when newer than the last read."""
        if self.listed is not None:
            return self.listed
        return self.task or {}

    @property
    def taken(self):
        return len([entry for entry in self.actions if entry['result'] in TAKEN])

    def next_due(self):
        """The earliest moment something is due (an action's not_before, a cancel check), or None."""
        times = [action.not_before for action in self.pending if action.not_before is not None]
        for moment in (self.cancel_check_at, self.not_before):
            if moment is not None:
                times.append(moment)
        return min(times) if times else None


class Outage(object):
    """OCP not answering: since when, why, and how long to wait before the next round."""

    def __init__(self, since, sleep, max_sleep):
        self.since = since
        self.reason = None
        self.failures = 0
        self._backoff = Backoff(sleep, max_sleep, factor=OUTAGE_BACKOFF_FACTOR)
        self._pauses = 0

    def next_pause(self, retry_after):
        self._pauses += 1
        return self._backoff.pause(self._pauses, retry_after)
