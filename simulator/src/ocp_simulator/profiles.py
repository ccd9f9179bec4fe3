"""OCP version profiles: every way the OCP versions the simulator plays differ, in one table.

`--ocp-version` (or OCP_SIMULATOR_OCP_VERSION, a scenario's `settings.ocp_version`, the admin
API's settings) picks one. A profile is data: the modules that behave differently read the
field they need (logs.py the log format, app.py the codes, bodies and replies, auth.py the
schemes, guard.py the throttling and lock-out), and no module asks which version it is.

Evidence, per field, is in docs/simulator.md ("OCP version profiles"); in short:
- "3.1", "4.0", "4.2": OCP's documentation, github.com/oceanbase/ocp-doc branches V3.1.1,
  V4.0.3 and V4.2.2 (API reference, error table, configuration parameters);
- "4.3": OCP 4.3's API pages on en.oceanbase.com; where they are silent, V4.2.2;
- "express": OCP Express's code (github.com/oceanbase/ocp-express), which shares OCP's task
  engine; where it has no such API (it serves /api/v1), the simulator's earlier behaviour,
  which the collection's tests were written against.
"""

from dataclasses import dataclass

EXPRESS = "express"
PROFILE_NAMES = ("3.1", "4.0", "4.2", "4.3", EXPRESS)
DEFAULT_PROFILE = "4.2"
ENVIRONMENT_VARIABLE = "OCP_SIMULATOR_OCP_VERSION"


@dataclass(frozen=True)
class ErrorCodes:
    """`error.code` of each kind of error (the HTTP status does not depend on the profile)."""

    task_not_found: object       # 404: a task or subtask id that does not exist
    illegal_state: object        # 400: an action the task's or subtask's state does not allow
    rollback_prohibited: object  # 400: rollback of a prohibitRollback task
    skip_refused: object         # 400: a skip the subtask's state does not allow
    bad_parameter: object        # 400: a bad parameter or body
    not_found: object            # 404: a cluster (or other resource) that does not exist
    unauthenticated: object      # 401
    forbidden: object            # 403
    ip_restricted: object        # 401: the client's IP is locked out after failed logins
    unsortable_field: object     # 400: `sort` by a field that cannot be sorted
    internal: object             # 500


# OCP Express: core/i18n/ErrorCodes.java; a 401 comes from the security filter with code 0.
EXPRESS_CODES = ErrorCodes(
    task_not_found=20000, illegal_state=20003, rollback_prohibited=20004, skip_refused=20003,
    bad_parameter=10001, not_found=0, unauthenticated=0, forbidden=30014, ip_restricted=0,
    unsortable_field=10001, internal=10010)
# OCP 3.1.1 to 4.2.1: the numeric table (V3.1.1 ocp-error-information-table.md, V4.0.3
# ocp-error-table.md; 3.1.1 lists neither 4009 nor 4010, V4.0.3 does).
NUMBERED_CODES = ErrorCodes(
    task_not_found=4001, illegal_state=4007, rollback_prohibited=4009, skip_refused=4010,
    bad_parameter=1001, not_found=1002, unauthenticated=3000, forbidden=3100, ip_restricted=3014,
    unsortable_field=1011, internal=1999)
# OCP 4.2.2 on: codes with a module prefix, so strings (V4.2.2 2100.appendix/100.ocp-error-table.md).
LETTERED_CODES = ErrorCodes(
    task_not_found="TSK10001", illegal_state="TSK10007", rollback_prohibited="TSK10009",
    skip_refused="TSK10010", bad_parameter="COM10001", not_found="COM10002",
    unauthenticated="IAM10000", forbidden="IAM11000", ip_restricted="IAM10014",
    unsortable_field="COM10011", internal="COM10999")


@dataclass(frozen=True)
class LoginLockout:
    """`ocp.iam.login.max-attempts` failed logins in a row block the client IP for
    `ocp.iam.login.lockout-minutes`."""

    max_attempts: int
    lockout_minutes: int


# OCP documents throttling on by default (`ocp.iam.rate-limit.enabled`, `.on-user.enabled`:
# true) with per-user strategies over windows of 10 s, 1 min, 1 h and 1 day, but no default
# numbers: these are the simulator's, low enough that a client that polls in bursts meets them.
OCP_RATE_LIMIT = ((10, 50), (60, 240))

