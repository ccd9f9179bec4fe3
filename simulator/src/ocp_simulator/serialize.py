"""Turn the engine's python values into OCP's JSON, and build OCP's response envelope.

OCP (Spring + Jackson) writes object keys in alphabetical order, leaves out null fields,
writes timestamps as ISO 8601 with offset and as many fraction digits as the time needs
(javatime.jackson_timestamp), and writes longs beyond JavaScript's safe range as strings.
Clients parse what we send here, so this is the one place those rules live.
"""

import json
from datetime import datetime

from .javatime import jackson_timestamp

# Largest integer a JavaScript/JSON double holds exactly; OCP writes bigger longs as strings.
MAX_SAFE_INTEGER = 2**53 - 1


def format_timestamp(moment):
    """`2021-08-25T15:10:13.176+08:00`, `...:13.17+08:00`, `...:13+08:00`, as Jackson writes them."""
    return jackson_timestamp(moment)


def to_json_value(value):
    """Recursively convert a python value to what OCP would put in its JSON."""
    if isinstance(value, dict):
        return {
            key: to_json_value(item)
            for key, item in sorted(value.items())
            if item is not None
        }
    if isinstance(value, (list, tuple)):
        return [to_json_value(item) for item in value]
    if isinstance(value, datetime):
        return format_timestamp(value)
    # bool is a subclass of int: keep true/false as they are.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value) if abs(value) > MAX_SAFE_INTEGER else value
    return value


def dumps(value):
    """The JSON text of a value, converted and with keys sorted at every level."""
    return json.dumps(to_json_value(value), ensure_ascii=False, sort_keys=True)


def envelope(*, status, successful, timestamp, duration_ms, trace_id, server,
             data=None, error=None):
    """OCP's response envelope; `data`/`error` left as None are omitted like any null."""
    return {
        "data": data,
        "duration": duration_ms,
        "error": error,
        "server": server,
        "status": status,
        "successful": successful,
        "timestamp": timestamp,
        "traceId": trace_id,
    }


def error_body(code, message, **extra):
    """The `error` object: `code` and `message` always, `debugMessage`/`target`/... optional."""
    return {"code": code, "message": message, **extra}
