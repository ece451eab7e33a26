"""Files named by the user are read only if they are regular files, only so far, and only as UTF-8."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailprobe.errors import UsageError
from mailprobe.localinput import deeper_than, read_bytes, read_text


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "list.fifo"
    os.mkfifo(path)
    return path


@pytest.fixture
def unix_socket(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "s.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)
    yield path
    server.close()


def _refused(path: str, **kwargs: object) -> str:
    options: dict[str, object] = {"what": "--input", "max_bytes": 1024} | kwargs
    with pytest.raises(UsageError) as caught:
        read_text(path, **options)  # type: ignore[arg-type]
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_regular_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text("用户@公司.中国\n", encoding="utf-8")
    assert read_text(str(path), what="--input", max_bytes=1024) == "用户@公司.中国\n"


def test_a_bom_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_bytes(b"\xef\xbb\xbfa@b.example\n")
    assert read_text(str(path), what="--input", max_bytes=1024) == "a@b.example\n"


def test_a_fifo_without_writer_is_refused_at_once(fifo: Path) -> None:
    started = time.monotonic()
    message = _refused(str(fifo))
    assert time.monotonic() - started < 2
    assert message == f"--input '{fifo}': not a regular file (a FIFO)"


@pytest.mark.parametrize(
    ("path", "kind"),
    [pytest.param("/dev/zero", "a character device", id="dev-zero"),
     pytest.param("/dev/null", "a character device", id="dev-null")],
)
def test_a_device_is_refused(path: str, kind: str) -> None:
    assert _refused(path) == f"--input '{path}': not a regular file ({kind})"


def test_a_directory_is_refused(tmp_path: Path) -> None:
    assert _refused(str(tmp_path)).endswith("not a regular file (a directory)")


def test_a_socket_is_refused(unix_socket: Path) -> None:
    assert _refused(str(unix_socket)).endswith("not a regular file (a socket)")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    assert _refused(str(missing)) == f"--input '{missing}' does not exist"


def test_a_file_larger_than_the_cap_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"a" * 1025)
    assert "is larger than 1024 bytes (1 KiB)" in _refused(str(path))
    path.write_bytes(b"a" * 1024)
    assert read_bytes(str(path), what="--input", max_bytes=1024) == b"a" * 1024


def test_invalid_utf8_names_file_and_byte_offset(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_bytes(b"\xef\xbb\xbfab\xffcd")
    assert _refused(str(path)) == f"--input '{path}' is not UTF-8 text (invalid byte at offset 5)"


def test_a_hostile_path_is_shown_escaped(tmp_path: Path) -> None:
    path = tmp_path / "evil\x1b[2J\u202e.txt"
    message = _refused(str(path))
    assert "\x1b" not in message and "\u202e" not in message
    assert "\\x1b[2J\\u202e.txt" in message


def test_dash_is_a_file_name_unless_stdin_is_allowed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert _refused("-") == "--input '-' does not exist"


_STDIN_SCRIPT = """
import sys
from mailprobe.errors import UsageError
from mailprobe.localinput import read_text
try:
    text = read_text("-", what="--input", max_bytes=1 << 20, allow_stdin=True, timeout_s=float(sys.argv[1]))
    print(len(text))
except UsageError as exc:
    print(exc)
"""


def _stdin_run(stdin: object, timeout_s: float = 5.0) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", _STDIN_SCRIPT, str(timeout_s)], stdin=stdin, capture_output=True, text=True,
        timeout=30, cwd=Path(__file__).resolve().parents[1],
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_stdin_is_read_when_allowed(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text("a@b.example\n" * 1000, encoding="utf-8")
    with path.open("rb") as handle:
        assert _stdin_run(handle) == "12000"


def test_stdin_from_dev_zero_stops_at_the_cap() -> None:
    with open("/dev/zero", "rb") as zero:
        assert _stdin_run(zero) == "--input '-' (standard input) is larger than 1048576 bytes (1 MiB)"


def test_stdin_that_never_ends_stops_at_the_timeout() -> None:
    read_end, write_end = os.pipe()  # we hold the writing end open and write nothing
    try:
        started = time.monotonic()
        assert _stdin_run(read_end, timeout_s=0.5) == (
            "--input '-' (standard input) did not end within 0.5 seconds (the --timeout)"
        )
        assert time.monotonic() - started < 15
    finally:
        os.close(read_end)
        os.close(write_end)


@pytest.mark.parametrize(
    ("data", "limit", "deeper"),
    [
        pytest.param({"a": 1}, 1, False, id="flat-dict"),
        pytest.param({"a": {"b": 1}}, 1, True, id="dict-in-dict-over-1"),
        pytest.param([[[]]], 3, False, id="three-lists-at-3"),
        pytest.param([[[[]]]], 3, True, id="four-lists-over-3"),
        pytest.param("text", 0, False, id="scalar"),
    ],
)
def test_deeper_than_counts_levels(data: object, limit: int, deeper: bool) -> None:
    assert deeper_than(data, limit) is deeper


def test_deeper_than_survives_what_recursion_would_not() -> None:
    data: list[object] = []
    for _ in range(100_000):
        data = [data]
    assert deeper_than(data, 64)
