# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The arguments of the ocp_task_events source: checked, with the OCP_* environment behind them."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.auth import OcpAccessKeyAuth
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpClientError
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_events.source_options import client_from_options, source_options

ENVIRON = {'OCP_URL': 'https://ocp.example.com:8080/', 'OCP_USERNAME': 'admin', 'OCP_PASSWORD': 'pw'}


def test_defaults_and_environment():
    options = source_options({}, ENVIRON)
    assert (options.interval, options.sweep_every, options.initial_events, options.checkpoint, options.filters,
            options.running_long) == (10.0, 6, 'none', None, {}, ())
    assert options.connection['username'] == 'admin' and options.connection['validate_certs'] is True
    assert options.scope == dict(api_url='https://ocp.example.com:8080', filters={})


def test_arguments_win_over_the_environment_and_text_is_read_as_numbers():
    options = source_options(dict(api_url='https://other:8080', interval='2.5', sweep_every='0', validate_certs='no',
                                  request_retries='1', filters=dict(cluster_id='1', name='Create tenant', tenant_name=''),
                                  running_long=[dict(name='^Install', seconds='600')], checkpoint='/tmp/cp.json',
                                  initial_events='Failures', eda_feedback_queue=object()), ENVIRON)
    assert (options.api_url, options.interval, options.sweep_every, options.connection['validate_certs'],
            options.connection['request_retries'], options.checkpoint, options.initial_events) == (
        'https://other:8080', 2.5, 0, False, 1, '/tmp/cp.json', 'failures')
    assert options.filters == {'cluster_id': 1, 'name': 'Create tenant'}
    assert [(pattern.pattern, seconds) for pattern, seconds in options.running_long] == [('^Install', 600.0)]


def test_an_empty_environment_value_is_no_value():
    # AWX and EDA credentials inject OCP_CA_PATH="" when there is no CA; the access key pair stays unset.
    options = source_options({}, dict(ENVIRON, OCP_CA_PATH='', OCP_ACCESS_KEY_ID=''))
    assert options.connection['ca_path'] is None and options.connection['access_key_id'] is None


def test_every_mistake_is_named_at_once():
    with pytest.raises(OcpClientError) as raised:
        source_options(dict(interval=0, sweep_every=-1, filters=dict(colour='red', type='HOURLY'),
                            running_long=[dict(name='(', seconds=5), dict(seconds=0), 'x'], initial_events='all',
                            intervall=5, validate_certs='maybe'), {})
    message = '%s' % raised.value
    for words in ('api_url is required', 'interval must be above 0', 'sweep_every must be at least 0',
                  "unknown filter 'colour'", 'filters.type must be one of', 'running_long[0].name is not a regular',
                  'running_long[1].seconds must be above 0', 'running_long[2] must be',
                  'initial_events must be one of', "unknown argument 'intervall'", 'validate_certs must be true'):
        assert words in message


def test_the_client_gets_the_access_key():
    options = source_options({}, {'OCP_URL': 'https://ocp:8080', 'OCP_ACCESS_KEY_ID': 'AK', 'OCP_ACCESS_KEY_SECRET': 'SK'})
    client = client_from_options(options)
    assert isinstance(client._auth, OcpAccessKeyAuth) and client.retry_policy.max_retries == 3


def test_both_kinds_of_credentials_are_refused_by_the_client():
    options = source_options({}, dict(ENVIRON, OCP_ACCESS_KEY_ID='AK', OCP_ACCESS_KEY_SECRET='SK'))
    with pytest.raises(OcpClientError, match='not both'):
        client_from_options(options)


def test_a_password_in_the_url_is_never_shown():
    options = source_options({'api_url': 'https://admin:s3cret@ocp.example.com:8080/'}, {})
    assert options.shown_url == 'https://ocp.example.com:8080/'
    assert 's3cret' not in repr(options.scope)
