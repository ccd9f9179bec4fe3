"""Task templates: what each kind of OCP task is made of.

A template is an ordered list of subtask specs. `after` names the specs a subtask waits
for; a spec marked `per_host` becomes one parallel branch per host of the task
(paralleIdx 0..n-1), and a per-host spec that follows another per-host spec waits only
for the same branch, the way OCP installs and starts each server independently.

Durations are nominal seconds (the engine adds a little jitter), timeouts are OCP's
order of magnitude; the HTTP layer speeds time up for demos. Log lines may use
{cluster}, {tenant} and {host}; the engine fills them in when it renders a log.
"""

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class SubtaskSpec:
    name: str
    description: str
    duration: float               # nominal seconds of one run
    timeout: int                  # seconds; the engine cancels a run at timeout + 10 s
    log_lines: tuple = ()         # progress lines of one run, the last one on success only
    retry_count: int = 0          # automatic retries after a failed run
    after: tuple = ()             # names of upstream specs
    per_host: bool = False        # one parallel branch per host
    prohibit_rollback: bool = False


@dataclass(frozen=True)
class TaskTemplate:
    key: str                      # the name scenarios and create_task use
    task_name: str                # OCP's task name
    definition_id: int            # taskDefinitionId
    logger_package: str           # abbreviated Java package shown in log lines
    subtasks: tuple
    prohibit_rollback: bool = False
    concerns_tenant: bool = False


@dataclass(frozen=True)
class SubtaskPlan:
    """One concrete subtask of a task about to be created."""

    spec: SubtaskSpec
    series_id: int                # the spec's position, shared by its parallel branches
    parallel_idx: int             # -1 when not parallel
    host: str = None              # the branch's host ip, None when not parallel
    upstreams: tuple = field(default=())  # indices into the plan list


def _step(name, description, duration, timeout, lines, **options):
    return SubtaskSpec(name, description, duration, timeout, tuple(lines), **options)


CREATE_CLUSTER = TaskTemplate(
    key="create_cluster",
    task_name="Create cluster",
    definition_id=1,
    logger_package="c.o.o.s.t.b.cluster",
    subtasks=(
        _step("Check cluster create parameters", "Check the parameters of cluster {cluster}", 2, 60, [
            "Start to check parameters of cluster {cluster}",
            "Check zone list and server list, zoneCount=3",
            "Check observer version 4.2.1.8 exists in the package repository",
            "Parameters of cluster {cluster} are valid",
        ]),
        _step("Check host environment", "Check OS, disks and ports of host {host}", 5, 300, [
            "Start to check environment of host {host}",
            "Check kernel parameters and ulimit on host {host}",
            "Check free space of data disk /data/1 and log disk /data/log1 on host {host}",
            "Check ports 2881 and 2882 are not in use on host {host}",
            "Host {host} passed the environment check",
        ], after=("Check cluster create parameters",), per_host=True),
        _step("Install OceanBase package", "Install oceanbase-ce on host {host}", 45, 1800, [
            "Start to install OceanBase package on host {host}",
            "Download oceanbase-ce-4.2.1.8-108000022024072217.el7.x86_64.rpm from the package repository",
            "Execute command: rpm -Uvh --force oceanbase-ce-4.2.1.8-108000022024072217.el7.x86_64.rpm",
            "OceanBase package installed on host {host}",
        ], after=("Check host environment",), per_host=True, retry_count=1),
        _step("Initialize observer directories", "Create data and log directories on host {host}", 4, 300, [
            "Start to initialize observer directories on host {host}",
            "Execute command: mkdir -p /data/1/{cluster}/sstable /data/log1/{cluster}/clog",
            "Observer directories initialized on host {host}",
        ], after=("Install OceanBase package",), per_host=True),
        _step("Start observer", "Start the observer process on host {host}", 20, 600, [
            "Start to start observer on host {host}",
            "Execute command: cd /home/admin/oceanbase && bin/observer -p 2881 -P 2882 -n {cluster}",
            "Wait for observer on host {host} to listen on port 2881",
            "Observer started on host {host}",
        ], after=("Initialize observer directories",), per_host=True, retry_count=2),
        _step("Bootstrap cluster", "Bootstrap cluster {cluster}", 60, 1800, [
            "Start to bootstrap cluster {cluster}",
            "Execute sql: ALTER SYSTEM BOOTSTRAP ZONE 'zone1' SERVER '{host}:2882', ...",
            "Wait for the root service of cluster {cluster} to be ready",
            "Cluster {cluster} bootstrapped",
        ], after=("Start observer",)),
        _step("Set sys tenant password", "Set the password of root@sys", 2, 60, [
            "Start to set the password of root@sys",
            "Execute sql: ALTER USER root IDENTIFIED BY '******'",
            "Password of root@sys set",
        ], after=("Bootstrap cluster",)),
        _step("Create proxyro user", "Create the proxyro user for OBProxy", 2, 60, [
            "Start to create user proxyro@sys",
            "Execute sql: CREATE USER IF NOT EXISTS proxyro IDENTIFIED BY '******'",
            "User proxyro@sys created",
        ], after=("Set sys tenant password",)),
        _step("Save cluster info", "Register cluster {cluster} in OCP", 3, 120, [
            "Start to save the topology of cluster {cluster} to the metadb",
            "Saved 1 cluster, 3 zones and 3 servers",
            "Cluster {cluster} registered in OCP",
        ], after=("Create proxyro user",)),
        _step("Start monitor agent", "Start ocp_monagent on host {host}", 8, 300, [
            "Start to start ocp_monagent on host {host}",
            "Execute command: /home/admin/ocp_agent/bin/ocp_agentctl start monagent",
            "ocp_monagent started on host {host}",
        ], after=("Save cluster info",), per_host=True),
    ),
)

