# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The grammar of the sentences the supervision writes, for every rule action: "would retry subtask
12", never "would retry of subtask 12"; "rolled back by rule 'x'"; no empty quotes; a check-mode
line for each decision."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import re

import pytest

from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.policy import RULE_ACTIONS, PlannedAction
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.reporting import (
    action_sentence,
    check_mode_message,
    heading,
)
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.sending import describe, would_sentence

NOW = datetime.datetime(2024, 5, 1, 4, 0, tzinfo=datetime.timezone.utc)
# What no sentence may contain: a verb followed by "of" ("would skip of subtask"), empty quotes,
# a Python None, an underscore word of the vocabulary inside a sentence.
BAD = re.compile(r"would (retry|skip|cancel|rollback|roll back|fail) of |''|\bNone\b|would rollback\b")
SENDABLE = [action for action in RULE_ACTIONS if action != 'fail']


def planned(action, name='Create resource pool'):
    return PlannedAction(action=action, subtask_id=112, subtask_name=name, rule_index=1, rule_name='anything else',
                         reason='rule 1 matches', not_before=None, attempt=None)


@pytest.mark.parametrize('action', SENDABLE)
def test_would_sentences_put_the_verb_before_its_object(action):
    sentence = would_sentence(planned(action))
    assert not BAD.search(sentence), sentence
    if action == 'rollback':
        assert sentence == 'would roll back the task'
    else:
        assert sentence == "would %s subtask 112 'Create resource pool'" % (action,)


@pytest.mark.parametrize('action', SENDABLE)
@pytest.mark.parametrize('result', ['sent', 'refused', 'lost', 'possibly_applied'])
def test_action_sentences_read_as_english(action, result):
    entry = dict(describe(planned(action, name=None), NOW, result), error='HTTP 403: TASK_MANAGER needed')
    sentence = action_sentence(entry)
    assert not BAD.search(sentence), sentence
    assert "rule 'anything else'" in sentence and '_' not in sentence.replace('TASK_MANAGER', '')
    if result == 'refused':
        assert sentence.startswith('the %s' % (action,)) and sentence.endswith('was refused: HTTP 403: TASK_MANAGER needed')


def test_heading_names_the_object_and_no_empty_quotes():
    assert heading({'id': 1004, 'name': 'Create tenant', 'objects': {'tenant': 't_report', 'cluster': 'obcluster'}}) == (
        "task 1004 'Create tenant' (tenant t_report in cluster obcluster)")
    assert heading({'id': 99999, 'name': None, 'objects': {}}) == 'task 99999'
    assert heading({'id': 99999, 'name': ''}) == 'task 99999'


def test_check_mode_message_says_what_would_be_done_and_what_would_be_left():
    would = describe(planned('retry'), NOW, 'would_send')
    result = {'summary': {'total': 2, 'actions_would_send': 1}, 'tasks': [
        {'id': 1, 'name': 'Create tenant', 'objects': {'tenant': 't_report'}, 'status': 'FAILED', 'actions': [would],
         'decisions': [], 'failed_subtasks': []},
        {'id': 2, 'name': 'Upgrade cluster', 'objects': {}, 'status': 'FAILED', 'actions': [],
         'decisions': [{'reason': 'no rule applies to subtask 5'}], 'failed_subtasks': []},
    ]}
    message = check_mode_message(result)
    assert not BAD.search(message), message
    assert message == ("check mode, nothing sent: 2 of 2 task(s) call for a decision, 1 action(s) would be sent: "
                       "task 1 'Create tenant' (tenant t_report) FAILED: would retry subtask 112 'Create resource pool' "
                       "(rule 1 matches) | task 2 'Upgrade cluster' FAILED: would leave it failed: no rule applies to "
                       "subtask 5")


def test_policy_errors_name_the_rule_by_its_name():
    from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpClientError
    from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.policy import parse_policy
    with pytest.raises(OcpClientError, match=r"rules\[1\] 'pool again' key action must be one of"):
        parse_policy({'rules': [{'action': 'fail'}, {'name': 'pool again', 'action': 'retyr'}]})
    with pytest.raises(OcpClientError, match=r"rules\[0\] key action"):
        parse_policy({'rules': [{'action': 'retyr'}]})
