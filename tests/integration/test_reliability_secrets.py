# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The password and the access key secret never show: not in ansible-playbook's output at
-vvvv (stdout and stderr) across every module, ocp_api included, the task_supervisor role and
their failure paths, nor in the role's JSON report. (ansible-runner's artifacts have their own test.)"""

from __future__ import annotations

import base64
import json

from action_helpers import create_tenant_task, failed_task
from harness import ACCESS_KEY, SECRETIVE_USER, access_key_vars, run_playbook

# A password given only inside api_url (https://user:password@host), which is refused.
URL_PASSWORD = "Url-Pa55word-In-The-Address"


def test_secrets_never_show_at_the_highest_verbosity(fast_clock, tmp_path):
    simulator = fast_clock
    report_path = tmp_path / "report.json"
    extra_vars = dict(
        access_key_vars(simulator),
        viewer_username=SECRETIVE_USER[0], viewer_password=SECRETIVE_USER[1],
        failed_task=failed_task(simulator)["id"],
        succeeded_task=create_tenant_task(simulator)["id"],
        retry_task=failed_task(simulator, failing_runs=(1, 1))["id"],
        skip_task=failed_task(simulator)["id"],
        wait_task=failed_task(simulator, failing_runs=(1, 1))["id"],
        hopeless_task=failed_task(simulator)["id"],
        report_path=str(report_path),
        url_with_password=simulator.url.replace("://", "://%s:%s@" % (SECRETIVE_USER[0], URL_PASSWORD)),
    )
    simulator.clear_journal()
    # ansible-core 2.21 leaves the module invocation (and so the masked options) out of results
    # unless asked; older cores ignore the setting and always show it.
    run = run_playbook("reliability_secrets.yml", extra_vars, verbosity=4, env={"ANSIBLE_INJECT_INVOCATION": "1"})

    assert run.returncode == 0, run.output
    assert "Traceback" not in run.output
    # The run did what it says: the viewer was refused, the access key acted, the role reported.
    journal = simulator.journal()
    assert {entry["status"] for entry in journal if entry["identity"] == SECRETIVE_USER[0]
            and entry["method"] == "POST"} == {403}
    assert [entry["status"] for entry in journal if entry["identity"] == ACCESS_KEY[0]
            and entry["method"] == "POST"] == [200] * 5
    report = report_path.read_text()
    assert json.loads(report)["summary"]["failed"] == 1

    basic_credentials = base64.b64encode(("%s:%s" % SECRETIVE_USER).encode()).decode()
    for secret in (SECRETIVE_USER[1], ACCESS_KEY[1], basic_credentials, URL_PASSWORD):
        assert secret not in run.stdout, secret
        assert secret not in run.stderr, secret
        assert secret not in report, secret
    # Ansible masks what it knows is secret; the masks show the secrets were there to hide.
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in run.output
    assert "%s:********@" % SECRETIVE_USER[0] in run.output
