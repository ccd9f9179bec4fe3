# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the supervisor reports: progress lines while it waits, and the result when it ends.

Results read like OCP's objects, once: each task with its outcome, its state, what was done to it
and why, and for a task that did not succeed, its failed subtasks with the log line that says why
(and the subtasks still running, with how long, for one that timed out).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpClientError
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.labels import (
    explain_failed_subtask,
    object_label,
    subtask_label,
    task_label,
    task_objects,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.snapshot import failed_subtasks
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.subtask_log import LOG_EXCERPT_LINES, cause_line
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.timestamps import format_duration, parse_time
from ansible_collections.oceanbase.ocp.plugins.module_utils.vocabulary import (
    FAILED_OUTCOME,
    NOT_FOUND,
    OUTCOMES,
    POSSIBLY_APPLIED,
    ROLLED_BACK,
    SUCCEEDED,
    TAKEN,
    TIMED_OUT,
    UNREADABLE,
    WOULD_SEND,
)

# A progress line names at most this many tasks, so 200 tasks do not flood the output.
PROGRESS_MAX_TASKS = 10


def _progress(task):
    subtasks = task.get('subtasks') or []
    return len([s for s in subtasks if s.get('status') == 'SUCCESSFUL']), len(subtasks)


def _task_label(record):
    return task_label(dict(id=record.task_id, name=record.latest.get('name')))


def _counts(records, check_mode):
    counts = dict((outcome, 0) for outcome in OUTCOMES)
    running = []
    for record in records:
        if record.finished:
            counts[record.outcome] += 1
        elif check_mode and record.latest.get('status') == 'FAILED':
            counts[FAILED_OUTCOME] += 1  # nothing waited for in check mode: a FAILED task is failed, not running
        else:
            running.append(record)
    return counts, running


def progress_line(records, elapsed, check_mode=False):
    """``after 1m05s: 2 running, ...; task 1024 'Create tenant' RUNNING 3/7; ...``."""
    counts, running = _counts(records, check_mode)
    taken = sum(len([a for a in record.actions if a['result'] in TAKEN]) for record in records)
    would = sum(len([a for a in record.actions if a['result'] == WOULD_SEND]) for record in records)
    parts = []
    for record in running[:PROGRESS_MAX_TASKS]:
        done, total = _progress(record.latest)
        parts.append('%s %s %d/%d' % (_task_label(record), record.latest.get('status'), done, total))
    if len(running) > PROGRESS_MAX_TASKS:
        parts.append('and %d more' % (len(running) - PROGRESS_MAX_TASKS,))
    acted = '%d action(s) would be sent' % (would,) if check_mode else '%d action(s) sent' % (taken,)
    text = 'after %s: %d running, %d succeeded, %d failed, %d rolled back' % (
        format_duration(elapsed), len(running), counts[SUCCEEDED], counts[FAILED_OUTCOME], counts[ROLLED_BACK])
    for outcome, label in ((TIMED_OUT, 'timed out'), (NOT_FOUND, 'not found'), (UNREADABLE, 'unreadable')):
        if counts[outcome]:
            text += ', %d %s' % (counts[outcome], label)
    text += ', ' + acted
    return text + ('; ' + '; '.join(parts) if parts else '')


def final_line(records, elapsed, check_mode=False):
    """The last progress line: how the wait ended, naming what is still running when it timed out."""
    timed_out = [record for record in records if record.outcome == TIMED_OUT]
    if check_mode:
        return 'checked (check mode, nothing sent) ' + progress_line(records, elapsed, check_mode)
    if not timed_out:
        return 'done ' + progress_line(records, elapsed)
    lines = []
    for record in timed_out[:PROGRESS_MAX_TASKS]:
        running = running_subtasks(record, None)
        what = ', '.join("'%s' running for %s" % (s['name'], format_duration(s['running_for']))
                         if s.get('running_for') is not None else "'%s' %s" % (s['name'], s['status'])
                         for s in running[:3])
        lines.append('%s still %s%s' % (_task_label(record), record.latest.get('status'),
                                        ' (%s)' % (what,) if what else ''))
    counts, _running = _counts(records, check_mode)
    taken = sum(record.taken for record in records)
    more = ' and %d more' % (len(timed_out) - PROGRESS_MAX_TASKS,) if len(timed_out) > PROGRESS_MAX_TASKS else ''
    return 'timed out after %s with %d task(s) unfinished (%d succeeded, %d failed, %d rolled back, %d action(s) ' \
        'sent): %s%s' % (format_duration(elapsed), len(timed_out), counts[SUCCEEDED], counts[FAILED_OUTCOME],
                         counts[ROLLED_BACK], taken, '; '.join(lines), more)


def running_subtasks(record, now):
    """The subtasks of a task that were still at work when last read, with how long (when known)."""
    found = []
    reference = now or record.read_at
    for subtask in record.latest.get('subtasks') or []:
        if subtask.get('status') not in ('RUNNING', 'READY', 'CANCELING'):
            continue
        entry = dict(id=subtask.get('id'), name=subtask.get('name'), description=subtask.get('description'),
                     status=subtask.get('status'), running_for=None)
        proof = record.evidence.get(subtask.get('id')) if record.evidence else None
        started = proof.run_started if proof is not None else None
        if started is None and subtask.get('startTime') and reference is not None:
            try:
                started = parse_time(subtask['startTime'], reference)
            except OcpClientError:
                started = None  # a time this collection cannot read: how long is unknown
        if started is not None and reference is not None and subtask.get('status') == 'RUNNING':
            entry['running_for'] = max(int((reference - started).total_seconds()), 0)
        found.append(entry)
    return found


def failed_subtask_entries(record, read_runs):
    """The FAILED subtasks of a task that did not succeed, each with its cause and the end of its log.

    ``read_runs(task_id, subtask)`` returns its runs.SubtaskRuns (reading.Reader reads each log once).
    """
    entries = []
    for subtask in failed_subtasks(record.latest):
        try:
            lines = read_runs(record.task_id, subtask).latest_run_lines()
            excerpt = lines[-LOG_EXCERPT_LINES:]
            cause = cause_line(lines)
        except Exception as error:  # pylint: disable=broad-except
            # The outcome matters more than one missing log.
            excerpt, cause = ['(the log could not be read: %s)' % (error,)], None
        proof = record.evidence.get(subtask.get('id')) if record.evidence else None
        entries.append(dict(id=subtask.get('id'), name=subtask.get('name'), description=subtask.get('description'),
                            status=subtask.get('status'), operation=subtask.get('operation'),
                            runTime=subtask.get('runTime'), attempts=proof.attempts if proof else None,
                            cause=cause, log_excerpt=excerpt))
    return entries


def task_result(record, read_runs, planned):
    task = record.latest
    done, total = _progress(task)
    result = dict(id=record.task_id, name=task.get('name'), objects=task_objects(task),
                  outcome=record.outcome, status=task.get('status'),
                  operation=task.get('operation'), subtasks_done=done, subtasks_total=total,
                  actions=record.actions, decisions=record.decisions, planned=planned, failed_subtasks=[],
                  running_subtasks=[])
    if record.outcome == NOT_FOUND:
        return result
    if record.outcome != SUCCEEDED:
        result['failed_subtasks'] = failed_subtask_entries(record, read_runs)
        if not result['failed_subtasks'] and record.failed_before_rollback:
            # Rolled back (or rolling back): the subtasks are PENDING now; the cause is the failure before.
            result['failed_subtasks'] = [dict(entry, before_rollback=True) for entry in record.failed_before_rollback]
    if record.outcome in (TIMED_OUT, None):
        result['running_subtasks'] = running_subtasks(record, None)
    return result


def summary(tasks):
    counts = dict((outcome, len([t for t in tasks if t['outcome'] == outcome])) for outcome in OUTCOMES)
    counts.update(total=len(tasks), unfinished=len([t for t in tasks if t['outcome'] is None]),
                  actions_sent=sum(len([a for a in t['actions'] if a['result'] in TAKEN]) for t in tasks),
                  actions_possibly_applied=sum(len([a for a in t['actions'] if a['result'] == POSSIBLY_APPLIED])
                                               for t in tasks),
                  actions_would_send=sum(len([a for a in t['actions'] if a['result'] == WOULD_SEND]) for t in tasks))
    return counts


def explain(task):
    """One explanation of why a task did not succeed: each failed subtask with its cause, then the decisions."""
    reasons = [explain_failed_subtask(subtask, subtask.get('cause')) for subtask in task.get('failed_subtasks') or []]
    for subtask in task.get('running_subtasks') or []:
        if subtask.get('running_for') is not None:
            reasons.append('%s running for %s' % (subtask_label(subtask), format_duration(subtask['running_for'])))
    reasons.extend(decision['reason'] for decision in task.get('decisions') or [])
    # What the supervision did that led here (a rollback, a refused retry), by the rule that did it.
    reasons.extend(action_sentence(action) for action in task.get('actions') or []
                   if action.get('result') != WOULD_SEND)
    return '; '.join(reason for reason in reasons if reason)


PAST_TENSE = {'retry': 'retried', 'skip': 'skipped', 'rollback': 'rolled back', 'cancel': 'cancelled'}


def action_sentence(action):
    """``rolled back by rule 'anything else'``; a refused one says what OCP answered."""
    if action.get('result') == 'refused':
        return 'the %s%s by %s was refused: %s' % (action.get('action'), _of_subtask(action), _rule_words(action),
                                                   action.get('error') or 'OCP gave no reason')
    text = '%s%s by %s' % (PAST_TENSE.get(action.get('action'), action.get('action')), _of_subtask(action),
                           _rule_words(action))
    if action.get('result') not in (None, 'sent'):
        text += ' (%s)' % (action.get('result').replace('_', ' '),)
    return text


def _rule_words(action):
    if action.get('rule_name'):
        return "rule '%s'" % (action['rule_name'],)
    if action.get('rule_index') is not None:
        return 'rule %d' % (action['rule_index'],)
    return 'the policy'


def heading(task):
    """``task 1004 'Create tenant' (tenant t_report in cluster obcluster)``: the task and what it works on."""
    text = task_label(task)
    objects = object_label(dict(tenant=(task.get('objects') or {}).get('tenant'),
                                cluster=(task.get('objects') or {}).get('cluster')))
    return '%s (%s)' % (text, objects) if objects else text


def check_mode_message(result):
    """Check mode's one line: what the policy would do to each task, and what it would leave as it is."""
    parts = []
    for task in result['tasks']:
        would = ['%s (%s)' % (_would(action), action['reason'])
                 for action in task.get('actions') or [] if action.get('result') == WOULD_SEND]
        left = ['%s: %s' % ('cannot be read' if decision.get('result') == UNREADABLE else 'would leave it failed',
                            decision['reason'])
                for decision in task.get('decisions') or [] if decision.get('reason')]
        if not would and not left:
            continue
        causes = [explain_failed_subtask(subtask, subtask.get('cause')) for subtask in task.get('failed_subtasks') or []]
        parts.append('%s %s: %s' % (heading(task), task.get('status') or 'in an unknown state',
                                    '; '.join(causes + would + left)))
    counts = result['summary']
    text = 'check mode, nothing sent: %d of %d task(s) call for a decision, %d action(s) would be sent' % (
        len(parts), counts['total'], counts['actions_would_send'])
    return text + (': ' + ' | '.join(parts) if parts else '')


def _would(action):
    """``would retry subtask 12 'Create resource pool'``, from a report's action entry."""
    verb = {'rollback': 'roll back'}.get(action.get('action'), action.get('action'))
    if action.get('action') == 'rollback' or action.get('subtask_id') is None:
        return 'would %s the task' % (verb,)
    return 'would %s %s' % (verb, subtask_label(dict(id=action['subtask_id'], name=action.get('subtask_name'))))


def _of_subtask(action):
    if action.get('action') == 'rollback' or action.get('subtask_id') is None:
        return ''
    return ' of ' + subtask_label(dict(id=action['subtask_id'], name=action.get('subtask_name')))


def unsuccessful_message(result):
    """One line naming the tasks that did not succeed and why, for the failure of the plugin."""
    parts = []
    for task in result['tasks']:
        if task['outcome'] == SUCCEEDED:
            continue
        text = '%s %s' % (heading(task), task['outcome'] or 'unfinished')
        if task['outcome'] == NOT_FOUND:
            text += ' (OCP knows no task with this id)'
        elif task.get('status'):
            text += ' (%s/%s)' % (task['status'], task.get('operation') or 'no operation')
        why = explain(task)
        if why:
            text += ': ' + why
        parts.append(text)
    counts = result['summary']
    return '%d of %d task(s) did not succeed: %s' % (counts['total'] - counts[SUCCEEDED], counts['total'],
                                                     ' | '.join(parts))


def left_unfinished_lines(records):
    """One line per task the supervision leaves unfinished when it is stopped (Ctrl-C, SIGTERM, the
    controller gone): it goes on in OCP, and how to pick it up."""
    lines = []
    for record in records:
        if record.finished:
            continue
        task = dict(id=record.task_id, name=record.latest.get('name'), objects=task_objects(record.latest))
        lines.append('ocp_task_wait: stopped; %s goes on in OCP, unsupervised: to pick it up, run the playbook again '
                     '(the supervision reads OCP\'s records and sends no action twice) or wait for task %s with '
                     'oceanbase.ocp.ocp_task_wait' % (heading(task), record.task_id))
    return lines
