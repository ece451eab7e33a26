"""Command line: parse options, call check(), render, exit with the monitoring-plugin code. Nothing else."""

from __future__ import annotations

import contextlib
import gc
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

# A command is short: the cyclic collector would walk the growing heap again and again while the models
# build their schemas at start-up (about a fifth of a check's wall time, for some 1 MB it would free). A run
# that lasts, a batch or the exporter, turns it back on (`_collect_again`).
gc.disable()

import click  # noqa: E402 - after the collector is off: click is the first heavy import

import mailprobe.stopping as stopping  # noqa: E402
from mailprobe.certdays import CRIT_DAYS, MAX_DAYS, WARN_DAYS  # noqa: E402
from mailprobe.render import FORMATS  # noqa: E402
from mailprobe.render.options import RenderOptions  # noqa: E402
from mailprobe.status import EXIT_UNKNOWN  # noqa: E402
from mailprobe.timeouts import MAX_SERVE_TIMEOUT_S, MAX_TIMEOUT_S  # noqa: E402

if TYPE_CHECKING:
    from mailprobe.batch import BadLine
    from mailprobe.check import CheckOptions
    from mailprobe.history import History
    from mailprobe.lang import Lang
    from mailprobe.login.run import LoginOptions
    from mailprobe.profiles import ProfileSet
    from mailprobe.report import Report
    from mailprobe.secret import Secret

# Taken when this module loads, before the heavy imports: where the operating system does not say when the
# process started (`_command_started`), --timeout counts from here.
STARTED = time.monotonic()
# A process that started longer ago than this before loading the CLI is a program calling main(), not the
# command the user started: its --timeout counts from STARTED.
MAX_START_UP_S = 60.0
# The longest --password-stdin line read (a password is far shorter; a stream with no line ending is refused).
MAX_PASSWORD_BYTES = 4096
LANG_CHOICES = ("en", "zh-Hans", "zh-Hant")
F = TypeVar("F", bound=Callable[..., Any])

# -- options several commands share ------------------------------------------------------------------

lang_option = click.option(
    "--lang", type=click.Choice(LANG_CHOICES), help="Language (default from LC_ALL / LANG)."
)
providers_dir_option = click.option(
    "--providers-dir", type=click.Path(file_okay=False), help="Extra / overriding profile files."
)
nameserver_option = click.option(
    "--nameserver", "nameservers", multiple=True, metavar="IP[:PORT]", help="DNS resolver to use."
)
verbose_option = click.option(
    "-v", "--verbose", is_flag=True,
    help="Text: list every check (passing and not tested too) and the advice for next time; without it, the "
         "passing checks are only counted.",
)
output_option = click.option(
    "--output", type=click.Path(dir_okay=False, allow_dash=True), metavar="FILE",
    help="Write the output to FILE (replaced whole, never half-written) instead of standard output.",
)


class Number(click.FloatRange):
    """A number of days or seconds: a FloatRange that also refuses NaN, which passes every comparison click
    makes (`nan < 0` and `nan > 3650` are both false), and the infinities."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        import math

        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a number", param, ctx)
        return number


def report_format_option(f: F) -> F:
    """--format for commands that print reports: the formats of the renderer table."""
    return click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="text", show_default=True)(f)


def plain_format_option(f: F) -> F:
    """--format for commands that print something other than a report (settings, providers)."""
    return click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)(f)
MAX_INPUT_BYTES = 16 * 1024 * 1024  # some 500,000 addresses


# Set by main() when the command line asks for --format nagios: Nagios shows only a plugin's standard output, so
# bad input then also gets a status line there ("(No output returned from plugin)" otherwise).
_NAGIOS: list[bool] = [False]


def _fail(message: str) -> NoReturn:
    from mailprobe.errors import one_line

    if _NAGIOS[0]:
        from mailprobe.render.nagios import unknown_line

        with contextlib.suppress(OSError):
            click.echo(unknown_line(message))
    with contextlib.suppress(OSError):  # stderr closed too: the exit code is all that is left
        click.echo(f"mailprobe: {one_line(message)}", err=True)
    sys.exit(EXIT_UNKNOWN)


def _asks_for_nagios(args: list[str]) -> bool:
    """--format nagios (or --format=nagios) anywhere on the line: known before click has parsed a word of it."""
    from itertools import pairwise

    return "--format=nagios" in args or ("--format", "nagios") in pairwise(args)


class _OutputClosed(Exception):
    """Whoever read our standard output has gone (`mailprobe schema | head -c1`)."""


class _Commands(click.Group):
    """Our command group, telling a closed output pipe apart before click turns it into exit 1."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)  # --help and --version print from here
        except BrokenPipeError as exc:
            raise _OutputClosed from exc
        except KeyboardInterrupt as exc:
            raise _Interrupted from exc

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError as exc:
            raise _OutputClosed from exc
        except KeyboardInterrupt as exc:
            raise _Interrupted from exc


