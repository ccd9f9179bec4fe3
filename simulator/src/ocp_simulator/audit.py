"""OCP's historical events: `GET /api/v2/audit/events` (AUDIT_VIEWER).

OCP records each operation a user performs (1200.ocp-historical-events/100.query-historical-events.md,
ocp-doc V4.2.1 and V4.2.2, and the OCP 4.3 API pages): CREATE_TENANT, UPGRADE_OB_CLUSTER,
TAKE_OVER_OB_CLUSTER, ADD_HOSTS, ... with its resource, operator, status (SUCCESS or FAILED),
task id, the request's parameters (`eventInfo`) and its start and end time. A client whose POST
got no answer can read here whether it arrived (starters.py records every call it handles,
also one whose answer an `after_handling` fault then lost; a request a fault stopped before
it was handled never arrived, so it has no event).

The simulator records the task-starting calls: SUCCESS when the call started its task (or
created the tenant), FAILED when it was refused after authentication and the role check (a
bad body, an unknown cluster). `status` is the call's outcome, not the task's. Secrets in
`eventInfo` (every field whose name contains "password") are masked. Times are whole
seconds, as in the documented sample.
"""

import json
import threading
from datetime import datetime

from flask import Blueprint, request

from .auth import AUDIT_VIEWER
from .bodies import shown
from .web import (ApiError, bad_parameter, comma_values_arg, optional_text_arg, page_args, page_info,
                  parse_long, requires, served_where, sort_arg, state, success_response)

# operationEvent -> (eventType, resourceType), from the documented tables.
OPERATIONS = {
    "CREATE_TENANT": ("OB_TENANT_MANAGEMENT", "OB_TENANT"),
    "UPGRADE_OB_CLUSTER": ("OB_CLUSTER_MANAGEMENT", "OB_CLUSTER"),
    "TAKE_OVER_OB_CLUSTER": ("OB_CLUSTER_MANAGEMENT", "OB_CLUSTER"),
    "ADD_HOSTS": ("COMPUTE_HOST_MANAGEMENT", "COMPUTE_HOST"),
}
SUCCESS, FAILED = "SUCCESS", "FAILED"
SORTABLE = ("id", "startTime", "endTime")
MASK = "******"


class AuditLog:
    """The events, oldest first; thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self._events = []

    def record(self, *, operation, status, resource_id=None, resource_name=None, parent=None,
               operator=None, task_id=None, body=None, client_ip=None, started=None, ended=None):
        event_type, resource_type = OPERATIONS[operation]
        with self._lock:
            event = {
                "id": len(self._events) + 1,
                "operationEvent": operation,
                "eventType": event_type,
                "resourceType": resource_type,
                "resourceId": resource_id,
                "resourceName": resource_name,
                "parentResource": parent,
                "operatorName": operator[0] if operator else None,
                "operatorId": operator[1] if operator else None,
                "status": status,
                "taskId": task_id,
                "executionType": "NEW",
                "eventInfo": event_info(body),
                "clientIp": client_ip,
                "startTime": _whole_seconds(started),
                "endTime": _whole_seconds(ended),
            }
            self._events.append(event)
            return dict(event)

    def events(self):
        with self._lock:
            return [dict(event) for event in self._events]


def event_info(body):
    """The request's parameters as OCP writes them in `eventInfo`: JSON text, secrets masked."""
    if body is None:
        return None
    return json.dumps(_masked(body), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _masked(value):
    if isinstance(value, dict):
        return {key: MASK if "password" in str(key).lower() else _masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value


def _whole_seconds(moment):
    return moment.replace(microsecond=0) if moment is not None else None


# ---------------------------------------------------------------- GET /api/v2/audit/events

audit_api = Blueprint("audit", __name__, url_prefix="/api/v2/audit")


@audit_api.get("/events")
@served_where("audit_events")   # documented from OCP 4.2.1 on; before, an unknown URL
@requires(AUDIT_VIEWER)
def list_events():
    page, size = page_args()
    matches = _matcher()
    selected = [event for event in state().audit.events() if matches(event)]
    field, direction = (sort_arg("order") or "startTime,desc").split(",")
    if field not in SORTABLE:
        raise ApiError(400, "unsortable_field", "unsortable_field", field=field)
    # Stable sorts: ties keep the order the events happened in (id).
    selected.sort(key=lambda event: event["id"])
    selected.sort(key=lambda event: event[field], reverse=direction == "desc")
    first = (page - 1) * size
    return success_response({"contents": selected[first:first + size],
                             "page": page_info(len(selected), page, size)})


def _matcher():
    """eventType, operationEvent, operatorId (lists), resourceName, eventInfo (contained),
    status, startTime/endTime (an event that started at or after / ended at or before)."""
    event_types = comma_values_arg("eventType")
    operations = comma_values_arg("operationEvent")
    operator_ids = _long_values("operatorId")
    resource_name = optional_text_arg("resourceName")
    info = optional_text_arg("eventInfo")
    status = optional_text_arg("status")
    after, before = _time_arg("startTime"), _time_arg("endTime")

    def matches(event):
        return ((event_types is None or event["eventType"] in event_types)
                and (operations is None or event["operationEvent"] in operations)
                and (operator_ids is None or event["operatorId"] in operator_ids)
                and (resource_name is None or resource_name in (event["resourceName"] or ""))
                and (info is None or info in (event["eventInfo"] or ""))
                and (status is None or event["status"] == status)
                and (after is None or event["startTime"] >= after.replace(microsecond=0))
                and (before is None or event["endTime"] <= before))

    return matches


def _long_values(name):
    """A list of Java `Long`s: each a number in range (parse_long), else 400."""
    values = comma_values_arg(name)
    if values is None:
        return None
    return {parse_long(value, name) for value in values}


def _time_arg(name):
    text = (request.args.get(name) or "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise bad_parameter(f"{name} must be an ISO 8601 time with offset, got {shown(text)}") from None
    if moment.tzinfo is None:
        raise bad_parameter(f"{name} must carry an offset, got {shown(text)}")
    return moment
