# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The asyncio side of the ``oceanbase.ocp.ocp_task_events`` source: poll, put, remember, sleep.

The client is blocking (requests), so each poll runs in the event loop's executor: the loop
stays free for ansible-rulebook's own work (rules, actions, other sources) while OCP answers.
After a poll its events are put on the queue one by one, then the watcher keeps what the poll
learnt and the checkpoint is written. If the source is stopped while putting (ansible-rulebook
cancels it), what was put so far is kept and written all the same (see TaskEventWatcher.commit).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import asyncio
import logging
import time

from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_events.checkpoint import CheckpointStore
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_events.source_options import (
    client_from_options,
    source_options,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpClientError
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_events.watcher import TaskEventWatcher, WatchState
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.task_api import TaskApi

LOGGER = logging.getLogger('oceanbase.ocp.ocp_task_events')


class OcpEventSourceError(Exception):
    """Why the source stopped (bad arguments, refused credentials, an unreadable checkpoint)."""


class _NoCheckpoint:
    """Stands in for a CheckpointStore when the source keeps no checkpoint."""

    def save(self, scope, state):
        pass


async def run_watcher(queue, watcher, store, scope, sleep=asyncio.sleep, clock=time.monotonic, polls=None):
    """Poll with ``watcher`` until stopped (or ``polls`` times, for tests and the bench), putting
    each event's payload on ``queue`` and saving the state in ``store`` after each poll."""
    loop = asyncio.get_running_loop()
    done = 0
    while polls is None or done < polls:
        started = clock()
        plan = await loop.run_in_executor(None, watcher.poll)
        emitted = 0
        try:
            for event in plan.events:
                await queue.put(event.payload)
                emitted += 1
        finally:
            watcher.commit(plan, emitted)
            if watcher.dirty:
                store.save(scope, watcher.state.to_dict())
                watcher.saved()
        if plan.fatal:
            raise OcpEventSourceError(plan.fatal)
        if plan.failed:
            LOGGER.warning('OCP did not answer the poll; next try in %.1f s', plan.delay)
        for warning in plan.warnings:
            LOGGER.warning('%s', warning)
        done += 1
        if polls is not None and done >= polls:
            break
        await sleep(max(plan.delay - (clock() - started), 0))


def build_watcher(args, environ):
    """(watcher, store, scope, client) for the rulebook's ``args``; raises OcpEventSourceError."""
    try:
        options = source_options(args, environ)
        client = client_from_options(options)
        scope = options.scope
        store, state = _NoCheckpoint(), None
        if options.checkpoint:
            store = CheckpointStore(options.checkpoint)
            # Before the first poll: a checkpoint that cannot be written stops the source now, not
            # after it has put events it could not remember having put.
            store.prepare()
            state = store.restore(scope, WatchState.from_dict)
            if state is not None:
                LOGGER.info('checkpoint %s: %d task(s) remembered', options.checkpoint, len(state.memory))
    except (OcpClientError, ValueError) as error:
        raise OcpEventSourceError('%s' % error)
    watcher = TaskEventWatcher(TaskApi(client), options, state=state, server_time=lambda: client.last_server_time)
    return watcher, store, scope, client


async def run_source(queue, args, environ):
    """What the source plugin's ``main`` does: build from the arguments, then poll until stopped."""
    watcher, store, scope, client = build_watcher(args, environ)
    try:
        await run_watcher(queue, watcher, store, scope)
    finally:
        client.session.close()
