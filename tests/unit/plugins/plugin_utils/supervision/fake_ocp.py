# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An in-memory OCP task API for the supervisor's unit tests, on a fake clock.

It follows OCP's engine where the supervisor's guarantees depend on it (docs/ocp-behaviour.md and OCP Express,
as the simulator does over HTTP): a subtask retry leaves ``runTime`` unchanged (``run_time_counting
='every_run'`` keeps the older rule), every run writes a ``############{OP}{time}############``
separator to the subtask's log, ``startTime`` is the first run's, a rollback marks the task
ROLLBACK. ``on_retry(task, subtask)`` says what a retry leads to. The integration tests prove the
same against the simulator over real HTTP; these only make the supervisor's logic quick to test.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import datetime

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpNotFoundError
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.task_api import TaskApi
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision import log_search

START = datetime.datetime(2024, 5, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)
# How runTime grows, unless a test says: OCP's engine ('ocp') or the older rule ('every_run');
# test_supervisor.py runs every test under both.
COUNTING = {'default': 'ocp'}
FAILED_AT = '2024-05-01T12:00:00.000+00:00'
TIMEOUT_ERROR = 'ERROR 4012 (HY000): Timeout'


class FakeClock:
    def __init__(self):
        self.seconds = 0.0
        self.sleeps = []

    def monotonic(self):
        return self.seconds

    def sleep(self, seconds):
        assert seconds > 0
        self.sleeps.append(seconds)
        self.seconds += seconds

    def now(self):
        return START + datetime.timedelta(seconds=self.seconds)

    def stamp(self):
        """Now, as OCP writes it; two stamps at one fake instant still differ, as two real ones would."""
        self._stamps = getattr(self, '_stamps', 0) + 1
        return (self.now() + datetime.timedelta(milliseconds=self._stamps)).isoformat(timespec='milliseconds')


def make_subtask(subtask_id, name, status='SUCCESSFUL', run_time=1, operation='EXECUTE', runs=None, **fields):
    """A subtask; ``runs`` is its log as [(operation, error or None)], one entry per run (default: one run
    that ended as ``status`` says, or none while PENDING)."""
    subtask = dict(id=subtask_id, name=name, status=status, operation=operation, runTime=run_time, seriesId=subtask_id,
                   description='%s on host 10.0.0.1' % (name,))
    subtask.update(fields)
    if status == 'FAILED':
        subtask.setdefault('finishTime', FAILED_AT)
    if status in ('RUNNING', 'FAILED', 'SUCCESSFUL'):
        subtask.setdefault('startTime', FAILED_AT)
    if runs is None:
        runs = [] if status in ('PENDING', 'READY') else [(operation, TIMEOUT_ERROR if status == 'FAILED' else None)]
    subtask['_runs'] = [(op, FAILED_AT, error) for op, error in runs]
    return subtask


def make_task(task_id, *subtasks, **fields):
    task = dict(id=task_id, name='Create tenant', status='RUNNING', operation='EXECUTE', prohibitRollback=False,
                subtasks=list(subtasks))
    task.update(fields)
    return task


def failed_task(task_id=1, name='Create resource pool', run_time=1, runs=None):
    return make_task(task_id, make_subtask(task_id * 100 + 10, 'Check tenant parameters'),
                     make_subtask(task_id * 100 + 12, name, status='FAILED', run_time=run_time, runs=runs),
                     status='FAILED')


def settle(task):
    """OCP's rule: any subtask at work -> RUNNING, else any FAILED -> FAILED, else SUCCESSFUL."""
    statuses = [s['status'] for s in task['subtasks']]
    if set(statuses) & set(['RUNNING', 'READY', 'CANCELING']):
        task['status'] = 'RUNNING'
    elif 'FAILED' in statuses:
        task['status'] = 'FAILED'
    else:
        task['status'] = 'SUCCESSFUL'


def public(subtask):
    return dict((key, value) for key, value in subtask.items() if not key.startswith('_'))


