# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one in-memory OCP of the unit tests: OCP's task endpoints as TaskApi offers them, on a clock
the test moves, with faults the test injects.

The supervision's tests (``ocp_task_wait``), the event source's and the task-list watcher's use it;
tests that need OCP's HTTP answers script them with ``responses`` (ocp_http_mock.py), and
tests/integration runs everything against the simulator over real HTTP.

It follows OCP's engine where the collection's guarantees depend on it (docs/ocp-behaviour.md):

- every run writes a separator ``############{OPERATION}{start}############`` and its end a
  ``Set state for subtask`` line (LOG-2, LOG-5); a skip is a run too (ENG-6);
- ``runTime`` starts at 1; a subtask retry leaves it, a task retry adds 1 (ST-7);
  ``run_time_counting='every_run'`` is the other reading (every run adds 1);
- a subtask's ``startTime`` is its first run's, ``finishTime`` is cleared when a run starts and
  set at each end, a task's ``finishTime`` is never cleared (ST-12);
- a task's status follows its subtasks (ST-9), which here run one after the other; a finished
  rollback leaves the task SUCCESSFUL under ROLLBACK with every subtask PENDING (ST-10);
- a list entry carries what a BasicTaskInstance does (LIST-8): no ``operation``, ``type`` or
  ``prohibitRollback``, subtasks with id, name, description, status and operation only, listed in
  no fixed order (here reversed, so that the readers' normalisation is tested too).

A test plays a broken or hostile OCP with ``spoil`` (what OCP sends of a task, for reads and list
entries, changed by a function) and ``extra_entries`` (list entries of the test's own making); the
answers go through the same check TaskApi reads them with (snapshot.checked_task).

It does not check whether an action is legal: it applies an action the way OCP does once it
accepts it, and a test that wants a refusal injects one (``fail_post``). The legality table is
tested on its own (actions/test_legality.py) and against the simulator.

Why one fake here rather than the simulator's engine behind an adapter: a unit test sets the
exact state it is about in one line (a subtask that failed three times with these log lines, a
log without separators, a 2 MB line, a ``retryCount``) and faults at the exact moment it attacks
(another actor's retry right before our POST, a POST carried out whose answer is lost); the
engine reaches states only by running its templates through scripted faults over time, and it is
being reshaped per OCP version (simulator/CONTRACT.md). The simulator keeps the fidelity: the
integration tests run the same guarantees against it over HTTP.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import copy
import datetime

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import (
    OcpBadRequestError,
    OcpMalformedAnswerError,
    OcpNotFoundError,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.filters import FILTER_OPTIONS
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.snapshot import checked_task, in_execution_order
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.task_api import TaskApi

# OCP's clock at the start of every test, in OCP's default offset (+08:00, as the simulator's).
START = datetime.datetime(2024, 5, 1, 12, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
TIMEOUT_ERROR = 'ERROR 4012 (HY000): Timeout'
# How runTime grows unless a test says: OCP's engine ('ocp') or the older reading ('every_run').
# The supervision's tests run each test under both (their fixture sets it).
COUNTING = {'default': 'ocp'}
# Fields a list entry (BasicTaskInstance, LIST-8) does not carry, and the subtask fields it does.
DETAIL_ONLY_TASK_FIELDS = ('operation', 'type', 'prohibitRollback')
LIST_SUBTASK_FIELDS = ('id', 'name', 'description', 'status', 'operation')
ACTIONS = ('retry', 'skip', 'cancel', 'rollback')
_AT_WORK = ('READY', 'RUNNING', 'CANCELING')
_MILLISECOND = datetime.timedelta(milliseconds=1)

Run = collections.namedtuple('Run', ['operation', 'started', 'error', 'state'])
Run.__doc__ = """One run in a subtask's log: its operation, its start (OCP's text), the error it wrote
(or None) and the state it ended in (None while it goes)."""


def stamp(moment):
    """A moment as OCP writes it, to the millisecond."""
    return moment.isoformat(timespec='milliseconds')


# The moment the runs of tasks built before a test starts are stamped with.
FAILED_AT = stamp(START)


class FakeClock:
    """OCP's clock and the controller's, moved by the test: ``sleep`` is a sleep of the code under
    test (recorded), ``advance`` time passing on OCP's side."""

    def __init__(self, start=START):
        self.start = start
        self.seconds = 0.0
        self.sleeps = []
        # Stamps built before the test (FAILED_AT) count as written: the next one comes after.
        self._last_stamp = start

    def monotonic(self):
        return self.seconds

    def sleep(self, seconds):
        assert seconds > 0
        self.sleeps.append(seconds)
        self.seconds += seconds

    def advance(self, seconds):
        self.seconds += seconds

    def now(self):
        return self.start + datetime.timedelta(seconds=self.seconds)

    def stamp(self):
        """Now as OCP writes it; two stamps at one fake instant still differ, as two real ones would."""
        self._last_stamp = max(self.now(), self._last_stamp + _MILLISECOND)
        return stamp(self._last_stamp)

    def server_time(self):
        """OCP's time when it answers: never before anything it has written."""
        return stamp(max(self.now(), self._last_stamp))


def make_subtask(subtask_id, name, status='SUCCESSFUL', run_time=1, operation='EXECUTE', runs=None, **fields):
    """A subtask as OCP holds it; ``runs`` is its log as ``[(operation, error or None)]``, one entry a
    run (default: one run that ended as ``status`` says, none while PENDING or READY). Runs before the
    last ended FAILED when they wrote an error, else SUCCESSFUL; the last one ends as ``status`` says."""
    subtask = dict(id=subtask_id, name=name, status=status, operation=operation, runTime=run_time, seriesId=subtask_id,
                   description='%s on host 10.0.0.1' % (name,))
    subtask.update(fields)
    if runs is None:
        runs = [] if status in ('PENDING', 'READY') else [(operation, TIMEOUT_ERROR if status == 'FAILED' else None)]
    if status == 'FAILED' or (status in ('SUCCESSFUL', 'PENDING') and runs):
        subtask.setdefault('finishTime', FAILED_AT)
    if runs:
        subtask.setdefault('startTime', FAILED_AT)
    ended = [('FAILED' if error else 'SUCCESSFUL') for _operation, error in runs[:-1]]
    if runs:
        ended.append(status if status in ('FAILED', 'SUCCESSFUL', 'PENDING') else None)
    subtask['_runs'] = [Run(run_operation, FAILED_AT, error, state)
                        for (run_operation, error), state in zip(runs, ended)]
    return subtask


def make_task(task_id, *subtasks, **fields):
    """A task as OCP holds it (RUNNING under EXECUTE unless ``fields`` say)."""
    task = dict(id=task_id, name='Create tenant', status='RUNNING', operation='EXECUTE', prohibitRollback=False,
                type='MANUAL', cluster=dict(id=1, name='obcluster'), tenant=dict(id=1002, name='t_app'),
                creator=dict(id=1, name='admin'), startTime=FAILED_AT, subtasks=list(subtasks))
    task.update(fields)
    if task['status'] != 'RUNNING':
        task.setdefault('finishTime', FAILED_AT)
    return task


def failed_task(task_id=1, name='Create resource pool', run_time=1, runs=None):
    """A FAILED task: subtask ``task_id``10 succeeded, subtask ``task_id``12 (``name``) failed."""
    return make_task(task_id, make_subtask(task_id * 100 + 10, 'Check tenant parameters'),
                     make_subtask(task_id * 100 + 12, name, status='FAILED', run_time=run_time, runs=runs),
                     status='FAILED')


def _public(item):
    return dict((key, value) for key, value in item.items() if not key.startswith('_'))


def _log_time(started):
    """A run's start as OCP's log lines write times: ``2024-05-01 12:00:00.000``."""
    moment = datetime.datetime.fromisoformat(started)
    return moment.strftime('%Y-%m-%d %H:%M:%S.') + '%03d' % (moment.microsecond // 1000,)


def render_log(subtask):
    """The text of a subtask's log endpoint for its runs (LOG-1, LOG-2, LOG-5, ENG-6)."""
    lines = []
    for run in subtask['_runs']:
        lines.append('############{%s}{%s}############' % (run.operation, run.started))
        when = _log_time(run.started)
        if run.operation in ('SKIP', 'ROLLBACK_SKIP'):
            lines.append('%s INFO [subtask-executor-1,abc] c.o.o.t.e.r.JavaSubtaskRunner : Operation is %s, do nothing'
                         % (when, run.operation))
        else:
            lines.append('%s INFO [subtask-executor-1,abc] c.o.o.Task : Start %s' % (when, subtask['name']))
        if run.error:
            lines.append('%s ERROR [subtask-executor-1,abc] c.o.o.Task : %s' % (when, run.error))
        if run.state is not None and run.operation != 'ROLLBACK_SKIP':
            lines.append('Set state for subtask: %s, operation:%s, state: %s' % (subtask['id'], run.operation, run.state))
    return '\n'.join(lines)


class FakeOcp:
    """OCP's task endpoints in memory.

    The test's side builds and moves tasks (``add_task``, ``start``, ``succeed``, ``fail``,
    ``retry``, ``skip``, ``roll_back``, ``run_to_success``; or tasks built with ``make_task``), moves
    the clock (``advance``) and injects faults: ``fail_reads`` (an error, or a callable given the
    kind of read returning one or None) for reads, ``fail_next`` for the next calls of any kind,
    ``fail_post`` (``(error, carried_out)``, or a list used up one POST at a time) for actions, and
    ``before_post`` (another actor's move right before each POST). ``on_retry(ocp, task, subtask)``
    says what a retry sent through the API leads to at once (default: the run succeeds).

    Every call is recorded in ``calls``: ``('list', page)``, ``('read', task_id)``,
    ``('log', task_id, subtask_id)`` and ``(action, task_id, subtask_id or None)``.
    """

    def __init__(self, *tasks, **options):
        self.clock = options.get('clock') or FakeClock()
        self.tasks = dict((task['id'], task) for task in tasks)
        self.on_retry = options.get('on_retry', succeed_on_retry)
        self.run_time_counting = options.get('run_time_counting', COUNTING['default'])
        # Fixed texts for some subtasks' logs, by subtask id, instead of what their runs write.
        self.logs = dict(options.get('logs') or {})
        self.fail_post = options.get('fail_post')
        self.fail_reads = None
        self.before_post = None
        # An older OCP might refuse to sort the list by finishTime (LIST-7).
        self.refuse_finish_time_sort = False
        self.calls = []
        self.next_subtask_id = 100
        self._next_faults = []
        # A broken or hostile OCP: what it sends of a task (detail and list entry), by task id, is
        # spoil[task_id](what it would send); extra_entries come on every list page as they are.
        self.spoil = {}
        self.extra_entries = []

    # ------------------------------------------------------------ the test's side: time

    @property
    def now(self):
        return self.clock.now()

    def advance(self, seconds):
        self.clock.advance(seconds)

    @property
    def last_server_time(self):
        """OCP's timestamp of its last answer, as the client's ``last_server_time`` gives it."""
        return self.clock.server_time()

    # ------------------------------------------------------------ the test's side: tasks

    def add_task(self, task_id, subtasks=('Check', 'Work', 'Save'), name='Create tenant', descriptions=None):
        """A RUNNING task whose first subtask has just started and the others are PENDING; its subtasks."""
        rows = []
        for index, subtask_name in enumerate(subtasks):
            subtask = dict(id=self.next_subtask_id, name=subtask_name, seriesId=index + 1, status='PENDING',
                           operation='EXECUTE', runTime=1,
                           description=(descriptions or {}).get(subtask_name, 'Do %s' % subtask_name), _runs=[])
            self.next_subtask_id += 1
            rows.append(subtask)
        self.tasks[task_id] = make_task(task_id, *rows, name=name, startTime=self.clock.stamp())
        self.start(task_id, 0)
        return rows

    def subtasks(self, task_id):
        """The task's subtasks in the order they run."""
        return in_execution_order(self.tasks[task_id]["subtasks"])

    def subtask(self, task_id, index):
        return self.subtasks(task_id)[index]

    def by_id(self, task_id, subtask_id):
        return next(s for s in self.tasks[task_id]['subtasks'] if s['id'] == subtask_id)

    def start(self, task_id, index, operation=None):
        """A run of the subtask starts (under ``operation``, default the subtask's)."""
        self.start_run(self.subtask(task_id, index), operation)
        self.settle(task_id)

    def succeed(self, task_id, index):
        self.end_run(self.tasks[task_id], self.subtask(task_id, index), 'SUCCESSFUL')

    def fail(self, task_id, index, reason=TIMEOUT_ERROR):
        self.end_run(self.tasks[task_id], self.subtask(task_id, index), 'FAILED', reason)

    def retry(self, task_id, index):
        """Someone retries a FAILED subtask (runTime as OCP counts) and its run starts at once."""
        subtask = self.subtask(task_id, index)
        self._mark_retried(subtask)
        self.start_run(subtask, 'RETRY')
        self.settle(task_id)

    def skip(self, task_id, index):
        subtask = self.subtask(task_id, index)
        self._skip(self.tasks[task_id], subtask)

    def roll_back(self, task_id):
        """A whole rollback at once: every subtask that ran is undone and back to PENDING."""
        task = self.tasks[task_id]
        task['operation'] = 'ROLLBACK'
        for subtask in self.subtasks(task_id):
            if subtask['status'] != 'PENDING':
                subtask['operation'] = 'ROLLBACK'
                self.start_run(subtask, 'ROLLBACK')
                self.end_run(task, subtask, 'PENDING')
        self.settle(task_id)

    def run_to_success(self, task_id):
        """Every remaining subtask runs and succeeds."""
        for index, subtask in enumerate(self.subtasks(task_id)):
            if subtask['status'] in ('PENDING', 'READY', 'RUNNING'):
                if subtask['status'] != 'RUNNING':
                    self.start_run(subtask)
                self.succeed(task_id, index)

    def start_run(self, subtask, operation=None):
        if operation:
            subtask['operation'] = operation
        started = self.clock.stamp()
        subtask['status'] = 'RUNNING'
        subtask.setdefault('startTime', started)
        subtask.pop('finishTime', None)
        subtask['_runs'].append(Run(subtask['operation'], started, None, None))

    def end_run(self, task, subtask, status, error=None):
        """The subtask's current run ends as ``status`` (writing ``error``), and the task follows."""
        run = subtask['_runs'][-1]
        subtask['_runs'][-1] = run._replace(error=error or run.error, state=status)
        subtask.update(status=status, finishTime=self.clock.stamp())
        self.settle(task['id'])

    def settle(self, task_id):
        """OCP's rule (ST-9): a subtask at work makes the task RUNNING, else a FAILED one FAILED;
        else the next PENDING subtask starts, unless the task rolls back; else it is SUCCESSFUL."""
        task = self.tasks[task_id]
        statuses = [s['status'] for s in self.subtasks(task_id)]
        if set(statuses) & set(_AT_WORK):
            status = 'RUNNING'
        elif 'FAILED' in statuses:
            status = 'FAILED'
        elif task['operation'] != 'ROLLBACK' and 'PENDING' in statuses:
            self.start(task_id, statuses.index('PENDING'))
            return
        else:
            status = 'SUCCESSFUL'
        if status != task['status']:
            task['status'] = status
            if status != 'RUNNING':
                task['finishTime'] = self.clock.stamp()

    # ------------------------------------------------------------ faults

    def fail_next(self, *errors):
        """The next calls (of any kind) raise these errors in turn; None lets a call through."""
        self._next_faults.extend(errors)

    def _call(self, *call):
        self.calls.append(call)
        if self._next_faults:
            error = self._next_faults.pop(0)
            if error is not None:
                raise error
            return
        error = self.fail_reads(call[0]) if callable(self.fail_reads) else self.fail_reads
        if error is not None:
            raise error

    def calls_of(self, kind):
        return [call for call in self.calls if call[0] == kind]

    def count(self, kind=None):
        return len([call for call in self.calls if kind is None or call[0] == kind])

    @property
    def posts(self):
        return [call for call in self.calls if call[0] in ACTIONS]

    # ------------------------------------------------------------ TaskApi's reads

    # The one paging loop, over this fake's pages, and the list read through it.
    pages = TaskApi.pages
    list_all_tasks = TaskApi.list_all_tasks

    def _sent(self, task, where, asked_id=None):
        """What OCP sends of ``task`` (spoilt as the test says), read as TaskApi reads it."""
        if isinstance(task, dict) and task.get('id') in self.spoil:
            task = self.spoil[task['id']](task)
        return checked_task(task, asked_id=asked_id, where=where)

    def list_tasks(self, filters, page=1, size=10, sort=None, malformed=None):
        # As strict as TaskApi: a filter it does not know (by OCP's parameter name, say) is an error.
        unknown = set(filters) - set(FILTER_OPTIONS)
        assert not unknown, 'TaskApi would refuse the filter(s) %s' % sorted(unknown)
        self._call('list', page)
        statuses = filters.get('status')
        selected = [task for _task_id, task in sorted(self.tasks.items(), reverse=True)
                    if not statuses or task['status'] in statuses]
        if sort == 'finishTime,desc' and not self.refuse_finish_time_sort:
            selected.sort(key=lambda task: task.get('finishTime') or '', reverse=True)
        elif sort not in (None, 'id,desc'):
            raise OcpBadRequestError(400, code=10001, method='GET', path='/api/v2/tasks/instances')
        first = (page - 1) * size
        sent = []
        for task in selected[first:first + size]:
            entry = dict((key, copy.deepcopy(value)) for key, value in task.items()
                         if key not in DETAIL_ONLY_TASK_FIELDS and key != 'subtasks')
            entry['subtasks'] = [dict((key, subtask.get(key)) for key in LIST_SUBTASK_FIELDS)
                                 for subtask in reversed(task['subtasks'])]
            sent.append(entry)
        entries = []
        for position, entry in enumerate(sent + copy.deepcopy(self.extra_entries), 1):
            try:
                entries.append(self._sent(entry, 'entry %d of page %d of the task list' % (position, page)))
            except OcpMalformedAnswerError as error:
                if malformed is None:
                    raise
                malformed.append(error)
        total_pages = max(1, -(-len(selected) // size))
        return entries, dict(totalElements=len(selected), totalPages=total_pages, number=page, size=size)

    def get_task(self, task_id):
        self._call('read', task_id)
        if task_id not in self.tasks:
            raise OcpNotFoundError(404, code=20000, message='task %s not found' % task_id, method='GET',
                                   path='/api/v2/tasks/instances/%s' % task_id)
        task = copy.deepcopy(self.tasks[task_id])
        task['subtasks'] = [_public(subtask) for subtask in task['subtasks']]
        return self._sent(task, None, asked_id=task_id)

    def get_subtask_log(self, task_id, subtask_id):
        self._call('log', task_id, subtask_id)
        if subtask_id in self.logs:
            return self.logs[subtask_id]
        return self.log_text(task_id, subtask_id)

    def log_text(self, task_id, subtask_id):
        """What the log endpoint shows of the subtask ('' for one OCP does not know, LOG-6)."""
        subtask = next((s for s in (self.tasks.get(task_id) or {}).get('subtasks') or [] if s['id'] == subtask_id), None)
        return render_log(subtask) if subtask is not None else ''

    # ------------------------------------------------------------ TaskApi's actions

    def _post(self, kind, task_id, subtask_id=None):
        self.calls.append((kind, task_id, subtask_id))
        if self.before_post is not None:
            self.before_post(kind, task_id, subtask_id)
        if isinstance(self.fail_post, list):
            failure = self.fail_post.pop(0) if self.fail_post else None
        else:
            failure = self.fail_post
        if failure is not None:
            error, carried_out = failure
            if carried_out:
                self.apply(kind, task_id, subtask_id)
            raise error
        self.apply(kind, task_id, subtask_id)

    def _mark_retried(self, subtask):
        subtask.update(status='READY', operation='RETRY')
        if self.run_time_counting == 'every_run':
            subtask['runTime'] += 1

    def _skip(self, task, subtask):
        operation = 'ROLLBACK_SKIP' if task['operation'] == 'ROLLBACK' else 'SKIP'
        subtask.update(status='READY', operation=operation)
        self.start_run(subtask)
        self.end_run(task, subtask, 'PENDING' if operation == 'ROLLBACK_SKIP' else 'SUCCESSFUL')

    def apply(self, kind, task_id, subtask_id=None):
        """What OCP does once it accepts an action (for a retry, also what ``on_retry`` says comes next)."""
        task = self.tasks[task_id]
        if kind == 'rollback':
            self.roll_back(task_id)
            return
        if kind == 'retry' and subtask_id is None:
            task.update(status='RUNNING', operation='RETRY')
            retried = [s for s in self.subtasks(task_id) if s['status'] == 'FAILED']
            for subtask in retried:
                subtask.update(status='READY', operation='RETRY', runTime=subtask['runTime'] + 1)
            for subtask in retried:
                self.on_retry(self, task, subtask)
            return
        subtask = self.by_id(task_id, subtask_id)
        if kind == 'retry':
            self._mark_retried(subtask)
            self.settle(task_id)
            self.on_retry(self, task, subtask)
        elif kind == 'skip':
            self._skip(task, subtask)
        elif kind == 'cancel':
            subtask['status'] = 'CANCELING'
            self.start_run(subtask, 'CANCEL')
            self.end_run(task, subtask, 'FAILED')

    def retry_task(self, task_id):
        self._post('retry', task_id)

    def rollback_task(self, task_id):
        self._post('rollback', task_id)

    def retry_subtask(self, task_id, subtask_id):
        self._post('retry', task_id, subtask_id)

    def skip_subtask(self, task_id, subtask_id):
        self._post('skip', task_id, subtask_id)

    def cancel_subtask(self, task_id, subtask_id):
        self._post('cancel', task_id, subtask_id)


def succeed_on_retry(ocp, task, subtask):
    ocp.start_run(subtask, 'RETRY')
    ocp.end_run(task, subtask, 'SUCCESSFUL')


def fail_on_retry(ocp, task, subtask):
    ocp.start_run(subtask, 'RETRY')
    ocp.end_run(task, subtask, 'FAILED', TIMEOUT_ERROR)


def stay_ready(ocp, task, subtask):
    """OCP accepted the retry but has not started the run yet."""
