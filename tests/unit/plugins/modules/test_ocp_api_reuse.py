# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ocp_api's reuse_task and secret_body, its main() run in-process (tests/unit/in_process.py).

Against the simulator on a clock only the test moves (the rerun scenario: tenants the tests
create, faults by name) for each decision, and against scripted HTTP for what a simulator cannot
time: the other run's task appearing between our list and our POST, a lost answer, a list that
never ends. ansible-playbook runs of the same are in tests/integration/test_ocp_api_rerun.py.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import json
import os

import pytest
import requests
import responses

from ansible_collections.oceanbase.ocp.plugins.modules import ocp_api
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support import task_reuse

from in_process import SCENARIOS, InProcessSimulator, run_module
from ocp_http_mock import TASKS, URL, envelope

PASSWORD = 'R00t-Pa55word-Of-The-Tenant'
CREATE = '/api/v2/ob/clusters/1/tenants/createTenant'
HOUR = 3600


@pytest.fixture
def ocp():
    with InProcessSimulator(scenario=os.path.join(SCENARIOS, 'rerun.yaml')) as simulator:
        yield simulator


def tenant_body(name):
    return dict(name=name, mode='MYSQL', zones=[dict(name='zone1', replicaType='FULL',
                                                     resourcePool=dict(unitSpecName='S1', unitCount=1))])


def start(ocp, name, check_mode=False, **reuse):
    args = dict(ocp.connection(), method='POST', path=CREATE, body=tenant_body(name),
                secret_body=dict(rootPassword=PASSWORD),
                reuse_task=dict(dict(name='Create tenant', tenant_name=name, cluster_id=1), **reuse))
    return run_module(ocp_api, args, check_mode=check_mode)


def creations(ocp):
    return [entry['status'] for entry in ocp.journal() if entry['method'] == 'POST' and entry['path'] == CREATE]


def rolled_back(ocp, task_id):
    response = requests.post('%s/api/v2/tasks/instances/%d/rollback' % (ocp.url, task_id),
                             auth=('admin', 'OcpSim-Admin-2026'), timeout=30)
    assert response.status_code == 200, response.text
    ocp.advance(HOUR)


def test_a_run_again_after_success_sends_nothing(ocp):
    first = start(ocp, 't_twice')
    assert first['changed'] is True and first['reused'] is False, first
    assert first['reuse']['decision'] == 'start' and first['reuse']['task'] is None
    ocp.advance(HOUR)
    second = start(ocp, 't_twice')
    assert (second['changed'], second['reused'], second['reuse']['decision']) == (False, True, 'already_done')
    assert second['task_ids'] == first['task_ids'] and second['data']['status'] == 'SUCCESSFUL'
    assert second['reuse']['task']['id'] == first['task_ids'][0] and second['reuse']['task']['rolled_back'] is False
    assert creations(ocp) == [200]
    assert PASSWORD not in json.dumps([first, second])


def test_a_running_task_is_reused_not_started_again(ocp):
    first = start(ocp, 't_running')
    second = start(ocp, 't_running')
    assert (second['changed'], second['reused'], second['reuse']['decision']) == (False, True, 'reuse')
    assert second['task_ids'] == first['task_ids'] and second['reuse']['task']['status'] == 'RUNNING'
    assert 'is RUNNING: it is supervised instead' in second['reuse']['why']
    assert creations(ocp) == [200]


def test_a_failed_task_is_reused_for_the_policy_to_retry(ocp):
    first = start(ocp, 't_failing_1')
    ocp.advance(HOUR)
    second = start(ocp, 't_failing_1')
    assert (second['reuse']['decision'], second['reuse']['task']['status']) == ('reuse', 'FAILED')
    assert second['task_ids'] == first['task_ids'] and creations(ocp) == [200]


def test_a_rolled_back_attempt_is_started_anew(ocp):
    first = start(ocp, 't_failing_2')
    ocp.advance(HOUR)
    rolled_back(ocp, first['task_ids'][0])
    second = start(ocp, 't_failing_2')
    assert (second['changed'], second['reused'], second['reuse']['decision']) == (True, False, 'start')
    assert second['reuse']['task']['id'] == first['task_ids'][0] and second['reuse']['task']['rolled_back'] is True
    assert 'was rolled back: the operation is started anew' in second['reuse']['why']
    assert second['task_ids'] != first['task_ids'] and creations(ocp) == [200, 200]


def test_a_match_older_than_max_age_does_not_count(ocp):
    first = start(ocp, 't_old')
    ocp.advance(2 * HOUR)
    # The successful creation started two hours ago: past max_age, so the request is sent (and OCP
    # refuses it: the tenant exists), where the default max_age would have found it done.
    again = start(ocp, 't_old', max_age=HOUR)
    assert again['failed'] is True and 'already exists' in again['msg'], again
    assert start(ocp, 't_old')['reuse']['decision'] == 'already_done'
    assert first['changed'] is True and creations(ocp) == [200, 400]


def test_check_mode_says_what_it_would_do_and_sends_nothing(ocp):
    would_start = start(ocp, 't_checked', check_mode=True)
    assert would_start['changed'] is True and would_start['reuse']['decision'] == 'start'
    assert would_start['reuse']['why'].startswith('check mode: would send the request: no task matches')
    # Which tenant it would create, the secret masked.
    assert would_start['request']['body']['name'] == 't_checked'
    assert would_start['request']['body']['rootPassword'] == '********'
    started = start(ocp, 't_checked')
    would_reuse = start(ocp, 't_checked', check_mode=True)
    assert (would_reuse['changed'], would_reuse['reuse']['decision']) == (False, 'reuse')
    assert would_reuse['reuse']['why'].startswith('check mode: would reuse the task')
    assert would_reuse['task_ids'] == started['task_ids'] and creations(ocp) == [200]


def test_several_live_matches_are_refused_with_their_list(ocp):
    first = start(ocp, 't_live_a')
    second = start(ocp, 't_live_b')
    args = dict(ocp.connection(), method='POST', path=CREATE, body=tenant_body('t_live_c'),
                secret_body=dict(rootPassword=PASSWORD), reuse_task=dict(name='Create tenant', cluster_id=1))
    refused = run_module(ocp_api, args)
    assert refused['failed'] is True and 'matches 2 RUNNING or FAILED tasks' in refused['msg'], refused
    for task_id in first['task_ids'] + second['task_ids']:
        assert 'task %d' % task_id in refused['msg']
    assert refused['msg'].endswith('nothing was sent') and creations(ocp) == [200, 200]


@pytest.mark.parametrize('change, message', [
    (dict(body=dict(tenant_body('t_x'), rootPassword='in-both')), 'are in both body and secret_body'),
    (dict(body='text'), 'body must be a dictionary'),
    (dict(method='GET'), 'a GET starts nothing'),
    (dict(reuse_task=dict(max_age=600)), 'reuse_task needs at least one filter'),
    (dict(reuse_task=dict(name='Create tenant', max_age=0)), 'max_age must be a whole number of seconds above 0'),
    (dict(reuse_task=dict(cluster_id=-1)), 'reuse_task cluster_id must be a positive integer'),
    (dict(reuse_task=dict(name=' ')), 'reuse_task name must be a non-empty string'),
    (dict(reuse_task=dict(status=['RUNNING'])), 'status'),
])
def test_bad_reuse_or_secret_options_fail_before_any_request(mocked, change, message):
    args = dict(api_url=URL, username='admin', password='pw', method='POST', path=CREATE, body=tenant_body('t_x'),
                secret_body=dict(rootPassword=PASSWORD), reuse_task=dict(name='Create tenant', cluster_id=1))
    args.update(change)
    failed = run_module(ocp_api, args)
    assert failed['failed'] is True and message in failed['msg'], failed
    assert PASSWORD not in json.dumps(failed)
    assert not mocked.calls


def _list(*tasks):
    return envelope(dict(contents=list(tasks), page=dict(totalElements=len(tasks), totalPages=1, number=1,
                                                         size=2000)))


