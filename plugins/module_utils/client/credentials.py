# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The two kinds of credentials OCP takes (a user and password, or an access key), and the OCP_*
variables they fall back on: which kind a task uses, and what is missing.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.auth import OcpAccessKeyAuth, OcpBasicAuth
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpClientError
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.options import CREDENTIAL_KINDS


def with_environment_credentials(params, environ=None):
    """``params`` with the credentials the task left out taken from the non-empty OCP_* variables.

    A kind of credentials the task gives (any of username/password, or of the access key's two)
    is completed from the environment, and the other kind's variables are left alone: a task
    with an access key next to OCP_USERNAME/OCP_PASSWORD exported in the shell, or injected by an
    AWX credential, uses the access key. With no credentials in the task, the environment's are
    used as they are (both kinds there is an error, named by connection_option_errors).
    """
    environ = os.environ if environ is None else environ
    resolved = dict(params)
    chosen = [kind for kind in CREDENTIAL_KINDS if any(params.get(name) for name, _variable in kind)]
    for kind in CREDENTIAL_KINDS:
        if chosen and kind not in chosen:
            continue
        for name, variable in kind:
            if not resolved.get(name) and environ.get(variable):
                resolved[name] = environ[variable]
    return resolved


def credentials_problem(username, password, access_key_id, access_key_secret):
    """What is wrong with the credentials given (empty counts as not given), or None.

    The messages name the OCP_* variables too: with AWX or CI, the credentials usually come
    from there, not from the playbook."""
    values = dict(username=username, password=password, access_key_id=access_key_id,
                  access_key_secret=access_key_secret)
    kinds_given = [kind for kind in CREDENTIAL_KINDS if any(values[name] for name, _variable in kind)]
    if not kinds_given:
        return ("no credentials: give username and password (or set OCP_USERNAME and OCP_PASSWORD), or "
                "access_key_id and access_key_secret (or set OCP_ACCESS_KEY_ID and OCP_ACCESS_KEY_SECRET)")
    if len(kinds_given) > 1:
        given = [name for kind in kinds_given for name, _variable in kind if values[name]]
        return ("give either username/password (OCP_USERNAME/OCP_PASSWORD) or access_key_id/access_key_secret "
                "(OCP_ACCESS_KEY_ID/OCP_ACCESS_KEY_SECRET), not both; got %s from the options or the environment"
                % ", ".join(given))
    [kind] = kinds_given
    missing = [(name, variable) for name, variable in kind if not values[name]]
    if missing:
        [(name, variable)] = missing
        (first, _first_variable), (second, _second_variable) = kind
        present = second if name == first else first
        return ("%s and %s go together: got %s without %s (give the %s option or set %s)"
                % (first, second, present, name, name, variable))
    return _unusable_characters(values)


def _printable_ascii(text, spaces):
    return all(' ' < char <= '~' or (spaces and char == ' ') for char in text)


def _unusable_characters(values):
    """Characters the credentials cannot carry, named by option and never quoted: a stray newline
    from a copied key would otherwise end in an error that quotes the computed signature."""
    if values['access_key_id'] or values['access_key_secret']:
        if not _printable_ascii(values['access_key_id'], spaces=False):
            return ('access_key_id may hold only printable ASCII characters, no spaces (it is sent in a header '
                    'as it is); look for a stray newline or space in the option or OCP_ACCESS_KEY_ID')
        if not _printable_ascii(values['access_key_secret'], spaces=True):
            return ('access_key_secret may hold only printable ASCII characters, as the keys OCP issues do; look '
                    'for a stray newline in the option or OCP_ACCESS_KEY_SECRET')
        return None
    for name in ('username', 'password'):
        try:
            values[name].encode('latin-1')
        except UnicodeEncodeError:
            return ('%s must be Latin-1 text, which HTTP Basic authentication carries; look for a stray character '
                    'in the option or OCP_%s' % (name, name.upper()))
    if any(char in values[name] for name in ('username', 'password') for char in '\r\n\x00'):
        return ('username and password must not hold a newline or NUL; look for a stray one in the options or '
                'OCP_USERNAME and OCP_PASSWORD')
    return None


def auth_from_credentials(username, password, access_key_id, access_key_secret):
    """The auth hook for the one complete credential pair; anything else is a configuration error."""
    problem = credentials_problem(username, password, access_key_id, access_key_secret)
    if problem:
        raise OcpClientError(problem)
    if username:
        return OcpBasicAuth(username, password)
    return OcpAccessKeyAuth(access_key_id, access_key_secret)
