# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Attacks on the ocp_task_events source's checkpoint file (the reliability class "files"):

- a symbolic link at its path is refused, at the start and at every save, and neither it nor what
  it points at is touched;
- a place where it cannot be written stops the source at the start, before the first poll;
- a file whose fields have the wrong types (hand-edited, damaged) is refused naming the field:
  every field of a real checkpoint replaced by every kind of JSON value either restores a source
  that polls without a Python error, or is a CheckpointError;
- the temporary files a source killed (SIGKILL) in the middle of a save leaves are removed at the
  next start, and nothing else is;
- a checkpoint another user owns or may write, or larger than any the source writes, is refused.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import json
import os
import signal
import stat
import subprocess
import sys

import pytest

from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_events.checkpoint import (
    CheckpointError,
    CheckpointStore,
)
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_events.source_loop import (
    OcpEventSourceError,
    build_watcher,
)
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_events.source_options import source_options
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_events.watcher import TaskEventWatcher, WatchState
from ansible_collections.oceanbase.ocp.tests.unit.fake_ocp import FakeOcp

ENVIRON = {'OCP_URL': 'https://ocp.example.com:8080', 'OCP_USERNAME': 'admin', 'OCP_PASSWORD': 'pw'}
RUNNING_LONG = [dict(name='^Work$', seconds=60)]
# What each field is replaced by in turn: every kind of JSON value.
WRONG_VALUES = [None, True, 0, -7, 1.5, '', 'x', '12', [], ['x'], [1], {}, {'x': 1}]


def args_for(path, **more):
    return dict(dict(interval=5, checkpoint=str(path), running_long=RUNNING_LONG), **more)


def scope_of(path):
    return source_options(args_for(path), ENVIRON).scope


def watcher_over(ocp, state):
    options = source_options(dict(interval=5, running_long=RUNNING_LONG), ENVIRON)
    return TaskEventWatcher(ocp, options, state=state, server_time=lambda: ocp.last_server_time, now=lambda: ocp.now,
                            clock=ocp.clock.monotonic, random=lambda: 1.0)


def busy_ocp():
    """An OCP whose tasks fill every field of a checkpoint: a failed task whose log was read, one
    under a running_long watch, one that ended, one that is only listed."""
    ocp = FakeOcp()
    ocp.add_task(1, subtasks=('Check', 'Work'))
    ocp.add_task(2, subtasks=('Check', 'Work'))
    ocp.add_task(3)
    return ocp


def saved_state(ocp):
    """The state a watcher over ``ocp`` saves after a few polls, as the file holds it (JSON)."""
    watcher = watcher_over(ocp, None)
    for step in range(4):
        if step == 1:
            ocp.fail(1, 0)
            ocp.succeed(2, 0)  # Work runs: watched
            ocp.run_to_success(3)
        plan = watcher.poll()
        watcher.commit(plan, len(plan.events))
        ocp.advance(30)
    state = json.loads(json.dumps(watcher.state.to_dict()))
    assert state['tasks']['1']['subtasks'] and state['tasks']['2']['watches'], state
    return state


def paths_of(value, path=()):
    """Every path of keys into ``value`` (dicts only: the checkpoint's lists are lists of texts)."""
    yield path
    if isinstance(value, dict):
        for key in sorted(value):
            yield from paths_of(value[key], path + (key,))
    elif isinstance(value, list):
        for index in range(len(value)):
            yield path + (index,)


def replaced(document, path, value):
    changed = copy.deepcopy(document)
    target = changed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return changed


def write_checkpoint(path, scope, state):
    """A checkpoint as a hand would write it, mode 0600 as the source does (whatever the umask)."""
    path.write_text(json.dumps(dict(version=1, scope=scope, state=state)))
    os.chmod(str(path), 0o600)


# ---------------------------------------------------------------- symbolic links

def test_a_link_at_the_checkpoint_path_is_refused_at_the_start_and_left_alone(tmp_path):
    target = tmp_path / 'someone-elses-file'
    target.write_text('precious')
    link = tmp_path / 'checkpoint.json'
    os.symlink(str(target), str(link))
    with pytest.raises(OcpEventSourceError, match='is a symbolic link, which the source neither follows nor replaces'):
        build_watcher(args_for(link), ENVIRON)
    assert os.path.islink(str(link)) and target.read_text() == 'precious'
    # A link to nowhere is a link too: never replaced by a file.
    dangling = tmp_path / 'dangling.json'
    os.symlink(str(tmp_path / 'nowhere' / 'file'), str(dangling))
    with pytest.raises(OcpEventSourceError, match='symbolic link'):
        build_watcher(args_for(dangling), ENVIRON)
    assert os.path.islink(str(dangling)) and not (tmp_path / 'nowhere').exists()