# Tenant administrator passwords.
TWO_OF_EACH = "two_of_each"    # 8-32 characters, >= 2 digits, upper, lower, and of `._+@#$%`
THREE_KINDS = "three_kinds"    # 8-32 characters, 3 of digits, upper, lower, `~!@#%^&*_-+=|(){}[]:;,.?/`
NOT_BLANK = "not_blank"        # OCP Express: @NotEmpty only

SPRING_LOG, EXPRESS_LOG = "spring", "express"
SUBMITTED_DAG, TASK_REPLY = "submitted_dag", "task"
TASK_INSTANCE, WRAPPED = "task_instance", "wrapped"


@dataclass(frozen=True)
class Profile:
    name: str
    docs: str                        # where this version's behaviour is read
    build_version: str               # GET /api/v2/info's buildVersion
    log_format: str                  # SPRING_LOG (OCP's docs) or EXPRESS_LOG (OCP Express)
    errors: ErrorCodes
    upgrade_body: tuple              # the upgrade body's fields: (name, type, required), see below
    upgrade_accepts_version: bool    # the simulator's legacy {"version": ...} (express only)
    upgrade_reply: str               # SUBMITTED_DAG (OCP's documented reply) or TASK_REPLY
    start_reply: str                 # createTenant/takeOver/batchCreate: TASK_INSTANCE or WRAPPED
    aksk: bool                       # AK/SK signatures accepted
    rate_limit: tuple                # default per-user windows ((seconds, limit), ...); () off
    login_lockout: object            # LoginLockout, or None
    name_filters: tuple              # list parameters matched against the task name
    cluster_name_filters: tuple      # list parameters matched against the cluster name
    replica_types: tuple
    password_rule: str
    millisecond_times: bool          # task times in ms, createTime in whole seconds
    synchronous_tenant_create: bool  # POST /api/v2/ob/clusters/{id}/tenants
    audit_events: bool               # GET /api/v2/audit/events
    take_over_precheck: bool         # POST /api/v2/ob/clusters/takeOverPreCheck
    take_over_needs_host_info: bool  # takeOver refuses a cluster on unmanaged hosts without hostInfo


# The upgrade body (450.cluster-information/700.upgrade-an-ob-cluster.md): up to 4.2 one required
# field; OCP 4.3's page requires upgradeMode, destVersion and operatingSystem and keeps
# rpmFileName "deprecated" (its table still says "Yes", its sample leaves it out). Field types:
# "text", "boolean", "text_array". Fields not listed are ignored, as Jackson ignores them.
UPGRADE_BY_RPM = (("rpmFileName", "text", True),)
UPGRADE_BY_VERSION = (("upgradeMode", "text", True), ("destVersion", "text", True),
                      ("operatingSystem", "text", True), ("rpmFileName", "text", False),
                      ("freezeServer", "boolean", False), ("zoneOrder", "text_array", False))

_OCP = dict(
    log_format=SPRING_LOG, upgrade_body=UPGRADE_BY_RPM, upgrade_accepts_version=False,
    upgrade_reply=SUBMITTED_DAG, start_reply=TASK_INSTANCE, aksk=True, rate_limit=OCP_RATE_LIMIT,
    login_lockout=LoginLockout(20, 30), name_filters=("name",), cluster_name_filters=("cluterName",),
    replica_types=("FULL", "LOGONLY", "READONLY"), password_rule=TWO_OF_EACH,
    millisecond_times=True, synchronous_tenant_create=True, audit_events=True,
    take_over_precheck=True, take_over_needs_host_info=True)

PROFILES = {
    "3.1": Profile(name="3.1", docs="ocp-doc V3.1.1", build_version="3.1.1-20211126152303",
                   errors=NUMBERED_CODES, **{**_OCP, "aksk": False, "audit_events": False,
                                             "login_lockout": LoginLockout(5, 30)}),
    "4.0": Profile(name="4.0", docs="ocp-doc V4.0.3", build_version="4.0.3-20230526102713",
                   errors=NUMBERED_CODES, **{**_OCP, "audit_events": False}),
    "4.2": Profile(name="4.2", docs="ocp-doc V4.2.2", build_version="4.2.2-20240322110317",
                   errors=LETTERED_CODES, **_OCP),
    "4.3": Profile(name="4.3", docs="OCP 4.3 API pages, else ocp-doc V4.2.2",
                   build_version="4.3.5-20250115104501", errors=LETTERED_CODES,
                   **{**_OCP, "upgrade_body": UPGRADE_BY_VERSION, "password_rule": THREE_KINDS}),
    EXPRESS: Profile(
        name=EXPRESS, docs="OCP Express's code", build_version="4.3.5-20250115104501",
        log_format=EXPRESS_LOG, errors=EXPRESS_CODES, upgrade_body=(("rpmFileName", "text", False),),
        upgrade_accepts_version=True, upgrade_reply=TASK_REPLY, start_reply=WRAPPED, aksk=True,
        rate_limit=(), login_lockout=None, name_filters=("name", "keyword"), cluster_name_filters=(),
        replica_types=("FULL", "READONLY"), password_rule=NOT_BLANK,
        millisecond_times=False, synchronous_tenant_create=False, audit_events=False,
        take_over_precheck=False, take_over_needs_host_info=False),
}