CREATE_TENANT = TaskTemplate(
    key="create_tenant",
    task_name="Create tenant",
    definition_id=2,
    logger_package="c.o.o.s.t.b.tenant",
    concerns_tenant=True,
    subtasks=(
        _step("Check tenant parameters", "Check the parameters of tenant {tenant}", 2, 60, [
            "Start to check parameters of tenant {tenant}",
            "Check tenant name {tenant} is not used in cluster {cluster}",
            "Check zone list zone1;zone2;zone3 and primary zone",
            "Parameters of tenant {tenant} are valid",
        ]),
        _step("Create resource unit config", "Create the unit config of tenant {tenant}", 2, 120, [
            "Start to create resource unit config {tenant}_unit",
            "Execute sql: CREATE RESOURCE UNIT {tenant}_unit MAX_CPU 4, MEMORY_SIZE '8G', LOG_DISK_SIZE '24G'",
            "Resource unit config {tenant}_unit created",
        ], after=("Check tenant parameters",)),
        _step("Create resource pool", "Create the resource pool of tenant {tenant}", 5, 300, [
            "Start to create resource pool {tenant}_pool",
            "Execute sql: CREATE RESOURCE POOL {tenant}_pool UNIT='{tenant}_unit', UNIT_NUM=1, ZONE_LIST=('zone1','zone2','zone3')",
            "Resource pool {tenant}_pool created",
        ], after=("Create resource unit config",)),
        _step("Create tenant", "Create tenant {tenant} in cluster {cluster}", 20, 900, [
            "Start to create tenant {tenant}",
            "Execute sql: CREATE TENANT IF NOT EXISTS {tenant} RESOURCE_POOL_LIST=('{tenant}_pool'), PRIMARY_ZONE='RANDOM'",
            "Wait for tenant {tenant} to become NORMAL",
            "Tenant {tenant} created",
        ], after=("Create resource pool",)),
        _step("Set tenant variables", "Set system variables of tenant {tenant}", 2, 120, [
            "Start to set system variables of tenant {tenant}",
            "Execute sql: SET GLOBAL ob_tcp_invited_nodes='%', lower_case_table_names=1",
            "System variables of tenant {tenant} set",
        ], after=("Create tenant",)),
        _step("Set tenant whitelist", "Set the access whitelist of tenant {tenant}", 2, 120, [
            "Start to set whitelist of tenant {tenant}",
            "Whitelist of tenant {tenant} set to %",
        ], after=("Create tenant",)),
        _step("Sync tenant info", "Save tenant {tenant} in OCP", 3, 120, [
            "Start to sync tenant {tenant} to the metadb",
            "Tenant {tenant} saved in OCP",
        ], after=("Set tenant variables", "Set tenant whitelist")),
    ),
)


