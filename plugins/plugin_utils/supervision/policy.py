# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The remediation policy of ocp_task_wait: parse it, and decide what it says to do with a task.

Pure: nothing here speaks HTTP, reads a clock or runs a regular expression on a log.
``parse_policy`` checks a user's policy before anything is sent; ``decide`` takes one task
snapshot (as normalize.normalize_task returns it), what OCP records about its subtasks
(evidence.py: attempts and rollbacks counted from the logs, the latest run's start, which log
patterns matched the latest run), the current time and how many actions the policy's
``max_actions`` has seen taken, and returns the actions to take. Whether an action is legal
comes from actions/legality.py.

How ``decide`` chooses (the rules are tried in order, the first that applies wins):

- FAILED subtasks are acted on only once OCP has stopped retrying them itself: when the task is
  FAILED (nothing runs any more), or when the subtask says how often OCP retries it
  (``retryCount``) and it has run more often than that. Otherwise the policy waits.
- A ``retry`` rule applies while the subtask has been tried fewer than ``max_attempts`` times. The
  count is the runs its log records (OCP's own automatic retries and retries sent by anyone
  included), so it survives a restart of the controller and holds against other actors. An
  exhausted retry rule (or a retry OCP would refuse, under rollback) is passed over, so a later
  rule can say what happens on giving up: ``retry`` then ``rollback`` is a natural policy.
- ``rollback`` undoes the whole task, so it replaces the other subtask actions of the plan. A
  rollback that failed is sent again only while the rule's ``max_attempts`` (rollbacks in all,
  default 1) allow; otherwise the rule is passed over, and the task ends failed.
