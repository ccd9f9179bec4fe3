# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the remediation policy: parsing with its errors, and decisions on task snapshots
at fixed times. Pure: no HTTP, no clock, no sleeps."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pytest

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpClientError
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.evidence import evidence_from_runs
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision import policy as policy_module
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.policy import (
    RULE_ACTION_TABLE,
    RULE_ACTIONS,
    SENT_AS_SUBTASK,
    SENT_AS_TASK,
    RuleAction,
    decide,
    next_cancel_check,
    parse_policy,
    rule_action_of,
    subtasks_past_cancel_limits,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.subtask_log import SubtaskRuns

from ansible_collections.oceanbase.ocp.tests.unit.plugins.plugin_utils.supervision.in_process_search import search_in_process

UTC8 = datetime.timezone(datetime.timedelta(hours=8))
NOW = datetime.datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC8)
FAILED_AT = '2024-05-01T11:59:00.000+08:00'
# 29 s after FAILED_AT: before a 30 s retry delay is over.
NOT_YET = datetime.datetime(2024, 5, 1, 11, 59, 29, tzinfo=UTC8)


def subtask(subtask_id, name, status='FAILED', operation='EXECUTE', run_time=1, **fields):
    fields.setdefault('finishTime', FAILED_AT if status == 'FAILED' else None)
    return dict(id=subtask_id, name=name, status=status, operation=operation, runTime=run_time,
                **dict((key, value) for key, value in fields.items() if value is not None))


def task(*subtasks, status='FAILED', operation='EXECUTE', name='Create tenant', prohibit_rollback=False):
    return dict(id=7, name=name, status=status, operation=operation, prohibitRollback=prohibit_rollback,
                subtasks=list(subtasks))


def evidence(policy, snapshot, logs, now):
    """What reading.Reader gathers: runs and log pattern matches for the subtasks whose log is given."""
    found = {}
    rules = [rule for rule in policy.rules if 'log' in rule.match]
    for item in snapshot.get('subtasks') or []:
        if item['id'] in logs:
            runs = SubtaskRuns(logs[item['id']])
            searched = search_in_process([rule.match['log'] for rule in rules], runs.latest_run_lines())
            matched = [rule.index for rule in rules if rule.match['log'] in searched.matched]
            found[item['id']] = evidence_from_runs(item, runs, now, matched)
    return found


def plan(raw, snapshot, logs=None, now=NOW, taken=0):
    policy = parse_policy(raw)
    return decide(policy, snapshot, evidence(policy, snapshot, logs or {}, now), now, taken)


def separator(operation, at='2024-05-01T11:58:00.000+08:00'):
    return '############{%s}{%s}############' % (operation, at)


def summary(actions):
    return [(action.action, action.subtask_id, action.rule_index) for action in actions]


# ---------------------------------------------------------------- choosing a rule

def test_default_policy_only_waits_and_reports_a_failed_task_failed():
    for raw in (None, {}):
        assert plan(raw, task(subtask(1, 'ok', status='RUNNING', startTime=FAILED_AT), status='RUNNING')) == []
        actions = plan(raw, task(subtask(1, 'Check disk')))
        assert summary(actions) == [('fail', 1, None)]
        assert 'no rule applies' in actions[0].reason


def test_finished_tasks_need_nothing():
    assert plan({'rules': [{'action': 'skip'}]}, task(status='SUCCESSFUL')) == []


def test_first_matching_rule_wins():
    raw = {'rules': [{'name': 'skip checks', 'match': {'subtask_name': '^Check'}, 'action': 'skip'},
                     {'name': 'retry all', 'action': 'retry'}]}
    actions = plan(raw, task(subtask(1, 'Check disk'), subtask(2, 'Create pool')))
    assert summary(actions) == [('skip', 1, 0), ('retry', 2, 1)]
    assert actions[0].rule_name == 'skip checks' and "rule 0 'skip checks'" in actions[0].reason
    raw['rules'].reverse()
    assert summary(plan(raw, task(subtask(1, 'Check disk')))) == [('retry', 1, 0)]


