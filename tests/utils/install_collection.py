# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make install`: build the collection from the files git knows and install it where Ansible looks
by default (~/.ansible/collections), so that ansible-playbook and ansible-doc find it with no setting."""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "release"))

from collection_build import BIN, NAME, NAMESPACE, build_tarball, clean_copy  # noqa: E402  pylint: disable=wrong-import-position

# Ansible's default collections path (COLLECTIONS_PATHS) starts here; nothing needs configuring.
DEFAULT_PATH = Path("~/.ansible/collections")
# What `make demo` prints and README.md shows as the step after the demo.
NEXT_STEP = "make install && . .venv/bin/activate && ansible-doc oceanbase.ocp.ocp_task_wait"


def _is_git_checkout() -> bool:
    """Whether ROOT is the top of a git work tree (not a copy of the files, nor inside another repository)."""
    completed = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=ROOT, capture_output=True, text=True,
                               check=False)
    return completed.returncode == 0 and Path(completed.stdout.strip()).resolve() == ROOT


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--path", type=Path, default=DEFAULT_PATH,
                        help="collections path to install into (default: %(default)s)")
    path = parser.parse_args().path.expanduser()
    with tempfile.TemporaryDirectory(prefix="oceanbase-ocp-build-") as tmp:
        # From a checkout, only what git knows goes in (no local junk); a copy of those files, such
        # as the one `make` puts under ~/.cache, is built as it is, galaxy.yml's build_ignore applying.
        source = clean_copy(Path(tmp) / "copy") if _is_git_checkout() else ROOT
        tarball = build_tarball(source, Path(tmp) / "dist")
        # --force replaces an earlier install; --offline: the collection has no dependencies to fetch.
        subprocess.run([str(BIN / "ansible-galaxy"), "collection", "install", "--force", "--offline", "-p", str(path),
                        str(tarball)], check=True)
    installed = path / "ansible_collections" / NAMESPACE / NAME
    print(f"\n{NAMESPACE}.{NAME} is installed in {installed}, where Ansible finds it. With .venv's ansible-core:\n"
          f"  . .venv/bin/activate\n"
          f"  ansible-doc {NAMESPACE}.{NAME}.ocp_task_wait")
    return 0


if __name__ == "__main__":
    sys.exit(main())
