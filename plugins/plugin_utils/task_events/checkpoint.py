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
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import tempfile

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpClientError

CHECKPOINT_VERSION = 1


class CheckpointError(OcpClientError):
    """The checkpoint file cannot be read, is not one of ours, or belongs to another scope."""


class CheckpointStore:
    """Load and save the state of one source at ``path``."""

    def __init__(self, path):
        self.path = os.path.abspath(os.path.expanduser(path))

    def load(self, scope):
        """The saved state (a dict for WatchState.from_dict), or None when there is no file yet."""
        try:
            with open(self.path, 'r') as handle:
                text = handle.read()
        except IOError as error:
            if not os.path.exists(self.path):
                return None
            raise CheckpointError('cannot read the checkpoint %s: %s' % (self.path, error))
        try:
            document = json.loads(text)
        except ValueError as error:
            raise CheckpointError('the checkpoint %s is not JSON (%s); move it away to start afresh' % (self.path, error))
        if not isinstance(document, dict) or document.get('version') != CHECKPOINT_VERSION:
            raise CheckpointError('%s is not a checkpoint of this source (version %r expected); move it away to '
                                  'start afresh' % (self.path, CHECKPOINT_VERSION))
        if document.get('scope') != scope:
            raise CheckpointError(
                'the checkpoint %s was written for %s, not for %s: give each source its own checkpoint, or move '
                'this one away to start afresh' % (self.path, _describe(document.get('scope')), _describe(scope)))
        return document.get('state') or {}

    def save(self, scope, state):
        """Write ``state`` (WatchState.to_dict()) atomically."""
        document = dict(version=CHECKPOINT_VERSION, scope=scope, state=state)
        directory = os.path.dirname(self.path)
        try:
            if directory and not os.path.isdir(directory):
                os.makedirs(directory)
            descriptor, temporary = tempfile.mkstemp(prefix='.%s.' % os.path.basename(self.path), dir=directory)
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
            _sync_directory(directory)
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
    if not isinstance(scope, dict):
        return 'something else'
    filters = scope.get('filters') or {}
    text = scope.get('api_url') or '(no URL)'
    if filters:
        text += ' with filters %s' % ', '.join('%s=%s' % item for item in sorted(filters.items()))
    return text
