"""Text: a report that fits a screen. The verdict first; each cause by its title and id, with its evidence and
remedies; weak readings folded into "also possible" lines; the checks counted, with the failing ones shown
(`-v`: every check, and the advice for next time).

The budget, held by tests/render/test_text_budget.py over the lab's worlds: a healthy report in at most 12 lines
of at most 100 columns, a failure with one cause in at most 30.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mailprobe.lang import Lang, known
from mailprobe.locales.messages import t
from mailprobe.render.guard import command_line_hint, unfinished_verdict
from mailprobe.render.options import RenderOptions
from mailprobe.render.shown import shown_deep

if TYPE_CHECKING:
    from mailprobe.report import AlsoPossible, CheckResult, DiagnosisEntry, Report

WIDTH = 100
# A cause after the first whose confidence is under this is a weak reading: one "also possible" line with its
# title, id and likelihood, no evidence or remedy block (the JSON keeps it whole). The first cause is always
# shown whole, however weak: it is the best reading there is.
WEAK_BELOW = 0.5
MAX_EVIDENCE = 6  # evidence lines per cause; the rest is counted
MAX_FAILING_ROWS = 6  # failing checks listed under the counts (without -v); the rest is counted
# Statuses from worst to best, as a person reads them (a batch's summary line counts in this order).
WORST_FIRST = ("critical", "unknown", "warning", "ok")
_COLORS = {"red": "31", "yellow": "33", "green": "32", "dim": "2", "bold": "1"}
_STATUS_COLOR = {"ok": "green", "warning": "yellow", "critical": "red", "unknown": "yellow"}
_CHECK_COLOR = {"pass": "green", "warn": "yellow", "fail": "red", "error": "yellow", "skip": "dim"}
_CHECK_MARK = {"pass": "✓", "warn": "!", "fail": "✗", "error": "?", "skip": "-"}
_COUNTED = ("pass", "warn", "fail", "error", "skip")


def render(reports: Sequence[Report], options: RenderOptions) -> str:
    many = len(reports) > 1
    parts = [render_report(r, color=options.color, verbose=options.verbose, advice=not many) for r in reports]
    if many:
        lang = _lang(reports[0])
        parts.append(batch_line(reports, lang))
        failing = next((r for r in reports if r.diagnosis), None)
        if options.verbose and failing is not None:  # the advice for next time once, not once per mailbox
            parts.append("\n".join(_prevention(shown_deep(failing), _lang(failing), _painter(options.color))))
    return "\n\n".join(parts)


def render_report(report: Report, color: bool = False, verbose: bool = False, advice: bool = True) -> str:
    """One report; `verbose` lists every check and (with `advice`) ends with the advice for next time."""
    report = shown_deep(report)  # server words, names and addresses: shown, never obeyed by the terminal
    lang = _lang(report)
    paint = _painter(color)
    lines = _header(report, lang, paint)
    by_id = {c.id: c for c in report.checks}
    strong, weak = split_weak(report.diagnosis)
    shown_evidence: set[str] = set()
    for index, entry in enumerate(strong, 1):
        lines += ["", *_cause(index, entry, by_id, lang, paint)]
        shown_evidence.update(entry.evidence[:MAX_EVIDENCE])
    if weak:
        lines += ["", *_also_possible(weak, lang, "")]
    lines += ["", *_checks(report, lang, paint, verbose, shown_evidence)]
    hint = command_line_hint(report, lang)
    if hint:
        lines += ["", *_wrap(hint, "  ", first="  ")]
    if verbose and advice and report.diagnosis:
        lines += ["", *_prevention(report, lang, paint)]
    return "\n".join(lines)


def split_weak(entries: Sequence[DiagnosisEntry]) -> tuple[list[DiagnosisEntry], list[DiagnosisEntry]]:
    """The causes shown whole (the first, and every other of at least WEAK_BELOW) and the weak readings."""
    strong = [e for i, e in enumerate(entries) if i == 0 or e.confidence >= WEAK_BELOW]
    return strong, [e for e in entries if e not in strong]


def batch_line(reports: Sequence[Report], lang: Lang) -> str:
    """The last line of a batch: how many mailboxes, and how many of each status, worst first."""
    counts = {status: sum(1 for r in reports if r.status == status) for status in WORST_FIRST}
    parts = [t("batch.count", lang, count=n, status=t(f"status.{s}", lang).lower()) for s, n in counts.items() if n]
    return t("batch.summary", lang, count=len(reports), parts=t("summary.list_sep", lang).join(parts))


def _lang(report: Report) -> Lang:
    return known(report.lang)


def _header(report: Report, lang: Lang, paint: _Paint) -> list[str]:
    """The title (address, status, report id), the verdict, then where and how long."""
    status = paint(_STATUS_COLOR[report.status], t(f"status.{report.status}", lang).upper())
    title = paint("bold", f"mailprobe · {report.address}") + f"  [{status}]"
    if report.report_id:
        title += f"  {t('heading.report_id', lang)}: {report.report_id}"
    label = f"{t('heading.verdict', lang)}: "
    verdict = _wrap(label + _verdict(report, lang), "   ", first="")
    verdict[0] = paint("bold", label) + verdict[0][len(label):]
    matched = t(f"provider.matched_by.{report.provider.matched_by}", lang)
    if report.duration_ms < 1000:
        seconds = t("unit.ms", lang, n=round(report.duration_ms))
    else:
        seconds = t("unit.seconds", lang, n=f"{report.duration_ms / 1000:.1f}")
    domain = report.domain if report.domain == report.domain_ascii else f"{report.domain} ({report.domain_ascii})"
    facts = (f"{t('heading.domain', lang)}: {domain} · {t('heading.provider', lang)}: {report.provider.name} "
             f"({matched}) · {t('heading.duration', lang)}: {seconds}")
    return [title, *verdict, *_wrap(facts, "   ", first="")]


def _verdict(report: Report, lang: Lang) -> str:
    if report.diagnosis:
        return report.diagnosis[0].summary
    if report.status == "ok":
        if report.provider.matched_by == "generic":  # no provider to name: the domain's own servers answered
            return t("verdict.healthy_generic", lang, domain=report.domain)
        return t("verdict.healthy", lang, provider=report.provider.name)
    if report.status == "unknown":
        unconfirmed = report.unfinished.summary if report.unfinished is not None else None
        if _refused(report):
            unconfirmed = t("verdict.refused", lang, domain=report.domain)
        return (unfinished_verdict(report, lang) or unconfirmed
                or t("verdict.unconfirmed", lang, domain=report.domain))
    return t("verdict.inconclusive", lang)


def _refused(report: Report) -> bool:
    """The domain's mail servers could not be tested because the address policy refused where they point."""
    for check in report.checks:
        error = getattr(check.data, "error", None)
        if (check.kind in ("imap", "pop3", "smtp") and check.status == "error" and error is not None
                and error.kind == "policy" and error.stage == "policy"):
            return True
    return False


