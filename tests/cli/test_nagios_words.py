"""Nagios's long output speaks the report's language: a cause line names the article's section in the reader's
words, never the English "section" (issue 19, item 3)."""

from __future__ import annotations

import pytest

from tests.support.command import REPO, Run

SAVED = REPO / "tests" / "fixtures" / "report-v1-outage.json"


@pytest.mark.parametrize(("lang", "words"), [("en", "(section "), ("zh-Hans", "(原文第 "), ("zh-Hant", "(原文第 ")])
def test_a_cause_line_names_its_section_in_the_readers_language(run: Run, lang: str, words: str) -> None:
    shown = run("explain", str(SAVED), "--lang", lang, "--format", "nagios").stdout
    causes = [line for line in shown.splitlines() if line.startswith("[")]
    assert causes and all(words in line for line in causes), shown
    if lang != "en":
        assert "section" not in shown, shown
