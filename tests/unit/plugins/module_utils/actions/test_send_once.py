# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one send-at-most-once protocol (actions/send_once.py), pinned through both of its users by one
table of scripted HTTP cases: the action modules (module_support/action_run.py) and the supervision
of ocp_task_wait (plugin_utils/supervision/sending.py).

Each case is a sequence of OCP's answers over HTTP (``responses``): the fresh read right before the
POST, the POST's answer or fault, the reads after it (the last one answers every later read). The
module also reads the task first, to decide; the supervision is handed the task its round read.
Each user's outcome is named in the same words, with the requests it made: where the two differ,
they differ on purpose (send_once.py names the parameter and says why). Whatever comes back, the
POST is sent at most once.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pytest
import requests
import responses

from ansible_collections.oceanbase.ocp.plugins.module_utils.actions.send_once import (
    MOVED,
    NOT_CARRIED_OUT,
    NOT_SENT,
    OUTCOMES,
    REJECTED,
    SendOnce,
    SentActions,
    any_read_error,
    post_action,
    transient_read_error,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpError, OcpServerError
from ansible_collections.oceanbase.ocp.plugins.module_utils.module_support.action_run import (
    ActionFailed,
    ActionRun,
    SubtaskTarget,
    TaskTarget,
)
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.snapshot import normalize_task
from ansible_collections.oceanbase.ocp.plugins.module_utils.vocabulary import LOST, POSSIBLY_APPLIED, REFUSED, SENT
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.policy import PlannedAction
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.records import TaskRecord
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision.sending import Sender
from ansible_collections.oceanbase.ocp.tests.unit.ocp_http_mock import TASKS, envelope, task_api

TASK_ID = 1024
SUBTASK_ID = 11
TASK_URL = '%s/%d' % (TASKS, TASK_ID)
NOW = datetime.datetime(2024, 5, 1, 12, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
FINISHED = '2024-05-01T11:59:00.000+08:00'


def task(status='FAILED', operation='EXECUTE', sub_status='FAILED', sub_operation='EXECUTE', run_time=1,
         first='SUCCESSFUL', first_operation='EXECUTE'):
    """Task 1024 as OCP's API answers it: subtask 10 ran, subtask 11 is the one acted on."""
    return dict(id=TASK_ID, name='Create tenant', status=status, operation=operation, prohibitRollback=False,
                subtasks=[dict(id=10, seriesId=1, name='Check tenant parameters', status=first,
                               operation=first_operation, runTime=1, finishTime=FINISHED),
                          dict(id=SUBTASK_ID, seriesId=2, name='Create resource pool', status=sub_status,
                               operation=sub_operation, runTime=run_time, finishTime=FINISHED)])


# What each case starts from, and what OCP shows after this or another actor's action.
FAILED = task()
SKIPPED = task('RUNNING', sub_status='READY', sub_operation='SKIP')
ROLLING_BACK = task('RUNNING', 'ROLLBACK', sub_status='READY', sub_operation='ROLLBACK', first_operation='ROLLBACK')

# The POST's answer or fault.
OK = dict(json=envelope())
ILLEGAL_STATE = dict(status=400, json=dict(successful=False, status=400, error=dict(code=20003, message='illegal state')))
# OCP 4.2's and 3.1/4.0's codes for the same refusal, and codes a version may send that we do not map.
TSK10007 = dict(status=400, json=dict(successful=False, status=400, error=dict(code='TSK10007', message='not supported')))
NUMBERED_4007 = dict(status=400, json=dict(successful=False, status=400, error=dict(code=4007, message='not allowed')))
TSK10010 = dict(status=400, json=dict(successful=False, status=400, error=dict(code='TSK10010', message='can not skip')))
UNKNOWN_400 = dict(status=400, json=dict(successful=False, status=400, error=dict(code='TSK10099', message='new code')))
TSK10009 = dict(status=400, json=dict(successful=False, status=400, error=dict(code='TSK10009', message='no rollback')))
RETRIED = task('RUNNING', sub_status='READY', sub_operation='RETRY')
TOO_MANY = dict(status=429, json=dict(successful=False, status=429), headers={'Retry-After': '7'})
UNAVAILABLE = dict(status=503, body='<html>503 Service Unavailable</html>')
BAD_GATEWAY = dict(status=502, body='<html>502 Bad Gateway</html>')
SERVER_ERROR = dict(status=500, json=dict(successful=False, status=500, error=dict(code=10000, message='StaleState')))
LOGIN_PAGE = dict(status=200, body='<html>OCP</html>', content_type='text/html')
READ_TIMEOUT = dict(body=requests.exceptions.ReadTimeout('read timed out'))
CONNECT_TIMEOUT = dict(body=requests.exceptions.ConnectTimeout('connect timed out'))
FORBIDDEN = dict(status=403, json=dict(successful=False, status=403, error=dict(code=30014, message='no permission')))
# Answers to a read after the POST that are no task.
READ_UNAVAILABLE = dict(status=503, body='<html>503 Service Unavailable</html>')
READ_UNAUTHORIZED = dict(status=401, json=dict(successful=False, status=401, error=dict(code=10006)))

RETRY = 'retry'        # a subtask retry, as the supervision sends it
SKIP = 'skip'          # a subtask action: OCP checks it under the subtask's row lock (ACT-7)
ROLLBACK = 'rollback'  # a task action: no row lock (ACT-7)

# id, action, [fresh read, reads after the POST...], the POST's answer (None: no POST),
#   module: (outcome, GETs, POSTs), supervision: (outcome, GETs, POSTs)
CASES = [
    ('accepted', SKIP, [FAILED, SKIPPED], OK,
     ('sent', 3, 1), ('sent', 1, 1)),
    ('someone else acted before the fresh read', SKIP, [SKIPPED], None,
     ('someone else acted', 2, 0), ('someone else acted', 1, 0)),
    # The module reads at once to tell; the supervision's next round reads and decides (read_after_refusal).
    ('refused: someone else acted first, under the row lock', SKIP, [FAILED, SKIPPED], ILLEGAL_STATE,
     ('someone else acted', 3, 1), ('refused', 1, 1)),
    ('refused in the state it was decided on', SKIP, [FAILED, FAILED], ILLEGAL_STATE,
     ('refused', 3, 1), ('refused', 1, 1)),
    # Any 400 is read again and decided like a lost race, whatever code the version sends (ERR-2).
    ('OCP 4.2: a subtask retry answered TSK10007 after another actor\'s retry', RETRY, [FAILED, RETRIED], TSK10007,
     ('someone else acted', 3, 1), ('refused', 1, 1)),
    ('OCP 4.0: a subtask skip answered 4007 after another actor\'s skip', SKIP, [FAILED, SKIPPED], NUMBERED_4007,
     ('someone else acted', 3, 1), ('refused', 1, 1)),
    ('OCP 4.2: a skip refused TSK10010 in the state it was decided on', SKIP, [FAILED, FAILED], TSK10010,
     ('refused', 3, 1), ('refused', 1, 1)),
    ('a 400 with a code no table lists, after another actor\'s skip', SKIP, [FAILED, SKIPPED], UNKNOWN_400,
     ('someone else acted', 3, 1), ('refused', 1, 1)),
    ('OCP 4.2: a rollback refused TSK10009', ROLLBACK, [FAILED, FAILED], TSK10009,
     ('refused', 3, 1), ('refused', 1, 1)),
    # The module fails (run it again later); the supervision defers it past the Retry-After.
    ('429, and a read shows no effect', SKIP, [FAILED, FAILED], TOO_MANY,
     ('not carried out', 3, 1), ('not carried out', 2, 1)),
    ('503 from a proxy after OCP acted', SKIP, [FAILED, SKIPPED], UNAVAILABLE,
     ('sent', 3, 1), ('sent', 2, 1)),
    ('429, the confirming read fails, the next shows no effect', SKIP, [FAILED, READ_UNAVAILABLE, FAILED], TOO_MANY,
     ('lost', 4, 1), ('lost', 3, 1)),
    ('no answer after the request left, and it took effect', SKIP, [FAILED, SKIPPED], READ_TIMEOUT,
     ('sent', 3, 1), ('sent', 2, 1)),
    ('502, and a read shows no effect', SKIP, [FAILED, FAILED], BAD_GATEWAY,
     ('lost', 3, 1), ('lost', 2, 1)),
    ('a success spoiled on the way (a web page), and it took effect', SKIP, [FAILED, SKIPPED], LOGIN_PAGE,
     ('sent', 3, 1), ('sent', 2, 1)),
    # The module fails at once, naming both errors; the supervision settles it at a later read.
    ('no answer, and OCP cannot be read to tell', SKIP, [FAILED, READ_UNAVAILABLE], READ_TIMEOUT,
     ('possibly applied', 3, 1), ('possibly applied', 2, 1)),
    # possibly_applied_when: the module reports any failed read; a 401 ends the supervision's wait.
    ('no answer, and the read is refused its credentials', SKIP, [FAILED, READ_UNAUTHORIZED], READ_TIMEOUT,
     ('possibly applied', 3, 1), ('error', 2, 1)),
    # The module's run ends with the error; the supervision decides and sends again next round.
    ('no connection: the request never left', SKIP, [FAILED], CONNECT_TIMEOUT,
     ('error', 2, 1), ('not sent', 1, 1)),
    ('403: the user may not act', SKIP, [FAILED], FORBIDDEN,
     ('rejected', 2, 1), ('error', 1, 1)),
    # Task actions take no row lock (ACT-7): what remains possible between two actors, and what holds.
    ('task action: another actor rolled back before the fresh read', ROLLBACK, [ROLLING_BACK], None,
     ('someone else acted', 2, 0), ('someone else acted', 1, 0)),
    ('task action: another actor rolled back between the fresh read and the POST, both accepted', ROLLBACK,
     [FAILED, ROLLING_BACK], OK,
     ('sent', 3, 1), ('sent', 1, 1)),
    ('task action: the later of two racing commits fails (500), the read shows the task rolling back', ROLLBACK,
     [FAILED, ROLLING_BACK], SERVER_ERROR,
     ('sent', 3, 1), ('sent', 2, 1)),
]


def _path(action):
    if action == ROLLBACK:
        return TASK_URL + '/rollback'
    return '%s/subtasks/%d/%s' % (TASK_URL, SUBTASK_ID, action)


def _script(mock, reads, post, action):
    for answer in reads:
        if isinstance(answer, dict) and 'id' in answer:
            mock.add(responses.GET, TASK_URL, json=envelope(answer))
        else:
            mock.add(responses.GET, TASK_URL, **answer)
    if post is not None:
        mock.add(responses.POST, _path(action), **post)


def _requests(mock):
    methods = [call.request.method for call in mock.calls]
    return methods.count('GET'), methods.count('POST')


class FakeClient:
    last_trace_id = 'a' * 16


def module_outcome(action, reads, post):
    """What ocp_task_action / ocp_subtask_action make of the answers, and the requests they sent."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        _script(mock, [FAILED] + reads, post, action)
        api = task_api()
        target = (TaskTarget(api, action, TASK_ID) if action == ROLLBACK
                  else SubtaskTarget(api, action, TASK_ID, subtask_id=SUBTASK_ID))
        run = ActionRun(target, FakeClient(), False, False, False, 60, 5)
        try:
            results = run.run()
        except ActionFailed as failure:
            outcome = _module_failure(failure)
        except OcpError:
            outcome = 'error'
        else:
            assert results['changed'] is results['performed']
            outcome = 'sent' if results['performed'] else 'someone else acted'
            assert results['performed'] or results['decision'] == 'already_done'
        return (outcome,) + _requests(mock)


def _module_failure(failure):
    assert failure.results['performed'] is False and failure.results['changed'] is False
    for words, outcome in (('OCP refused the', 'refused'), ('OCP did not take the', 'not carried out'),
                           ('has not taken effect; it was not sent again', 'lost'),
                           ('could not be read afterwards', 'possibly applied'), ('TASK_MANAGER', 'rejected')):
        if words in failure.msg:
            return outcome
    raise AssertionError('unexpected failure: %s' % failure.msg)


def supervision_outcome(action, reads, post):
    """What ocp_task_wait's supervision makes of the answers, and the requests it sent."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        _script(mock, reads, post, action)
        lines = []
        sender = Sender(task_api(), lines.append)
        record = TaskRecord(TASK_ID)
        record.task = normalize_task(FAILED)
        planned = PlannedAction(action=action, subtask_id=SUBTASK_ID, subtask_name='Create resource pool',
                                rule_index=0, rule_name=None, reason='rule 0 matches', not_before=None, attempt=None)
        key = (TASK_ID, action, SUBTASK_ID, 'run 1')
        try:
            sent = sender.send(record, planned, key, NOW)
        except OcpError:
            return ('error',) + _requests(mock)
        outcome = _supervision_outcome(sent, record, lines)
        # Whatever came back, nothing is sent twice: a key sent stays sent, unless nothing happened.
        assert sender.already_sent(key) is (outcome in ('sent', 'possibly applied', 'lost'))
        assert (sender.refused_before(key) is not None) is (outcome == 'refused')
        return (outcome,) + _requests(mock)


def _supervision_outcome(sent, record, lines):
    results = [entry['result'] for entry in record.actions]
    if not results:
        assert sent is False
        if any('changed since it was read (someone else acted' in line for line in lines):
            return 'someone else acted'
        if any('could not send' in line and 'trying again later' in line for line in lines):
            return 'not sent'
        assert record.not_before == NOW + datetime.timedelta(seconds=7), 'deferred past the Retry-After OCP asked for'
        return 'not carried out'
    [result] = results
    assert sent is (result in (SENT, POSSIBLY_APPLIED))
    if result == LOST:
        assert record.outcome == 'failed' and 'not sent again' in record.decisions[-1]['reason']
    if result == POSSIBLY_APPLIED:
        assert record.unconfirmed and record.needs_read
    return {SENT: 'sent', REFUSED: 'refused', LOST: 'lost', POSSIBLY_APPLIED: 'possibly applied'}[result]


@pytest.mark.parametrize('case, action, reads, post, module, supervision', CASES, ids=[case[0] for case in CASES])
def test_both_users_of_the_protocol(case, action, reads, post, module, supervision):
    assert module_outcome(action, reads, post) == module
    assert supervision_outcome(action, reads, post) == supervision


def test_the_supervision_sends_only_what_the_table_of_rule_actions_sends(mocked):
    # No request is scripted: a fail (never sent to OCP) must not even read the task.
    planned = PlannedAction(action='fail', subtask_id=SUBTASK_ID, subtask_name=None, rule_index=0, rule_name=None,
                            reason='stop', not_before=None, attempt=None)
    record = TaskRecord(TASK_ID)
    record.task = normalize_task(FAILED)
    with pytest.raises(ValueError, match='not an action to send'):
        Sender(task_api(), lambda line: None).send(record, planned, 'key', NOW)


# ---------------------------------------------------------------- the protocol itself

class ScriptedApi:
    """get_task answers the next task (the last repeats); the POST raises ``error`` after ``effect``."""

    def __init__(self, reads, error=None):
        self.reads = list(reads)
        self.error = error
        self.posts = []

    def get_task(self, task_id):
        answer = self.reads.pop(0) if len(self.reads) > 1 else self.reads[0]
        if isinstance(answer, Exception):
            raise answer
        return normalize_task(answer)

    def skip_subtask(self, task_id, subtask_id):
        self.posts.append(('skip', task_id, subtask_id))
        if self.error is not None:
            raise self.error


def test_every_outcome_is_one_of_the_protocols_words():
    assert set(OUTCOMES) == set([SENT, MOVED, REFUSED, NOT_CARRIED_OUT, NOT_SENT, REJECTED, LOST, POSSIBLY_APPLIED])


def test_a_lost_answer_is_read_and_told_never_sent_again_even_when_the_read_shows_nothing_yet():
    api = ScriptedApi([FAILED, FAILED], error=OcpServerError(status=502, method='POST', path='/skip'))
    protocol = SendOnce(api, read_after_refusal=True, possibly_applied_when=any_read_error)
    sending = protocol.send('skip', TASK_ID, SUBTASK_ID, normalize_task(FAILED))
    assert (sending.kind, sending.answer_lost, len(api.posts)) == (LOST, True, 1)
    assert sending.after['subtasks'][1]['status'] == 'FAILED'


def test_the_memory_keeps_what_was_sent_and_forgets_what_never_happened():
    memory = SentActions()
    refused = OcpServerError(status=503, method='POST', path='/skip')
    protocol = SendOnce(ScriptedApi([FAILED, FAILED], error=refused), read_after_refusal=False,
                        possibly_applied_when=transient_read_error, memory=memory)
    assert protocol.send('skip', TASK_ID, SUBTASK_ID, normalize_task(FAILED), key='k').kind == NOT_CARRIED_OUT
    assert not memory.sent('k')
    protocol = SendOnce(ScriptedApi([FAILED, SKIPPED]), read_after_refusal=False,
                        possibly_applied_when=transient_read_error, memory=memory)
    assert protocol.send('skip', TASK_ID, SUBTASK_ID, normalize_task(FAILED), key='k').kind == SENT
    assert memory.sent('k') and memory.refusal('k') is None


@pytest.mark.parametrize('action, subtask_id', [('skip', None), ('rollback', SUBTASK_ID), ('fail', SUBTASK_ID)])
def test_only_actions_ocp_has_are_posted(action, subtask_id):
    with pytest.raises(ValueError):
        post_action(ScriptedApi([FAILED]), action, TASK_ID, subtask_id)
