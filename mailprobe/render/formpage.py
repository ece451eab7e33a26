"""The pages of `mailprobe serve`'s form: the form itself (also with a message, for a 400), and the pieces
of the streamed answer that go around the report page (`render/html.py` `page_head`, `page_body`,
`page_foot`): the progress section, opened at once, a line per finished probe, closed with the time taken
or what stopped the check; and the link to check another address.

Plain values in, escaped HTML out (the templates autoescape): the progress lines quote what servers said.
"""

from __future__ import annotations

from collections.abc import Mapping

from mailprobe.lang import LANGS, Lang
from mailprobe.render.html import _template

# The form's answers and pages load nothing and run nothing; the form posts only to this server.
FORM_META_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'"
# As a header too, with what a <meta> cannot say (frame-ancestors).
FORM_CSP = FORM_META_CSP + "; frame-ancestors 'none'"
# The streamed report page carries the report's own small inline script (the language switch).
PAGE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'")


def form_page(
    lang: Lang, *, loopback: bool, limits: Mapping[str, int], address: str = "", error: str | None = None
) -> str:
    """The form in `lang`: address, report language and — only on a loopback listener — the login opt-in
    with its password field. `error` (already in words) is shown above it; `address` refills the field."""
    from mailprobe.locales.page import LANG_NAMES, page_t

    keys = ("title", "intro", "address", "address_hint", "login_legend", "login", "password", "login_note",
            "submit", "exporter", "problem")
    words = {key: page_t(f"form.{key}", lang) for key in keys}
    words.update(skip=page_t("page.skip", lang), language=page_t("page.language", lang),
                 report_language=page_t("form.language", lang))
    return _template("form.html.j2").render(
        lang=lang, csp=FORM_META_CSP, w=words, langs=[(code, LANG_NAMES[code]) for code in LANGS],
        loopback=loopback, limits=limits, address=address, error=error,
    )


def progress_open(lang: Lang, heading: str, note: str) -> str:
    return _template("progress_open.html.j2").render(lang=lang, heading=heading, note=note)


def progress_line(status: str, mark: str, status_word: str, label: str, summary: str) -> str:
    return _template("progress_line.html.j2").render(
        status=status, mark=mark, status_word=status_word, label=label, summary=summary)


def progress_close(done: str | None = None, problem: str = "", error: str | None = None) -> str:
    return _template("progress_close.html.j2").render(done=done, problem=problem, error=error)


def again(lang: Lang, text: str) -> str:
    return _template("again.html.j2").render(lang=lang, text=text)
