"""What clients see: OCP's dict shapes for tasks and subtasks, and the task list query.

Dicts use OCP's camelCase names and python values (datetime, None for absent);
serialize.py in the HTTP layer turns them into JSON.

Task views are built once per revision of the task (model.Task.revision) and shared: a
`SharedView` must not be changed by its users (copy it: `{**view, "tenantId": ...}`), and
serialize.py keeps the JSON text of each, so a page of 2,000 finished tasks costs neither
building nor encoding them again.
"""

from .errors import BadRequest, UnsortableField
from .model import prohibits_rollback

NODE_TYPE = "JAVA_TASK"
EXECUTOR = "10.0.0.100:8080"   # the OCP server that runs every task of the simulation
MAX_PAGE_SIZE = 2000
SORTABLE_FIELDS = {
    "id": lambda task: task.id,
    "name": lambda task: task.name,
    "status": lambda task: task.status,
    "createTime": lambda task: task.created,
    "startTime": lambda task: task.started,
    "finishTime": lambda task: task.finished,
}


class SharedView(dict):
    """A view shared by every reader of one revision of a task: read it, never change it."""

    __slots__ = ()


def _cached(task, kind, profile, build):
    """The `kind` view of `task` in `profile`'s shape for its current revision, built at most once."""
    key = (kind, profile.name)
    cached = task.view_cache.get(key)
    if cached is not None and cached[0] == task.revision:
        return cached[1]
    view = SharedView(build(task, profile))
    task.view_cache[key] = (task.revision, view)
    return view


def _moment(moment, profile):
    """A task or subtask time as this OCP version stores it: milliseconds in OCP's docs
    (`2021-08-25T15:09:31.74+08:00`), as the engine keeps it for OCP Express."""
    if moment is None or not profile.millisecond_times:
        return moment
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _created(moment, profile):
    """createTime: whole seconds in OCP's docs (`"createTime": "2021-08-25T15:09:31+08:00"`)."""
    if moment is None or not profile.millisecond_times:
        return moment
    return moment.replace(microsecond=0)


def _scrambled(subtasks):
    """OCP returns subtasks in no fixed order; clients must order them by seriesId.

    A fixed multiplicative hash of the id shuffles them the same way every time.
    """
    return sorted(subtasks, key=lambda s: (s.id * 2654435761) % 2**32)


def _description(subtask):
    return subtask.spec.description.format_map(subtask.task.log_context(subtask))


def subtask_view(subtask, profile):
    """SubtaskInstance, with the server's spellings `parallelIdx` and `downstreams`.

    task-management.zh.md spells them `paralleIdx` and `downstream`; OCP Express's
    SubtaskInstance model, which the server serialises, and every JSON sample of OCP's docs
    have `parallelIdx`/`downstreams`.
    """
    siblings = subtask.task.subtasks
    return {
        "id": subtask.id,
        "name": subtask.spec.name,
        "seriesId": subtask.series_id,
        "description": _description(subtask),
        "timeout": subtask.spec.timeout,
        "status": subtask.status,
        "operation": subtask.operation,
        "executor": subtask.executor,
        "runTime": subtask.run_time,
        "nodeType": NODE_TYPE,
        "parallelIdx": subtask.parallel_idx,
        "upstreams": [siblings[i].id for i in subtask.upstreams],
        "downstreams": [siblings[i].id for i in subtask.downstream],
        "prohibitRollback": subtask.spec.prohibit_rollback,
        "createTime": _created(subtask.task.created, profile),
        "startTime": _moment(subtask.started, profile),
        "finishTime": _moment(subtask.finished, profile),
    }


def task_view(task, profile):
    """WrappedTaskInstance (task details)."""
    return _cached(task, "detail", profile, _task_view)


def _task_view(task, profile):
    return {
        "id": task.id,
        "name": task.name,
        "taskDefinitionId": task.template.definition_id,
        "cluster": _copy(task.cluster),
        "tenant": _copy(task.tenant),
        "creator": dict(task.creator),
        "status": task.status,
        "type": task.task_type,
        "operation": task.operation,
        "executor": EXECUTOR,
        "prohibitRollback": prohibits_rollback(task),
        "subtasks": [subtask_view(s, profile) for s in _scrambled(task.subtasks)],
        "createTime": _created(task.created, profile),
        "startTime": _moment(task.started, profile),
        "finishTime": _moment(task.finished, profile),
    }


