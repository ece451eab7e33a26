"""HTML: one self-contained page — verdict, report id, a card per cause with its evidence and the server's own
replies, remedies, a waterfall of every probe on one time axis, the client settings, the advice for next time.

The page carries the report in all three languages (`RenderOptions.translations`, filled by the caller that
may re-word a report) and switches between them without a reload. It loads nothing: inline CSS, a small
inline script, a strict Content-Security-Policy. Everything the servers said is hostile input: the templates
autoescape, and `shown()` makes control characters visible first.

For `mailprobe serve` (a streamed response with progress), the page comes in three parts: `page_head` (needs
no report: send it at once), `page_body` (the reports in each language, from `languages()`) and `page_foot`;
`render_page` is the three joined. `mailprobe.page.render_page(reports, lang)` adds the translations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from mailprobe.lang import LANGS, Lang
from mailprobe.render.options import RenderOptions

if TYPE_CHECKING:
    import jinja2

    from mailprobe.report import Report

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"


def render(reports: Sequence[Report], options: RenderOptions) -> str:
    lang = _lang_of(reports[0].lang) if reports else "en"
    return render_page(reports, lang, options.translations)


def render_page(
    reports: Sequence[Report], lang: Lang, translations: Mapping[Lang, Sequence[Report]] | None = None
) -> str:
    """The whole page: `reports` in `lang` first; `translations` (lang → the same reports re-worded) are the
    other languages the page can switch to. Without them the page carries `lang` alone."""
    versions = languages(reports, lang, translations)
    head = page_head(lang, list(versions), title=page_title(reports, lang))
    return head + page_body(versions, lang) + page_foot(lang, list(versions))


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
    from mailprobe.locales.page import page_t
    from mailprobe.safetext import shown

    if len(reports) == 1:
        return page_t("page.title", lang, address=shown(reports[0].address, 300))
    return page_t("page.title_many", lang, count=len(reports))


def page_head(lang: Lang, langs: Sequence[Lang] = LANGS, title: str = "mailprobe") -> str:
    """From the doctype to the opening of `<main>`: style, CSP, the language switch (for `langs`). It needs no
    report, so a streamed response (`serve`) sends it at once, then its progress, then `page_body`."""
    from mailprobe.locales.page import LANG_NAMES, page_t

    return _template("head.html.j2").render(
        lang=lang, title=title, csp=CSP, langs=[(code, LANG_NAMES[code]) for code in langs],
        labels={code: {"skip": page_t("page.skip", code), "language": page_t("page.language", code)}
                for code in LANGS},
    )


def page_body(versions: Mapping[Lang, Sequence[Report]], lang: Lang) -> str:
    """The reports, one part per language (`languages()`); only `lang`'s part is visible at first."""
    from mailprobe.render.pageview import part

    parts = [part(code, reports, shown_first=code == lang) for code, reports in versions.items()]
    return _template("body.html.j2").render(parts=parts)


def page_foot(lang: Lang, langs: Sequence[Lang] = LANGS) -> str:
    """The footer, the language-switch script, the end of the document."""
    from mailprobe.locales.page import page_t
    from mailprobe.version import __version__

    notes = {code: (page_t("page.offline", code), page_t("page.generated", code, version=__version__))
             for code in langs}
    return _template("foot.html.j2").render(lang=lang, notes=notes)


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


def _template(name: str) -> jinja2.Template:
    return _environment().get_template(name)
