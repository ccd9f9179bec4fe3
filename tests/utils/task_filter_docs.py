# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The copies of the task list's filter table (plugins/module_utils/tasks/filters.py) in files
that cannot import it: documentation, the role's argument spec and the role's task that passes
the filters on.

    python tests/utils/task_filter_docs.py write    rewrite every copy from the table (`make docs`)
    python tests/utils/task_filter_docs.py check    fail when a copy is stale

Each copy lies between a BEGIN and an END marker line (a YAML comment) in its file; the doc
fragment plugins/doc_fragments/task_filters.py is written whole. tests/unit/test_task_filter_docs.py
runs the check, so a filter added to the table without `make docs` fails the unit tests.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BEGIN = "# BEGIN task filters: written by `make docs` from plugins/module_utils/tasks/filters.py"
END = "# END task filters"
FRAGMENT = ROOT / "plugins" / "doc_fragments" / "task_filters.py"
ROLE_SPECS = ROOT / "roles" / "task_supervisor" / "meta" / "argument_specs.yml"
ROLE_TASKS = ROOT / "roles" / "task_supervisor" / "tasks" / "main.yml"
EVENT_SOURCE = ROOT / "extensions" / "eda" / "plugins" / "event_source" / "ocp_task_events.py"
OCP_API = ROOT / "plugins" / "modules" / "ocp_api.py"


def task_filters():
    """The table. The collection must be importable: `make docs` puts its copy on PYTHONPATH, and the
    unit tests run inside it."""
    from ansible_collections.oceanbase.ocp.plugins.module_utils.tasks.filters import TASK_FILTERS
    return TASK_FILTERS


def _option_lines(task_filter, indent):
    pad = " " * indent
    lines = [f"{pad}{task_filter.option}:", f"{pad}  description: {task_filter.description}"]
    lines.append(f"{pad}  type: {task_filter.type}")
    if task_filter.type == "list":
        lines.append(f"{pad}  elements: str")
    if task_filter.choices:
        lines.append(f"{pad}  choices: [{', '.join(task_filter.choices)}]")
    return lines


def fragment(filters) -> str:
    options = "\n".join(line for task_filter in filters for line in _option_lines(task_filter, 2))
    return f'''# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Written by `make docs` from plugins/module_utils/tasks/filters.py (tests/utils/task_filter_docs.py):
# change the table there, not this file.

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment:
    # The filters of OCP's task list, as ocp_task_info takes them.
    DOCUMENTATION = r\'\'\'
options:
{options}
\'\'\'
'''


def role_spec_block(filters) -> list:
    return [line for task_filter in filters for line in _option_lines(task_filter, 10)]


def reuse_task_block(filters) -> list:
    """ocp_api's reuse_task suboptions: every filter but status, which reuse_task's decision reads."""
    return [line for task_filter in filters if task_filter.option != "status" for line in _option_lines(task_filter, 6)]


def role_task_block(filters) -> list:
    return [f'        {task_filter.option}: "{{{{ task_supervisor_filter.{task_filter.option} | default(omit) }}}}"'
            for task_filter in filters]


def event_source_block(filters) -> list:
    named = []
    for task_filter in filters:
        if task_filter.option == "status":
            continue  # each of the source's queries sets the status itself
        text = f"C({task_filter.option})"
        if task_filter.choices:
            text += " (" + ", ".join(f"C({choice})" for choice in task_filter.choices) + ")"
        named.append(text)
    # One YAML plain scalar: a line ending in ":" would make it a mapping key, and sanity's pep8 wants
    # lines the width of the rest of the file.
    sentence = ("The filters are those of the task_supervisor role's C(task_supervisor_filter) but C(status), that is "
                + ", ".join(named) + ".")
    return textwrap.wrap(sentence, width=120, initial_indent="      - ", subsequent_indent="        ",
                         break_on_hyphens=False)


def _between_markers(text: str, block: list, path: Path) -> str:
    lines = text.split("\n")
    starts = [index for index, line in enumerate(lines) if line.strip() == BEGIN]
    ends = [index for index, line in enumerate(lines) if line.strip() == END]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise SystemExit(f"{path}: expected one '{BEGIN}' line and one '{END}' line after it")
    return "\n".join(lines[:starts[0] + 1] + block + lines[ends[0]:])


def expected() -> dict:
    """{path: the file's text with every copy of the table current}."""
    filters = task_filters()
    files = {FRAGMENT: fragment(filters)}
    for path, block in ((ROLE_SPECS, role_spec_block(filters)), (ROLE_TASKS, role_task_block(filters)),
                        (EVENT_SOURCE, event_source_block(filters)), (OCP_API, reuse_task_block(filters))):
        files[path] = _between_markers(path.read_text(), block, path)
    return files


def stale() -> list:
    return [path for path, text in expected().items() if not path.exists() or path.read_text() != text]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("mode", choices=["write", "check"])
    args = parser.parse_args(argv)
    if args.mode == "write":
        for path, text in expected().items():
            if not path.exists() or path.read_text() != text:
                path.write_text(text)
                print(f"wrote {path.relative_to(ROOT)}")
        return 0
    out_of_date = stale()
    for path in out_of_date:
        print(f"{path.relative_to(ROOT)} is not current with the filter table; run `make docs`", file=sys.stderr)
    return 1 if out_of_date else 0


if __name__ == "__main__":
    sys.exit(main())
