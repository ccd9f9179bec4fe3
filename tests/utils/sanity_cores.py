# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make sanity`: ansible-test sanity with the oldest and the newest supported ansible-core's ansible-test.

Galaxy's and certification's checks run the newest ansible-test, whose rules grow with each
release (2.21's pylint refuses what 2.19's lets through); the oldest shows what users of 2.16 get.
Each core's ansible-test runs from the core's environment of `make matrix` (.venvs/core-2.XX, made
here when missing), with the stand-in for the pip bootstrap it cannot download offline, on the
Makefile's copy of the collection. No ignore file: every test passes as the collection is.

    python tests/utils/sanity_cores.py --collection DIR [--cores 2.16,2.21]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# The environments of `make matrix`, beside this file.
import matrix  # noqa: E402  pylint: disable=wrong-import-position

STANDIN = Path(__file__).resolve().parent / "install_get_pip_standin.py"
# The oldest and the newest supported core.
DEFAULT_CORES = "2.16,2.21"


def core_named(minor: str) -> matrix.Core:
    cores = {core.minor: core for core in matrix.CORES}
    if minor not in cores:
        raise SystemExit(f"no environment for ansible-core {minor}; the matrix has {', '.join(cores)}")
    return cores[minor]


def run_sanity(core: matrix.Core, collection: Path) -> int:
    venv = matrix.ensure_venv(core, refresh=False)
    bin_dir = venv / "bin"
    subprocess.run([str(bin_dir / "python"), str(STANDIN)], check=True)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    print(f"== ansible-test sanity of ansible-core {core.minor} (Python {core.python})", flush=True)
    return subprocess.run([str(bin_dir / "ansible-test"), "sanity", "--venv", "--python", core.python, "--color", "no"],
                          cwd=collection, env=env, check=False).returncode


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--collection", type=Path, required=True, help="the Makefile's copy of the collection")
    parser.add_argument("--cores", default=os.environ.get("SANITY_CORES", DEFAULT_CORES),
                        help=f"comma-separated core minors (default: $SANITY_CORES or {DEFAULT_CORES})")
    args = parser.parse_args(argv)
    matrix.LOGS.mkdir(parents=True, exist_ok=True)
    failed = [minor for minor in args.cores.split(",") if run_sanity(core_named(minor.strip()), args.collection) != 0]
    if failed:
        print(f"ansible-test sanity failed on ansible-core {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
