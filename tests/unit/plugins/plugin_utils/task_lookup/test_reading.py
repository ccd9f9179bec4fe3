# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ocp_task lookup's reads (plugin_utils/task_lookup/reading.py), against the in-memory OCP."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpClientError, OcpMalformedAnswerError
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_lookup.reading import connection_params, look_up, secrets_of
from ansible_collections.oceanbase.ocp.tests.unit.fake_ocp import FakeOcp

GIVEN = dict(api_url='https://ocp.example.com:8080', username='admin', password='pw')


def test_options_given_win_then_the_ocp_variables_then_the_defaults():
    environ = {'OCP_URL': 'https://other:8080', 'OCP_VALIDATE_CERTS': 'false', 'OCP_REQUEST_TIMEOUT': '',
               'OCP_REQUEST_RETRIES': '5', 'OCP_PASSWORD': 'from-env'}
    params = connection_params(dict(GIVEN, validate_certs=None), environ)
    assert (params['api_url'], params['validate_certs'], params['request_timeout'], params['request_retries']) == \
        ('https://ocp.example.com:8080', False, 30.0, 5)
    # Credentials are resolved by the modules' rule (with_environment_credentials), not here.
    assert params['password'] == 'pw'
    assert connection_params({}, {'OCP_VALIDATE_CERTS': 'yes'})['validate_certs'] is True
    with pytest.raises(OcpClientError, match='OCP_VALIDATE_CERTS must be a boolean'):
        connection_params({}, {'OCP_VALIDATE_CERTS': 'maybe'})
    with pytest.raises(OcpClientError, match=r'OCP_REQUEST_RETRIES must be a number \(int\)'):
        connection_params({}, {'OCP_REQUEST_RETRIES': 'many'})


def test_the_secrets_include_the_environments():
    params = connection_params(dict(api_url='https://ocp.example.com:8080'))
    assert secrets_of(dict(params, username='admin', password='pw')) == {'pw'}


def test_tasks_by_id_in_order_and_a_filtered_list():
    ocp = FakeOcp()
    for task_id in (1, 2, 3):
        ocp.add_task(task_id)
    ocp.fail(2, 0)
    params = connection_params(GIVEN, {})
    tasks = look_up(['3', 1], params, {}, api=ocp)
    assert [task['id'] for task in tasks] == [3, 1] and tasks[0]['finished'] is False
    [failed] = look_up([], params, dict(status=['FAILED']), subtask_logs='failed', api=ocp)
    assert failed['id'] == 2 and failed['failed_subtasks'][0]['cause']


def test_a_list_leaves_out_what_ocp_sends_malformed_and_warns():
    ocp = FakeOcp()
    for task_id in (1, 2):
        ocp.add_task(task_id)
    ocp.spoil[2] = lambda task: dict(task, name=['x'])
    params = connection_params(GIVEN, {})
    warnings = []
    assert [task['id'] for task in look_up([], params, {}, api=ocp, warn=warnings.append)] == [1]
    assert warnings == ["OCP sent 1 task(s) that cannot be read, left out of the lookup's tasks: task 2: name is not a "
                        "string (found a list of 1 item(s))"]
    with pytest.raises(OcpMalformedAnswerError, match='task 2: name is not a string'):
        look_up([2], params, {}, api=ocp)


@pytest.mark.parametrize('terms, filters, message', [
    (['x'], {}, 'a task id is a positive whole number'),
    ([0], {}, 'a task id is a positive whole number'),
    ([True], {}, 'a task id is a positive whole number'),
    ([1], dict(status=['FAILED']), 'give task ids or filters, not both: filters status'),
    ([], dict(colour='red'), 'unknown task filter'),
    ([404], {}, 'OCP knows no task 404'),
])
def test_what_is_refused_is_said(terms, filters, message):
    ocp = FakeOcp()
    ocp.add_task(1)
    with pytest.raises(OcpClientError, match=message):
        look_up(terms, connection_params(GIVEN, {}), filters, api=ocp)
    assert ocp.calls_of('read') == ([('read', 404)] if terms == [404] else [])


def test_the_connection_is_checked_before_anything_is_sent():
    with pytest.raises(OcpClientError, match='no api_url'):
        look_up([1], connection_params(dict(username='admin', password='pw'), {}), {}, api=FakeOcp())
