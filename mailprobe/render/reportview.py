"""The HTML page's view: plain values the templates print, computed here so that the templates only lay
them out. Imported when a page is rendered, never at start-up (`mailprobe --help` stays quick)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mailprobe.lang import Lang
from mailprobe.locales.messages import format_ms, format_span, guard_times, server_label, service_name
from mailprobe.locales.pagewords import page_t
from mailprobe.render.guard import unfinished_verdict
from mailprobe.safetext import shown

if TYPE_CHECKING:
    from mailprobe.report import CheckResult, DiagnosisEntry, Report

_MARK = {"pass": "✓", "warn": "!", "fail": "✗", "error": "?", "skip": "–"}
_STATUS_MARK = {"ok": "✓", "warning": "!", "critical": "✗", "unknown": "?"}
_TLS_WORDS = {"implicit": "settings.tls.implicit", "starttls": "settings.tls.starttls", "plain": "settings.tls.plain"}
_SERVICE_ORDER = ("web", "imap", "pop3", "smtp")
REPLY_LIMIT = 300  # characters of one server reply shown on the page
WORST_FIRST = ("critical", "unknown", "warning", "ok")  # the batch summary's order


@dataclass
class Segment:
    stage: str  # css class: connect, tls, greeting, ttfb
    left: float  # percent of the bar
    width: float
    label: str

    @property
    def place(self) -> str:
        return place(self.left, self.width)


@dataclass
class Row:
    anchor: str
    check_id: str
    kind: str
    label: str
    status: str
    status_word: str
    mark: str
    summary: str
    left: float  # percent of the axis
    width: float
    timing: str
    segments: list[Segment] = field(default_factory=list)
    failed_at: str | None = None
    culprit: bool = False  # evidence of the first cause
    kept_back: str | None = None  # a login the lockout guard did not retry: why, and when to check again

    @property
    def place(self) -> str:
        return place(self.left, self.width)

    @property
    def fail_place(self) -> str:
        """Where the failure mark goes: at the end of the bar, never past the track."""
        return place(min(self.left + self.width, 99.0))


@dataclass
class EvidenceItem:
    anchor: str
    where: str
    status: str
    status_word: str
    mark: str
    summary: str
    replies: list[str]


@dataclass
class AlsoItem:
    cause: str
    title: str
    likely: str
    tells: list[tuple[str, str]]  # how to tell it apart: (text, cited section)


@dataclass
class Card:
    index: int
    anchor: str
    heading: str
    severity: str
    severity_word: str
    meta: str
    summary: str
    explanation: str
    evidence: list[EvidenceItem]
    remedies: list[tuple[str, str]]
    also_possible: list[AlsoItem] = field(default_factory=list)


@dataclass
class Setting:
    service: str
    host: str
    port: int
    tls: str
    status: str
    status_word: str
    note: str


@dataclass
class ReportView:
    anchor: str
    heading_level: int
    address: str
    status: str
    status_word: str
    status_mark: str
    verdict: str
    report_id: str
    facts: list[tuple[str, str]]
    cards: list[Card]
    rows: list[Row]
    ticks: list[tuple[str, str]]  # place (geometry classes), label
    waterfall_note: str
    untested: list[Row]
    settings: list[Setting]
    login_name: str
    webmail: list[str]
    prevention: list[tuple[str, str]]


@dataclass
class Part:
    lang: Lang
    shown_first: bool
    words: dict[str, str]
    reports: list[ReportView]
    summary: list[dict[str, str]]


def place(left: float, width: float | None = None) -> str:
    """The classes that put a box `left` % along its track and make it `width` % wide, to a tenth of a percent:
    `gx-123 gw-40` for 12.3 % and 4 %. The page carries no style attribute (its CSP allows no inline style):
    its own stylesheet defines the classes it uses (`geometry_css`)."""
    classes = f"gx-{_tenths(left)}"
    return classes if width is None else f"{classes} gw-{_tenths(width)}"


def _tenths(percent: float) -> int:
    return max(0, min(1000, round(percent * 10)))


_GEOMETRY = re.compile(r"g([xw])-([0-9]{1,4})")


def geometry_css(parts: Sequence[Part]) -> str:
    """The rules of every geometry class the parts use (`place`), one a line, in a stable order."""
    used: set[str] = set()
    for one in parts:
        for view in one.reports:
            used.update(p for p, _ in view.ticks)
            for row in view.rows:
                used.update((row.place, row.fail_place, *(s.place for s in row.segments)))
    found = {(m.group(1), int(m.group(2))) for text in used for m in _GEOMETRY.finditer(text)}
    prop = {"x": "left", "w": "width"}
    return "".join(f".g{axis}-{n}{{{prop[axis]}:{n / 10:g}%}}\n" for axis, n in sorted(found))


def part(lang: Lang, reports: Sequence[Report], shown_first: bool) -> Part:
    from mailprobe.render.shown import shown_deep
    from mailprobe.report import report_id

    many = len(reports) > 1
    # Every string of the reports shown first (a saved report may hold escapes in any field: a section, a
    # stage); the report id stays the one of the report as it is.
    views = [_report_view(shown_deep(report), lang, f"{lang}-r{index}-", many, report.report_id or report_id(report))
             for index, report in enumerate(reports, 1)]
    words = {key.removeprefix("page.").replace(".", "_"): page_t(key, lang) for key in _WORDS}
    summary = [
        {"anchor": view.anchor, "address": view.address, "status": view.status, "status_word": view.status_word,
         "mark": view.status_mark, "verdict": view.verdict, "report_id": view.report_id}
        for view in views
    ] if many else []
    # Worst first (critical, unknown, warning, ok), each status in the reports' order: the rows to look at lead.
    summary.sort(key=lambda row: WORST_FIRST.index(row["status"]) if row["status"] in WORST_FIRST else 0)
    if many:
        words["summary_caption"] = page_t("page.summary_caption", lang, count=len(reports))
        words["title"] = page_t("page.title_many", lang, count=len(reports))
    else:
        words["title"] = page_t("page.title", lang, address=shown(reports[0].address, 300) if reports else "")
    return Part(lang=lang, shown_first=shown_first, words=words, reports=views, summary=summary)


_WORDS = (
    "page.report_id", "page.report_id_hint", "page.causes", "page.evidence_link", "page.server_reply",
    "page.waterfall", "page.settings", "page.settings_note", "page.settings_none", "page.protocol", "page.server",
    "page.port", "page.encryption", "page.seen", "page.summary", "heading.prevention", "heading.remedies",
    "heading.evidence", "heading.address", "heading.status", "heading.verdict", "settings.login_name",
    "settings.password_note_generic", "settings.keep_note", "service.web", "stage.connect", "stage.tls",
    "stage.greeting", "stage.http", "page.colon", "heading.also_possible",
)


def _report_view(report: Report, lang: Lang, anchor: str, many: bool, rid: str) -> ReportView:
    anchors = {check.id: f"{anchor}c{number}" for number, check in enumerate(report.checks, 1)}
    culprits = set(report.diagnosis[0].evidence) if report.diagnosis else set()
    ran = [c for c in report.checks if c.status != "skip"]
    axis = _axis(report, ran)
    order = sorted(range(len(ran)), key=lambda i: (ran[i].started_ms, i))
    rows = [_row(ran[i], lang, anchors[ran[i].id], axis, ran[i].id in culprits) for i in order]
    untested = [_row(c, lang, anchors[c.id], axis, False) for c in report.checks if c.status == "skip"]
    by_id = {c.id: c for c in report.checks}
    matched = page_t(f"provider.matched_by.{report.provider.matched_by}", lang)
    domain = report.domain if report.domain == report.domain_ascii else f"{report.domain} ({report.domain_ascii})"
    settings, webmail = _settings(report, lang)
    return ReportView(
        anchor=anchor + "report",
        heading_level=2 if many else 1,
        address=shown(report.address, 300),
        status=report.status,
        status_word=page_t(f"status.{report.status}", lang),
        status_mark=_STATUS_MARK.get(report.status, "?"),
        verdict=_verdict(report, lang),
        report_id=rid,
        facts=[
            (page_t("heading.domain", lang), shown(domain, 300)),
            (page_t("heading.provider", lang), f"{shown(report.provider.name, 120)} ({matched})"),
            (page_t("heading.started_at", lang), report.started_at.strftime("%Y-%m-%d %H:%M:%S %Z").strip()),
            (page_t("heading.duration", lang), format_ms(report.duration_ms, lang)),
        ],
        cards=[_card(i, entry, by_id, anchors, lang, anchor) for i, entry in enumerate(report.diagnosis, 1)],
        rows=rows,
        ticks=_ticks(axis, lang),
        waterfall_note=page_t("page.waterfall_note", lang, start=format_ms(axis[0], lang),
                              end=format_ms(axis[1], lang)),
        untested=untested,
        settings=settings,
        login_name=shown(report.address, 300),
        webmail=webmail,
        prevention=[(shown(tip.text), page_t("source.section", lang, section=tip.section))
                    for tip in report.prevention],
    )


def _verdict(report: Report, lang: Lang) -> str:
    if report.diagnosis:
        return shown(report.diagnosis[0].summary)
    if report.status == "ok":
        if report.provider.matched_by == "generic":  # no provider to name: the domain's own servers answered
            return page_t("verdict.healthy_generic", lang, domain=shown(report.domain, 300))
        return page_t("verdict.healthy", lang, provider=shown(report.provider.name, 120))
    if report.unfinished is not None:
        return unfinished_verdict(report, lang) or shown(report.unfinished.summary)
    return unfinished_verdict(report, lang) or page_t("verdict.inconclusive", lang)


def _card(
    index: int, entry: DiagnosisEntry, by_id: dict[str, CheckResult], anchors: dict[str, str], lang: Lang,
    prefix: str,
) -> Card:
    likely = page_t("confidence.percent", lang, percent=round(entry.confidence * 100))
    section = page_t("source.section", lang, section=entry.section)
    title = entry.title or str(entry.cause)
    evidence = [
        EvidenceItem(
            anchor=anchors[check_id], where=_where(by_id[check_id]), status=by_id[check_id].status,
            status_word=page_t(f"check.{by_id[check_id].status}", lang), mark=_MARK.get(by_id[check_id].status, "?"),
            summary=shown(by_id[check_id].summary), replies=_replies(by_id[check_id], lang),
        )
        for check_id in entry.evidence if check_id in by_id
    ]
    return Card(
        index=index, anchor=f"{prefix}cause{index}",
        heading=page_t("page.cause_card", lang, index=index, title=shown(title, 200)),
        severity=entry.severity, severity_word=page_t(f"severity.{entry.severity}", lang),
        meta=f"{page_t(f'severity.{entry.severity}', lang)} · {likely} · {section}",
        summary=shown(entry.summary), explanation=shown(entry.explanation),
        evidence=evidence,
        remedies=[(shown(r.text), page_t("source.section", lang, section=r.section)) for r in entry.remedies],
        also_possible=[
            AlsoItem(
                cause=shown(str(other.cause), 60), title=shown(other.title or str(other.cause), 200),
                likely=page_t("confidence.percent", lang, percent=round(other.confidence * 100)),
                tells=[(shown(r.text), page_t("source.section", lang, section=r.section)) for r in other.remedies],
            )
            for other in entry.also_possible
        ],
    )


def _where(check: CheckResult) -> str:
    where = f"{check.target} {check.address}" if check.address else check.target
    return shown(where, 300)


# Failures whose detail is the server's own words (a refusal, a bad reply); any other detail is what this side
# saw (an errno's text, a TLS library's reason), never labelled as the server's reply.
_SERVER_WORDS = frozenset({"rejected", "bad_reply", "not_offered"})
# Failures in which the server said nothing at all: the page says so instead of quoting anything.
_NO_ANSWER = frozenset({"refused", "timeout", "unreachable", "reset", "closed"})


def _replies(check: CheckResult, lang: Lang) -> list[str]:
    """What the server itself said, as it said it (bounded, controls made visible): greeting, refusal. Where
    it never answered (refused, timed out, reset), that, in words: never a library's exception text."""
    replies: list[str] = []
    greeting = getattr(check.data, "greeting", None)
    if isinstance(greeting, str) and greeting:
        replies.append(shown(greeting, REPLY_LIMIT))
    error = getattr(check.data, "error", None)
    if error is None or error.stage == "guard":
        return replies  # no error, or the lockout guard's own note: not the server's words
    kind = str(error.kind)
    if kind in _SERVER_WORDS and error.detail and shown(error.detail, REPLY_LIMIT) not in replies:
        replies.append(shown(error.detail, REPLY_LIMIT))
    elif kind in _NO_ANSWER and not replies:
        replies.append(page_t("page.no_reply", lang, failure=page_t(f"failure.{kind}", lang)))
    return replies


