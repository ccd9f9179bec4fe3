# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""docs/ocp-behaviour.md, the project's evidence page, stays true to the tests it cites.

Each row names the tests that pin it as ``path::test`` (``path::Class::test`` inside a class), and
``::test`` alone stands for a test in the file named just before it. Every test cited must exist,
so that a renamed or moved test makes its row fail instead of silently pointing nowhere; and every
row has an id, its evidence and a test cell (or says it is not yet pinned).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ast
import functools
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PAGE = os.path.join(ROOT, 'docs', 'ocp-behaviour.md')
REFERENCE = re.compile(r'`((?:tests/|simulator/tests/)[^`:]+\.py)?((?:::[A-Za-z_][A-Za-z0-9_]*)+)(?:\[[^`]*\])?`')
ROW_ID = re.compile(r'^\| ([A-Z]+-[0-9]+) \|')


def _page():
    with open(PAGE) as handle:
        return handle.read()


@functools.lru_cache(maxsize=None)
def _definitions(path):
    """The tests a file defines: ``name`` and ``Class::name``."""
    with open(os.path.join(ROOT, path)) as handle:
        tree = ast.parse(handle.read(), path)
    found = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.add(node.name)
        elif isinstance(node, ast.ClassDef):
            found.add(node.name)
            found.update('%s::%s' % (node.name, item.name) for item in node.body
                         if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)))
    return found


def cited_tests(text):
    """Every ``(path, test)`` the page's rows cite, in order; a bare ``::test`` takes the path named
    before it in the same row."""
    cited = []
    for line in text.splitlines():
        if not ROW_ID.match(line):
            continue
        path = None
        for match in REFERENCE.finditer(line):
            path = match.group(1) or path
            cited.append((path, match.group(2)[2:]))
    return cited


def test_the_page_cites_tests():
    assert len(cited_tests(_page())) > 100


@pytest.mark.parametrize('path, test', sorted(set(cited_tests(_page())), key=repr), ids=lambda value: '%s' % (value,))
def test_each_cited_test_exists(path, test):
    assert path is not None, '::%s is cited before any file' % test
    assert os.path.isfile(os.path.join(ROOT, path)), '%s is cited for %s but does not exist' % (path, test)
    assert test in _definitions(path), '%s defines no test %s' % (path, test)


def test_each_row_has_an_id_evidence_versions_and_a_test_cell():
    rows = [line for line in _page().splitlines() if ROW_ID.match(line)]
    assert len(rows) > 100
    ids = [ROW_ID.match(line).group(1) for line in rows]
    assert len(ids) == len(set(ids)), 'row ids repeat: %s' % sorted(i for i in ids if ids.count(i) > 1)
    for line in rows:
        cells = [cell.strip() for cell in line.strip().strip('|').split('|')]
        assert len(cells) >= 4 and all(cells), 'a row without evidence, versions or test: %s' % line[:120]
