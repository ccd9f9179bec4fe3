# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which subtask of a task the user means: by id (which must belong to the task), by name, by
description (which names the host of a per-host subtask), each exact or a regular expression.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.labels import state_label, subtask_label, task_label


class SubtaskSelectionError(LookupError):
    """No subtask, or more than one, matches what the user gave."""


def _describe_candidates(subtasks):
    """The subtasks as a user tells them apart: per-host subtasks share a name, and OCP puts the
    host in the description ("Install the OCP agent on host 10.0.0.2")."""
    described = []
    for subtask in subtasks:
        text = "%s (%s)" % (subtask_label(subtask), state_label(subtask))
        if subtask.get('description'):
            text += ": %s" % (subtask['description'],)
        described.append(text)
    return '; '.join(described)


def _text_test(option, value, match):
    """A test of a subtask's text for ``option`` ('subtask_name' or 'subtask_description') compared
    as ``match`` ('exact' or 'regex') says, and how it reads in a message."""
    what = 'name' if option == 'subtask_name' else 'description'
    if match == 'regex':
        try:
            pattern = re.compile(value)
        except re.error as error:
            raise SubtaskSelectionError('%s is not a valid regular expression: %s' % (option, error))
        return (lambda text: pattern.search(text) is not None,
                'have a %s matching the regular expression %r' % (what, value))
    if match == 'exact':
        return (lambda text: text == value,
                ('are named %r' if what == 'name' else 'are described as %r') % (value,))
    raise ValueError('unknown %s match %r' % (what, match))


def select_subtask(task, subtask_id=None, subtask_name=None, name_match='exact', subtask_description=None,
                   description_match='exact'):
    """The one subtask of ``task`` given by ``subtask_id``, or by ``subtask_name`` and/or
    ``subtask_description``, each compared exactly or as a regular expression searched in the text
    (``name_match``/``description_match`` 'exact' or 'regex'); when both are given, both must match.

    Raises SubtaskSelectionError naming the candidates, with their descriptions, when none or
    several match. A ``subtask_id`` must belong to ``task``: OCP's subtask endpoints do not check
    that, so a mistyped id would otherwise act on another task's subtask.
    """
    subtasks = task.get('subtasks') or []
    label = task_label(task)
    if subtask_id is not None:
        for subtask in subtasks:
            if subtask.get('id') == subtask_id:
                return subtask
        raise SubtaskSelectionError('%s has no subtask with id %s; its subtasks are: %s'
                                    % (label, subtask_id, _describe_candidates(subtasks)))
    if subtask_name is None and subtask_description is None:
        raise SubtaskSelectionError('give subtask_id, subtask_name or subtask_description')
    named, hows = subtasks, []
    if subtask_name is not None:
        test, how = _text_test('subtask_name', subtask_name, name_match)
        named = [s for s in subtasks if test(s.get('name') or '')]
        hows.append(how)
    matches = named
    if subtask_description is not None:
        test, how = _text_test('subtask_description', subtask_description, description_match)
        matches = [s for s in named if test(s.get('description') or '')]
        hows.append(how)
    how = ' and '.join(hows)
    if len(matches) == 1:
        return matches[0]
    if not matches and named and subtask_name is not None:
        # The name matched: show those subtasks, so that the description to give can be read off.
        raise SubtaskSelectionError('no subtask of %s %s; those whose name matches are: %s'
                                    % (label, how, _describe_candidates(named)))
    if not matches and subtask_name is not None:
        names = sorted(set(s.get('name') or '' for s in subtasks))
        raise SubtaskSelectionError('no subtask of %s %s; its subtask names are: %s'
                                    % (label, how, ', '.join(repr(name) for name in names)))
    if not matches:
        raise SubtaskSelectionError('no subtask of %s %s; its subtasks are: %s'
                                    % (label, how, _describe_candidates(subtasks)))
    if subtask_description is None:
        raise SubtaskSelectionError('%d subtasks of %s %s: %s; give subtask_description as well (exact, or a regular '
                                    'expression with subtask_description_match: regex), or subtask_id'
                                    % (len(matches), label, how, _describe_candidates(matches)))
    raise SubtaskSelectionError('%d subtasks of %s %s: %s; give a subtask_description that matches only one, or '
                                'subtask_id' % (len(matches), label, how, _describe_candidates(matches)))