def test_log_regex_matches_any_line_of_the_latest_run():
    raw = {'rules': [{'match': {'log': '^ERROR .*timed out$'}, 'action': 'retry'}]}
    logs = {1: separator('EXECUTE') + '\nERROR connect timed out\nSet state for subtask: 1'}
    assert summary(plan(raw, task(subtask(1, 'Create pool')), logs)) == [('retry', 1, 0)]
    assert summary(plan(raw, task(subtask(1, 'Create pool')), {1: 'ERROR disk full'})) == [('fail', 1, None)]
    # Without the log searched, a log pattern does not match.
    assert summary(plan(raw, task(subtask(1, 'Create pool')))) == [('fail', 1, None)]
    # An earlier run's timeout does not make the latest run's failure a timeout.
    two_runs = {1: '\n'.join([separator('EXECUTE'), 'ERROR connect timed out', separator('RETRY'), 'ERROR disk full'])}
    assert summary(plan(raw, task(subtask(1, 'Create pool', operation='RETRY')), two_runs)) == [('fail', 1, None)]


def test_description_names_the_host_of_a_per_host_subtask():
    raw = {'rules': [{'match': {'description': 'host 10\\.0\\.0\\.4$'}, 'action': 'skip'}]}
    agents = task(subtask(1, 'Install OCP agent', description='Install OCP agent on host 10.0.0.3'),
                  subtask(2, 'Install OCP agent', description='Install OCP agent on host 10.0.0.4'))
    assert summary(plan(raw, agents)) == [('fail', 1, None)]
    assert summary(plan(raw, task(agents['subtasks'][1]))) == [('skip', 2, 0)]


def test_task_name_and_all_match_keys_must_hold():
    raw = {'rules': [{'match': {'task_name': 'tenant', 'subtask_name': 'pool'}, 'action': 'skip'}]}
    assert summary(plan(raw, task(subtask(1, 'Create pool')))) == [('skip', 1, 0)]
    assert summary(plan(raw, task(subtask(1, 'Create pool'), name='Create cluster'))) == [('fail', 1, None)]
    assert summary(plan(raw, task(subtask(1, 'Create unit')))) == [('fail', 1, None)]


def test_failed_subtask_in_running_task_waits_for_ocp():
    raw = {'rules': [{'action': 'skip'}]}
    running = subtask(2, 'Other', status='RUNNING', startTime=FAILED_AT)
    assert plan(raw, task(subtask(1, 'Check'), running, status='RUNNING')) == []
    # OCP says how often it retries by itself, and that is over: the policy may act.
    done = subtask(1, 'Check', run_time=3, retryCount=2)
    assert summary(plan(raw, task(done, running, status='RUNNING'))) == [('skip', 1, 0)]
    assert plan(raw, task(subtask(1, 'Check', run_time=2, retryCount=2), running, status='RUNNING')) == []


# ---------------------------------------------------------------- retry limits and timing

def test_attempts_come_from_the_runs_in_the_log_then_the_next_rule_applies():
    raw = {'rules': [{'action': 'retry', 'max_attempts': 3}, {'name': 'give up', 'action': 'rollback'}]}
    # OCP's engine leaves runTime at 1 on a subtask retry: the separators count the runs.
    two_runs = {1: '\n'.join([separator('EXECUTE'), 'ERROR x', separator('RETRY'), 'ERROR x'])}
    second = plan(raw, task(subtask(1, 'Create pool', operation='RETRY')), two_runs)
    assert summary(second) == [('retry', 1, 0)] and second[0].attempt == 3
    three_runs = {1: two_runs[1] + '\n' + separator('RETRY') + '\nERROR x'}
    exhausted = plan(raw, task(subtask(1, 'Create pool', operation='RETRY')), three_runs)
    assert summary(exhausted) == [('rollback', 1, 1)]


def test_without_the_log_attempts_come_from_runtime():
    raw = {'rules': [{'action': 'retry', 'max_attempts': 3}, {'name': 'give up', 'action': 'rollback'}]}
    second = plan(raw, task(subtask(1, 'Create pool', run_time=2)))
    assert summary(second) == [('retry', 1, 0)] and second[0].attempt == 3
    assert summary(plan(raw, task(subtask(1, 'Create pool', run_time=3)))) == [('rollback', 1, 1)]


