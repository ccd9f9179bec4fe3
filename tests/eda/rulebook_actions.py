# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A run_playbook action of the shipped rulebook as ansible-rulebook carries it out, without the
rules engine: the rule's extra_vars rendered with the event (ansible_rulebook.util.substitute_variables),
the event itself added as ``ansible_eda`` (what Helper.collect_extra_vars adds), everything written
with yaml.dump to env/extravars of a private data directory whose project holds the playbook under
its FQCN, run by ansible_runner.run; and what ansible-rulebook posts back with post_events: the data
of the last set_stats (or set_fact) task, and only when the playbook ended with 0
(ansible_rulebook/action/runner.py and run_playbook.py)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import ansible_runner
import yaml
from ansible_rulebook.util import substitute_variables

ROOT = Path(__file__).resolve().parents[2]
RULEBOOK = ROOT / "extensions" / "eda" / "rulebooks" / "ocp_task_remediation.yml"
SET_FACT_OR_STATS = ("set_fact", "ansible.builtin.set_fact", "set_stats", "ansible.builtin.set_stats")


@dataclass
class ActionRun:
    playbook: str
    extra_vars: dict
    rc: int
    stdout: str
    # What post_events would put on the rulebook's queue, or None.
    posted: dict | None


def rule_action(rule_name: str, event: dict, rulebook_vars: dict) -> tuple[str, dict]:
    """The playbook a rule runs and the extra vars ansible-rulebook gives it for ``event``."""
    [ruleset] = yaml.safe_load(RULEBOOK.read_text(encoding="utf-8"))
    [rule] = [rule for rule in ruleset["rules"] if rule["name"] == rule_name]
    action = rule["action"]["run_playbook"]
    extra_vars = substitute_variables(action.get("extra_vars", {}), dict(rulebook_vars, event=event))
    extra_vars["ansible_eda"] = {"ruleset": ruleset["name"], "rule": rule_name, "event": event}
    return action["name"], extra_vars


def run_action(rule_name: str, event: dict, rulebook_vars: dict, env: dict, directory: Path) -> ActionRun:
    playbook, extra_vars = rule_action(rule_name, event, rulebook_vars)
    name = playbook.rsplit(".", 1)[1]
    private_data_dir = directory / f"eda-{name}"
    for part in ("env", "inventory", "project"):
        (private_data_dir / part).mkdir(parents=True)
    (private_data_dir / "env" / "extravars").write_text(yaml.dump(extra_vars), encoding="utf-8")
    (private_data_dir / "inventory" / "hosts").write_text("localhost ansible_connection=local\n", encoding="utf-8")
    shutil.copy(ROOT / "playbooks" / f"{name}.yml", private_data_dir / "project" / playbook)
    posted = {}

    def on_event(event_record):
        data = event_record.get("event_data", {})
        if event_record.get("event") == "runner_on_ok" and data.get("task_action") in SET_FACT_OR_STATS:
            result = data.get("res", {})
            posted["data"] = (result.get("ansible_stats", {}).get("data") if "set_stats" in data["task_action"]
                              else result.get("ansible_facts"))
        return True

    runner = ansible_runner.run(private_data_dir=str(private_data_dir), playbook=playbook, envvars=env,
                                event_handler=on_event, quiet=True, limit="localhost")
    stdout = runner.stdout.read()
    return ActionRun(playbook, extra_vars, runner.rc, stdout, posted.get("data") if runner.rc == 0 else None)
