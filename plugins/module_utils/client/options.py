# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection options: the one table the modules' argument spec, the wait plugin and the
event source's arguments are made from (documented in plugins/doc_fragments/connection.py).

Each option falls back on an OCP_* environment variable, the names AWX and EDA credential types
inject. A secret is never shown (Ansible's no_log, and masked wherever the collection prints).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections

ConnectionOption = collections.namedtuple('ConnectionOption', ['name', 'type', 'default', 'variable', 'secret'])

CONNECTION_OPTIONS = (
    ConnectionOption('api_url', 'str', None, 'OCP_URL', False),
    ConnectionOption('username', 'str', None, 'OCP_USERNAME', False),
    ConnectionOption('password', 'str', None, 'OCP_PASSWORD', True),
    ConnectionOption('access_key_id', 'str', None, 'OCP_ACCESS_KEY_ID', False),
    ConnectionOption('access_key_secret', 'str', None, 'OCP_ACCESS_KEY_SECRET', True),
    ConnectionOption('validate_certs', 'bool', True, 'OCP_VALIDATE_CERTS', False),
    ConnectionOption('ca_path', 'path', None, 'OCP_CA_PATH', False),
    ConnectionOption('request_timeout', 'float', 30.0, 'OCP_REQUEST_TIMEOUT', False),
    ConnectionOption('request_retries', 'int', 3, 'OCP_REQUEST_RETRIES', False),
)
# The OCP_* variable of each option, by option name.
VARIABLES = dict((option.name, option.variable) for option in CONNECTION_OPTIONS)
SECRET_OPTIONS = tuple(option.name for option in CONNECTION_OPTIONS if option.secret)
# The two kinds of credentials OCP takes: HTTP Basic, or an access key that signs each request.
CREDENTIAL_KINDS = tuple(tuple((name, VARIABLES[name]) for name in kind)
                         for kind in (('username', 'password'), ('access_key_id', 'access_key_secret')))
CREDENTIAL_OPTIONS = frozenset(name for kind in CREDENTIAL_KINDS for name, _variable in kind)
