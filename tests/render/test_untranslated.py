"""The English-word detector of tests/cli/test_every_word_translated.py: what passes, what does not."""

from __future__ import annotations

import pytest

from tests.render.untranslated import leaks, page_text


@pytest.mark.parametrize("text", [
    "1. server_outage  (严重, 可能性 90%, 原文第 2.3 节)",  # a cause id
    "✗ 失败  imap.993/imap.exmail.qq.com/127.0.0.11  IMAP 993：连接被拒绝",  # a check id, a host, an address
    "DNS SRV _imaps._tcp.indie-shop.com：NXDOMAIN",  # an SRV name, a code
    "网页邮箱: https://qiye.aliyun.com/  [::1]:993  TLSv1.3，HTTP 503",  # a URL, an address, codes
    "服务器拒绝提供服务：«421 4.3.2 Service not available, closing channel»",  # a server's words
    "证书来自«Interception Proxy\n   CA»。",  # quoted over a wrapped line
    "可用 --ca-file；`mailprobe settings` 可以列出",  # an option, a command
    "常见的 imap.、smtp.、mail. 主机；imap.你的域名",  # host prefixes before Chinese words
    "服务商: qq（实验室） · ERR.LOGIN.IPDENY · 5.7.139",  # a provider id, codes
    "在 Microsoft 365 中改用 OAuth2；Caps Lock；Wi-Fi",  # the few proper names
])
def test_what_may_stay_untranslated(text: str) -> None:
    assert leaks(text) == []


@pytest.mark.parametrize(("text", "word"), [
    ("TLS 交握失敗：the server offers only TLSv1.1", "server"),  # the issue's own example
    ("  2026-12-07 19:54  critical server_outage (section 2.3)", "critical"),
    ("IMAP  hwimap.exmail.qq.com:993  SSL/TLS [overseas] (alternate)", "overseas"),
    ("IMAP  imap.exmail.qq.com:993  (implicit)", "implicit"),
    ("服务器回复：Connect call failed ('127.0.0.11', 54421)", "Connect"),
    ("服务商: qq (lab)", "lab"),
    ("请检查 «未关闭的引号 and then words", "then"),
])
def test_english_words_are_found(text: str, word: str) -> None:
    assert any(found.startswith(repr(word)) for found in leaks(text)), leaks(text)


def test_a_page_is_read_in_its_language_only() -> None:
    page = (
        '<html><head><style>body { color: red }</style><script>var shown = "no";</script></head><body>'
        '<button lang="en">English</button><button lang="zh-Hans">简体中文</button>'
        '<div data-lang-part="en" hidden><p>Everything answers</p></div>'
        '<div data-lang-part="zh-Hans"><p title="检查">一切正常</p>'
        '<div class="reply">服务器回复：<code data-server-reply>220 smtp.qq.com Esmtp QQ Mail Server</code></div>'
        '<p aria-label="Report id">报告编号</p></div></body></html>'
    )
    text = page_text(page, "zh-Hans")

    assert "一切正常" in text and "检查" in text and "简体中文" in text
    assert "Everything" not in text and "English" not in text and "shown" not in text and "red" not in text
    assert [found.split(" in:")[0] for found in leaks(text)] == ["'Report'", "'id'"]  # a label a reader hears
