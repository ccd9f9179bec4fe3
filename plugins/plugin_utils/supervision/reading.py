# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the supervisor reads from OCP each round: the list of unfinished tasks, tasks, and the logs
that make the evidence its policy decides on.

- The list: every page of RUNNING and FAILED tasks (OCP serves at most 2,000 a page), newest
  first, through the watcher the event source shares (task_list/listing.py). One query a round
  while fewer than 2,000 are unfinished in all of OCP.
- Logs: a subtask's log is read when the policy needs what it records (the attempts of a FAILED
  subtask, the latest run of a RUNNING one past a cancel limit, the actions taken when
  ``max_actions`` is set). A log that cannot change any more (no run goes on and the subtask's
  status, operation and finish time are the same) is read once (task_list/entries.py SettledLogs).
- Log patterns are searched in bounded time (log_search.py), once per run of a subtask.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision import log_search
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.evidence import evidence_from_runs, evidence_from_state
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.policy import subtasks_past_cancel_limits
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.subtask_log import SubtaskRuns
from ansible_collections.oceanbase.ocp.plugins.module_utils.vocabulary import AFTER_A_FIRST_RUN_OPERATIONS, CANCEL_ACTION
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_list.entries import ANY_FAILURE, SettledLogs
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_list.listing import TaskList, Watching

# How the supervision watches the task list (task_list/listing.py Watching), and why:
SUPERVISION_WATCHING = Watching(
    # With this many unfinished tasks or more, one list query per round is cheaper than a read
    # each; with fewer, a read each costs no more and shows what the list lacks.
    detail_below=4,
    # It waits for the tasks it was given: each is on the list of unfinished tasks or read by id,
    # so none can start and end unseen.
    sweep_every=0,
    # A task that left the list is looked up among the tasks that ended last: its entry shows
    # its subtasks (what the report counts) and, for a success by forward runs or a rollback's
    # marks, its outcome, so only a task the entry leaves in doubt is read.
    ended_from_list=True,
    # A change of a task that shows a failed subtask may make a decision due: whether OCP has
    # stopped retrying the subtask, and what its log says, are in the detail only.
    failures=ANY_FAILURE)


class Reader(object):
    """Reads for one supervision, through ``api`` (a TaskApi); ``search`` is log_search.search or a stand-in."""

    def __init__(self, api, policy, search=log_search.search):
        self.api = api
        self.policy = policy
        self.task_list = TaskList(api, SUPERVISION_WATCHING)
        self._search = search
        self._log_rules = [rule for rule in policy.rules if 'log' in rule.match]
        self._cancel_log_rules = any(rule.action == CANCEL_ACTION for rule in self._log_rules)
        self._counts_actions = policy.max_actions is not None
        # Per settled subtask log: (SubtaskRuns, matched rule indexes, timed out).
        self._settled = SettledLogs()
        # Patterns that did not finish in time, by (subtask id, run key): reported once.
        self.search_timeouts = []

    # ------------------------------------------------------------ tasks

    def unfinished_tasks(self):
        """Every RUNNING or FAILED task in OCP as a list entry, by id: all pages."""
        return self.task_list.unfinished()

    def task(self, task_id):
        return self.api.get_task(task_id)

    # ------------------------------------------------------------ evidence

    def _wanted(self, task, subtask, past_limits):
        status, operation = subtask.get('status'), subtask.get('operation')
        if status == 'FAILED':
            return True
        if status == 'RUNNING' and subtask.get('id') in past_limits:
            return True
        # Operations that leave a trace worth counting against max_actions.
        return self._counts_actions and operation in AFTER_A_FIRST_RUN_OPERATIONS

    def evidence(self, task, now):
        """{subtask id: evidence.Evidence} for ``task`` (a detail read), reading the logs it needs."""
        past_limits = subtasks_past_cancel_limits(self.policy, task, now) if any(
            rule.action == CANCEL_ACTION for rule in self.policy.rules) else []
        found = {}
        for subtask in task.get('subtasks') or []:
            if not self._wanted(task, subtask, past_limits):
                found[subtask.get('id')] = evidence_from_state(subtask, now)
                continue
            runs, matched, timed_out = self._runs(task, subtask)
            found[subtask.get('id')] = evidence_from_runs(subtask, runs, now, matched, timed_out)
        return found

    def runs(self, task_id, subtask):
        """The subtask's runs.SubtaskRuns, from a log read once while the subtask does not change."""
        return self._runs(dict(id=task_id), subtask)[0]

    def _runs(self, task, subtask):
        def read():
            runs = SubtaskRuns(self.api.get_subtask_log(task.get('id'), subtask.get('id')))
            matched, timed_out = self._match_logs(subtask, runs)
            return runs, matched, timed_out
        return self._settled.get(subtask, read)

    def _match_logs(self, subtask, runs):
        rules = self._log_rules
        if subtask.get('status') == 'RUNNING' and not self._cancel_log_rules:
            return frozenset(), frozenset()
        if not rules:
            return frozenset(), frozenset()
        searched = self._search([rule.match['log'] for rule in rules], runs.latest_run_lines())
        matched = frozenset(rule.index for rule in rules if rule.match['log'] in searched.matched)
        timed_out = frozenset(rule.index for rule in rules if rule.match['log'] in searched.timed_out)
        if timed_out:
            self.search_timeouts.append((subtask.get('id'), sorted(timed_out)))
        return matched, timed_out