class FakeOcp:
    """OCP's task endpoints in memory. ``clock`` stamps runs and finish times."""

    def __init__(self, *tasks, **options):
        self.tasks = dict((task['id'], task) for task in tasks)
        self.clock = options.get('clock') or FakeClock()
        self.on_retry = options.get('on_retry', succeed_on_retry)
        self.run_time_counting = options.get('run_time_counting', COUNTING['default'])
        self.logs = options.get('logs', {})
        self.calls = []
        # (error, takes_effect) for the next POSTs; a list is used up one POST at a time.
        self.fail_post = options.get('fail_post')
        # error raised by reads while set (a callable may decide per call)
        self.fail_reads = None
        # called before each POST is applied: another actor's move
        self.before_post = None

    # ---------------------------------------------------------------- reads

    def _calls(self, kind):
        return [call for call in self.calls if call[0] == kind]

    @property
    def posts(self):
        return [call for call in self.calls if call[0] in ('retry', 'skip', 'cancel', 'rollback')]

    def _read_fault(self, kind):
        error = self.fail_reads(kind) if callable(self.fail_reads) else self.fail_reads
        if error is not None:
            raise error

    def get_task(self, task_id):
        self.calls.append(('get', task_id))
        self._read_fault('get')
        if task_id not in self.tasks:
            raise OcpNotFoundError(status=404, code=20000, message='task %s not found' % task_id)
        task = copy.deepcopy(self.tasks[task_id])
        task['subtasks'] = [public(s) for s in task['subtasks']]
        return task

    # The one paging loop, over this fake's pages.
    pages = TaskApi.pages

    def list_tasks(self, filters, page=1, size=10, sort=None):
        self.calls.append(('list', page))
        self._read_fault('list')
        listed = [dict(id=t['id'], name=t['name'], status=t['status'],
                       subtasks=[dict(id=s['id'], name=s['name'], status=s['status'], operation=s['operation'])
                                 for s in t['subtasks']])
                  for t in sorted(self.tasks.values(), key=lambda t: -t['id']) if t['status'] in filters['status']]
        first = (page - 1) * size
        total_pages = max(-(-len(listed) // size), 1)
        return listed[first:first + size], dict(totalElements=len(listed), totalPages=total_pages, number=page)

    def get_subtask_log(self, task_id, subtask_id):
        self.calls.append(('log', task_id, subtask_id))
        self._read_fault('log')
        if subtask_id in self.logs:
            return self.logs[subtask_id]
        subtask = self._subtask(task_id, subtask_id)
        lines = []
        for operation, started, error in subtask['_runs']:
            lines.append('############{%s}{%s}############' % (operation, started))
            lines.append('2024-05-01 12:00:00.000 INFO [executor-1,abc] Task : run %s' % (subtask['name'],))
            if error:
                lines.append('2024-05-01 12:00:01.000 ERROR [executor-1,abc] Task : %s' % (error,))
                lines.append('Set state for subtask: %s, operation:%s, state: FAILED' % (subtask_id, operation))
        return '\n'.join(lines)

    def _subtask(self, task_id, subtask_id):
        return next(s for s in self.tasks[task_id]['subtasks'] if s['id'] == subtask_id)

    # ---------------------------------------------------------------- actions

    def _post(self, kind, task_id, subtask_id=None):
        self.calls.append((kind, task_id, subtask_id))
        if self.before_post is not None:
            self.before_post(kind, task_id, subtask_id)
        failure = self.fail_post.pop(0) if isinstance(self.fail_post, list) and self.fail_post else (
            None if isinstance(self.fail_post, list) else self.fail_post)
        if failure is not None:
            error, takes_effect = failure
            if takes_effect:
                self.apply(kind, task_id, subtask_id)
            raise error
        self.apply(kind, task_id, subtask_id)

    def start_run(self, subtask, operation):
        subtask['_runs'].append((operation, self.clock.stamp(), None))

    def end_run(self, task, subtask, status, error=None):
        operation, started, _error = subtask['_runs'][-1]
        subtask['_runs'][-1] = (operation, started, error)
        subtask['status'] = status
        subtask['finishTime'] = self.clock.stamp()
        settle(task)

    def apply(self, kind, task_id, subtask_id=None):
        """What OCP does at once when it accepts an action (and, for a retry, what ``on_retry`` says next)."""
        task = self.tasks[task_id]
        if kind == 'rollback':
            task.update(status='SUCCESSFUL', operation='ROLLBACK')
            for subtask in task['subtasks']:
                if subtask['status'] != 'PENDING':
                    subtask.update(status='PENDING', operation='ROLLBACK')
                    subtask['_runs'].append(('ROLLBACK', self.clock.stamp(), None))
            return
        subtask = self._subtask(task_id, subtask_id)
        if kind == 'retry':
            subtask.update(operation='RETRY', status='READY')
            subtask.pop('finishTime', None)
            if self.run_time_counting == 'every_run':
                subtask['runTime'] += 1
            settle(task)
            self.on_retry(self, task, subtask)
        elif kind == 'skip':
            subtask.update(status='SUCCESSFUL', operation='SKIP')
            subtask['_runs'].append(('SKIP', self.clock.stamp(), None))
            settle(task)
        elif kind == 'cancel':
            subtask.update(status='FAILED', operation='CANCEL', finishTime=self.clock.stamp())
            subtask['_runs'].append(('CANCEL', self.clock.stamp(), None))
            settle(task)

    def retry_subtask(self, task_id, subtask_id):
        self._post('retry', task_id, subtask_id)

    def skip_subtask(self, task_id, subtask_id):
        self._post('skip', task_id, subtask_id)

    def cancel_subtask(self, task_id, subtask_id):
        self._post('cancel', task_id, subtask_id)

    def rollback_task(self, task_id):
        self._post('rollback', task_id)


def succeed_on_retry(ocp, task, subtask):
    ocp.start_run(subtask, 'RETRY')
    ocp.end_run(task, subtask, 'SUCCESSFUL')


def fail_on_retry(ocp, task, subtask):
    ocp.start_run(subtask, 'RETRY')
    ocp.end_run(task, subtask, 'FAILED', TIMEOUT_ERROR)


def stay_ready(ocp, task, subtask):
    """OCP accepted the retry but has not started the run yet."""


def search_in_process(patterns, lines):
    """log_search.search without its child process: the tests' patterns are trusted to end quickly."""
    cut = log_search.bounded_lines(lines)
    return log_search.SearchResult([pattern for pattern in patterns if any(pattern.search(line) for line in cut)], [])
