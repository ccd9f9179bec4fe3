"""Request bodies read the way OCP's JSON parser (Jackson, inside Spring) reads them.

OCP binds a body to a Java class with Jackson, configured as OCP Express's JacksonFactory
shows (FAIL_ON_UNKNOWN_PROPERTIES off, the other features Jackson's defaults), then checks
it with Bean Validation. So:
- unknown fields are ignored (an upgrade body with only `version` lacks `rpmFileName`);
- scalars are coerced: "5" or 5.0 for an Integer is 5 (a float is truncated: ACCEPT_FLOAT_AS_INT),
  5 or true for a String is "5" / "true", "true" for a Boolean is true; "" for a number is null;
- a number outside the Java type's range (unitCount 10^30, port 10^40) is a 400, never a value;
- an array where an object is expected, or an object where a string is, is a 400;
- NaN and Infinity are not JSON (ALLOW_NON_NUMERIC_NUMBERS off): 400;
- nesting deeper than 1000 levels is a 400 (Jackson 2.15's StreamReadConstraints maxNestingDepth),
  where Python's parser would run out of stack; so is a number written with more than 1000
  characters (maxNumberLength), and a text of digits too long for any Java number is out of range
  without being converted (Python refuses int() beyond 4300 digits).
Every problem is a BadRequest naming the field, which the HTTP layer answers with 400; a wrong
value is quoted short.
"""

import json
import math
import re

from .errors import BadRequest
from .profiles import NOT_BLANK, THREE_KINDS, TWO_OF_EACH

MAX_NESTING_DEPTH = 1000
MAX_NUMBER_LENGTH = 1000
JAVA_RANGES = {"int": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
# More significant digits than a Java long has (19): out of every Java range, whatever they are.
_JAVA_DIGITS = 19
# How much of a wrong value a message quotes.
SHOWN_CHARS = 60
# OCP Express CreateTenantParam: @Pattern(regexp = "^[a-zA-Z][a-zA-Z_0-9]{1,63}$").
TENANT_NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]{1,63}")
HOST_KINDS = ("DEDICATED_PHYSICAL_MACHINE", "DEDICATED_CONTAINER")
TENANT_MODES = ("MYSQL", "ORACLE")

_STRUCTURE = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def read_json(data):
    """The JSON document in `data` (bytes); None for an empty body; BadRequest if malformed."""
    if not data:
        return None
    if _nesting_depth_exceeds(data, MAX_NESTING_DEPTH):
        raise BadRequest(f"the JSON document nests deeper than {MAX_NESTING_DEPTH} levels")
    try:
        return json.loads(data, parse_constant=_refuse_constant, parse_int=_json_int, parse_float=_json_float)
    except RecursionError:
        # Within the limit above, but deeper than Python's parser goes on this thread's stack.
        raise BadRequest("the JSON document nests too deeply to be read") from None
    except ValueError:
        raise BadRequest("malformed JSON request body") from None


def _refuse_constant(name):
    raise ValueError(f"{name} is not a JSON number")


def _number_length(text):
    if len(text) > MAX_NUMBER_LENGTH:
        raise BadRequest(f"a number in the JSON document is longer than {MAX_NUMBER_LENGTH} characters")
    return text


def _json_int(text):
    return int(_number_length(text))


def _json_float(text):
    return float(_number_length(text))


def decimal(text):
    """The integer a decimal text (``[+-]digits``, checked by the caller) stands for. One with more
    digits than any Java number holds comes back as a number as far out of range (10^19 with its
    sign), never converted: Python refuses int() of a text beyond 4300 digits."""
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-").lstrip("0")
    if len(digits) > _JAVA_DIGITS:
        return sign * 10 ** _JAVA_DIGITS
    return sign * int(digits or "0")