def _cause(
    index: int, entry: DiagnosisEntry, by_id: dict[str, CheckResult], lang: Lang, paint: _Paint
) -> list[str]:
    severity = t(f"severity.{entry.severity}", lang)
    likely = t("confidence.percent", lang, percent=round(entry.confidence * 100))
    section = t("source.section", lang, section=entry.section)
    color = "red" if entry.severity == "critical" else "yellow"
    name = f"{index}. {entry.title} [{entry.cause}]" if entry.title else f"{index}. [{entry.cause}]"
    meta = f"({severity}, {likely}, {section})"
    if _width(f"{name}  {meta}") <= WIDTH:
        head = [paint(color, name) + f"  {meta}"]
    else:  # too long for one line: the likelihood goes whole to the next
        head = [paint(color, name), f"   {meta}"]
    # The first cause's summary is already the verdict line: say what the cause means instead.
    said = entry.explanation if index == 1 else entry.summary
    lines = [*head, *(_wrap(said, "   ") if said else [])]
    evidence = [by_id[e] for e in entry.evidence if e in by_id]
    if evidence:
        lines.append(f"   {t('heading.evidence', lang)}:")
        for check in evidence[:MAX_EVIDENCE]:
            lines += _check_line(check, lang, paint, "   ")
        if len(evidence) > MAX_EVIDENCE:
            lines.append(f"     {t('summary.more', lang, count=len(evidence) - MAX_EVIDENCE)}")
    if entry.remedies:
        lines.append(f"   {t('heading.remedies', lang)}:")
        for number, remedy in enumerate(entry.remedies, 1):
            label = t("source.section", lang, section=remedy.section)
            lines += _wrap(f"{remedy.text} ({label})", "      ", first=f"   {number}) ")
    # Weaker readings of the same evidence (the same refusal), carried inside the entry: one line each, with
    # how to tell them apart (the catalogue's `tell`), never a remedy block.
    lines += _also_possible(entry.also_possible, lang, "   ")
    return lines


