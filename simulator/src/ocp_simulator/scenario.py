"""Scenarios: YAML files describing the users, inventory and tasks a simulation starts with.

`load_scenario(path)` reads and validates a file into a `Scenario`; every problem is a
`ScenarioError` naming the file and the offending key (e.g. `tasks[2].faults`).
`build_engine(scenario, clock)` turns it into a running `TaskEngine`.

A task entry: template, cluster_id, tenant_id, host_ids, name, creator, type,
prohibit_rollback, count (N copies), state (as_is: starts at load; running: started a
while ago; finished: already over, its faults deciding whether it FAILED), faults.
`start_faults` give faults to the tasks that API calls start (start_faults.py).
See CONTRACT.md for the whole format, and model.parse_fault for the fault kinds.
"""

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import profiles
from .clock import MAX_SPEED, checked_speed
from .engine import RUN_TIME_COUNTINGS, START_STATES, TASK_TYPES, TaskEngine
from .errors import BadRequest, ScenarioError
from .model import parse_faults
from .start_faults import StartFaultError, parse_start_fault
from .templates import TEMPLATES, customized, subtask_names

SCENARIO_DIR = Path(__file__).with_name("scenarios")
DEFAULT_SCENARIO = SCENARIO_DIR / "default.yaml"

# ocp_version None: profiles.DEFAULT_PROFILE; rate_limit and login_lockout "default": the
# version's own (web.PROFILE_DEFAULT).
DEFAULT_SETTINGS = {"speed": 1.0, "seed": 0, "timezone_offset_minutes": 480, "max_concurrency": 10,
                    "run_time_counting": "ocp", "ocp_version": None, "rate_limit": "default",
                    "login_lockout": "default"}
TOP_LEVEL_KEYS = ("settings", "users", "clusters", "tenants", "hosts", "tasks", "http_faults", "start_faults")
TASK_KEYS = ("template", "cluster_id", "tenant_id", "host_ids", "name", "creator", "type",
             "prohibit_rollback", "count", "state", "faults", "add_subtasks", "rename_subtasks")


@dataclass
class Scenario:
    settings: dict
    users: list = field(default_factory=list)
    clusters: list = field(default_factory=list)
    tenants: list = field(default_factory=list)
    hosts: list = field(default_factory=list)
    tasks: list = field(default_factory=list)
    http_faults: list = field(default_factory=list)
    start_faults: list = field(default_factory=list)   # start_faults.StartFault
    path: str = None


def load_scenario(path=None):
    """Read and validate a scenario file (the default scenario when `path` is None)."""
    path = Path(path) if path is not None else DEFAULT_SCENARIO
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ScenarioError(path, "(file)", f"cannot read: {error.strerror or error}") from None
    except yaml.YAMLError as error:
        raise ScenarioError(path, "(file)", f"invalid YAML: {error}") from None
    return parse_scenario(raw if raw is not None else {}, path)


def parse_scenario(raw, path="<scenario>"):
    """Validate an already-parsed scenario mapping."""
    check = _Checker(path)
    check.that(isinstance(raw, dict), "(top level)", "a scenario must be a mapping")
    for key in raw:
        check.that(key in TOP_LEVEL_KEYS, key, f"unknown key; expected one of {list(TOP_LEVEL_KEYS)}")
    scenario = Scenario(
        settings=_settings(check, raw.get("settings") or {}),
        users=_users(check, check.list_of_mappings(raw, "users")),
        clusters=_clusters(check, check.list_of_mappings(raw, "clusters")),
        http_faults=check.list_of_mappings(raw, "http_faults"),
        start_faults=_start_faults(check, raw),
        path=str(path),
    )
    cluster_ids = {cluster["id"] for cluster in scenario.clusters}
    scenario.tenants = _tenants(check, check.list_of_mappings(raw, "tenants"), cluster_ids)
    scenario.hosts = _hosts(check, check.list_of_mappings(raw, "hosts"), cluster_ids)
    known = {
        "cluster_id": cluster_ids,
        "tenant_id": {tenant["id"] for tenant in scenario.tenants},
        "host_ids": {host["id"] for host in scenario.hosts},
    }
    scenario.tasks = [_task(check, f"tasks[{i}]", entry, known)
                      for i, entry in enumerate(check.list_of_mappings(raw, "tasks"))]
    return scenario


def build_engine(scenario, clock):
    """A TaskEngine holding the scenario's inventory and tasks, timed by `clock`."""
    settings = scenario.settings
    engine = TaskEngine(clock, seed=settings["seed"], max_concurrency=settings["max_concurrency"],
                        run_time_counting=settings["run_time_counting"],
                        profile=settings["ocp_version"] or profiles.DEFAULT_PROFILE)
    for cluster in scenario.clusters:
        engine.clusters[cluster["id"]] = dict(cluster)
    for tenant in scenario.tenants:
        engine.tenants[tenant["id"]] = {
            "id": tenant["id"], "name": tenant["name"], "obTenantId": tenant["obTenantId"],
            "mode": tenant["mode"], "clusterId": tenant["cluster_id"]}
    for host in scenario.hosts:
        engine.hosts[host["id"]] = {"id": host["id"], "ip": host["ip"], "clusterId": host.get("cluster_id")}
    engine.plan_history(sum(t["count"] for t in scenario.tasks if t["state"] == "finished"))
    for index, task in enumerate(scenario.tasks):
        for _copy in range(task["count"]):
            _create(engine, task, scenario.path, f"tasks[{index}]")
    return engine


