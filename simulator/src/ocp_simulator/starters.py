"""The calls that start OCP tasks (and create a tenant), in the OCP version's own terms.

Bodies are read as Jackson reads them (bodies.py) and checked as that version's docs say
(profiles.Profile: password rule, replica types, the upgrade's fields, takeOver's hostInfo);
replies take the version's shape (views.started_view). Each call is recorded in the audit
log (audit.py), succeeded or refused.

| call | starts |
|---|---|
| POST /api/v2/ob/clusters/{id}/tenants/createTenant | create_tenant |
| POST /api/v2/ob/clusters/{id}/tenants | nothing: creates the tenant (CREATING), OCP profiles |
| POST /api/v2/ob/clusters/{id}/upgrade | upgrade_cluster |
| POST /api/v2/ob/clusters/takeOver | take_over_cluster |
| POST /api/v2/ob/clusters/takeOverPreCheck | nothing: checks the body, OCP profiles |
| POST /api/v2/compute/hosts/batchCreate | add_hosts, one task per host |
"""

from contextlib import contextmanager

from flask import Blueprint, g, request

from . import bodies
from .audit import FAILED, SUCCESS
from .auth import TASK_MANAGER
from .errors import BadRequest, SimError
from .profiles import SUBMITTED_DAG, TASK_INSTANCE
from .views import SUBMITTED_DAG_SHAPE, TASK_INSTANCE_SHAPE, WRAPPED_SHAPE, created_tenant_view
from .web import ApiError, object_body, parse_long, requires, served_where, state, success_response

task_starters = Blueprint("task_starters", __name__, url_prefix="/api/v2")


# ---------------------------------------------------------------- tenants

@task_starters.post("/ob/clusters/<cluster_id>/tenants/createTenant")
@requires(TASK_MANAGER)
def create_tenant(cluster_id):
    engine, profile = state().engine, state().profile
    with audited("CREATE_TENANT") as event:
        cluster_id = parse_long(cluster_id, "id")
        params = _tenant_params(event.read_body(), profile)
        with engine.lock:
            cluster = _require_cluster(engine, cluster_id)
            event.about(name=f"{cluster['name']}:{params['name']}", parent=cluster["name"])
            tenant_id = _add_tenant(engine, cluster_id, params["name"], params["mode"])
            task_id = engine.create_task("create_tenant", cluster_id=cluster_id, tenant_id=tenant_id,
                                         creator=_creator(), **_start_faults("create_tenant", params["name"]))
            if profile.start_reply == TASK_INSTANCE:
                # OCP's createTenant sample answers taskDefinitionId -1 (400.create-a-tenant-async.md).
                reply = engine.get_task_instance(task_id, TASK_INSTANCE_SHAPE, taskDefinitionId=-1)
            else:
                reply = engine.get_task_instance(task_id, WRAPPED_SHAPE, tenantId=tenant_id)
        event.record(SUCCESS, resource_id=tenant_id, task_id=task_id)
    return success_response(reply)


@task_starters.post("/ob/clusters/<cluster_id>/tenants")
@served_where("synchronous_tenant_create")
@requires(TASK_MANAGER)
def create_tenant_synchronously(cluster_id):
    """OCP's other create (500.create-a-tenant-api.md, every version): the tenant, no task."""
    engine, profile = state().engine, state().profile
    with audited("CREATE_TENANT") as event:
        cluster_id = parse_long(cluster_id, "id")
        body = event.read_body()
        params = _tenant_params(body, profile)
        with engine.lock:
            cluster = _require_cluster(engine, cluster_id)
            event.about(name=f"{cluster['name']}:{params['name']}", parent=cluster["name"])
            tenant_id = _add_tenant(engine, cluster_id, params["name"], params["mode"])
            reply = created_tenant_view(engine.tenants[tenant_id], cluster, body, state().clock.now(), profile)
        event.record(SUCCESS, resource_id=tenant_id)
    return success_response(reply)


def _tenant_params(body, profile):
    """createTenant's body (400.create-a-tenant-async.md; the synchronous create has the same)."""
    name = bodies.text(body, "name")
    if not bodies.TENANT_NAME_PATTERN.fullmatch(name):
        raise BadRequest("name must start with a letter and have 2-64 letters, digits or underscores")
    bodies.check_password(profile.password_rule, bodies.text(body, "rootPassword"))
    mode = bodies.enum(body, "mode", bodies.TENANT_MODES, required=False) or "MYSQL"
    for optional in ("primaryZone", "charset", "collation", "description", "whitelist"):
        bodies.text(body, optional, required=False)
    bodies.boolean(body, "saveToCredential")
    for index, zone in enumerate(bodies.array(body, "zones")):
        where = f"zones[{index}]."
        if not isinstance(zone, dict):
            raise BadRequest(f"zones[{index}] must be an object")
        bodies.text(zone, "name", where=where)
        bodies.enum(zone, "replicaType", profile.replica_types, where=where)
        pool = bodies.obj(zone, "resourcePool", where=where)
        bodies.text(pool, "unitSpecName", where=where + "resourcePool.")
        bodies.integer(pool, "unitCount", where=where + "resourcePool.", minimum=1)
    return {"name": name, "mode": mode}


