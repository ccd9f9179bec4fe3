# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the supervisor reads from OCP each round: the list of unfinished tasks, tasks, and the logs
that make the evidence its policy decides on.

- The list: every page of RUNNING and FAILED tasks (OCP serves at most 2,000 a page), newest
  first. One query a round while fewer than 2,000 are unfinished in all of OCP.
- Logs: a subtask's log is read when the policy needs what it records (the attempts of a FAILED
  subtask, the latest run of a RUNNING one past a cancel limit, the actions taken when
  ``max_actions`` is set). A log that cannot change any more (the subtask is not running and its
  status, operation and finish time are the same) is read once.
- Log patterns are searched in bounded time (log_search.py), once per run of a subtask.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision import log_search
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.evidence import evidence_from_runs, evidence_from_state
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.policy import subtasks_past_cancel_limits
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.subtask_log import SubtaskRuns
from ansible_collections.oceanbase.ocp.plugins.module_utils.vocabulary import AFTER_A_FIRST_RUN_OPERATIONS, CANCEL_ACTION, FAILED, RUNNING


class Reader(object):
    """Reads for one supervision, through ``api`` (a TaskApi); ``search`` is log_search.search or a stand-in."""

    def __init__(self, api, policy, search=log_search.search):
        self.api = api
        self.policy = policy
        self._search = search
        self._log_rules = [rule for rule in policy.rules if 'log' in rule.match]
        self._cancel_log_rules = any(rule.action == CANCEL_ACTION for rule in self._log_rules)
        self._counts_actions = policy.max_actions is not None
        # (subtask id, status, operation, runTime, finishTime) -> (SubtaskRuns, matched rule indexes, timed out)
        self._settled = {}
        # Patterns that did not finish in time, by (subtask id, run key): reported once.
        self.search_timeouts = []

    # ------------------------------------------------------------ tasks

    def unfinished_tasks(self):
        """Every RUNNING or FAILED task in OCP as a list entry, by id: all pages."""
        entries = {}
        for listed, _page_info in self.api.pages({'status': [RUNNING, FAILED]}, sort='id,desc'):
            for entry in listed:
                entries.setdefault(entry.get('id'), entry)
        return entries

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
        key = (subtask.get('id'), subtask.get('status'), subtask.get('operation'), subtask.get('runTime'),
               subtask.get('finishTime'))
        if key in self._settled:
            return self._settled[key]
        runs = SubtaskRuns(self.api.get_subtask_log(task.get('id'), subtask.get('id')))
        matched, timed_out = self._match_logs(subtask, runs)
        result = (runs, matched, timed_out)
        if subtask.get('status') not in ('RUNNING', 'READY', 'CANCELING'):
            self._settled[key] = result
        return result

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
