# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The asyncio loop of the ocp_task_events source: events put in order, the checkpoint written
after each poll that changed something, a stop while putting kept, a fatal answer raised."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import asyncio

import pytest

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpAuthenticationError
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_events.checkpoint import CheckpointStore
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_events.source_loop import (
    OcpEventSourceError,
    build_watcher,
    run_watcher,
)
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_events.source_options import source_options
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_events.watcher import TaskEventWatcher, WatchState
from ansible_collections.oceanbase.ocp.tests.unit.fake_ocp import FakeOcp

ENVIRON = {'OCP_URL': 'https://ocp.example.com:8080', 'OCP_USERNAME': 'admin', 'OCP_PASSWORD': 'pw'}


class Recorder:
    def __init__(self):
        self.sleeps = []
        self.saves = []

    async def sleep(self, seconds):
        self.sleeps.append(seconds)

    def save(self, scope, state):
        self.saves.append(state)


def watcher_for(ocp, state=None, **args):
    options = source_options(dict(dict(interval=5), **args), ENVIRON)
    return TaskEventWatcher(ocp, options, state=state, server_time=lambda: ocp.last_server_time, now=lambda: ocp.now)


def run(coroutine):
    return asyncio.run(coroutine)


def test_events_are_put_and_the_state_saved_when_it_changed():
    ocp = FakeOcp()
    watcher = watcher_for(ocp)
    recorder, queue = Recorder(), asyncio.Queue()

    async def scenario():
        await run_watcher(queue, watcher, recorder, {}, sleep=recorder.sleep, polls=1)
        ocp.advance(1)
        ocp.add_task(1)
        await run_watcher(queue, watcher, recorder, {}, sleep=recorder.sleep, polls=2)
        return [queue.get_nowait()['ocp']['type'] for _event in range(queue.qsize())]

    assert run(scenario()) == ['task_started']
    # Saved after the first poll (where watching starts) and after the new task, not after the quiet poll.
    assert len(recorder.saves) == 2
    assert len(recorder.sleeps) == 1 and 0 <= recorder.sleeps[0] <= 5.0


def test_a_stop_while_putting_keeps_what_was_put(tmp_path):
    ocp = FakeOcp()
    store = CheckpointStore(str(tmp_path / 'checkpoint.json'))
    watcher = watcher_for(ocp)
    scope = watcher.options.scope

    async def first_run():
        await run_watcher(asyncio.Queue(), watcher, store, scope, polls=1)
        ocp.advance(1)
        ocp.add_task(1)
        ocp.fail(1, 0)
        queue = asyncio.Queue(maxsize=1)
        task = asyncio.ensure_future(run_watcher(queue, watcher, store, scope))
        for _wait in range(5000):
            if queue.qsize():
                break
            await asyncio.sleep(0.001)
        assert queue.qsize() == 1, 'the first event never came'
        await asyncio.sleep(0.01)  # the second put now waits for room
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return queue.get_nowait()

    told = run(first_run())
    assert told['ocp']['type'] == 'task_started'
    restarted = watcher_for(ocp, state=WatchState.from_dict(store.load(scope)))

    async def second_run():
        queue = asyncio.Queue()
        await run_watcher(queue, restarted, store, scope, polls=1)
        return [queue.get_nowait()['ocp'] for _event in range(queue.qsize())]

    rest = run(second_run())
    assert [event['type'] for event in rest] == ['subtask_failed', 'task_failed']
    assert all(event['catch_up'] for event in rest)


def test_refused_credentials_end_the_source_with_the_reason():
    ocp = FakeOcp()
    ocp.fail_next(OcpAuthenticationError(401, method='GET', path='/api/v2/tasks/instances'))
    with pytest.raises(OcpEventSourceError, match='refused the credentials'):
        run(run_watcher(asyncio.Queue(), watcher_for(ocp), Recorder(), {}, sleep=Recorder().sleep))


def test_bad_arguments_end_the_source_before_anything_is_sent(tmp_path):
    with pytest.raises(OcpEventSourceError, match='interval must be above 0'):
        build_watcher(dict(interval=-1), ENVIRON)
    (tmp_path / 'checkpoint.json').write_text('{')
    (tmp_path / 'checkpoint.json').chmod(0o600)  # what is wrong is the text, whatever the umask
    with pytest.raises(OcpEventSourceError, match='not JSON'):
        build_watcher(dict(checkpoint=str(tmp_path / 'checkpoint.json')), ENVIRON)


def test_the_pause_counts_from_the_start_of_the_poll():
    ocp = FakeOcp()
    recorder = Recorder()
    ticks = iter([0.0, 1.5, 5.0, 5.2])
    run(run_watcher(asyncio.Queue(), watcher_for(ocp), recorder, {}, sleep=recorder.sleep,
                    clock=lambda: next(ticks), polls=2))
    assert recorder.sleeps == [3.5]
