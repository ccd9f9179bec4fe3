# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build and install the collection the way a release does, from the files git knows."""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
# The tools of the virtual environment running this script, whatever PATH says.
BIN = Path(sys.executable).parent
NAMESPACE, NAME = "oceanbase", "ocp"
# What ansible-galaxy leaves out of every build besides galaxy.yml's build_ignore.
ANSIBLE_GALAXY_DEFAULT_IGNORE = ("galaxy.yml", "*.pyc", "*.retry", "tests/output", ".git", "*.tar.gz")
# Metadata files ansible-galaxy writes into every tarball.
BUILD_METADATA = {"MANIFEST.json", "FILES.json"}


class CheckFailed(Exception):
    """A release check found a problem; the message says which."""


def run(command: list, cwd: Path | None = None, env: dict | None = None) -> str:
    """Run a tool and return its output, or fail with the output when it fails."""
    completed = subprocess.run([str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True,
                               check=False)
    if completed.returncode != 0:
        raise CheckFailed(f"{' '.join(str(part) for part in command)} exited with {completed.returncode}:\n"
                          f"{completed.stdout}{completed.stderr}")
    return completed.stdout + completed.stderr


def git_known_files() -> list[str]:
    """Tracked files and new files git does not ignore: what a commit of this checkout would hold."""
    listing = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT)
    # A tracked file deleted in the worktree is still listed; it is not part of what we build.
    return sorted(path for path in listing.split("\0") if path and (ROOT / path).is_file())


def clean_copy(destination: Path) -> Path:
    """Copy the git-known files to destination/ansible_collections/oceanbase/ocp and return that path.

    Building from this copy, never from the checkout, keeps local junk (virtual environments,
    test output, caches) out of the tarball even when build_ignore misses it.
    """
    collection = destination / "ansible_collections" / NAMESPACE / NAME
    for relative in git_known_files():
        target = collection / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / relative, target)
    return collection


def galaxy_metadata() -> dict:
    return yaml.safe_load((ROOT / "galaxy.yml").read_text(encoding="utf-8"))


def build_tarball(collection: Path, output_dir: Path) -> Path:
    output_dir.mkdir(parents=True, exist_ok=True)
    run([BIN / "ansible-galaxy", "collection", "build", "--force", "--output-path", output_dir], cwd=collection)
    version = galaxy_metadata()["version"]
    tarball = output_dir / f"{NAMESPACE}-{NAME}-{version}.tar.gz"
    if not tarball.is_file():
        raise CheckFailed(f"ansible-galaxy collection build did not write {tarball}")
    return tarball


def install_tarball(tarball: Path, collections_path: Path) -> Path:
    """Install like a user would, into a path nothing else uses; return the installed collection."""
    run([BIN / "ansible-galaxy", "collection", "install", "--offline", "-p", collections_path, tarball],
        env=ansible_env(collections_path))
    installed = collections_path / "ansible_collections" / NAMESPACE / NAME
    if not (installed / "MANIFEST.json").is_file():
        raise CheckFailed(f"the collection was not installed under {installed}")
    return installed


def ansible_env(collections_path: Path) -> dict:
    """Environment in which Ansible sees only the collections under collections_path."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("ANSIBLE_COLLECTIONS_PATH", "OCP_")) and key != "PYTHONPATH"}
    env.update(ANSIBLE_COLLECTIONS_PATH=str(collections_path), ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", ANSIBLE_NOCOLOR="1")
    return env


def is_build_ignored(relative: str, patterns: list[str]) -> bool:
    """Whether ansible-galaxy's build leaves this file out: it or one of its directories matches."""
    parts = relative.split("/")
    for depth in range(1, len(parts) + 1):
        prefix = "/".join(parts[:depth])
        if any(fnmatch.fnmatch(prefix, pattern) for pattern in patterns):
            return True
        # ansible-galaxy matches `**/name` against names at the top level as well.
        if any(pattern.startswith("**/") and fnmatch.fnmatch(prefix, pattern[3:]) for pattern in patterns):
            return True
    return False


def build_ignore_patterns() -> list[str]:
    return list(galaxy_metadata().get("build_ignore") or []) + list(ANSIBLE_GALAXY_DEFAULT_IGNORE)


def files_under(directory: Path) -> set[str]:
    return {path.relative_to(directory).as_posix() for path in directory.rglob("*") if path.is_file()}
