"""The monitoring history: every checked mailbox's report per run, in the same SQLite state file (`store.py`:
one schema, its MIGRATIONS) as the login guard — WAL, a busy timeout, one transaction per report, so
two overlapping cron runs are safe and an interrupted run leaves no half report.

`record()` says whether the status or the first cause changed since the mailbox's previous run (a first run
is a change): that is `--changes-only`. `timeline()` is `mailprobe history ADDRESS`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mailprobe.errors import GuardError
from mailprobe.lang import Lang
from mailprobe.report import CheckResult, Report
from mailprobe.store import StateStore, default_state_path, mailbox_key

HISTORY_ENV = "MAILPROBE_HISTORY"


def history_path(option: str | None) -> Path:
    """--history, else $MAILPROBE_HISTORY, else the login guard's state file (XDG state directory)."""
    chosen = option or os.environ.get(HISTORY_ENV) or None
    return Path(chosen) if chosen else default_state_path()


@dataclass(frozen=True)
class Run:
    at: datetime
    status: str
    cause: str | None
    section: str | None
    report_json: str

    def report(self) -> Report:
        return Report.model_validate_json(self.report_json)

    @property
    def report_id(self) -> str | None:
        """The stored report's id (`mailprobe explain --id` shows that report again)."""
        import re

        found = re.search(r'"report_id":"([A-Z2-7]{4}-[A-Z2-7]{4})"', self.report_json)
        return found.group(1) if found else _stored_id(self.report_json)