class _Interrupted(Exception):
    """Ctrl-C (SIGINT): caught before click turns it into Abort and a blank line."""


def _interrupted(exc: BaseException | None = None) -> NoReturn:
    """Ctrl-C, SIGTERM or SIGHUP (mailprobe/stopping.py): one line, the shell's exit code."""
    stopping.stop(exc)


def _output_closed() -> NoReturn:
    """Exit 3 without a word: nobody reads stdout any more, and the exit code says the result did not arrive.

    Python would flush what is left in the stdout buffer at exit, fail again and print "Exception ignored";
    pointing stdout at /dev/null first makes that flush succeed.
    """
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
    sys.exit(EXIT_UNKNOWN)


def _lang(value: str | None) -> Lang:
    from mailprobe.lang import lang_from_env

    if value is None:
        return lang_from_env()
    return value  # type: ignore[return-value]  # click.Choice has checked it


def _color(stream: Any) -> bool:
    import os

    return "NO_COLOR" not in os.environ and bool(getattr(stream, "isatty", lambda: False)())


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mailprobe", prog_name="mailprobe")
def cli() -> None:
    """Tells why a company mailbox will not log in: DNS, provider, webmail and mail ports, in your language."""


# -- monitoring: batches, --output, certificate thresholds, history, --changes-only (mailprobe/batch.py) ------


def monitoring_options(f: F) -> F:
    for option in reversed((
        click.option("--output", "output", type=click.Path(dir_okay=False, allow_dash=True), metavar="FILE",
                     help="Write to FILE atomically (temporary file + rename) instead of standard output."),
        click.option("--cert-warn-days", type=Number(0, MAX_DAYS), default=WARN_DAYS, show_default=True,
                     help="A certificate with fewer days left is a warning."),
        click.option("--cert-crit-days", type=Number(0, MAX_DAYS), default=CRIT_DAYS, show_default=True,
                     help="A certificate with fewer days left is critical."),
        click.option("--history", "history", metavar="DB", envvar="MAILPROBE_HISTORY",
                     help="Store every report in this SQLite file (env MAILPROBE_HISTORY; default with "
                          "--changes-only: the state file in $XDG_STATE_HOME/mailprobe)."),
        click.option("--changes-only", is_flag=True,
                     help="Print, and exit non-zero, only for addresses whose status or first cause changed."),
    )):
        f = option(f)
    return f