def _create(engine, task, path, key):
    try:
        engine.create_task(
            task["template"], name=task.get("name"), cluster_id=task.get("cluster_id"),
            tenant_id=task.get("tenant_id"), host_ids=task.get("host_ids", ()),
            creator=task.get("creator"), task_type=task.get("type", "MANUAL"),
            prohibit_rollback=task.get("prohibit_rollback"), faults=task.get("faults"),
            status_override=task["state"], add_subtasks=task.get("add_subtasks"),
            rename_subtasks=task.get("rename_subtasks"))
    except BadRequest as error:
        raise ScenarioError(path, key, error.message) from None


class _Checker:
    """Raises ScenarioError for the file being checked."""

    def __init__(self, path):
        self.path = path

    def that(self, condition, key, problem):
        if not condition:
            raise ScenarioError(self.path, key, problem)

    def list_of_mappings(self, raw, key):
        items = raw.get(key) or []
        self.that(isinstance(items, list), key, "must be a list")
        for index, item in enumerate(items):
            self.that(isinstance(item, dict), f"{key}[{index}]", "must be a mapping")
        return items

    def only_keys(self, entry, key, allowed):
        unknown = sorted(set(entry) - set(allowed))
        self.that(not unknown, key, f"unknown key(s) {unknown}; expected some of {list(allowed)}")

    def integer(self, entry, key, name, minimum=None, required=True):
        value = entry.get(name)
        if value is None and not required:
            return
        valid = isinstance(value, int) and not isinstance(value, bool)
        self.that(valid and (minimum is None or value >= minimum), f"{key}.{name}",
                  f"must be an integer{f' >= {minimum}' if minimum is not None else ''}, got {value!r}")

    def string(self, entry, key, name, required=True):
        value = entry.get(name)
        if value is None and not required:
            return
        self.that(isinstance(value, str) and value != "", f"{key}.{name}",
                  f"must be a non-empty string, got {value!r}")

    def one_of(self, entry, key, name, choices):
        self.that(entry[name] in choices, f"{key}.{name}", f"must be one of {list(choices)}, got {entry[name]!r}")

    def unique_ids(self, entries, key):
        seen = set()
        for index, entry in enumerate(entries):
            self.that(entry["id"] not in seen, f"{key}[{index}].id", f"duplicate id {entry['id']}")
            seen.add(entry["id"])


def _is_speed(value):
    try:
        checked_speed(value)
    except ValueError:
        return False
    return True


def _settings(check, raw):
    check.that(isinstance(raw, dict), "settings", "must be a mapping")
    check.only_keys(raw, "settings", DEFAULT_SETTINGS)
    settings = {**DEFAULT_SETTINGS, **raw}
    speed = settings["speed"]
    check.that(isinstance(speed, (int, float)) and not isinstance(speed, bool) and _is_speed(speed),
               "settings.speed", f"must be a number above 0 and at most {MAX_SPEED:g}, got {speed!r}")
    check.integer(settings, "settings", "seed")
    check.integer(settings, "settings", "timezone_offset_minutes")
    check.integer(settings, "settings", "max_concurrency", minimum=1)
    check.one_of(settings, "settings", "run_time_counting", RUN_TIME_COUNTINGS)
    if settings["ocp_version"] is not None:
        try:
            settings["ocp_version"] = profiles.profile_named(settings["ocp_version"]).name
        except profiles.UnknownProfile as error:
            raise ScenarioError(check.path, "settings.ocp_version", str(error)) from None
    for name, parse in (("rate_limit", profiles.parse_rate_limit), ("login_lockout", profiles.parse_login_lockout)):
        if settings[name] != "default":
            try:
                settings[name] = parse(settings[name])
            except ValueError as error:
                raise ScenarioError(check.path, f"settings.{name}", str(error)) from None
    return settings


def _start_faults(check, raw):
    entries = raw.get("start_faults") or []
    check.that(isinstance(entries, list), "start_faults", "must be a list")
    parsed = []
    for index, entry in enumerate(entries):
        try:
            parsed.append(parse_start_fault(entry))
        except StartFaultError as error:
            raise ScenarioError(check.path, f"start_faults[{index}]{error.key}", error.problem) from None
    return parsed


