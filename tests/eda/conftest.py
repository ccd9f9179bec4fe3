# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the Event-Driven Ansible tests: a simulator of their own, started by the
integration tests' harness (one way to start it), and the environment ansible-rulebook needs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))

# pylint: disable-next=wrong-import-position
from harness import SCENARIOS, start_simulator  # noqa: E402  (needs the path above)


@pytest.fixture
def simulator(tmp_path):
    """A fresh simulator per test: the tests count every request it journals."""
    directory = tmp_path / "simulator"
    directory.mkdir()
    simulator = start_simulator(directory, False, SCENARIOS / "integration.yaml")
    yield simulator
    simulator.process.terminate()
    simulator.process.wait(timeout=30)
