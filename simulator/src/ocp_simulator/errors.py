"""Errors raised by the engine.

Each carries the HTTP status and OCP error code it stands for, so the HTTP layer can map
them without a lookup table of its own (see FACTS.md, "Response envelope").
"""


class SimError(Exception):
    """Base of every error the engine reports to a client."""

    http_status = 500
    error_code = 10010


class NotFound(SimError):
    """A task or subtask id that does not exist (OCP answers 404/20000)."""

    http_status = 404
    error_code = 20000

    def __init__(self, kind, ident):
        if kind not in ("task", "subtask"):
            raise ValueError(f"unknown kind {kind!r}")
        self.kind = kind
        self.ident = ident
        super().__init__(f"The {kind} {ident} does not exist.")


class IllegalAction(SimError):
    """An action the current state does not allow (OCP answers 400/20003)."""

    http_status = 400
    error_code = 20003

    def __init__(self, target_id, state):
        self.target_id = target_id
        self.state = state
        super().__init__(
            f"This operation is not supported for the {target_id} task in the {state} state."
        )


class RollbackProhibited(SimError):
    """Rollback of a task flagged prohibitRollback (OCP answers 400/20004)."""

    http_status = 400
    error_code = 20004

    def __init__(self, task_id):
        self.task_id = task_id
        super().__init__(f"Rollback is prohibited for the {task_id} task.")


class BadRequest(SimError):
    """A malformed or invalid request parameter (OCP answers 400/10001)."""

    http_status = 400
    error_code = 10001

    def __init__(self, message):
        self.message = message
        super().__init__(message)


class ScenarioError(ValueError):
    """An invalid scenario file. Not a client error: the simulator refuses to start."""

    def __init__(self, path, key, problem):
        self.path = str(path)
        self.key = key
        self.problem = problem
        super().__init__(f"{self.path}: {key}: {problem}")
