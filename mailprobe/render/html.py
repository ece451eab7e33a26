"""HTML: one self-contained page — verdict, report id, a card per cause with its evidence and the server's own
replies, remedies, a waterfall of every probe on one time axis, the client settings, the advice for next time.

The page carries the report in all three languages (`RenderOptions.translations`, filled by the caller that
may re-word a report) and switches between them without a reload. It loads nothing: inline CSS, a small
inline script, a strict Content-Security-Policy. Everything the servers said is hostile input: the templates
autoescape, and `shown()` makes control characters visible first.

For `mailprobe serve` (a streamed response with progress), the page comes in three parts: `page_head` (needs
no report: send it at once), `page_body` (the reports in each language, from `languages()`) and `page_foot`;
`report_page` is the three joined. `mailprobe.translations.translated_page(reports, lang)` adds the translations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from mailprobe.lang import LANGS, Lang
from mailprobe.render.options import RenderOptions

if TYPE_CHECKING:
    import jinja2

    from mailprobe.report import Report

# What every page may do: load nothing, post nowhere but here, have no <base>. The page's own <style> and
# <script> elements are allowed one by one, never as 'unsafe-inline': by a nonce on a page `serve` sends, by
# their hashes in a saved file (`static_csp`). It has no style attribute (`reportview.place`).
CSP_BASE = "default-src 'none'; base-uri 'none'"


def served_csp(nonce: str, *, script: bool = True, form_action: str = "'self'") -> str:
    """The CSP of a page `serve` sends (a header and the page's <meta> alike): its <style> and <script>
    elements carry `nonce`, which is fresh for every answer."""
    scripts = f"; script-src 'nonce-{nonce}'" if script else ""
    return f"{CSP_BASE}; style-src 'nonce-{nonce}'{scripts}; form-action {form_action}"


def static_csp(styles: Sequence[str], scripts: Sequence[str]) -> str:
    """The CSP of a saved page: the SHA-256 of each of its own <style> and <script> texts, exactly as written
    between the tags (a browser hashes that text)."""
    style_src = " ".join(inline_hash(text) for text in styles) or "'none'"
    script_src = " ".join(inline_hash(text) for text in scripts) or "'none'"
    return f"{CSP_BASE}; style-src {style_src}; script-src {script_src}; form-action 'none'"


def inline_hash(text: str) -> str:
    import base64
    import hashlib

    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def stylesheet() -> str:
    """The page's stylesheet: the text of its <style> element in the head."""
    return _inline("style.css.j2")


def script() -> str:
    """The page's one script (the language switch): the text of its <script> element."""
    return _inline("script.js.j2")


def render(reports: Sequence[Report], options: RenderOptions) -> str:
    lang = _lang_of(reports[0].lang) if reports else "en"
    return report_page(reports, lang, options.translations)


def report_page(
    reports: Sequence[Report], lang: Lang, translations: Mapping[Lang, Sequence[Report]] | None = None
) -> str:
    """The whole page: `reports` in `lang` first; `translations` (lang → the same reports re-worded) are the
    other languages the page can switch to. Without them the page carries `lang` alone. A file to save: its
    CSP names the hashes of its own style and script."""
    from mailprobe.render.reportview import geometry_css

    versions = languages(reports, lang, translations)
    parts = _parts(versions, lang)
    geometry = _inline_text(geometry_css(parts))
    csp = static_csp([stylesheet(), geometry], [script()])
    head = _head(lang, list(versions), page_title(reports, lang), csp, None)
    return head + _body(parts, geometry, None) + page_foot(lang, list(versions))


def languages(
    reports: Sequence[Report], lang: Lang, translations: Mapping[Lang, Sequence[Report]] | None = None
) -> dict[Lang, Sequence[Report]]:
    """The reports in each language the page carries, in the order of the switch: `lang` always."""
    versions: dict[Lang, Sequence[Report]] = {}
    for code in LANGS:
        other = (translations or {}).get(code)
        if code == lang:
            versions[code] = reports
        elif other is not None and len(other) == len(reports):
            versions[code] = other
    return versions


def page_title(reports: Sequence[Report], lang: Lang) -> str:
    from mailprobe.locales.pagewords import page_t
    from mailprobe.safetext import shown

    if len(reports) == 1:
        return page_t("page.title", lang, address=shown(reports[0].address, 300))
    return page_t("page.title_many", lang, count=len(reports))


def page_head(lang: Lang, langs: Sequence[Lang] = LANGS, title: str = "mailprobe", *, nonce: str) -> str:
    """From the doctype to the opening of `<main>`: style, CSP, the language switch (for `langs`). It needs no
    report, so a streamed response (`serve`) sends it at once, then its progress, then `page_body`; every part
    is given the same `nonce`, the one its CSP header names (`served_csp`)."""
    return _head(lang, langs, title, served_csp(nonce), nonce)


def page_body(versions: Mapping[Lang, Sequence[Report]], lang: Lang, *, nonce: str) -> str:
    """The reports, one part per language (`languages()`); only `lang`'s part is visible at first."""
    from mailprobe.render.reportview import geometry_css

    parts = _parts(versions, lang)
    return _body(parts, _inline_text(geometry_css(parts)), nonce)


def page_foot(lang: Lang, langs: Sequence[Lang] = LANGS, *, nonce: str | None = None) -> str:
    """The footer, the language-switch script, the end of the document."""
    from mailprobe.locales.pagewords import page_t
    from mailprobe.version import __version__

    notes = {code: (page_t("page.offline", code), page_t("page.generated", code, version=__version__))
             for code in langs}
    return template("foot.html.j2").render(lang=lang, notes=notes, nonce=nonce, script=_markup(script()))


def _head(lang: Lang, langs: Sequence[Lang], title: str, csp: str, nonce: str | None) -> str:
    from mailprobe.locales.pagewords import LANG_NAMES, page_t

    return template("head.html.j2").render(
        lang=lang, title=title, csp=csp, nonce=nonce, style=_markup(stylesheet()),
        langs=[(code, LANG_NAMES[code]) for code in langs],
        labels={code: {"skip": page_t("page.skip", code), "language": page_t("page.language", code)}
                for code in LANGS},
    )


def _parts(versions: Mapping[Lang, Sequence[Report]], lang: Lang) -> list[Any]:
    from mailprobe.render.reportview import part

    return [part(code, reports, shown_first=code == lang) for code, reports in versions.items()]


def _body(parts: Sequence[Any], geometry: str, nonce: str | None) -> str:
    return template("body.html.j2").render(parts=parts, geometry=_markup(geometry), nonce=nonce)


def _inline_text(css: str) -> str:
    """The text of a <style> element as written (and hashed): on lines of its own."""
    return f"\n{css}" if css else ""


@lru_cache(maxsize=4)
def _inline(name: str) -> str:
    """A template with no variables (a stylesheet, the script) as the text of its element: on lines of its own."""
    return "\n" + template(name).render()


def _markup(text: str) -> Any:
    """Our own CSS or script, put between its tags as it is (autoescaping would change its bytes, and the
    hash with them). Never a value from a report: those go through the templates' escaping."""
    import markupsafe

    if "</" in text:
        raise ValueError("an inline style or script must not hold '</'")
    return markupsafe.Markup(text)


def _lang_of(value: str) -> Lang:
    for lang in LANGS:
        if value == lang:
            return lang
    return "en"


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("mailprobe.render", "templates"),
        autoescape=True,  # server replies are hostile input: every value is escaped, always
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def template(name: str) -> jinja2.Template:
    return _environment().get_template(name)
