"""Bad input, as a user or a cron job types it: exit 3 (unknown), one line on stderr, nothing on stdout.

Monitoring reads exit 2 as "critical", so click's own usage errors must be 3 too. None of these runs may
reach the network: every `check` here also gets a dead loopback resolver and a short deadline, so that a
bug which let one through would fail fast instead of asking the system resolver.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.command import Run, assert_bad_input

# If validation ever let a run through, it would talk only to this dead loopback port, and briefly.
SAFE = ("--nameserver", "127.0.0.1:9", "--timeout", "2", "--no-baseline")
GOOD = "user@example.com"


def check(run: Run, *args: str) -> str:
    return assert_bad_input(run("check", *SAFE, *args))


# -- addresses ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "hint"),
    [
        pytest.param("nobody", "@", id="no-at"),
        pytest.param("a@b", "b", id="single-label-domain"),
        pytest.param("@x.com", "before", id="empty-local-part"),
        pytest.param("a@@x.com", "@", id="two-ats"),
        pytest.param("a b@x.com", "space", id="space"),
        pytest.param("user@1.2.3.4", "IP", id="ip-literal-domain"),
        pytest.param("a" * 65 + "@x.com", "64", id="local-part-too-long"),
        pytest.param("a..b@x.com", "dot", id="double-dot"),
        pytest.param("user@-x.com", "-x.com", id="label-starts-with-hyphen"),
        pytest.param("user@x_y.com", "x_y.com", id="underscore-in-domain"),
        pytest.param("<user>@x.com", "user", id="angle-brackets"),
        pytest.param("", "empty", id="empty-string"),
        pytest.param("user@" + "a" * 64 + ".com", "valid domain", id="label-too-long"),
    ],
)
def test_malformed_address_is_bad_input(run: Run, address: str, hint: str) -> None:
    line = check(run, address)
    assert line.startswith("mailprobe: ")
    assert hint in line


def test_address_with_a_newline_is_one_line_on_stderr(run: Run) -> None:
    """`check "$(cat list.txt)"` passes two lines as one argument: the error must stay one line."""
    line = check(run, "a@x.com\nb@x.com")
    assert "b@x.com" in line


def test_address_with_a_carriage_return_is_escaped(run: Run) -> None:
    line = check(run, "a\rb@x.com")
    assert line.isprintable()


def test_malformed_address_among_good_ones_is_named_and_the_others_still_checked(run: Run) -> None:
    # A batch is not aborted by one bad address (issue 10): it is one line on stderr, `unknown` in JSON.
    # The exit code is the worst of the addresses checked (GOOD, against a dead resolver: critical); exit 3
    # only when nothing could be checked. --timeout 3: the dead resolver must be silent for its own bound (1 s)
    # before the deadline, after a start-up a loaded machine makes slow (else GOOD is "not tested": unknown).
    dead_resolver = ("--nameserver", "127.0.0.1:9", "--timeout", "3", "--no-baseline")
    result = run("check", *dead_resolver, GOOD, "nobody", "--format", "json")
    assert result.code == 2
    assert [line for line in result.stderr.splitlines() if "nobody" in line]
    import json

    statuses = {r["address"]: r["status"] for r in json.loads(result.stdout)}
    assert statuses["nobody"] == "unknown" and GOOD in statuses


def test_check_without_address_is_bad_input(run: Run) -> None:
    line = check(run)
    assert "address" in line


# -- options --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        pytest.param(("--bogus", GOOD), "--bogus", id="unknown-option"),
        pytest.param(("--format", "xml", GOOD), "xml", id="unknown-format"),
        pytest.param(("--lang", "xx", GOOD), "xx", id="unknown-lang"),
        pytest.param(("--timeout", "0", GOOD), "--timeout", id="timeout-zero"),
        pytest.param(("--timeout", "-1", GOOD), "--timeout", id="timeout-negative"),
        pytest.param(("--timeout", "abc", GOOD), "abc", id="timeout-not-a-number"),
        pytest.param(("--timeout", "nan", GOOD), "--timeout", id="timeout-nan"),
        pytest.param(("--timeout", "inf", GOOD), "--timeout", id="timeout-inf"),
        pytest.param(("--nameserver", "300.1.1.1", GOOD), "300.1.1.1", id="nameserver-bad-ip"),
        pytest.param(("--nameserver", "x", GOOD), "'x'", id="nameserver-not-ip"),
        pytest.param(("--nameserver", "127.0.0.1:99999", GOOD), "99999", id="nameserver-port-too-big"),
        pytest.param(("--nameserver", "127.0.0.1:0", GOOD), "'0'", id="nameserver-port-zero"),
        pytest.param(("--nameserver", "[::1", GOOD), "]", id="nameserver-unclosed-bracket"),
        pytest.param(("--ca-file", "/nonexistent/ca.pem", GOOD), "/nonexistent/ca.pem", id="ca-file-missing"),
        pytest.param(("--provider", "nosuch", GOOD), "nosuch", id="unknown-provider"),
        pytest.param(("--providers-dir", "/nonexistent/providers", GOOD), "/nonexistent/providers",
                     id="providers-dir-missing"),
        pytest.param(("--input", "/nonexistent/list.txt"), "/nonexistent/list.txt", id="input-missing"),
        pytest.param(("--baseline", "nonsense", GOOD), "nonsense", id="baseline-not-hostport"),
        pytest.param(("--baseline", "host:0", GOOD), "host:0", id="baseline-port-zero"),
        pytest.param(("--concurrency", "0", GOOD), "--concurrency", id="concurrency-zero"),
        pytest.param(("--authoritative", "x", GOOD), "'x'", id="authoritative-not-ip"),
        pytest.param((GOOD, "--timeout"), "--timeout", id="option-without-value"),
        pytest.param(("--verbose=3", GOOD), "--verbose", id="flag-with-value"),
    ],
)
def test_bad_option_is_bad_input(run: Run, args: tuple[str, ...], hint: str) -> None:
    line = check(run, *args)
    assert hint in line


@pytest.mark.parametrize(
    ("args", "option"),
    [
        pytest.param(("--authoritative", "x", GOOD), "--authoritative", id="authoritative-named"),
        pytest.param(("--nameserver", "127.0.0.1:99999", GOOD), "--nameserver", id="nameserver-port-named"),
    ],
)
def test_bad_resolver_option_names_the_option_given(run: Run, args: tuple[str, ...], option: str) -> None:
    line = check(run, *args)
    assert option in line
    wrong = {"--authoritative": "--nameserver", "--nameserver": "--authoritative"}[option]
    assert wrong not in line


def test_ca_file_that_is_not_pem_is_bad_input(run: Run, tmp_path: Path) -> None:
    not_pem = tmp_path / "ca.pem"
    not_pem.write_text("this is not a certificate\n", encoding="utf-8")
    line = check(run, "--ca-file", str(not_pem), GOOD)
    assert str(not_pem) in line
    assert "PEM" in line


def test_ca_file_that_is_a_directory_is_bad_input(run: Run, tmp_path: Path) -> None:
    check(run, "--ca-file", str(tmp_path), GOOD)


def test_input_file_not_utf8_is_bad_input(run: Run, tmp_path: Path) -> None:
    listing = tmp_path / "list.txt"
    listing.write_bytes(b"\xff\xfeuser@example.com\n")
    line = check(run, "--input", str(listing))
    assert str(listing) in line


def test_input_file_with_only_comments_is_bad_input(run: Run, tmp_path: Path) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text("# nobody yet\n\n   \n", encoding="utf-8")
    check(run, "--input", str(listing))


def test_input_file_with_only_malformed_lines_is_bad_input(run: Run, tmp_path: Path) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text("# list\nnot-an-address\n", encoding="utf-8")
    line = check(run, "--input", str(listing))
    assert "not-an-address" in line and "line 2" in line


# -- provider profiles ----------------------------------------------------------------------------------


@pytest.fixture
def broken_toml_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "mine.toml").write_text('id = "mine"\n[names\nen = "x"\n', encoding="utf-8")
    return folder


def _bad_field_dir(tmp_path: Path, replace: tuple[str, str]) -> Path:
    folder = tmp_path / "badfield"
    folder.mkdir()
    text = (Path(__file__).resolve().parents[2] / "providers" / "qq.toml").read_text(encoding="utf-8")
    assert replace[0] in text
    (folder / "myqq.toml").write_text(text.replace(replace[0], replace[1], 1), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(("check", *SAFE, "--provider", "qq", GOOD), id="check"),
        pytest.param(("providers",), id="providers"),
        pytest.param(("settings", GOOD, "--provider", "qq"), id="settings"),
    ],
)
def test_providers_dir_with_broken_toml_names_the_file(
    run: Run, broken_toml_dir: Path, command: tuple[str, ...]
) -> None:
    line = assert_bad_input(run(*command, "--providers-dir", str(broken_toml_dir)))
    assert str(broken_toml_dir / "mine.toml") in line
    assert "TOML" in line


@pytest.mark.parametrize(
    ("replace", "field"),
    [
        pytest.param(("port = 993", "port = 99999"), "servers.0.port", id="port-out-of-range"),
        pytest.param(('tls = "implicit"', 'tls = "sometimes"'), "servers.0.tls", id="unknown-tls-mode"),
        pytest.param(('cause = "client_auth_code_required"', 'cause = "no_such_cause"'), "replies.0.cause",
                     id="unknown-cause"),
        pytest.param(('host = "imap.exmail.qq.com"', 'host = "imap exmail"'), "servers.0.host", id="bad-host"),
        pytest.param(('id = "qq"', 'id = "qq"\ncolour = "blue"'), "colour", id="unknown-field"),
    ],
)
def test_providers_dir_with_invalid_field_names_file_and_field(
    run: Run, tmp_path: Path, replace: tuple[str, str], field: str
) -> None:
    folder = _bad_field_dir(tmp_path, replace)
    line = check(run, "--providers-dir", str(folder), "--provider", "qq", GOOD)
    assert str(folder / "myqq.toml") in line
    assert field in line


def test_providers_dir_without_profiles_is_bad_input(run: Run, tmp_path: Path) -> None:
    line = check(run, "--providers-dir", str(tmp_path), "--provider", "qq", GOOD)
    assert str(tmp_path) in line


def test_providers_dir_env_pointing_nowhere_is_bad_input(run: Run) -> None:
    result = run("providers", env={"MAILPROBE_PROVIDERS_DIR": "/nonexistent/providers"})
    assert "/nonexistent/providers" in assert_bad_input(result)


# -- explain --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "hint"),
    [
        pytest.param(b"hello, not json\n", "not JSON", id="not-json"),
        pytest.param(b'{"a": 1}\n', "not a mailprobe report", id="json-not-a-report"),
        pytest.param(b'"a string"\n', "not a mailprobe report", id="json-string"),
        pytest.param(b"[]\n", "no report", id="empty-array"),
        pytest.param(b'{"schema_version": 3, "future": true}\n', "schema_version 3", id="schema-version-3"),
        pytest.param(b'{"schema_version": 1}\n', "field", id="version-1-but-empty"),
        pytest.param(b"\xff\xfe\x00garbage", "not JSON", id="binary"),
    ],
)
def test_explain_bad_file_is_bad_input(run: Run, tmp_path: Path, content: bytes, hint: str) -> None:
    report = tmp_path / "report.json"
    report.write_bytes(content)
    line = assert_bad_input(run("explain", str(report)))
    assert str(report) in line
    assert hint in line


def test_explain_missing_file_is_bad_input(run: Run, tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    assert str(missing) in assert_bad_input(run("explain", str(missing)))


def test_explain_directory_is_bad_input(run: Run, tmp_path: Path) -> None:
    assert_bad_input(run("explain", str(tmp_path)))


def test_explain_second_report_of_array_broken_is_bad_input(run: Run, tmp_path: Path) -> None:
    report = tmp_path / "reports.json"
    report.write_text(json.dumps([{"schema_version": 1}, {"schema_version": 2}]), encoding="utf-8")
    assert_bad_input(run("explain", str(report)))


# -- other commands -------------------------------------------------------------------------------------


def test_providers_unknown_id_is_bad_input(run: Run) -> None:
    line = assert_bad_input(run("providers", "nosuch"))
    assert "nosuch" in line
    assert "qq" in line  # it tells which ids exist


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("settings", "nobody", "--provider", "qq"), id="settings-bad-address"),
        pytest.param(("settings", GOOD, "--provider", "nosuch"), id="settings-unknown-provider"),
        pytest.param(("settings", GOOD, "--nameserver", "x"), id="settings-bad-nameserver"),
        pytest.param(("settings", GOOD, "--provider", "qq", "--timeout", "0"), id="settings-timeout-zero"),
        pytest.param(("settings", GOOD, "--provider", "qq", "--format", "xml"), id="settings-unknown-format"),
        pytest.param(("explain", "r.json", "--format", "jsonl"), id="explain-unknown-format"),
        pytest.param(("providers", "--lang", "fr"), id="providers-unknown-lang"),
    ],
)
def test_bad_input_to_other_commands(run: Run, args: tuple[str, ...]) -> None:
    assert_bad_input(run(*args))


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("nosuchcommand",), id="unknown-command"),
        pytest.param(("explain",), id="explain-missing-argument"),
        pytest.param(("settings",), id="settings-missing-argument"),
        pytest.param(("schema", "extra"), id="schema-extra-argument"),
        pytest.param(("providers", "qq", "extra"), id="providers-extra-argument"),
        pytest.param(("--no-such-global",), id="unknown-global-option"),
        pytest.param(("providers", "--bogus"), id="providers-unknown-option"),
        pytest.param(("explain", "r.json", "--bogus"), id="explain-unknown-option"),
    ],
)
def test_click_usage_errors_are_exit_3_never_2(run: Run, args: tuple[str, ...]) -> None:
    result = run(*args)
    assert result.code != 2
    assert_bad_input(result)