def _rolling_upgrade_steps(zones):
    """Stop, upgrade and start each zone in turn, so the cluster keeps a majority."""
    steps = []
    previous = "Suspend major compaction"
    for zone in zones:
        steps += [
            _step(f"Stop zone {zone}", f"Stop the observers of zone {zone}", 10, 600, [
                f"Start to stop zone {zone}",
                f"Execute sql: ALTER SYSTEM STOP ZONE '{zone}'",
                f"Zone {zone} stopped",
            ], after=(previous,)),
            _step(f"Upgrade observers in {zone}", f"Replace the observer binaries of zone {zone}", 60, 1800, [
                f"Start to upgrade observers of zone {zone}",
                "Execute command: rpm -Uvh oceanbase-ce-4.2.1.8-108000022024072217.el7.x86_64.rpm",
                f"Restart observers of zone {zone}",
                f"Observers of zone {zone} upgraded",
            ], after=(f"Stop zone {zone}",), retry_count=1),
            _step(f"Start zone {zone}", f"Start the observers of zone {zone}", 10, 600, [
                f"Start to start zone {zone}",
                f"Execute sql: ALTER SYSTEM START ZONE '{zone}'",
                f"Zone {zone} started",
            ], after=(f"Upgrade observers in {zone}",)),
        ]
        previous = f"Start zone {zone}"
    return steps, previous


_UPGRADE_ZONE_STEPS, _LAST_ZONE_STEP = _rolling_upgrade_steps(("zone1", "zone2", "zone3"))

UPGRADE_CLUSTER = TaskTemplate(
    key="upgrade_cluster",
    task_name="Upgrade cluster",
    definition_id=3,
    logger_package="c.o.o.s.t.b.cluster",
    prohibit_rollback=True,  # OCP cannot downgrade an OceanBase cluster
    subtasks=(
        _step("Check upgrade pre-conditions", "Check cluster {cluster} can be upgraded", 5, 300, [
            "Start to check upgrade pre-conditions of cluster {cluster}",
            "Check upgrade path 4.2.1.2 -> 4.2.1.8 is supported",
            "Check no major compaction or backup is running",
            "Cluster {cluster} can be upgraded",
        ]),
        _step("Upload OceanBase package", "Upload the new package to host {host}", 20, 1200, [
            "Start to upload package to host {host}",
            "Transfer oceanbase-ce-4.2.1.8-108000022024072217.el7.x86_64.rpm to host {host}",
            "Package uploaded to host {host}",
        ], after=("Check upgrade pre-conditions",), per_host=True, retry_count=1),
        _step("Check cluster health", "Check every server of cluster {cluster} is ACTIVE", 3, 120, [
            "Start to check health of cluster {cluster}",
            "All servers of cluster {cluster} are ACTIVE",
        ], after=("Upload OceanBase package",)),
        _step("Suspend major compaction", "Suspend major compaction of cluster {cluster}", 2, 120, [
            "Start to suspend major compaction",
            "Execute sql: ALTER SYSTEM SET enable_major_freeze = False",
            "Major compaction suspended",
        ], after=("Check cluster health",)),
        *_UPGRADE_ZONE_STEPS,
        _step("Run upgrade post script", "Run upgrade_post.py against cluster {cluster}", 30, 1800, [
            "Start to run upgrade post script",
            "Execute command: python upgrade_post.py -h {host} -P 2881",
            "Upgrade post script finished",
        ], after=(_LAST_ZONE_STEP,), prohibit_rollback=True),
        _step("Resume major compaction", "Resume major compaction of cluster {cluster}", 2, 120, [
            "Start to resume major compaction",
            "Execute sql: ALTER SYSTEM SET enable_major_freeze = True",
            "Major compaction resumed",
        ], after=("Run upgrade post script",)),
        _step("Update cluster version", "Save the new version of cluster {cluster} in OCP", 2, 60, [
            "Start to update version of cluster {cluster}",
            "Version of cluster {cluster} updated to 4.2.1.8",
        ], after=("Resume major compaction",)),
    ),
)