def test_a_link_planted_after_the_start_is_refused_at_the_next_save(tmp_path):
    path = tmp_path / 'checkpoint.json'
    store = CheckpointStore(str(path))
    store.prepare()
    store.save({}, dict(tasks={}))
    target = tmp_path / 'target'
    target.write_text('precious')
    path.unlink()
    os.symlink(str(target), str(path))
    with pytest.raises(CheckpointError, match='symbolic link'):
        store.save({}, dict(tasks={}))
    with pytest.raises(CheckpointError, match='symbolic link'):
        store.load({})
    assert os.path.islink(str(path)) and target.read_text() == 'precious'
    assert sorted(os.listdir(str(tmp_path))) == ['checkpoint.json', 'target']


def test_a_linked_directory_above_the_checkpoint_is_the_administrators_choice(tmp_path):
    (tmp_path / 'real').mkdir()
    os.symlink(str(tmp_path / 'real'), str(tmp_path / 'state'))
    store = CheckpointStore(str(tmp_path / 'state' / 'checkpoint.json'))
    store.prepare()
    store.save({}, dict(tasks={}))
    assert store.load({}) == dict(tasks={}) and (tmp_path / 'real' / 'checkpoint.json').is_file()


def test_a_named_pipe_at_the_checkpoint_path_does_not_hold_the_start(tmp_path):
    path = tmp_path / 'checkpoint.json'
    os.mkfifo(str(path))

    def held(_signal, _frame):
        raise AssertionError('reading the checkpoint waited for a writer to the pipe')

    # Only a regression ever waits for this alarm: opening a pipe to read blocks until someone writes.
    previous = signal.signal(signal.SIGALRM, held)
    signal.alarm(10)
    try:
        with pytest.raises(OcpEventSourceError, match='cannot read the checkpoint .*: it is no regular file'):
            build_watcher(args_for(path), ENVIRON)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# ---------------------------------------------------------------- where it cannot be written

def test_a_checkpoint_that_cannot_be_written_stops_the_source_before_its_first_poll(tmp_path):
    blocker = tmp_path / 'not-a-directory'
    blocker.write_text('')  # a file where the checkpoint's directory should be: not even root writes there
    with pytest.raises(OcpEventSourceError, match=r'cannot write the checkpoint .*not-a-directory/checkpoint.json: .*'
                                                  r'the source did not start'):
        build_watcher(args_for(blocker / 'checkpoint.json'), ENVIRON)
    with pytest.raises(OcpEventSourceError, match='cannot write the checkpoint .*the source did not start'):
        build_watcher(args_for(blocker / 'deeper' / 'checkpoint.json'), ENVIRON)


@pytest.mark.skipif(os.geteuid() == 0, reason='root writes into a read-only directory')
def test_a_read_only_directory_stops_the_source_before_its_first_poll(tmp_path):
    directory = tmp_path / 'read-only'
    directory.mkdir()
    directory.chmod(0o500)
    try:
        with pytest.raises(OcpEventSourceError, match='cannot write the checkpoint .*Permission denied.*did not start'):
            build_watcher(args_for(directory / 'checkpoint.json'), ENVIRON)
    finally:
        directory.chmod(0o700)


def test_the_start_leaves_no_trial_file_and_makes_the_directory(tmp_path):
    path = tmp_path / 'new' / 'dir' / 'checkpoint.json'
    _watcher, _store, _scope, client = build_watcher(args_for(path), ENVIRON)
    client.session.close()
    assert os.listdir(str(path.parent)) == []


# ---------------------------------------------------------------- fields of the wrong type

def test_every_field_of_the_wrong_type_is_refused_by_name_or_harmless(tmp_path):
    """Each field of a real checkpoint (and each item of its lists) replaced by each kind of JSON
    value: the source either refuses the file naming that field, or restores and polls without a
    Python error."""
    state = saved_state(busy_ocp())
    path = tmp_path / 'checkpoint.json'
    scope = scope_of(path)
    refused, polled = 0, 0
    for field in list(paths_of(state))[1:]:
        for value in WRONG_VALUES:
            write_checkpoint(path, scope, replaced(state, field, value))
            try:
                restored = CheckpointStore(str(path)).restore(scope, WatchState.from_dict)
            except CheckpointError as error:
                assert 'the checkpoint %s is damaged: ' % path in '%s' % error
                named = '.'.join('%s' % key for key in field if not isinstance(key, int))
                assert named.split('.', maxsplit=1)[0] in '%s' % error, (field, value, error)
                refused += 1
                continue
            ocp = busy_ocp()
            watcher = watcher_over(ocp, restored)
            for _poll in range(2):
                plan = watcher.poll()
                assert plan.fatal is None, (field, value, plan.fatal)
                watcher.commit(plan, len(plan.events))
                ocp.advance(30)
            polled += 1
    # Both happen: the test would prove nothing if every change were refused or none.
    print('%d changes refused, %d restored and polled' % (refused, polled))
    assert refused > 100 and polled > 50, (refused, polled)