class History:
    """One connection to the state file (the same file, schema and pragmas as the guard: one state database)."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> None:
        """READ_ONLY (`history`, `explain --id`): the file is opened as it is and only read; never created or
        migrated, and one that is not a mailprobe state file is said, not changed."""
        self._store = StateStore(path, read_only=read_only)
        self.path = self._store.path
        self._db = self._store.db
        # An older state file of ours may predate the history (the guard's tables only): no run in it yet.
        self._empty = read_only and not self._store.has_table("check_history")
        if self._empty and not self._store.has_table("login_attempts"):
            self.close()
            raise GuardError(f"state database {self.path} is not a mailprobe history (no check_history table)")

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._store.close()

    def record(self, report: Report) -> bool:
        """Store REPORT in one transaction; True when its status or first cause differs from the mailbox's
        previous run (or it has none)."""
        first = report.diagnosis[0] if report.diagnosis else None
        cause = str(first.cause) if first else None
        key = mailbox_key(report.address)
        with self._store.errors("write"), self._store.transaction():
            previous = self._db.execute(
                "SELECT status, cause FROM check_history WHERE address = ? ORDER BY at DESC, id DESC LIMIT 1",
                (key,),
            ).fetchone()
            self._db.execute(
                "INSERT INTO check_history (address, at, status, cause, section, report) VALUES (?, ?, ?, ?, ?, ?)",
                (key, report.started_at.timestamp(), report.status, cause, first.section if first else None,
                 report.model_dump_json()),
            )
        return previous is None or (previous[0], previous[1]) != (report.status, cause)

    def runs(self, address: str, since: datetime | None = None) -> list[Run]:
        if self._empty:
            return []
        with self._store.errors("read"):
            rows = self._db.execute(
                "SELECT at, status, cause, section, report FROM check_history WHERE address = ? AND at >= ?"
                " ORDER BY at, id",
                (mailbox_key(address), since.timestamp() if since else 0.0),
            ).fetchall()
        return [Run(datetime.fromtimestamp(r[0], UTC), r[1], r[2], r[3], r[4]) for r in rows]

    def find(self, report_id: str) -> Run | None:
        """The stored report with this id (`ABCD-EFGH`, as `report.parse_report_id` writes it), the latest if
        several: `mailprobe explain --id`. Reports stored before they carried their id are read and their id
        computed, as when they were shown."""
        query = "SELECT at, status, cause, section, report FROM check_history WHERE {} ORDER BY at DESC, id DESC"
        if self._empty:
            return None
        with self._store.errors("read"):
            row = self._db.execute(query.format("json_extract(report, '$.report_id') = ?") + " LIMIT 1",
                                   (report_id,)).fetchone()
            if row is None:
                older = self._db.execute(query.format("json_extract(report, '$.report_id') IS NULL"))
                row = next((r for r in older if _stored_id(r[4]) == report_id), None)
        return None if row is None else Run(datetime.fromtimestamp(row[0], UTC), row[1], row[2], row[3], row[4])

    def last_good_before(self, address: str, before: datetime) -> Run | None:
        if self._empty:
            return None
        with self._store.errors("read"):
            row = self._db.execute(
                "SELECT at, status, cause, section, report FROM check_history WHERE address = ? AND at < ?"
                " AND status = 'ok' ORDER BY at DESC, id DESC LIMIT 1",
                (mailbox_key(address), before.timestamp()),
            ).fetchone()
        return None if row is None else Run(datetime.fromtimestamp(row[0], UTC), row[1], row[2], row[3], row[4])


def _stored_id(report_json: str) -> str | None:
    """The id of a report stored before reports carried it (None when the row is not a report we can read)."""
    from pydantic import ValidationError

    try:
        return Report.model_validate_json(report_json).report_id
    except ValidationError:
        return None


# -- `mailprobe history ADDRESS` ----------------------------------------------------------------------------


@dataclass
class Timeline:
    address: str
    period_days: float
    runs: list[Run]
    changes: list[Run] = field(default_factory=list)  # the runs where status or first cause changed
    healthy_share: float | None = None  # share of the period's time in status ok (each run holds till the next)
    failing_since: datetime | None = None
    last_good: Run | None = None

    def as_json(self) -> dict[str, Any]:
        def brief(run: Run) -> dict[str, Any]:
            return {"at": run.at.isoformat(), "status": run.status, "cause": run.cause, "section": run.section,
                    "report_id": run.report_id}

        current = self.runs[-1] if self.runs else None
        return {
            "address": self.address,
            "period_days": self.period_days,
            "runs": [brief(r) for r in self.runs],
            "changes": [brief(r) for r in self.changes],
            "healthy_share": self.healthy_share,
            "current": brief(current) if current else None,
            "failing_since": self.failing_since.isoformat() if self.failing_since else None,
            "last_good": None if self.last_good is None or current is None else {
                **brief(self.last_good), "checks": _counterparts(self.last_good.report(), current.report())},
            "current_failure": None if current is None or current.status == "ok" else {
                **brief(current), "checks": _evidence(current.report())},
        }


def timeline(history: History, address: str, days: float, now: datetime | None = None) -> Timeline:
    now = now or datetime.now(UTC)
    since = datetime.fromtimestamp(now.timestamp() - days * 86400.0, UTC)
    runs = history.runs(address, since)
    result = Timeline(address=address, period_days=days, runs=runs)
    previous: tuple[str, str | None] | None = None
    for run in runs:
        if (run.status, run.cause) != previous:
            result.changes.append(run)
        previous = (run.status, run.cause)
    if runs:
        healthy = total = 0.0
        for this, following in zip(runs, [*runs[1:], None], strict=True):
            end = following.at if following else now
            span = max(0.0, (end - this.at).total_seconds())
            total += span
            healthy += span if this.status == "ok" else 0.0
        result.healthy_share = healthy / total if total > 0 else (1.0 if runs[-1].status == "ok" else 0.0)
        current = runs[-1]
        if current.status != "ok":
            failing = [r for r in runs if r.status != "ok"]
            ok_runs = [r for r in runs if r.status == "ok"]
            after = ok_runs[-1].at if ok_runs else None
            result.failing_since = next((r.at for r in failing if after is None or r.at > after), current.at)
            result.last_good = history.last_good_before(address, current.at)
    return result


_FAILING = ("fail", "error", "warn")


def _row(check: CheckResult, lang: Lang | None = None) -> dict[str, str]:
    """A check as the history shows it; with LANG, its summary re-worded from its data in that language."""
    summary = check.summary
    if lang is not None:
        from mailprobe.kinds import reworded

        summary = reworded(check, lang)
    return {"id": check.id, "status": check.status, "target": check.target, "address": check.address or "",
            "summary": summary}


def _failing(report: Report) -> list[CheckResult]:
    """What fails now: the checks the causes name as their evidence (a null MX answers, and is the fault), then
    every failing or warning check."""
    by_id = {c.id: c for c in report.checks}
    named = [by_id[i] for entry in report.diagnosis for i in entry.evidence if i in by_id]
    found = {c.id: c for c in [*named, *(c for c in report.checks if c.status in _FAILING)]}
    return list(found.values())[:20]


def _evidence(report: Report, lang: Lang | None = None) -> list[dict[str, str]]:
    return [_row(c, lang) for c in _failing(report)]


def _counterparts(good: Report, now: Report, lang: Lang | None = None) -> list[dict[str, str]]:
    """The last good run's checks that correspond to what fails now, in the same order: the same check, else
    the same kind of probe of the same target (its address may have changed)."""
    by_id = {c.id: c for c in good.checks}
    by_target: dict[tuple[str, str], CheckResult] = {}
    for check in good.checks:
        by_target.setdefault((str(check.kind), check.target), check)
    found: dict[str, CheckResult] = {}
    for failure in _failing(now):
        match = by_id.get(failure.id) or by_target.get((str(failure.kind), failure.target))
        if match is not None:
            found.setdefault(match.id, match)
    return [_row(c, lang) for c in found.values()]


def render_text(line: Timeline, lang: Lang = "en") -> str:
    """The timeline in LANG, each line shown (mailprobe/safetext.py): the address is the user's argument, and
    the stored reports come from a file anyone may have written. The check rows' summaries are re-worded from
    their data, whatever language they were stored in; status words are LANG's, ids (causes, checks) stay ids."""
    from mailprobe.safetext import shown

    return "\n".join(shown(text) for text in _text_lines(line, lang))


