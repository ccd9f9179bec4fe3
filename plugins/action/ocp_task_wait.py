# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ocp_task_wait runs on the controller, so it can print progress while it waits.

A module only reports when it ends, and AWX kills a job that prints nothing for a while. All
the supervision is in plugins/plugin_utils/supervision/; this plugin parses the options, builds the
client, runs the supervisor with Display as its progress callback and returns the result.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import math
import os
import signal
import threading
import time
import traceback

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.address import api_url_secrets
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpClientError, OcpError
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.ocp_client import HAS_REQUESTS
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.arguments import (
    client_from_params,
    connection_option_errors,
    credential_secrets,
    task_wait_argument_spec,
    wait_option_errors,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.results import error_details
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.policy import parse_policy
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.reporting import check_mode_message, unsuccessful_message
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.supervisor import Supervisor
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.references import task_ids_from
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.task_api import TaskApi
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.timestamps import ServerClock
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.waiter import SUCCEEDED

display = Display()


def _option_errors(params):
    # connection_option_errors refuses NaN and infinity in every option, progress_interval included.
    errors = connection_option_errors(params) + wait_option_errors(params)
    interval = params['progress_interval']
    if math.isfinite(interval) and interval <= 0:
        errors.append('progress_interval must be a number of seconds above 0, got %s' % interval)
    return errors


def _secret_values(spec, params):
    """The values of the no_log options, as text, after env fallbacks were applied, and a password
    written into api_url (refused, but never to be shown)."""
    secrets = set('%s' % (params[name],) for name, option in spec.items()
                  if option.get('no_log') and params.get(name) not in (None, ''))
    secrets |= credential_secrets(params)
    if isinstance(params.get('api_url'), str):
        secrets |= api_url_secrets(params['api_url'])
    return secrets


class _SleepWhileTheControllerLives:
    """The pause between poll rounds, which stops the supervision once ansible-playbook is gone.

    Ansible's workers run in a session of their own, so a killed or cancelled ansible-playbook
    (an AWX job cancelled, the controller OOM-killed) would leave this worker supervising, and
    acting on OCP, with nobody to report to and next to a supervision started again.
    """

    def __init__(self, sleep=time.sleep, parent_pid=os.getppid):
        self._sleep = sleep
        self._parent_pid = parent_pid
        self._controller = parent_pid()

    @property
    def controller_gone(self):
        return self._parent_pid() != self._controller

    def __call__(self, seconds):
        self._sleep(seconds)
        if self.controller_gone:
            raise OcpClientError('ansible-playbook, which ran this supervision, has gone; running again is safe')


class _ControllerWatch:
    """Ends this worker within ``interval`` seconds of ansible-playbook going away, whatever it is doing.

    The pause above catches it between rounds; this thread catches it during a long request or
    anything else, because the worker must not act on OCP with nobody to report to.
    """

    def __init__(self, pause, interval=0.5, exit_process=os._exit, sleep=time.sleep, last_words=None):
        self._pause = pause
        self._last_words = last_words or (lambda: None)
        self._interval = interval
        self._exit = exit_process
        self._sleep = sleep
        self._stopped = threading.Event()

    def watch_once(self):
        if self._pause.controller_gone and not self._stopped.is_set():
            self._last_words()
            self._exit(1)

    def _loop(self):
        while not self._stopped.is_set():
            self.watch_once()
            self._sleep(self._interval)

    def __enter__(self):
        threading.Thread(target=self._loop, name='ocp-controller-watch', daemon=True).start()
        return self

    def __exit__(self, *exc_info):
        self._stopped.set()


def _controller_output():
    """A descriptor on ansible-playbook's own stdout (its terminal, or the pipe AWX reads), or None.

    A worker's stdout and stderr are /dev/null, and when ansible-playbook is interrupted the
    queue that carries Display's lines is no longer read: the last words about unfinished tasks
    reach the user only this way. Linux's /proc; elsewhere there are no last words.
    """
    try:
        return os.open('/proc/%d/fd/1' % os.getppid(), os.O_WRONLY | os.O_APPEND | os.O_NOCTTY)
    except (OSError, AttributeError):
        return None


def _say_left_unfinished(supervisor, output):
    try:
        lines = supervisor.left_unfinished()
        if lines and output is not None:
            os.write(output, ('\n' + '\n'.join(lines) + '\n').encode('utf-8', 'replace'))
    except Exception:  # pylint: disable=broad-except
        pass  # the last words are a courtesy: stopping must not fail


class _StoppedBySignal:
    """On SIGTERM or SIGINT (ansible-playbook interrupted, an AWX job cancelled), one last line per
    unfinished task, then the worker ends as the signal meant."""

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self, last_words, exit_process=os._exit):
        self._last_words = last_words
        self._exit = exit_process
        self._previous = {}

    def _handle(self, signum, _frame):
        self._last_words()
        self._exit(128 + signum)

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc_info):
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(task_wait_argument_spec())

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        spec = task_wait_argument_spec()
        validation = ArgumentSpecValidator(spec).validate(self._task.args)
        # Secrets (also from OCP_PASSWORD and the like) must never reach the output, not even in
        # an error message that quotes a value.
        secrets = _secret_values(spec, validation.validated_parameters)
        outcome = self._supervise(validation)
        result.update(outcome)
        return remove_values(result, secrets)

    def _supervise(self, validation):
        if validation.error_messages:
            return dict(failed=True, msg='; '.join(validation.error_messages))
        params = validation.validated_parameters
        errors = _option_errors(params)
        if not HAS_REQUESTS:
            errors.append('the Python library requests is required on the controller')
        if errors:
            return dict(failed=True, msg='; '.join(errors))
        try:
            # Everything the user gave is checked before the first request.
            policy = parse_policy(params['policy'])
            task_ids = task_ids_from(params['tasks'])
            client = client_from_params(params)
        except OcpError as error:
            return dict(failed=True, msg='%s' % (error,))

        pause = _SleepWhileTheControllerLives()
        supervisor = Supervisor(TaskApi(client), policy, params['wait_timeout'], params['wait_sleep'],
                                progress_interval=params['progress_interval'],
                                check_mode=bool(self._play_context.check_mode), now=ServerClock(client),
                                sleeper=pause, progress=self._show_progress, diff=bool(self._task.diff))
        output = _controller_output()

        def last_words():
            _say_left_unfinished(supervisor, output)

        try:
            with _ControllerWatch(pause, last_words=last_words), _StoppedBySignal(last_words):
                outcome = supervisor.run(task_ids)
        except OcpError as error:
            # Say what was done before the error: actions may have been sent already.
            details = error_details(error)
            outcome = supervisor.report_so_far()
            outcome.update(failed=True, msg='supervising the tasks stopped: %s' % (error,), error=details,
                           trace_id=details['trace_id'])
            return outcome
        # Whatever it is, the report of what was done comes first: without it, the role and
        # whoever reads set_stats would know of no task at all (a bug of this collection's).
        except Exception as error:  # pylint: disable=broad-except
            outcome = supervisor.report_so_far()
            outcome.update(failed=True, exception=traceback.format_exc(), msg=(
                'supervising the tasks stopped on an error of the collection (%s: %s); the tasks go on in OCP, '
                'and running this again is safe: please report it with the exception' % (type(error).__name__, error)))
            return outcome
        finally:
            if output is not None:
                os.close(output)
        if self._play_context.check_mode:
            # What the policy would do and what it would leave failed, in one line: check mode
            # reports decisions and never fails the play for what it could not do.
            outcome['msg'] = check_mode_message(outcome)
            return outcome
        unsuccessful = any(
            task['outcome'] != SUCCEEDED for task in outcome['tasks'])
        if unsuccessful:
            # The one explanation, also when the play goes on: the role fails with it.
            outcome['msg'] = unsuccessful_message(outcome)
            outcome['failed'] = bool(params['fail_when_unsuccessful'])
        return outcome

    def _show_progress(self, line):
        # Display reaches ansible-playbook's stdout (and ansible-runner's) from the worker process.
        display.display('ocp_task_wait: %s' % (line,))