ADD_HOSTS = TaskTemplate(
    key="add_hosts",
    task_name="Add host",
    definition_id=4,
    logger_package="c.o.o.s.t.b.host",
    subtasks=(
        _step("Check host connectivity", "Check SSH access to host {host}", 2, 60, [
            "Start to check SSH connectivity of host {host}",
            "Connected to {host}:22 as admin",
            "Host {host} is reachable",
        ], per_host=True),
        _step("Check host OS", "Check the operating system of host {host}", 3, 120, [
            "Start to check operating system of host {host}",
            "Host {host} runs CentOS Linux 7.9.2009 x86_64, kernel 3.10.0-1160",
            "Operating system of host {host} is supported",
        ], after=("Check host connectivity",), per_host=True),
        _step("Install OCP agent", "Install the OCP agent on host {host}", 30, 900, [
            "Start to install OCP agent on host {host}",
            "Execute command: rpm -Uvh --force ocp-agent-ce-4.2.2-20240108.el7.x86_64.rpm",
            "OCP agent installed on host {host}",
        ], after=("Check host OS",), per_host=True, retry_count=1),
        _step("Start OCP agent", "Start the OCP agent on host {host}", 8, 300, [
            "Start to start OCP agent on host {host}",
            "Execute command: /home/admin/ocp_agent/bin/ocp_agentctl start",
            "OCP agent started on host {host}",
        ], after=("Install OCP agent",), per_host=True),
        _step("Check OCP agent status", "Check the OCP agent of host {host} is online", 3, 120, [
            "Start to check OCP agent status of host {host}",
            "OCP agent of host {host} is ONLINE, version 4.2.2",
        ], after=("Start OCP agent",), per_host=True),
        _step("Save host info", "Save the hosts in OCP", 2, 60, [
            "Start to save host info",
            "Host info saved",
        ], after=("Check OCP agent status",)),
    ),
)

TAKE_OVER_CLUSTER = TaskTemplate(
    key="take_over_cluster",
    task_name="Take over cluster",
    definition_id=5,
    logger_package="c.o.o.s.t.b.cluster",
    subtasks=(
        _step("Check cluster connection", "Connect to the sys tenant of cluster {cluster}", 3, 120, [
            "Start to check connection to cluster {cluster}",
            "Connected to root@sys of cluster {cluster} at {host}:2881",
            "Connection to cluster {cluster} is OK",
        ]),
        _step("Check proxyro user", "Check the proxyro user of cluster {cluster}", 2, 60, [
            "Start to check user proxyro@sys",
            "User proxyro@sys exists",
        ], after=("Check cluster connection",)),
        _step("Sync cluster topology", "Read zones and servers of cluster {cluster}", 5, 300, [
            "Start to sync topology of cluster {cluster}",
            "Found 3 zones and 3 servers in cluster {cluster}",
            "Topology of cluster {cluster} synced",
        ], after=("Check proxyro user",)),
        # OCP checks the clock of every host it takes in (adding a host fails on "the NTP issue":
        # 2000.faq/300.common-o-m-problems/200.host-management-faq.md, Q14; ocp.host.check.clock-diff.*).
        _step("Check host clock sync", "Check the clock of host {host} is in sync with OCP (NTP)", 3, 120, [
            "Start to check the clock offset of host {host} from the OCP server",
            "Execute command: chronyc tracking || ntpq -pn",
            "Clock offset of host {host} is 3 ms, within ocp.host.check.clock-diff.max-diff (50 ms)",
        ], after=("Sync cluster topology",), per_host=True),
        _step("Install OCP agent", "Install the OCP agent on host {host}", 30, 900, [
            "Start to install OCP agent on host {host}",
            "Execute command: rpm -Uvh --force ocp-agent-ce-4.2.2-20240108.el7.x86_64.rpm",
            "OCP agent installed on host {host}",
        ], after=("Check host clock sync",), per_host=True, retry_count=1),
        _step("Start OCP agent", "Start the OCP agent on host {host}", 8, 300, [
            "Start to start OCP agent on host {host}",
            "Execute command: /home/admin/ocp_agent/bin/ocp_agentctl start",
            "OCP agent started on host {host}",
        ], after=("Install OCP agent",), per_host=True),
        _step("Sync tenants", "Save the tenants of cluster {cluster} in OCP", 5, 300, [
            "Start to sync tenants of cluster {cluster}",
            "Synced 2 tenants of cluster {cluster}",
        ], after=("Start OCP agent",)),
        _step("Sync database users", "Save the database users of cluster {cluster} in OCP", 3, 300, [
            "Start to sync database users of cluster {cluster}",
            "Database users of cluster {cluster} synced",
        ], after=("Sync tenants",)),
        _step("Start monitor collection", "Start collecting metrics of cluster {cluster}", 3, 120, [
            "Start to enable metric collection for cluster {cluster}",
            "Metric collection of cluster {cluster} started",
        ], after=("Sync database users",)),
    ),
)