def _monitored_run(
    addresses: tuple[str, ...], input_file: str | None, lines: list[str | BadLine], options: CheckOptions, fmt: str,
    concurrency: int, verbose: bool, monitoring: dict[str, Any], started: float,
) -> int:
    from mailprobe.batch import HUMAN_FORMATS, Batch, entries, progress_bar, run_batch
    from mailprobe.errors import UsageError
    from mailprobe.localinput import PATH_SHOWN
    from mailprobe.output import is_stdout, open_output
    from mailprobe.safetext import quoted_input

    options.cert_warn_days, options.cert_crit_days = monitoring["cert_warn_days"], monitoring["cert_crit_days"]
    if is_stdout(monitoring["output"]):
        monitoring["output"] = None  # "-" or /dev/stdout: standard output
    label = "'-'" if input_file == "-" else quoted_input(input_file or "", PATH_SHOWN)
    todo = list(entries(addresses, label, lines))
    if not todo:
        _fail("no address given (usage: mailprobe check user@company.com)")
    if len(todo) > 1:
        _collect_again()
    if len(todo) == 1:
        options.started = started  # one address: --timeout bounds the whole command; several: each check
        options.prefetch = True
        if todo[0].error is not None and input_file is None:
            _fail(todo[0].error)
    def said(message: str) -> None:
        from mailprobe.errors import one_line

        with contextlib.suppress(OSError):
            click.echo(f"mailprobe: {one_line(message)}", err=True)

    try:
        sink = open_output(monitoring["output"])  # refused before anything is done: a device, a link, a directory
    except UsageError as exc:
        _fail(str(exc))
    try:
        history = _open_history(monitoring["history"], monitoring["changes_only"], said)
        bar = progress_bar(len(todo), options.lang)
    except BaseException:
        sink.abort()
        raise

    batch = Batch(
        options=options, fmt=FORMATS[fmt], sink=sink, concurrency=concurrency, history=history,
        render_options=RenderOptions(color=not monitoring["output"] and _color(sys.stdout), verbose=verbose),
        machine=fmt not in HUMAN_FORMATS, changes_only=monitoring["changes_only"], on_error=said,
        on_done=(lambda: bar.update(1)) if bar is not None else (lambda: None),
    )
    try:
        with bar if bar is not None else contextlib.nullcontext():
            outcome = run_batch(batch, todo)
    finally:
        if batch.history is not None:  # None too when it failed during the run (and was closed then)
            batch.history.close()
    if outcome.checked == 0:
        return EXIT_UNKNOWN  # nothing could be checked: every line was bad
    return outcome.exit_code


def _open_history(option: str | None, changes_only: bool, said: Callable[[str], None]) -> History | None:
    """The history, or None; one that cannot be opened (corrupt, locked past the busy timeout, unwritable) is
    said on stderr and the run goes on without it: a broken history never stops the checks."""
    if option is None and not changes_only:
        return None
    from mailprobe.errors import GuardError
    from mailprobe.history import History, history_path

    try:
        return History(history_path(option))
    except GuardError as exc:
        said(f"{exc}: checking without the history" + (" (--changes-only prints every result)" if changes_only
                                                         else ""))
        return None


@cli.command()
@click.argument("address")
@click.option("--history", "history", metavar="DB", envvar="MAILPROBE_HISTORY", help="The history file.")
@click.option("--days", type=Number(0.001, 3660), default=7.0, show_default=True, help="The period.")
@lang_option
@plain_format_option
def history(address: str, history: str | None, days: float, lang: str | None, fmt: str) -> int:
    """Past results of ADDRESS: timeline, state changes, share of time healthy, last good run vs now."""
    from mailprobe.errors import GuardError
    from mailprobe.history import History, history_path, render_json, render_text, timeline
    from mailprobe.localinput import PATH_SHOWN
    from mailprobe.safetext import quoted_input

    path = history_path(history)
    if not path.is_file():  # a misspelt path is said, never created: this command only reads
        _fail(f"no history at {quoted_input(str(path), PATH_SHOWN)} (no such file; `mailprobe check --history DB` "
              "or --changes-only writes one)")
    try:
        with History(path) as store:
            line = timeline(store, address, days)
    except GuardError as exc:
        _fail(str(exc))
    click.echo(render_json(line) if fmt == "json" else render_text(line, _lang(lang)))
    if not line.runs:
        return EXIT_UNKNOWN
    from mailprobe.report import EXIT_CODES

    return EXIT_CODES.get(line.runs[-1].status, EXIT_UNKNOWN)



@cli.command()
@click.option("--listen", default="127.0.0.1:9465", show_default=True, metavar="HOST:PORT", help="Where to listen.")
@click.option("--config", type=click.Path(dir_okay=False), help="TOML file of named modules ([modules.NAME]).")
@click.option("--max-concurrent", type=click.IntRange(1, 256), default=8, show_default=True,
              help="Probes run at once; more wait (within their deadline).")
@click.option("--timeout", type=click.FloatRange(0, MAX_SERVE_TIMEOUT_S, min_open=True),
              help="The default module's deadline in seconds (the form's checks use it).")