def test_exhausted_retry_without_a_next_rule_fails_and_says_why():
    actions = plan({'rules': [{'action': 'retry', 'max_attempts': 2}]}, task(subtask(1, 'Create pool', run_time=5)))
    assert summary(actions) == [('fail', 1, None)]
    assert 'allows 2 attempt(s)' in actions[0].reason and 'tried 5 time(s)' in actions[0].reason


def test_a_failed_rollback_is_repeated_only_as_often_as_the_rule_allows():
    failed_undoing = task(subtask(1, 'Sync topology', operation='ROLLBACK'), operation='ROLLBACK')
    once = plan({'rules': [{'action': 'rollback'}]}, failed_undoing)
    assert summary(once) == [('fail', 1, None)] and 'allows 1 rollback(s)' in once[0].reason
    twice = plan({'rules': [{'action': 'rollback', 'max_attempts': 2}]}, failed_undoing)
    assert summary(twice) == [('rollback', 1, 0)] and 'rollback 2 of 2' in twice[0].reason
    logs = {1: '\n'.join([separator('EXECUTE'), separator('ROLLBACK'), 'ERROR lock', separator('ROLLBACK'), 'ERROR'])}
    assert summary(plan({'rules': [{'action': 'rollback', 'max_attempts': 2}]}, failed_undoing, logs)) == [
        ('fail', 1, None)]
    # A skip rule may still pass over the subtask that failed undoing.
    skipping = plan({'rules': [{'action': 'rollback'}, {'action': 'skip'}]}, failed_undoing)
    assert summary(skipping) == [('skip', 1, 1)]


def test_default_max_attempts_and_retry_refused_after_rollback():
    raw = {'rules': [{'action': 'retry'}]}
    assert summary(plan(raw, task(subtask(1, 'a', run_time=2)))) == [('retry', 1, 0)]
    assert summary(plan(raw, task(subtask(1, 'a', run_time=3)))) == [('fail', 1, None)]
    under_rollback = plan(raw, task(subtask(1, 'a', operation='ROLLBACK'), operation='ROLLBACK'))
    assert summary(under_rollback) == [('fail', 1, None)] and 'rolling back' in under_rollback[0].reason


def test_delay_with_backoff_counts_from_the_failure():
    raw = {'rules': [{'action': 'retry', 'max_attempts': 5, 'delay': 30, 'backoff': 2}]}
    failed_at = datetime.datetime(2024, 5, 1, 11, 59, 0, tzinfo=UTC8)
    expected_waits = {1: 30, 2: 60, 3: 120}
    for run_time, wait in expected_waits.items():
        action = plan(raw, task(subtask(1, 'a', run_time=run_time)))[0]
        assert action.not_before == failed_at + datetime.timedelta(seconds=wait)
    first = plan(raw, task(subtask(1, 'a')))[0]
    assert not first.due(NOT_YET) and first.due(NOW)


def test_retry_timing_reads_ocp_timestamps_in_any_form():
    raw = {'rules': [{'action': 'retry', 'delay': 10}]}
    utc = datetime.timezone.utc
    for text, failed_at in (('2024-05-01T03:59:00.123456Z', datetime.datetime(2024, 5, 1, 3, 59, 0, 123456, utc)),
                            ('2024-05-01T11:59:00.1+08:00', datetime.datetime(2024, 5, 1, 11, 59, 0, 100000, UTC8)),
                            ('2024-05-01T11:59:00', datetime.datetime(2024, 5, 1, 11, 59, 0, tzinfo=UTC8))):
        action = plan(raw, task(subtask(1, 'a', finishTime=text)))[0]
        assert action.not_before == failed_at + datetime.timedelta(seconds=10)


def test_a_failure_without_finish_time_comes_due_from_the_runs_start_or_at_once():
    """OCP leaves out null fields: without finishTime the delay counts from the latest run's start,
    which came before the failure; with no time at all the retry is due now. (It counted from
    "now", which moves on every round: such a retry never came due.)"""
    raw = {'rules': [{'action': 'retry', 'delay': 10}]}
    without_finish_time = dict(subtask(1, 'a'), startTime='2024-05-01T11:59:55.000+08:00')
    del without_finish_time['finishTime']
    [action] = plan(raw, task(without_finish_time))
    assert action.not_before == datetime.datetime(2024, 5, 1, 12, 0, 5, tzinfo=UTC8)
    assert not action.due(NOW) and action.due(NOW + datetime.timedelta(seconds=5))
    no_time_at_all = subtask(1, 'a')
    del no_time_at_all['finishTime']
    [action] = plan(raw, task(no_time_at_all))
    assert action.not_before == NOW and action.due(NOW)
    # A finishTime that is no timestamp counts as none: the retry comes due, the supervision goes on.
    [action] = plan(raw, task(subtask(1, 'a', finishTime='yesterday')))
    assert action.due(NOW)