def _also_possible(entries: Sequence[DiagnosisEntry | AlsoPossible], lang: Lang, indent: str) -> list[str]:
    """One line per weak reading: its title, id and likelihood (and the article's section, where it has one);
    no evidence and no remedy block — a reading folded into an entry says in a sentence how to tell it apart."""
    from mailprobe.report import AlsoPossible  # a report is being rendered: its module is loaded already

    lines: list[str] = []
    for entry in entries:
        name = f"{entry.title} [{entry.cause}]" if entry.title else f"[{entry.cause}]"
        likely = t("confidence.percent", lang, percent=round(entry.confidence * 100))
        section = getattr(entry, "section", None)
        where = f", {t('source.section', lang, section=section)}" if section else ""
        text = f"{t('heading.also_possible', lang)}: {name} ({likely}{where})"
        if isinstance(entry, AlsoPossible) and entry.remedies:
            tell = " ".join(f"{r.text} ({t('source.section', lang, section=r.section)})" for r in entry.remedies)
            text += f": {tell}"
        lines += _wrap(text, indent + "   ", first=indent)
    return lines


def _checks(
    report: Report, lang: Lang, paint: _Paint, verbose: bool, shown_evidence: set[str]
) -> list[str]:
    """Without -v: the checks counted by status, then the failing ones the causes did not already show (the
    other providers' comparison probes only counted). With -v: every check, one a row."""
    counts = {status: sum(1 for c in report.checks if c.status == status) for status in _COUNTED}
    said = [t(f"checks.count.{status}", lang, count=n) for status, n in counts.items() if n]
    not_probed = sum(int(getattr(c.data, "addresses_not_probed", 0) or 0) for c in report.checks)
    if not_probed:
        said.append(t("checks.not_probed", lang, count=not_probed))
    heading = paint("bold", t("heading.checks", lang))
    if verbose:
        return [f"{heading}: {t('summary.list_sep', lang).join(said)}", *_table(report.checks, lang, paint)]
    line = _wrap(f"{t('heading.checks', lang)}: {t('summary.list_sep', lang).join(said)} "
                 f"({t('checks.verbose_hint', lang)})", "   ", first="")
    line[0] = heading + line[0][len(t("heading.checks", lang)):]
    # and the line of a check the user asked for (--loop's: its latency and hops)
    failing = [c for c in report.checks
               if (c.status in ("fail", "warn", "error") or c.always_listed) and c.id not in shown_evidence
               and not _comparison(c)]
    for check in failing[:MAX_FAILING_ROWS]:
        line += _check_line(check, lang, paint, "  ")
    if len(failing) > MAX_FAILING_ROWS:
        line.append(f"    {t('summary.more', lang, count=len(failing) - MAX_FAILING_ROWS)} (-v)")
    return line


def _comparison(check: CheckResult) -> bool:
    """Another provider's probe, or the resolver's sanity questions: what the mailbox's own checks are
    compared with, not the mailbox's own."""
    return check.kind == "baseline" or getattr(check.data, "purpose", None) == "resolver_sanity"


def _check_line(check: CheckResult, lang: Lang, paint: _Paint, indent: str) -> list[str]:
    mark = paint(_CHECK_COLOR.get(check.status, "dim"), _CHECK_MARK.get(check.status, "?"))
    return _wrap(f"{_where(check, lang)}: {check.summary}", indent + "  ", first=f"{indent}{mark} ")


