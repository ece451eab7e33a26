"""The HTML page without a browser: self-contained, escaped, three languages, a stable report id, and the
CLI's `--format html` / `--output` for `explain` (tests/browser/ opens the same pages in Chromium)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest

from mailprobe.compose import relocalize
from mailprobe.profiles import load_profiles
from mailprobe.render import FORMATS, RenderOptions
from mailprobe.report import report_id
from mailprobe.translations import translated_page, translations
from tests.render.pages import FAILING, HOSTILE_REPLY, sample_report
from tests.support.command import run_mailprobe


@pytest.fixture(scope="module")
def page() -> str:
    return translated_page([sample_report(50)], "en")


def inline_hash(text: str) -> str:
    """The CSP source a browser matches an inline element's text against."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def _csp(page: str) -> str:
    found = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
    assert len(found) == 1
    return found[0].replace("&#39;", "'")


def test_the_page_loads_nothing_from_anywhere(page: str) -> None:
    assert "default-src 'none'" in _csp(page)
    assert not re.search(r"""\b(src|href|action)\s*=\s*["']?(https?:|//|data:)""", page, re.IGNORECASE)
    assert "<link" not in page and "@import" not in page and "url(" not in page
    # The stylesheet, the waterfall's geometry (body) and the language switch: nothing else is inline.
    assert page.count("<script>") == 1 and page.count("<style>") == 2


def test_the_saved_page_allows_its_own_style_and_script_by_hash_and_nothing_inline(page: str) -> None:
    """Issue 18 finding 21: no 'unsafe-inline' (a script slipped into the page would run); the CSP names the
    SHA-256 of each of the page's own <style> and <script> texts, so exactly those run; and no style attribute
    is left for an inline-style allowance (the waterfall is placed by classes)."""
    csp = _csp(page)
    assert "unsafe-inline" not in csp and "unsafe-hashes" not in csp and "nonce-" not in csp
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    styles = re.findall(r"<style>(.*?)</style>", page, re.DOTALL)
    scripts = re.findall(r"<script>(.*?)</script>", page, re.DOTALL)
    assert sorted(directives["style-src"].split()) == sorted(inline_hash(text) for text in styles)
    assert directives["script-src"].split() == [inline_hash(text) for text in scripts]
    assert not re.search(r"\sstyle\s*=", page)
    # Each bar is placed: its geometry classes are defined in the page's own stylesheet.
    geometry = styles[1]
    for classes in re.findall(r'class="bar ([^"]+)"', page):
        for name in classes.split():
            assert f".{name}{{" in geometry, name


def test_a_hostile_server_reply_is_escaped_never_markup(page: str) -> None:
    assert "<script>window.__pwned" not in page
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt; busy" in page
    assert HOSTILE_REPLY.startswith("421 <script>")


def test_control_characters_from_a_server_are_made_visible() -> None:
    report = sample_report(5)
    checks = [c.model_copy(update={"summary": "ok\x1b[2J\u202egnp.exe"}) for c in report.checks]
    html = translated_page([report.model_copy(update={"checks": checks})], "en", load_profiles())
    assert "\x1b" not in html and "\u202e" not in html


def test_the_page_carries_three_languages_with_en_shown_first(page: str) -> None:
    assert '<html lang="en">' in page
    for lang in ("en", "zh-Hans", "zh-Hant"):
        assert f'<div class="part" lang="{lang}" data-lang-part="{lang}"' in page
    assert re.search(r'data-lang-part="zh-Hant"[^>]*hidden>', page)
    assert not re.search(r'<div class="part" lang="en"[^>]*hidden>', page)
    assert "服務商" in page and "服务商" in page


def test_lang_chooses_the_language_shown_first() -> None:
    html = translated_page([sample_report(10)], "zh-Hant")
    assert '<html lang="zh-Hant">' in html
    assert not re.search(r'<div class="part" lang="zh-Hant"[^>]*hidden>', html)
    assert re.search(r'<div class="part" lang="en"[^>]*hidden>', html)


