"""`mailprobe check ADDRESS…`: one mailbox or a batch, with --login, the history and --changes-only."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from mailprobe.cli.group import cli
from mailprobe.cli.lifecycle import collect_again, command_started, fail
from mailprobe.cli.options import (
    Number,
    chosen_lang,
    color_on,
    lang_option,
    monitoring_options,
    nameserver_option,
    providers_dir_option,
    report_format_option,
    verbose_option,
)
from mailprobe.render import FORMATS
from mailprobe.render.options import RenderOptions
from mailprobe.status import EXIT_UNKNOWN
from mailprobe.timeouts import MAX_TIMEOUT_S

if TYPE_CHECKING:
    from mailprobe.admin.run import AdminOptions
    from mailprobe.batch import BadLine, Entry
    from mailprobe.check import CheckOptions
    from mailprobe.history import History
    from mailprobe.login.run import LoginOptions
    from mailprobe.net.deadline import Deadline
    from mailprobe.profiles import ProfileSet
    from mailprobe.secret import Credentials

MAX_INPUT_BYTES = 16 * 1024 * 1024  # some 500,000 addresses


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
@click.option("--login-user", "login_name", default=None,
              help="Login name (default: the provider's rule, usually the address).")
@click.option("--force-login", is_flag=True, help="Log in even if the lockout guard's window has not passed.")
@click.option("--login-interval", type=Number(min=0.0, max=7 * 86400.0), default=900.0,
              show_default=True, metavar="SECONDS", help="The lockout guard's window between logins.")
@click.option("--loop", "loop", is_flag=True,
              help="Also send ONE message to the mailbox itself over authenticated submission and find it over IMAP "
                   "(implies --login); it is deleted once found.")
@click.option("--loop-to", default=None, metavar="ADDR",
              help="Send the --loop message here (same domain, or --loop-allow).")
@click.option("--loop-allow", multiple=True, metavar="DOMAIN|ADDR",
              help="Another domain or address --loop-to may name.")
@click.option("--loop-timeout", type=Number(min=1.0, max=900.0), default=120.0, show_default=True, metavar="SECONDS",
              help="How long the --loop waits for its message, after the quick checks.")
@click.option("--state", "state", type=click.Path(dir_okay=False), envvar="MAILPROBE_STATE", default=None,
              metavar="DB", help="The lockout guard's state file (default: $XDG_STATE_HOME/mailprobe/state.db).")
@click.option("--admin", "admin", is_flag=True,
              help="Also ask the provider's administrator API (Exmail, Microsoft Graph, Google) about the account "
                   "(credentials: MAILPROBE_EXMAIL_* / MAILPROBE_GRAPH_* / MAILPROBE_GOOGLE_* or --admin-credentials).")
@click.option("--admin-credentials", "admin_credentials", default=None, metavar="FILE",
              help="--admin's credentials from this TOML file, readable by its owner only.")
@verbose_option
@monitoring_options
def check(
    addresses: tuple[str, ...], input_file: str | None, fmt: str, lang: str | None, timeout: float,
    nameservers: tuple[str, ...], ca_file: str | None, provider: str | None, providers_dir: str | None,
    baselines: tuple[str, ...], no_baseline: bool, authoritative: tuple[str, ...], concurrency: int,
    login: bool, password_stdin: bool, login_protocols: str | None, login_name: str | None, force_login: bool,
    login_interval: float, state: str | None, verbose: bool, loop: bool = False, loop_to: str | None = None,
    loop_allow: tuple[str, ...] = (), loop_timeout: float = 120.0, admin: bool = False,
    admin_credentials: str | None = None, **monitoring: Any,
) -> int:
    """Check ADDRESS… (e.g. user@company.com) and say why it cannot log in."""
    login = login or loop  # the loop is a login: the same password sources, the same guard
    from mailprobe.net.trust import preload

    preload(ca_file)  # on another core while the check's modules are imported
    # --timeout counts from the process's start; the time spent waiting for a password (typed at the prompt,
    # or --password-stdin's line) is left out, and the first DNS questions are asked after it.
    # The command's one deadline is made here, at its edge (once a password has been waited for, when one is):
    # the early questions, reading --input and the check (one address) all count from it.
    started = command_started()
    from mailprobe.net.deadline import Deadline

    waits = login and _password_waits(password_stdin)
    deadline = Deadline(timeout, started)
    # One address: the hosts its check will look up are asked early too (net/early.prefetch).
    prefetch = (providers_dir, not (no_baseline or baselines)) if len(addresses) == 1 and input_file is None \
        and provider is None else None
    profiles = _ask_early(addresses, nameservers, deadline, prefetch) if 0 < timeout <= MAX_TIMEOUT_S \
        and not waits else None
    from mailprobe.check import CheckOptions
    from mailprobe.errors import UsageError

    if not 0 < timeout <= MAX_TIMEOUT_S:
        fail(f"--timeout must be more than 0 and at most {MAX_TIMEOUT_S:g} seconds")
    try:
        # Reading standard input is start-up, and --timeout covers start-up too.
        left = max(0.0, deadline.at - time.monotonic())
        lines = _read_lines(input_file, left) if input_file else []
    except UsageError as exc:
        fail(str(exc))
    todo = _entries(addresses, input_file, lines)  # each address parsed here, once: a Target travels from here
    given = len(addresses) + sum(1 for line in lines if not isinstance(line, str)
                                 or (line.strip() and not line.lstrip().startswith("#")))
    if password_stdin and input_file == "-":
        fail("--password-stdin and --input - both read standard input: give the addresses as arguments or a file")
    login_options = None
    if login:
        if given > 1:
            fail("--login takes one address: one password belongs to one mailbox")
        try:
            protocols = _login_protocols(login_protocols)
            if loop:
                protocols = tuple(dict.fromkeys((*protocols, "imap", "smtp")))
            from mailprobe.login.passwords import read_credentials

            asked = time.monotonic()
            credentials = read_credentials(login_name, password_stdin, timeout, _prompt)
            if waits:  # the human's time (or the pipe's), not the check's: the deadline is made after it
                deadline = Deadline(timeout, started + (time.monotonic() - asked))
            login_options = _login_options(credentials, protocols, force_login, login_interval, state)
        except UsageError as exc:
            fail(str(exc))
        if waits and 0 < timeout <= MAX_TIMEOUT_S:
            profiles = _ask_early(addresses, nameservers, deadline, prefetch)
    elif password_stdin or login_protocols or login_name or force_login:
        fail("--password-stdin, --login-protocols, --login-user and --force-login need --login")
    if not loop and (loop_to or loop_allow):
        fail("--loop-to and --loop-allow need --loop")
    admin_options = _admin_options(admin, admin_credentials)
    try:
        options = CheckOptions.from_params({
            "timeout": timeout, "nameservers": nameservers, "ca_file": ca_file, "provider": provider,
            "providers_dir": providers_dir, "baseline": baselines, "no_baseline": no_baseline,
            "authoritative": authoritative, "lang": chosen_lang(lang),
            "cert_warn_days": monitoring["cert_warn_days"], "cert_crit_days": monitoring["cert_crit_days"],
        })
        options.login = login_options
        options.profiles = profiles  # loaded for the early questions (None: not yet)
        if loop:
            from mailprobe.loop.cli import loop_options

            targets = [entry.target for entry in todo if entry.target is not None]
            options.loop = loop_options(targets, loop_to, loop_allow, loop_timeout, options.lang)
        options.admin = admin_options
        _validate(options)
    except UsageError as exc:
        fail(str(exc))
    from mailprobe.errors import GuardError
    from mailprobe.limits import checks_at_once

    try:
        return _monitored_run(todo, input_file, options, fmt, checks_at_once(concurrency), verbose, monitoring,
                              deadline)
    except GuardError as exc:
        fail(str(exc))


def _admin_options(admin: bool, path: str | None) -> AdminOptions | None:
    """--admin's credentials, read now (bad ones are bad input: one line, exit 3, never a value quoted)."""
    if not admin:
        if path is not None:
            fail("--admin-credentials needs --admin")
        return None
    from mailprobe.admin import credentials
    from mailprobe.admin.run import AdminOptions
    from mailprobe.errors import UsageError

    try:
        return AdminOptions(credentials.load(path))
    except UsageError as exc:
        fail(str(exc))


