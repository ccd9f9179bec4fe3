# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Normalisation of tasks and subtasks: spellings, string longs, order, conveniences; and what makes one malformed."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy

import pytest

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpMalformedAnswerError
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.snapshot import (
    MAX_NESTING,
    checked_subtask,
    checked_task,
    found,
    normalize_subtask,
    normalize_task,
    restore_longs,
    too_deep,
)


def subtask(subtask_id, series_id, status="SUCCESSFUL", **fields):
    return dict(id=subtask_id, seriesId=series_id, status=status, operation="EXECUTE", **fields)


def task(status, operation="EXECUTE", subtasks=None):
    return {"id": 1000, "name": "Create tenant", "status": status, "operation": operation,
            "subtasks": subtasks if subtasks is not None else [subtask(11, 1)]}


class TestSpellings:
    @pytest.mark.parametrize("given", [{"paralleIdx": 2}, {"parallelIdx": 2}, {"parallelIdx": 2, "paralleIdx": 2}])
    def test_parallel_index_read_either_way_returned_once(self, given):
        assert normalize_subtask(dict(id=1, **given)) == {"id": 1, "parallelIdx": 2}

    @pytest.mark.parametrize("given", [{"downstream": [3, 4]}, {"downstreams": [3, 4]}])
    def test_downstreams_read_either_way_returned_once(self, given):
        assert normalize_subtask(dict(id=1, **given)) == {"id": 1, "downstreams": [3, 4]}

    def test_absent_fields_stay_absent(self):
        assert normalize_subtask({"id": 1}) == {"id": 1}


class TestLongs:
    def test_ids_sent_as_strings_become_ints(self):
        big = 2 ** 53 + 1
        result = normalize_task({
            "id": str(big), "taskDefinitionId": "7", "status": "RUNNING",
            "cluster": {"id": "1", "obClusterId": str(big), "name": "12345"},
            "creator": {"id": "200", "name": "admin"},
            "subtasks": [{"id": str(big + 1), "seriesId": "3", "upstreams": [str(big)], "downstream": ["9"],
                          "name": "42", "description": "007"}],
        })
        assert result["id"] == big and result["taskDefinitionId"] == 7
        assert result["cluster"] == {"id": 1, "obClusterId": big, "name": "12345"}
        assert result["creator"] == {"id": 200, "name": "admin"}
        [sub] = result["subtasks"]
        assert (sub["id"], sub["seriesId"], sub["upstreams"]) == (big + 1, 3, [big])
        assert sub["downstreams"] == [9] and "downstream" not in sub
        assert (sub["name"], sub["description"]) == ("42", "007")  # only ids are converted

    def test_trace_id_and_non_numeric_ids_are_left_alone(self):
        assert restore_longs({"traceId": "1234567890123456", "hostId": "abc", "id": 5}) == {
            "traceId": "1234567890123456", "hostId": "abc", "id": 5}


class TestOrder:
    def test_subtasks_free_to_run_together_come_in_series_then_id_order(self):
        result = normalize_task(task("RUNNING", subtasks=[
            subtask(30, 2), subtask(12, 1), subtask(11, 1), subtask(5, None), subtask(40, 10)]))
        assert [sub["id"] for sub in result["subtasks"]] == [11, 12, 30, 40, 5]

    def test_subtasks_run_after_their_upstreams_whatever_their_series_id(self):
        """OCP's own task-detail sample (every branch of its docs): the chain Prepare -> Uninstall ->
        Install -> Finish has seriesId 3, 2, 0, 1 (docs/ocp-behaviour.md, ST-5)."""
        chain = [dict(subtask(13000336, 0), name="Install", upstreams=[13000333]),
                 dict(subtask(13000334, 1), name="Finish", upstreams=["13000336"]),
                 dict(subtask(13000335, 3), name="Prepare", upstreams=[]),
                 dict(subtask(13000333, 2), name="Uninstall", upstreams=[13000335])]
        result = normalize_task(task("RUNNING", subtasks=chain))
        assert [sub["name"] for sub in result["subtasks"]] == ["Prepare", "Uninstall", "Install", "Finish"]

    def test_parallel_branches_follow_the_step_they_wait_for(self):
        subtasks = [dict(subtask(4, 1), upstreams=[2, 3]), dict(subtask(2, 9), upstreams=[1]),
                    dict(subtask(3, 0), upstreams=[1]), dict(subtask(1, 5), upstreams=[])]
        assert [sub["id"] for sub in normalize_task(task("RUNNING", subtasks=subtasks))["subtasks"]] == [1, 3, 2, 4]

    def test_a_cycle_or_an_unknown_upstream_loses_no_subtask(self):
        subtasks = [dict(subtask(1, 1), upstreams=[2]), dict(subtask(2, 2), upstreams=[1]),
                    dict(subtask(3, 3), upstreams=[99]), dict(subtask(4, 0), upstreams=[3])]
        assert [sub["id"] for sub in normalize_task(task("RUNNING", subtasks=subtasks))["subtasks"]] == [3, 4, 1, 2]

    def test_input_is_not_modified(self):
        original = task("FAILED", subtasks=[subtask(2, 2, "FAILED", paralleIdx=-1), subtask(1, 1)])
        before = copy.deepcopy(original)
        normalize_task(original)
        assert original == before


