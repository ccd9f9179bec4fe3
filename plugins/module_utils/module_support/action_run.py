# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Carry out a task or subtask action for a module: read, decide, send at most once, wait, report.

The decisions themselves are in actions/legality.py and actions/effects.py, sending at most once
in actions/send_once.py; this is the part that says what the module reports and how it fails.
``ocp_task_action`` and ``ocp_subtask_action`` build a target (TaskTarget or SubtaskTarget) and
hand it to ``run_action_module``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible_collections.oceanbase.ocp.plugins.module_utils.actions.effects import (
    expected_wait_outcomes,
    predict_after,
    state_diff,
    still_called_for,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.actions.legality import decide_subtask_action, decide_task_action
from ansible_collections.oceanbase.ocp.plugins.module_utils.actions.selection import SubtaskSelectionError, select_subtask
from ansible_collections.oceanbase.ocp.plugins.module_utils.actions.send_once import (
    MOVED,
    NOT_CARRIED_OUT,
    NOT_SENT,
    REJECTED,
    SendOnce,
    any_read_error,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpError, OcpPermissionError
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.arguments import (
    ocp_argument_spec,
    wait_argument_spec,
    wait_option_errors,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.results import fail_from_error
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.waiter import TaskWaiter, wait_failure_message
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.snapshot import failed_subtasks
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.subtask_log import LOG_EXCERPT_LINES, SubtaskRuns, cause_line
from ansible_collections.oceanbase.ocp.plugins.module_utils.vocabulary import (
    ALREADY_DONE,
    APPLY,
    IMPOSSIBLE,
    NOT_APPLICABLE,
    POSSIBLY_APPLIED,
    REFUSED,
    SENT,
    TIMED_OUT,
)


class TaskTarget:
    """A task action (retry, rollback) on one task."""

    def __init__(self, api, action, task_id):
        self.api = api
        self.action = action
        self.task_id = task_id

    def select(self, task):
        """Nothing to select within a task; returns None."""
        return None

    def decide(self, task, subtask):
        return decide_task_action(self.action, task)

    def describe(self):
        return '%s of task %s' % (self.action, self.task_id)

    def target_subtask_id(self):
        return None


class SubtaskTarget:
    """A subtask action (cancel, retry, skip) on the subtask of a task given by id, by name, by
    description (which names the host of a per-host subtask), or by name and description."""

    def __init__(self, api, action, task_id, subtask_id=None, subtask_name=None, name_match='exact',
                 subtask_description=None, description_match='exact'):
        self.api = api
        self.action = action
        self.task_id = task_id
        self.subtask_id = subtask_id
        self.subtask_name = subtask_name
        self.name_match = name_match
        self.subtask_description = subtask_description
        self.description_match = description_match

    def select(self, task):
        """The subtask to act on; remembers its id, so later reads find the same one."""
        subtask = select_subtask(task, self.subtask_id, self.subtask_name, self.name_match,
                                 self.subtask_description, self.description_match)
        self.subtask_id = subtask['id']
        return subtask

    def decide(self, task, subtask):
        return decide_subtask_action(self.action, task, subtask)

    def describe(self):
        return '%s of subtask %s of task %s' % (self.action, self.subtask_id, self.task_id)

    def target_subtask_id(self):
        return self.subtask_id


class ActionFailed(Exception):
    """The module must fail: ``msg`` and the results to report with it."""

    def __init__(self, msg, **results):
        super(ActionFailed, self).__init__(msg)
        self.msg = msg
        self.results = results


def _latest_run_lines(log):
    """The lines of the subtask's latest run (subtask_log.py): an earlier run's error is not this failure's cause."""
    return SubtaskRuns(log).latest_run_lines()


class ActionRun:
    """One run of an action module; ``run`` returns the results, or raises ActionFailed/OcpError."""

    def __init__(self, target, client, check_mode, fail_when_not_applicable, wait, wait_timeout, wait_sleep,
                 clock=time.monotonic, sleeper=time.sleep, diff=False):
        self.target = target
        self.client = client
        self.check_mode = check_mode
        self.diff = diff
        self.fail_when_not_applicable = fail_when_not_applicable
        self.wait = wait
        self.wait_timeout = wait_timeout
        self.wait_sleep = wait_sleep
        self._clock = clock
        self._sleeper = sleeper
        # The trace id of the action's POST, the one worth quoting to OCP support.
        self.action_trace_id = None
        # The task as read right before the POST.
        self._sent_on = None
        self.results = dict(action=target.action, performed=False, decision=None, reason=None, wait=None)

    def _read(self):
        return self.target.api.get_task(self.target.task_id)

    def _report(self, task, subtask_id=None):
        """Set the task (and, for a subtask action, the subtask) in the results."""
        self.results['task'] = task
        if isinstance(self.target, SubtaskTarget):
            self.results['subtask'] = next(
                (s for s in task.get('subtasks') or [] if s.get('id') == self.target.subtask_id), None)

    def _fail(self, msg, **results):
        self.results.update(results)
        self.results['trace_id'] = self.action_trace_id or self.client.last_trace_id
        raise ActionFailed(msg, changed=self.results['performed'], **self.results)

    def run(self):
        before = self._read()
        try:
            subtask = self.target.select(before)
        except SubtaskSelectionError as error:
            self._fail('%s' % error, task=before)
        self._report(before)
        decision = self.target.decide(before, subtask)
        self.results.update(decision=decision.kind, reason=decision.reason)

        if decision.kind == IMPOSSIBLE:
            self._fail(decision.reason)
        if decision.kind == NOT_APPLICABLE and self.fail_when_not_applicable:
            self._fail('%s (failing because fail_when_not_applicable is set)' % decision.reason)
        if self.check_mode:
            # Predict from the read; send nothing and wait for nothing.
            if decision.kind == APPLY:
                self._note_diff(before, predict_after(self.target.action, before, self.target.target_subtask_id()))
            return self._finish(changed=decision.kind == APPLY)

        after = before
        if decision.kind == APPLY:
            after = self._send(before, subtask)
        if self.results['performed']:
            self._note_diff(self._sent_on, after)
        if self.wait and self.results['decision'] in (APPLY, ALREADY_DONE):
            # Not after NOT_APPLICABLE: nothing was done, so there is no outcome of ours to wait for.
            after = self._wait(after)
        self._report(after)
        return self._finish(changed=self.results['performed'])

    def _note_diff(self, before, after):
        if self.diff:
            self.results['diff'] = state_diff('task %s, %s' % (self.target.task_id, self.target.describe()),
                                              before, after)

    def _finish(self, changed):
        self.results['trace_id'] = self.action_trace_id or self.client.last_trace_id
        return dict(changed=changed, **self.results)

    def _send(self, before, subtask):
        """Send the action at most once (actions/send_once.py); return the task as read afterwards.

        This adapter says what the module reports and how it fails: at once, since a module run
        ends there (a 429/503 says "run this again later", a lost answer that did not take effect
        says "check the task"); a refusal is read at once, to tell "done by someone else" from
        "refused in this state".
        """
        protocol = SendOnce(self.target.api, read_after_refusal=True, possibly_applied_when=any_read_error)
        sending = protocol.send(self.target.action, self.target.task_id, self.target.target_subtask_id(), before)
        if sending.kind == MOVED:
            return self._someone_else_acted(sending.fresh, 'the task changed between the read and the %s'
                                            % (self.target.describe(),))
        self._sent_on = sending.fresh
        error = sending.error
        self.action_trace_id = self.client.last_trace_id if error is None else getattr(error, 'trace_id', None)
        if sending.kind == SENT:
            self.results['performed'] = True
            if error is None:
                return self._read()
            if sending.answer_lost:
                reason = ('the answer to the %s was lost (%s), but reading the task again shows OCP carried it out'
                          % (self.target.describe(), error))
            else:
                reason = ('OCP answered HTTP %s to the %s, but reading the task again shows OCP carried it out'
                          % (error.status, self.target.describe()))
            self.results['reason'] = reason
            return sending.after
        if sending.kind == REJECTED and isinstance(error, OcpPermissionError):
            self._fail('the OCP user lacks the TASK_MANAGER permission, which OCP requires for the %s; '
                       'nothing was changed (%s)' % (self.target.describe(), error))
        if sending.kind in (REJECTED, NOT_SENT):
            raise error
        if sending.kind == REFUSED:
            return self._after_refusal(error, sending.after)
        if sending.kind == POSSIBLY_APPLIED:
            self._fail('the answer to the %s was lost (%s) and the task could not be read afterwards (%s); '
                       'check the task before running this again' % (self.target.describe(), error, sending.read_error),
                       error_details=dict(action_error='%s' % error, read_error='%s' % sending.read_error))
        self._report(sending.after)
        if sending.kind == NOT_CARRIED_OUT:
            self._fail('OCP did not take the %s (HTTP %s%s); nothing was changed: run this again later'
                       % (self.target.describe(), error.status,
                          ', it asked to wait %gs' % (error.retry_after,) if error.retry_after else ''))
        self._fail('the answer to the %s was lost (%s) and reading the task again shows it has not taken effect; '
                   'it was not sent again, so that it cannot happen twice: check the task and run this again if '
                   'needed' % (self.target.describe(), error))

    def _after_refusal(self, error, after):
        """A refusal after our fresh read means someone else acted (OCP checks a subtask's state under
        a row lock; docs/ocp-behaviour.md#which-action-is-legal, ACT-7), unless the task still shows
        the state the action was sent on: then OCP refuses that state, and the module fails."""
        if still_called_for(self.target.action, self._sent_on, after, self.target.target_subtask_id()):
            decision = self.target.decide(after, self.target.select(after))
            self._report(after)
            self._fail('OCP refused the %s: %s; the task as read now: %s'
                       % (self.target.describe(), error, decision.reason))
        return self._someone_else_acted(after, 'OCP refused the action because the task changed meanwhile')

    def _someone_else_acted(self, after, what):
        """Report an action not sent (or refused) because the task moved: done by someone else, not twice."""
        decision = self.target.decide(after, self.target.select(after))
        if decision.kind not in (ALREADY_DONE, APPLY):
            self._report(after)
            self._fail('%s, and now: %s' % (what, decision.reason))
        reason = '%s: %s' % (what, decision.reason)
        if decision.kind == APPLY:
            reason += ('; someone else acted on it first (another fork, supervision or person), so it was not '
                       'sent, to act at most once on one failure: run again to act on the new state')
        self.results.update(decision=ALREADY_DONE, reason=reason)
        return after

    def _wait(self, task):
        waiter = TaskWaiter(self.target.api.get_task, self.wait_timeout, self.wait_sleep, clock=self._clock,
                            sleeper=self._sleeper)
        result = waiter.wait(self.target.task_id)
        self.results['wait'] = dict(outcome=result.outcome, elapsed=round(result.elapsed, 3), polls=result.polls)
        expected = expected_wait_outcomes(self.target.action, task)
        if result.outcome in expected:
            return result.task
        self._report(result.task)
        failed = self._failed_subtasks_with_logs(result.task)
        message = wait_failure_message(result, dict((s['id'], s['cause']) for s in failed))
        if result.outcome != TIMED_OUT:
            message += '; expected the task to end %s' % ' or '.join(sorted(expected))
        self._fail(message, failed_subtasks=failed, elapsed=self.results['wait']['elapsed'])

    def _failed_subtasks_with_logs(self, task):
        """The FAILED subtasks of ``task``, each with the last lines of its log."""
        failed = []
        for subtask in failed_subtasks(task):
            entry = dict(subtask)
            try:
                lines = _latest_run_lines(self.target.api.get_subtask_log(self.target.task_id, subtask['id']))
                cause = cause_line(lines)
            except OcpError as error:
                # The wait's outcome matters more than one missing log.
                lines, cause = ['(the log could not be read: %s)' % (error,)], None
            entry.update(log_excerpt=lines[-LOG_EXCERPT_LINES:], cause=cause)
            failed.append(entry)
        return failed


def action_argument_spec(actions):
    """The options every action module has: connection, wait, ``action`` among ``actions``,
    ``task_id`` and ``fail_when_not_applicable``."""
    spec = ocp_argument_spec()
    spec.update(wait_argument_spec())
    spec.update(
        action=dict(type='str', required=True, choices=list(actions)),
        task_id=dict(type='int', required=True),
        fail_when_not_applicable=dict(type='bool', default=False),
    )
    return spec


def action_options_errors(params):
    """What is wrong with the options every action module shares."""
    errors = wait_option_errors(params)
    if params['task_id'] < 1:
        errors.append('task_id must be a positive integer, got %s' % params['task_id'])
    return errors


def run_action_module(module, client, target):
    """Run ``target``'s action for ``module`` and exit or fail it accordingly."""
    params = module.params
    errors = action_options_errors(params)
    if errors:
        module.fail_json(msg='; '.join(errors))
    run = ActionRun(target, client, module.check_mode, params['fail_when_not_applicable'], params['wait'],
                    params['wait_timeout'], params['wait_sleep'], diff=module._diff)
    try:
        results = run.run()
    except ActionFailed as failure:
        module.fail_json(msg=failure.msg, **failure.results)
    except OcpError as error:
        # fail_from_error sets trace_id itself, from the error.
        known = dict((key, value) for key, value in run.results.items() if value is not None and key != 'trace_id')
        fail_from_error(module, error, **known)
    module.exit_json(**results)