@pytest.mark.parametrize('change, field', [
    (lambda state: dict(state, tasks=[1, 2]), 'tasks must be a mapping or null, not a list'),
    (lambda state: dict(state, tasks={'abc': {}}), "tasks must be keyed by task ids (digits), not a text ('abc')"),
    (lambda state: dict(state, tasks={'9' * 5000: {}}),
     "tasks must be keyed by task ids (digits), not a text ('%s...)" % ('9' * 39)),
    (lambda state: dict(state, watermark='1030'), "watermark must be a whole number or null, not a text ('1030')"),
    (lambda state: dict(state, watermark=1.5), 'watermark must be a whole number or null, not a number (1.5)'),
    (lambda state: dict(state, watch_start=5), 'watch_start must be a text or null, not a number (5)'),
    (lambda state: dict(state, watch_start='yesterday'), "watch_start must be a timestamp, not a text ('yesterday')"),
    (lambda state: ['not', 'a', 'state'], 'state must be a mapping, not a list'),
    (lambda state: dict(state, tasks={'1': dict(keys='1:started')}),
     "tasks.1.keys must be a list of texts or null, not a text ('1:started')"),
    (lambda state: dict(state, tasks={'1': dict(finished='yes')}), "tasks.1.finished must be true or false, not a text ('yes')"),
    (lambda state: dict(state, tasks={'1': dict(watches={'7': dict(seconds='60')})}),
     "tasks.1.watches.7.seconds must be a number, not a text ('60')"),
    (lambda state: dict(state, tasks={'1': dict(listed=dict(subtasks=[]))}),
     'tasks.1.listed.subtasks must be a mapping or null, not a list'),
    # A long wrong value is quoted short.
    (lambda state: dict(state, tasks={'1': dict(summary='x' * 5000)}),
     "tasks.1.summary must be a mapping or null, not a text ('%s...)" % ('x' * 39)),
])
def test_a_field_of_the_wrong_type_names_itself_and_what_it_should_be(tmp_path, change, field):
    path = tmp_path / 'checkpoint.json'
    scope = scope_of(path)
    write_checkpoint(path, scope, change(dict(watch_start='2024-05-01T12:00:00+08:00', watermark=3, tasks={})))
    with pytest.raises(OcpEventSourceError) as raised:
        build_watcher(args_for(path), ENVIRON)
    assert '%s' % raised.value == 'the checkpoint %s is damaged: %s; move it away to start afresh' % (path, field)


@pytest.mark.parametrize('content, words', [
    (b'[' * 100000 + b']' * 100000, 'is not JSON'),
    (b'{"version": 1, "scope": "\xff\xfe"}', 'is not JSON'),
    (b'', 'is not JSON'),
    (b'{"version": 1, "scope": {"api_url": 5, "filters": [1]}}', 'was written for something else'),
    (b'{"version": 1, "scope": {"api_url": "x", "filters": {"a": [1]}}, "state": []}', 'was written for x with filters'),
])
def test_a_file_that_is_no_checkpoint_is_refused_without_a_python_error(tmp_path, content, words):
    path = tmp_path / 'checkpoint.json'
    path.write_bytes(content)
    with pytest.raises(OcpEventSourceError, match=words):
        build_watcher(args_for(path), ENVIRON)


# ---------------------------------------------------------------- a kill in the middle of a save

KILLED_SAVE = """
import os, signal, sys
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_events import checkpoint
store = checkpoint.CheckpointStore(sys.argv[1])
# Killed once the temporary file is written, before the rename: what SIGKILL at the worst moment leaves.
checkpoint.os.fsync = lambda descriptor: os.kill(os.getpid(), signal.SIGKILL)
store.save({}, {'tasks': {}, 'watermark': 2})
"""


