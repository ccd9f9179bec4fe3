# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for the get-pip.py script that ansible-test downloads.

ansible-test bootstraps pip in each virtual environment it creates by running
``~/.ansible/test/cache/get_pip_<version>.py`` with pip's install arguments.
The real script comes from a host this network cannot reach, so ``make`` installs
this file under that name instead: it seeds pip from the interpreter's own
``ensurepip`` and then lets that pip install what ansible-test asked for from the
configured package index.
"""

from __future__ import annotations

import subprocess
import sys

# get-pip.py understands these two, pip install does not.
GET_PIP_ONLY_OPTIONS = {"--no-setuptools", "--no-wheel"}


def main(argv: list[str]) -> int:
    # ensurepip must run in a child process: run in-process it resets pip's
    # configuration for every later pip call of this interpreter.
    subprocess.run([sys.executable, "-m", "ensurepip", "--upgrade"], check=True,
                   stdout=subprocess.DEVNULL)
    pip_args = [arg for arg in argv if arg not in GET_PIP_ONLY_OPTIONS]
    return subprocess.run([sys.executable, "-m", "pip", "install", *pip_args], check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