def _text_lines(line: Timeline, lang: Lang) -> list[str]:
    from mailprobe.locales.messages import t

    def when(moment: datetime) -> str:
        return moment.astimezone().strftime("%Y-%m-%d %H:%M")

    days = f"{line.period_days:g}"
    if not line.runs:
        return [t("history.no_run", lang, address=line.address, days=days)]
    key = "history.runs.one" if len(line.runs) == 1 else "history.runs"
    out = [t(key, lang, address=line.address, count=len(line.runs), days=days)]
    if line.healthy_share is not None:
        out.append(t("history.healthy", lang, percent=f"{line.healthy_share * 100:.1f}"))
    out += ["", t("history.changes", lang)]
    for run in line.changes:
        section = f" ({t('source.section', lang, section=run.section)})" if run.section else ""
        report = f"  {t('history.report_id', lang, id=run.report_id)}" if run.report_id else ""
        out.append(f"  {when(run.at)}  {_pad(t(f'status.{run.status}', lang), 8)} {run.cause or '-'}{section}{report}")
    current = line.runs[-1]
    if current.status != "ok":
        out.append("")
        if line.last_good is not None and line.failing_since is not None:
            out.append(t("history.worked", lang, good=when(line.last_good.at), since=when(line.failing_since)))
            then = _counterparts(line.last_good.report(), current.report(), lang)
            out += ["", t("history.last_good", lang, when=when(line.last_good.at))]
            out += [_line(e, lang) for e in then]
            if not then:
                out.append("  " + t("history.none_then", lang))
        else:
            out.append(t("history.never_healthy", lang, since=when(line.failing_since or current.at)))
        now = (t("history.now_report", lang, when=when(current.at), id=current.report_id) if current.report_id
               else t("history.now", lang, when=when(current.at)))
        out += ["", now]
        out += [_line(e, lang) for e in _evidence(current.report(), lang)]
    return out


def _line(row: dict[str, str], lang: Lang = "en") -> str:
    from mailprobe.locales.messages import t

    where = " ".join(part for part in (row["target"], row["address"]) if part)
    status = t(f"check.{row['status']}", lang)
    return f"  {_pad(status, 5)} {row['id']} {where}: {row['summary']}"


def _pad(word: str, width: int) -> str:
    """WORD padded to WIDTH columns as a terminal shows it (a Chinese character takes two)."""
    import unicodedata

    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in word)
    return word + " " * max(0, width - shown)


def render_json(line: Timeline) -> str:
    from mailprobe.safetext import json_shown

    return json_shown(json.dumps(line.as_json(), indent=2, ensure_ascii=False))