def _axis(report: Report, ran: list[CheckResult]) -> tuple[float, float]:
    """The waterfall's time axis, in ms on the report's one clock: from where the first probe started to the
    report (its duration), or to the last probe's end should one end later."""
    start = min((c.started_ms for c in ran), default=0.0)
    end = max([report.duration_ms, *(c.started_ms + c.duration_ms for c in ran)])
    return start, end if end > start else start + 1.0


def _row(check: CheckResult, lang: Lang, anchor: str, axis: tuple[float, float], culprit: bool) -> Row:
    start, end = axis
    left = max(0.0, min(100.0, (check.started_ms - start) / (end - start) * 100))
    width = max(0.4, min(100.0 - left, check.duration_ms / (end - start) * 100))
    error = getattr(check.data, "error", None)  # a check of an unknown kind keeps plain data: no error read
    failed_at = kept_back = None
    if check.kind == "login" and getattr(check.data, "stage", None) == "guard":
        kept_back = _kept_back_note(check, lang)  # not a step of this run that failed: one not retried
    elif check.status in ("fail", "error") and error is not None:
        failed_at = page_t("page.failed_at", lang, stage=_stage(error.stage, lang))
    if check.kind == "dns":
        label = f"DNS {shown(str(getattr(check.data, 'rdtype', '')), 12)} {_where(check)}"
    else:
        label = f"{service_name(check.kind, lang)} {_where(check)}"
    return Row(
        anchor=anchor, check_id=shown(check.id, 400), kind=check.kind, label=label, status=check.status,
        status_word=page_t(f"check.{check.status}", lang), mark=_MARK.get(check.status, "?"),
        summary=shown(check.summary), left=round(left, 2), width=round(width, 2),
        timing=f"{page_t('page.check_at', lang, ms=format_ms(check.started_ms, lang))} · "
               f"{format_ms(check.duration_ms, lang)}",
        segments=_segments(check, lang), failed_at=failed_at, culprit=culprit, kept_back=kept_back,
    )