# ---------------------------------------------------------------- clusters

@task_starters.post("/ob/clusters/<cluster_id>/upgrade")
@requires(TASK_MANAGER)
def upgrade_cluster(cluster_id):
    engine, profile = state().engine, state().profile
    with audited("UPGRADE_OB_CLUSTER") as event:
        cluster_id = parse_long(cluster_id, "id")
        _upgrade_params(event.read_body(), profile)
        with engine.lock:
            cluster = _require_cluster(engine, cluster_id)
            event.about(name=cluster["name"], resource_id=cluster_id)
            task_id = engine.create_task("upgrade_cluster", cluster_id=cluster_id, creator=_creator(),
                                         **_start_faults("upgrade_cluster", cluster["name"]))
            shape = SUBMITTED_DAG_SHAPE if profile.upgrade_reply == SUBMITTED_DAG else WRAPPED_SHAPE
            reply = engine.get_task_instance(task_id, shape)
        event.record(SUCCESS, task_id=task_id)
    return success_response(reply)


_FIELD_READERS = {
    "text": lambda body, name, required: bodies.text(body, name, required=required),
    "boolean": lambda body, name, _required: bodies.boolean(body, name),
    "text_array": lambda body, name, required: bodies.text_array(body, name, required=required),
}


def _upgrade_params(body, profile):
    for name, kind, required in profile.upgrade_body:
        _FIELD_READERS[kind](body, name, required)
    if profile.upgrade_accepts_version and not (bodies.text(body, "version", required=False)
                                                or bodies.text(body, "rpmFileName", required=False)):
        raise BadRequest("rpmFileName (or the simulator's legacy version) must not be blank")


@task_starters.post("/ob/clusters/takeOver")
@requires(TASK_MANAGER)
def take_over_cluster():
    engine, profile = state().engine, state().profile
    with audited("TAKE_OVER_OB_CLUSTER") as event:
        params = _take_over_params(event.read_body(), profile)
        event.about(name=params["name"])
        with engine.lock:
            managed = params["address"] in {host["ip"] for host in engine.hosts.values()}
            if profile.take_over_needs_host_info and not managed and params["host_info"] is None:
                raise BadRequest(f"hostInfo must be given: OCP does not manage host {params['address']} yet "
                                 "(it installs its agent there with hostInfo's kind, hostTypeId, sshPort "
                                 "and credentialId)")
            cluster_id = _add_cluster(engine, params["name"])
            if profile.take_over_needs_host_info and not managed:
                _add_host(engine, params["address"], cluster_id)
            task_id = engine.create_task("take_over_cluster", cluster_id=cluster_id, creator=_creator(),
                                         **_start_faults("take_over_cluster", params["name"]))
            if profile.start_reply == TASK_INSTANCE:
                reply = engine.get_task_instance(task_id, TASK_INSTANCE_SHAPE)
            else:
                # obdeploy reads data.clusterId from this answer.
                reply = engine.get_task_instance(task_id, WRAPPED_SHAPE, clusterId=cluster_id)
        event.record(SUCCESS, resource_id=cluster_id, task_id=task_id)
    return success_response(reply)


@task_starters.post("/ob/clusters/takeOverPreCheck")
@served_where("take_over_precheck")
@requires(TASK_MANAGER)
def take_over_precheck():
    """OCP 4.3's page documents it (obdeploy's OCP 4.2 plugin calls it too): checks the body.

    Its result has more fields than the copy of the page we could read shows; the simulator
    answers the cluster name only.
    """
    params = _take_over_params(object_body(), state().profile, precheck=True)
    return success_response({"clusterName": params["name"]})


def _take_over_params(body, profile, precheck=False):
    """takeOver's body (OCP 4.3 "Take over an OceanBase cluster"): rootSysPassword, address, port."""
    bodies.text(body, "rootSysPassword")
    address = bodies.text(body, "address")
    bodies.integer(body, "port", minimum=1, maximum=65535)
    name = bodies.text(body, "clusterName", required=False) or f"cluster_{address}"
    host_info = None
    if profile.take_over_needs_host_info:
        bodies.enum(body, "connectionMode", ("direct", "proxy"), required=False)
        bodies.integer(body, "obClusterId", java="long", minimum=1, required=False)
        for flag in ("saveToCredential", "switchConfigUrl"):
            bodies.boolean(body, flag)
        if not precheck:
            host_info = bodies.obj(body, "hostInfo", required=False)
        if host_info is not None:
            bodies.enum(host_info, "kind", bodies.HOST_KINDS, where="hostInfo.", required=False)
            bodies.integer(host_info, "sshPort", where="hostInfo.", minimum=1, maximum=65535, required=False)
            for field in ("hostTypeId", "credentialId"):
                bodies.integer(host_info, field, where="hostInfo.", java="long", minimum=0, required=False)
    return {"address": address, "name": name, "host_info": host_info}


# ---------------------------------------------------------------- hosts

