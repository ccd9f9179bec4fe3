# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What each module of this collection carries to the host it runs on: its AnsiballZ payload.

One ansible-playbook run calls every module once with the remote files kept; for each payload
this reports its size and the collection's module_utils files inside it (what the module ships
and imports), so a change that makes a module carry code it does not run shows here.

Usage: python bench/module_payloads.py
"""

from __future__ import annotations

import base64
import io
import re
import sys
import tempfile
import zipfile
from pathlib import Path

from common import run_playbook

MODULES = ("ocp_api", "ocp_task_info", "ocp_task_action", "ocp_subtask_action")
COLLECTION_PREFIX = "ansible_collections/oceanbase/ocp/plugins/module_utils/"
# Where the payload keeps its zip of code: ansible-core 2.19 and later pass it to _ansiballz_main, earlier ones
# assign it to ZIPDATA.
_ZIPDATA = re.compile(r'''(?:zip_data=['"]|ZIPDATA = """)([A-Za-z0-9+/=]+)''')


def payload_contents(payload: Path) -> dict[str, int]:
    """{path in the payload's zip: uncompressed bytes} of the collection's module_utils files."""
    found = _ZIPDATA.search(payload.read_text())
    if found is None:
        raise RuntimeError(f"{payload} holds no ZIPDATA: not an AnsiballZ payload?")
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(found.group(1)))) as archive:
        return {info.filename[len(COLLECTION_PREFIX):]: info.file_size for info in archive.infolist()
                if info.filename.startswith(COLLECTION_PREFIX) and info.filename.endswith(".py")}


def measure() -> dict:
    with tempfile.TemporaryDirectory(prefix="ocp-bench-payloads-") as remote_tmp:
        run = run_playbook("every_module_payload.yml", {},
                           env={"ANSIBLE_KEEP_REMOTE_FILES": "1", "ANSIBLE_REMOTE_TMP": remote_tmp})
        found = {path.stem.replace("AnsiballZ_", ""): path for path in Path(remote_tmp).rglob("AnsiballZ_*.py")}
        missing = set(MODULES) - set(found)
        if missing:
            raise RuntimeError(f"no payload for {sorted(missing)}; the run said:\n{run.output[-3000:]}")
        return {module: {"bytes": found[module].stat().st_size, "module_utils": payload_contents(found[module])}
                for module in MODULES}


def markdown(result: dict, command: str) -> str:
    lines = ["## What each module carries", "",
             f"`{command}`: the AnsiballZ payload of one call of each module (ocp_task_wait runs on the controller "
             "and has none), and the collection's module_utils files inside it.", "",
             "| module | payload | collection files | their size | files |", "|---|---|---|---|---|"]
    for module, figures in result.items():
        files = figures["module_utils"]
        lines.append(f"| `{module}` | {figures['bytes'] / 1024:.0f} KiB | {len(files)} | "
                     f"{sum(files.values()) / 1024:.0f} KiB | {', '.join(sorted(files))} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    print(markdown(measure(), "python bench/module_payloads.py"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
