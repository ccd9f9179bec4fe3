"""Faults for the tasks that task-starting calls create (a scenario's `start_faults`).

Without them, a tenant created through the API always succeeds, and a user cannot try a
remediation policy on the operation they just started. An entry says which kind of task,
which names, and the faults, in the same format as a scenario task's `faults`:

    start_faults:
      - template: create_tenant       # the task the call starts (see STARTED_BY)
        match: {name: "t_fail*"}      # optional: glob on the name the call gives
        faults:
          "Create resource pool":
            - {fail_attempts: [1, 1], message: "ERROR 4012 (HY000): Timeout"}

An entry may also change the task's subtasks, as a scenario task can (templates.customized):
`add_subtasks: [{name, after, before, ...}]`, `rename_subtasks: {old: new}`; its faults then
name the subtasks as renamed and added.

The first entry that matches a call gives its task's faults; a call no entry matches
starts a task without faults.
"""

import fnmatch
from dataclasses import dataclass

from .model import parse_faults
from .templates import TEMPLATES, customized, subtask_names

# The templates a task-starting call creates, and what `match.name` is compared with.
STARTED_BY = {
    "create_tenant": "the tenant name (createTenant)",
    "upgrade_cluster": "the cluster name (upgrade)",
    "take_over_cluster": "the cluster name (takeOver: clusterName, else cluster_<address>)",
    "add_hosts": "the host address (batchCreate: one task per innerIpAddress)",
}
ENTRY_KEYS = ("template", "match", "faults", "add_subtasks", "rename_subtasks")


class StartFaultError(ValueError):
    """A bad entry; `key` is the offending part of it (".faults", ".match.name", "")."""

    def __init__(self, key, problem):
        super().__init__(problem)
        self.key = key
        self.problem = problem


@dataclass(frozen=True)
class StartFault:
    template: str
    name_glob: str = None     # None: every call that starts this template
    faults: dict = None       # {subtask name: [fault dict]}, as create_task takes them
    add_subtasks: list = None
    rename_subtasks: dict = None

    def task_options(self):
        """create_task's keyword arguments for the task this entry shapes."""
        return {"faults": self.faults, "add_subtasks": self.add_subtasks,
                "rename_subtasks": self.rename_subtasks}

    def matches(self, template, name):
        return template == self.template and (
            self.name_glob is None or fnmatch.fnmatchcase(name, self.name_glob))


def parse_start_fault(entry):
    """A StartFault from its scenario form, or StartFaultError naming the bad key."""
    if not isinstance(entry, dict):
        raise StartFaultError("", "must be a mapping {template, match, faults}")
    unknown = sorted(set(entry) - set(ENTRY_KEYS))
    if unknown:
        raise StartFaultError("", f"unknown key(s) {unknown}; expected some of {list(ENTRY_KEYS)}")
    template = entry.get("template")
    if template not in STARTED_BY:
        raise StartFaultError(".template", f"must be one of {sorted(STARTED_BY)} (the tasks API calls "
                                           f"start), got {template!r}")
    match = entry.get("match") or {}
    if not isinstance(match, dict) or set(match) - {"name"}:
        raise StartFaultError(".match", f"must be a mapping with only `name`, got {match!r}")
    name_glob = match.get("name")
    if name_glob is not None and (not isinstance(name_glob, str) or not name_glob):
        raise StartFaultError(".match.name", f"must be a non-empty glob, got {name_glob!r}")
    faults = entry.get("faults") or {}
    add, rename = entry.get("add_subtasks"), entry.get("rename_subtasks")
    if not isinstance(faults, dict) or not (faults or add or rename):
        raise StartFaultError(".faults", "must map subtask names to lists of faults "
                                         "(or give add_subtasks / rename_subtasks)")
    try:
        shaped = customized(TEMPLATES[template], add, rename)
    except ValueError as error:
        raise StartFaultError(".rename_subtasks" if str(error).startswith("rename") else ".add_subtasks",
                              str(error)) from None
    try:
        parse_faults(subtask_names(shaped), faults)
    except ValueError as error:
        raise StartFaultError(".faults", str(error)) from None
    return StartFault(template, name_glob, faults or None, add, rename)


class StartFaults:
    """The scenario's start_faults, consulted by each task-starting call."""

    def __init__(self, entries=()):
        self.entries = tuple(entries)

    def faults_for(self, template, name):
        """The faults for the task a call starts, or None."""
        return self.task_options(template, name)["faults"]

    def task_options(self, template, name):
        """create_task's faults, add_subtasks and rename_subtasks for the task a call starts."""
        for entry in self.entries:
            if entry.matches(template, name):
                return entry.task_options()
        return {"faults": None, "add_subtasks": None, "rename_subtasks": None}