# ---------------------------------------------------------------- guards and caps

def test_never_skip_passes_a_skip_over_and_says_why():
    raw = {'rules': [{'action': 'skip'}], 'never_skip': ['^Create']}
    actions = plan(raw, task(subtask(1, 'Check disk'), subtask(2, 'Create pool')))
    assert summary(actions) == [('fail', 2, None)]
    assert 'no rule applies' in actions[0].reason and "never_skip '^Create' forbids" in actions[0].reason
    assert summary(plan(raw, task(subtask(1, 'Check disk')))) == [('skip', 1, 0)]


def test_a_skip_never_skip_forbids_passes_to_the_next_matching_rule():
    # One rule model: like a used-up retry, a forbidden skip gives way to the catch-all rollback.
    raw = {'rules': [{'name': 'skip pools', 'action': 'skip'}, {'name': 'anything else', 'action': 'rollback'}],
           'never_skip': ['pool$']}
    actions = plan(raw, task(subtask(1, 'Create pool'), status='FAILED'))
    assert summary(actions) == [('rollback', 1, 1)]
    assert actions[0].rule_name == 'anything else'
    assert "rule 0 'skip pools' would skip" in actions[0].reason and 'never_skip' in actions[0].reason


def test_max_actions_counts_the_actions_taken_and_the_plan():
    raw = {'rules': [{'action': 'skip'}], 'max_actions': 2}
    two = task(subtask(1, 'a'), subtask(2, 'b'))
    assert summary(plan(raw, two)) == [('skip', 1, 0), ('skip', 2, 0)]
    # One skip would fit, but a task that will be left failed is not changed for nothing.
    capped = plan(raw, two, taken=1)
    assert summary(capped) == [('fail', 2, 0)] and 'max_actions (2)' in capped[0].reason
    assert summary(plan(raw, task(subtask(1, 'a')), taken=1)) == [('skip', 1, 0)]
    assert summary(plan(raw, two, taken=2)) == [('fail', 1, 0), ('fail', 2, 0)]
    assert summary(plan(dict(raw, max_actions=0), task(subtask(1, 'a')))) == [('fail', 1, 0)]


# ---------------------------------------------------------------- cancel, rollback, fail

def test_cancel_running_subtask_after_its_limit():
    raw = {'rules': [{'name': 'hung', 'match': {'subtask_name': 'Install'}, 'action': 'cancel',
                      'running_longer_than': 600}]}
    started = '2024-05-01T11:49:00+08:00'  # 11 minutes before NOW
    running = task(subtask(1, 'Install', status='RUNNING', startTime=started), status='RUNNING')
    actions = plan(raw, running)
    assert summary(actions) == [('cancel', 1, 0)] and 'running for 11m00s, longer than 10m00s' in actions[0].reason
    assert plan(raw, running, now=NOW - datetime.timedelta(minutes=2)) == []
    assert plan(raw, task(subtask(1, 'Install', status='RUNNING'), status='RUNNING')) == []
    other = task(subtask(1, 'Download', status='RUNNING', startTime=started), status='RUNNING')
    assert plan(raw, other) == []


