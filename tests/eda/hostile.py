# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Text from OCP written as Jinja: what each piece runs if Ansible ever templates it (a command
that leaves a marker file), and how to find out whether any did. Each piece has an expression and a
statement, so that neither kind of template slips through."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

# Unprintable characters a page must escape, never carry.
RAW_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@dataclass
class Payloads:
    directory: Path

    def text(self, what: str) -> str:
        """Jinja that leaves the marker ``pwned-<what>`` (and ``pwned-<what>-statement``) when templated."""
        marker = self.directory / f"pwned-{what}"
        return (f"{what} {{{{ lookup('pipe', 'touch {marker}') }}}} "
                f"{{% set x = lookup('pipe', 'touch {marker}-statement') %}}{{# {what} #}}")

    def markers(self) -> list[str]:
        return sorted(path.name for path in self.directory.glob("pwned-*"))


def page_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def strings_in(value) -> list[str]:
    """Every string in a structure of dicts and lists, keys included."""
    if isinstance(value, dict):
        return [string for key, item in value.items() for string in [str(key), *strings_in(item)]]
    if isinstance(value, list):
        return [string for item in value for string in strings_in(item)]
    return [value] if isinstance(value, str) else []