def _stage(stage: str, lang: Lang) -> str:
    """A stage in words; one without words of its own (a newer mailprobe's) as itself, never as a key."""
    key = f"stage.{stage}"
    words = page_t(key, lang)
    return words if words != key else shown(stage, 40)


def _kept_back_note(check: CheckResult, lang: Lang) -> str:
    """What the page says beside a login the lockout guard kept back: when to check again (the page has no
    way round the guard, and needs none)."""
    until = getattr(check.data, "guard_until", None)
    tried = getattr(check.data, "tried_at", None)
    window = format_span(getattr(check.data, "guard_window_s", None) or 0.0, lang)
    shown_until = guard_times(tried or until, until, lang)[1] if until is not None else ""
    return page_t("page.guard", lang, window=window, until=shown_until)


def _segments(check: CheckResult, lang: Lang) -> list[Segment]:
    """Connect, TLS handshake and greeting inside one bar, where the check measured them (percent of the bar)."""
    data: Any = check.data
    duration = check.duration_ms
    if duration <= 0:
        return []
    connect = getattr(data, "connect_ms", None)
    tls = getattr(data, "tls", None)
    handshake = tls.handshake_ms if tls is not None else None
    greeting = getattr(data, "greeting_ms", None)
    spans: list[tuple[str, float, float]] = []  # stage, start ms, length ms (from the check's start)
    at = 0.0
    if connect:
        spans.append(("connect", 0.0, connect))
        at = connect
    if check.kind in ("imap", "pop3", "smtp") and getattr(data, "tls_mode", None) == "starttls":
        if greeting:
            spans.append(("greeting", at, greeting))
            at += greeting
        if handshake:
            spans.append(("tls", at, handshake))
    else:
        if handshake:
            spans.append(("tls", at, handshake))
            at += handshake
        if greeting:
            spans.append(("greeting", at, greeting))
    out = []
    for stage, start, length in spans:
        if start >= duration:
            break
        length = min(length, duration - start)
        out.append(Segment(
            stage=stage, left=round(start / duration * 100, 2), width=round(max(length / duration * 100, 0.5), 2),
            label=page_t("page.segment", lang, stage=page_t(f"stage.{stage}", lang), ms=format_ms(length, lang)),
        ))
    return out