def test_next_cancel_check_is_the_earliest_limit_of_a_matching_running_subtask():
    raw = {'rules': [{'match': {'subtask_name': 'Install', 'log': 'stuck'}, 'action': 'cancel',
                      'running_longer_than': 600},
                     {'match': {'subtask_name': 'Install'}, 'action': 'cancel', 'running_longer_than': 900},
                     {'match': {'task_name': 'Upgrade'}, 'action': 'cancel', 'running_longer_than': 60}]}
    policy = parse_policy(raw)
    started = '2024-05-01T11:49:00+08:00'
    running = task(subtask(1, 'Install', status='RUNNING', startTime=started),
                   subtask(2, 'Download', status='RUNNING', startTime=started), status='RUNNING')
    # The log pattern is not checked here: a log is read only once a limit has passed.
    assert next_cancel_check(policy, running, NOW) == datetime.datetime(2024, 5, 1, 11, 59, 0, tzinfo=UTC8)
    assert subtasks_past_cancel_limits(policy, running, NOW) == [1]
    assert subtasks_past_cancel_limits(policy, running, NOW - datetime.timedelta(minutes=2)) == []
    assert next_cancel_check(policy, task(subtask(1, 'Install', status='RUNNING'), status='RUNNING'), NOW) is None
    assert next_cancel_check(parse_policy({'rules': [{'action': 'skip'}]}), running, NOW) is None


def test_rollback_acts_on_the_whole_task():
    raw = {'rules': [{'match': {'subtask_name': 'pool'}, 'action': 'rollback'}, {'action': 'retry'}]}
    actions = plan(raw, task(subtask(1, 'Create unit'), subtask(2, 'Create pool')))
    assert summary(actions) == [('rollback', 2, 0)]
    prohibited = plan(raw, task(subtask(2, 'Create pool'), prohibit_rollback=True))
    assert summary(prohibited) == [('fail', 2, 0)] and 'prohibits rollback' in prohibited[0].reason
    # Other subtasks still run: OCP rolls back only a FAILED task, so wait for it.
    running = task(subtask(2, 'Create pool', run_time=2, retryCount=1),
                   subtask(3, 'x', status='RUNNING', startTime=FAILED_AT), status='RUNNING')
    assert plan(raw, running) == []


def test_fail_rule_leaves_the_task_and_drops_other_actions():
    raw = {'rules': [{'name': 'fatal', 'match': {'log': 'disk full'}, 'action': 'fail'}, {'action': 'retry'}]}
    actions = plan(raw, task(subtask(1, 'a'), subtask(2, 'b')), {2: 'disk full'})
    assert summary(actions) == [('fail', 2, 0)] and 'leave the task as it is' in actions[0].reason


# ---------------------------------------------------------------- validation

INVALID_POLICIES = [
    ('not a dict', 'policy must be a dict'),
    ({'rule': []}, 'policy has unknown key(s) rule'),
    ({'rules': {'action': 'skip'}}, 'key rules must be a list'),
    ({'rules': ['skip']}, 'rules[0] must be a dict'),
    ({'rules': [{'action': 'skip'}, {'action': 'ignore'}]}, 'rules[1] key action must be one of'),
    ({'rules': [{'match': {}}]}, 'rules[0] key action must be one of'),
    ({'rules': [{'action': 'skip', 'when': 'x'}]}, 'rules[0] has unknown key(s) when'),
    ({'rules': [{'action': 'skip', 'name': 3}]}, 'rules[0] key name must be a string'),
    ({'rules': [{'action': 'skip', 'match': 'Check'}]}, 'rules[0] key match must be a dict'),
    ({'rules': [{'action': 'skip', 'match': {'name': 'x'}}]}, 'rules[0] key match has unknown key(s) name'),
    ({'rules': [{'action': 'skip', 'match': {'log': '('}}]}, 'rules[0] key match.log is not a valid regular'),
    ({'rules': [{'action': 'skip', 'match': {'task_name': 5}}]}, 'rules[0] key match.task_name must be a regular'),
    ({'rules': [{'action': 'skip', 'max_attempts': 2}]}, 'rules[0] has unknown key(s) max_attempts'),
    ({'rules': [{'action': 'skip', 'delay': 2}]}, 'rules[0] has unknown key(s) delay'),
    ({'rules': [{'action': 'retry', 'running_longer_than': 2}]}, 'rules[0] has unknown key(s) running_longer_than'),
    ({'rules': [{'action': 'retry', 'max_attempts': 0}]}, 'rules[0] key max_attempts must be an integer >= 1'),
    ({'rules': [{'action': 'retry', 'max_attempts': 2.5}]}, 'rules[0] key max_attempts must be an integer'),
    ({'rules': [{'action': 'retry', 'max_attempts': True}]}, 'rules[0] key max_attempts must be an integer'),
    ({'rules': [{'action': 'retry', 'delay': -1}]}, 'rules[0] key delay must be a number >= 0'),
    ({'rules': [{'action': 'retry', 'delay': '10'}]}, 'rules[0] key delay must be a number'),
    ({'rules': [{'action': 'retry', 'backoff': 0.5}]}, 'rules[0] key backoff must be a number >= 1'),
    ({'rules': [{'action': 'cancel'}]}, 'rules[0] needs running_longer_than'),
    ({'rules': [{'action': 'cancel', 'running_longer_than': -5}]}, 'rules[0] key running_longer_than must be'),
    ({'never_skip': 'Create'}, 'key never_skip must be a list'),
    ({'never_skip': ['ok', '[']}, 'never_skip[1] is not a valid regular expression'),
    ({'max_actions': -1}, 'key max_actions must be an integer >= 0'),
    ({'max_actions': '3'}, 'key max_actions must be an integer'),
]


