# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make matrix`: the unit and integration tests on every supported ansible-core minor.

Each core gets a virtual environment of its own under .venvs/core-2.XX, with a Python that core
supports as a controller, taken from pyenv. A stamp keyed on everything that goes into the
environment lets a warm run skip straight to the tests. Every core runs all unit tests and the
integration tests marked ``core_matrix``, which cover each module, the action plugin's progress
output, check mode and --diff, the role and TLS, so the matrix fits CI's time; the full integration
suite runs on 2.19 (`make integration`), and on every core with ``--full``.
2.19 is left out: the main .venv runs it in `make units` and `make integration`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parents[2]
VENVS = ROOT / ".venvs"
LOGS = ROOT / "tests" / "output" / "matrix"
# What the tests import besides the collection's own runtime requirements (requirements.txt).
TEST_REQUIREMENTS = ["pytest", "responses", "trustme", "PyYAML"]
SUBSET_MARKER = "core_matrix"
# A hung playbook must not hold CI until its own 90-minute limit.
SUITE_TIMEOUT_SECONDS = 30 * 60
LOG_TAIL_LINES = 80
JUNIT_COUNTS = ("tests", "failures", "errors", "skipped")


@dataclass(frozen=True)
class Core:
    minor: str
    # The controller Python, chosen so that every Python from 3.10 to 3.13 is covered once.
    python: str
    full_integration: bool


# Controller Pythons each core supports (Requires-Python and classifiers of ansible-core on PyPI):
# 2.16 and 2.17: 3.10-3.12; 2.18 and 2.19: 3.11-3.13; 2.20 and 2.21: 3.12-3.14.
# The full integration suite (about 17 minutes of ansible-playbook runs) runs on 2.19 in `make
# integration`; every other core runs the core_matrix subset, so that `make test` stays within CI's
# time. `--full` runs the whole suite on every core.
CORES = [
    Core("2.16", "3.10", full_integration=False),
    Core("2.17", "3.12", full_integration=False),
    Core("2.18", "3.13", full_integration=False),
    Core("2.20", "3.12", full_integration=False),
    Core("2.21", "3.13", full_integration=False),
]
MAIN_VENV_CORE = "2.19"


@dataclass
class SuiteResult:
    passed: int = 0
    total: int = 0
    ok: bool = False
    seconds: float = 0.0
    log: Path | None = None
    note: str = ""


@dataclass
class CellResult:
    core: Core
    core_version: str = "?"
    python_version: str = "?"
    setup_seconds: float = 0.0
    setup_error: str = ""
    suites: dict[str, SuiteResult] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.setup_error and bool(self.suites) and all(suite.ok for suite in self.suites.values())


class SetupError(Exception):
    """A core's environment could not be made; the message says why and what to do."""


def find_python(version: str) -> Path:
    """The newest pyenv-installed Python X.Y, else pythonX.Y on PATH (pyenv's shims are skipped:
    they fail when the version is not selected)."""
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates = []
    for directory in pyenv_root.glob(f"versions/{version}.*"):
        patch = directory.name[len(version) + 1:]
        executable = directory / "bin" / f"python{version}"
        if patch.isdigit() and executable.exists():
            candidates.append((int(patch), executable))
    if candidates:
        return max(candidates)[1]
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        executable = Path(directory) / f"python{version}"
        if "shims" not in Path(directory).parts and executable.exists():
            return executable
    raise SetupError(f"no Python {version} found in {pyenv_root}/versions or on PATH; "
                     f"install it, for example with `pyenv install {version}`")


def requirements(core: Core) -> list[str]:
    runtime = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()
               if line.strip() and not line.lstrip().startswith("#")]
    return [f"ansible-core~={core.minor}.0", *runtime, *TEST_REQUIREMENTS]


def stamp_for(core: Core, python: Path) -> str:
    """Everything the environment is made from; a change in any of it makes a new environment."""
    inputs = {
        "python": str(python.resolve()),
        "requirements": requirements(core),
        "simulator": hashlib.sha256((ROOT / "simulator" / "pyproject.toml").read_bytes()).hexdigest(),
    }
    return json.dumps(inputs, sort_keys=True, indent=1) + "\n"


def run_logged(command: list[str], log: Path, env: dict | None = None, cwd: Path | None = None,
               timeout: float | None = None) -> int:
    with open(log, "a", encoding="utf-8") as output:
        output.write("$ " + " ".join(command) + "\n")
        output.flush()
        try:
            return subprocess.run(command, stdout=output, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                                  timeout=timeout, check=False).returncode
        except subprocess.TimeoutExpired:
            output.write(f"\nstopped after {timeout:.0f} s\n")
            return -1


def tail(log: Path) -> str:
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(lines[-LOG_TAIL_LINES:])