def basic_task_view(task, profile):
    """BasicTaskInstance, the list endpoint's lighter shape."""
    return _cached(task, "basic", profile, _basic_task_view)


def _basic_task_view(task, profile):
    return {
        "id": task.id,
        "name": task.name,
        "cluster": _copy(task.cluster),
        "tenant": _copy(task.tenant),
        "creator": dict(task.creator),
        "status": task.status,
        "startTime": _moment(task.started, profile),
        "finishTime": _moment(task.finished, profile),
        "subtasks": [
            {
                "id": s.id,
                "name": s.spec.name,
                "description": _description(s),
                "status": s.status,
                "operation": s.operation,
            }
            for s in _scrambled(task.subtasks)
        ],
    }


# What a task-starting call answers (views.started_view's `shape`).
WRAPPED_SHAPE, TASK_INSTANCE_SHAPE, SUBMITTED_DAG_SHAPE = "wrapped", "task_instance", "submitted_dag"


def started_view(task, profile, shape=WRAPPED_SHAPE, **extra):
    """The task as the call that started it answers, plus `extra` fields (e.g. tenantId).

    - WRAPPED_SHAPE: the task details (WrappedTaskInstance), as the simulator always answered
      (OCP Express's createTenant answers its TaskInstance too, see TASK_INSTANCE_SHAPE).
    - TASK_INSTANCE_SHAPE: OCP's TaskInstance (400.task-return-structure.md; the createTenant and
      batchCreate samples): flat clusterId/tenantId/hostId, `creator` the user name.
    - SUBMITTED_DAG_SHAPE: the upgrade's documented reply (700.upgrade-an-ob-cluster.md, the
      same from V3.1.1 to V4.2.2): `cluster{}`, `context`, `creator{}` and the subtasks under
      `tasks`, with no `subtasks` and no `taskDefinitionId`.
    """
    build = {WRAPPED_SHAPE: _task_view, TASK_INSTANCE_SHAPE: _task_instance_view,
             SUBMITTED_DAG_SHAPE: _submitted_dag_view}[shape]
    return {**build(task, profile), **extra}


def _task_instance_view(task, profile):
    return {
        "id": task.id,
        "name": task.name,
        "clusterId": (task.cluster or {}).get("id"),
        "tenantId": (task.tenant or {}).get("id"),
        "type": task.task_type,
        "status": task.status,
        "creator": task.creator["name"],
        "operation": task.operation,
        "executor": EXECUTOR,
        "prohibitRollback": prohibits_rollback(task),
        "subtasks": [subtask_view(s, profile) for s in _scrambled(task.subtasks)],
        "createTime": _created(task.created, profile),
        "startTime": _moment(task.started, profile),
        "finishTime": _moment(task.finished, profile),
    }


def _submitted_dag_view(task, profile):
    cluster = task.cluster or {}
    siblings = task.subtasks
    return {
        "id": task.id,
        "name": task.name,
        "cluster": {key: cluster.get(key) for key in ("id", "name", "obClusterId")},
        "context": (f"Context(parallelIdx=-1, stringMap={{cluster_name={cluster.get('name')}, "
                    f"cluster_id={cluster.get('id')}}}, listMap={{}})"),
        "creator": dict(task.creator),
        "status": task.status,
        "startTime": _moment(task.started, profile),
        "tasks": [
            {
                "id": s.id,
                "name": s.spec.name,
                "description": _description(s),
                "status": s.status,
                "operation": s.operation,
                "upstreams": [siblings[i].id for i in s.upstreams],
                "downstreams": [siblings[i].id for i in s.downstream],
            }
            for s in _scrambled(task.subtasks)
        ],
    }