@pytest.mark.parametrize('raw, message', INVALID_POLICIES)
def test_invalid_policy_is_refused_with_its_place(raw, message):
    with pytest.raises(OcpClientError) as raised:
        parse_policy(raw)
    assert str(raised.value).startswith('invalid policy: ')
    assert message in str(raised.value)


def test_valid_policy_is_parsed_with_defaults():
    policy = parse_policy({'rules': [{'name': 'r', 'match': {'subtask_name': 'a'}, 'action': 'retry'},
                                     {'action': 'cancel', 'running_longer_than': 60.5}],
                           'never_skip': ['x'], 'max_actions': 0})
    retry, cancel = policy.rules
    assert (retry.max_attempts, retry.delay, retry.backoff) == (3, 0, 1)
    assert cancel.running_longer_than == 60.5 and policy.max_actions == 0


# ---------------------------------------------------------------- the table of rule actions

def test_the_table_is_where_validation_planning_and_sending_take_the_actions():
    assert RULE_ACTIONS == ('retry', 'skip', 'rollback', 'cancel', 'fail')
    for name, entry in RULE_ACTION_TABLE.items():
        assert entry.name == name
        assert entry.plan_failed is not None or entry.plan_running is not None
        assert (entry.sent_as is None) is (name == 'fail')
    assert RULE_ACTION_TABLE['rollback'].sent_as == SENT_AS_TASK
    assert [rule_action_of(name).sent_as for name in ('retry', 'skip', 'cancel')] == [SENT_AS_SUBTASK] * 3


@pytest.mark.parametrize('row, words', [
    (dict(name='wait'), 'no way to plan'),
    (dict(name='reboot', plan_failed=lambda *args: (None, None), sent_as=SENT_AS_SUBTASK), 'not sent as a subtask action'),
    (dict(name='rollback', plan_failed=lambda *args: (None, None), sent_as=SENT_AS_SUBTASK), 'not sent as a subtask'),
    (dict(name='fail', plan_failed=lambda *args: (None, None), sent_as=SENT_AS_TASK), 'never sent'),
    (dict(name='cancel', plan_running=lambda *args: None, sent_as=SENT_AS_SUBTASK, required=('limit',)), 'requires'),
])
def test_an_action_without_its_implementation_cannot_be_added(row, words):
    with pytest.raises(ValueError, match=words):
        RuleAction(**row)


def test_an_action_validates_only_through_its_row_and_plans_by_it(monkeypatch):
    # A row taken out of the table: rules naming it no longer validate (before, a name in the list
    # validated and then behaved as fail).
    table = policy_module.RULE_ACTION_TABLE.copy()
    del table['skip']
    monkeypatch.setattr(policy_module, 'RULE_ACTION_TABLE', table)
    with pytest.raises(OcpClientError, match='key action must be one of'):
        parse_policy({'rules': [{'action': 'skip'}]})
    # A row's planner is what plans: a skip row whose planner passes the rule over leaves the
    # subtask to the next rule.
    table['skip'] = RuleAction('skip', plan_failed=lambda *args: (None, 'skip passed over'), sent_as=SENT_AS_SUBTASK)
    actions = plan({'rules': [{'action': 'skip'}, {'action': 'fail', 'name': 'then'}]}, task(subtask(1, 'a')))
    assert summary(actions) == [('fail', 1, 1)]