class UnknownProfile(ValueError):
    pass


def profile_named(name):
    """The Profile called `name` ("4.2", "express", ...); UnknownProfile for anything else."""
    profile = PROFILES.get(str(name).strip().lower() if name is not None else name)
    if profile is None:
        raise UnknownProfile(f"ocp_version must be one of {', '.join(PROFILE_NAMES)}, got {name!r}")
    return profile


def parse_rate_limit(value):
    """Windows ((seconds, limit), ...) from `off`, `10s=50,1m=240`, or {"10s": 50, ...}.

    Window lengths are written with a unit: s, m, h or d (OCP's windows are 10s, 1m, 1h, 1d,
    but any length is accepted). Raises ValueError naming what is wrong.
    """
    if value is None or value is False or (isinstance(value, str) and value.strip().lower() in ("off", "0", "")):
        return ()
    if isinstance(value, str):
        pairs = []
        for part in value.split(","):
            window, equals, limit = part.partition("=")
            if not equals:
                raise ValueError(f"rate limit {part!r} must be WINDOW=LIMIT, e.g. 10s=50")
            pairs.append((window.strip(), limit.strip()))
    elif isinstance(value, dict):
        pairs = list(value.items())
    else:
        raise ValueError(f"rate_limit must be off or a mapping of windows to limits, got {value!r}")
    windows = []
    for window, limit in pairs:
        seconds = _window_seconds(window)
        try:
            count = int(limit)
        except (TypeError, ValueError):
            count = -1
        if isinstance(limit, bool) or count < 1:
            raise ValueError(f"the limit of window {window!r} must be a positive integer, got {limit!r}")
        windows.append((seconds, count))
    return tuple(sorted(windows))


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _window_seconds(window):
    text = str(window).strip().lower()
    number, unit = text[:-1], text[-1:]
    if unit not in _UNITS or not number.isdigit() or int(number) < 1:
        raise ValueError(f"a rate-limit window is a number and a unit (s, m, h, d), e.g. 10s or 1m; got {window!r}")
    return int(number) * _UNITS[unit]


def format_rate_limit(windows):
    """The inverse of parse_rate_limit, for the admin API: "off" or {"10s": 50, "1m": 240}."""
    if not windows:
        return "off"
    return {_window_text(seconds): limit for seconds, limit in windows}


def _window_text(seconds):
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def parse_login_lockout(value):
    """A LoginLockout from `off`, `20` (30 minutes), `20/30` or {"max_attempts", "lockout_minutes"}."""
    if value is None or value is False or (isinstance(value, str) and value.strip().lower() in ("off", "0", "")):
        return None
    if isinstance(value, dict):
        unknown = set(value) - {"max_attempts", "lockout_minutes"}
        if unknown:
            raise ValueError(f"login_lockout takes max_attempts and lockout_minutes, not {sorted(unknown)}")
        attempts, minutes = value.get("max_attempts"), value.get("lockout_minutes", 30)
    else:
        attempts, _slash, minutes = str(value).partition("/")
        minutes = minutes or 30
    try:
        lockout = LoginLockout(int(attempts), int(minutes))
    except (TypeError, ValueError):
        raise ValueError(f"login_lockout must be off, ATTEMPTS or ATTEMPTS/MINUTES, got {value!r}") from None
    if lockout.max_attempts < 1 or lockout.lockout_minutes < 1:
        raise ValueError(f"login_lockout needs positive numbers, got {value!r}")
    return lockout


def format_login_lockout(lockout):
    if lockout is None:
        return "off"
    return {"max_attempts": lockout.max_attempts, "lockout_minutes": lockout.lockout_minutes}
