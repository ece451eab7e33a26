"""The words of the HTML page (`--format html`) that the text report does not need, in the three languages.

Kept apart from the main catalogue so that the page's labels stay together; `page_t` falls back on the main
catalogue (`t`) for the shared words (status names, stages, headings).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from mailprobe.lang import Lang
from mailprobe.locales.messages import fill, t

_EN = {
    "page.title": "mailprobe report: {address}",
    "page.title_many": "mailprobe report: {count} mailboxes",
    "page.skip": "Skip to the report",
    "page.language": "Language",
    "page.report_id": "Report ID",
    "page.report_id_hint": "Read this ID to the help desk: it finds this report again.",
    "page.causes": "Why it does not work",
    "page.cause_card": "Cause {index}: {title}",
    "page.evidence_link": "See the check",
    "page.server_reply": "Server reply",
    "page.no_reply": "none: {failure}",
    "page.waterfall": "Every probe on one time axis",
    "page.waterfall_note": "One bar per probe, in the order they started, from {start} to {end}, counted from "
                           "the start of the check (as its deadline is).",
    "page.guard": (
        "not retried by the lockout guard (one login to a mailbox every {window}, so that retries cannot lock the"
        " account): check again after {until}"
    ),
    "page.failed_at": "failed at: {stage}",
    "page.segment": "{stage} {ms}",
    "page.not_tested": "Not tested ({count})",
    "page.settings": "Client settings to use",
    "page.settings_note": "The provider's servers, as seen by this check (article §4.2).",
    "page.settings_none": "No server of the provider was found to show here.",
    "page.protocol": "Service",
    "page.server": "Server",
    "page.port": "Port",
    "page.encryption": "Encryption",
    "page.seen": "Seen here",
    "page.summary": "Summary",
    "page.summary_caption": "{count} mailboxes checked",
    "page.offline": "This page is self-contained: it loads nothing from the network.",
    "page.generated": "Made by mailprobe {version} on the network where the check ran.",
    "page.check_at": "starts at {ms}",
    "page.colon": ":",
    "form.title": "Check a mailbox",
    "form.intro": (
        "Type the address that will not log in. The check runs from the machine serving this page, on its network,"
        " and the report says why."
    ),
    "form.address": "Email address",
    "form.address_hint": "For example zhang.san@company.com",
    "form.language": "Report language",
    "form.login_legend": "Log in too (optional)",
    "form.login": "Also try to log in with the password",
    "form.password": "Password",
    "form.login_note": (
        "Offered only because this server listens on loopback: the password goes over this connection to the mail"
        " servers and nowhere else. It is never stored, logged or shown. Each protocol is tried once; within its"
        " interval the lockout guard does not log in again, and the report shows how the last login ended."
    ),
    "form.submit": "Check",
    "form.exporter": "For Prometheus: /probe?target=ADDRESS and /metrics.",
    "form.problem": "This request cannot be checked",
    "form.progress": "Checking {address}",
    "form.progress_more": "… and {count} more finished probes, in the report below",
    "form.progress_note": "Each line is a probe that has finished; the report follows when all are done.",
    "form.progress_lines": "Probes, as each finished",
    "form.progress_done": "Done in {duration}.",
    "form.failed": "The check could not finish: {reason}",
    "form.again": "Check another address",
    "form.err.address_missing": "Type an email address.",
    "form.err.address": "This is not an address mailprobe can check: {reason}",
    "form.err.too_long": "The field “{field}” is too long: at most {limit} characters.",
    "form.err.body_too_long": "The form is too long: at most {limit} bytes.",
    "form.err.password_remote": (
        "This server does not take passwords: it listens on a network address, not on loopback. Leave the password"
        " out, or run mailprobe on your own computer to check the login."
    ),
    "form.err.password_missing": "“Log in too” needs the password.",
    "form.err.unknown_field": "The form has a field it does not know: “{field}”.",
    "form.err.repeated_field": "The field “{field}” was sent more than once.",
    "form.err.content_type": "The form must be sent as application/x-www-form-urlencoded.",
    "form.err.cross_site": "A form sent from another site is refused.",
    "form.err.token": (
        "This form has expired or did not come from this server's own page. Load the form again and send it from"
        " there."
    ),
    "form.err.query": "The check takes its fields only from the form's body, never from the URL.",
    "form.err.lang": "Unknown report language: choose one of the list.",
    "form.err.busy": "Too many checks are running at once. Try again in a minute.",
    "form.err.internal": "mailprobe failed unexpectedly ({kind}). The server's own log has no more about your input.",
}

_HANS = {
    "page.title": "mailprobe 报告：{address}",
    "page.title_many": "mailprobe 报告：{count} 个邮箱",
    "page.skip": "跳到报告正文",
    "page.language": "语言",
    "page.report_id": "报告编号",
    "page.report_id_hint": "把这个编号念给客服：凭它能找回这份报告。",
    "page.causes": "无法登录的原因",
    "page.cause_card": "原因 {index}：{title}",
    "page.evidence_link": "查看这项检查",
    "page.server_reply": "服务器回复",
    "page.no_reply": "无（{failure}）",
    "page.waterfall": "所有探测的时间轴",
    "page.waterfall_note": "每项探测一条，按开始顺序排列，时间从 {start} 到 {end}，"
                           "自检查开始时起算（与截止时间相同）。",
    "page.guard": (
        "防锁定保护未重试（同一邮箱每 {window} 只登录一次，以免反复尝试导致账号被锁定）：请在 {until} 之后再检查"
    ),
    "page.failed_at": "失败于：{stage}",
    "page.segment": "{stage} {ms}",
    "page.not_tested": "未测试（{count}）",
    "page.settings": "应使用的客户端设置",
    "page.settings_note": "本次检查看到的服务商服务器（原文第 4.2 节）。",
    "page.settings_none": "没有找到可显示的服务商服务器。",
    "page.protocol": "服务",
    "page.server": "服务器",
    "page.port": "端口",
    "page.encryption": "加密",
    "page.seen": "本次结果",
    "page.summary": "汇总",
    "page.summary_caption": "共检查 {count} 个邮箱",
    "page.offline": "本页面自成一体：不从网络加载任何内容。",
    "page.generated": "由 mailprobe {version} 在执行检查的网络上生成。",
    "page.check_at": "开始于 {ms}",
    "page.colon": "：",
    "form.title": "检查邮箱",
    "form.intro": "输入无法登录的邮箱地址。检查在提供本页面的这台机器上、通过它所在的网络进行，报告会说明原因。",
    "form.address": "邮箱地址",
    "form.address_hint": "例如 zhang.san@company.com",
    "form.language": "报告语言",
    "form.login_legend": "同时尝试登录（可选）",
    "form.login": "也用密码尝试登录",
    "form.password": "密码",
    "form.login_note": (
        "仅因本服务只监听本机回环地址才提供此项：密码经此连接只发往邮件服务器，不会保存、记录或显示。每种协议只尝试"
        "一次；在间隔期内防锁定保护不会再次登录，报告会显示上一次登录的结果。"
    ),
    "form.submit": "检查",
    "form.exporter": "供 Prometheus 使用：/probe?target=地址 和 /metrics。",
    "form.problem": "无法检查这个请求",
    "form.progress": "正在检查 {address}",
    "form.progress_more": "……另有 {count} 项已完成的探测，见下方报告",
    "form.progress_note": "每一行是一项已完成的探测；全部完成后显示报告。",
    "form.progress_lines": "各项探测（按完成先后）",
    "form.progress_done": "用时 {duration}。",
    "form.failed": "检查未能完成：{reason}",
    "form.again": "检查另一个地址",
    "form.err.address_missing": "请输入邮箱地址。",
    "form.err.address": "这不是 mailprobe 能检查的地址：{reason}",
    "form.err.too_long": "“{field}”太长：最多 {limit} 个字符。",
    "form.err.body_too_long": "表单太长：最多 {limit} 字节。",
    "form.err.password_remote": (
        "本服务不接收密码：它监听的是网络地址，而不是本机回环地址。请不要填写密码，或在自己的电脑上运行 mailprobe"
        " 来检查登录。"
    ),
    "form.err.password_missing": "“同时尝试登录”需要填写密码。",
    "form.err.unknown_field": "表单中有未知字段：“{field}”。",
    "form.err.repeated_field": "字段“{field}”重复提交。",
    "form.err.content_type": "表单必须以 application/x-www-form-urlencoded 提交。",
    "form.err.cross_site": "拒绝来自其他网站的表单。",
    "form.err.token": "此表单已过期，或并非来自本服务器自己的页面。请重新打开表单，再从那里提交。",
    "form.err.query": "检查只从表单正文读取字段，从不读取网址中的参数。",
    "form.err.lang": "未知的报告语言：请从列表中选择。",
    "form.err.busy": "同时运行的检查太多，请一分钟后再试。",
    "form.err.internal": "mailprobe 意外出错（{kind}）。服务器日志中不含您的输入。",
}

_HANT = {
    "page.title": "mailprobe 報告：{address}",
    "page.title_many": "mailprobe 報告：{count} 個信箱",
    "page.skip": "跳到報告內容",
    "page.language": "語言",
    "page.report_id": "報告編號",
    "page.report_id_hint": "把這個編號唸給客服：憑它能找回這份報告。",
    "page.causes": "無法登入的原因",
    "page.cause_card": "原因 {index}：{title}",
    "page.evidence_link": "查看這項檢查",
    "page.server_reply": "伺服器回覆",
    "page.no_reply": "無（{failure}）",
    "page.waterfall": "所有探測的時間軸",
    "page.waterfall_note": "每項探測一條，依開始順序排列，時間從 {start} 到 {end}，"
                           "自檢查開始時起算（與截止時間相同）。",
    "page.guard": (
        "防鎖定保護未重試（同一信箱每 {window} 只登入一次，以免反覆嘗試導致帳號遭鎖定）：請在 {until} 之後再檢查"
    ),
    "page.failed_at": "失敗於：{stage}",
    "page.segment": "{stage} {ms}",
    "page.not_tested": "未測試（{count}）",
    "page.settings": "應使用的用戶端設定",
    "page.settings_note": "本次檢查看到的服務商伺服器（原文第 4.2 節）。",
    "page.settings_none": "沒有找到可顯示的服務商伺服器。",
    "page.protocol": "服務",
    "page.server": "伺服器",
    "page.port": "連接埠",
    "page.encryption": "加密",
    "page.seen": "本次結果",
    "page.summary": "摘要",
    "page.summary_caption": "共檢查 {count} 個信箱",
    "page.offline": "本頁面自成一體：不從網路載入任何內容。",
    "page.generated": "由 mailprobe {version} 在執行檢查的網路上產生。",
    "page.check_at": "開始於 {ms}",
    "page.colon": "：",
    "form.title": "檢查信箱",
    "form.intro": "輸入無法登入的信箱地址。檢查在提供本頁面的這台機器上、透過它所在的網路進行，報告會說明原因。",
    "form.address": "信箱地址",
    "form.address_hint": "例如 zhang.san@company.com",
    "form.language": "報告語言",
    "form.login_legend": "同時嘗試登入（選填）",
    "form.login": "也用密碼嘗試登入",
    "form.password": "密碼",
    "form.login_note": (
        "僅因本服務只監聽本機迴路位址才提供此項：密碼經此連線只送往郵件伺服器，不會儲存、記錄或顯示。每種協定只嘗試"
        "一次；在間隔期內防鎖定保護不會再次登入，報告會顯示上一次登入的結果。"
    ),
    "form.submit": "檢查",
    "form.exporter": "供 Prometheus 使用：/probe?target=地址 與 /metrics。",
    "form.problem": "無法檢查這個請求",
    "form.progress": "正在檢查 {address}",
    "form.progress_more": "……另有 {count} 項已完成的探測，見下方報告",
    "form.progress_note": "每一行是一項已完成的探測；全部完成後顯示報告。",
    "form.progress_lines": "各項探測（依完成先後）",
    "form.progress_done": "用時 {duration}。",
    "form.failed": "檢查未能完成：{reason}",
    "form.again": "檢查另一個地址",
    "form.err.address_missing": "請輸入信箱地址。",
    "form.err.address": "這不是 mailprobe 能檢查的地址：{reason}",
    "form.err.too_long": "「{field}」太長：最多 {limit} 個字元。",
    "form.err.body_too_long": "表單太長：最多 {limit} 位元組。",
    "form.err.password_remote": (
        "本服務不接收密碼：它監聽的是網路位址，而不是本機迴路位址。請不要填寫密碼，或在自己的電腦上執行 mailprobe"
        " 來檢查登入。"
    ),
    "form.err.password_missing": "「同時嘗試登入」需要填寫密碼。",
    "form.err.unknown_field": "表單中有未知欄位：「{field}」。",
    "form.err.repeated_field": "欄位「{field}」重複送出。",
    "form.err.content_type": "表單必須以 application/x-www-form-urlencoded 送出。",
    "form.err.cross_site": "拒絕來自其他網站的表單。",
    "form.err.token": "此表單已過期，或並非來自本伺服器自己的頁面。請重新開啟表單，再從那裡送出。",
    "form.err.query": "檢查只從表單本文讀取欄位，從不讀取網址中的參數。",
    "form.err.lang": "未知的報告語言：請從清單中選擇。",
    "form.err.busy": "同時執行的檢查太多，請一分鐘後再試。",
    "form.err.internal": "mailprobe 意外出錯（{kind}）。伺服器日誌中不含您的輸入。",
}

PAGE_MESSAGES: Mapping[Lang, Mapping[str, str]] = MappingProxyType({
    "en": MappingProxyType(_EN), "zh-Hans": MappingProxyType(_HANS), "zh-Hant": MappingProxyType(_HANT),
})
# Each language's name in its own words, for the language switch.
LANG_NAMES: Mapping[Lang, str] = MappingProxyType({"en": "English", "zh-Hans": "简体中文", "zh-Hant": "繁體中文"})


def page_t(key: str, lang: Lang, **params: object) -> str:
    """A page word in `lang`; keys not of the page come from the main catalogue."""
    template = PAGE_MESSAGES[lang].get(key)
    if template is None:
        return t(key, lang, **params)
    return fill(template, **params)