def ensure_venv(core: Core, refresh: bool) -> Path:
    """The core's virtual environment, made anew only when its stamp does not match."""
    python = find_python(core.python)
    venv = VENVS / f"core-{core.minor}"
    stamp_file = venv / ".matrix-stamp"
    stamp = stamp_for(core, python)
    if (not refresh and stamp_file.exists() and stamp_file.read_text() == stamp
            and (venv / "bin" / "python").exists()):
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    log = LOGS / f"core-{core.minor}-setup.log"
    log.unlink(missing_ok=True)
    if run_logged([str(python), "-m", "venv", str(venv)], log) != 0:
        raise SetupError(f"`{python} -m venv` failed; see {log}:\n{tail(log)}")
    install = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
               *requirements(core), "-e", str(ROOT / "simulator")]
    if run_logged(install, log) != 0:
        raise SetupError(f"pip could not install {core.minor}'s requirements; see {log}:\n{tail(log)}")
    # Written last, so an interrupted set-up is redone next time.
    stamp_file.write_text(stamp)
    return venv


def installed_versions(venv: Path) -> tuple[str, str]:
    probe = "import platform, ansible.release; print(ansible.release.__version__, platform.python_version())"
    output = subprocess.run([str(venv / "bin" / "python"), "-c", probe], capture_output=True, text=True,
                            check=True).stdout.split()
    return output[0], output[1]


def count_junit(junit: Path) -> tuple[int, int]:
    """(passed, total) from pytest's JUnit XML; skipped tests count in neither."""
    root = ElementTree.parse(junit).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    total = passed = 0
    for suite in suites:
        tests, failures, errors, skipped = (int(suite.get(key, 0)) for key in JUNIT_COUNTS)
        total += tests - skipped
        passed += tests - skipped - failures - errors
    return passed, total