def _prompt() -> str:
    """The hidden password prompt, on standard error."""
    return str(click.prompt("Password", hide_input=True, err=True, default="", show_default=False))


def _password_waits(password_stdin: bool) -> bool:
    from mailprobe.login.passwords import password_waits

    return password_waits(password_stdin)


def _ask_early(addresses: tuple[str, ...], nameservers: tuple[str, ...], deadline: Deadline,
               prefetch: tuple[str | None, bool] | None = None) -> ProfileSet | None:
    """The domains' first questions, asked while the check loads (net/early.py) under the command's one
    DEADLINE, then (PREFETCH: the --providers-dir and whether the default baseline is used) the hosts of the
    profiles it loads, returned for the check to use. Bad input is left to the check, which says what is wrong
    with it."""
    from mailprobe.errors import UsageError
    from mailprobe.net import early
    from mailprobe.net.nameservers import parse_nameserver

    try:
        servers = [parse_nameserver(ns) for ns in nameservers] or None
    except UsageError:
        return None
    early.ask(addresses, servers, deadline)
    if prefetch is None:
        return None
    from mailprobe.profiles import load_profiles

    try:
        profiles = load_profiles(prefetch[0])
    except UsageError:
        return None
    early.prefetch(profiles, servers, deadline, baseline=prefetch[1])
    return profiles


