# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The arguments of the ``oceanbase.ocp.ocp_task_events`` source, checked, with the ``OCP_*``
environment filling in the connection as it does for the modules.

ansible-rulebook hands a source its arguments as a plain dict, often rendered from variables
(so numbers may come as text), and checks nothing; Ansible's argument spec is not available
there (ansible-core need not be installed where ansible-rulebook runs). So this file does that
work, and reports every mistake at once, by name, before anything is sent to OCP.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import re
from urllib.parse import urlsplit, urlunsplit

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.backoff import RetryPolicy
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.credentials import with_environment_credentials
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpClientError
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.ocp_client import OcpClient
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.options import CONNECTION_OPTIONS, CREDENTIAL_OPTIONS
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.filters import ID_FILTERS, TASK_FILTERS

# The source's ``filters``: those of ocp_task_info and the role's task_supervisor_filter, by the same
# names, which TaskApi turns into OCP's; all but status, which each of the source's queries sets itself.
FILTERS = dict((task_filter.option, task_filter) for task_filter in TASK_FILTERS if task_filter.option != 'status')
INITIAL_EVENTS = ('none', 'failures')
SOURCE_ARGUMENTS = frozenset(['interval', 'filters', 'running_long', 'checkpoint', 'initial_events', 'sweep_every',
                              'max_backoff', 'log_lines'])
DEFAULTS = dict(interval=10.0, initial_events='none', sweep_every=6, max_backoff=300.0, log_lines=10)
DEFAULTS.update((option.name, option.default) for option in CONNECTION_OPTIONS if option.default is not None)
_TRUE = frozenset(['true', 'yes', 'on', '1'])
_FALSE = frozenset(['false', 'no', 'off', '0'])


class SourceOptions(collections.namedtuple('SourceOptions', [
        'api_url', 'connection', 'interval', 'filters', 'running_long', 'checkpoint', 'initial_events',
        'sweep_every', 'max_backoff', 'log_lines'])):
    """Checked arguments. ``connection`` holds OcpClient's keyword arguments (secrets included:
    never print it); ``filters`` uses OCP's parameter names; ``running_long`` is a tuple of
    ``(compiled pattern, seconds)``."""

    __slots__ = ()

    @property
    def shown_url(self):
        """api_url as events and the checkpoint show it: without a ``user:password@`` part."""
        return _without_userinfo(self.api_url)

    @property
    def scope(self):
        """What a checkpoint is valid for: the same OCP, the same tasks."""
        return dict(api_url=(self.shown_url or '').rstrip('/'), filters=dict(self.filters))


def _without_userinfo(url):
    if not url:
        return url
    parts = urlsplit(url)
    if '@' not in parts.netloc:
        return url
    return urlunsplit((parts.scheme, parts.netloc.rsplit('@', 1)[1], parts.path, parts.query, parts.fragment))


def _given(value):
    return value is not None and not (isinstance(value, str) and not value.strip())


def _number(name, value, errors, minimum, integer=False, strictly_above=False):
    try:
        if isinstance(value, bool):
            raise ValueError
        number = int('%s' % value) if integer else float(value)
    except (TypeError, ValueError):
        errors.append('%s must be %s, got %r' % (name, 'an integer' if integer else 'a number', value))
        return None
    if number < minimum or (strictly_above and number == minimum):
        errors.append('%s must be %s %s, got %r' % (name, 'above' if strictly_above else 'at least', minimum, value))
        return None
    return number


