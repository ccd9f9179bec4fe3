# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What ocp_task_info reads and returns: one task with the logs asked for, or a list of tasks.

Each piece of data is returned once: a task read by id is ``task`` (not also ``tasks[0]``), a
subtask log is in ``subtasks[].log`` (``failed_subtasks`` carry the line of it that says why
the subtask failed, ``cause``, instead of the whole log), and the log of the subtask given
by ``subtask_id`` is in ``subtask`` only. A list cut short by paging comes with a warning.

A list holds the tasks OCP sent well formed; those it sent malformed (tasks/snapshot.py
checked_task) are left out of ``tasks`` and named in ``malformed`` (id where it can be read,
reason), with a warning: one bad entry does not cost the others. A task read by id that is
malformed fails the module, naming what was malformed.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpMalformedAnswerError
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.subtask_log import SubtaskRuns, cause_line
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.filters import FILTER_OPTIONS
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.task_api import page_count

# How many of the malformed tasks' reasons the warning quotes (``malformed`` has them all).
MALFORMED_QUOTED = 3


def failure_cause(log):
    """The line of a failed subtask's log that says why: in its latest run only (subtask_log.py), as the
    action modules and ocp_task_wait tell it; an earlier run's error is not this failure's cause."""
    return cause_line(SubtaskRuns(log).latest_run_lines())


class SubtaskNotFound(LookupError):
    """The task read has no subtask with the id asked for."""


def _wants_log(subtask, which_logs):
    return which_logs == 'all' or (which_logs == 'failed' and subtask.get('status') == 'FAILED')


def with_failure_causes(task):
    """``task`` with ``failed_subtasks`` rebuilt from its subtasks: each FAILED one without its log
    (which stays in ``subtasks``) and, when the log was read, with ``cause``."""
    failed = []
    for subtask in task.get('subtasks') or []:
        if subtask.get('status') != 'FAILED':
            continue
        entry = dict((key, value) for key, value in subtask.items() if key != 'log')
        if 'log' in subtask:
            entry['cause'] = failure_cause(subtask['log'])
        failed.append(entry)
    task['failed_subtasks'] = failed
    return task


def read_task(api, task_id, which_logs, skip_log_of=None):
    """One task in detail, with the logs ``which_logs`` selects ('none', 'failed', 'all') in each
    subtask's ``log``, except the subtask ``skip_log_of`` (whose log the caller returns itself)."""
    task = api.get_task(task_id)
    for subtask in task.get('subtasks') or []:
        if _wants_log(subtask, which_logs) and subtask.get('id') != skip_log_of:
            subtask['log'] = api.get_subtask_log(task['id'], subtask['id'])
    return with_failure_causes(task)


def read_one(api, task_id, which_logs, subtask_id=None):
    """The results of reading one task: ``task``, and ``subtask`` with its log when ``subtask_id`` is given."""
    task = read_task(api, task_id, which_logs, skip_log_of=subtask_id)
    result = dict(task=task)
    if subtask_id is not None:
        subtask = next((s for s in task.get('subtasks') or [] if s.get('id') == subtask_id), None)
        if subtask is None:
            raise SubtaskNotFound('task %d has no subtask %d' % (task_id, subtask_id))
        log = api.get_subtask_log(task['id'], subtask_id)
        result['subtask'] = dict(subtask, log=log)
        if subtask.get('status') == 'FAILED':
            for entry in task['failed_subtasks']:
                if entry.get('id') == subtask_id:
                    entry['cause'] = failure_cause(log)
    return result


def list_filters(params):
    """The list filters among the module's options, by option name, leaving out those not given."""
    return dict((option, params[option]) for option in FILTER_OPTIONS if params.get(option) is not None)


def read_list(api, params):
    """``(results, warnings)`` of listing tasks by the module's filters and paging options."""
    filters = list_filters(params)
    warnings, malformed = [], []
    if params['all_pages']:
        tasks, total = api.list_all_tasks(filters, sort=params['sort'], limit=params['limit'], malformed=malformed)
        total = len(tasks) + len(malformed) if total is None else total
        # The malformed tasks were read too (and are named): they are no part of what limit left out.
        if params['limit'] is not None and total > len(tasks) + len(malformed):
            warnings.append('returned the first %d of the %d matching tasks: all_pages stopped at limit %d; raise '
                            'or drop limit to get them all' % (len(tasks), total, params['limit']))
        result = dict(total=total)
    else:
        page_number = params['page'] or 1
        tasks, page = api.list_tasks(filters, page=page_number, size=params['size'], sort=params['sort'],
                                     malformed=malformed)
        total = page_count(page.get('totalElements'))
        total = len(tasks) + len(malformed) if total is None else total
        # Asking for a page by number is paging on purpose; only the first page read by default warns.
        if params['page'] is None and total > len(tasks) + len(malformed):
            warnings.append('returned %d of the %d matching tasks (the first page, size %d); set all_pages: true '
                            'to get them all (limit caps them), or page to read the next ones'
                            % (len(tasks), total, params['size']))
        result = dict(page=page, total=total)
    if params['subtask_logs'] != 'none':
        read = []
        for task in tasks:
            try:
                read.append(read_task(api, task['id'], params['subtask_logs']))
            except OcpMalformedAnswerError as error:
                malformed.append(error)  # its entry was well formed, its detail or a log is not
        tasks = read
    else:
        tasks = [with_failure_causes(task) for task in tasks]
    result['tasks'] = tasks
    result['malformed'] = [dict(id=error.task_id, reason=error.message) for error in malformed]
    if malformed:
        warnings.append(malformed_warning(result['malformed']))
    return result, warnings


def malformed_warning(malformed, left_out_of='tasks and listed in malformed'):
    """The warning about the tasks a list left out (``malformed``, as read_list returns it), saying
    where they were ``left_out_of`` (the ocp_task lookup returns no ``malformed``)."""
    quoted = '; '.join(entry['reason'] for entry in malformed[:MALFORMED_QUOTED])
    return 'OCP sent %d task(s) that cannot be read, left out of %s: %s%s' % (
        len(malformed), left_out_of, quoted, '; ...' if len(malformed) > MALFORMED_QUOTED else '')
