# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make release-check`: build the tarball, install it into a clean path, test the installed copy.

What users get is the tarball, not the checkout: a file missing from it, or junk shipped in it,
only shows after `ansible-galaxy collection build` and `install`. So this check builds from a
clean copy of the files git knows, installs into an empty path, checks what was installed
against galaxy.yml's build_ignore, proves Ansible uses that copy, and runs integration tests
from the checkout against it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from collection_build import (BIN, BUILD_METADATA, NAME, NAMESPACE, ROOT, CheckFailed, ansible_env, build_ignore_patterns,
                              build_tarball, clean_copy, files_under, git_known_files, install_tarball, is_build_ignored,
                              run)

sys.path.insert(0, str(ROOT / "tests" / "integration"))
from harness import ADMIN_USER, SCENARIOS, start_simulator  # noqa: E402  pylint: disable=wrong-import-position

# Whatever galaxy.yml says, these never belong in what users install.
NEVER_SHIPPED = ("simulator/", "bench/", "tests/integration/", "tests/output/", "tests/release/", "tests/utils/",
                 ".venv/", ".venvs/", ".ci/", ".git/", ".pytest_cache/", "Makefile")
NEVER_SHIPPED_NAMES = ("__pycache__",)
# Of tests/, only what ansible-test units and sanity use from a tarball: a new test directory must
# be added to galaxy.yml's build_ignore or here.
SHIPPED_TESTS = ("tests/unit/", "tests/config.yml")
# What the collection cannot work or be understood without.
MUST_SHIP = ("README.md", "COPYING", "CHANGELOG.rst", "changelogs/changelog.yaml", "meta/runtime.yml",
             "meta/execution-environment.yml", "requirements.txt", "bindep.txt",
             "plugins/modules/ocp_task_info.py", "plugins/action/ocp_task_wait.py",
             "roles/task_supervisor/tasks/main.yml", "roles/task_supervisor/meta/argument_specs.yml",
             "extensions/eda/plugins/event_source/ocp_task_events.py", "extensions/eda/rulebooks/ocp_task_remediation.yml",
             "playbooks/eda_supervise_task.yml", "playbooks/eda_page_on_call.yml", "roles/ocp_page/tasks/main.yml")
# A subset, to keep CI inside its time (the full suite runs against the checkout's copy in
# `make integration`): every module is reached, over HTTP and HTTPS, with Basic and AK/SK
# credentials and from OCP_* variables; secrets stay hidden at -vvvv; and the role, hence
# ocp_task_wait, its policy and its report, on a task that succeeds after a retry and on one that fails.
INTEGRATION = "tests/integration/"
DEFAULT_TESTS = (INTEGRATION + "test_task_info.py::test_reads_tasks_every_way",
                 INTEGRATION + "test_task_info.py::test_connection_from_environment_variables",
                 INTEGRATION + "test_task_info.py::test_secrets_never_appear_even_at_vvvv",
                 INTEGRATION + "test_task_supervisor.py::test_retried_task_succeeds_with_result_report_and_stats",
                 INTEGRATION + "test_task_supervisor.py::test_unsuccessful_task_fails_the_play_readably")


def check_contents(installed: Path) -> int:
    installed_files = files_under(installed) - BUILD_METADATA
    patterns = build_ignore_patterns()
    expected = {path for path in git_known_files() if not is_build_ignored(path, patterns)}
    problems = []
    missing = sorted(expected - installed_files)
    unexpected = sorted(installed_files - expected)
    if missing:
        problems.append("git-known files galaxy.yml does not exclude, missing from the install: " + ", ".join(missing))
    if unexpected:
        problems.append("installed files that are not git-known files outside build_ignore: " + ", ".join(unexpected))
    junk = sorted(path for path in installed_files
                  if path.startswith(NEVER_SHIPPED) or any(part in NEVER_SHIPPED_NAMES for part in path.split("/")))
    if junk:
        problems.append("installed files that must never ship (add them to galaxy.yml build_ignore): "
                        + ", ".join(junk))
    stray_tests = sorted(path for path in installed_files
                         if path.startswith("tests/") and not path.startswith(SHIPPED_TESTS))
    if stray_tests:
        problems.append("installed test files that cannot run from the tarball (add their directory to "
                        "galaxy.yml build_ignore): " + ", ".join(stray_tests))
    absent = [path for path in MUST_SHIP if path not in installed_files]
    if absent:
        problems.append("files the collection needs, missing from the install: " + ", ".join(absent))
    if problems:
        raise CheckFailed("\n".join(problems))
    return len(installed_files)


def check_only_installed_copy_visible(collections_path: Path, installed: Path) -> None:
    listing = run([BIN / "ansible-galaxy", "collection", "list", f"{NAMESPACE}.{NAME}", "--format", "json"],
                  env=ansible_env(collections_path))
    # Warnings may precede the JSON document.
    found = json.loads(listing[listing.index("{"):])
    locations = [Path(location).resolve() for location in found]
    if locations != [installed.parents[1].resolve()]:
        raise CheckFailed(f"Ansible sees {NAMESPACE}.{NAME} in {locations}, expected only under {installed.parents[1]}")
    run([BIN / "ansible-galaxy", "collection", "verify", "--offline", f"{NAMESPACE}.{NAME}"],
        env=ansible_env(collections_path))


def check_module_comes_from(collections_path: Path, installed: Path, work_dir: Path) -> None:
    simulator = start_simulator(work_dir, tls=False, scenario=SCENARIOS / "integration.yaml")
    try:
        env = ansible_env(collections_path)
        env.update(OCP_URL=simulator.url, OCP_USERNAME=ADMIN_USER[0], OCP_PASSWORD=ADMIN_USER[1])
        command = [BIN / "ansible-playbook", "-vvv", "-i", "localhost,", "-c", "local",
                   ROOT / "tests" / "release" / "playbooks" / "which_collection.yml"]
        output = run(command, env=env)
    finally:
        simulator.process.terminate()
        simulator.process.wait(timeout=30)
    expected = f"Using module file {installed / 'plugins' / 'modules' / 'ocp_task_info.py'}"
    if expected not in output:
        used = [line for line in output.splitlines() if "Using module file" in line]
        raise CheckFailed(f"ocp_task_info did not run from the installed copy; expected {expected!r}, got {used}")


def run_integration_tests(collections_path: Path, tests: list[str]) -> None:
    env = ansible_env(collections_path)
    # Tests come from the checkout; the collection under test is only the installed one.
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests]
    completed = subprocess.run(command, cwd=ROOT, env=env, check=False)
    if completed.returncode != 0:
        raise CheckFailed(f"integration tests against the installed copy failed (exit {completed.returncode})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tests", nargs="*", default=list(DEFAULT_TESTS),
                        help="integration test files or node ids to run against the installed copy")
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ocp-release-") as tmp:
        work = Path(tmp)
        try:
            tarball = build_tarball(clean_copy(work / "source"), work / "dist")
            print(f"built {tarball.name} ({tarball.stat().st_size // 1024} KiB) from a clean copy", flush=True)
            collections_path = work / "installed"
            installed = install_tarball(tarball, collections_path)
            count = check_contents(installed)
            print(f"installed {count} files: what git knows minus build_ignore, no junk", flush=True)
            check_only_installed_copy_visible(collections_path, installed)
            check_module_comes_from(collections_path, installed, work)
            print(f"Ansible sees and runs only the installed copy ({collections_path})", flush=True)
            run_integration_tests(collections_path, args.tests)
        except CheckFailed as failure:
            print(f"release check FAILED: {failure}", file=sys.stderr)
            return 1
    print(f"release check passed in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
