# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a module of this collection reports an OcpError: a readable message, and what OCP said."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpApiError, OcpConnectionError


def error_details(error):
    """The structured ``error`` result of a failed module: what OCP said, and about which request."""
    if isinstance(error, OcpApiError):
        return dict(status=error.status, code=error.code, message=error.message, trace_id=error.trace_id,
                    method=error.method, path=error.path)
    if isinstance(error, OcpConnectionError):
        return dict(status=None, code=None, message=error.reason, trace_id=None, method=error.method,
                    path=error.path, ambiguous=error.ambiguous)
    return dict(status=None, code=None, message="%s" % error, trace_id=None, method=None, path=None)


def fail_from_error(module, error, **extra):
    """Fail the module for an OcpError: a readable ``msg`` plus ``error`` and ``trace_id`` results
    (quote the traceId to OCP support). ``extra`` adds results, such as the task as last read."""
    details = error_details(error)
    module.fail_json(msg="%s" % error, error=details, trace_id=details["trace_id"], **extra)
