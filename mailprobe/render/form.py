"""The pages of `mailprobe serve`'s form: the form itself (also with a message, for a 400), and the pieces
of the streamed answer that go around the report page (`render/html.py` `page_head`, `page_body`,
`page_foot`): the progress section, opened at once, a line per finished probe, closed with the time taken
or what stopped the check; and the link to check another address.

Plain values in, escaped HTML out (the templates autoescape): the progress lines quote what servers said.
"""

from __future__ import annotations

from collections.abc import Mapping

from mailprobe.lang import LANGS, Lang
from mailprobe.render.html import served_csp, template

# Every answer of `serve` that is not a page (metrics, probes, 404s, 421s): it runs and loads nothing at all.
BARE_CSP = "default-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"


def form_csp(nonce: str) -> str:
    """The form page's CSP (its header also says frame-ancestors, which a <meta> cannot): its one <style>
    carries `nonce`; it has no script; the form posts only to this server."""
    return served_csp(nonce, script=False) + "; frame-ancestors 'none'"


def page_csp(nonce: str) -> str:
    """The header CSP of the streamed report page: its <style> and <script> elements carry `nonce`."""
    return served_csp(nonce) + "; frame-ancestors 'none'"


def new_nonce() -> str:
    """A fresh nonce for one answer: 128 random bits."""
    import secrets

    return secrets.token_urlsafe(16)


def form_page(
    lang: Lang, *, loopback: bool, limits: Mapping[str, int], token: str, nonce: str, address: str = "",
    error: str | None = None,
) -> str:
    """The form in `lang`: address, report language and — only on a loopback listener — the login opt-in
    with its password field. `error` (already in words) is shown above it; `address` refills the field.
    `token` goes back with the post (`webform.FormTokens`); `nonce` is the one `form_csp` names."""
    from mailprobe.locales.pagewords import LANG_NAMES, page_t

    keys = ("title", "intro", "address", "address_hint", "login_legend", "login", "password", "login_note",
            "submit", "exporter", "problem")
    words = {key: page_t(f"form.{key}", lang) for key in keys}
    words.update(skip=page_t("page.skip", lang), language=page_t("page.language", lang),
                 report_language=page_t("form.language", lang))
    return template("form.html.j2").render(
        lang=lang, csp=served_csp(nonce, script=False), nonce=nonce, token=token, w=words,
        langs=[(code, LANG_NAMES[code]) for code in LANGS], loopback=loopback, limits=limits, address=address,
        error=error,
    )


def progress_open(lang: Lang, heading: str, note: str, *, nonce: str, lines: str = "") -> str:
    """The progress section, its lines in a <details> that is open while they come (the page's script folds
    it once the report is there: the verdict then stands just below its heading, not below 40 lines)."""
    return template("progress_open.html.j2").render(lang=lang, heading=heading, note=note, nonce=nonce,
                                                     lines=lines)


def progress_line(status: str, mark: str, status_word: str, label: str, summary: str) -> str:
    return template("progress_line.html.j2").render(
        status=status, mark=mark, status_word=status_word, label=label, summary=summary)


def progress_close(done: str | None = None, problem: str = "", error: str | None = None) -> str:
    return template("progress_close.html.j2").render(done=done, problem=problem, error=error)


def again(lang: Lang, text: str) -> str:
    return template("again.html.j2").render(lang=lang, text=text)
