# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the AWX tests: the integration suite's simulator harness, and a job environment
that holds only what the test puts in it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# One harness for every suite that starts the simulator.
sys.path.insert(0, str(ROOT / "tests" / "integration"))


@pytest.fixture(scope="session", autouse=True)
def no_ocp_environment():
    """ansible-runner passes the test's own environment on to the job: OCP_* variables of whoever
    runs the tests must not stand in for the credential under test."""
    with pytest.MonkeyPatch.context() as patch:
        for name in [name for name in os.environ if name.startswith("OCP_")]:
            patch.delenv(name)
        yield