def _login_options(
    credentials: Credentials, protocols: tuple[str, ...], force: bool, interval: float, state: str | None,
) -> LoginOptions:
    """--login's settings, with the credentials already read (`read_credentials`)."""
    from pathlib import Path

    from mailprobe.login.run import LoginOptions

    return LoginOptions(
        credentials=credentials, protocols=protocols, force=force, interval_s=interval,
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


def _validate(options: CheckOptions) -> None:
    """Everything a user can get wrong about the options is found before the first connection (only the
    domain's first DNS questions may have been asked of the resolver by then: net/early.py)."""
    from mailprobe.net.tls import TlsSettings

    profiles = options.load_profiles()
    if options.provider is not None:
        profiles.require(options.provider)
    TlsSettings(ca_file=options.ca_file).validate()


def _read_lines(path: str, timeout_s: float) -> list[str | BadLine]:
    """--input's lines, each decided on its own (batch.input_lines): a bad line never refuses the file."""
    from mailprobe.batch import input_lines
    from mailprobe.localinput import read_bytes

    data = read_bytes(path, what="--input", max_bytes=MAX_INPUT_BYTES, allow_stdin=True, timeout_s=timeout_s)
    return input_lines(data)


def _entries(addresses: tuple[str, ...], input_file: str | None, lines: list[str | BadLine]) -> list[Entry]:
    """The addresses to check, the arguments' then --input's, each parsed (batch.entries)."""
    from mailprobe.batch import entries
    from mailprobe.localinput import PATH_SHOWN
    from mailprobe.safetext import quoted_input

    label = "'-'" if input_file == "-" else quoted_input(input_file or "", PATH_SHOWN)
    return list(entries(addresses, label, lines))


def _monitored_run(
    todo: list[Entry], input_file: str | None, options: CheckOptions, fmt: str, concurrency: int, verbose: bool,
    monitoring: dict[str, Any], deadline: Deadline,
) -> int:
    from mailprobe.batch import HUMAN_FORMATS, Batch, progress_bar, run_batch
    from mailprobe.errors import UsageError
    from mailprobe.output import is_stdout, open_output

    if is_stdout(monitoring["output"]):
        monitoring["output"] = None  # "-" or /dev/stdout: standard output
    if not todo:
        fail("no address given (usage: mailprobe check user@company.com)")
    if len(todo) > 1:
        collect_again()
    if len(todo) == 1:
        options.deadline = deadline  # one address: --timeout bounds the whole command; several: each check
        options.prefetch = True
        if todo[0].error is not None and input_file is None:
            fail(todo[0].error)
    def said(message: str) -> None:
        from mailprobe.errors import one_line

        with contextlib.suppress(OSError):
            click.echo(f"mailprobe: {one_line(message)}", err=True)

    try:
        sink = open_output(monitoring["output"])  # refused before anything is done: a device, a link, a directory
    except UsageError as exc:
        fail(str(exc))
    try:
        history = _open_history(monitoring["history"], monitoring["changes_only"], said)
        bar = progress_bar(len(todo), options.lang)
    except BaseException:
        sink.abort()
        raise

    batch = Batch(
        options=options, fmt=FORMATS[fmt], sink=sink, concurrency=concurrency, history=history,
        render_options=RenderOptions(color=not monitoring["output"] and color_on(sys.stdout), verbose=verbose),
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