BACKUP = TaskTemplate(
    key="backup",
    task_name="Backup tenant",
    definition_id=6,
    logger_package="c.o.o.s.t.b.backup",
    concerns_tenant=True,
    subtasks=(
        _step("Check backup destination", "Check the backup destination of tenant {tenant}", 3, 120, [
            "Start to check backup destination file:///data/backup/{cluster}/{tenant}",
            "Backup destination is writable from every server",
        ]),
        _step("Start log archive", "Start archiving the clog of tenant {tenant}", 10, 600, [
            "Start to enable log archive of tenant {tenant}",
            "Execute sql: ALTER SYSTEM ARCHIVELOG TENANT = {tenant}",
            "Log archive of tenant {tenant} is DOING",
        ], after=("Check backup destination",)),
        _step("Start full data backup", "Launch a full backup of tenant {tenant}", 10, 600, [
            "Start to launch full data backup of tenant {tenant}",
            "Execute sql: ALTER SYSTEM BACKUP TENANT = {tenant}",
            "Full data backup of tenant {tenant} launched",
        ], after=("Start log archive",), prohibit_rollback=True),
        _step("Wait for data backup to finish", "Wait for the backup job of tenant {tenant}", 120, 7200, [
            "Start to wait for backup job of tenant {tenant}",
            "Backup job of tenant {tenant} is running, progress 40%",
            "Backup job of tenant {tenant} is running, progress 85%",
            "Backup job of tenant {tenant} finished",
        ], after=("Start full data backup",)),
        _step("Save backup set info", "Save the backup set of tenant {tenant} in OCP", 2, 60, [
            "Start to save backup set info",
            "Backup set info saved",
        ], after=("Wait for data backup to finish",)),
    ),
)

TEMPLATES = {
    template.key: template
    for template in (CREATE_CLUSTER, CREATE_TENANT, UPGRADE_CLUSTER, ADD_HOSTS, TAKE_OVER_CLUSTER, BACKUP)
}

# Host ips used for per-host branches when a task names no host and its cluster has none.
DEFAULT_HOST_IPS = ("10.0.0.1", "10.0.0.2", "10.0.0.3")


def subtask_names(template):
    return {spec.name for spec in template.subtasks}


ADDED_SUBTASK_KEYS = ("name", "description", "after", "before", "per_host", "duration", "timeout",
                      "retry_count", "log_lines", "prohibit_rollback")


def customized(template, add_subtasks=None, rename_subtasks=None):
    """`template` with subtasks renamed ({old: new}), then subtasks added; ValueError if wrong.

    An added subtask is a mapping: `name` (required), `description`, `after` (names it waits
    for; default the template's last subtask), `before` (names that then wait for it too),
    `per_host`, `duration` (seconds, default 2), `timeout` (default 120), `retry_count`,
    `log_lines` (default a start and an end line), `prohibit_rollback`. Renames come first, so
    `after`, `before` and the task's faults use the new names.
    """
    specs = list(template.subtasks)
    if rename_subtasks:
        specs = _renamed(specs, rename_subtasks)
    for index, raw in enumerate(add_subtasks or ()):
        specs = _with_added(specs, raw, f"add_subtasks[{index}]")
    if not rename_subtasks and not add_subtasks:
        return template
    return replace(template, subtasks=tuple(_in_dependency_order(specs, template.key)))


def _renamed(specs, renames):
    if not isinstance(renames, dict):
        raise ValueError("rename_subtasks must map subtask names to new names")
    names = [spec.name for spec in specs]
    for old, new in renames.items():
        if old not in names:
            raise ValueError(f"rename_subtasks: no subtask named {old!r}; subtasks are {sorted(names)}")
        if not isinstance(new, str) or not new.strip():
            raise ValueError(f"rename_subtasks: the new name of {old!r} must be a non-empty string")
    final = [renames.get(name, name) for name in names]
    if len(set(final)) != len(final):
        raise ValueError(f"rename_subtasks: two subtasks would be called the same: {sorted(final)}")
    return [replace(spec, name=renames.get(spec.name, spec.name),
                    after=tuple(renames.get(name, name) for name in spec.after)) for spec in specs]


