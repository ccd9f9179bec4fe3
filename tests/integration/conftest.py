# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures: one simulator over HTTP and one over HTTPS for the whole session."""

from __future__ import annotations

import pytest

from harness import SCENARIOS, start_simulator


def pytest_configure(config):
    # `make integration-every-run` runs these again with the simulator on the older runTime rule.
    config.addinivalue_line("markers", "counting: depends on how OCP counts runs; run on both runTime rules")
    # `make matrix` runs only these on the middle ansible-core versions, to stay inside CI's time.
    config.addinivalue_line("markers", "core_matrix: part of the representative subset that `make matrix` "
                                       "runs on every ansible-core version (each module, the wait action "
                                       "plugin's progress, the role, TLS)")


def _simulator_fixture(tmp_path_factory, tls):
    simulator = start_simulator(tmp_path_factory.mktemp("https" if tls else "http"), tls,
                                SCENARIOS / "integration.yaml")
    yield simulator
    simulator.process.terminate()
    simulator.process.wait(timeout=30)


@pytest.fixture(scope="session")
def simulator(tmp_path_factory):
    yield from _simulator_fixture(tmp_path_factory, tls=False)


@pytest.fixture(scope="session")
def tls_simulator(tmp_path_factory):
    yield from _simulator_fixture(tmp_path_factory, tls=True)


# Slow enough that nothing moves during a playbook run unless a test advances the clock.
FROZEN_SPEED = 0.001
# Fast enough that a whole create_tenant task runs in about a second of real time.
FAST_SPEED = 50.0


@pytest.fixture
def frozen_clock(simulator):
    """The HTTP simulator with its clock nearly stopped, so task states stay as set up."""
    simulator.set_clock(speed=FROZEN_SPEED)
    yield simulator
    simulator.set_clock(speed=1.0)


@pytest.fixture
def fast_clock(simulator):
    """The HTTP simulator with its clock fast, so waits end in seconds."""
    simulator.set_clock(speed=FAST_SPEED)
    yield simulator
    simulator.set_clock(speed=1.0)
