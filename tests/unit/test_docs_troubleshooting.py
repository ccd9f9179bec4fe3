# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""docs/troubleshooting.md and the collection's error messages stay in step, both ways.

- Each message template the guide lists (in backticks in a ``###`` heading, or in a bullet of its
  section on bugs) must still be produced: read as a pattern where ``<...>`` stands for anything,
  it must match one string literal of plugins/ (with its ``%s`` placeholders taken out) or the
  role's tasks. A reworded message thus makes its entry fail instead of silently going stale.
- Each error message the code raises must be findable in the guide: at least one clause of its
  fixed text (the text between placeholders, split at ``;`` and ``:``) appears there. "Raises"
  means the first text argument of the error types and failure helpers listed below, ``msg=``,
  ``cause=`` and ``reason=`` keywords, ``cause`` class attributes and ``errors.append``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ast
import functools
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GUIDE = os.path.join(ROOT, 'docs', 'troubleshooting.md')
ROLE_TASKS = os.path.join(ROOT, 'roles', 'task_supervisor', 'tasks', 'main.yml')

# Callable name -> position of its message argument.
MESSAGE_ARGUMENT = {
    'OcpClientError': 0,
    'OcpConnectionError': 0,
    'SubtaskSelectionError': 0,
    'LookupError': 0,
    'ActionFailed': 0,
    '_fail': 0,
    '_policy_error': 1,
    'ReuseRefused': 0,
}
MESSAGE_KEYWORDS = ('msg', 'cause', 'reason', 'message')
# Decisions and planned actions that end in a failure carry their message after the kind.
FAILING_KINDS = {'Decision': 'IMPOSSIBLE', '_planned': 'FAIL'}
PRINTF_SPEC = re.compile(r'%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdrfgi%]')
# A clause shorter than this ("got ", "Location: ") says too little to be looked up.
MIN_CLAUSE = 12
CLAUSE_CHARS = 30


def _python_files():
    for directory, _dirs, files in os.walk(os.path.join(ROOT, 'plugins')):
        for name in sorted(files):
            if name.endswith('.py'):
                yield os.path.join(directory, name)


def _text(node):
    """The literal text of a message expression: the format string of ``'...' % args``."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        node = node.left
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _callee(call):
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _messages_of_call(call):
    name = _callee(call)
    nodes = [keyword.value for keyword in call.keywords if keyword.arg in MESSAGE_KEYWORDS]
    if name in MESSAGE_ARGUMENT and len(call.args) > MESSAGE_ARGUMENT[name]:
        nodes.append(call.args[MESSAGE_ARGUMENT[name]])
    if name == 'append' and isinstance(call.func.value, ast.Name) and call.func.value.id == 'errors' and call.args:
        nodes.append(call.args[0])
    if name in FAILING_KINDS and len(call.args) >= 2:
        kind = call.args[0]
        if isinstance(kind, ast.Name) and kind.id == FAILING_KINDS[name]:
            nodes.extend(call.args[1:])
    return nodes


def raised_messages():
    """(where, format string) of every error message in plugins/."""
    found = []
    for path in _python_files():
        with open(path) as handle:
            tree = ast.parse(handle.read(), path)
        where = os.path.relpath(path, ROOT)
        for node in ast.walk(tree):
            nodes = []
            if isinstance(node, ast.Call):
                nodes = _messages_of_call(node)
            elif isinstance(node, ast.Assign) and any(getattr(target, 'id', None) == 'cause' for target in node.targets):
                nodes = [node.value]
            for message in nodes:
                text = _text(message)
                if text is not None:
                    found.append(('%s:%d' % (where, node.lineno), text))
    return found


@functools.lru_cache(maxsize=None)
def source_literals():
    """Every string literal of plugins/ with its placeholders taken out, and the role's tasks."""
    literals = []
    for path in _python_files():
        with open(path) as handle:
            tree = ast.parse(handle.read(), path)
        literals.extend(PRINTF_SPEC.sub('', node.value) for node in ast.walk(tree)
                        if isinstance(node, ast.Constant) and isinstance(node.value, str))
    with open(ROLE_TASKS) as handle:
        literals.append(handle.read())
    return tuple(_normalise(literal) for literal in literals)


def _normalise(text):
    return ' '.join(text.split())


@functools.lru_cache(maxsize=None)
def guide_text():
    with open(GUIDE) as handle:
        return handle.read()


def documented_templates():
    """The templates the guide lists: backticked text in ### headings and in its bug section's bullets."""
    templates = []
    in_bug_section = False
    for line in guide_text().splitlines():
        if line.startswith('## '):
            in_bug_section = 'bug' in line.lower()
        if line.startswith('### ') or (in_bug_section and line.lstrip().startswith(('- `', '`'))):
            templates.extend(re.findall(r'`([^`]+)`', line))
    return templates


def template_pattern(template):
    """A regular expression for a template: its fixed text in order, anything where <...> stands."""
    pieces = re.split(r'<[^>]*>', template)
    return re.compile('.*'.join(re.escape(_normalise(piece)).replace(r'\ ', r'\s*') for piece in pieces), re.DOTALL)


def clauses(message):
    """The fixed clauses of a format string worth looking up in the guide."""
    parts = re.split(r'[;:]', PRINTF_SPEC.sub('\0', message).replace('\0', ';'))
    stripped = [_normalise(part).strip(' ,.()\'"') for part in parts]
    return [part[:CLAUSE_CHARS] for part in stripped if len(part) >= MIN_CLAUSE]


def test_the_guide_lists_templates():
    assert len(documented_templates()) >= 60


@pytest.mark.parametrize('template', documented_templates())
def test_each_documented_message_is_still_produced(template):
    pattern = template_pattern(template)
    assert any(pattern.search(literal) for literal in source_literals()), (
        'docs/troubleshooting.md lists %r, but no message in plugins/ or the role reads like that any more; '
        'update or remove the entry' % (template,))


def test_the_code_raises_messages():
    assert len(raised_messages()) >= 80


@pytest.mark.parametrize('where, message', [pytest.param(where, message, id=where)
                                            for where, message in raised_messages() if clauses(message)])
def test_each_raised_message_is_in_the_guide(where, message):
    guide = _normalise(guide_text())
    wanted = clauses(message)
    assert any(clause in guide for clause in wanted), (
        '%s raises %r, which docs/troubleshooting.md does not mention (looked for any of %r); '
        'add an entry saying what it means and what to do' % (where, message, wanted))
