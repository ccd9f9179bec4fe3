"""The two ways OCP's Java code writes a time (javatime.py)."""

from datetime import datetime, timedelta, timezone

import pytest

from ocp_simulator.javatime import jackson_timestamp, offset_date_time_string

CHINA = timezone(timedelta(hours=8))


@pytest.mark.parametrize("moment, text", [
    (datetime(2024, 1, 8, 10, 21, 7, 123000, CHINA), "2024-01-08T10:21:07.123+08:00"),
    (datetime(2024, 1, 8, 10, 21, 7, 170000, CHINA), "2024-01-08T10:21:07.17+08:00"),
    (datetime(2024, 1, 8, 10, 21, 7, 0, CHINA), "2024-01-08T10:21:07+08:00"),
    (datetime(2024, 1, 8, 10, 21, 0, 0, CHINA), "2024-01-08T10:21:00+08:00"),
    (datetime(2024, 1, 8, 10, 21, 7, 123456, CHINA), "2024-01-08T10:21:07.123456+08:00"),
    (datetime(2024, 1, 8, 2, 21, 7, 500000, timezone.utc), "2024-01-08T02:21:07.5Z"),
    (datetime(2024, 1, 8, 2, 21, 7, 0, timezone(timedelta(hours=-3, minutes=-30))), "2024-01-08T02:21:07-03:30"),
])
def test_jackson_drops_trailing_zeros_and_keeps_seconds(moment, text):
    assert jackson_timestamp(moment) == text


@pytest.mark.parametrize("moment, text", [
    (datetime(2024, 1, 8, 10, 21, 7, 123000, CHINA), "2024-01-08T10:21:07.123+08:00"),
    (datetime(2024, 1, 8, 10, 21, 7, 100000, CHINA), "2024-01-08T10:21:07.100+08:00"),
    (datetime(2024, 1, 8, 10, 21, 7, 123456, CHINA), "2024-01-08T10:21:07.123456+08:00"),
    (datetime(2024, 1, 8, 10, 21, 7, 0, CHINA), "2024-01-08T10:21:07+08:00"),
    (datetime(2024, 1, 8, 10, 21, 0, 0, CHINA), "2024-01-08T10:21+08:00"),
    (datetime(2024, 1, 8, 10, 21, 0, 1000, CHINA), "2024-01-08T10:21:00.001+08:00"),
    (datetime(2024, 1, 8, 2, 21, 0, 0, timezone.utc), "2024-01-08T02:21Z"),
])
def test_offset_date_time_to_string_groups_the_fraction_by_three(moment, text):
    assert offset_date_time_string(moment) == text