def _task(task_id, status):
    # Started a minute ago by the controller's clock, which stands in for OCP's without a server timestamp.
    start_time = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)).isoformat()
    return dict(id=task_id, name='Create tenant', status=status, operation='EXECUTE', startTime=start_time,
                taskDefinitionId=2, tenant=dict(id=1010, name='t_raced'), subtasks=[])


def _scripted_args():
    return dict(api_url=URL, username='admin', password='pw', method='POST', path=CREATE,
                body=tenant_body('t_raced'), secret_body=dict(rootPassword=PASSWORD),
                reuse_task=dict(name='Create tenant', tenant_name='t_raced', cluster_id=1))


def test_a_run_at_the_same_time_that_started_first_is_found_after_ocps_refusal(scripted_list):
    """The other run's task appears between our list and our POST: OCP refuses the POST (the
    tenant exists), the list read again finds the other run's task, which is reused."""
    scripted_list.add(responses.GET, TASKS, json=_list())
    scripted_list.add(responses.POST, URL + CREATE, status=400, json=dict(
        successful=False, status=400, traceId='abc', error=dict(code=10001, message='tenant t_raced already exists')))
    scripted_list.add(responses.GET, TASKS, json=_list(_task(2001, 'RUNNING')))
    result = run_module(ocp_api, _scripted_args())
    assert (result['changed'], result['reused'], result['task_ids']) == (False, True, [2001]), result
    assert 'another run started it at the same time' in result['reuse']['why']
    # Before the POST: the live tasks and the newest finished one; after the refusal, both again.
    assert [call.request.method for call in scripted_list.calls] == ['GET', 'GET', 'POST', 'GET', 'GET']


def test_a_lost_answer_is_not_sent_again_and_the_task_it_started_is_found(scripted_list):
    scripted_list.add(responses.GET, TASKS, json=_list())
    scripted_list.add(responses.POST, URL + CREATE, body=requests.exceptions.ReadTimeout('read timed out'))
    # OCP's audit events, which would tell first, are not this user's to read (test_lost_answer.py).
    scripted_list.add(responses.GET, URL + '/api/v2/audit/events', status=403, json=dict(
        successful=False, status=403, error=dict(code='IAM11000', message='forbidden')))
    scripted_list.add(responses.GET, TASKS, json=_list(_task(2002, 'RUNNING')))
    result = run_module(ocp_api, _scripted_args())
    assert (result['changed'], result['reused'], result['task_ids']) == (True, False, [2002]), result
    assert "the request's answer was lost" in result['reuse']['why']
    # Before the POST: the live tasks and the newest finished one; after the lost answer, the audit
    # events and then both again.
    assert [call.request.method for call in scripted_list.calls] == ['GET', 'GET', 'POST', 'GET', 'GET', 'GET']


def test_a_refusal_without_another_runs_task_fails_as_ocp_said(scripted_list):
    scripted_list.add(responses.GET, TASKS, json=_list())
    scripted_list.add(responses.POST, URL + CREATE, status=400, json=dict(
        successful=False, status=400, traceId='abc', error=dict(code=10001, message='zone1 has no room')))
    scripted_list.add(responses.GET, TASKS, json=_list())
    result = run_module(ocp_api, _scripted_args())
    assert result['failed'] is True and 'zone1 has no room' in result['msg'], result
    # Before the POST: the live tasks and the newest finished one; after the refusal, both again.
    assert [call.request.method for call in scripted_list.calls] == ['GET', 'GET', 'POST', 'GET', 'GET']


def test_a_list_that_never_ends_is_refused_not_followed(scripted_list):
    """An OCP that keeps serving full pages of live matching tasks: at most task_reuse.PAGES_MAX
    pages are read, and nothing is sent."""
    full = dict(contents=[_task(3000 + index, 'RUNNING') for index in range(2000)],
                page=dict(totalElements=10 ** 9, totalPages=10 ** 6, number=1, size=2000))
    scripted_list.add(responses.GET, TASKS, json=envelope(full))
    result = run_module(ocp_api, _scripted_args())
    assert result['failed'] is True and 'narrow the filter' in result['msg'], result
    assert len(scripted_list.calls) == task_reuse.PAGES_MAX + 1
    assert all(call.request.method == 'GET' for call in scripted_list.calls)