@nameserver_option
@click.option("--ca-file", type=click.Path(dir_okay=False), help="Extra CA bundle (PEM) for every TLS probe.")
@click.option("--providers-dir", type=click.Path(file_okay=False), help="Extra provider profiles (TOML files).")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME[:PORT]",
              help="Also answer requests for this Host (a name it is reached by, e.g. behind a proxy).")
def serve(listen: str, config: str | None, max_concurrent: int, timeout: float | None,
          nameservers: tuple[str, ...], ca_file: str | None, providers_dir: str | None,
          allow_hosts: tuple[str, ...]) -> int:
    """Exporter and form: /probe?target=user@company.com answers one check's metrics, / is a form for
    people that shows the report page (mailprobe[serve]). --timeout, --nameserver, --ca-file and
    --providers-dir set the default module (over --config's). Requests for any Host but the listen
    address (and --allow-host names) are refused."""
    import math

    from mailprobe.errors import UsageError
    from mailprobe.net.nameservers import parse_nameserver
    from mailprobe.serve import serve as run_exporter

    _collect_again()

    if timeout is not None and not math.isfinite(timeout):  # FloatRange lets NaN through
        raise UsageError("--timeout must be a number of seconds, more than 0 and at most 120")

    for ns in nameservers:
        parse_nameserver(ns)
    defaults: dict[str, object] = {"timeout": timeout, "nameservers": nameservers or None, "ca_file": ca_file,
                                   "providers_dir": providers_dir}
    run_exporter(listen, config, max_concurrent, {k: v for k, v in defaults.items() if v is not None}, allow_hosts)
    return 0

@cli.command()
@click.argument("addresses", nargs=-1, metavar="ADDRESS…")
@click.option("--input", "input_file", type=click.Path(dir_okay=False, allow_dash=True),
              help="Read addresses from FILE ('-': standard input), one a line; '#' starts a comment.")
@report_format_option
@lang_option
@click.option("--timeout", type=float, default=10.0, show_default=True, help="Overall deadline in seconds.")
@nameserver_option
@click.option("--ca-file", type=click.Path(dir_okay=False), help="Extra CA bundle (PEM) for every TLS probe.")
@click.option("--provider", help="Force a provider profile instead of recognising it from MX.")
@providers_dir_option
@click.option("--baseline", "baselines", multiple=True, metavar="HOST:PORT", help="Replace the default baseline.")
@click.option("--no-baseline", is_flag=True, help="Do not probe other providers for comparison.")
@click.option("--authoritative", "authoritative", multiple=True, metavar="IP[:PORT]",
              help="Ask these servers as the domain's authoritative DNS (default: found through NS).")
