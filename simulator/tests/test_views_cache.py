"""Views are built once per revision of a task, and their JSON text written once (issue 23).

A list page of 2,000 of 10,000 finished tasks must neither rebuild nor re-encode them; a task
that moves must be seen moving at once, in the list and in its detail.
"""

import json

from ocp_simulator.clock import ManualClock
from ocp_simulator.serialize import dumps, to_json_value
from ocp_simulator.views import SharedView

from test_engine import make_engine, run, subtask


def test_a_finished_task_is_built_and_encoded_once():
    clock = ManualClock()
    engine = make_engine(clock)
    task_id = engine.create_task("create_tenant", tenant_id=1002, status_override="finished")
    [first], _total = engine.list_tasks()
    [again], _total = engine.list_tasks()
    assert first is again and isinstance(first, SharedView)
    assert engine.get_task(task_id) is engine.get_task(task_id)
    assert dumps({"contents": [first]}) == dumps({"contents": [again]})


def test_every_change_of_a_task_is_seen_in_the_list_and_the_detail():
    clock = ManualClock()
    engine = make_engine(clock)
    task_id = engine.create_task("create_tenant", tenant_id=1002, faults={
        "Create resource pool": [{"fail_attempts": [1, 1]}]})
    [running], _total = engine.list_tasks()
    assert running["status"] == "RUNNING"
    run(clock, engine)
    [failed], _total = engine.list_tasks()
    assert failed["status"] == "FAILED" and failed is not running
    pool = subtask(engine, task_id, "Create resource pool")
    engine.retry_subtask(task_id, pool["id"])
    [retried], _total = engine.list_tasks()
    assert retried["status"] == "RUNNING"
    assert {s["operation"] for s in retried["subtasks"] if s["id"] == pool["id"]} == {"RETRY"}
    assert json.loads(dumps({"contents": [retried]}))["contents"][0]["status"] == "RUNNING"
    run(clock, engine)
    assert engine.get_task(task_id)["status"] == "SUCCESSFUL"


def test_shared_views_are_written_like_any_other_value():
    view = SharedView({"b": None, "a": [1, 2**60], "when": None})
    document = {"data": {"contents": [view, view]}, "empty": None}
    assert dumps(document) == json.dumps(to_json_value(document), ensure_ascii=False, sort_keys=True)
    # A string that looks like the placeholder is just a string.
    assert json.loads(dumps({"name": "x:0"})) == {"name": "x:0"}