def created_tenant_view(tenant, cluster, body, now, profile):
    """What OCP's synchronous create answers (500.create-a-tenant-api.md): the tenant, CREATING.

    `zoneList` and `locality` come from the body's zones (`FULL{1}@zone1, ...`, as the sample).
    """
    zones = [zone for zone in body.get("zones") or () if isinstance(zone, dict)]
    return {
        "id": tenant["id"],
        "name": tenant["name"],
        "clusterId": cluster["id"],
        "clusterName": cluster["name"],
        "clusterType": cluster.get("type"),
        "obClusterId": cluster.get("obClusterId"),
        "mode": tenant["mode"],
        "createTime": _moment(now, profile),
        "primaryZone": body.get("primaryZone") if isinstance(body.get("primaryZone"), str) else None,
        "zoneList": ";".join(str(zone.get("name")) for zone in zones),
        "locality": ", ".join(f"{zone.get('replicaType')}{{1}}@{zone.get('name')}" for zone in zones),
        "status": "CREATING",
        "locked": False,
        "readonly": False,
        "description": body.get("description") if isinstance(body.get("description"), str) else None,
    }


def _copy(value):
    return dict(value) if value is not None else None


def _contains(haystack, needles):
    """Every substring in `needles` (one string or several) is in `haystack`, ignoring case."""
    if isinstance(needles, str):
        needles = (needles,)
    return haystack is not None and all(needle.lower() in haystack.lower() for needle in needles)


def _matcher(name, statuses, task_type, cluster_name, cluster_id, tenant_name, tenant_id, host_id):
    """A predicate for the given filters; a filter left as None matches all.

    `statuses` are upper-case already; values that are no task status match nothing
    (OCP Express TaskState.fromValue turns them into null), so an empty list or a list
    of unknown values selects no task.
    """
    statuses = set(statuses) if statuses is not None else None
    tenant_name = tenant_name.lower() if tenant_name is not None else None

    def matches(task):
        cluster = task.cluster or {}
        tenant = task.tenant or {}
        return (
            (not name or _contains(task.name, name))
            and (statuses is None or task.status in statuses)
            and (task_type is None or task.task_type == task_type)
            and (not cluster_name or _contains(cluster.get("name"), cluster_name))
            and (cluster_id is None or cluster.get("id") == cluster_id)
            and (tenant_name is None or (tenant.get("name") or "").lower() == tenant_name)
            and (tenant_id is None or tenant.get("id") == tenant_id)
            and (host_id is None or host_id in task.host_ids)
        )

    return matches


def parse_sort(sort):
    """(key function, descending) from "field,asc|desc"; default id desc, newest first."""
    if not sort:
        return SORTABLE_FIELDS["id"], True
    field, _comma, direction = sort.partition(",")
    field, direction = field.strip(), (direction.strip().lower() or "asc")
    if field not in SORTABLE_FIELDS:
        raise UnsortableField(f"cannot sort by {field!r}; sortable fields are {sorted(SORTABLE_FIELDS)}")
    if direction not in ("asc", "desc"):
        raise BadRequest(f"sort direction must be asc or desc, got {direction!r}")
    return SORTABLE_FIELDS[field], direction == "desc"


def _nulls_last(key):
    """None (no finishTime yet) sorts after every value ascending, before them descending.

    Python's sort is stable, so tasks with equal values keep their id order.
    """
    def wrapped(task):
        value = key(task)
        return (True, 0) if value is None else (False, value)
    return wrapped


def select_tasks(tasks, profile, *, name=None, statuses=None, task_type=None, cluster_name=None,
                 cluster_id=None, tenant_name=None, tenant_id=None, host_id=None,
                 page=1, size=10, sort=None):
    """One page of BasicTaskInstance and the total number of matches.

    `tasks` must be in id order. Only the requested page is turned into dicts, so a page
    of 2,000 out of 10,000 tasks stays cheap.
    """
    if page < 1 or size < 1:
        raise BadRequest("page and size must be positive")
    size = min(size, MAX_PAGE_SIZE)
    key, descending = parse_sort(sort)
    matches = _matcher(name, statuses, task_type, cluster_name, cluster_id,
                       tenant_name, tenant_id, host_id)
    selected = [task for task in tasks if matches(task)]
    if key is SORTABLE_FIELDS["id"]:
        ordered = selected[::-1] if descending else selected
    else:
        ordered = sorted(selected, key=_nulls_last(key), reverse=descending)
    first = (page - 1) * size
    return [basic_task_view(task, profile) for task in ordered[first:first + size]], len(selected)
