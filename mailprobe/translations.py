"""The HTML page with all three languages: the one call for `check`/`explain --format html` and for a web
route (`mailprobe serve`). Re-wording a report is composing (`compose.relocalize`), which renderers may not
do; so it is done here, and the renderer receives every language ready-made."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from mailprobe.lang import LANGS, Lang

if TYPE_CHECKING:
    from mailprobe.profiles import ProfileSet
    from mailprobe.report import Report


def translations(reports: Sequence[Report], profiles: ProfileSet | None = None) -> dict[Lang, list[Report]]:
    """The reports re-worded in each language (a report already in a language is kept as it is)."""
    from mailprobe.compose import relocalize
    from mailprobe.profiles import load_profiles

    known = profiles if profiles is not None else load_profiles(None)
    return {
        lang: [report if report.lang == lang else relocalize(report, lang, known) for report in reports]
        for lang in LANGS
    }


def translated_page(reports: Sequence[Report], lang: Lang, profiles: ProfileSet | None = None) -> str:
    """The self-contained page for `reports`, shown first in `lang`, switchable to the other two."""
    from mailprobe.render.html import report_page

    every = translations(reports, profiles)
    return report_page(every[lang], lang, every)