class TestConveniences:
    @pytest.mark.parametrize("status, operation, finished, succeeded, rolled_back", [
        ("RUNNING", "EXECUTE", False, False, False),
        ("RUNNING", "ROLLBACK", False, False, False),
        ("FAILED", "RETRY", True, False, False),
        ("SUCCESSFUL", "EXECUTE", True, True, False),
        ("SUCCESSFUL", "RETRY", True, True, False),
        ("SUCCESSFUL", "ROLLBACK", True, False, True),
    ])
    def test_outcome(self, status, operation, finished, succeeded, rolled_back):
        result = normalize_task(task(status, operation))
        assert (result["finished"], result["succeeded"], result["rolled_back"]) == (finished, succeeded, rolled_back)

    def test_failed_subtasks_in_order(self):
        result = normalize_task(task("FAILED", subtasks=[
            subtask(3, 3, "FAILED", downstream=[]), subtask(1, 1), subtask(2, 2, "FAILED")]))
        assert [sub["id"] for sub in result["failed_subtasks"]] == [2, 3]
        assert result["failed_subtasks"][1]["downstreams"] == []
        assert normalize_task(task("RUNNING"))["failed_subtasks"] == []

    def test_list_answers_without_operation(self):
        # Task lists carry no operation: a rollback shows as subtasks back to PENDING.
        rolled_back = normalize_task({"id": 1, "status": "SUCCESSFUL",
                                      "subtasks": [{"id": 1, "status": "PENDING"}, {"id": 2, "status": "PENDING"}]})
        executed = normalize_task({"id": 2, "status": "SUCCESSFUL", "subtasks": [{"id": 1, "status": "SUCCESSFUL"}]})
        assert (rolled_back["succeeded"], rolled_back["rolled_back"]) == (False, True)
        assert (executed["succeeded"], executed["rolled_back"]) == (True, False)

    def test_normalising_twice_changes_nothing(self):
        once = normalize_task(task("FAILED", subtasks=[subtask(2, 2, "FAILED", paralleIdx=1), subtask(1, 1)]))
        assert normalize_task(once) == once


def deeply_nested(depth):
    """A list nested ``depth`` levels, built without recursion."""
    value = []
    for _level in range(depth - 1):
        value = [value]
    return value


