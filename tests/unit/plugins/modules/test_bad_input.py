# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every bad-input case of bad_input_cases.py, each module's main() (and ocp_task_wait's action
plugin) run in-process against the simulator on a thread: a clear message, no traceback, no
password of api_url shown, and no request in the simulator's journal."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import re

import pytest

from ansible_collections.oceanbase.ocp.plugins.modules import (
    ocp_api, ocp_subtask_action, ocp_task_action, ocp_task_info, ocp_task_wait)

from bad_input_cases import URL_PASSWORD, cases
from in_process import ADMIN_USER, InProcessSimulator, run_action, run_module

MODULES = {'info': ocp_task_info, 'task': ocp_task_action, 'subtask': ocp_subtask_action, 'api': ocp_api}
# The connection the cases change; the address is the simulator's, set per run.
CONNECTION = dict(api_url='http://127.0.0.1:1', username=ADMIN_USER[0], password=ADMIN_USER[1])
CASES = cases(CONNECTION)


@pytest.fixture(autouse=True)
def no_ocp_environment(monkeypatch):
    """The cases give every option themselves: nothing comes from the caller's OCP_* variables."""
    for name in [name for name in os.environ if name.startswith('OCP_')]:
        monkeypatch.delenv(name)


@pytest.fixture(scope='module')
def ocp():
    with InProcessSimulator() as simulator:
        yield simulator


def _at(simulator, args):
    """The case's arguments, pointed at the simulator where they name the placeholder address."""
    if args.get('api_url') == CONNECTION['api_url']:
        args = dict(args, api_url=simulator.url)
    return args


def _run(case, simulator):
    args = _at(simulator, case['args'])
    if case['module'] == 'wait':
        return run_action(args)
    return run_module(MODULES[case['module']], args)


@pytest.mark.parametrize('case', CASES, ids=[case['name'] for case in CASES])
def test_bad_input_fails_clearly_before_any_request(ocp, case):
    ocp.clear_journal()
    result = _run(case, ocp)
    assert result.get('failed') is True, result
    assert re.search(case['message'], result.get('msg', '')), '%r not in %r' % (case['message'], result.get('msg'))
    text = json.dumps(result, default=str)
    assert 'Traceback' not in text and 'module_stderr' not in result
    assert URL_PASSWORD not in text
    assert ocp.journal() == [], 'requests were sent: %s' % (ocp.journal(),)


def test_the_wait_modules_own_file_says_it_runs_as_an_action_plugin():
    result = run_module(ocp_task_wait, dict(tasks=[1]))
    assert result['failed'] is True and 'runs as an action plugin on the controller' in result['msg']
