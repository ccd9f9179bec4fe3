# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
import responses


@pytest.fixture
def mocked():
    """Scripted HTTP: a request nothing answers fails the test, and so does an answer never asked for."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock
