# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make galaxy-importer`: the built tarball passes the checks Galaxy runs when it is uploaded.

galaxy-importer is what Galaxy and Automation Hub run on an upload: metadata, documentation of
every plugin through ansible-doc, the role's README, the changelog and ansible-lint. It runs here
offline (galaxy-importer.cfg) from its own virtual environment, given with --importer-python.
Any ERROR or WARNING line fails the check: Galaxy shows both to everyone who looks at the collection.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from collection_build import NAME, NAMESPACE, build_tarball, clean_copy

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "galaxy-importer.cfg"
PROBLEM_LEVELS = ("WARNING:", "ERROR:", "CRITICAL:")


def run_importer(importer_python: Path, tarball: Path, work: Path) -> tuple[int, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "GALAXY_IMPORTER_"))}
    # galaxy-importer calls ansible-doc and ansible-lint by name: those of its own environment.
    env.update(GALAXY_IMPORTER_CONFIG=str(CONFIG), PATH=f"{importer_python.parent}{os.pathsep}{env.get('PATH', '')}",
               ANSIBLE_PYTHON_INTERPRETER=str(importer_python), ANSIBLE_NOCOLOR="1")
    # It writes importer_result.json into the working directory.
    completed = subprocess.run([str(importer_python), "-m", "galaxy_importer.main", str(tarball)], cwd=work, env=env,
                               capture_output=True, text=True, check=False)
    return completed.returncode, completed.stdout + completed.stderr


def check_result(work: Path) -> list[str]:
    """What the import found, beyond log lines: every module documented, the role's README read."""
    result_path = work / "importer_result.json"
    if not result_path.is_file():
        return ["galaxy-importer wrote no importer_result.json"]
    result = json.loads(result_path.read_text(encoding="utf-8"))
    problems = []
    metadata = result.get("metadata", {})
    if (metadata.get("namespace"), metadata.get("name")) != (NAMESPACE, NAME):
        problems.append(f"galaxy-importer read the collection as {metadata.get('namespace')}.{metadata.get('name')}")
    for content in result.get("docs_blob", {}).get("contents", []):
        if content["content_type"] == "module" and not content.get("doc_strings"):
            problems.append(f"Galaxy would show no documentation for module {content['content_name']}")
        if content["content_type"] == "role" and not content.get("readme_file"):
            problems.append(f"Galaxy would show no README for role {content['content_name']}")
    if not result.get("docs_blob", {}).get("collection_readme", {}).get("html"):
        problems.append("Galaxy would show no README for the collection")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--importer-python", type=Path, required=True,
                        help="Python of the virtual environment galaxy-importer is installed in")
    args = parser.parse_args()
    if not args.importer_python.is_file():
        print(f"galaxy-importer check FAILED: no Python at {args.importer_python}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="ocp-importer-") as tmp:
        work = Path(tmp)
        tarball = build_tarball(clean_copy(work / "source"), work / "dist")
        returncode, output = run_importer(args.importer_python.absolute(), tarball, work)
        problems = [line for line in output.splitlines() if line.startswith(PROBLEM_LEVELS)]
        if returncode != 0:
            problems.append(f"galaxy-importer exited with {returncode}")
        if returncode == 0:
            problems += check_result(work)
    if problems:
        print(output, file=sys.stderr)
        print("galaxy-importer check FAILED:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    print(f"galaxy-importer passed on {tarball.name}: no warnings, no errors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
