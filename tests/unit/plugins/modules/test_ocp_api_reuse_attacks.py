# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Attacks on ocp_api's reuse_task and secret_body, main() run in-process against scripted HTTP.

Each test states the guarantee it attacks; a failing test is a break."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import json

import pytest
import requests
import responses

from ansible_collections.oceanbase.ocp.plugins.modules import ocp_api
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support import task_reuse

from in_process import run_module
from ocp_http_mock import TASKS, URL, ScriptedList

CREATE = '/api/v2/ob/clusters/1/tenants/createTenant'
# After a lost answer OCP's audit events are read first (test_lost_answer.py); here they are not the
# user's to read, so the relisting decides as it would without them.
AUDIT_EVENTS = URL + '/api/v2/audit/events'
FORBIDDEN = dict(successful=False, status=403, error=dict(code='IAM11000', message='forbidden'))
PASSWORD = 'R00t-Pa55word-Of-The-Tenant'
# OCP's clock, as the envelope's timestamp gives it.
NOW = datetime.datetime(2026, 1, 10, 12, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


def stamp(moment):
    return moment.isoformat(timespec='milliseconds')


def ago(seconds):
    return stamp(NOW - datetime.timedelta(seconds=seconds))


def env(data=None, timestamp=None):
    answer = {'successful': True, 'status': 200, 'traceId': '0123456789abcdef',
              'timestamp': timestamp or stamp(NOW)}
    if data is not None:
        answer['data'] = data
    return answer


def page(tasks, total_pages=1, number=1, **extra):
    return env(dict(dict(contents=list(tasks), page=dict(totalElements=len(tasks), totalPages=total_pages,
                                                         number=number, size=2000)), **extra))


def task(task_id, status, started=60, name='Create tenant', **fields):
    entry = dict(id=task_id, name=name, status=status, startTime=ago(started) if isinstance(started, int) else started,
                 taskDefinitionId=2, tenant=dict(id=1010, name='t_x'),
                 subtasks=[dict(id=task_id * 10, name='s', status='SUCCESSFUL' if status == 'SUCCESSFUL' else status,
                                operation='EXECUTE')])
    entry.update(fields)
    return entry


def body():
    return dict(name='t_x', mode='MYSQL', zones=[dict(name='zone1', replicaType='FULL',
                                                      resourcePool=dict(unitSpecName='S1', unitCount=1))])


def args(secret=PASSWORD, **change):
    result = dict(api_url=URL, username='admin', password='pw', method='POST', path=CREATE, body=body(),
                  secret_body=dict(rootPassword=secret),
                  reuse_task=dict(name='Create tenant', tenant_name='t_x', cluster_id=1))
    result.update(change)
    return result


@pytest.fixture
def mocked():
    """Scripted HTTP whose task list filters by status as OCP's does. An answer registered and never
    asked for is no failure here: an attack registers what a broken module would send, and asserts
    on what was sent."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield ScriptedList(mock)


def posts(mocked):
    return [call for call in mocked.calls if call.request.method == 'POST']


def assert_clean_failure(result, *words):
    assert result.get('failed') is True, result
    assert 'Traceback' not in json.dumps(result) and 'exception' not in result, result
    for word in words:
        assert word in result['msg'], result


def fragments(secret, size=8):
    return [secret[index:index + size] for index in range(0, len(secret) - size + 1)]


def assert_no_secret(result, secret):
    text = json.dumps(result, ensure_ascii=False)
    leaked = [part for part in fragments(secret) if part in text]
    assert not leaked, 'secret fragments %r in %s' % (leaked, text[:2000])


# ---------------------------------------------------------------- (2) secret_body never shown

def refusal_echoing(message):
    return dict(successful=False, status=400, traceId='abc', error=dict(code=10001, message=message))


def test_a_secret_straddling_the_cut_of_why_shows_no_part(mocked):
    """OCP refuses with a message echoing the body; the relisting finds another run's task, and
    reuse.why quotes the error cut at NAME_LIMIT: a cut inside the secret is no longer masked."""
    prefix = 'OCP rejected the request as invalid: '
    padding = 'x' * (task_reuse.NAME_LIMIT - len(prefix) - len('rootPassword=') - 12)
    mocked.add(responses.GET, TASKS, json=page([]))
    mocked.add(responses.POST, URL + CREATE, status=400,
               json=refusal_echoing('%s rootPassword=%s: tenant t_x already exists' % (padding, PASSWORD)))
    mocked.add(responses.GET, TASKS, json=page([task(2001, 'RUNNING')]))
    result = run_module(ocp_api, args())
    assert result['reused'] is True, result
    assert_no_secret(result, PASSWORD)


def test_a_secret_with_a_newline_shows_escaped_in_no_part(mocked):
    """_ocp_text escapes control characters, so the quoted secret no longer matches the no_log value."""
    secret = 'first-line-Secret\nsecond-line-Secret'
    mocked.add(responses.GET, TASKS, json=page([]))
    mocked.add(responses.POST, URL + CREATE, status=400, json=refusal_echoing('bad %s' % secret))
    mocked.add(responses.GET, TASKS, json=page([task(2001, 'RUNNING')]))
    result = run_module(ocp_api, args(secret))
    assert result['reused'] is True, result
    assert_no_secret(result, secret)


def test_a_non_ascii_secret_echoed_as_sent_is_masked(mocked):
    """The body goes out with json.dumps' ASCII escapes; OCP (Jackson's parse error) quotes the bytes
    it received, which no_log cannot match."""
    secret = 'Pässwörd-Geheim-2026-XYZ'

    def echo(request):
        return 400, {}, json.dumps(refusal_echoing('JSON parse error near: %s' % request.body.decode()[-60:]))
    mocked.add(responses.GET, TASKS, json=page([]))
    mocked.add_callback(responses.POST, URL + CREATE, callback=echo)
    mocked.add(responses.GET, AUDIT_EVENTS, status=403, json=FORBIDDEN)
    mocked.add(responses.GET, TASKS, json=page([]))
    result = run_module(ocp_api, args(secret))
    assert result['failed'] is True
    assert_no_secret(result, secret.encode('ascii', 'backslashreplace').decode())
    assert_no_secret(result, json.dumps(secret)[1:-1])


def test_a_secret_with_a_quote_echoed_json_escaped_is_masked(mocked):
    secret = 'Quote"Inside-Secret-Value'

    def echo(request):
        return 400, {}, json.dumps(refusal_echoing('cannot read %s' % request.body.decode()[-50:]))
    mocked.add(responses.GET, TASKS, json=page([]))
    mocked.add_callback(responses.POST, URL + CREATE, callback=echo)
    mocked.add(responses.GET, AUDIT_EVENTS, status=403, json=FORBIDDEN)
    mocked.add(responses.GET, TASKS, json=page([]))
    result = run_module(ocp_api, args(secret))
    assert result['failed'] is True
    assert_no_secret(result, json.dumps(secret)[1:-1])


def test_a_5xx_page_echoing_the_body_masks_the_secret_with_its_white_space_collapsed(mocked):
    secret = 'two  spaces  Secret-Value'

    def echo(request):
        return 502, {'Content-Type': 'text/plain'}, 'proxy error for body %s' % request.body.decode()[-40:]
    mocked.add(responses.GET, TASKS, json=page([]))
    mocked.add_callback(responses.POST, URL + CREATE, callback=echo)
    mocked.add(responses.GET, AUDIT_EVENTS, status=403, json=FORBIDDEN)
    mocked.add(responses.GET, TASKS, json=page([]))
    result = run_module(ocp_api, args(secret))
    assert result['failed'] is True
    assert_no_secret(result, ' '.join(secret.split()))


@pytest.mark.parametrize('secret', [
    {'inner': 'Nested-Secret-Value-1'}, ['List-Secret-Value-2'], 'Plain-Secret-Value-3'])
def test_check_mode_and_vvvv_show_no_secret(mocked, secret):
    mocked.add(responses.GET, TASKS, json=page([]))
    arguments = dict(args(), secret_body=dict(rootPassword=secret), _ansible_verbosity=4, _ansible_debug=True)
    result = run_module(ocp_api, arguments, check_mode=True)
    assert result['request']['body']['rootPassword'] == '********', result
    assert 'Secret-Value' not in json.dumps(result)
    assert not posts(mocked)


def test_a_secret_body_that_is_no_dict_fails_without_showing_it(mocked):
    result = run_module(ocp_api, args(secret=None, secret_body='Not-A-Dict-Secret-Value'))
    assert result['failed'] is True and 'Not-A-Dict-Secret-Value' not in json.dumps(result), result
    assert not mocked.calls


# ---------------------------------------------------------------- (3) bad input

def test_a_huge_max_age_fails_clearly_not_with_a_traceback(mocked):
    mocked.add(responses.GET, TASKS, json=page([task(2001, 'SUCCESSFUL')]))
    arguments = args()
    arguments['reuse_task'] = dict(arguments['reuse_task'], max_age=10 ** 15)
    result = run_module(ocp_api, arguments)
    assert_clean_failure(result, 'max_age')
    assert not posts(mocked)


@pytest.mark.parametrize('reuse_task, word', [
    # Ansible's own type check answers these, without naming the option.
    ('not a dict', 'dictionary requested'),
    (['name'], 'dictionary requested'),
    (dict(name='Create tenant', max_age='1h'), 'max_age'),
    (dict(name='Create tenant', max_age=1.5), 'max_age'),
    (dict(name='Create tenant', cluster_id='one'), 'cluster_id'),
    (dict(name='Create tenant', cluster_id=True), 'cluster_id'),
    (dict(name='Create tenant', bogus=1), 'bogus'),
])
def test_bad_reuse_task_types_fail_before_any_request(mocked, reuse_task, word):
    result = run_module(ocp_api, args(reuse_task=reuse_task))
    assert_clean_failure(result, word)
    assert not mocked.calls


def test_a_whitespace_name_of_a_megabyte_is_refused_in_a_bounded_message(mocked):
    result = run_module(ocp_api, args(reuse_task=dict(name=' ' * 10 ** 6, cluster_id=1)))
    assert_clean_failure(result, 'name')
    assert len(result['msg']) < 2000, len(result['msg'])


def test_body_none_with_secret_body_sends_the_secret_alone(mocked):
    mocked.add(responses.GET, TASKS, json=page([]))
    mocked.add(responses.POST, URL + CREATE, json=env(task(2001, 'RUNNING')))
    result = run_module(ocp_api, args(body=None))
    assert result['changed'] is True and json.loads(posts(mocked)[0].request.body) == dict(rootPassword=PASSWORD)


def test_a_nan_secret_is_refused_before_sending_without_showing_the_rest(mocked):
    result = run_module(ocp_api, args(secret_body=dict(rootPassword=PASSWORD, ratio=float('nan'))))
    assert_clean_failure(result, 'JSON')
    assert not mocked.calls and PASSWORD not in json.dumps(result)


# ---------------------------------------------------------------- (4) hostile OCP answers

def run_on(mocked, *pages, **change):
    for answer in pages:
        mocked.add(responses.GET, TASKS, json=answer)
    return run_module(ocp_api, args(**change))


def test_a_live_task_without_id_fails_clearly(mocked):
    entry = task(2001, 'RUNNING')
    del entry['id']
    result = run_on(mocked, page([entry]))
    assert_clean_failure(result)
    assert not posts(mocked)


@pytest.mark.parametrize('identifier', ['20x1', {'v': 1}, [1], -5, 1.5, True])
def test_a_live_task_with_an_id_no_int_is_not_returned_as_a_task_id(mocked, identifier):
    entry = task(2001, 'RUNNING')
    entry['id'] = identifier
    result = run_on(mocked, page([entry]))
    assert not posts(mocked)
    assert result.get('failed') is True or all(
        isinstance(tid, int) and not isinstance(tid, bool) and tid > 0 for tid in result['task_ids']), result


@pytest.mark.parametrize('total_pages', ['many', [], {'n': 1}])
def test_a_page_count_that_is_no_number_fails_clearly(mocked, total_pages):
    answer = page([task(2001, 'SUCCESSFUL', started=10 ** 7)], total_pages=total_pages)
    answer['data']['contents'] = [task(3000 + n, 'SUCCESSFUL', started='bad') for n in range(2000)]
    result = run_on(mocked, answer)
    assert_clean_failure(result)
    assert not posts(mocked)


@pytest.mark.parametrize('data', [
    [1, 2], 'text', dict(contents={'a': 1}), dict(contents=[1, 'x', None]), dict(contents=[], page=[1]),
    dict(contents=[task(1, 'RUNNING')], page='p'),
])
def test_a_list_answer_of_the_wrong_shape_fails_clearly(mocked, data):
    mocked.add(responses.GET, TASKS, json=env(data))
    result = run_module(ocp_api, args())
    assert_clean_failure(result)
    assert not posts(mocked)


@pytest.mark.parametrize('status', [None, 'running', 'PENDING', 7])
def test_a_matching_task_of_unknown_status_does_not_start_the_operation_again(mocked, status):
    """A task whose start cannot be read is kept so as never to start twice; one whose status cannot
    be read is dropped, and the request is sent next to it."""
    entry = task(2001, 'RUNNING')
    entry['status'] = status
    if status is None:
        del entry['status']
    mocked.add(responses.GET, TASKS, json=page([entry]))
    result = run_module(ocp_api, args())
    assert result.get('failed') is True or result.get('reused') is True, result
    assert not posts(mocked)


def test_a_future_server_timestamp_does_not_make_a_running_task_look_old(mocked):
    """OCP's envelope timestamp is OCP's clock: one far ahead (a wrong NTP, a hostile proxy) makes every
    task older than max_age, so the running one is ignored and the operation started a second time."""
    mocked.add(responses.GET, TASKS, json=env(dict(contents=[task(2001, 'RUNNING')],
                                                   page=dict(totalElements=1, totalPages=1, number=1, size=2000)),
                                              timestamp='2099-01-01T00:00:00.000+08:00'))
    mocked.add(responses.POST, URL + CREATE, json=env(task(2002, 'RUNNING')))
    run_module(ocp_api, args())
    assert not posts(mocked)


@pytest.mark.parametrize('start', ['2026-13-45T00:00:00+08:00', '2999-01-01T00:00:00Z', 'yesterday', 12345, '',
                                   '0001-01-01T00:00:00+14:00', '9999-12-31T23:59:59.999999-23:59'])
def test_odd_start_times_neither_crash_nor_start_again(mocked, start):
    mocked.add(responses.GET, TASKS, json=page([task(2001, 'RUNNING', started=start)]))
    result = run_module(ocp_api, args())
    assert result.get('reused') is True, result
    assert not posts(mocked)


def test_names_with_control_characters_are_escaped_and_bounded(mocked):
    evil = '\x1b[31mRED\x1b[0m\r\nINJECTED\u202e' + 'N' * 10 ** 6
    live = [task(2001, 'RUNNING', name=evil), task(2002, 'FAILED', name=evil)]
    result = run_on(mocked, page(live), reuse_task=dict(name='Create tenant', cluster_id=1))
    assert_clean_failure(result, 'matches 2 RUNNING or FAILED tasks')
    assert '\x1b' not in result['msg'] and '\r' not in result['msg'] and '\u202e' not in result['msg']
    assert len(result['msg']) < 2000, len(result['msg'])


def test_the_several_live_message_stays_bounded_with_thousands_of_live_tasks(mocked):
    live = [task(5000 - n, 'RUNNING', name='N' * 500) for n in range(2000)]
    result = run_on(mocked, page(live), reuse_task=dict(name='Create tenant', cluster_id=1))
    assert_clean_failure(result, 'RUNNING or FAILED')
    assert len(result['msg']) < 20000, len(result['msg'])


def test_the_reused_tasks_name_in_the_result_stays_bounded(mocked):
    result = run_on(mocked, page([task(2001, 'RUNNING', name='Create tenant' + 'N' * 10 ** 6)]))
    assert result['reused'] is True
    assert len(result['reuse']['why']) < 2000


def test_a_page_repeated_by_ocp_is_one_task_not_two(mocked):
    """Page 2 repeats page 1 (a list shifting while paged, or an OCP ignoring page): the one RUNNING
    task is counted twice and the run refused as if two operations were live."""
    repeated = [task(2001, 'RUNNING')] + [task(1999 - n, 'SUCCESSFUL', started='bad') for n in range(1999)]
    result = run_on(mocked, page(repeated, total_pages=2), page(repeated, total_pages=2, number=2))
    assert result.get('reused') is True and result['task_ids'] == [2001], result.get('msg', result)[:300]


def test_a_list_that_never_ends_with_empty_page_info_is_bounded(mocked):
    full = env(dict(contents=[task(9000 - n, 'RUNNING', started='bad') for n in range(2000)]))
    for _page in range(task_reuse.PAGES_MAX + 1):
        mocked.add(responses.GET, TASKS, json=full)
    result = run_module(ocp_api, args())
    assert_clean_failure(result, 'narrow the filter')


# ---------------------------------------------------------------- (1, 5) decisions

def test_an_older_failed_attempt_under_a_newer_success_is_not_reused(mocked):
    """Run 1 failed (2001 FAILED); the operation was then done (2002 SUCCESSFUL, newest). The newest
    says done; the decision reuses the older FAILED task and its retry policy runs it again."""
    result = run_on(mocked, page([task(2002, 'SUCCESSFUL', started=60), task(2001, 'FAILED', started=600)]))
    assert result['reuse']['decision'] == 'already_done' and result['task_ids'] == [2002], result['reuse']


def test_a_list_ocp_returns_oldest_first_does_not_start_twice(mocked):
    """The sort is trusted: an OCP that ignores sort=id,desc (LIST-7 is inferred) and serves oldest
    first stops the reading at last month's task, hiding today's RUNNING one."""
    mocked.add(responses.GET, TASKS, json=page([task(1001, 'SUCCESSFUL', started=30 * 86400),
                                                task(2001, 'RUNNING', started=60)]))
    mocked.add(responses.POST, URL + CREATE, json=env(task(2002, 'RUNNING')))
    run_module(ocp_api, args())
    assert not posts(mocked)


def test_a_rolled_back_entry_without_operation_nor_subtasks_is_not_taken_for_done(mocked):
    """A list entry carries no operation; without subtasks nothing tells a rollback from an execution."""
    entry = task(2001, 'SUCCESSFUL')
    entry.pop('subtasks')
    mocked.add(responses.GET, TASKS, json=page([entry]))
    # The detail that could tell is not to be had either (a 500 is not read again).
    mocked.add(responses.GET, TASKS + '/2001', status=500, json=dict(successful=False, status=500))
    result = run_module(ocp_api, args())
    assert result.get('failed') is True or result['reuse']['decision'] != 'already_done', result['reuse']


def test_an_entry_that_cannot_tell_a_rollback_is_read_in_detail(mocked):
    """The entry without operation and subtasks is read in detail, and the detail says rolled back."""
    entry = task(2001, 'SUCCESSFUL')
    entry.pop('subtasks')
    mocked.add(responses.GET, TASKS, json=page([entry]))
    mocked.add(responses.GET, TASKS + '/2001', json=env(dict(task(2001, 'SUCCESSFUL'), operation='ROLLBACK')))
    mocked.add(responses.POST, URL + CREATE, json=env(task(2002, 'RUNNING')))
    result = run_module(ocp_api, args())
    assert (result['reuse']['decision'], result['task_ids']) == ('start', [2002]), result
    assert result['reuse']['task']['rolled_back'] is True and len(posts(mocked)) == 1


@pytest.mark.parametrize('age, decision', [(599, 'already_done'), (601, 'start')])
def test_max_age_boundary(mocked, age, decision):
    mocked.add(responses.GET, TASKS, json=page([task(2001, 'SUCCESSFUL', started=age)]))
    if decision == 'start':
        mocked.add(responses.POST, URL + CREATE, json=env(task(2002, 'RUNNING')))
    arguments = args()
    arguments['reuse_task'] = dict(arguments['reuse_task'], max_age=600)
    result = run_module(ocp_api, arguments)
    assert result['reuse']['decision'] == decision, result


def test_a_running_and_a_failed_match_are_refused(mocked):
    result = run_on(mocked, page([task(2002, 'RUNNING'), task(2001, 'FAILED', started=600)]))
    assert_clean_failure(result, 'matches 2 RUNNING or FAILED tasks')
    assert not posts(mocked)


def test_a_conflict_while_the_other_run_already_succeeded_is_reported_done(mocked):
    """OCP refuses (tenant exists) because a run at the same time created it and already finished:
    the relisting finds its SUCCESSFUL task; the run fails instead of reporting it done."""
    mocked.add(responses.GET, TASKS, json=page([]))
    mocked.add(responses.POST, URL + CREATE, status=400, json=refusal_echoing('tenant t_x already exists'))
    mocked.add(responses.GET, TASKS, json=page([task(2001, 'SUCCESSFUL', started=5)]))
    result = run_module(ocp_api, args())
    assert result.get('failed') is not True, result['msg']


def test_a_lost_answer_with_a_failing_relisting_keeps_possibly_applied(mocked):
    mocked.add(responses.GET, TASKS, json=page([]))
    mocked.add(responses.POST, URL + CREATE, body=requests.exceptions.ReadTimeout('read timed out'))
    mocked.add(responses.GET, AUDIT_EVENTS, status=403, json=FORBIDDEN)
    mocked.add(responses.GET, TASKS, status=500, json=dict(successful=False, status=500))
    result = run_module(ocp_api, args())
    assert result['failed'] is True and result['possibly_applied'] is True, result
    assert len(posts(mocked)) == 1


def test_a_running_task_older_than_max_age_is_still_live_and_not_started_again(mocked):
    """max_age drops a RUNNING task started 25 hours ago (an upgrade that hangs, a re-run two days on):
    the operation is started a second time next to the one still running."""
    mocked.add(responses.GET, TASKS, json=page([task(2001, 'RUNNING', started=25 * 3600)]))
    mocked.add(responses.POST, URL + CREATE, json=env(task(2002, 'RUNNING')))
    run_module(ocp_api, args())
    assert not posts(mocked)
