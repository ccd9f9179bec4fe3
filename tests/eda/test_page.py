# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The page the oceanbase.ocp.ocp_page role makes, run as the rulebook's page playbook
(oceanbase.ocp.eda_page_on_call): bounded and printable whatever OCP names a task or writes in a log,
and its file never written through a link, never left to another user, never where anyone could
swap it."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import time
from pathlib import Path

import pytest
import requests

from harness import ADMIN_USER, playbook_env
from hostile import RAW_CONTROL, page_lines
from hostile_ocp import HostileOcp

TASKS_PATH = "/api/v2/tasks/instances"
SUBTASK = "Create resource pool"
# A name that would clear the screen, ring, return to the line's start to forge "done", turn the
# rest of the line around, and end far beyond what a page shows.
FORGED = "t_app\x1b[2J\x07\rdone, 1 succeeded\u202egnp.exe\x00\x7f\x85" + "x" * 300
LONG_LINE = "ERROR 4012 (HY000): Timeout " + "y" * 2000
NOBODY = 65534


def failed_task(simulator, name: str = "Create tenant", message: str = "ERROR 4012 (HY000): Timeout") -> int:
    simulator.set_clock(speed=50)
    task_id = simulator.create_task("create_tenant", cluster_id=1, tenant_id=1002, name=name, faults={
        SUBTASK: [{"fail_attempts": [1, 99], "message": message}]})["id"]
    deadline = time.monotonic() + 60
    while requests.get(f"{simulator.url}{TASKS_PATH}/{task_id}", auth=ADMIN_USER,
                       timeout=30).json()["data"]["status"] != "FAILED":
        assert time.monotonic() < deadline
        time.sleep(0.3)
    return task_id


def page(url: str, tmp_path: Path, **variables):
    """ansible-playbook oceanbase.ocp.eda_page_on_call with the page variables given."""
    vars_path = tmp_path / "page-vars.json"
    vars_path.write_text(json.dumps(variables))
    env = dict(playbook_env(), OCP_URL=url, OCP_USERNAME=ADMIN_USER[0], OCP_PASSWORD=ADMIN_USER[1])
    return subprocess.run(["ansible-playbook", "-i", "localhost,", "-c", "local", "oceanbase.ocp.eda_page_on_call",
                           "-e", "@" + str(vars_path)], capture_output=True, text=True, env=env, timeout=300,
                          check=False, cwd=tmp_path)


def test_a_page_carries_no_raw_control_character_and_no_unbounded_text(simulator, tmp_path):
    proxy = HostileOcp(simulator.url, {SUBTASK: FORGED})
    try:
        task_id = failed_task(simulator, name=FORGED, message=LONG_LINE)
        pages = tmp_path / "pages.jsonl"
        run = page(proxy.url, tmp_path, ocp_page_task_ids=[task_id], ocp_page_file=str(pages))
    finally:
        proxy.stop()
    assert run.returncode == 0, run.stdout + run.stderr
    [line] = page_lines(pages)
    text = line["text"]
    assert not RAW_CONTROL.search(text), repr(text)
    # Nor the output, where only the line ends are control characters.
    assert not RAW_CONTROL.search(run.stdout.replace("\n", ""))
    # Each character shown as an escape, where it was.
    assert "t_app\\u001b[2J\\u0007\\rdone, 1 succeeded\\u202egnp.exe\\u0000\\u007f\\u0085xxx" in text
    # Names cut at 200 characters and the log line at 500, each saying how much was left out.
    assert text.count(f" [... {len(FORGED) - 200} more characters]") == 2
    assert f"ERROR 4012 (HY000): Timeout {'y' * 200}" in text and "y" * 473 not in text
    assert re.search(r" \[\.\.\. \d+ more characters\]$", text)
    assert len(text) < 2000


def test_a_page_about_many_tasks_names_ten_and_counts_the_rest(simulator, tmp_path):
    task_id = failed_task(simulator)
    pages = tmp_path / "pages.jsonl"
    run = page(simulator.url, tmp_path, ocp_page_task_ids=[task_id] * 3 + list(range(900001, 900012)),
               ocp_page_reason="task_failed", ocp_page_file=str(pages))
    assert run.returncode == 0, run.stdout + run.stderr
    [line] = page_lines(pages)
    assert line["text"].startswith(f"OCP task failed: task {task_id} 'Create tenant' FAILED, ")
    assert "task 900001, which could not be read from OCP (no such task)" in line["text"]
    assert line["text"].endswith("; and 2 more task(s)") and line["task_ids"][0] == task_id