def test_one_bar_per_probe_in_start_order_with_sub_segments_and_the_failing_step(page: str) -> None:
    report = sample_report(50)
    english = page.split('data-lang-part="zh-Hans"')[0]
    bars = re.findall(r'data-bar data-check="([^"]+)"', english)
    ran = [c for c in report.checks if c.status != "skip"]
    assert bars == [c.id for _, c in sorted(enumerate(ran), key=lambda item: (item[1].started_ms, item[0]))]
    assert "seg seg-connect" in english and "seg seg-tls" in english and "seg seg-greeting" in english
    assert "failed at: greeting" in english
    assert 'class="bar-row st-fail culprit"' in english


def test_each_piece_of_evidence_links_to_its_check(page: str) -> None:
    english = page.split('data-lang-part="zh-Hans"')[0]
    targets = re.findall(r'data-evidence-for="([^"]+)"', english)
    assert len(targets) == 3
    for target in targets:
        assert f'id="{target}"' in english
    assert f'data-check="{FAILING}"' in english


def test_client_settings_come_from_the_providers_checks(page: str) -> None:
    english = page.split('data-lang-part="zh-Hans"')[0]
    settings = english.split("Client settings to use")[1].split("</section>")[0]
    assert "imap.exmail.qq.com" in settings and "993" in settings and "SSL/TLS" in settings
    assert "STARTTLS" in settings and "587" in settings
    assert "smtp.qiye.163.com" not in settings  # a baseline is someone else's server
    assert "https://exmail.qq.com/login" in settings
    assert "article §4.2" in settings


def test_the_report_id_is_short_stable_and_the_same_in_every_language() -> None:
    report = sample_report(20)
    code = report_id(report)
    assert re.fullmatch(r"[A-Z2-7]{4}-[A-Z2-7]{4}", code)
    assert report_id(relocalize(report, "zh-Hant", load_profiles())) == code
    later = report.model_copy(update={"started_at": report.started_at.replace(minute=31)})
    assert report_id(later) != code


def test_fifty_checks_stay_under_200_kb(page: str) -> None:
    assert len(page.encode("utf-8")) < 200 * 1024


def test_html_is_in_the_format_table_and_takes_the_translations() -> None:
    report = sample_report(8)
    every = translations([report])
    html = FORMATS["html"].render([report], RenderOptions(translations=every))
    assert FORMATS["html"].translated and 'data-lang-part="zh-Hans"' in html
    alone = FORMATS["html"].render([report], RenderOptions())
    assert 'data-lang-part="zh-Hans"' not in alone and 'data-lang-part="en"' in alone


def test_explain_writes_one_page_with_a_summary_table_for_several_reports(tmp_path: Path) -> None:
    first, second = sample_report(12), sample_report(12, healthy=True)
    saved = tmp_path / "reports.jsonl"
    saved.write_text(first.model_dump_json() + "\n" + second.model_dump_json() + "\n", encoding="utf-8")
    out = tmp_path / "page.html"
    result = run_mailprobe("explain", str(saved), "--format", "html", "--lang", "zh-Hans", "--output", str(out))
    assert result.code == 2, result.stderr
    assert result.stdout == ""
    html = out.read_text(encoding="utf-8")
    assert '<html lang="zh-Hans">' in html
    summary = html.split('<section class="summary"')[1].split("</section>")[0]
    assert summary.count('<tr class="st-') == 2
    assert report_id(first) in summary and report_id(second) in summary
    assert not list(tmp_path.glob(".mailprobe-*"))  # the temporary file became the page


def test_explain_html_on_stdout_and_a_bad_output_path_is_one_line(tmp_path: Path) -> None:
    saved = tmp_path / "report.json"
    saved.write_text(json.dumps(sample_report(6).model_dump(mode="json")), encoding="utf-8")
    result = run_mailprobe("explain", str(saved), "--format", "html")
    assert result.code == 2 and result.stdout.startswith("<!DOCTYPE html>")
    bad = run_mailprobe("explain", str(saved), "--format", "html", "--output", str(tmp_path / "no" / "page.html"))
    assert bad.code == 3 and bad.stdout == ""
    assert len(bad.stderr.splitlines()) == 1 and "--output" in bad.stderr