@task_starters.post("/compute/hosts/batchCreate")
@requires(TASK_MANAGER)
def batch_create_hosts():
    engine, profile = state().engine, state().profile
    with audited("ADD_HOSTS") as event:
        addresses = _host_params(event.read_body(), profile)
        event.about(name=",".join(addresses))
        with engine.lock:
            taken = {host["ip"] for host in engine.hosts.values()} & set(addresses)
            if taken:
                raise BadRequest(f"host {sorted(taken)[0]} already exists")
            started = []
            for address in addresses:
                host_id = _add_host(engine, address)
                task_id = engine.create_task("add_hosts", host_ids=[host_id], creator=_creator(),
                                             **_start_faults("add_hosts", address))
                if profile.start_reply == TASK_INSTANCE:
                    reply = engine.get_task_instance(task_id, TASK_INSTANCE_SHAPE, hostId=host_id)
                else:
                    reply = engine.get_task_instance(task_id, WRAPPED_SHAPE)
                started.append((address, host_id, task_id, reply))
        for address, host_id, task_id, _reply in started:
            event.record(SUCCESS, name=address, resource_id=host_id, task_id=task_id)
    return success_response({"contents": [reply for *_ids, reply in started]})


def _host_params(body, profile):
    """batchCreate's body (600.host-module/1500.add-hosts-in-batches.md); the host addresses."""
    hosts = bodies.array(body, "hostBasicDataList")
    bodies.integer(body, "sshPort", minimum=1, maximum=65535)
    for field in ("idcId", "typeId", "credentialId"):
        bodies.integer(body, field, java="long", minimum=0)
    bodies.enum(body, "kind", bodies.HOST_KINDS)
    for optional in ("alias", "description"):
        bodies.text(body, optional, required=False)
    bodies.text_array(body, "publishPorts")
    addresses = []
    for index, host in enumerate(hosts):
        if not isinstance(host, dict):
            raise BadRequest(f"hostBasicDataList[{index}] must be an object")
        addresses.append(bodies.text(host, "innerIpAddress", where=f"hostBasicDataList[{index}]."))
        bodies.text(host, "serialNumber", where=f"hostBasicDataList[{index}].", required=False)
    if len(set(addresses)) != len(addresses):
        raise BadRequest("hostBasicDataList repeats an address")
    return addresses


# ---------------------------------------------------------------- audit events

class _Event:
    """One audited call: what it concerns, as far as it got, and its body."""

    def __init__(self, operation):
        self.operation = operation
        self.started = state().clock.now()
        self.body = None
        self.facts = {}

    def read_body(self):
        self.body = object_body()
        return self.body

    def about(self, **facts):
        self.facts.update(facts)

    def record(self, status, **facts):
        facts = {**self.facts, **facts}
        engine = state().engine
        state().audit.record(
            operation=self.operation, status=status, resource_id=facts.get("resource_id"),
            resource_name=facts.get("name"), parent=facts.get("parent"),
            operator=(g.identity.user, engine.creator(g.identity.user)["id"]), task_id=facts.get("task_id"),
            body=self.body, client_ip=request.remote_addr, started=self.started, ended=state().clock.now())


@contextmanager
def audited(operation):
    """Record the call as FAILED if it is refused (the caller records each success)."""
    event = _Event(operation)
    try:
        yield event
    except (ApiError, SimError):
        event.record(FAILED)
        raise


# ---------------------------------------------------------------- helpers

def _creator():
    return g.identity.user


def _start_faults(template, name):
    """create_task's options from the scenario's start_faults for the task this call starts."""
    return state().start_faults.task_options(template, name)


# The helpers below change the engine's inventory; callers hold `engine.lock`.

def _require_cluster(engine, cluster_id):
    if cluster_id not in engine.clusters:
        raise ApiError(404, "not_found", "cluster_not_found", id=cluster_id)
    return engine.clusters[cluster_id]


def _next_id(records, first):
    return max(records, default=first - 1) + 1


def _add_cluster(engine, name):
    cluster_id = _next_id(engine.clusters, 1)
    ob_cluster_id = _next_id([c["obClusterId"] for c in engine.clusters.values()], 1)
    engine.clusters[cluster_id] = {"id": cluster_id, "name": name,
                                   "obClusterId": ob_cluster_id, "type": "PRIMARY"}
    return cluster_id


def _add_tenant(engine, cluster_id, name, mode):
    in_cluster = [t for t in engine.tenants.values() if t["clusterId"] == cluster_id]
    if any(tenant["name"] == name and not tenant.get("undone") for tenant in in_cluster):
        raise BadRequest(f"tenant {name} already exists in cluster {cluster_id}")
    tenant_id = _next_id(engine.tenants, 1001)
    ob_tenant_id = _next_id([t["obTenantId"] for t in in_cluster], 1001)
    engine.tenants[tenant_id] = {"id": tenant_id, "name": name, "obTenantId": ob_tenant_id,
                                 "mode": mode, "clusterId": cluster_id}
    return tenant_id


def _add_host(engine, address, cluster_id=None):
    host_id = _next_id(engine.hosts, 1)
    engine.hosts[host_id] = {"id": host_id, "ip": address, "clusterId": cluster_id}
    return host_id
