# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make ``ansible_collections.oceanbase.ocp`` importable wherever this checkout lives.

ansible-test and `make units` put the collection on sys.path themselves; a plain `pytest` run
from a git checkout (or through a symlink, which the working directory resolves) does not.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import atexit
import importlib.util
import os
import shutil
import sys
import tempfile

import pytest
import responses


def _collection_importable():
    try:
        return importlib.util.find_spec("ansible_collections.oceanbase.ocp") is not None
    except ImportError:
        return False


if not _collection_importable():
    COLLECTION_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    COLLECTIONS_ROOT = tempfile.mkdtemp(prefix="oceanbase-ocp-tests-")
    atexit.register(shutil.rmtree, COLLECTIONS_ROOT)
    os.makedirs(os.path.join(COLLECTIONS_ROOT, "ansible_collections", "oceanbase"))
    os.symlink(COLLECTION_DIR, os.path.join(COLLECTIONS_ROOT, "ansible_collections", "oceanbase", "ocp"))
    sys.path.insert(0, COLLECTIONS_ROOT)


@pytest.fixture
def mocked():
    """Scripted HTTP: a request nothing answers fails the test, and so does an answer never asked for."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def scripted_list():
    """Scripted HTTP as ``mocked``, with the task list answered as OCP filters it (ocp_http_mock.ScriptedList)."""
    from ocp_http_mock import ScriptedList
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield ScriptedList(mock)
