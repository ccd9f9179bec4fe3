"""What clients see: OCP's dict shapes for tasks and subtasks, and the task list query.

Dicts use OCP's camelCase names and python values (datetime, None for absent);
serialize.py in the HTTP layer turns them into JSON.
"""

from .errors import BadRequest
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


def _scrambled(subtasks):
    """OCP returns subtasks in no fixed order; clients must order them by seriesId.

    A fixed multiplicative hash of the id shuffles them the same way every time.
    """
    return sorted(subtasks, key=lambda s: (s.id * 2654435761) % 2**32)


def subtask_view(subtask):
    """SubtaskInstance, with the server's spellings `parallelIdx` and `downstreams`.

    task-management.zh.md spells them `paralleIdx` and `downstream`; OCP Express's
    SubtaskInstance model, which the server serialises, has `parallelIdx`/`downstreams`.
    """
    siblings = subtask.task.subtasks
    return {
        "id": subtask.id,
        "name": subtask.spec.name,
        "seriesId": subtask.series_id,
        "description": subtask.spec.description.format_map(subtask.task.log_context(subtask)),
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
        "createTime": subtask.task.created,
        "startTime": subtask.started,
        "finishTime": subtask.finished,
    }


def task_view(task):
    """WrappedTaskInstance."""
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
        "subtasks": [subtask_view(s) for s in _scrambled(task.subtasks)],
        "createTime": task.created,
        "startTime": task.started,
        "finishTime": task.finished,
    }


def basic_task_view(task):
    """BasicTaskInstance, the list endpoint's lighter shape."""
    return {
        "id": task.id,
        "name": task.name,
        "cluster": _copy(task.cluster),
        "tenant": _copy(task.tenant),
        "creator": dict(task.creator),
        "status": task.status,
        "startTime": task.started,
        "finishTime": task.finished,
        "subtasks": [
            {
                "id": s.id,
                "name": s.spec.name,
                "description": s.spec.description.format_map(task.log_context(s)),
                "status": s.status,
                "operation": s.operation,
            }
            for s in _scrambled(task.subtasks)
        ],
    }


def _copy(value):
    return dict(value) if value is not None else None


def _contains(haystack, needle):
    return haystack is not None and needle.lower() in haystack.lower()


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
            (name is None or _contains(task.name, name))
            and (statuses is None or task.status in statuses)
            and (task_type is None or task.task_type == task_type)
            and (cluster_name is None or _contains(cluster.get("name"), cluster_name))
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
        raise BadRequest(f"cannot sort by {field!r}; sortable fields are {sorted(SORTABLE_FIELDS)}")
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


def select_tasks(tasks, *, name=None, statuses=None, task_type=None, cluster_name=None,
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
    return [basic_task_view(task) for task in ordered[first:first + size]], len(selected)
