# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Watching OCP's task list: the queries a watcher makes, and the parameters on which its two
users, the supervision of ``ocp_task_wait`` and the ``ocp_task_events`` source, differ.

Every query pages through TaskApi's one paging loop (``TaskApi.pages``) and counts its pages in
``queries``, so that a user can say what a poll cost.

A malformed entry never stops a query: one whose id can be read stands in as
``entries.malformed_entry`` (the task is there; a read tells more), one without is left out and
noted in ``unidentified`` (what each user says about it).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpBadRequestError
from ansible_collections.oceanbase.ocp.plugins.module_utils.vocabulary import FAILED, MAX_PAGE_SIZE, RUNNING, SUCCESSFUL
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_list.entries import is_malformed, malformed_entry, read_reason

UNFINISHED_STATUSES = [RUNNING, FAILED]
# A sweep usually finds a handful of new tasks: small pages keep its answer small.
SWEEP_PAGE_SIZE = 100
# Pages of the tasks that ended last read for tasks that left the list: past these, a task ended
# so long before (behind this many others) that a read of it costs less than more pages.
ENDED_PAGES_MAX = 3
# How many of the messages about malformed entries without a usable id are kept (each once).
UNIDENTIFIED_KEPT = 20


class Watching(collections.namedtuple('Watching', ['detail_below', 'sweep_every', 'ended_from_list', 'failures'])):
    """How a user watches the list; each user sets these where it says why (supervisor.py, task_events/watcher.py).

    ``detail_below``: with fewer tasks to watch than this, each is read in detail instead of
    listing (0: always list); ``sweep_every``: every so many polls, a sweep of every status down
    to the newest id seen finds tasks that started and ended between two polls (0: never);
    ``ended_from_list``: a task that left the list of unfinished tasks is looked up among the
    tasks that ended last (one query), and read only when its entry does not tell its outcome
    (entries.finished_outcome), instead of being read at once; ``failures``: entries.ANY_FAILURE
    or entries.NEW_FAILURE, which failures in a changed entry call for a read.
    """

    __slots__ = ()


class TaskList(object):
    """The task list of one OCP, through ``api`` (a TaskApi), with the user's ``filters`` (option
    names, tasks/filters.py; ``status`` is set by each query) and Watching ``watching``."""

    def __init__(self, api, watching, filters=None):
        self._api = api
        self.watching = watching
        self.filters = dict(filters or {})
        self.queries = 0
        # Whether OCP sorts the list by finishTime (docs/ocp-behaviour.md#lists-paging-and-filters,
        # LIST-7): one that refuses it once is not asked again.
        self._ended_query_works = True
        # Why entries without a usable id were left out, each way once (the first UNIDENTIFIED_KEPT):
        # where they were listed changes from one query to the next.
        self.unidentified = []

    def _sorted_out(self, malformed):
        """The stand-ins (by id) for the malformed entries a query gave whose id can be read; the
        others are noted in ``unidentified``."""
        stand_ins = {}
        for error in malformed:
            if error.task_id is not None:
                stand_ins.setdefault(error.task_id, malformed_entry(error.task_id, error.message))
                continue
            if error.problem not in self.unidentified and len(self.unidentified) < UNIDENTIFIED_KEPT:
                self.unidentified.append(error.problem)
        return stand_ins

    def lists_instead_of_reading(self, tasks):
        """Whether ``tasks`` tasks are watched through the list rather than read one by one."""
        return tasks >= self.watching.detail_below

    def why_read(self, entry, seen, history=False, watched=None, known=None):
        """entries.read_reason with this user's ``failures``."""
        return read_reason(entry, seen, self.watching.failures, history=history, watched=watched, known=known)

    def unfinished(self):
        """Every RUNNING or FAILED task as a list entry, by id: all pages (OCP serves at most 2,000
        a page), newest first; a task pushed onto the next page while paging counts once."""
        entries = {}
        for listed, _page_info in self._pages_with_stand_ins(dict(self.filters, status=UNFINISHED_STATUSES),
                                                             size=MAX_PAGE_SIZE, sort='id,desc'):
            self.queries += 1
            for entry in listed:
                entries.setdefault(entry.get('id'), entry)
        return entries

    def newest_id(self):
        """The newest task id OCP has (0 for none): where sweeps start; None when the newest entry
        has no id that can be read (the next poll asks again)."""
        self.queries += 1
        malformed = []
        tasks, _page = self._api.list_tasks(self.filters, page=1, size=1, sort='id,desc', malformed=malformed)
        ids = [task.get('id') for task in tasks] + list(self._sorted_out(malformed))
        if malformed and not ids:
            return None
        return max(ids or [0])

    def sweep(self, watermark):
        """Tasks newer than ``watermark``, of any status, by id, and the newest id seen."""
        found, newest = {}, watermark
        for tasks, _page_info in self._pages_with_stand_ins(self.filters, size=SWEEP_PAGE_SIZE, sort='id,desc'):
            self.queries += 1
            reached = False
            for task in tasks:
                task_id = task.get('id')
                if task_id <= watermark:
                    reached = True
                    continue
                newest = max(newest, task_id)
                found.setdefault(task_id, task)
            if reached:
                break
        return found, newest

    def recently_ended(self, task_ids):
        """The list entries of the tasks in ``task_ids`` that OCP shows SUCCESSFUL among those that
        finished last, by id, newest finish first: a page of them instead of a read each, and the
        next page while some are still missing (more tasks than a page ended in all of OCP since
        the previous look), up to ENDED_PAGES_MAX pages. A task not found there is left out (the
        caller reads it): it ended long ago, or it is FAILED, or OCP lost it."""
        if not self._ended_query_works or not task_ids:
            return {}
        wanted = set(task_ids)
        size = min(MAX_PAGE_SIZE, max(SWEEP_PAGE_SIZE, 2 * len(wanted)))
        # A malformed entry tells no outcome: its task is read (left out here).
        found, pages = {}, self._pages_with_stand_ins(dict(self.filters, status=[SUCCESSFUL]), size=size,
                                                      sort='finishTime,desc')
        for read in range(1, ENDED_PAGES_MAX + 1):
            self.queries += 1
            try:
                tasks, _page_info = next(pages)
            except StopIteration:
                self.queries -= 1  # the list had ended: nothing was asked
                break
            except OcpBadRequestError:
                self._ended_query_works = False
                return {}
            found.update((task.get('id'), task) for task in tasks if task.get('id') in wanted and not is_malformed(task))
            if len(found) == len(wanted):
                break
        return found

    def _pages_with_stand_ins(self, filters, size, sort):
        """TaskApi.pages, each page's malformed entries with a usable id as stand-ins among its tasks."""
        malformed = []
        for tasks, page_info in self._api.pages(filters, size=size, sort=sort, malformed=malformed):
            stand_ins = list(self._sorted_out(malformed).values())
            del malformed[:]
            yield tasks + stand_ins, page_info
