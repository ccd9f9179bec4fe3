# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The copies of the filter table in documentation, the role's argument spec and the role's task
are current (tests/utils/task_filter_docs.py writes them with `make docs`), and each is made from
the table, so that a filter added to the table reaches every place that lists filters."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'utils'))

# pylint: disable-next=wrong-import-position
import task_filter_docs  # noqa: E402  (needs the path above)

from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.filters import FILTER_OPTIONS  # noqa: E402


def test_every_copy_of_the_filter_table_is_current():
    assert task_filter_docs.stale() == [], 'run `make docs` and commit the result'


def test_the_role_spec_and_task_take_every_filter():
    with open(task_filter_docs.ROLE_SPECS) as handle:
        spec = yaml.safe_load(handle)
    options = spec['argument_specs']['main']['options']['task_supervisor_filter']['options']
    assert set(FILTER_OPTIONS) <= set(options)
    with open(task_filter_docs.ROLE_TASKS) as handle:
        text = handle.read()
    for option in FILTER_OPTIONS:
        assert 'task_supervisor_filter.%s | default(omit)' % option in text


def test_the_doc_fragment_documents_every_filter():
    namespace = {}
    with open(task_filter_docs.FRAGMENT) as handle:
        exec(compile(handle.read(), 'task_filters.py', 'exec'), namespace)  # pylint: disable=exec-used
    documented = yaml.safe_load(namespace['ModuleDocFragment'].DOCUMENTATION)['options']
    assert list(documented) == list(FILTER_OPTIONS)
