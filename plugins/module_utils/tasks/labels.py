# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How messages name a task or a subtask, and its state: ``task 1004 'Create tenant'``,
``subtask 12 'Create resource pool'``, ``FAILED/EXECUTE``. Every message of the collection names
them through these functions, so that they read the same everywhere."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import unicodedata

# How much of a name, a description or an id from OCP a label quotes, and of a log line a
# message carries (the whole log stays in the results that asked for logs).
NAME_LIMIT = 200
LINE_LIMIT = 1000
# Unicode categories never printed as they are: controls (ESC, CR, BEL, NUL, newlines) rewrite the
# terminal or forge lines; format characters (the bidi overrides and isolates) reorder what shows;
# line and paragraph separators break lines.
_ESCAPED_CATEGORIES = ('Cc', 'Cf', 'Zl', 'Zp')


def _escaped(char):
    if unicodedata.category(char) not in _ESCAPED_CATEGORIES:
        return char
    code = ord(char)
    return '\\x%02x' % code if code < 0x100 else '\\u%04x' % code if code < 0x10000 else '\\U%08x' % code


def shown(value, limit=NAME_LIMIT):
    """Text from OCP as a message may print it: every control, format or separator character
    escaped (``\\x1b``, ``\\u202e``), and at most ``limit`` characters of it, cut with a marker that
    says how much was left out. Anything else than a string is shown as its text."""
    text = value if isinstance(value, str) else '%s' % (value,)
    if len(text) > limit:
        text = '%s... [%d more characters]' % (text[:limit], len(text) - limit)
    return ''.join(_escaped(char) for char in text)


def _label(kind, item):
    item = item if isinstance(item, dict) else {}
    identifier = item.get('id')
    label = '%s %s' % (kind, '(unknown id)' if identifier is None else shown(identifier, 40))
    if item.get('name'):
        label += " '%s'" % (shown(item['name']),)
    return label


def task_label(task):
    """``task 1004 'Create tenant'``; without a name ``task 1004``."""
    return _label('task', task)


def subtask_label(subtask):
    """``subtask 12 'Create resource pool'``; without a name ``subtask 12``."""
    return _label('subtask', subtask)


def state_label(item):
    """``STATUS/OPERATION`` of a task or subtask, as OCP shows them."""
    return '%s/%s' % (shown(item.get('status'), 40), shown(item.get('operation') or 'no operation', 40))


def explain_failed_subtask(subtask, cause=None):
    """The one explanation of a failed subtask every entry point gives: which, where, and why.

    ``subtask 1000012 'Install OCP agent' (Install OCP agent on host 10.0.0.4) failed: <cause>``:
    the description names the host of a per-host subtask; ``cause`` is the log line of its latest
    run that says why (subtask_log.cause_line). An operation other than EXECUTE and RETRY (CANCEL
    after a timeout, ROLLBACK) changes what the failure means, so it is shown.
    """
    text = subtask_label(subtask)
    if subtask.get('description') and subtask.get('description') != subtask.get('name'):
        text += ' (%s)' % (shown(subtask['description']),)
    text += ' failed'
    operation = subtask.get('operation')
    if operation and operation not in ('EXECUTE', 'RETRY'):
        text += ' (operation %s)' % (shown(operation, 40),)
    if cause:
        text += ': %s' % (shown(cause, LINE_LIMIT),)
    return text


# ---------------------------------------------------------------- the object a task works on
# task_objects picks OCP's names as they are (data, for results); object_label shows them.

def _named(value):
    """The name of an object OCP gives as ``{id, name, ...}`` (or a bare name), or None."""
    if isinstance(value, dict):
        value = value.get('name')
    return value if isinstance(value, str) and value else None


def task_objects(task):
    """What a task works on, as OCP names it: ``{'tenant': 't_report', 'cluster': 'obcluster'}``.

    A task detail and a list entry carry ``tenant{id, name}`` and ``cluster{id, name}`` (absent
    when the task has none, docs/ocp-behaviour.md LIST-8, ENV-4); OCP Express carries
    ``tenantInfo{name}`` and no cluster (LIST-9). Hosts are named by each per-host subtask's
    description, which explain_failed_subtask shows.
    """
    task = task if isinstance(task, dict) else {}
    found = {}
    tenant = _named(task.get('tenant')) or _named(task.get('tenantInfo'))
    if tenant:
        found['tenant'] = tenant
    cluster = _named(task.get('cluster')) or _named(task.get('clusterName'))
    if cluster:
        found['cluster'] = cluster
    return found


def object_label(task):
    """``tenant t_report in cluster obcluster``, ``cluster obcluster``, or '' when OCP names none."""
    objects = dict((kind, shown(name)) for kind, name in task_objects(task).items())
    if 'tenant' in objects and 'cluster' in objects:
        return 'tenant %s in cluster %s' % (objects['tenant'], objects['cluster'])
    if 'tenant' in objects:
        return 'tenant %s' % (objects['tenant'],)
    if 'cluster' in objects:
        return 'cluster %s' % (objects['cluster'],)
    return ''