- ``skip`` of a subtask named by ``never_skip`` becomes ``fail``.
- ``cancel`` rules apply to RUNNING subtasks whose latest run has lasted longer than
  ``running_longer_than`` (from the run's start in the log; OCP's ``startTime`` is the first
  run's).
- ``max_actions`` caps the actions taken on the tasks as OCP's records show them (this run's
  and anyone else's), so neither a restart nor a second supervision can go over it.
- ``fail``, a failed subtask no rule matches, a rollback OCP refuses, or going over
  ``max_actions`` leave the task as it is: the plan is then only the ``fail`` entries, because
  acting on other subtasks of a task that will end failed would change it for nothing.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import datetime
import math
import re

from ansible_collections.oceanbase.ocp.plugins.module_utils.actions.legality import decide_subtask_action, decide_task_action
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpClientError
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.labels import subtask_label
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.snapshot import failed_subtasks
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.timestamps import format_duration, parse_time
from ansible_collections.oceanbase.ocp.plugins.module_utils.vocabulary import (
    APPLY,
    CANCEL_ACTION,
    FAIL_ACTION,
    IMPOSSIBLE,
    RETRY_ACTION,
    ROLLBACK_ACTION,
    SKIP_ACTION,
    SUBTASK_ACTIONS,
    TASK_ACTIONS,
)
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.evidence import evidence_from_state

# A retry rule without max_attempts lets a subtask run this many times in all.
DEFAULT_MAX_ATTEMPTS = 3
# A rollback rule without max_attempts rolls a task back once: a rollback that fails is not repeated.
DEFAULT_MAX_ROLLBACKS = 1

POLICY_KEYS = frozenset(['rules', 'never_skip', 'max_actions'])
MATCH_KEYS = frozenset(['subtask_name', 'description', 'log', 'task_name'])
COMMON_RULE_KEYS = frozenset(['name', 'match', 'action'])
# What an action is sent as (actions/send_once.py post_action): a subtask's endpoint or the task's.
SENT_AS_SUBTASK = 'subtask'
SENT_AS_TASK = 'task'


class RuleAction(collections.namedtuple('RuleAction', [
        'name', 'options', 'required', 'default_max_attempts', 'plan_failed', 'plan_running', 'sent_as'])):
    """One action a policy rule may take, with its whole implementation: the one table (RULE_ACTION_TABLE)
    that validation, planning and sending take the actions from.

    ``options``: the rule keys only this action takes, ``required`` those it must have;
    ``default_max_attempts``: max_attempts when the rule gives none (None: the action takes none);
    ``plan_failed(policy, rule, task, subtask, evidence, now)``: for a FAILED subtask the rule matches,
    ``(action, None)`` to take it, ``(None, None)`` to wait, ``(None, why)`` to pass the rule over;
    ``plan_running(policy, task, subtask, evidence, now)``: for a RUNNING subtask, the action or None;
    ``sent_as``: SENT_AS_SUBTASK or SENT_AS_TASK, or None for an action never sent to OCP (``fail``).

    An action needs at least one way to plan, and one way to be sent unless it is ``fail``: a row
    without them cannot be made, so an action added without its implementation cannot validate.
    """

    __slots__ = ()

    def __new__(cls, name, plan_failed=None, plan_running=None, sent_as=None, options=(), required=(),
                default_max_attempts=None):
        if plan_failed is None and plan_running is None:
            raise ValueError('rule action %r has no way to plan' % (name,))
        if name == FAIL_ACTION:
            if sent_as is not None:
                raise ValueError('%r is never sent to OCP' % (name,))
        elif (sent_as, name) not in [(SENT_AS_SUBTASK, action) for action in SUBTASK_ACTIONS] + [
                (SENT_AS_TASK, action) for action in TASK_ACTIONS]:
            raise ValueError('rule action %r is not sent as a %s action OCP has' % (name, sent_as))
        if not set(required) <= set(options):
            raise ValueError('rule action %r requires options it does not take' % (name,))
        return super(RuleAction, cls).__new__(cls, name, frozenset(options), frozenset(required), default_max_attempts,
                                              plan_failed, plan_running, sent_as)


Rule = collections.namedtuple('Rule', ['index', 'name', 'action', 'match', 'max_attempts', 'delay', 'backoff',
                                       'running_longer_than'])
Rule.__doc__ = """One validated rule: ``match`` maps subtask_name/description/log/task_name to compiled patterns."""

Policy = collections.namedtuple('Policy', ['rules', 'never_skip', 'max_actions'])
Policy.__doc__ = """A validated policy: Rules in order, compiled never_skip patterns, max_actions or None."""


class PlannedAction(collections.namedtuple('PlannedAction', [
        'action', 'subtask_id', 'subtask_name', 'rule_index', 'rule_name', 'reason', 'not_before', 'attempt'])):
    """One thing the policy says to do.

    ``action`` is retry, skip, cancel (a subtask), rollback (the whole task; ``subtask_id`` names
    the subtask whose failure called for it) or fail (leave the task as it is, report it failed).
    ``rule_index``/``rule_name`` name the rule (None when no rule matched); ``reason`` says why in
    a sentence. For a retry, ``attempt`` is the attempt it starts (attempts so far + 1) and ``not_before``
    the time before which it must not be sent; both are None for other actions.
    """

    __slots__ = ()

    def due(self, now):
        """Whether the action may be sent at ``now``."""
        return self.not_before is None or self.not_before <= now


# ---------------------------------------------------------------- parsing

def _policy_error(where, message):
    return OcpClientError('invalid policy: %s %s' % (where, message))


def _is_number(value):
    # YAML true/false are ints to Python, never a count of seconds; .nan and .inf are no number of them either.
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _compile(where, pattern):
    if not isinstance(pattern, str):
        raise _policy_error(where, 'must be a regular expression string, got %r' % (pattern,))
    try:
        return re.compile(pattern, re.MULTILINE)
    except re.error as error:
        raise _policy_error(where, 'is not a valid regular expression (%s): %r' % (error, pattern))


def _check_keys(where, given, allowed):
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise _policy_error(where, 'has unknown key(s) %s; allowed: %s'
                            % (', '.join(unknown), ', '.join(sorted(allowed))))


def _number_option(rule, where, key, minimum, default, integer=False):
    if key not in rule:
        return default
    value = rule[key]
    kind = 'an integer' if integer else 'a number'
    if not _is_number(value) or (integer and not isinstance(value, int)) or value < minimum:
        raise _policy_error('%s key %s' % (where, key), 'must be %s >= %s, got %r' % (kind, minimum, value))
    return value


def _parse_match(where, match):
    if match is None:
        return {}
    if not isinstance(match, dict):
        raise _policy_error('%s key match' % (where,), 'must be a dict of regular expressions, got %r' % (match,))
    _check_keys('%s key match' % (where,), match, MATCH_KEYS)
    return dict((key, _compile('%s key match.%s' % (where, key), pattern)) for key, pattern in match.items())


def _parse_rule(index, rule):
    where = 'rules[%d]' % (index,)
    if isinstance(rule, dict) and isinstance(rule.get('name'), str) and rule['name']:
        # A named rule is named in the error: the user knows it by its name, not its position.
        where = "rules[%d] '%s'" % (index, rule['name'][:80].encode('unicode_escape').decode('ascii'))
    if not isinstance(rule, dict):
        raise _policy_error(where, 'must be a dict, got %r' % (rule,))
    action = rule.get('action')
    if not isinstance(action, str) or action not in RULE_ACTION_TABLE:
        raise _policy_error('%s key action' % (where,), 'must be one of %s, got %r' % (', '.join(RULE_ACTION_TABLE), action))
    entry = RULE_ACTION_TABLE[action]
    _check_keys(where, rule, COMMON_RULE_KEYS | entry.options)
    name = rule.get('name')
    if name is not None and not isinstance(name, str):
        raise _policy_error('%s key name' % (where,), 'must be a string, got %r' % (name,))
    for key in sorted(entry.required - set(rule)):
        raise _policy_error(where, 'needs %s (seconds) with action %s' % (key, action))
    return Rule(
        index=index, name=name, action=action, match=_parse_match(where, rule.get('match')),
        max_attempts=_number_option(rule, where, 'max_attempts', 1, entry.default_max_attempts, integer=True),
        delay=_number_option(rule, where, 'delay', 0, 0),
        backoff=_number_option(rule, where, 'backoff', 1, 1),
        running_longer_than=_number_option(rule, where, 'running_longer_than', 0, None))


def parse_policy(raw):
    """The Policy a user's policy dict describes; raises OcpClientError naming what is wrong.

    None or {} is the default policy: no rules, so the task is only waited for.
    """
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise _policy_error('policy', 'must be a dict, got %r' % (raw,))
    _check_keys('policy', raw, POLICY_KEYS)
    rules = raw.get('rules') or []
    if not isinstance(rules, list):
        raise _policy_error('key rules', 'must be a list of rules, got %r' % (rules,))
    never_skip = raw.get('never_skip') or []
    if not isinstance(never_skip, list):
        raise _policy_error('key never_skip', 'must be a list of regular expressions, got %r' % (never_skip,))
    max_actions = raw.get('max_actions')
    if max_actions is not None and (not _is_number(max_actions) or not isinstance(max_actions, int) or max_actions < 0):
        raise _policy_error('key max_actions', 'must be an integer >= 0, got %r' % (max_actions,))
    return Policy(
        rules=tuple(_parse_rule(index, rule) for index, rule in enumerate(rules)),
        never_skip=tuple(_compile('never_skip[%d]' % (index,), pattern) for index, pattern in enumerate(never_skip)),
        max_actions=max_actions)


# ---------------------------------------------------------------- deciding

def _rule_label(rule):
    if rule.name:
        return "rule %d '%s'" % (rule.index, rule.name)
    return 'rule %d' % (rule.index,)


def _evidence(evidence, subtask, now):
    found = (evidence or {}).get(subtask.get('id'))
    return found if found is not None else evidence_from_state(subtask, now)


def _matches(rule, task, subtask, proof, names_only=False):
    """Whether every pattern of ``rule`` matches; with ``names_only`` the log pattern is left out.

    A log pattern matches when the evidence says it matched the latest run (evidence.py searches
    the log in bounded time); without that search it does not match.
    """
    texts = {'subtask_name': subtask.get('name') or '', 'description': subtask.get('description') or '',
             'task_name': task.get('name') or ''}
    for key, pattern in rule.match.items():
        if key == 'log':
            if not names_only and rule.index not in (proof.log_matches or ()):
                return False
        elif not pattern.search(texts[key]):
            return False
    return True


def _ocp_stopped_retrying(task, subtask):
    if task.get('status') == 'FAILED':
        return True  # a task is FAILED only when none of its subtasks runs (docs/ocp-behaviour.md#task-and-subtask-states)
    retry_count = subtask.get('retryCount')
    run_time = subtask.get('runTime')
    return _is_number(retry_count) and _is_number(run_time) and run_time > retry_count


def _planned(action, subtask, rule, reason, not_before=None, attempt=None):
    return PlannedAction(action=action, subtask_id=subtask.get('id'), subtask_name=subtask.get('name'),
                         rule_index=None if rule is None else rule.index, rule_name=None if rule is None else rule.name,
                         reason=reason, not_before=not_before, attempt=attempt)


def _failed_at(subtask, proof, now, wait):
    """When the subtask's latest run failed, by OCP's records: its ``finishTime``; without one (OCP
    leaves out null fields), the latest run's start, which comes before; with neither, ``wait`` ago,
    so that the retry is due now rather than never (``now`` moves on with every round)."""
    if subtask.get('finishTime'):
        try:
            return parse_time(subtask['finishTime'], now)
        except OcpClientError:
            pass
    if proof.run_started is not None:
        return proof.run_started
    return now - datetime.timedelta(seconds=wait)


def _plan_retry(policy, rule, task, subtask, evidence, now):
    """(the retry, None), or (None, why the rule does not apply)."""
    proof = _evidence(evidence, subtask, now)
    attempts = proof.attempts
    if attempts >= rule.max_attempts:
        return None, '%s allows %d attempt(s) and %s has been tried %d time(s)' % (
            _rule_label(rule), rule.max_attempts, subtask_label(subtask), attempts)
    legality = decide_subtask_action(RETRY_ACTION, task, subtask)
    if legality.kind != APPLY:
        return None, legality.reason
    # The n-th retry waits delay * backoff^(n-1) after the failure; attempts - 1 retries are used up.
    wait = rule.delay * rule.backoff ** (attempts - 1)
    not_before = _failed_at(subtask, proof, now, wait) + datetime.timedelta(seconds=wait)
    reason = '%s matches %s: attempt %d of %d' % (_rule_label(rule), subtask_label(subtask), attempts + 1, rule.max_attempts)
    if wait:
        reason += ', %s after the failure' % (format_duration(wait),)
    return _planned(RETRY_ACTION, subtask, rule, reason, not_before=not_before, attempt=attempts + 1), None


def _task_rollbacks(task, evidence, now):
    """How many times the task was rolled back: the most rollback runs any subtask's log shows."""
    counted = [_evidence(evidence, subtask, now).rollbacks for subtask in task.get('subtasks') or []]
    under_rollback = 1 if task.get('operation') == 'ROLLBACK' else 0
    return max([under_rollback] + counted)


def _plan_rollback(policy, rule, task, subtask, evidence, now):
    """(the rollback or a fail, None), (None, None) to wait, or (None, why the rule does not apply)."""
    rollbacks = _task_rollbacks(task, evidence, now)
    if rollbacks >= rule.max_attempts:
        return None, '%s allows %d rollback(s) and the task has been rolled back %d time(s)' % (
            _rule_label(rule), rule.max_attempts, rollbacks)
    legality = decide_task_action(ROLLBACK_ACTION, task)
    if legality.kind == IMPOSSIBLE:
        return _planned(FAIL_ACTION, subtask, rule, '%s asks for a rollback after %s failed, but %s'
                        % (_rule_label(rule), subtask_label(subtask), legality.reason)), None
    if legality.kind != APPLY:
        return None, None  # e.g. other subtasks still run: roll back once the task is FAILED
    what = 'roll the whole task back' if not rollbacks else 'roll the task back again (rollback %d of %d)' % (
        rollbacks + 1, rule.max_attempts)
    return _planned(ROLLBACK_ACTION, subtask, rule, '%s matches %s: %s' % (_rule_label(rule), subtask_label(subtask), what)), None


def _plan_skip(policy, rule, task, subtask, evidence, now):
    guard = next((pattern for pattern in policy.never_skip if pattern.search(subtask.get('name') or '')), None)
    if guard is not None:
        # One rule model: a rule that may not act passes to the next matching rule, as a used-up
        # retry does; the decision says why this one was passed over.
        return None, '%s would skip %s, but never_skip %r forbids skipping it' % (
            _rule_label(rule), subtask_label(subtask), guard.pattern)
    return _planned(SKIP_ACTION, subtask, rule, '%s matches %s: skip it' % (_rule_label(rule), subtask_label(subtask))), None


def _plan_fail(policy, rule, task, subtask, evidence, now):
    return _planned(FAIL_ACTION, subtask, rule, '%s matches %s: stop and leave the task as it is'
                    % (_rule_label(rule), subtask_label(subtask))), None


def _plan_failed_subtask(policy, task, subtask, evidence, now):
    """The action the first applicable rule gives a FAILED subtask, or None to wait."""
    proof = _evidence(evidence, subtask, now)
    passed_over = []
    for rule in policy.rules:
        plan_failed = RULE_ACTION_TABLE[rule.action].plan_failed
        if plan_failed is None or not _matches(rule, task, subtask, proof):
            continue
        planned, why_not = plan_failed(policy, rule, task, subtask, evidence, now)
        if planned is not None and passed_over:
            # The decision says why each earlier matching rule was passed over.
            return planned._replace(reason='%s (passed over: %s)' % (planned.reason, '; '.join(passed_over)))
        if planned is not None or why_not is None:
            return planned
        passed_over.append(why_not)
    reason = 'no rule applies to %s' % (subtask_label(subtask),)
    if passed_over:
        reason += ' (%s)' % ('; '.join(passed_over),)
    return _planned(FAIL_ACTION, subtask, None, reason + '; the task is left as it is')


def _cancel_rules_watching(policy, task, subtask):
    """The cancel rules whose name patterns match ``subtask`` when it is RUNNING.

    Log patterns are left out: a log is worth reading only once a limit has passed.
    """
    if subtask.get('status') != 'RUNNING':
        return []
    proof = evidence_from_state(subtask, None)
    return [rule for rule in policy.rules
            if rule.action == CANCEL_ACTION and _matches(rule, task, subtask, proof, names_only=True)]


def _cancel_limits(policy, task, subtask, evidence, now):
    """(rule, the moment the rule's limit passes) for each cancel rule watching ``subtask``.

    The latest run's start comes from its log when read; OCP's ``startTime`` is the first run's,
    so without the log the moment is an early bound, and a read of the log settles it.
    """
    started = _evidence(evidence, subtask, now).run_started
    if started is None:
        return []
    return [(rule, started + datetime.timedelta(seconds=rule.running_longer_than))
            for rule in _cancel_rules_watching(policy, task, subtask)]


def running_subtasks_cancel_rules_watch(policy, task):
    """The ids of RUNNING subtasks whose names some cancel rule matches (logs and times aside).

    Works on a list entry too, which shows no start times: such a subtask is worth a read.
    """
    return [subtask.get('id') for subtask in task.get('subtasks') or []
            if _cancel_rules_watching(policy, task, subtask)]


def next_cancel_check(policy, task, now, evidence=None):
    """When a cancel rule may next apply to ``task``: the earliest limit among its RUNNING subtasks, or None.

    A supervisor that watches many tasks through the list (which shows no start times) reads a
    task in detail when this moment comes, rather than every round.
    """
    moments = [moment for subtask in task.get('subtasks') or []
               for _rule, moment in _cancel_limits(policy, task, subtask, evidence, now)]
    return min(moments) if moments else None


def subtasks_past_cancel_limits(policy, task, now, evidence=None):
    """The ids of RUNNING subtasks that have run as long as a cancel rule matching their names allows, or longer."""
    return [subtask.get('id') for subtask in task.get('subtasks') or []
            if any(moment <= now for _rule, moment in _cancel_limits(policy, task, subtask, evidence, now))]


def _plan_cancel(policy, task, subtask, evidence, now):
    """A cancel for a RUNNING subtask whose latest run lasted longer than a matching rule allows, or None."""
    proof = _evidence(evidence, subtask, now)
    for rule, moment in _cancel_limits(policy, task, subtask, evidence, now):
        if moment <= now and _matches(rule, task, subtask, proof):
            running_for = (now - proof.run_started).total_seconds()
            return _planned(CANCEL_ACTION, subtask, rule, '%s matches %s, running for %s, longer than %s: cancel it'
                            % (_rule_label(rule), subtask_label(subtask), format_duration(running_for),
                               format_duration(rule.running_longer_than)))
    return None


def _apply_cap(policy, planned, taken):
    if policy.max_actions is None:
        return planned
    room = max(policy.max_actions - taken, 0)
    capped = planned[:room]
    for action in planned[room:]:
        capped.append(action._replace(action=FAIL_ACTION, not_before=None, attempt=None, reason=(
            '%s was called for, but max_actions (%d) are already taken or planned; the task is left as it is'
            % (action.reason, policy.max_actions))))
    return capped


def decide(policy, task, evidence, now, actions_taken=0):
    """The PlannedActions ``policy`` calls for on ``task`` at ``now``; [] means wait.

    ``task`` is a task snapshot from normalize.normalize_task (subtasks in execution order),
    ``evidence`` maps subtask ids to evidence.Evidence (a subtask without any is judged on its
    state alone: attempts from ``runTime``, no log pattern matching), ``now`` is an aware datetime
    and ``actions_taken`` how many actions count against ``max_actions`` already (evidence.py).
    A plan with a ``fail`` entry holds only ``fail`` entries; a plan with a rollback holds only
    that rollback.
    """
    if task.get('status') not in ('RUNNING', 'FAILED'):
        return []
    planned = []
    for subtask in failed_subtasks(task):
        if _ocp_stopped_retrying(task, subtask):
            action = _plan_failed_subtask(policy, task, subtask, evidence, now)
            if action is not None:
                planned.append(action)
    for subtask in task.get('subtasks') or []:
        if subtask.get('status') != 'RUNNING':
            continue
        for entry in RULE_ACTION_TABLE.values():
            action = entry.plan_running(policy, task, subtask, evidence, now) if entry.plan_running else None
            if action is not None:
                planned.append(action)
    rollbacks = [action for action in planned if action.action == ROLLBACK_ACTION]
    if rollbacks:
        planned = rollbacks[:1] + [action for action in planned if action.action == FAIL_ACTION]
    planned = _apply_cap(policy, planned, actions_taken)
    failures = [action for action in planned if action.action == FAIL_ACTION]
    return failures or planned


# ---------------------------------------------------------------- the table of rule actions

RULE_ACTION_TABLE = collections.OrderedDict((entry.name, entry) for entry in (
    RuleAction(RETRY_ACTION, plan_failed=_plan_retry, sent_as=SENT_AS_SUBTASK,
               options=('max_attempts', 'delay', 'backoff'), default_max_attempts=DEFAULT_MAX_ATTEMPTS),
    RuleAction(SKIP_ACTION, plan_failed=_plan_skip, sent_as=SENT_AS_SUBTASK),
    RuleAction(ROLLBACK_ACTION, plan_failed=_plan_rollback, sent_as=SENT_AS_TASK,
               options=('max_attempts',), default_max_attempts=DEFAULT_MAX_ROLLBACKS),
    RuleAction(CANCEL_ACTION, plan_running=_plan_cancel, sent_as=SENT_AS_SUBTASK,
               options=('running_longer_than',), required=('running_longer_than',)),
    RuleAction(FAIL_ACTION, plan_failed=_plan_fail),
))
RULE_ACTIONS = tuple(RULE_ACTION_TABLE)


def rule_action_of(name):
    """The RuleAction of an action's name; KeyError for one the table does not have."""
    return RULE_ACTION_TABLE[name]


def sent_on_subtask(action):
    """The subtask a PlannedAction is sent on, or None when it is sent as a task action (a rollback,
    whatever subtask's failure called for it)."""
    return action.subtask_id if RULE_ACTION_TABLE[action.action].sent_as == SENT_AS_SUBTASK else None
