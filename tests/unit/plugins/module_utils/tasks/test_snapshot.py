# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Normalisation of tasks and subtasks: spellings, string longs, order, conveniences."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy

import pytest

from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.snapshot import (
    normalize_subtask,
    normalize_task,
    restore_longs,
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