def shown(value):
    """A value as a message quotes it: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "..."


def _nesting_depth_exceeds(data, limit):
    depth = 0
    for token in _STRUCTURE.finditer(data):
        mark = token.group()
        if mark in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif mark in (b"]", b"}"):
            depth -= 1
    return False


# ---------------------------------------------------------------- fields

def _kind_of(value):
    return "an object" if isinstance(value, dict) else "an array" if isinstance(value, list) else shown(value)


def text(body, name, *, where="", required=True):
    """A String field; required means @NotBlank. Scalars are coerced to their text."""
    label = where + name
    value = body.get(name)
    if isinstance(value, (dict, list)):
        raise BadRequest(f"{label} must be a string, got {_kind_of(value)}")
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, (int, float)):
        value = str(value)
    if value is None or not value.strip():
        if required:
            raise BadRequest(f"{label} must not be blank")
        return None
    return value


def integer(body, name, *, where="", java="int", minimum=None, maximum=None, required=True):
    """An Integer (java="int") or Long field, coerced as Jackson does, then within bounds."""
    label = where + name
    value = body.get(name)
    if isinstance(value, str):
        stripped = value.strip()
        if not stripped:
            value = None
        elif re.fullmatch(r"[+-]?\d+", stripped):
            value = decimal(stripped)
        else:
            raise BadRequest(f"{label} must be an integer, got {shown(value)}")
    if value is None:
        if required:
            raise BadRequest(f"{label} must not be null")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadRequest(f"{label} must be an integer, got {_kind_of(value)}")
    low, high = JAVA_RANGES[java]
    if isinstance(value, float) and not math.isfinite(value):
        raise BadRequest(f"{label} must be an integer, got {shown(value)}")
    if not low <= value <= high:
        raise BadRequest(f"{label} is out of the range of a Java {java}: {shown(body.get(name))}")
    number = int(value)  # a float is truncated (ACCEPT_FLOAT_AS_INT)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        bounds = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        raise BadRequest(f"{label} must be {bounds}, got {shown(value)}")
    return number


def boolean(body, name, *, where=""):
    """An optional Boolean field: true/false, "true"/"false", or 0/1."""
    label = where + name
    value = body.get(name)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise BadRequest(f"{label} must be true or false, got {_kind_of(value)}")


def enum(body, name, choices, *, where="", required=True):
    """An enum field: its text must be one of `choices`, exactly (Jackson is case-sensitive)."""
    value = text(body, name, where=where, required=required)
    if value is not None and value not in choices:
        raise BadRequest(f"{where}{name} must be one of {', '.join(choices)}, got {shown(value)}")
    return value


def obj(body, name, *, where="", required=True):
    label = where + name
    value = body.get(name)
    if value is None:
        if required:
            raise BadRequest(f"{label} must not be null")
        return None
    if not isinstance(value, dict):
        raise BadRequest(f"{label} must be an object, got {_kind_of(value)}")
    return value


def array(body, name, *, where="", required=True, non_empty=True):
    label = where + name
    value = body.get(name)
    if value is None:
        if required:
            raise BadRequest(f"{label} must not be empty")
        return None
    if not isinstance(value, list):
        raise BadRequest(f"{label} must be an array, got {_kind_of(value)}")
    if non_empty and not value:
        raise BadRequest(f"{label} must not be empty")
    return value


def text_array(body, name, *, where="", required=False):
    values = array(body, name, where=where, required=required, non_empty=False)
    if values is None:
        return None
    return [text({"item": item}, "item", where=f"{where}{name}[{index}].")
            for index, item in enumerate(values)]


# ---------------------------------------------------------------- OCP's rules

TWO_OF_EACH_SPECIALS = "._+@#$%"
THREE_KINDS_SPECIALS = "~!@#%^&*_-+=|(){}[]:;,.?/"


def check_password(rule, password, label="rootPassword"):
    """OCP's rule for a tenant administrator password; BadRequest saying the rule otherwise.

    TWO_OF_EACH (OCP 3.1 to 4.2, createTenant's rootPassword): 8 to 32 characters, at least
    two digits, two upper-case and two lower-case letters and two of `._+@#$%`, nothing else.
    THREE_KINDS (OCP 4.3): 8 to 32 characters, at least three of digits, upper-case letters,
    lower-case letters and `~!@#%^&*_-+=|(){}[]:;,.?/`, nothing else. NOT_BLANK: OCP Express.
    """
    if rule == NOT_BLANK:
        return
    specials = TWO_OF_EACH_SPECIALS if rule == TWO_OF_EACH else THREE_KINDS_SPECIALS
    counts = {
        "digits": sum(c.isascii() and c.isdigit() for c in password),
        "upper": sum(c.isascii() and c.isupper() for c in password),
        "lower": sum(c.isascii() and c.islower() for c in password),
        "special": sum(c in specials for c in password),
    }
    allowed = sum(counts.values()) == len(password)
    if rule == TWO_OF_EACH:
        valid = all(count >= 2 for count in counts.values())
        wanted = (f"at least two digits, two upper-case letters, two lower-case letters and two of "
                  f"{' '.join(specials)}")
    elif rule == THREE_KINDS:
        valid = sum(count > 0 for count in counts.values()) >= 3
        wanted = f"at least three of: digits, upper-case letters, lower-case letters, {specials}"
    else:
        raise ValueError(f"unknown password rule {rule!r}")
    if not (8 <= len(password) <= 32 and allowed and valid):
        raise BadRequest(f"{label} must be 8 to 32 characters long, with {wanted} and no other characters")
