# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""api_url: the address of OCP as a user gives it, checked, and as it may be shown.

A password written into api_url (``https://user:secret@host``) is refused, but until then it must
never be shown: masked_api_url and api_url_secrets find it even when a URL parser would not.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
from urllib.parse import unquote, urlsplit

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpClientError

# api_url is the OCP address; these endings mean the user pasted an API path into it.
_API_PATH_SUFFIX = re.compile(r"/api(/v[0-9]+)?/?$")


# What stands in for a password (or a token given as user info) when api_url is shown.
MASK = "********"


def _user_info_span(api_url):
    """(start, end) of the user info in ``api_url`` (between ``scheme://``, or the start when there is
    no scheme, and the last ``@``), or None.

    Taken more widely than a URL parser would (a password holding ``/`` or ``@`` unencoded is
    whole), since what it finds is masked: too much hidden is harmless, too little is a leak.
    """
    text = api_url if isinstance(api_url, str) else ""
    scheme_end = text.find("://")
    start = scheme_end + 3 if scheme_end >= 0 else 0
    end = text.rfind("@", start)
    return (start, end) if end >= 0 else None


def api_url_secrets(api_url):
    """The password of ``api_url``'s user info (or the whole user info when it has no ``:``, as a
    token would), raw and percent-decoded: the values a module must keep out of its output."""
    span = _user_info_span(api_url)
    if span is None:
        return set()
    user_info = api_url[span[0]:span[1]]
    secret = user_info.partition(":")[2] if ":" in user_info else user_info
    return set(value for value in (secret, unquote(secret)) if value)


def masked_api_url(api_url):
    """``api_url`` as it may be shown: a password in its user info replaced by ********."""
    span = _user_info_span(api_url)
    if span is None:
        return api_url
    user_info = api_url[span[0]:span[1]]
    shown = user_info.partition(":")[0] + ":" + MASK if ":" in user_info else MASK
    return api_url[:span[0]] + shown + api_url[span[1]:]


def validated_api_url(api_url):
    """``api_url`` without a trailing slash; OcpClientError naming what is wrong with it."""
    shown = masked_api_url(api_url)
    try:
        parts = urlsplit(api_url or "")
        port = parts.port  # urlsplit only checks the port when asked for it
    except ValueError:
        parts, port = None, None
    if _user_info_span(api_url) is not None:
        # Credentials in the URL would be sent as Basic auth behind the options' back, and shown
        # wherever the URL is: they belong in username/password.
        raise OcpClientError("api_url must not contain a user name or password; give them as username and "
                             "password (or OCP_USERNAME and OCP_PASSWORD), got %r" % (shown,))
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or port == 0:
        raise OcpClientError("api_url must be an http:// or https:// URL such as https://ocp.example.com:8080, "
                             "got %r" % (shown,))
    if parts.query or parts.fragment:
        raise OcpClientError("api_url must not contain a query string or fragment, got %r" % (shown,))
    if _API_PATH_SUFFIX.search(parts.path):
        raise OcpClientError("api_url must be the OCP address without the API path (no /api/v2), got %r"
                             % (shown,))
    return api_url.rstrip("/")
