# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An OCP task API in memory, for the tests of the ocp_task_events source.

It answers like TaskApi (normalised tasks, list entries without the fields only a detail read
shows), keeps each subtask's log the way OCP writes it (a separator per run, a ``Set state``
line per end), runs on a clock the test moves, counts every call and can be told to fail.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpBadRequestError, OcpNotFoundError
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.snapshot import normalize_task
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.filters import FILTER_OPTIONS
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.task_api import TaskApi

START = datetime.datetime(2024, 5, 1, 12, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
# Fields a list entry (BasicTaskInstance) does not carry.
DETAIL_ONLY_TASK_FIELDS = ('operation', 'type', 'prohibitRollback')
LIST_SUBTASK_FIELDS = ('id', 'name', 'description', 'status', 'operation')


def stamp(moment):
    return moment.isoformat(timespec='milliseconds')


class FakeOcp:
    """Tasks by id; ``now`` is OCP's clock (move it with ``advance``)."""

    def __init__(self):
        self.now = START
        self.tasks = {}
        self.logs = {}
        self.calls = []
        self.failures = []
        self.next_subtask_id = 100
        # Sort orders this OCP accepts besides id,desc; an older OCP might refuse finishTime.
        self.refuse_finish_time_sort = False

    # ------------------------------------------------------------ the test's side

    def advance(self, seconds):
        self.now += datetime.timedelta(seconds=seconds)

    @property
    def last_server_time(self):
        return stamp(self.now)

    def add_task(self, task_id, subtasks=('Check', 'Work', 'Save'), name='Create tenant', descriptions=None):
        """A RUNNING task whose first subtask is RUNNING and the others PENDING."""
        rows = []
        for index, subtask_name in enumerate(subtasks):
            subtask_id = self.next_subtask_id
            self.next_subtask_id += 1
            description = (descriptions or {}).get(subtask_name, 'Do %s' % subtask_name)
            rows.append(dict(id=subtask_id, name=subtask_name, description=description, seriesId=index + 1,
                             status='PENDING', operation='EXECUTE', runTime=1))
            self.logs[subtask_id] = ''
        self.tasks[task_id] = dict(id=task_id, name=name, status='RUNNING', operation='EXECUTE', type='MANUAL',
                                   cluster=dict(id=1, name='obcluster'), tenant=dict(id=1002, name='t_app'),
                                   creator=dict(id=1, name='admin'), startTime=stamp(self.now), subtasks=rows)
        self.start(task_id, 0)
        return rows

    def subtask(self, task_id, index):
        return self.tasks[task_id]['subtasks'][index]

    def start(self, task_id, index, operation=None):
        subtask = self.subtask(task_id, index)
        if operation:
            subtask['operation'] = operation
        subtask.update(status='RUNNING', startTime=stamp(self.now))
        subtask.pop('finishTime', None)
        self.logs[subtask['id']] += ('\n' if self.logs[subtask['id']] else '') + (
            '############{%s}{%s}############\n%s INFO [subtask-executor-1,abc] c.o.o.Task : Start %s'
            % (subtask['operation'], stamp(self.now), self.now.strftime('%Y-%m-%d %H:%M:%S.000'), subtask['name']))
        self._settle(task_id)

    def succeed(self, task_id, index):
        subtask = self.subtask(task_id, index)
        self._end(subtask, 'SUCCESSFUL')
        self._settle(task_id)

    def fail(self, task_id, index, reason='ERROR 4012 (HY000): Timeout', operation=None):
        subtask = self.subtask(task_id, index)
        if operation:
            subtask['operation'] = operation
        self.logs[subtask['id']] += '\n%s ERROR [subtask-executor-1,abc] c.o.o.Task : %s' % (
            self.now.strftime('%Y-%m-%d %H:%M:%S.000'), reason)
        self._end(subtask, 'FAILED')
        self._settle(task_id)

    def retry(self, task_id, index):
        """A subtask retry (runTime unchanged, as OCP does), which starts at once."""
        self.start(task_id, index, operation='RETRY')

    def skip(self, task_id, index):
        subtask = self.subtask(task_id, index)
        subtask['operation'] = 'SKIP'
        self._end(subtask, 'SUCCESSFUL')
        self._settle(task_id)

    def run_to_success(self, task_id):
        """Every remaining subtask runs and succeeds."""
        for index, subtask in enumerate(self.tasks[task_id]['subtasks']):
            if subtask['status'] in ('PENDING', 'RUNNING', 'READY'):
                if subtask['status'] != 'RUNNING':
                    self.start(task_id, index)
                self.succeed(task_id, index)

    def roll_back(self, task_id):
        """A whole rollback: every subtask that ran is undone and goes back to PENDING."""
        task = self.tasks[task_id]
        task['operation'] = 'ROLLBACK'
        for subtask in task['subtasks']:
            if subtask['status'] in ('SUCCESSFUL', 'FAILED'):
                subtask['operation'] = 'ROLLBACK'
                self.logs[subtask['id']] += '\n############{ROLLBACK}{%s}############' % stamp(self.now)
                self._end(subtask, 'PENDING')
        self._settle(task_id)

    def _end(self, subtask, status):
        subtask.update(status=status, finishTime=stamp(self.now))
        self.logs[subtask['id']] += '\nSet state for subtask: %d, operation:%s, state: %s' % (
            subtask['id'], subtask['operation'], status)

    def _settle(self, task_id):
        task = self.tasks[task_id]
        statuses = [subtask['status'] for subtask in task['subtasks']]
        if any(status in ('READY', 'RUNNING') for status in statuses):
            status = 'RUNNING'
        elif 'FAILED' in statuses:
            status = 'FAILED'
        elif task['operation'] != 'ROLLBACK' and 'PENDING' in statuses:
            # The next subtask starts (the fake runs them one after the other).
            self.start(task_id, statuses.index('PENDING'))
            return
        else:
            status = 'SUCCESSFUL'
        if status != task['status']:
            task['status'] = status
            if status == 'RUNNING':
                task.pop('finishTime', None)
            else:
                task['finishTime'] = stamp(self.now)

    # ------------------------------------------------------------ TaskApi's side

    def _call(self, kind):
        self.calls.append(kind)
        if self.failures:
            failure = self.failures.pop(0)
            if failure is not None:
                raise failure

    # The one paging loop, over this fake's pages.
    pages = TaskApi.pages

    def list_tasks(self, filters, page=1, size=10, sort=None):
        # As strict as TaskApi: a filter it does not know (by OCP's parameter name, say) is an error.
        unknown = set(filters) - set(FILTER_OPTIONS)
        assert not unknown, 'TaskApi would refuse the filter(s) %s' % sorted(unknown)
        self._call('list')
        statuses = filters.get('status')
        selected = [task for task_id, task in sorted(self.tasks.items(), reverse=True)
                    if not statuses or task['status'] in statuses]
        if sort == 'finishTime,desc' and not self.refuse_finish_time_sort:
            selected.sort(key=lambda task: task.get('finishTime') or '', reverse=True)
        elif sort not in (None, 'id,desc'):
            raise OcpBadRequestError(400, code=10001, method='GET', path='/api/v2/tasks/instances')
        first = (page - 1) * size
        entries = []
        for task in selected[first:first + size]:
            entry = dict((key, value) for key, value in task.items() if key not in DETAIL_ONLY_TASK_FIELDS)
            entry['subtasks'] = [dict((key, subtask[key]) for key in LIST_SUBTASK_FIELDS)
                                 for subtask in reversed(task['subtasks'])]
            entries.append(normalize_task(entry))
        total_pages = max(1, -(-len(selected) // size))
        return entries, dict(totalElements=len(selected), totalPages=total_pages, number=page, size=size)

    def get_task(self, task_id):
        self._call('read')
        if task_id not in self.tasks:
            raise OcpNotFoundError(404, method='GET', path='/api/v2/tasks/instances/%s' % task_id)
        return normalize_task(self.tasks[task_id])

    def get_subtask_log(self, task_id, subtask_id):
        self._call('log')
        return self.logs.get(subtask_id, '')

    def count(self, kind=None):
        return len([call for call in self.calls if kind is None or call == kind])