@click.option("--concurrency", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Addresses checked at once.")
@click.option("--login", "login", is_flag=True,
              help="Also log in once per protocol, over TLS only (password: MAILPROBE_PASSWORD, --password-stdin "
                   "or a hidden prompt; never an option).")
@click.option("--password-stdin", is_flag=True, help="Read the --login password from the first line of stdin.")
@click.option("--login-protocols", default=None, metavar="imap,smtp,pop3",
              help="Protocols to log in over, in this order: IMAP, SMTP, POP3 (default: imap,smtp).")
@click.option("--login-user", default=None, help="Login name (default: the provider's rule, usually the address).")
@click.option("--force-login", is_flag=True, help="Log in even if the lockout guard's window has not passed.")
@click.option("--login-interval", type=Number(min=0.0, max=7 * 86400.0), default=900.0,
              show_default=True, metavar="SECONDS", help="The lockout guard's window between logins.")
@click.option("--state", "state", type=click.Path(dir_okay=False), envvar="MAILPROBE_STATE", default=None,
              metavar="DB", help="The lockout guard's state file (default: $XDG_STATE_HOME/mailprobe/state.db).")
@verbose_option
@monitoring_options
def check(
    addresses: tuple[str, ...], input_file: str | None, fmt: str, lang: str | None, timeout: float,
    nameservers: tuple[str, ...], ca_file: str | None, provider: str | None, providers_dir: str | None,
    baselines: tuple[str, ...], no_baseline: bool, authoritative: tuple[str, ...], concurrency: int,
    login: bool, password_stdin: bool, login_protocols: str | None, login_user: str | None, force_login: bool,
    login_interval: float, state: str | None, verbose: bool, **monitoring: Any,
) -> int:
    """Check ADDRESS… (e.g. user@company.com) and say why it cannot log in."""
    from mailprobe.net.trust import preload

    preload(ca_file)  # on another core while the check's modules are imported
    # --timeout counts from the process's start; the time spent waiting for a password (typed at the prompt,
    # or --password-stdin's line) is left out, and the first DNS questions are asked after it.
    started = _command_started()
    waits = login and _password_waits(password_stdin)
    if 0 < timeout <= MAX_TIMEOUT_S and not waits:
        _ask_early(addresses, nameservers, timeout, started)
    from mailprobe.check import CheckOptions
    from mailprobe.errors import UsageError
    from mailprobe.hostport import parse_hostport
    from mailprobe.net.nameservers import parse_nameserver

    if not 0 < timeout <= MAX_TIMEOUT_S:
        _fail(f"--timeout must be more than 0 and at most {MAX_TIMEOUT_S:g} seconds")
    try:
        # Reading standard input is start-up, and --timeout covers start-up too.
        left = max(0.0, timeout - (time.monotonic() - started))
        lines = _read_lines(input_file, left) if input_file else []
    except UsageError as exc:
        _fail(str(exc))
    given = len(addresses) + sum(1 for line in lines if not isinstance(line, str)
                                 or (line.strip() and not line.lstrip().startswith("#")))
    if password_stdin and input_file == "-":
        _fail("--password-stdin and --input - both read standard input: give the addresses as arguments or a file")
    login_options = None
    if login:
        if given > 1:
            _fail("--login takes one address: one password belongs to one mailbox")
        try:
            protocols = _login_protocols(login_protocols)
            asked = time.monotonic()
            password = _password(password_stdin, timeout)
            if waits:
                started += time.monotonic() - asked  # the human's time (or the pipe's), not the check's
            login_options = _login_options(password, protocols, login_user, force_login, login_interval, state)
        except UsageError as exc:
            _fail(str(exc))
        if waits and 0 < timeout <= MAX_TIMEOUT_S:
            _ask_early(addresses, nameservers, timeout, started)
    elif password_stdin or login_protocols or login_user or force_login:
        _fail("--password-stdin, --login-protocols, --login-user and --force-login need --login")
    try:
        options = CheckOptions(
            timeout=timeout,
            nameservers=[parse_nameserver(ns) for ns in nameservers] or None,
            ca_file=ca_file,
            provider=provider,
            providers_dir=providers_dir,
            baseline=[parse_hostport(b) for b in baselines] or None,
            no_baseline=no_baseline,
            authoritative=[parse_nameserver(a, "--authoritative") for a in authoritative] or None,
            lang=_lang(lang),
            login=login_options,
        )
        _validate(options)
    except UsageError as exc:
        _fail(str(exc))
    from mailprobe.errors import GuardError
    from mailprobe.limits import checks_at_once

    try:
        return _monitored_run(addresses, input_file, lines, options, fmt, checks_at_once(concurrency), verbose,
                              monitoring, started)
    except GuardError as exc:
        _fail(str(exc))


def _command_started() -> float:
    """The moment --timeout counts from: the process's start as the operating system recorded it, so that the
    interpreter's own start-up and the imports are inside the deadline too; where that is unknown, or too long
    ago to be this command's (a program calling main()), the moment this module loaded."""
    from mailprobe.net.deadline import process_started

    started = process_started()
    if started is None or not 0.0 <= STARTED - started <= MAX_START_UP_S:
        return STARTED
    return started


def _ask_early(addresses: tuple[str, ...], nameservers: tuple[str, ...], timeout: float, started: float) -> None:
    """The domains' first questions, asked while the check loads (net/early.py); bad input is left to the
    check, which says what is wrong with it."""
    from mailprobe.errors import UsageError
    from mailprobe.net import early
    from mailprobe.net.deadline import Deadline
    from mailprobe.net.nameservers import parse_nameserver

    try:
        servers = [parse_nameserver(ns) for ns in nameservers] or None
    except UsageError:
        return
    early.ask(addresses, servers, Deadline(timeout, started))


def _login_options(
    password: Secret, protocols: tuple[str, ...], user: str | None, force: bool, interval: float, state: str | None,
) -> LoginOptions:
    """--login's settings, with the password already read (`_password`)."""
    from pathlib import Path

    from mailprobe.login.run import LoginOptions

    return LoginOptions(
        password=password, user=user or None, protocols=protocols, force=force, interval_s=interval,
        state=Path(state) if state else None,
    )


def _login_protocols(text: str | None) -> tuple[str, ...]:
    from mailprobe.errors import UsageError
    from mailprobe.login.run import DEFAULT_PROTOCOLS
    from mailprobe.plan import LOGIN_ORDER
    from mailprobe.safetext import quoted_input

    if text is None:
        return DEFAULT_PROTOCOLS
    chosen = {word.strip().lower() for word in text.split(",") if word.strip()}
    unknown = sorted(chosen - set(LOGIN_ORDER))
    if unknown or not chosen:
        raise UsageError(f"--login-protocols {quoted_input(text)}: choose from imap, smtp, pop3")
    return tuple(p for p in LOGIN_ORDER if p in chosen)


def _password_waits(from_stdin: bool) -> bool:
    """Whether `_password` will wait for someone: --password-stdin's line, or a prompt on a terminal."""
    import os

    if from_stdin:
        return True
    return not os.environ.get("MAILPROBE_PASSWORD") and sys.stdin is not None and sys.stdin.isatty()


def _password(from_stdin: bool, timeout: float) -> Secret:
    """The password as a Secret, from MAILPROBE_PASSWORD, --password-stdin (waited for at most `timeout`
    seconds) or a hidden prompt, never argv; whatever goes wrong, the message never quotes it."""
    import os

    from mailprobe.errors import UsageError
    from mailprobe.localinput import read_stdin_line
    from mailprobe.secret import Secret

    if from_stdin:
        line = read_stdin_line("--password-stdin", max_bytes=MAX_PASSWORD_BYTES, timeout_s=timeout)
        encoding = getattr(sys.stdin, "encoding", None) or "utf-8"
        try:
            password = line.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            raise UsageError(f"--password-stdin: the password is not {encoding} text") from None
        if not password:
            raise UsageError("--password-stdin: standard input held no password")
        return Secret(password)
    if os.environ.get("MAILPROBE_PASSWORD"):
        return Secret(os.environ["MAILPROBE_PASSWORD"])
    if sys.stdin is not None and sys.stdin.isatty():
        typed = click.prompt("Password", hide_input=True, err=True, default="", show_default=False)
        if typed:
            return Secret(str(typed))
        raise UsageError("--login: no password typed")
    raise UsageError(
        "--login needs a password: set MAILPROBE_PASSWORD, pass --password-stdin, or run it on a terminal"
    )


def _validate(options: CheckOptions) -> None:
    """Everything a user can get wrong about the options is found before the first connection (only the
    domain's first DNS questions may have been asked of the resolver by then: net/early.py)."""
    from mailprobe.net.tls import TlsSettings

    profiles = options.load_profiles()
    if options.provider is not None:
        profiles.require(options.provider)
    TlsSettings(ca_file=options.ca_file).validate()


def _print(
    reports: list[Report], fmt: str, verbose: bool, streamed: bool = False, output: str | None = None,
    profiles: ProfileSet | None = None,
) -> None:
    if streamed and FORMATS[fmt].streaming:
        return  # printed as each finished
    translations = None
    if FORMATS[fmt].translated:
        from mailprobe.page import translations as every_language

        translations = every_language(reports, profiles)
    color = output is None and _color(sys.stdout)
    rendered = FORMATS[fmt].render(reports, RenderOptions(color=color, verbose=verbose, translations=translations))
    if output is None:
        click.echo(rendered)
    else:
        _write_output(output, rendered)


def _write_output(path: str, text: str) -> None:
    """Write `text` to `path` whole (mailprobe/output.py): a temporary file beside it, then a rename, so that a
    reader (a help desk's browser, a monitoring scrape) never sees half a page; never over a device or a link."""
    from mailprobe.errors import UsageError
    from mailprobe.output import write_whole

    try:
        write_whole(path, text)
    except UsageError as exc:
        _fail(str(exc))


def _read_lines(path: str, timeout_s: float) -> list[str | BadLine]:
    """--input's lines, each decided on its own (batch.input_lines): a bad line never refuses the file."""
    from mailprobe.batch import input_lines
    from mailprobe.localinput import read_bytes

    data = read_bytes(path, what="--input", max_bytes=MAX_INPUT_BYTES, allow_stdin=True, timeout_s=timeout_s)
    return input_lines(data)


@cli.command()
@click.argument("report_file", metavar="[REPORT.json]", required=False)
@click.option("--id", "report_id", metavar="ABCD-EFGH",
              help="Instead of a file: the report with this id (as the report shows it), from the history.")
@click.option("--history", "history", metavar="DB", envvar="MAILPROBE_HISTORY",
              help="The history --id reads (env MAILPROBE_HISTORY; default: the state file in $XDG_STATE_HOME/"
                   "mailprobe).")
@lang_option
@report_format_option
@providers_dir_option
@verbose_option
@output_option
def explain(
    report_file: str | None, report_id: str | None, history: str | None, lang: str | None, fmt: str,
    providers_dir: str | None, verbose: bool, output: str | None = None,
) -> int:
    """Re-render a saved JSON report (from `check --format json`), or the stored report with this --id (from
    `check --history` / --changes-only), in your language and any format."""
    from mailprobe.compose import relocalize
    from mailprobe.errors import UsageError
    from mailprobe.profiles import load_profiles
    from mailprobe.report import worst_exit_code
    from mailprobe.savedreport import load_reports

    if (report_file is None) == (report_id is None):
        _fail("explain takes a REPORT.json or --id ABCD-EFGH (one of them)")
    try:
        reports = load_reports(report_file) if report_file is not None else [_stored_report(report_id or "", history)]
        profiles = load_profiles(providers_dir)
    except UsageError as exc:
        _fail(str(exc))
    chosen = _lang(lang)
    reports = [relocalize(report, chosen, profiles) for report in reports]
    from mailprobe.output import is_stdout

    _print(reports, fmt, verbose, output=None if is_stdout(output) else output, profiles=profiles)
    return worst_exit_code(reports)


def _stored_report(text: str, history: str | None) -> Report:
    """The report whose id is TEXT, from the history (which is only read: a missing file is said, never made)."""
    from mailprobe.errors import GuardError, UsageError
    from mailprobe.history import History, history_path
    from mailprobe.localinput import PATH_SHOWN
    from mailprobe.report import parse_report_id
    from mailprobe.safetext import quoted_input

    wanted = parse_report_id(text)
    if wanted is None:
        raise UsageError(f"--id {quoted_input(text, 40)} is not a report id (8 letters and digits, as ABCD-EFGH)")
    path = history_path(history)
    if not path.is_file():
        raise UsageError(f"--id {wanted}: no history at {quoted_input(str(path), PATH_SHOWN)} (reports are kept by "
                         "`check --history DB` or --changes-only)")
    try:
        with History(path) as store:
            found = store.find(wanted)
    except GuardError as exc:
        raise UsageError(str(exc)) from None
    if found is None:
        raise UsageError(f"--id {wanted}: no such report in {quoted_input(str(path), PATH_SHOWN)}")
    return found.report()


@cli.command()
@click.argument("address")
@lang_option
@click.option("--provider", help="Use this provider profile instead of looking up MX.")
@providers_dir_option
@nameserver_option
@click.option("--ca-file", type=click.Path(dir_okay=False),
              help="Extra CA bundle (PEM) for the domain's published settings (autoconfig over HTTPS).")
@click.option("--timeout", type=float, default=5.0, show_default=True, help="Deadline for the MX lookup.")
@plain_format_option
def settings(
    address: str, lang: str | None, provider: str | None, providers_dir: str | None,
    nameservers: tuple[str, ...], ca_file: str | None, timeout: float, fmt: str,
) -> int:
    """The mail client settings to use for ADDRESS (article 4.2: keep them written down)."""
    from mailprobe.clientsettings import client_settings
    from mailprobe.errors import UsageError
    from mailprobe.net.nameservers import parse_nameserver
    from mailprobe.net.tls import TlsSettings
    from mailprobe.render.settings import render_settings

    if not 0 < timeout <= MAX_TIMEOUT_S:
        _fail(f"--timeout must be more than 0 and at most {MAX_TIMEOUT_S:g} seconds")
    try:
        TlsSettings(ca_file=ca_file).validate()
        found = client_settings(
            address, provider=provider, providers_dir=providers_dir,
            nameservers=[parse_nameserver(ns) for ns in nameservers] or None, timeout=timeout, lang=_lang(lang),
            ca_file=ca_file,
        )
    except UsageError as exc:
        _fail(str(exc))
    click.echo(render_settings(found.view(_lang(lang)), _lang(lang), fmt))
    if found.profile is not None or found.matched_by == "published":
        return 0
    return EXIT_UNKNOWN if found.lookup_failed or found.dns_problem is not None else 1


@cli.command()
@click.argument("provider_id", required=False, metavar="[ID]")
@lang_option
@providers_dir_option
@plain_format_option
@click.option("-v", "--verbose", is_flag=True, help="Also show the MX patterns (regular expressions).")
def providers(provider_id: str | None, lang: str | None, providers_dir: str | None, fmt: str, verbose: bool) -> int:
    """List the provider profiles, or show one."""
    from mailprobe.errors import UsageError
    from mailprobe.profiles import load_profiles
    from mailprobe.render.providers import render_profile, render_profiles

    try:
        profiles = load_profiles(providers_dir)
        chosen = profiles.require(provider_id) if provider_id else None
    except UsageError as exc:
        _fail(str(exc))
    if chosen is not None:
        click.echo(render_profile(chosen, _lang(lang), fmt, verbose))
    else:
        click.echo(render_profiles(profiles.all(), _lang(lang), fmt, verbose))
    return 0


@cli.command()
def schema() -> int:
    """Print the JSON Schema of the report."""
    import json

    from mailprobe.report import json_schema

    click.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))
    return 0



