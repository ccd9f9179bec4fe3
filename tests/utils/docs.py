# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module and role reference in docs/reference/, generated from the plugins' own documentation.

    python tests/utils/docs.py generate --collection PATH   rewrite docs/reference/
    python tests/utils/docs.py check --collection PATH      fail when docs/reference/ is not current,
                                                            and lint the plugin and role docs

PATH is a copy of the collection under .../ansible_collections/oceanbase/ocp (what `make collection`
writes): antsibull-docs finds collections only through Ansible's collection search path. The output
carries no antsibull-docs version, date or absolute path, so the same sources always give the same
files and a stale reference shows up as a diff.
"""

from __future__ import annotations

import argparse
import difflib
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "reference"
COLLECTION_NAME = "oceanbase.ocp"
# Lines of each file's diff shown by `check`: enough to see what changed, not a wall of HTML.
DIFF_LINES_SHOWN = 40


class DocsError(Exception):
    """A problem the user can fix; its message is printed without a traceback."""


def _tool(name: str) -> str:
    # Prefer the tool next to this Python (the project's venv) over whatever PATH finds first.
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise DocsError(f"{name} is not installed; run `make venv` (it comes from tests/requirements.txt)")
    return found


def _collections_root(collection: Path) -> Path:
    collection = collection.resolve()
    if collection.parts[-3:] != ("ansible_collections", "oceanbase", "ocp"):
        raise DocsError(f"--collection must end in ansible_collections/oceanbase/ocp, got {collection}")
    if not (collection / "galaxy.yml").is_file():
        raise DocsError(f"{collection} holds no galaxy.yml; run `make collection` first")
    return collection.parents[2]


def _environment(collection: Path) -> dict:
    env = dict(os.environ)
    # Only the copy under test: an oceanbase.ocp installed elsewhere must not be documented instead.
    env["ANSIBLE_COLLECTIONS_PATH"] = str(_collections_root(collection))
    env["ANSIBLE_COLLECTIONS_SCAN_SYS_PATH"] = "false"
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def _run(command: list, env: dict, what: str) -> None:
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        output = (completed.stdout + completed.stderr).strip()
        raise DocsError(f"{what} failed (exit {completed.returncode}):\n{output}")


def render(collection: Path, dest: Path) -> None:
    """Write the reference of the collection at ``collection`` into the empty directory ``dest``."""
    _run([_tool("antsibull-docs"), "collection", "--use-current", "--dest-dir", str(dest),
          "--output-format", "simplified-rst", "--squash-hierarchy", "--no-add-antsibull-docs-version",
          "--fail-on-error", COLLECTION_NAME],
         _environment(collection), "antsibull-docs collection")
    if not any(dest.iterdir()):
        raise DocsError(f"antsibull-docs wrote nothing for {COLLECTION_NAME}; is {collection} a copy of it?")


def lint(collection: Path) -> None:
    """Schema, markup and cross-reference checks of every plugin's and role's documentation."""
    _run([_tool("antsibull-docs"), "lint-collection-docs", "--plugin-docs", "--output-format", "simplified-rst",
          "--validate-collection-refs", "all", "--disallow-unknown-collection-refs", str(collection.resolve())],
         _environment(collection), "antsibull-docs lint-collection-docs")


def _files(directory: Path) -> set:
    if not directory.is_dir():
        return set()
    return {path.relative_to(directory).as_posix() for path in directory.rglob("*") if path.is_file()}


def differences(expected: Path, actual: Path) -> list:
    """Lines describing how ``actual`` differs from ``expected``; empty when they are the same."""
    wanted, present = _files(expected), _files(actual)
    report = [f"missing from docs/reference: {name}" for name in sorted(wanted - present)]
    report += [f"in docs/reference but no longer generated: {name}" for name in sorted(present - wanted)]
    for name in sorted(wanted & present):
        if filecmp.cmp(expected / name, actual / name, shallow=False):
            continue
        diff = list(difflib.unified_diff(
            (actual / name).read_text(encoding="utf-8").splitlines(),
            (expected / name).read_text(encoding="utf-8").splitlines(),
            fromfile=f"docs/reference/{name} (checked in)", tofile=f"docs/reference/{name} (generated)", lineterm=""))
        report.append(f"changed: {name} ({len(diff)} diff lines)")
        report += ["    " + line for line in diff[:DIFF_LINES_SHOWN]]
        if len(diff) > DIFF_LINES_SHOWN:
            report.append(f"    ... {len(diff) - DIFF_LINES_SHOWN} more diff lines")
    return report


def generate(collection: Path, reference: Path) -> int:
    with tempfile.TemporaryDirectory(prefix="ocp-docs-") as tmp:
        render(collection, Path(tmp))
        if reference.exists():
            shutil.rmtree(reference)
        shutil.copytree(tmp, reference)
    print(f"wrote {len(_files(reference))} files to {reference}")
    return 0


def check(collection: Path, reference: Path, run_lint: bool) -> int:
    problems = []
    with tempfile.TemporaryDirectory(prefix="ocp-docs-") as tmp:
        render(collection, Path(tmp))
        report = differences(Path(tmp), reference)
    if report:
        problems.append("docs/reference/ is not current with the plugins' documentation; run `make docs` "
                        "and commit the result:\n" + "\n".join(report))
    if run_lint:
        try:
            lint(collection)
        except DocsError as error:
            problems.append(str(error))
    if problems:
        print("\n\n".join(problems), file=sys.stderr)
        return 1
    print(f"docs/reference/ is current ({len(_files(reference))} files)"
          + ("; the plugin and role docs pass antsibull-docs lint-collection-docs" if run_lint else ""))
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("mode", choices=["generate", "check"])
    parser.add_argument("--collection", type=Path, required=True,
                        help="the collection copy, ending in ansible_collections/oceanbase/ocp")
    parser.add_argument("--reference", type=Path, default=REFERENCE, help="default: docs/reference of this checkout")
    parser.add_argument("--no-lint", dest="lint", action="store_false", help="check: skip lint-collection-docs")
    args = parser.parse_args(argv)
    try:
        if args.mode == "generate":
            return generate(args.collection, args.reference.resolve())
        return check(args.collection, args.reference.resolve(), args.lint)
    except DocsError as error:
        print(f"docs.py {args.mode}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