def test_the_temporary_files_of_a_killed_save_are_removed_at_the_next_start(tmp_path):
    path = tmp_path / 'checkpoint.json'
    store = CheckpointStore(str(path))
    store.save({}, dict(tasks={}, watermark=1))
    for _kill in range(3):
        killed = subprocess.run([sys.executable, '-c', KILLED_SAVE, str(path)], env=dict(os.environ), check=False)
        assert killed.returncode == -signal.SIGKILL
    leftovers = sorted(name for name in os.listdir(str(tmp_path)) if name != 'checkpoint.json')
    assert len(leftovers) == 3 and all(name.startswith('.checkpoint.json.') for name in leftovers), leftovers
    # What is not a temporary file of this checkpoint stays.
    keep = ['.checkpoint.json.backup', '.other.json.abcdefgh.tmp', 'checkpoint.json.abcdefgh.tmp']
    for name in keep:
        (tmp_path / name).write_text('mine')
    os.symlink(str(tmp_path / 'checkpoint.json'), str(tmp_path / '.checkpoint.json.link1234.tmp'))
    store.prepare()
    assert sorted(os.listdir(str(tmp_path))) == sorted(['checkpoint.json', '.checkpoint.json.link1234.tmp'] + keep)
    # The checkpoint is the one before the kills, whole.
    assert store.load({}) == dict(tasks={}, watermark=1)


@pytest.mark.skipif(os.geteuid() != 0, reason='only root can give a file to another user')
def test_a_temporary_file_of_another_user_is_not_removed(tmp_path):
    other = tmp_path / '.checkpoint.json.abcdefgh.tmp'
    other.write_text('')
    os.chown(str(other), 65534, 65534)
    CheckpointStore(str(tmp_path / 'checkpoint.json')).prepare()
    assert other.exists()


def test_a_save_leaves_one_file_mode_0600(tmp_path):
    path = tmp_path / 'checkpoint.json'
    store = CheckpointStore(str(path))
    store.prepare()
    for watermark in range(3):
        store.save({}, dict(tasks={}, watermark=watermark))
    assert os.listdir(str(tmp_path)) == ['checkpoint.json']
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o600


# ---------------------------------------------------------------- whose file, how large

@pytest.mark.skipif(os.geteuid() != 0, reason='only root can give a file to another user')
def test_a_checkpoint_of_another_user_is_refused_and_left_alone(tmp_path):
    path = tmp_path / 'checkpoint.json'
    write_checkpoint(path, scope_of(path), dict(tasks={}, watermark=5))
    os.chown(str(path), 65534, 65534)
    with pytest.raises(CheckpointError, match=r'belongs to another user \(uid 65534\), not to the user running'):
        CheckpointStore(str(path)).restore(scope_of(path), WatchState.from_dict)
    assert os.stat(str(path)).st_uid == 65534 and json.loads(path.read_text())['state']['watermark'] == 5


@pytest.mark.parametrize('mode', [0o620, 0o602, 0o666])
def test_a_checkpoint_others_may_write_is_refused(tmp_path, mode):
    path = tmp_path / 'checkpoint.json'
    write_checkpoint(path, scope_of(path), dict(tasks={}, watermark=5))
    os.chmod(str(path), mode)
    with pytest.raises(CheckpointError, match=r'may be written by other users \(mode 0%o\).*chmod 600' % mode):
        CheckpointStore(str(path)).restore(scope_of(path), WatchState.from_dict)


def test_a_checkpoint_larger_than_any_the_source_writes_is_refused_unread(tmp_path, monkeypatch):
    from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_events import checkpoint
    monkeypatch.setattr(checkpoint, 'MAX_CHECKPOINT_BYTES', 2 << 20)
    path = tmp_path / 'checkpoint.json'
    write_checkpoint(path, scope_of(path), dict(tasks={}, watermark=5, padding='x' * (2 << 20)))
    with pytest.raises(CheckpointError, match=r'larger than 2 MiB, more than the source ever writes'):
        CheckpointStore(str(path)).restore(scope_of(path), WatchState.from_dict)
    # At the bound, it is read.
    write_checkpoint(path, scope_of(path), dict(tasks={}, watermark=5))
    assert CheckpointStore(str(path)).load(scope_of(path)) == dict(tasks={}, watermark=5)


def test_the_bound_holds_a_checkpoint_of_the_most_tasks_one_listing_reads():
    """The bound is far above what the source writes at the most tasks it lists."""
    from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.task_api import MAX_LIST_ITEMS
    from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_events.checkpoint import MAX_CHECKPOINT_BYTES
    per_task = max(len(json.dumps(memory)) for memory in saved_state(busy_ocp())['tasks'].values())
    assert per_task * MAX_LIST_ITEMS * 3 <= MAX_CHECKPOINT_BYTES, per_task