def _ticks(axis: tuple[float, float], lang: Lang) -> list[tuple[str, str]]:
    """The axis's start, then four or five round marks along it."""
    start, end = axis
    span = end - start
    raw = span / 4
    magnitude = 10 ** (len(str(int(raw))) - 1) if raw >= 1 else 1
    step = next((m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw), 10 * magnitude)
    ticks = [(place(0.0), format_ms(start, lang))]
    value = (start // step + 1) * step
    if value - start < step / 2:  # too close to the first mark to read
        value += step
    while value <= end + 1e-9:
        ticks.append((place(round((value - start) / span * 100, 2)), format_ms(value, lang)))
        value += step
    return ticks


def _settings(report: Report, lang: Lang) -> tuple[list[Setting], list[str]]:
    """The provider's servers as this check saw them (article 4.2): each host, port and TLS mode once, with
    the best outcome over its addresses. Guessed hosts count only where they answered."""
    rank = {"pass": 0, "warn": 1, "error": 2, "fail": 3, "skip": 4}
    found: dict[tuple[str, str, int, str], Setting] = {}
    webmail: list[str] = []
    for check in report.checks:
        data: Any = check.data
        role = str(getattr(data, "role", ""))
        if check.kind == "web" and role == "provider" and check.status == "pass":
            url = shown(str(data.url), 300)
            if url not in webmail:
                webmail.append(url)
        if check.kind not in ("imap", "pop3", "smtp") or role not in ("provider", "candidate"):
            continue
        if role == "candidate" and check.status != "pass":
            continue
        key = (check.kind, str(data.host), int(data.port), str(data.tls_mode))
        known = found.get(key)
        if known is not None and rank[known.status] <= rank[check.status]:
            continue
        tls_key = _TLS_WORDS.get(str(data.tls_mode))
        found[key] = Setting(
            service=service_name(check.kind, lang), host=shown(str(data.host), 255), port=int(data.port),
            tls=page_t(tls_key, lang) if tls_key else shown(str(data.tls_mode)),
            status=check.status, status_word=page_t(f"check.{check.status}", lang),
            note=(f"{shown(server_label(str(data.label), lang), 40)} " if data.label else "")
                 + (page_t("settings.alternate", lang) if str(data.expect) == "candidate" else ""),
        )
    order = sorted(found.items(), key=lambda item: (
        _SERVICE_ORDER.index(item[0][0]) if item[0][0] in _SERVICE_ORDER else 9, item[0][2], item[0][1]))
    return [setting for _, setting in order], webmail
