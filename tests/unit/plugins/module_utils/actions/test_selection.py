# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which subtask the user means: by id, name or description, exact or a regular expression."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.oceanbase.ocp.plugins.module_utils.actions.selection import SubtaskSelectionError, select_subtask


def subtask(status, operation='EXECUTE', subtask_id=11, name='Create resource pool', run_time=1, **fields):
    return dict(id=subtask_id, name=name, status=status, operation=operation, runTime=run_time, **fields)


def task(status, operation='EXECUTE', subtasks=None, prohibit_rollback=False):
    return dict(id=1024, name='Create tenant', status=status, operation=operation,
                prohibitRollback=prohibit_rollback, subtasks=subtasks or [])


def per_host_task():
    return task('FAILED', subtasks=[
        subtask('SUCCESSFUL', subtask_id=1, name='Check cluster create parameters', paralleIdx=-1),
        subtask('SUCCESSFUL', subtask_id=2, name='Install OceanBase package', paralleIdx=0,
                description='Install the OceanBase package on host 10.0.0.1'),
        subtask('FAILED', subtask_id=3, name='Install OceanBase package', paralleIdx=1,
                description='Install the OceanBase package on host 10.0.0.2'),
        subtask('PENDING', subtask_id=4, name='Start observer', parallelIdx=0,
                description='Start the observer on host 10.0.0.1'),
    ])


def test_select_by_id():
    assert select_subtask(per_host_task(), subtask_id=3)['id'] == 3


def test_select_by_an_id_of_another_task_names_the_task_and_its_subtasks():
    with pytest.raises(SubtaskSelectionError, match=r"task 1024 'Create tenant' has no subtask with id 99; "
                                                    r"its subtasks are: subtask 1 'Check cluster create"):
        select_subtask(per_host_task(), subtask_id=99)


def test_select_by_exact_name():
    assert select_subtask(per_host_task(), subtask_name='Start observer')['id'] == 4


def test_exact_name_is_case_sensitive_and_whole():
    for name in ('start observer', 'Start', 'Start observer '):
        with pytest.raises(SubtaskSelectionError, match=r"no subtask of task 1024 .* are named .*"
                                                        r"its subtask names are: 'Check cluster create parameters', "
                                                        r"'Install OceanBase package', 'Start observer'"):
            select_subtask(per_host_task(), subtask_name=name)


def test_several_matches_list_each_candidate_with_its_description():
    with pytest.raises(SubtaskSelectionError) as raised:
        select_subtask(per_host_task(), subtask_name='Install OceanBase package')
    assert str(raised.value) == (
        "2 subtasks of task 1024 'Create tenant' are named 'Install OceanBase package': "
        "subtask 2 'Install OceanBase package' (SUCCESSFUL/EXECUTE): Install the OceanBase package on host 10.0.0.1; "
        "subtask 3 'Install OceanBase package' (FAILED/EXECUTE): Install the OceanBase package on host 10.0.0.2; "
        "give subtask_description as well (exact, or a regular expression with subtask_description_match: regex), "
        "or subtask_id")


@pytest.mark.parametrize('description, match', [
    ('Install the OceanBase package on host 10.0.0.2', 'exact'),
    (r'10\.0\.0\.2$', 'regex'),
])
def test_select_per_host_subtask_by_name_and_description(description, match):
    assert select_subtask(per_host_task(), subtask_name='Install OceanBase package', subtask_description=description,
                          description_match=match)['id'] == 3


def test_select_by_description_alone():
    assert select_subtask(per_host_task(), subtask_description='^Start .* 10.0.0.1$',
                          description_match='regex')['id'] == 4


def test_a_description_no_named_subtask_has_lists_the_named_ones():
    with pytest.raises(SubtaskSelectionError) as raised:
        select_subtask(per_host_task(), subtask_name='Install OceanBase package', subtask_description='10.0.0.3',
                       description_match='regex')
    assert str(raised.value).startswith(
        "no subtask of task 1024 'Create tenant' are named 'Install OceanBase package' and have a description "
        "matching the regular expression '10.0.0.3'; those whose name matches are: subtask 2 ")
    assert "Install the OceanBase package on host 10.0.0.2" in str(raised.value)


def test_a_description_matching_several():
    with pytest.raises(SubtaskSelectionError, match=r"^2 subtasks .* have a description matching the regular "
                                                    r"expression '10\.0\.0\.1'.*give a subtask_description that "
                                                    r"matches only one, or subtask_id$"):
        select_subtask(per_host_task(), subtask_description='10.0.0.1', description_match='regex')
    with pytest.raises(SubtaskSelectionError, match=r"^no subtask .* are described as 'x'; its subtasks are: "
                                                    r"subtask 1 'Check cluster create parameters' \(SUCCESSFUL"):
        select_subtask(per_host_task(), subtask_description='x')


def test_select_by_regex_searches_the_name():
    assert select_subtask(per_host_task(), subtask_name='observer$', name_match='regex')['id'] == 4
    assert select_subtask(per_host_task(), subtask_name='^Check', name_match='regex')['id'] == 1


def test_regex_matching_several_or_none_fails():
    with pytest.raises(SubtaskSelectionError, match=r"^3 subtasks .* have a name matching the regular expression "
                                                    r"'Install\|Start'"):
        select_subtask(per_host_task(), subtask_name='Install|Start', name_match='regex')
    with pytest.raises(SubtaskSelectionError, match=r"no subtask .* matching the regular expression 'Bootstrap'"):
        select_subtask(per_host_task(), subtask_name='Bootstrap', name_match='regex')


def test_invalid_regex_fails_clearly():
    with pytest.raises(SubtaskSelectionError, match=r'subtask_name is not a valid regular expression'):
        select_subtask(per_host_task(), subtask_name='Install (', name_match='regex')
    with pytest.raises(SubtaskSelectionError, match=r'subtask_description is not a valid regular expression'):
        select_subtask(per_host_task(), subtask_description='host (', description_match='regex')


def test_selection_needs_an_id_a_name_or_a_description():
    with pytest.raises(SubtaskSelectionError, match='give subtask_id, subtask_name or subtask_description'):
        select_subtask(per_host_task())
