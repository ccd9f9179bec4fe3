# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Put get_pip_standin.py where the installed ansible-test looks for its pip bootstrap script."""

from __future__ import annotations

import os
import re
import shutil
import sys

import ansible_test


def pip_versions_wanted() -> set[str]:
    # ansible-test pins the pip of its virtual environments in get_venv_packages().
    source_path = os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py")
    with open(source_path, encoding="utf-8") as source:
        versions = set(re.findall(r"pip='([0-9.]+)'", source.read()))
    if not versions:
        raise SystemExit(f"cannot find the pip version ansible-test pins in {source_path}")
    return versions


def main() -> int:
    standin = os.path.join(os.path.dirname(os.path.abspath(__file__)), "get_pip_standin.py")
    cache_dir = os.path.expanduser("~/.ansible/test/cache")
    os.makedirs(cache_dir, exist_ok=True)
    for version in sorted(pip_versions_wanted()):
        target = os.path.join(cache_dir, "get_pip_%s.py" % version.replace(".", "_"))
        shutil.copyfile(standin, target)
        print(f"pip bootstrap stand-in: {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
