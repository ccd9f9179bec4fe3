# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OCP's timestamps read: what OCP writes is read, anything else is an OcpClientError (never a
Python error) that the readers take as an unknown time."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pytest

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpClientError
from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.timestamps import parse_time

NOW = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


@pytest.mark.parametrize("text, moment", [
    ("2021-08-25T15:10:13.176+08:00", datetime.datetime(2021, 8, 25, 7, 10, 13, 176000, tzinfo=datetime.timezone.utc)),
    ("2021-08-25T15:10:13.17+08:00", datetime.datetime(2021, 8, 25, 7, 10, 13, 170000, tzinfo=datetime.timezone.utc)),
    ("2024-01-08T10:21+08:00", datetime.datetime(2024, 1, 8, 2, 21, tzinfo=datetime.timezone.utc)),
    ("2024-01-08T02:21:00Z", datetime.datetime(2024, 1, 8, 2, 21, tzinfo=datetime.timezone.utc)),
    ("2024-01-08T10:21:00", datetime.datetime(2024, 1, 8, 2, 21, tzinfo=datetime.timezone.utc)),  # in NOW's zone
])
def test_what_ocp_writes_is_read(text, moment):
    assert parse_time(text, NOW) == moment


@pytest.mark.parametrize("value", [None, 1714536000000, 1.5, True, ["2024-01-08T10:21+08:00"], {"a": 1}, "yesterday",
                                   "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2024-01-08T10:21:00.\u0663",
                                   "1969-12-31T23:59:59Z"])
def test_anything_else_is_a_clear_error(value):
    with pytest.raises(OcpClientError, match="OCP sent a timestamp this collection cannot read"):
        parse_time(value, NOW)