def run_suite(core: Core, venv: Path, collections_root: Path, name: str, pytest_args: list[str]) -> SuiteResult:
    collection = collections_root / "ansible_collections" / "oceanbase" / "ocp"
    log = LOGS / f"core-{core.minor}-{name}.log"
    junit = LOGS / f"core-{core.minor}-{name}.xml"
    log.unlink(missing_ok=True)
    junit.unlink(missing_ok=True)
    bin_dir = venv / "bin"
    # As the Makefile's units and integration targets, with this core's environment in their place.
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections_root), PYTHONPATH=str(collections_root),
               ANSIBLE_PYTHON_INTERPRETER=str(bin_dir / "python"), VIRTUAL_ENV=str(venv),
               PATH=str(bin_dir) + os.pathsep + os.environ.get("PATH", ""))
    env.pop("PYTHONHOME", None)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"matrix-{core.minor}-{name}-") as basetemp:
        # Own temporary and no cache directories: two cores may run at once on the same copy.
        command = [str(bin_dir / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                   f"--basetemp={basetemp}/pytest", f"--junitxml={junit}", "--durations=10", *pytest_args]
        returncode = run_logged(command, log, env=env, cwd=collection, timeout=SUITE_TIMEOUT_SECONDS)
    result = SuiteResult(seconds=time.monotonic() - started, log=log)
    if junit.exists():
        result.passed, result.total = count_junit(junit)
    result.ok = returncode == 0 and result.total > 0
    if returncode == 5 or (returncode == 0 and result.total == 0):
        result.note = "no test selected"
    elif returncode not in (0, 1):
        result.note = f"pytest exited {returncode}"
    return result


def run_cell(core: Core, args: argparse.Namespace, setup_lock: threading.Lock) -> CellResult:
    cell = CellResult(core)
    # One set-up at a time: pip's editable install of the simulator writes into the checkout.
    with setup_lock:
        started = time.monotonic()
        try:
            venv = ensure_venv(core, args.refresh)
            cell.core_version, cell.python_version = installed_versions(venv)
        except (SetupError, subprocess.CalledProcessError, OSError) as error:
            cell.setup_error = str(error)
    cell.setup_seconds = time.monotonic() - started
    if cell.setup_error:
        progress(f"{core.minor}: set-up failed")
        return cell
    progress(f"{core.minor}: ansible-core {cell.core_version} on Python {cell.python_version} ready "
             f"in {cell.setup_seconds:.0f} s; testing")
    cell.suites["units"] = run_suite(core, venv, args.collections_root, "units", ["tests/unit"])
    integration_args = ["tests/integration"]
    if not (core.full_integration or args.full):
        integration_args += ["-m", SUBSET_MARKER]
    cell.suites["integration"] = run_suite(core, venv, args.collections_root, "integration", integration_args)
    progress(f"{core.minor}: {'passed' if cell.ok else 'FAILED'} in {time.monotonic() - started:.0f} s")
    return cell


_print_lock = threading.Lock()


def progress(line: str) -> None:
    with _print_lock:
        print(f"matrix: {line}", flush=True)


def suite_cell(cell: CellResult, name: str, subset: bool) -> str:
    suite = cell.suites.get(name)
    if suite is None:
        return "-"
    text = f"{suite.passed}/{suite.total}" + (" subset" if subset and name == "integration" else "")
    if not suite.ok:
        text += " FAILED" + (f" ({suite.note})" if suite.note else "")
    return text


def table(cells: list[CellResult], args: argparse.Namespace) -> str:
    header = ("ansible-core", "Python", "units passed", "integration passed", "set-up s", "tests s")
    rows = []
    for cell in cells:
        subset = not (cell.core.full_integration or args.full)
        test_seconds = sum(suite.seconds for suite in cell.suites.values())
        rows.append((cell.core_version if cell.core_version != "?" else cell.core.minor + ".x",
                     cell.python_version if cell.python_version != "?" else cell.core.python,
                     suite_cell(cell, "units", subset),
                     suite_cell(cell, "integration", subset) if not cell.setup_error else "SET-UP FAILED",
                     f"{cell.setup_seconds:.0f}", f"{test_seconds:.0f}"))
    try:
        main_core = metadata.version("ansible-core")
    except metadata.PackageNotFoundError:
        main_core = MAIN_VENV_CORE + ".x"
    python = ".".join(str(part) for part in sys.version_info[:3])
    rows.append((main_core, python, "make units", "make integration", "-", "-"))
    widths = [max(len(str(row[column])) for row in [header, *rows]) for column in range(len(header))]
    lines = ["  ".join(str(value).ljust(width) for value, width in zip(row, widths)).rstrip()
             for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * width for width in widths))
    lines.append(f"ansible-core {MAIN_VENV_CORE} is the main .venv's: `make units` and `make integration` "
                 "test it, so the matrix does not.")
    return "\n".join(lines)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--collections-root", type=Path, required=True,
                        help="the directory holding ansible_collections/oceanbase/ocp (the Makefile's copy)")
    parser.add_argument("--cores", default=",".join(core.minor for core in CORES),
                        help="comma-separated core minors to test (default: %(default)s)")
    parser.add_argument("--jobs", default=os.environ.get("MATRIX_JOBS") or "1",
                        help="cores tested at once (default: $MATRIX_JOBS or 1)")
    parser.add_argument("--full", action="store_true", help="the full integration suite on every core")
    parser.add_argument("--refresh", action="store_true",
                        help="make every environment anew, picking up the newest patch releases")
    args = parser.parse_args(argv)
    known = {core.minor: core for core in CORES}
    wanted = [minor.strip() for minor in args.cores.split(",") if minor.strip()]
    unknown = [minor for minor in wanted if minor not in known]
    if unknown or not wanted:
        parser.error(f"--cores takes minors among {', '.join(known)}; got {args.cores!r} "
                     f"({MAIN_VENV_CORE} is the main .venv's, tested by `make units` and `make integration`)")
    if not args.jobs.isdigit() or int(args.jobs) < 1:
        parser.error(f"--jobs (or MATRIX_JOBS) must be a whole number of 1 or more; got {args.jobs!r}")
    args.jobs = int(args.jobs)
    args.cores = [known[minor] for minor in wanted]
    args.collections_root = args.collections_root.resolve()
    if not (args.collections_root / "ansible_collections" / "oceanbase" / "ocp" / "galaxy.yml").exists():
        parser.error(f"no collection copy under {args.collections_root}; run it through `make matrix`")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    LOGS.mkdir(parents=True, exist_ok=True)
    VENVS.mkdir(exist_ok=True)
    # Longest first, so that with two jobs the full suites do not end up last and alone.
    order = sorted(args.cores, key=lambda core: not (core.full_integration or args.full))
    setup_lock = threading.Lock()
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(lambda core: run_cell(core, args, setup_lock), order))
    cells = sorted(results, key=lambda cell: tuple(int(part) for part in cell.core.minor.split(".")))
    for cell in cells:
        if cell.setup_error:
            print(f"\n--- {cell.core.minor}: set-up failed\n{cell.setup_error}")
        for name, suite in cell.suites.items():
            if not suite.ok:
                print(f"\n--- {cell.core.minor} {name} failed; last lines of {suite.log}:\n{tail(suite.log)}")
    print()
    print(table(cells, args))
    failed = [cell.core.minor for cell in cells if not cell.ok]
    print(f"matrix: {len(cells) - len(failed)} of {len(cells)} cores passed in {time.monotonic() - started:.0f} s "
          f"with {args.jobs} job(s); logs in {LOGS.relative_to(ROOT)}")
    if failed:
        print(f"matrix: FAILED on ansible-core {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
