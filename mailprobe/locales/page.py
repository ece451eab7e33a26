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
    "page.waterfall": "Every probe on one time axis",
    "page.waterfall_note": "One bar per probe, in the order they started, from 0 to {total}.",
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
    "page.waterfall": "所有探测的时间轴",
    "page.waterfall_note": "每项探测一条，按开始顺序排列，时间从 0 到 {total}。",
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
    "page.waterfall": "所有探測的時間軸",
    "page.waterfall_note": "每項探測一條，依開始順序排列，時間從 0 到 {total}。",
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
