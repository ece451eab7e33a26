"""Many addresses in one run: bad lines named and carried as `unknown`, a bounded pool of workers, work shared
between addresses, streaming output with flat memory, history and --changes-only. (--output: mailprobe/output.py.)

Output keeps no report in the machine formats: jsonl prints each as it ends; json, prometheus and nagios are fed
to their format's `Collector`, which keeps only what it will print. The human formats (text, html) keep the
reports and print them together at the end.

The CLI parses options and calls `run_batch`; this module strings the checks together for a batch.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import mailprobe.runloop as runloop
from mailprobe.output import Sink
from mailprobe.report import EXIT_CODES, ProviderInfo, Report, ToolInfo
from mailprobe.version import __version__

if TYPE_CHECKING:
    from mailprobe.address import Target
    from mailprobe.check import CheckOptions
    from mailprobe.history import History
    from mailprobe.lang import Lang
    from mailprobe.render import Format
    from mailprobe.render.options import RenderOptions

# Formats a person reads: a bad line is said on stderr only. Every other format also gets an `unknown` result.
HUMAN_FORMATS = frozenset({"text", "html"})


@dataclass(frozen=True)
class Entry:
    """One address to check, or a line that is not one (with the message naming where it came from)."""

    position: int
    address: str
    error: str | None = None
    target: Target | None = None  # the address parsed (once, here at the edge); None for a bad line


@dataclass(frozen=True)
class BadLine:
    """An --input line that is not text an address could be (bytes that are not UTF-8, far too long): `text`
    is what can be shown of it, `problem` why it is not checked."""

    text: str
    problem: str


MAX_INPUT_LINE = 1024  # an address is at most 254 characters; a longer line is a mistake, not an address
_BOM = b"\xef\xbb\xbf"


def input_lines(data: bytes) -> list[str | BadLine]:
    """--input's lines, each decided on its own: one line of bytes that are not UTF-8 (a Latin-1 name in a
    UTF-8 list) or too long to be an address is a BadLine, and every other line is still read."""
    from mailprobe.safetext import quoted_input

    if data.startswith(_BOM):  # Notepad writes one
        data = data[len(_BOM):]
    result: list[str | BadLine] = []
    for raw in data.splitlines():  # \n, \r\n or \r: bytes.splitlines knows no other line ends
        shown = raw[:MAX_INPUT_LINE + 1].decode("utf-8", "backslashreplace")
        if len(raw.strip()) > MAX_INPUT_LINE:
            result.append(BadLine(shown, f"{quoted_input(shown.strip(), 40)} is longer than {MAX_INPUT_LINE} "
                                         "characters: not an address"))
            continue
        try:
            result.append(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            result.append(BadLine(shown, f"{quoted_input(shown.strip(), 80)} is not UTF-8 text (invalid byte "
                                         f"at column {exc.start + 1}; check the file's encoding)"))
    return result


def entries(
    addresses: Sequence[str], input_label: str | None, lines: Iterable[str | BadLine]
) -> Iterator[Entry]:
    """The arguments, then the --input lines (blank lines and '#' comments skipped), each parsed: a bad one
    is an Entry with its error, the others still come."""
    from mailprobe.address import parse_address
    from mailprobe.errors import UsageError

    position = 0
    for address in addresses:
        error, target = None, None
        try:
            target = parse_address(address)
        except UsageError as exc:
            error = str(exc)
        yield Entry(position, address, error, target)
        position += 1
    for number, line in enumerate(lines, start=1):
        if isinstance(line, BadLine):
            yield Entry(position, line.text.strip()[:MAX_INPUT_LINE], f"--input {input_label} line {number}: "
                                                                       f"{line.problem}")
            position += 1
            continue
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        error, target = None, None
        try:
            target = parse_address(text)
        except UsageError as exc:
            error = f"--input {input_label} line {number}: {exc}"
        yield Entry(position, text, error, target)
        position += 1


def unknown_report(entry: Entry, lang: str) -> Report:
    """The `unknown` result of a line that could not be checked (machine formats carry it)."""
    from mailprobe.safetext import shown

    return Report(
        schema_version=2, tool=ToolInfo(version=__version__), address=shown(entry.address, limit=254),
        domain="", domain_ascii="", started_at=datetime.now(UTC), duration_ms=0.0, status="unknown",
        provider=ProviderInfo(id="none", name="", matched_by="generic"), lang=lang,
    )


# -- the run ---------------------------------------------------------------------------------------------


@dataclass
class BatchResult:
    """What a batch keeps: the worst exit code and counts (streaming formats keep no report)."""

    exit_code: int = 0  # the worst of the addresses checked (a bad line is said, never raises it)
    checked: int = 0  # addresses actually checked: none at all is exit 3
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(EXIT_CODES, 0))
    printed: int = 0
    probes_run: int = 0
    probes_shared: int = 0


@dataclass
class Batch:
    options: CheckOptions
    fmt: Format
    render_options: RenderOptions
    sink: Sink
    machine: bool = True  # also emit `unknown` results for bad lines
    concurrency: int = 4
    history: History | None = None
    changes_only: bool = False
    on_error: Callable[[str], None] = lambda message: None
    on_done: Callable[[], None] = lambda: None

    def _render_options(self, reports: list[Report]) -> RenderOptions:
        """The page carries every language: its reports re-worded in each (a renderer never re-words)."""
        if not self.fmt.translated:
            return self.render_options
        from mailprobe.translations import translations

        return replace(self.render_options, translations=translations(reports, self.options.load_profiles()))

    async def run(self, todo: Iterable[Entry]) -> BatchResult:
        from mailprobe.check import StepCache, run_check

        outcome = BatchResult()
        share = StepCache()
        self.options.share = share
        self.options.checks_at_once = self.concurrency  # each check's share of the open files (limits.py)
        kept: list[tuple[int, Report]] = []  # only for the human formats, printed once at the end
        collector = self.fmt.collect(self.render_options) if self.fmt.collect is not None else None
        source = iter(todo)

        def emit(position: int, report: Report, checked: bool = True) -> None:
            outcome.counts[report.status] += 1
            if checked:
                outcome.exit_code = max(outcome.exit_code, report.exit_code)
            outcome.printed += 1
            if self.fmt.streaming:
                self.sink.write(self.fmt.render([report], self.render_options))
            elif collector is not None:
                for piece in collector.add(position, report):
                    self.sink.write(piece)
            else:
                kept.append((position, report))

        def unprinted(position: int) -> None:
            if collector is not None:
                for piece in collector.skip(position):
                    self.sink.write(piece)

        writing = asyncio.Lock()  # one history write at a time, in a thread: the loop never waits on SQLite

        async def remember(report: Report) -> bool:
            """Store REPORT in the history (one transaction, all or nothing); True when it changed. A history
            that cannot be written (corrupt, locked past the busy timeout) is said once and left alone for the
            rest of the run: every address is still checked, and counts as changed."""
            from mailprobe.login.guard import GuardError

            async with writing:
                history = self.history
                if history is None:
                    return True
                try:
                    return await asyncio.to_thread(history.record, report)
                except GuardError as exc:
                    self.history = None
                    history.close()
                    self.on_error(f"{exc}: the history is not written for the rest of this run")
                    return True

        async def worker() -> None:
            # Workers pull the next entry as they free up: never more tasks than --concurrency.
            for entry in source:
                if entry.error is not None:
                    # Kept in the history as `unknown` like any result, so that --changes-only says a line that
                    # stays bad once (a change), not on every run: cron would mail the same line each time.
                    stand_in = unknown_report(entry, self.options.lang)
                    changed = await remember(stand_in) if self.history is not None else True
                    if changed or not self.changes_only:
                        self.on_error(entry.error)
                    if self.machine and (changed or not self.changes_only):
                        emit(entry.position, stand_in, checked=False)
                    else:
                        unprinted(entry.position)
                    self.on_done()
                    continue
                report = await run_check(entry.target or entry.address, self.options)
                outcome.checked += 1
                changed = await remember(report) if self.history is not None else True
                if changed or not self.changes_only:
                    emit(entry.position, report)
                else:
                    unprinted(entry.position)
                del report  # nothing of it stays behind while the next check runs
                self.on_done()

        workers = [asyncio.ensure_future(worker()) for _ in range(self.concurrency)]
        try:
            await asyncio.gather(*workers)
        finally:
            for task in workers:
                task.cancel()
        if collector is not None and outcome.printed:
            for piece in collector.finish():
                self.sink.write(piece)
        if kept and not self.fmt.streaming:
            kept.sort(key=lambda item: item[0])
            reports = [report for _, report in kept]
            self.sink.write(self.fmt.render(reports, self._render_options(reports)))
        outcome.probes_run, outcome.probes_shared = share.runs, share.reused
        return outcome


def run_batch(batch: Batch, todo: Iterable[Entry]) -> BatchResult:
    try:
        outcome = runloop.run(batch.run(todo), batch.options.timeouts())
    except BaseException:
        batch.sink.abort()
        raise
    batch.sink.commit()
    return outcome


def progress_bar(total: int, lang: Lang = "en") -> Any:
    """click's progress bar on stderr when stderr is a terminal; None otherwise (nothing is printed)."""
    import click

    from mailprobe.locales.messages import t

    if total < 2 or not sys.stderr.isatty():
        return None
    return click.progressbar(length=total, file=sys.stderr, label=t("progress.checking", lang), show_pos=True)
