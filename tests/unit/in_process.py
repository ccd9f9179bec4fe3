# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module's ``main()`` and the ocp_task_wait action plugin's ``run()`` inside the test's process.

What ansible-playbook does around them, and no more: a module gets its arguments the way AnsiballZ
hands them over (``ansible.module_utils.basic._ANSIBLE_ARGS``, as awx.awx's ``run_module`` and
amazon.aws's ``patch_ansible_module`` do), prints its result as JSON and exits; the action plugin gets
a real Task, PlayContext and local connection. So a test sees exactly the result a playbook would
register, in milliseconds, against scripted HTTP (``responses``) or the simulator served from a thread
on a clock only the test moves. tests/integration keeps one real ansible-playbook run per module.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import contextlib
import functools
import io
import json
import os

import requests

from ansible.errors import AnsibleAction, AnsibleActionFail
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

try:  # ansible-core 2.19 and later: the supported way, which also sets the serialization profile
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core 2.16 to 2.18 read _ANSIBLE_ARGS alone
    patch_module_args = None

SCENARIOS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'integration', 'scenarios')
SCENARIO = os.path.join(SCENARIOS, 'integration.yaml')
ADMIN_USER = ('admin', 'OcpSim-Admin-2026')
ACCESS_KEY = ('AKINTEGRATION00000001', 'SKintegrationSecret000000000000000000001')


@contextlib.contextmanager
def _module_args(args):
    if patch_module_args is not None:
        with patch_module_args(args):
            yield
        return
    saved = basic._ANSIBLE_ARGS
    basic._ANSIBLE_ARGS = to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args}))
    try:
        yield
    finally:
        basic._ANSIBLE_ARGS = saved


def run_module(module, args, check_mode=False, diff=False):
    """What ``module`` (a plugins.modules module) returns for ``args``: the JSON its ``main()`` printed.

    A module that ends without exit_json or fail_json, or prints anything else, fails the test:
    a playbook would report it as MODULE FAILURE with a traceback."""
    args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff, _ansible_remote_tmp='/tmp',
                _ansible_keep_remote_files=False)
    printed = io.StringIO()
    with _module_args(args), contextlib.redirect_stdout(printed):
        try:
            module.main()
        except SystemExit:
            pass
        else:
            raise AssertionError('%s.main() returned without exit_json or fail_json' % module.__name__)
    return json.loads(printed.getvalue())


def run_action(args, check_mode=False, diff=False, sleep=None):
    """What the ocp_task_wait action plugin's ``run()`` returns for ``args``.

    ``sleep`` stands in for the pause between poll rounds (the supervision's only wait), so a test
    moves the simulator's clock instead of waiting."""
    from ansible.playbook.play_context import PlayContext
    from ansible.playbook.task import Task
    from ansible.plugins.connection.local import Connection
    from ansible_collections.oceanbase.ocp.plugins.action import ocp_task_wait

    task = Task()
    task.action = 'oceanbase.ocp.ocp_task_wait'
    task.args = dict(args)
    play_context = PlayContext()
    play_context.check_mode = check_mode
    task.check_mode = check_mode
    task.diff = diff
    plugin = ocp_task_wait.ActionModule(task, Connection(play_context, None), play_context,
                                        loader=None, templar=None, shared_loader_obj=None)
    pause = ocp_task_wait._SleepWhileTheControllerLives
    if sleep is not None:
        ocp_task_wait._SleepWhileTheControllerLives = functools.partial(pause, sleep=sleep)
    try:
        return plugin.run(task_vars={})
    except AnsibleAction as raised:
        # What the task executor makes of it: ActionBase refuses options it does not know by raising
        # (ansible-core 2.21 builds the failure from the exception, no longer from its result).
        result = dict(getattr(raised, 'result', None) or {})
        if isinstance(raised, AnsibleActionFail):
            result.setdefault('failed', True)
            result.setdefault('msg', getattr(raised, 'message', None) or '%s' % (raised,))
        return result
    finally:
        ocp_task_wait._SleepWhileTheControllerLives = pause


class InProcessSimulator:
    """The OCP simulator on a thread of this process, on a ManualClock, with its admin API."""

    def __init__(self, scenario=SCENARIO, **options):
        from ocp_simulator.clock import ManualClock
        from ocp_simulator.server import SimulatorServer

        self.clock = ManualClock()
        self.server = SimulatorServer(scenario_path=scenario, port=0, admin=True, clock=self.clock,
                                      ocp_version='express', **options)
        self.url = self.server.url

    def __enter__(self):
        self.server.start()
        return self

    def __exit__(self, *exc_info):
        self.server.stop()

    def connection(self, user=ADMIN_USER):
        return dict(api_url=self.url, username=user[0], password=user[1])

    def _admin(self, method, path, **kwargs):
        response = requests.request(method, self.url + '/__simulator__' + path, timeout=30, **kwargs)
        response.raise_for_status()
        return response

    def create_task(self, template, **fields):
        return self._admin('POST', '/tasks', json=dict(template=template, **fields)).json()

    def journal(self):
        return self._admin('GET', '/journal').json()['entries']

    def clear_journal(self):
        self._admin('DELETE', '/journal')

    def advance(self, seconds):
        """Time passing on OCP's side: the pause of the code under test."""
        self._admin('POST', '/clock', json={'advance_seconds': seconds})

    def posts(self):
        return [(entry['path'], entry['status']) for entry in self.journal() if entry['method'] == 'POST']
