"""How OCP's Java code writes times, for the two places clients read them.

OCP writes a time in two different ways, and clients parse both:

- JSON fields (`timestamp`, `startTime`, ...) go through Jackson, which uses
  `DateTimeFormatter.ISO_OFFSET_DATE_TIME`: seconds always, the fraction with its
  trailing zeros dropped (`.17`), no fraction at all when it is zero.
- The separator line of a subtask log is `OffsetDateTime.now().toString()`
  (OCP Express `RunnerFactory.addLogSeparator`): seconds left out when they and the
  fraction are zero, the fraction in groups of 3, 6 or 9 digits.

Both write the offset as `+08:00`, and `Z` for UTC.
"""


def jackson_timestamp(moment):
    """`2021-08-25T15:10:13.17+08:00`, `2021-08-25T15:10:13+08:00`: ISO_OFFSET_DATE_TIME."""
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += "." + f"{moment.microsecond:06d}".rstrip("0")
    return text + _offset(moment)


def offset_date_time_string(moment):
    """`2024-01-08T10:21:07.123+08:00`, `2024-01-08T10:21+08:00`: OffsetDateTime.toString()."""
    text = moment.strftime("%Y-%m-%dT%H:%M")
    if moment.second or moment.microsecond:
        text += f":{moment.second:02d}"
    if moment.microsecond:
        if moment.microsecond % 1000 == 0:
            text += f".{moment.microsecond // 1000:03d}"
        else:
            text += f".{moment.microsecond:06d}"
    return text + _offset(moment)


def _offset(moment):
    """`+08:00`, `-03:30`, or `Z` for a zero offset (java.time.ZoneOffset.getId())."""
    seconds = int(moment.utcoffset().total_seconds())
    if seconds == 0:
        return "Z"
    sign = "+" if seconds > 0 else "-"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{sign}{hours:02d}:{minutes:02d}"
    return text + f":{seconds:02d}" if seconds else text
