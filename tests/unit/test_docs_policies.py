# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every policy the docs show passes parse_policy, so a documented example cannot rot.

The YAML blocks of the guides are parsed, every ``policy:`` or ``task_supervisor_policy:`` value in
them is validated exactly as ocp_task_wait validates it, and a block that mentions a policy but
yields none fails too (a policy hidden in a string or a broken block would otherwise go unchecked).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re
import textwrap

import pytest
import yaml

from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.policy import parse_policy

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCUMENTS = ['docs/policy-cookbook.md', 'roles/task_supervisor/README.md', 'docs/quickstart.md']
POLICY_KEYS = ('policy', 'task_supervisor_policy')
# The cookbook's point is its policies: this many at least, so losing the blocks is noticed.
COOKBOOK_MIN_POLICIES = 10
FENCE = re.compile(r'^```ya?ml[ \t]*\n(.*?)^```[ \t]*$', re.MULTILINE | re.DOTALL)


def yaml_blocks(relative_path):
    """(line number, text) of each fenced YAML block of a document."""
    with open(os.path.join(ROOT, relative_path)) as handle:
        text = handle.read()
    return [(text.count('\n', 0, found.start()) + 2, textwrap.dedent(found.group(1)))
            for found in FENCE.finditer(text)]


def policies_in(value):
    """Every value under a policy key, anywhere in a parsed YAML document."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in POLICY_KEYS:
                found.append(item)
            else:
                found.extend(policies_in(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(policies_in(item))
    return found


def all_blocks():
    return [pytest.param(path, line, block, id='%s:%d' % (path, line))
            for path in DOCUMENTS for line, block in yaml_blocks(path)]


@pytest.mark.parametrize('path, line, block', all_blocks())
def test_yaml_example_is_valid_and_its_policies_parse(path, line, block):
    document = yaml.safe_load(block)
    policies = policies_in(document)
    mentions = re.findall(r'^\s*(?:- )?(?:%s):' % '|'.join(POLICY_KEYS), block, re.MULTILINE)
    assert len(policies) == len(mentions), '%s line %d: a policy key holds no parsable policy' % (path, line)
    for policy in policies:
        assert isinstance(policy, dict) and policy, '%s line %d: the policy is not a mapping: %r' % (path, line, policy)
        parse_policy(policy)


def test_cookbook_shows_the_policies_it_promises():
    policies = [policy for _line, block in yaml_blocks('docs/policy-cookbook.md')
                for policy in policies_in(yaml.safe_load(block))]
    assert len(policies) >= COOKBOOK_MIN_POLICIES
    actions = set(rule['action'] for policy in policies for rule in policy.get('rules') or [])
    assert actions == {'retry', 'skip', 'rollback', 'cancel', 'fail'}
    assert any('never_skip' in policy for policy in policies)
    assert any('max_actions' in policy for policy in policies)
    assert set(key for policy in policies for rule in policy.get('rules') or []
               for key in rule.get('match') or {}) == {'subtask_name', 'description', 'log', 'task_name'}


def test_role_readme_has_policies():
    assert any(policies_in(yaml.safe_load(block)) for _line, block in yaml_blocks('roles/task_supervisor/README.md'))
