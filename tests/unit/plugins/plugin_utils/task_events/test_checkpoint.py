# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The checkpoint of the ocp_task_events source: whole or not at all, and only for its own scope."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import stat

import pytest

from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_events import checkpoint as event_checkpoint
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_events.checkpoint import CheckpointError, CheckpointStore

SCOPE = dict(api_url='https://ocp.example.com', filters={'clusterName': 'obcluster'})
STATE = dict(watch_start='2024-05-01T12:00:00+08:00', watermark=1030, tasks={'1030': dict(keys=['1030:started'])})


def test_saved_state_comes_back(tmp_path):
    store = CheckpointStore(str(tmp_path / 'sub' / 'checkpoint.json'))
    assert store.load(SCOPE) is None
    store.save(SCOPE, STATE)
    assert store.load(SCOPE) == STATE
    assert os.listdir(str(tmp_path / 'sub')) == ['checkpoint.json']  # no temporary file left
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600


def test_another_scope_is_refused(tmp_path):
    store = CheckpointStore(str(tmp_path / 'checkpoint.json'))
    store.save(SCOPE, STATE)
    with pytest.raises(CheckpointError, match='written for https://ocp.example.com with filters clusterName=obcluster'):
        store.load(dict(SCOPE, filters={}))


@pytest.mark.parametrize('text, words', [('{"version": 1, "sco', 'not JSON'), ('[]', 'not a checkpoint'),
                                         ('{"version": 99}', 'not a checkpoint')])
def test_a_damaged_or_foreign_file_is_refused(tmp_path, text, words):
    path = tmp_path / 'checkpoint.json'
    path.write_text(text)
    path.chmod(0o600)  # what is wrong is the text, whatever the umask
    with pytest.raises(CheckpointError, match=words):
        CheckpointStore(str(path)).load(SCOPE)


def test_a_failed_write_leaves_the_previous_checkpoint(tmp_path, monkeypatch):
    store = CheckpointStore(str(tmp_path / 'checkpoint.json'))
    store.save(SCOPE, STATE)

    def broken_dump(*_args, **_kwargs):
        raise IOError('disk full')

    monkeypatch.setattr(event_checkpoint.json, 'dump', broken_dump)
    with pytest.raises(CheckpointError, match='disk full'):
        store.save(SCOPE, dict(STATE, watermark=2000))
    monkeypatch.undo()
    assert store.load(SCOPE) == STATE
    assert os.listdir(str(tmp_path)) == ['checkpoint.json']


def test_the_file_holds_no_credentials(tmp_path):
    store = CheckpointStore(str(tmp_path / 'checkpoint.json'))
    store.save(SCOPE, STATE)
    assert set(json.loads((tmp_path / 'checkpoint.json').read_text())) == set(['version', 'scope', 'state'])