def main(argv: list[str] | None = None) -> NoReturn:
    """Entry point: every user error is one line on stderr and exit 3, never click's usual 2."""
    from mailprobe.errors import UsageError

    stopping.install()  # already, through mailprobe/__main__.py; here too for a caller of main()
    _NAGIOS[0] = _asks_for_nagios(sys.argv[1:] if argv is None else list(argv))
    try:
        code = cli.main(args=argv, prog_name="mailprobe", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        sys.exit(EXIT_UNKNOWN)
    except click.UsageError as exc:
        hint = f" (see 'mailprobe {exc.ctx.info_name} --help')" if exc.ctx and exc.ctx.parent else ""
        _fail(exc.format_message().replace("\n", " ") + hint)
    except click.ClickException as exc:
        _fail(exc.format_message().replace("\n", " "))
    except UsageError as exc:
        _fail(str(exc))
    except (_Interrupted, KeyboardInterrupt) as exc:
        _interrupted(exc)
    except click.exceptions.Abort as exc:  # a prompt ended by Ctrl-C (interrupted) or Ctrl-D (no answer)
        if isinstance(exc.__context__, KeyboardInterrupt):
            _interrupted(exc.__context__)
        _fail("interrupted")
    except (_OutputClosed, BrokenPipeError):
        _output_closed()
    except Exception as exc:  # a bug of ours: still one line and "unknown", never a traceback
        _fail(f"internal error: {type(exc).__name__}: {exc} (please report it)")
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _output_closed()
    except (OSError, ValueError, AttributeError):
        pass
    _exit_now(code if isinstance(code, int) else 0)


def _collect_again() -> None:
    """A long run (several addresses, the exporter) collects its garbage: what start-up built is set aside
    (never walked again), what the checks leave is collected as usual."""
    gc.freeze()
    gc.enable()


def _exit_now(code: int) -> NoReturn:
    """Exit without the interpreter's teardown when nothing is left to do: freeing every object of the run one
    by one (the trust store's certificates, the models' schemas) takes some 50 ms a user waits for and nobody
    needs. The exit handlers still run and both streams are flushed; a thread still at work (none, after a
    check) gets the ordinary exit, which waits for it."""
    import atexit
    import os
    import threading

    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    os._exit(code)