class TestMalformed:
    """A task that is not in OCP's shape is an OcpMalformedAnswerError naming the task, the field and
    what was found, before anything reads it (the readers then set that one task aside)."""

    @pytest.mark.parametrize("spoil, message", [
        (lambda t: dict(t, subtasks={"a": 1}), "task 1000: subtasks is not a list (found an object with key(s) a)"),
        (lambda t: dict(t, subtasks="abc"), "task 1000: subtasks is not a list (found 'abc')"),
        (lambda t: dict(t, subtasks=[5]), "task 1000, subtasks[0]: it is not an object (found 5)"),
        (lambda t: dict((k, v) for k, v in t.items() if k != "status"), "task 1000: status is missing"),
        (lambda t: dict(t, status=None), "task 1000: status is not a string (found null)"),
        (lambda t: dict(t, status=["FAILED"]), "task 1000: status is not a string (found a list of 1 item(s))"),
        (lambda t: dict(t, name={"zh": "x"}), "task 1000: name is not a string (found an object with key(s) zh)"),
        (lambda t: dict(t, operation=3), "task 1000: operation is not a string (found 3)"),
        (lambda t: dict(t, startTime=1714536000000), "task 1000: startTime is not a string (found 1714536000000)"),
        (lambda t: dict(t, finishTime=True), "task 1000: finishTime is not a string (found true)"),
        (lambda t: dict(t, context=deeply_nested(40)), "task 1000: context is nested deeper than 32 levels"),
        (lambda t: dict(t, subtasks=[subtask(0, 1)]), "task 1000, subtasks[0]: id is not a positive integer (found 0)"),
        (lambda t: dict(t, subtasks=[subtask(-3, 1)]),
         "task 1000, subtasks[0]: id is not a positive integer (found -3)"),
        (lambda t: dict(t, subtasks=[subtask(None, 1)]),
         "task 1000, subtasks[0]: id is not a positive integer (found null)"),
        (lambda t: dict(t, subtasks=[subtask(11, 1), subtask("x", 1)]),
         "task 1000, subtasks[1]: id is not a positive integer (found 'x')"),
        (lambda t: dict(t, subtasks=[subtask(1.5, 1)]),
         "task 1000, subtasks[0]: id is not a positive integer (found 1.5)"),
        (lambda t: dict(t, subtasks=[subtask(True, 1)]),
         "task 1000, subtasks[0]: id is not a positive integer (found true)"),
        (lambda t: dict(t, subtasks=[subtask("\u00b2", 1)]),
         "task 1000, subtasks[0]: id is not a positive integer (found '\u00b2')"),
        (lambda t: dict(t, subtasks=[subtask(11, 1, status={"x": 1})]),
         "task 1000, subtask 11: status is not a string (found an object with key(s) x)"),
        (lambda t: dict(t, subtasks=[subtask(11, 1, description=["host"])]),
         "task 1000, subtask 11: description is not a string (found a list of 1 item(s))"),
        (lambda t: dict(t, subtasks=[subtask(11, 1, runTime="twice")]),
         "task 1000, subtask 11: runTime is not an integer (found 'twice')"),
        (lambda t: dict(t, subtasks=[subtask(11, 1, upstreams={"a": 1})]),
         "task 1000, subtask 11: upstreams is not a list (found an object with key(s) a)"),
        (lambda t: dict(t, subtasks=[subtask(11, 1, downstream=[[12]])]),
         "task 1000, subtask 11: downstream[0] is not a positive integer (found a list of 1 item(s))"),
    ])
    def test_what_is_malformed_is_named(self, spoil, message):
        with pytest.raises(OcpMalformedAnswerError) as raised:
            checked_task(spoil(task("FAILED")))
        assert raised.value.message == message and raised.value.task_id == 1000
        assert not raised.value.transient

    def test_a_task_read_by_id_must_be_that_task(self):
        with pytest.raises(OcpMalformedAnswerError, match="task 7: it is the answer for task 1000"):
            checked_task(task("FAILED"), asked_id=7)
        with pytest.raises(OcpMalformedAnswerError, match=r"task 7: id is not a positive integer \(found 'abc'\)"):
            checked_task(dict(task("FAILED"), id="abc"), asked_id=7)
        assert checked_task(dict(task("FAILED"), id="1000"), asked_id=1000)["id"] == 1000  # a long as text

    @pytest.mark.parametrize("entry, message, task_id", [
        (5, "entry 2: it is not an object (found 5)", None),
        ({"status": "RUNNING"}, "entry 2: id is not a positive integer (found null)", None),
        ({"id": "abc", "status": "RUNNING"}, "entry 2: id is not a positive integer (found 'abc')", None),
        ({"id": 9, "status": "RUNNING", "subtasks": {}}, "task 9: subtasks is not a list (found an empty object)", 9),
    ])
    def test_a_list_entry_is_named_by_its_id_or_its_place(self, entry, message, task_id):
        with pytest.raises(OcpMalformedAnswerError) as raised:
            checked_task(entry, where="entry 2")
        assert (raised.value.message, raised.value.task_id) == (message, task_id)

    def test_what_was_found_is_escaped_and_cut(self):
        with pytest.raises(OcpMalformedAnswerError) as raised:
            checked_task(dict(task("FAILED"), subtasks=[subtask("\x1b[2J\u202e" + "y" * 5000, 1)]))
        assert raised.value.message == ("task 1000, subtasks[0]: id is not a positive integer (found "
                                        "'\\x1b[2J\\u202e%s... [4965 more characters]')" % ("y" * 35,))
        with pytest.raises(OcpMalformedAnswerError) as raised:
            checked_task(dict(task("FAILED"), subtasks=dict(("k%d\x07" % index, index) for index in range(9))))
        assert raised.value.message == ("task 1000: subtasks is not a list (found an object with key(s) "
                                        "k0\\x07, k1\\x07, k2\\x07, k3\\x07, k4\\x07, ...)")

    def test_nesting_far_beyond_the_recursion_limit_is_told_without_recursing(self):
        assert too_deep({"context": deeply_nested(100000)}) == "context"
        assert too_deep({"context": deeply_nested(MAX_NESTING - 1)}) is None
        with pytest.raises(OcpMalformedAnswerError, match="context is nested deeper than 32 levels"):
            checked_task(dict(task("RUNNING"), context=deeply_nested(100000)))

    def test_well_formed_tasks_pass_as_normalize_task_makes_them(self):
        given = task("FAILED", subtasks=[subtask("12", 1, "FAILED", runTime="2", upstreams=["11"]), subtask(11, 1),
                                         subtask(13, 2, name=None, startTime=None)])
        assert checked_task(given) == normalize_task(given)

    def test_a_subtask_an_action_answers_is_checked_too(self):
        assert checked_subtask({"id": "12", "status": "READY"}, 1000) == {"id": 12, "status": "READY"}
        with pytest.raises(OcpMalformedAnswerError, match=r"task 1000, subtasks\[0\]: id is not a positive"):
            checked_subtask({"id": 0, "status": "READY"}, 1000)
        with pytest.raises(OcpMalformedAnswerError, match=r"task 1000, the subtask: it is not an object \(found"):
            checked_subtask(["x"], 1000)
        with pytest.raises(OcpMalformedAnswerError, match="x is nested deeper than 32 levels"):
            checked_subtask({"id": 12, "status": "READY", "x": deeply_nested(50)}, 1000)

    @pytest.mark.parametrize("value, text", [
        (None, "null"), (False, "false"), (12, "12"), (1.5, "1.5"), ("a\nb", "'a\\x0ab'"), ([1, 2], "a list of 2 item(s)"),
        ({}, "an empty object"), ({"b": 1, "a": 2}, "an object with key(s) a, b"),
    ])
    def test_found_says_what_was_found_in_a_few_words(self, value, text):
        assert found(value) == text