def _where(check: CheckResult, lang: Lang) -> str:
    """Where a check went: host:port and the address dialled; for a DNS answer, who gave it (the resolver
    this computer uses, or one of the domain's own authoritative servers)."""
    if check.kind == "dns":
        server = getattr(check.data, "nameserver", None) or ""
        purpose = str(getattr(check.data, "purpose", ""))
        source = "authoritative" if purpose.startswith("authoritative") else "resolver"
        return f"{check.target} ({t(f'dns.source.{source}', lang, server=server).strip()})"
    return f"{check.target} {check.address}" if check.address else check.target


def _table(checks: list[CheckResult], lang: Lang, paint: _Paint) -> list[str]:
    width = min(max((_width(c.id) for c in checks), default=10), 58)
    lines = []
    for check in checks:
        status = _pad(t(f"check.{check.status}", lang), 5)
        mark = paint(_CHECK_COLOR.get(check.status, "dim"), f"{_CHECK_MARK.get(check.status, '?')} {status}")
        ms = t("unit.ms", lang, n=round(check.duration_ms))
        lines.append(f"  {mark} {_pad(check.id, width)} {ms:>8}  {check.summary}")
    return lines


def _prevention(report: Report, lang: Lang, paint: _Paint) -> list[str]:
    """The article's advice for next time (section 四): with -v, once."""
    lines = [paint("bold", t("heading.prevention", lang))]
    for tip in report.prevention:
        lines += _wrap(f"{tip.text} ({t('source.section', lang, section=tip.section)})", "    ", first="  - ")
    return lines


def _wrap(text: str, indent: str, first: str | None = None) -> list[str]:
    # A short quoted server reply («NO Computer says no») stays on one line, whole: it is read and searched for.
    text = _QUOTED.sub(lambda m: m.group(0).replace(" ", _KEEP), text)
    if any(unicodedata.east_asian_width(ch) in "WF" for ch in text):
        lines = _wrap_wide(text, indent, indent if first is None else first)
    else:
        lines = textwrap.wrap(
            text, width=WIDTH, initial_indent=first if first is not None else indent, subsequent_indent=indent,
            break_long_words=False, break_on_hyphens=False,
        ) or [first or indent]
    return [line.replace(_KEEP, " ") for line in lines]


_KEEP = "\x00"  # stands for a space that must not break a line while wrapping (a report's text never has one)
_QUOTED = re.compile(r"«[^«»\n]{1,60}»")


def _wrap_wide(text: str, indent: str, first: str) -> list[str]:
    """Wrap by display columns (CJK characters take two); Chinese has no spaces, so any character may break,
    though never right before closing punctuation."""
    lines: list[str] = []
    line, used = first, _width(first)
    for unit in _UNITS.findall(text):  # a CJK character, or a whole run of ASCII like "3.4" or a host name
        width = _width(unit)
        if used + width > WIDTH and line.strip() and unit[0] not in _NO_BREAK_BEFORE:
            lines.append(line.rstrip())
            line, used = indent, _width(indent)
            if unit.isspace():
                continue
        line += unit
        used += width
    lines.append(line.rstrip())
    return lines


# Wrapping units: a short parenthesised citation "(原文第 3.4 節)", a run of ASCII, or one character.
_UNITS = re.compile(r"«[^«»]*\x00[^«»]*»|[(（][^()（）]{1,16}§?[0-9.]+ ?[^()（）]{0,4}[)）]|[\x21-\x7e]+|\s|.",
                    re.DOTALL)
_NO_BREAK_BEFORE = "，。、；：！？）」』》】,.;:!?)"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    if _width(text) > width:
        text = text[: width - 1] + "…"
    return text + " " * max(0, width - _width(text))


class _Paint:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, style: str, text: str) -> str:
        if not self.enabled:
            return text
        return f"\x1b[{_COLORS[style]}m{text}\x1b[0m"


def _painter(enabled: bool) -> _Paint:
    return _Paint(enabled)
