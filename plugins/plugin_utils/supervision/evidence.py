# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What OCP records about a subtask, in the terms the policy counts in; and the actions it records.

Pure: the supervisor reads the logs (reading.py) and hands them here. Counting follows OCP's
records, never our own memory, so a restarted supervision, a second one next to it, a fork of
``ocp_task_action`` and a person in the web console all add to the same counts:

- attempts: the EXECUTE and RETRY runs in the subtask's log (subtask_log.py), plus one queued when the
  subtask is READY to run forward. Without separators in the log, ``runTime`` stands in (right on
  OCPs that add 1 per run, low on those that do not: docs/ocp-behaviour.md#task-and-subtask-states).
- rollbacks and cancels: the ROLLBACK and CANCEL runs in the log (a timeout writes no CANCEL run).
- the latest run's start: its separator; OCP's ``startTime`` is the first run's.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import numbers

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpClientError
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.snapshot import ASCII_DIGITS
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.timestamps import parse_time
from ansible_collections.oceanbase.ocp.plugins.module_utils.vocabulary import FORWARD_OPERATIONS


class Evidence(collections.namedtuple('Evidence', [
        'attempts', 'rollbacks', 'cancels', 'run_started', 'runs_known', 'log_matches', 'log_timed_out',
        'run_key'])):
    """What the records say about one subtask.

    ``attempts``, ``rollbacks`` and ``cancels`` are counts; ``run_started`` the latest run's start
    (an aware datetime, or None); ``runs_known`` whether they come from the log; ``log_matches``
    and ``log_timed_out`` the indexes of the rules whose log pattern matched the latest run, or did
    not finish in time (empty when the log was not searched); ``run_key`` changes with every run.
    """

    __slots__ = ()


def _number(value):
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and ASCII_DIGITS.fullmatch(value):
        return int(value)
    return None


def _time(text, now):
    if not text:
        return None
    try:
        return parse_time(text, now)
    except OcpClientError:
        return None


def evidence_from_state(subtask, now):
    """Evidence from the subtask as read, without its log."""
    run_time = _number(subtask.get('runTime'))
    operation = subtask.get('operation')
    return Evidence(
        attempts=run_time if run_time is not None else 1,
        rollbacks=1 if operation == 'ROLLBACK' and subtask.get('status') in ('FAILED', 'RUNNING', 'READY') else 0,
        cancels=1 if operation == 'CANCEL' else 0,
        run_started=_time(subtask.get('startTime'), now),
        runs_known=False, log_matches=frozenset(), log_timed_out=frozenset(),
        run_key=(subtask.get('status'), operation, subtask.get('runTime'), subtask.get('finishTime')))


def evidence_from_runs(subtask, runs, now, log_matches=(), log_timed_out=()):
    """Evidence from the subtask and its parsed log (runs.SubtaskRuns); ``log_matches`` and
    ``log_timed_out`` are rule indexes from the log search."""
    if not runs.known:
        return evidence_from_state(subtask, now)._replace(
            log_matches=frozenset(log_matches), log_timed_out=frozenset(log_timed_out))
    queued = subtask.get('status') == 'READY' and subtask.get('operation') in FORWARD_OPERATIONS
    return Evidence(
        attempts=runs.attempts + (1 if queued else 0),
        rollbacks=runs.rollbacks, cancels=runs.cancels,
        run_started=_time(runs.latest_started, now) or _time(subtask.get('startTime'), now),
        runs_known=True, log_matches=frozenset(log_matches), log_timed_out=frozenset(log_timed_out),
        run_key=(subtask.get('status'), subtask.get('operation'), subtask.get('finishTime'), runs.key))


def _automatic_retries(subtask):
    """The most retries OCP may have made by itself: at most ``retryCount``, and each raised ``runTime``.

    OCP's API does not show ``retryCount`` (some versions may): without it, none are assumed, so
    OCP's own retries count as actions and ``max_actions`` errs on the safe side.
    """
    retry_count, run_time = _number(subtask.get('retryCount')), _number(subtask.get('runTime'))
    if retry_count is None:
        return 0
    return min(retry_count, max((run_time or 1) - 1, 0))


def actions_recorded(task, evidence=None, now=None):
    """How many actions OCP's records of ``task`` show were taken on it, by anyone.

    A rollback for each time the task was rolled back, a skip for each subtask skipped (not those
    OCP passes over itself because they prohibit rollback), a cancel for each CANCEL run (or, with
    no log, a subtask whose operation is CANCEL), and a retry for each attempt beyond the first and
    beyond OCP's own automatic retries. A list entry (no ``runTime``) shows a retry only by its
    operation RETRY, so it counts one.
    """
    evidence = evidence or {}
    subtasks = task.get('subtasks') or []
    proofs = dict((s.get('id'), evidence.get(s.get('id')) or evidence_from_state(s, now)) for s in subtasks)
    rollbacks = max([1 if task.get('operation') == 'ROLLBACK' else 0] + [p.rollbacks for p in proofs.values()])
    count = rollbacks
    for subtask in subtasks:
        proof = proofs[subtask.get('id')]
        operation = subtask.get('operation')
        if operation == 'SKIP' or (operation == 'ROLLBACK_SKIP' and not subtask.get('prohibitRollback')):
            count += 1
        count += proof.cancels
        if proof.runs_known:
            count += max(proof.attempts - 1 - _automatic_retries(subtask), 0)
        elif subtask.get('runTime') is None:
            count += 1 if operation == 'RETRY' else 0
        else:
            count += max(proof.attempts - 1 - _automatic_retries(subtask), 0)
    return count
