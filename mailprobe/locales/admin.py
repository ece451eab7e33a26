"""The words of `check --admin` (the admin record's summary), in each language: merged into the catalogue by
messages.py. The provider's own words are quoted as they are, never translated."""

from __future__ import annotations

EN: dict[str, str] = {
    "admin.api.exmail": "Exmail open API",
    "admin.api.graph": "Microsoft Graph",
    "admin.api.google": "Google Admin SDK",
    "admin.api.none": "admin API",
    "summary.admin.records": "{api} says: {quotes}",
    "summary.admin.quote": "«{text}» ({source}, {at})",
    "summary.admin.quote_untimed": "«{text}» ({source})",
    "summary.admin.nothing": "{api} answered, with nothing to note",
    "summary.admin.sep": "; ",
    "summary.admin.no_api": "--admin: this provider ({detail}) has no administrator API mailprobe knows",
    "summary.admin.no_credentials": "--admin: no credentials for this provider's API ({detail})",
    "summary.admin.problem.invalid_credentials": (
        "{api} refused the administrator credentials ({call}: {code} {detail}); the wire checks ran regardless"
    ),
    "summary.admin.problem.unknown_user": "{api} does not know this account ({call}: {code} {detail})",
    "summary.admin.problem.permission": (
        "{api}: the credentials lack the permission or licence for {call} ({code} {detail})"
    ),
    "summary.admin.problem.rate_limited": (
        "{api} asked to slow down at {call} ({code}), longer than the deadline allows: not read"
    ),
    "summary.admin.problem.api_error": "{api} answered {call} with an error ({code} {detail})",
    "summary.admin.problem.unreachable": "{api} could not be reached ({call}: {detail})",
    "summary.admin.problem.not_installed": "{api} needs an optional extra: pip install 'mailprobe[google]'",
}

ZH_HANS: dict[str, str] = {
    "admin.api.exmail": "腾讯企业邮箱开放接口",
    "admin.api.graph": "Microsoft Graph",
    "admin.api.google": "Google Admin SDK",
    "admin.api.none": "管理接口",
    "summary.admin.records": "{api} 的记录：{quotes}",
    "summary.admin.quote": "«{text}»（{source}，{at}）",
    "summary.admin.quote_untimed": "«{text}»（{source}）",
    "summary.admin.nothing": "{api} 已应答，没有需要注意的记录",
    "summary.admin.sep": "；",
    "summary.admin.no_api": "--admin：该服务商（{detail}）没有 mailprobe 支持的管理接口",
    "summary.admin.no_credentials": "--admin：没有该服务商接口的凭据（{detail}）",
    "summary.admin.problem.invalid_credentials": "{api} 拒绝了管理员凭据（{call}：{code} {detail}）；线路检查照常进行",
    "summary.admin.problem.unknown_user": "{api} 中没有这个账号（{call}：{code} {detail}）",
    "summary.admin.problem.permission": "{api}：凭据缺少调用 {call} 的权限或许可（{code} {detail}）",
    "summary.admin.problem.rate_limited": "{api} 在 {call} 要求降低频率（{code}），等待时间超出时限：未读取",
    "summary.admin.problem.api_error": "{api} 对 {call} 返回了错误（{code} {detail}）",
    "summary.admin.problem.unreachable": "无法连接 {api}（{call}：{detail}）",
    "summary.admin.problem.not_installed": "{api} 需要安装可选组件：pip install 'mailprobe[google]'",
}

ZH_HANT: dict[str, str] = {
    "admin.api.exmail": "騰訊企業郵箱開放介面",
    "admin.api.graph": "Microsoft Graph",
    "admin.api.google": "Google Admin SDK",
    "admin.api.none": "管理介面",
    "summary.admin.records": "{api} 的紀錄：{quotes}",
    "summary.admin.quote": "«{text}»（{source}，{at}）",
    "summary.admin.quote_untimed": "«{text}»（{source}）",
    "summary.admin.nothing": "{api} 已回應，沒有需要注意的紀錄",
    "summary.admin.sep": "；",
    "summary.admin.no_api": "--admin：該服務商（{detail}）沒有 mailprobe 支援的管理介面",
    "summary.admin.no_credentials": "--admin：沒有該服務商介面的憑據（{detail}）",
    "summary.admin.problem.invalid_credentials": "{api} 拒絕了管理員憑據（{call}：{code} {detail}）；線路檢查照常進行",
    "summary.admin.problem.unknown_user": "{api} 中沒有這個帳號（{call}：{code} {detail}）",
    "summary.admin.problem.permission": "{api}：憑據缺少呼叫 {call} 的權限或授權（{code} {detail}）",
    "summary.admin.problem.rate_limited": "{api} 在 {call} 要求降低頻率（{code}），等待時間超出時限：未讀取",
    "summary.admin.problem.api_error": "{api} 對 {call} 回傳了錯誤（{code} {detail}）",
    "summary.admin.problem.unreachable": "無法連線 {api}（{call}：{detail}）",
    "summary.admin.problem.not_installed": "{api} 需要安裝選用元件：pip install 'mailprobe[google]'",
}