def _users(check, users):
    for index, user in enumerate(users):
        key = f"users[{index}]"
        check.only_keys(user, key, ("name", "password", "roles", "access_keys"))
        check.string(user, key, "name")
        check.string(user, key, "password", required=False)
        roles = user.setdefault("roles", [])
        check.that(isinstance(roles, list) and all(isinstance(r, str) for r in roles),
                   f"{key}.roles", "must be a list of role names")
        access_keys = user.setdefault("access_keys", [])
        check.that(isinstance(access_keys, list), f"{key}.access_keys", "must be a list")
        for n, access_key in enumerate(access_keys):
            ak_key = f"{key}.access_keys[{n}]"
            check.that(isinstance(access_key, dict), ak_key, "must be a mapping {id, secret}")
            check.only_keys(access_key, ak_key, ("id", "secret"))
            check.string(access_key, ak_key, "id")
            check.string(access_key, ak_key, "secret")
    return users


def _clusters(check, clusters):
    for index, cluster in enumerate(clusters):
        key = f"clusters[{index}]"
        check.only_keys(cluster, key, ("id", "name", "obClusterId", "type"))
        check.integer(cluster, key, "id", minimum=1)
        check.string(cluster, key, "name")
        cluster.setdefault("obClusterId", cluster["id"])
        check.integer(cluster, key, "obClusterId", minimum=1)
        cluster.setdefault("type", "PRIMARY")
        check.one_of(cluster, key, "type", ("PRIMARY", "STANDBY"))
    check.unique_ids(clusters, "clusters")
    return clusters


def _tenants(check, tenants, cluster_ids):
    for index, tenant in enumerate(tenants):
        key = f"tenants[{index}]"
        check.only_keys(tenant, key, ("id", "cluster_id", "name", "mode", "obTenantId", "obClusterId"))
        check.integer(tenant, key, "id", minimum=1)
        check.string(tenant, key, "name")
        check.that(tenant.get("cluster_id") in cluster_ids, f"{key}.cluster_id",
                   f"no cluster with id {tenant.get('cluster_id')!r}")
        tenant.setdefault("mode", "MYSQL")
        check.one_of(tenant, key, "mode", ("MYSQL", "ORACLE"))
        # OceanBase numbers the sys tenant 1 and user tenants from 1001. `obClusterId` is the
        # older spelling of this key (a typo the simulator once shared with task-management.zh.md).
        if "obClusterId" in tenant:
            check.that("obTenantId" not in tenant, key, "give obTenantId only (obClusterId is its older spelling)")
            tenant["obTenantId"] = tenant.pop("obClusterId")
        tenant.setdefault("obTenantId", 1 if tenant["name"] == "sys" else 1000 + index)
        check.integer(tenant, key, "obTenantId", minimum=1)
    check.unique_ids(tenants, "tenants")
    return tenants


def _hosts(check, hosts, cluster_ids):
    for index, host in enumerate(hosts):
        key = f"hosts[{index}]"
        check.only_keys(host, key, ("id", "ip", "cluster_id"))
        check.integer(host, key, "id", minimum=1)
        check.string(host, key, "ip")
        cluster_id = host.get("cluster_id")
        check.that(cluster_id is None or cluster_id in cluster_ids, f"{key}.cluster_id",
                   f"no cluster with id {cluster_id!r}")
    check.unique_ids(hosts, "hosts")
    return hosts


def _task(check, key, task, known):
    check.only_keys(task, key, TASK_KEYS)
    template = task.get("template")
    check.that(template in TEMPLATES, f"{key}.template",
               f"unknown template {template!r}; expected one of {sorted(TEMPLATES)}")
    for name in ("cluster_id", "tenant_id"):
        value = task.get(name)
        check.that(value is None or value in known[name], f"{key}.{name}", f"no such id {value!r}")
    host_ids = task.get("host_ids", [])
    check.that(isinstance(host_ids, list), f"{key}.host_ids", "must be a list of host ids")
    for host_id in host_ids:
        check.that(host_id in known["host_ids"], f"{key}.host_ids", f"no host with id {host_id!r}")
    check.string(task, key, "name", required=False)
    check.string(task, key, "creator", required=False)
    task.setdefault("count", 1)
    check.integer(task, key, "count", minimum=1)
    task.setdefault("state", "as_is")
    check.one_of(task, key, "state", START_STATES)
    task.setdefault("type", "MANUAL")
    check.one_of(task, key, "type", TASK_TYPES)
    check.that(task.get("prohibit_rollback") in (None, True, False), f"{key}.prohibit_rollback",
               "must be true or false")
    try:
        shaped = customized(TEMPLATES[template], task.get("add_subtasks"), task.get("rename_subtasks"))
    except ValueError as error:
        which = "rename_subtasks" if str(error).startswith("rename_subtasks") else "add_subtasks"
        raise ScenarioError(check.path, f"{key}.{which}", str(error)) from None
    try:
        faults = parse_faults(subtask_names(shaped), task.get("faults"))
    except ValueError as error:
        raise ScenarioError(check.path, f"{key}.faults", str(error)) from None
    hangs = any(f.kind == "hang" for subtask_faults in faults.values() for f in subtask_faults)
    check.that(not (hangs and task["state"] == "finished"), f"{key}.state",
               "a task with a hang fault never finishes; use as_is or running")
    return task