def test_the_page_words_exist_in_every_language_with_the_same_placeholders() -> None:
    from mailprobe.locales.messages import placeholders
    from mailprobe.locales.pagewords import PAGE_MESSAGES

    english = PAGE_MESSAGES["en"]
    for lang, words in PAGE_MESSAGES.items():
        assert set(words) == set(english), lang
        for key, text in words.items():
            assert placeholders(text) == placeholders(english[key]), (lang, key)


def test_check_writes_the_page_in_the_chosen_language_to_output(tmp_path: Path) -> None:
    from tests.lab.world import CUSTOMER, World

    out = tmp_path / "page.html"
    with World(tmp_path / "world", down={"qq.imap"}) as lab:
        result = run_mailprobe("check", f"zhang.san@{CUSTOMER}", "--format", "html", "--lang", "zh-Hant",
                               "--output", str(out), *lab.cli_args())
    assert result.code == 2, result.stderr
    assert result.stdout == ""
    html = out.read_text(encoding="utf-8")
    assert '<html lang="zh-Hant">' in html and 'data-lang-part="en"' in html and 'data-lang-part="zh-Hans"' in html
    assert "imap.exmail.qq.com" in html and "data-cause" in html
    assert "\x1b[" not in html


def test_check_jsonl_with_output_writes_the_file_and_prints_nothing(tmp_path: Path) -> None:
    from tests.lab.world import CUSTOMER, World

    out = tmp_path / "reports.jsonl"
    with World(tmp_path / "world") as lab:
        result = run_mailprobe("check", f"zhang.san@{CUSTOMER}", "--format", "jsonl", "--output", str(out),
                               *lab.cli_args())
    assert result.code == 0, result.stderr
    assert result.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8").splitlines()[0])["status"] == "ok"


def test_no_placeholder_is_left_in_the_page_in_any_language(tmp_path: Path) -> None:
    saved = tmp_path / "report.json"
    saved.write_text(sample_report(12).model_dump_json(), encoding="utf-8")
    for lang in ("en", "zh-Hans", "zh-Hant"):
        html = run_mailprobe("explain", str(saved), "--format", "html", "--lang", lang).stdout
        text = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", html, flags=re.DOTALL)
        assert not re.findall(r"\{[a-z_]+\}", text), (lang, re.findall(r".{40}\{[a-z_]+\}.{10}", text))
        assert "§{" not in html and "第 {" not in html


def test_a_refused_port_is_said_as_no_answer_never_as_an_exception_text(tmp_path: Path) -> None:
    from tests.lab.world import CUSTOMER, World

    with World(tmp_path / "world", down={"qq.imap"}) as lab:
        result = run_mailprobe("check", f"zhang.san@{CUSTOMER}", "--format", "html", *lab.cli_args())
    assert result.code == 2, result.stderr
    english = result.stdout.split('data-lang-part="zh-Hans"')[0]
    assert "Connect call failed" not in result.stdout and "Errno" not in result.stdout
    assert re.search(r'Server reply:</span> <code data-server-reply>none: connection refused</code>', english)


def test_the_batch_summary_lists_the_worst_first(tmp_path: Path) -> None:
    healthy = sample_report(8, healthy=True).model_copy(update={"address": "a.ok@acme.com"})
    warning = sample_report(8).model_copy(update={"address": "b.warn@acme.com", "status": "warning"})
    critical = sample_report(8).model_copy(update={"address": "c.crit@acme.com"})
    saved = tmp_path / "reports.jsonl"
    saved.write_text("\n".join(r.model_dump_json() for r in (healthy, warning, critical)) + "\n", encoding="utf-8")
    html = run_mailprobe("explain", str(saved), "--format", "html").stdout
    summary = html.split('<section class="summary"')[1].split("</section>")[0]
    assert re.findall(r'<tr class="st-(\w+)">', summary) == ["critical", "warning", "ok"]
