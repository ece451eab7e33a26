"""Where the --login password comes from: MAILPROBE_PASSWORD, --password-stdin's first line (waited for at
most the run's timeout) or a hidden prompt on a terminal; never argv. It is a Secret from the moment it is read,
made one `Credentials` value with the login name right here, and whatever goes wrong, the message never quotes it."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from mailprobe.errors import UsageError
from mailprobe.secret import Credentials, Secret

# The longest --password-stdin line read (a password is far shorter; a stream with no line ending is refused).
MAX_PASSWORD_BYTES = 4096


def password_waits(from_stdin: bool) -> bool:
    """Whether `read_password` will wait for someone: --password-stdin's line, or a prompt on a terminal."""
    if from_stdin:
        return True
    return not os.environ.get("MAILPROBE_PASSWORD") and sys.stdin is not None and sys.stdin.isatty()


def read_credentials(
    login_name: str | None, from_stdin: bool, timeout: float, prompt: Callable[[], str],
) -> Credentials:
    """The login's one credentials value: LOGIN_NAME (--login-user; None or empty: the profile's rule names it
    later) and the password read as `read_password` reads it."""
    return Credentials(login_name or None, read_password(from_stdin, timeout, prompt))


def read_password(from_stdin: bool, timeout: float, prompt: Callable[[], str]) -> Secret:
    """The password as a Secret, from MAILPROBE_PASSWORD, --password-stdin (waited for at most `timeout`
    seconds) or PROMPT (a hidden prompt, asked only on a terminal), never argv; whatever goes wrong, the
    message never quotes it."""
    from mailprobe.localinput import read_stdin_line

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
        typed = prompt()
        if typed:
            return Secret(str(typed))
        raise UsageError("--login: no password typed")
    raise UsageError(
        "--login needs a password: set MAILPROBE_PASSWORD, pass --password-stdin, or run it on a terminal"
    )
