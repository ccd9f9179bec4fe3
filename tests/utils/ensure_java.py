# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make sure a Java 17+ runtime is there for ansible-rulebook (its rules engine, Drools, runs in a JVM
through drools_jpy). Does nothing when ``java`` is 17 or newer; otherwise installs Debian's
``openjdk-17-jre-headless`` with apt-get (as root, or through sudo) and checks again.

Usage: python3 tests/utils/ensure_java.py
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

MINIMUM = 17
PACKAGE = "openjdk-17-jre-headless"


def java_major() -> int | None:
    """The major version of ``java`` on PATH (8 for "1.8.0_392", 17 for "17.0.15"), or None."""
    if shutil.which("java") is None:
        return None
    completed = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False)
    found = re.search(r'version "(?:1\.)?(\d+)', completed.stderr + completed.stdout)
    return int(found.group(1)) if found else None


def main() -> int:
    if (java_major() or 0) >= MINIMUM:
        return 0
    print(f"ansible-rulebook needs Java {MINIMUM} or newer; installing {PACKAGE}", file=sys.stderr)
    prefix = [] if os.geteuid() == 0 else (["sudo"] if shutil.which("sudo") else None)
    if prefix is None or shutil.which("apt-get") is None:
        print(f"cannot install it here (needs apt-get, as root or with sudo): install a Java {MINIMUM}+ runtime "
              "by hand", file=sys.stderr)
        return 1
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(prefix + ["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(prefix + ["apt-get", "install", "-y", "-qq", "--no-install-recommends", PACKAGE], check=True, env=env)
    if (java_major() or 0) < MINIMUM:
        print(f"java on PATH is still older than {MINIMUM}: point PATH (and JAVA_HOME) at a Java {MINIMUM}+ runtime",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
