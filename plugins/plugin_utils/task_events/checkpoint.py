# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The checkpoint file of the ``oceanbase.ocp.ocp_task_events`` source.

It holds what the source remembers (watcher.WatchState: the keys of the events put,
each task's last list entry, where the sweeps are), so that a restarted source tells what
changed while it was down and nothing twice. It is written whole, atomically: to a temporary
file beside it, flushed to disk, then renamed over the old one, so a crash leaves either the old
checkpoint or the new one, never half of one. It holds no credentials.

A checkpoint is bound to what it was written for (``scope``: the OCP URL and the filters): read
with another scope it would report the wrong tasks, so it is refused with a message instead.

At the start (``prepare``), before the first poll puts any event, the source makes sure it can
write the checkpoint where it was told to (a source that finds out only after putting events
would stop having told them, and tell them again at the next start), and removes the temporary
files a killed source left beside it. A file that is not what the source wrote (hand-edited,
damaged) is refused naming the field that is wrong (``expect``, used by WatchState.from_dict and
TaskMemory.from_dict), never read into a Python error later; so is a file another user owns or
may write (the path may sit in a directory others write to: their file would be taken for the
source's memory), and a file larger than any checkpoint the source writes.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import math
import os
import re
import stat
import tempfile

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpClientError

CHECKPOINT_VERSION = 1
# The temporary files a save writes beside the checkpoint end so, after tempfile's random part:
# only names of this form are ever removed as a killed source's leftovers.
TEMPORARY_SUFFIX = '.tmp'
# How much of a wrong value a message quotes.
SHOWN_CHARS = 40
# The largest file read as a checkpoint: the source remembers the tasks OCP lists unfinished (at
# most 100,000, tasks/task_api.py MAX_LIST_ITEMS), about 800 bytes each with ordinary names, so
# 80 MiB at the most it lists; three times that is a file no source of ours wrote, and reading it
# whole would only fill the memory of the controller before failing.
MAX_CHECKPOINT_BYTES = 256 * 1024 * 1024


class CheckpointError(OcpClientError):
    """The checkpoint file cannot be read or written, is not one of ours, or belongs to another scope."""


class CheckpointFieldError(CheckpointError):
    """A field of the saved state is not what the source writes there (a hand-edited or damaged
    file); ``field`` names it as a path (``tasks.1030.keys``). CheckpointStore.restore tells it
    with the file's path."""

    def __init__(self, field, problem):
        self.field = field
        super(CheckpointFieldError, self).__init__('%s %s' % (field, problem))


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


# What each field may hold, as a message names it.
_KINDS = {
    'a mapping': lambda value: isinstance(value, dict),
    'a mapping or null': lambda value: value is None or isinstance(value, dict),
    'a text or null': lambda value: value is None or isinstance(value, str),
    'a whole number or null': lambda value: value is None or (isinstance(value, int) and not isinstance(value, bool)),
    'a number': _is_number,
    'true or false': lambda value: isinstance(value, bool),
    'a list of texts or null': lambda value: value is None or (
        isinstance(value, list) and all(isinstance(item, str) for item in value)),
}


def shown_value(value):
    """A value of the file in a few words, quoted short and escaped (it may be anything)."""
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return 'true' if value else 'false'
    kind = ('a mapping' if isinstance(value, dict) else 'a list' if isinstance(value, list)
            else 'a text' if isinstance(value, str) else 'a number' if isinstance(value, (int, float))
            else type(value).__name__)
    if isinstance(value, (dict, list)):
        return kind
    text = repr(value)
    if len(text) > SHOWN_CHARS:
        text = text[:SHOWN_CHARS] + '...'
    return '%s (%s)' % (kind, text)


def expect(value, field, kind):
    """``value`` when it is ``kind`` (a key of _KINDS), else CheckpointFieldError naming ``field``."""
    if not _KINDS[kind](value):
        raise CheckpointFieldError(field, 'must be %s, not %s' % (kind, shown_value(value)))
    return value


class CheckpointStore:
    """Load and save the state of one source at ``path``."""

    def __init__(self, path):
        self.path = os.path.abspath(os.path.expanduser(path))
        self._directory = os.path.dirname(self.path)
        self._temporary_prefix = '.%s.' % os.path.basename(self.path)

    def _refuse_a_link(self):
        """A symbolic link at the checkpoint's path is refused, on reading and on writing, rather than
        followed or replaced. Followed, a link someone else planted (the path may sit in a directory
        others write to) would make the source take their file for its memory, telling events again or
        never, and make every save overwrite whatever it points at with the rights of the user running
        ansible-rulebook; replaced by the rename, a link put there on purpose would silently stop
        pointing where its owner meant. The ocp_page role refuses a page file that is a link alike.
        Links among the directories above it are the administrator's choice and are followed."""
        if os.path.islink(self.path):
            raise CheckpointError('the checkpoint %s is a symbolic link, which the source neither follows nor replaces: '
                                  'give the path of the file itself' % (self.path,))

    def _refuse_a_stranger(self, details):
        """A checkpoint that is no regular file, belongs to another user or others may write is
        refused: its content would be someone else's word on what the source already told."""
        if not stat.S_ISREG(details.st_mode):
            raise CheckpointError('cannot read the checkpoint %s: %s' % (self.path, 'it is no regular file'))
        if details.st_uid != os.getuid():
            raise CheckpointError('the checkpoint %s belongs to another user (uid %d), not to the user running the '
                                  'source (uid %d): give a path of its own, or move the file away to start afresh'
                                  % (self.path, details.st_uid, os.getuid()))
        if details.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise CheckpointError('the checkpoint %s may be written by other users (mode %04o): the source writes it '
                                  '0600; make it so (chmod 600) or move it away to start afresh'
                                  % (self.path, stat.S_IMODE(details.st_mode)))

    def prepare(self):
        """At the start, before any poll: refuse a link, make the directory, remove the temporary
        files a killed source left, and write a trial file, so that a checkpoint that cannot be
        written stops the source before it has put any event."""
        self._refuse_a_link()
        try:
            if self._directory and not os.path.isdir(self._directory):
                os.makedirs(self._directory)
            self.remove_leftovers()
            descriptor, trial = self._temporary_file()
            os.close(descriptor)
            os.unlink(trial)
        except (IOError, OSError) as error:
            raise CheckpointError('cannot write the checkpoint %s: %s; the source did not start: give a checkpoint path '
                                  'in a directory the user running ansible-rulebook may write' % (self.path, error))

    def remove_leftovers(self):
        """Remove the temporary files of this checkpoint that a source killed while saving left
        (regular files of this user named as ``save`` names them); the names removed."""
        pattern = re.compile(r'%s[A-Za-z0-9_]+%s\Z' % (re.escape(self._temporary_prefix), re.escape(TEMPORARY_SUFFIX)))
        removed = []
        for name in sorted(os.listdir(self._directory or '.')):
            if not pattern.match(name):
                continue
            path = os.path.join(self._directory, name)
            try:
                details = os.lstat(path)
                if stat.S_ISREG(details.st_mode) and details.st_uid == os.getuid():
                    os.unlink(path)
                    removed.append(name)
            except OSError:
                continue  # gone meanwhile, or not ours to remove: the trial write says whether that matters
        return removed

    def _temporary_file(self):
        return tempfile.mkstemp(prefix=self._temporary_prefix, suffix=TEMPORARY_SUFFIX, dir=self._directory or None)

    def load(self, scope):
        """The saved state (a dict for WatchState.from_dict), or None when there is no file yet."""
        self._refuse_a_link()
        try:
            # O_NOFOLLOW: a link put in place since the check above is not read either; O_NONBLOCK:
            # a named pipe at the path does not hold the start (it is refused below).
            descriptor = os.open(self.path, os.O_RDONLY | getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_NONBLOCK', 0))
            with os.fdopen(descriptor, 'rb') as handle:
                self._refuse_a_stranger(os.fstat(handle.fileno()))
                data = handle.read(MAX_CHECKPOINT_BYTES + 1)
                if len(data) > MAX_CHECKPOINT_BYTES:
                    raise CheckpointError('the checkpoint %s is larger than %d MiB, more than the source ever writes; '
                                          'move it away to start afresh' % (self.path, MAX_CHECKPOINT_BYTES >> 20))
        except (IOError, OSError) as error:
            if not os.path.lexists(self.path):
                return None
            raise CheckpointError('cannot read the checkpoint %s: %s' % (self.path, error))
        try:
            document = json.loads(data.decode('utf-8'))
        except (ValueError, RecursionError) as error:
            # RecursionError: nesting deeper than Python's parser goes is no checkpoint of ours either.
            raise CheckpointError('the checkpoint %s is not JSON (%s); move it away to start afresh'
                                  % (self.path, '%s' % error or type(error).__name__))
        if not isinstance(document, dict) or document.get('version') != CHECKPOINT_VERSION:
            raise CheckpointError('%s is not a checkpoint of this source (version %r expected); move it away to '
                                  'start afresh' % (self.path, CHECKPOINT_VERSION))
        if document.get('scope') != scope:
            raise CheckpointError(
                'the checkpoint %s was written for %s, not for %s: give each source its own checkpoint, or move '
                'this one away to start afresh' % (self.path, _describe(document.get('scope')), _describe(scope)))
        return document.get('state') or {}

    def restore(self, scope, from_dict):
        """``from_dict(state)`` of the saved state (WatchState.from_dict), or None when there is no
        file yet; a field of the wrong type is a CheckpointError naming the file and the field."""
        saved = self.load(scope)
        if saved is None:
            return None
        try:
            return from_dict(saved)
        except CheckpointFieldError as error:
            raise CheckpointError('the checkpoint %s is damaged: %s; move it away to start afresh' % (self.path, error))

    def save(self, scope, state):
        """Write ``state`` (WatchState.to_dict()) atomically."""
        document = dict(version=CHECKPOINT_VERSION, scope=scope, state=state)
        self._refuse_a_link()
        try:
            if self._directory and not os.path.isdir(self._directory):
                os.makedirs(self._directory)
            descriptor, temporary = self._temporary_file()
            try:
                with os.fdopen(descriptor, 'w') as handle:
                    json.dump(document, handle, sort_keys=True, separators=(',', ':'))
                    handle.flush()
                    os.fsync(handle.fileno())
                os.rename(temporary, self.path)
            except BaseException:
                if os.path.exists(temporary):
                    os.unlink(temporary)
                raise
            _sync_directory(self._directory)
        except (IOError, OSError) as error:
            raise CheckpointError('cannot write the checkpoint %s: %s' % (self.path, error))


def _sync_directory(directory):
    """Make the rename itself durable (where the platform allows opening a directory)."""
    try:
        descriptor = os.open(directory or '.', os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _describe(scope):
    # The scope read from the file may be anything: what is not the source's own shape is "something else".
    if not isinstance(scope, dict) or not isinstance(scope.get('filters') or {}, dict) or not isinstance(
            scope.get('api_url') or '', str):
        return 'something else'
    filters = scope.get('filters') or {}
    text = scope.get('api_url') or '(no URL)'
    if filters:
        text += ' with filters %s' % ', '.join('%s=%s' % item for item in sorted(filters.items()))
    return text
