"""Error messages in OCP's two languages, chosen by the request's Accept-Language.

OCP localises `error.message` (en-US by default, zh-CN on request). Clients must key on the
HTTP status and `error.code`, never on the text: answering in Chinese when asked keeps them
honest about that. The task, not-found and login messages are OCP's own wording (OCP Express
server/src/main/resources/i18n/error/messages_*.properties), as are the skip, sort, IP and
throttling messages (OCP's error table and 200.api-call-description.md, in English); the others
are ours.
"""

ENGLISH = "en-US"
CHINESE = "zh-CN"
SUPPORTED_LOCALES = (ENGLISH, CHINESE)

MESSAGES = {
    "illegal_action": {
        ENGLISH: "This operation is not supported for the {id} task in the {state} state.",
        CHINESE: "任务{id}, 状态{state}, 不能进行此操作",
    },
    "rollback_prohibited": {
        ENGLISH: "Task {id} can not rollback.",
        CHINESE: "任务 {id} 不能回滚",
    },
    # OCP reports a missing subtask with the task message too (error.task.not.exists).
    "task_not_found": {
        ENGLISH: "The {id} task does not exist.",
        CHINESE: "任务 {id} 不存在",
    },
    "subtask_not_found": {
        ENGLISH: "The {id} task does not exist.",
        CHINESE: "任务 {id} 不存在",
    },
    "cluster_not_found": {
        ENGLISH: "Cluster {id} does not exist.",
        CHINESE: "集群 {id} 不存在。",
    },
    "bad_parameter": {
        ENGLISH: "Invalid parameter: {detail}",
        CHINESE: "参数错误：{detail}",
    },
    "unauthorized": {
        ENGLISH: "The current user has not logged on or a logon error has occurred. Please log on and try again.",
        CHINESE: "当前用户没有登录或登录出错了，请登陆后重试",
    },
    "forbidden": {
        ENGLISH: "Access denied: this operation requires the {role} permission.",
        CHINESE: "权限不足：该操作需要 {role} 权限。",
    },
    "method_not_allowed": {
        ENGLISH: "Request method '{method}' is not supported.",
        CHINESE: "不支持请求方法 '{method}'。",
    },
    "unsupported_media_type": {
        ENGLISH: "Content type '{content_type}' not supported; send application/json.",
        CHINESE: "不支持的内容类型 '{content_type}'，请使用 application/json。",
    },
    "skip_refused": {
        ENGLISH: "Subtask {id} can not skip.",
        CHINESE: "子任务 {id} 不能跳过",
    },
    "unsortable_field": {
        ENGLISH: "The {field} field cannot be used for sorting.",
        CHINESE: "字段 {field} 不能用于排序。",
    },
    "too_many_requests": {
        ENGLISH: "Excessive number of requests. You have exceeded the request limit for the current throttling window.",
        CHINESE: "请求次数过多，已超过当前限流时间窗口的请求次数上限。",
    },
    "ip_restricted": {
        ENGLISH: "The request from IP address {ip} is restricted. Please try again later.",
        CHINESE: "来自 IP 地址 {ip} 的请求受限，请稍后重试。",
    },
    "internal_error": {
        ENGLISH: "Internal server error.",
        CHINESE: "服务器内部错误。",
    },
}


def best_locale(accept_languages):
    """The locale to answer in, from Werkzeug's parsed Accept-Language (`request.accept_languages`).

    Werkzeug also matches a bare `zh` to `zh-CN`; anything else falls back to English.
    """
    return accept_languages.best_match(SUPPORTED_LOCALES, default=ENGLISH)


def translate(message_key, locale, **params):
    """The message for `message_key` in `locale`, with `{placeholders}` filled from params."""
    templates = MESSAGES[message_key]
    return templates.get(locale, templates[ENGLISH]).format(**params)
