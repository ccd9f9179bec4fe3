"""Errors raised by the engine.

Each carries the HTTP status it stands for and its `kind`: the field of
profiles.ErrorCodes that gives its `error.code` in the OCP version being simulated
(20003 in OCP Express, 4007 in OCP 4.0, "TSK10007" in OCP 4.2, ...).
"""


class SimError(Exception):
    """Base of every error the engine reports to a client."""

    http_status = 500
    kind = "internal"


class NotFound(SimError):
    """A task or subtask id that does not exist (404; OCP Express 20000, OCP TSK10001)."""

    http_status = 404
    kind = "task_not_found"

    def __init__(self, kind, ident):
        if kind not in ("task", "subtask"):
            raise ValueError(f"unknown kind {kind!r}")
        self.kind_of_target = kind   # "task" or "subtask"
        self.ident = ident
        super().__init__(f"The {kind} {ident} does not exist.")


class IllegalAction(SimError):
    """An action the current state does not allow (400; OCP Express 20003, OCP TSK10007).

    `action` "skip" makes it a refused skip, which OCP's error table numbers on its own
    (TSK10010 "Subtask {0} can not skip."); OCP Express uses its state error for both.
    """

    http_status = 400

    def __init__(self, target_id, state, action=None):
        self.target_id = target_id
        self.state = state
        self.action = action
        self.kind = "skip_refused" if action == "skip" else "illegal_state"
        super().__init__(
            f"This operation is not supported for the {target_id} task in the {state} state."
        )


class RollbackProhibited(SimError):
    """Rollback of a task flagged prohibitRollback (400; OCP Express 20004, OCP TSK10009)."""

    http_status = 400
    kind = "rollback_prohibited"

    def __init__(self, task_id):
        self.task_id = task_id
        super().__init__(f"Rollback is prohibited for the {task_id} task.")


class BadRequest(SimError):
    """A malformed or invalid request parameter (400; OCP Express 10001, OCP COM10001)."""

    http_status = 400
    kind = "bad_parameter"

    def __init__(self, message):
        self.message = message
        super().__init__(message)


class UnsortableField(BadRequest):
    """`sort` by a field that cannot be sorted (400; OCP COM10011, OCP Express 10001)."""

    kind = "unsortable_field"


class ScenarioError(ValueError):
    """An invalid scenario file. Not a client error: the simulator refuses to start."""

    def __init__(self, path, key, problem):
        self.path = str(path)
        self.key = key
        self.problem = problem
        super().__init__(f"{self.path}: {key}: {problem}")
