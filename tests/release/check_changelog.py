# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make changelog-check` / `make changelog`: CHANGELOG.rst is what releasing galaxy.yml's version makes.

As in Ansible's community collections, every change brings a fragment in changelogs/fragments,
CI lints them, and `antsibull-changelog release` turns them into changelogs/changelog.yaml and
CHANGELOG.rst when a version is released. Until then, CHANGELOG.rst here holds exactly what that
release will write (a dry run in a scratch copy), so readers see what is coming and the release
itself changes nothing in it. The dry run consumes fragments (keep_fragments is false), which is
why it never runs in the checkout. With --write, CHANGELOG.rst is regenerated instead of checked.
"""

from __future__ import annotations

import argparse
import difflib
import sys
import tempfile
from pathlib import Path

import yaml

from collection_build import BIN, ROOT, CheckFailed, ansible_env, clean_copy, galaxy_metadata, run

CHANGELOG = "CHANGELOG.rst"


def release_preview(work: Path) -> str:
    """CHANGELOG.rst as releasing galaxy.yml's version would write it (or as it is, once released)."""
    collection = clean_copy(work / "source")
    env = ansible_env(work / "source")
    run([BIN / "antsibull-changelog", "lint"], cwd=collection, env=env)
    version = str(galaxy_metadata()["version"])
    released = yaml.safe_load((collection / "changelogs" / "changelog.yaml").read_text(encoding="utf-8"))
    if version in (released.get("releases") or {}):
        run([BIN / "antsibull-changelog", "generate"], cwd=collection, env=env)
    else:
        run([BIN / "antsibull-changelog", "release", "--version", version], cwd=collection, env=env)
        leftovers = [path.name for path in (collection / "changelogs" / "fragments").glob("*.y*ml")]
        if leftovers:
            raise CheckFailed(f"the release dry run left fragments it did not use: {leftovers}")
    run([BIN / "antsibull-changelog", "lint-changelog-yaml", collection / "changelogs" / "changelog.yaml"], env=env)
    run([BIN / "rstcheck", "--report-level", "warning", collection / CHANGELOG], env=env)
    return (collection / CHANGELOG).read_text(encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="regenerate CHANGELOG.rst instead of checking it")
    args = parser.parse_args()
    current_path = ROOT / CHANGELOG
    with tempfile.TemporaryDirectory(prefix="ocp-changelog-") as tmp:
        try:
            expected = release_preview(Path(tmp))
        except CheckFailed as failure:
            print(f"changelog check FAILED: {failure}", file=sys.stderr)
            return 1
    if args.write:
        current_path.write_text(expected, encoding="utf-8")
        print(f"wrote {CHANGELOG} for release {galaxy_metadata()['version']}")
        return 0
    current = current_path.read_text(encoding="utf-8") if current_path.exists() else ""
    if current != expected:
        diff = difflib.unified_diff(current.splitlines(keepends=True), expected.splitlines(keepends=True),
                                    CHANGELOG, f"{CHANGELOG} (release {galaxy_metadata()['version']})")
        print(f"changelog check FAILED: {CHANGELOG} is not what the fragments make; run `make changelog`.\n"
              + "".join(diff), file=sys.stderr)
        return 1
    print(f"fragments lint clean; {CHANGELOG} is current for release {galaxy_metadata()['version']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