@pytest.fixture
def shared_directory(tmp_path) -> Path:
    """A directory like /tmp or /var/tmp: everyone may write, the sticky bit keeps their files theirs."""
    directory = tmp_path / "shared"
    directory.mkdir()
    directory.chmod(0o1777)
    return directory


def refused(run, pages: Path, why: str) -> None:
    output = " ".join((run.stdout + run.stderr).split())
    assert run.returncode != 0, output
    assert f"The page was not written to ocp_page_file {pages}: {why}" in output, output
    # Shown all the same, before the file was refused.
    assert "OCP remediation gave up after 0 action(s) on task" in output


def test_the_page_file_is_made_by_the_user_paging_mode_0600_in_a_shared_directory(
        simulator, tmp_path, shared_directory):
    task_id = failed_task(simulator)
    pages = shared_directory / "ocp_pages.jsonl"
    for _time in range(2):
        run = page(simulator.url, tmp_path, ocp_page_task_ids=[task_id], ocp_page_file=str(pages))
        assert run.returncode == 0, run.stdout + run.stderr
    assert [line["task_ids"] for line in page_lines(pages)] == [[task_id], [task_id]]
    status = pages.stat()
    assert stat.S_IMODE(status.st_mode) == 0o600 and status.st_uid == os.geteuid()
    assert pages.read_text().endswith("}\n")


def test_an_existing_page_file_gets_the_page_appended_and_mode_0600(simulator, tmp_path):
    task_id = failed_task(simulator)
    pages = tmp_path / "pages.jsonl"
    pages.write_text('{"text": "an earlier page"}')
    pages.chmod(0o644)
    run = page(simulator.url, tmp_path, ocp_page_task_ids=[task_id], ocp_page_file=str(pages))
    assert run.returncode == 0, run.stdout + run.stderr
    earlier, this = page_lines(pages)
    assert earlier == {"text": "an earlier page"} and this["task_ids"] == [task_id]
    assert stat.S_IMODE(pages.stat().st_mode) == 0o600


def test_the_page_file_is_never_written_through_a_symbolic_link(simulator, tmp_path, shared_directory):
    """Someone plants a link where the page file will be, to a file of the user paging."""
    task_id = failed_task(simulator)
    victim = tmp_path / "authorized_keys"
    victim.write_text("ssh-ed25519 AAAA mine\n")
    pages = shared_directory / "ocp_pages.jsonl"
    pages.symlink_to(victim)
    run = page(simulator.url, tmp_path, ocp_page_task_ids=[task_id], ocp_page_file=str(pages))
    refused(run, pages, "it is a symbolic link, which a page never follows")
    assert victim.read_text() == "ssh-ed25519 AAAA mine\n" and pages.is_symlink()


@pytest.mark.skipif(os.geteuid() != 0, reason="making a file of another user takes root")
def test_a_page_file_of_another_user_is_refused(simulator, tmp_path, shared_directory):
    """Someone else made the file first, to read the pages or to forge some."""
    task_id = failed_task(simulator)
    pages = shared_directory / "ocp_pages.jsonl"
    pages.write_text('{"text": "forged page"}\n')
    os.chown(pages, NOBODY, NOBODY)
    run = page(simulator.url, tmp_path, ocp_page_task_ids=[task_id], ocp_page_file=str(pages))
    refused(run, pages, "it belongs to user")
    assert pages.read_text() == '{"text": "forged page"}\n' and pages.stat().st_uid == NOBODY


def test_a_page_file_anyone_could_replace_is_refused(simulator, tmp_path):
    task_id = failed_task(simulator)
    directory = tmp_path / "open"
    directory.mkdir()
    directory.chmod(0o777)
    pages = directory / "ocp_pages.jsonl"
    run = page(simulator.url, tmp_path, ocp_page_task_ids=[task_id], ocp_page_file=str(pages))
    refused(run, pages, f"its directory {directory} is writable by every user and not sticky")
    assert not pages.exists()


def test_a_relative_page_file_is_refused(simulator, tmp_path):
    task_id = failed_task(simulator)
    run = page(simulator.url, tmp_path, ocp_page_task_ids=[task_id], ocp_page_file="pages.jsonl")
    refused(run, Path("pages.jsonl"), "give an absolute path")
    assert not (tmp_path / "pages.jsonl").exists()
