# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible-playbook of a chosen ansible-core: the main venv's (2.19), or a `make matrix` virtual
environment (.venvs/core-2.XX of the checkout), made the way tests/utils/matrix.py makes it when it
is missing. ansible-rulebook runs ansible-playbook through ansible-runner, which takes the first
ansible-playbook on PATH: putting a core's bin first chooses the core the rulebook's playbooks run on.

The tests run in a copy of the collection (the Makefile's COLLECTION), so the checkout, where
.venvs lives and where `make matrix` finds the same environments, comes from OCP_CHECKOUT (the
Makefile sets it); without it, the checkout is the tree this file is in."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest

HERE = Path(__file__).resolve()
MAIN_VENV_CORE = "2.19"
OLDEST, NEWEST = "2.16", "2.21"


def checkout() -> Path:
    return Path(os.environ.get("OCP_CHECKOUT") or HERE.parents[2])


@lru_cache(maxsize=None)
def _matrix():
    path = checkout() / "tests" / "utils" / "matrix.py"
    spec = importlib.util.spec_from_file_location("ocp_core_matrix", path)
    module = importlib.util.module_from_spec(spec)
    # Registered first: its dataclasses look their module up while it loads.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@lru_cache(maxsize=None)
def core_bin(minor: str) -> Path:
    """The bin directory holding ansible-playbook of ansible-core ``minor``, made when missing."""
    if minor == MAIN_VENV_CORE:
        return Path(sys.executable).parent
    matrix = _matrix()
    [core] = [core for core in matrix.CORES if core.minor == minor]
    matrix.LOGS.mkdir(parents=True, exist_ok=True)
    try:
        venv = matrix.ensure_venv(core, refresh=False)
    except matrix.SetupError as error:
        pytest.fail(f"no ansible-core {minor} to test with: {error}")
    return venv / "bin"


def core_env(minor: str, env: dict) -> dict:
    """``env`` with ansible-core ``minor``'s ansible-playbook first on PATH and its Python for modules."""
    bin_dir = core_bin(minor)
    return dict(env, PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
                ANSIBLE_PYTHON_INTERPRETER=str(bin_dir / "python"))


def core_version(env: dict) -> str:
    """The version of the ansible-playbook ``env`` finds first, as its --version says."""
    first_line = subprocess.run(["ansible-playbook", "--version"], env=env, capture_output=True, text=True,
                                check=True, timeout=120).stdout.splitlines()[0]
    return first_line.split("[core ", 1)[1].rstrip("]")
