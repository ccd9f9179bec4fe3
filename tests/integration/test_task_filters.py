# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every filter of the table (plugins/module_utils/tasks/filters.py) filters, end to end.

ocp_task_info lists the tasks by each filter through ansible-playbook; the test asks the simulator
directly, under each of OCP's parameter names for the filter, which tasks match. The collection must
list what the spelling the server reads selects, and fewer than all tasks: a filter the collection
dropped, or sent under a name OCP does not read, would list them all. A filter added to the table
without a case here fails the test.
"""

from __future__ import annotations

import json

import requests

from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.filters import TASK_FILTERS
from harness import ADMIN_USER, run_playbook

TASKS = "/api/v2/tasks/instances"
# A value of each filter that selects some of the integration scenario's tasks, not all.
VALUES = {
    "name": "Create tenant",
    "status": ["FAILED"],
    "type": "SCHEDULED",
    "cluster_name": "obcluster_dr",
    "cluster_id": 2,
    "tenant_name": "t_ora",
    "tenant_id": 1002,
    "host_id": 2,
}


def _ids_ocp_lists(simulator, query):
    answer = requests.get(simulator.url + TASKS, params=dict(query, size=2000), auth=ADMIN_USER, timeout=30)
    answer.raise_for_status()
    return sorted(task["id"] for task in answer.json()["data"]["contents"])


def test_every_filter_of_the_table_selects_what_ocp_selects(simulator, tmp_path):
    assert set(VALUES) == set(task_filter.option for task_filter in TASK_FILTERS), "give each filter a case"
    result_path = tmp_path / "listed.json"
    run = run_playbook("task_filters.yml", {
        "connection": {"api_url": simulator.url, "username": ADMIN_USER[0], "password": ADMIN_USER[1]},
        "filter_cases": [{"filter": {task_filter.option: VALUES[task_filter.option]}} for task_filter in TASK_FILTERS],
        "result_path": str(result_path)})
    assert run.returncode == 0, run.output
    listed = json.loads(result_path.read_text())
    every_task = _ids_ocp_lists(simulator, {})
    profile = simulator.settings()["ocp_version"]
    for task_filter, ids in zip(TASK_FILTERS, listed):
        value = VALUES[task_filter.option]
        text = ",".join(value) if isinstance(value, list) else value
        selections = [_ids_ocp_lists(simulator, {parameter: text}) for parameter in task_filter.parameters]
        read = [selected for selected in selections if len(selected) < len(every_task)]
        if task_filter.option == "cluster_name" and profile == "express":
            # OCP Express's list has no cluster filter at all (docs/ocp-behaviour.md, LIST-9).
            assert not read and sorted(ids) == every_task
            continue
        assert len(read) == 1 and read[0], "%s=%r: the server reads %d of the spellings %s" % (
            task_filter.option, value, len(read), task_filter.parameters)
        assert sorted(ids) == read[0], "%s=%r" % (task_filter.option, value)
