# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make demo`: start the OCP simulator, run examples/demo.yml against it, stop the simulator, and
say what to do next (README.md's next step)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "integration"))

from harness import ADMIN_USER, start_simulator  # noqa: E402  pylint: disable=wrong-import-position
from install_collection import NEXT_STEP  # noqa: E402  pylint: disable=wrong-import-position

DEMO_SCENARIO = os.environ.get("OCP_DEMO_SCENARIO")
# Simulated seconds per real second: the tenant creations of demo.yaml end in well under 30 s.
DEMO_SPEED = float(os.environ.get("OCP_DEMO_SPEED", "40"))


def demo_report_path() -> Path:
    """Where the demo's report goes: OCP_DEMO_REPORT, else a directory of this user's own in the
    temporary directory (mode 0700), so that two users of one runner neither share nor clash."""
    if os.environ.get("OCP_DEMO_REPORT"):
        return Path(os.environ["OCP_DEMO_REPORT"])
    directory = Path(tempfile.gettempdir()) / ("ocp-demo-%d" % os.getuid())
    directory.mkdir(mode=0o700, exist_ok=True)
    if directory.stat().st_uid != os.getuid():
        raise SystemExit("%s belongs to another user; set OCP_DEMO_REPORT to a path of your own" % directory)
    return directory / "report.json"


def main() -> int:
    import ocp_simulator.scenario  # pylint: disable=import-outside-toplevel

    scenario = Path(DEMO_SCENARIO or Path(ocp_simulator.scenario.__file__).parent / "scenarios" / "demo.yaml")
    with tempfile.TemporaryDirectory(prefix="ocp-demo-") as tmp:
        simulator = start_simulator(Path(tmp), tls=False, scenario=scenario, speed=DEMO_SPEED)
        try:
            print(f"OCP simulator serving {scenario.name} at {simulator.url}, {DEMO_SPEED:g}x speed", flush=True)
            env = dict(os.environ, OCP_URL=simulator.url, OCP_USERNAME=ADMIN_USER[0], OCP_PASSWORD=ADMIN_USER[1],
                       ANSIBLE_PYTHON_INTERPRETER=sys.executable, OCP_DEMO_REPORT=str(demo_report_path()))
            command = ["ansible-playbook", "-i", "localhost,", "-c", "local", str(ROOT / "examples" / "demo.yml")]
            returncode = subprocess.run(command, env=env, check=False).returncode
        finally:
            simulator.process.terminate()
            simulator.process.wait(timeout=30)
    if returncode == 0:
        print("\nNext, install the collection for your own playbooks and read a module's documentation:\n\n"
              "  %s\n\nThen README.md, \"After the demo\", shows how to run playbooks against the simulator."
              % NEXT_STEP, flush=True)
    return returncode


if __name__ == "__main__":
    sys.exit(main())