def _with_added(specs, raw, key):
    if not isinstance(raw, dict):
        raise ValueError(f"{key} must be a mapping with at least a name")
    unknown = sorted(set(raw) - set(ADDED_SUBTASK_KEYS))
    if unknown:
        raise ValueError(f"{key}: unknown key(s) {unknown}; expected some of {list(ADDED_SUBTASK_KEYS)}")
    name = raw.get("name")
    names = [spec.name for spec in specs]
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{key}.name must be a non-empty string")
    if name in names:
        raise ValueError(f"{key}.name: the template already has a subtask {name!r}")
    after = _name_list(raw.get("after", [names[-1]]), f"{key}.after", names)
    before = _name_list(raw.get("before", []), f"{key}.before", names)
    numbers = {}
    for field_name, default, minimum in (("duration", 2, 0), ("timeout", 120, 1), ("retry_count", 0, 0)):
        value = raw.get(field_name, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
            raise ValueError(f"{key}.{field_name} must be a number >= {minimum}, got {value!r}")
        numbers[field_name] = value
    lines = raw.get("log_lines", [f"Start to {name[:1].lower()}{name[1:]}", f"{name} finished"])
    if not isinstance(lines, list) or not lines or not all(isinstance(line, str) for line in lines):
        raise ValueError(f"{key}.log_lines must be a non-empty list of strings")
    flags = {flag: raw.get(flag, False) for flag in ("per_host", "prohibit_rollback")}
    if any(not isinstance(value, bool) for value in flags.values()):
        raise ValueError(f"{key}.per_host and {key}.prohibit_rollback must be true or false")
    description = raw.get("description", name)
    if not isinstance(description, str):
        raise ValueError(f"{key}.description must be a string")
    added = SubtaskSpec(name, description, numbers["duration"], int(numbers["timeout"]), tuple(lines),
                        retry_count=int(numbers["retry_count"]), after=tuple(after), **flags)
    return [replace(spec, after=spec.after + (name,)) if spec.name in before else spec for spec in specs] + [added]


def _name_list(value, key, names):
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise ValueError(f"{key} must be a list of subtask names")
    missing = sorted(set(value) - set(names))
    if missing:
        raise ValueError(f"{key}: no subtask named {missing}; subtasks are {sorted(names)}")
    return value


def _in_dependency_order(specs, template_key):
    """Specs with every upstream before its downstreams (expand() needs it), otherwise in order."""
    ordered, placed, waiting = [], set(), list(specs)
    while waiting:
        ready = next((spec for spec in waiting if set(spec.after) <= placed), None)
        if ready is None:
            raise ValueError(f"{template_key}: the added subtasks make a cycle through {sorted(s.name for s in waiting)}")
        ordered.append(ready)
        placed.add(ready.name)
        waiting.remove(ready)
    return ordered


def expand(template, host_ips):
    """Turn a template into concrete subtask plans, one branch per host for per-host specs.

    Plans come in dependency order: every upstream index is smaller than its plan's own.
    """
    host_ips = tuple(host_ips) or DEFAULT_HOST_IPS
    specs_by_name = {spec.name: spec for spec in template.subtasks}
    plans = []
    indices_by_spec = {}  # spec name -> plan indices of its instances
    for series_id, spec in enumerate(template.subtasks, start=1):
        branches = list(enumerate(host_ips)) if spec.per_host else [(-1, None)]
        indices_by_spec[spec.name] = []
        for parallel_idx, host in branches:
            upstreams = _upstream_indices(template.key, spec, parallel_idx, specs_by_name, indices_by_spec)
            indices_by_spec[spec.name].append(len(plans))
            plans.append(SubtaskPlan(spec, series_id, parallel_idx, host, tuple(upstreams)))
    return plans


def _upstream_indices(template_key, spec, parallel_idx, specs_by_name, indices_by_spec):
    upstreams = []
    for name in spec.after:
        if name not in indices_by_spec:
            raise ValueError(f"{template_key}: {spec.name!r} waits for unknown or later {name!r}")
        same_branch_only = spec.per_host and specs_by_name[name].per_host
        instances = indices_by_spec[name]
        upstreams += [instances[parallel_idx]] if same_branch_only else instances
    return upstreams


def critical_path_seconds(plans):
    """Nominal duration of the longest dependency chain, i.e. of the whole task."""
    finish = []
    for plan in plans:
        ready_at = max((finish[i] for i in plan.upstreams), default=0.0)
        finish.append(ready_at + plan.spec.duration)
    return max(finish, default=0.0)