def _boolean(name, value, errors):
    if isinstance(value, bool):
        return value
    text = ('%s' % value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    errors.append('%s must be true or false, got %r' % (name, value))
    return None


def _connection(args, environ, errors):
    values = {}
    for option in CONNECTION_OPTIONS:
        value = args.get(option.name)
        if not _given(value) and option.name not in CREDENTIAL_OPTIONS:
            value = environ.get(option.variable)
        values[option.name] = value if _given(value) else None
    # As the modules do: the kind of credentials the rulebook gives wins over the other kind in the environment.
    values = with_environment_credentials(values, environ)
    if values['api_url'] is None:
        errors.append('api_url is required (or the OCP_URL environment variable)')
    validate = values['validate_certs']
    timeout = values['request_timeout']
    retries = values['request_retries']
    return dict(
        api_url=values['api_url'],
        username=values['username'], password=values['password'],
        access_key_id=values['access_key_id'], access_key_secret=values['access_key_secret'],
        validate_certs=DEFAULTS['validate_certs'] if validate is None else _boolean('validate_certs', validate, errors),
        ca_path=values['ca_path'],
        request_timeout=DEFAULTS['request_timeout'] if timeout is None else _number(
            'request_timeout', timeout, errors, 0, strictly_above=True),
        request_retries=DEFAULTS['request_retries'] if retries is None else _number(
            'request_retries', retries, errors, 0, integer=True),
    )


def _filters(raw, errors):
    if not _given(raw):
        return {}
    if not isinstance(raw, dict):
        errors.append('filters must be a mapping such as {cluster_name: obcluster}, got %r' % (raw,))
        return {}
    filters = {}
    for key, value in sorted(raw.items()):
        if key not in FILTERS:
            errors.append('unknown filter %r; known: %s' % (key, ', '.join(sorted(FILTERS))))
            continue
        if not _given(value):
            continue
        choices = FILTERS[key].choices
        if key in ID_FILTERS:
            value = _number('filters.%s' % key, value, errors, 1, integer=True)
        elif choices and value not in choices:
            errors.append('filters.%s must be one of %s, got %r' % (key, ', '.join(choices), value))
            continue
        if value is not None:
            filters[key] = value
    return filters


def _running_long(raw, errors):
    if not _given(raw):
        return ()
    if not isinstance(raw, list):
        errors.append('running_long must be a list of {name: <pattern>, seconds: <limit>}, got %r' % (raw,))
        return ()
    rules = []
    for index, rule in enumerate(raw):
        where = 'running_long[%d]' % index
        if not isinstance(rule, dict) or set(rule) - set(['name', 'seconds']) or 'seconds' not in rule:
            errors.append('%s must be {name: <subtask name pattern>, seconds: <limit>}, got %r' % (where, rule))
            continue
        try:
            pattern = re.compile(rule.get('name') or '')
        except (re.error, TypeError) as error:
            errors.append('%s.name is not a regular expression: %s' % (where, error))
            continue
        seconds = _number('%s.seconds' % where, rule['seconds'], errors, 0, strictly_above=True)
        if seconds is not None:
            rules.append((pattern, seconds))
    return tuple(rules)


def source_options(args, environ):
    """SourceOptions from the rulebook's ``args`` and the process ``environ``; raises
    OcpClientError naming every mistake. Keys ansible-rulebook adds (``eda_*``) are ignored."""
    args = dict((key, value) for key, value in (args or {}).items() if not key.startswith('eda_'))
    errors = []
    known = SOURCE_ARGUMENTS | set(option.name for option in CONNECTION_OPTIONS)
    for key in sorted(set(args) - known):
        errors.append('unknown argument %r; known: %s' % (key, ', '.join(sorted(known))))
    connection = _connection(args, environ, errors)

    def option(name, **checks):
        value = args.get(name)
        if not _given(value):
            return DEFAULTS[name]
        return _number(name, value, errors, **checks)

    interval = option('interval', minimum=0, strictly_above=True)
    sweep_every = option('sweep_every', minimum=0, integer=True)
    max_backoff = option('max_backoff', minimum=0, strictly_above=True)
    log_lines = option('log_lines', minimum=0, integer=True)
    initial = args.get('initial_events')
    initial = DEFAULTS['initial_events'] if not _given(initial) else ('%s' % initial).strip().lower()
    if initial not in INITIAL_EVENTS:
        errors.append('initial_events must be one of %s, got %r' % (', '.join(INITIAL_EVENTS), args.get('initial_events')))
    checkpoint = args.get('checkpoint')
    options = SourceOptions(
        api_url=connection['api_url'], connection=connection, interval=interval,
        filters=_filters(args.get('filters'), errors), running_long=_running_long(args.get('running_long'), errors),
        checkpoint=('%s' % checkpoint) if _given(checkpoint) else None, initial_events=initial,
        sweep_every=sweep_every, max_backoff=max_backoff, log_lines=log_lines)
    if errors:
        raise OcpClientError('the ocp_task_events source cannot start: ' + '; '.join(errors))
    return options


def client_from_options(options):
    """The OcpClient the options describe; raises OcpClientError on bad credentials or api_url."""
    connection = dict(options.connection)
    retries = connection.pop('request_retries')
    return OcpClient(retry_policy=RetryPolicy(max_retries=retries), **connection)
