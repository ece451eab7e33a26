"""Property tests: address parsing, profile loading and the mail reply parsers never fail in a way of their
own — a value or UsageError / ProbeError, nothing else — whatever they are handed."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailprobe.address import parse_address
from mailprobe.errors import UsageError
from mailprobe.login.classify import classify, decode_reply
from mailprobe.net.connect import ProbeError
from mailprobe.net.deadline import Deadline
from mailprobe.net.dialogue import Dialogue
from mailprobe.probes import imap, pop3, smtp
from mailprobe.profiles import load_profile_file

LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)
LOCAL = st.from_regex(r"[a-z0-9]([a-z0-9._+-]{0,20}[a-z0-9])?", fullmatch=True).filter(lambda s: ".." not in s)
QUICK = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


# -- addresses -------------------------------------------------------------------------------------------


@QUICK
@given(st.text(max_size=300))
def test_any_text_is_an_address_or_a_usage_error(text: str) -> None:
    try:
        target = parse_address(text)
    except UsageError as exc:
        assert str(exc)
        return
    assert target.domain_ascii == target.domain_ascii.lower()
    assert target.domain_ascii.isascii()


@QUICK
@given(LOCAL, st.lists(LABEL, min_size=1, max_size=4), st.sampled_from(["com", "cn", "net", "com.cn"]))
def test_well_formed_addresses_parse_and_reparse_the_same(local: str, labels: list[str], tld: str) -> None:
    domain = ".".join([*labels, tld])
    target = parse_address(f"{local}@{domain.upper()}")

    assert target.domain_ascii == domain
    assert parse_address(target.address).domain_ascii == domain


# -- profiles ------------------------------------------------------------------------------------------------

TOML_VALUE = st.one_of(
    st.text(max_size=40), st.integers(), st.booleans(), st.lists(st.text(max_size=20), max_size=3),
)
KEYS = st.sampled_from(["id", "mx_patterns", "webmail", "baseline", "login_name", "names", "servers", "x"])


def _toml(data: dict[str, Any]) -> str:
    import json

    lines = []
    for key, value in data.items():
        lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


@QUICK
@given(st.one_of(st.text(max_size=400), st.dictionaries(KEYS, TOML_VALUE, max_size=6).map(_toml)))
def test_any_profile_file_loads_or_is_a_usage_error_naming_it(tmp_path: Path, text: str) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        profile = load_profile_file(path)
    except UsageError as exc:
        assert "broken.toml" in str(exc)
        return
    assert profile.id


# -- reply parsers ------------------------------------------------------------------------------------------


class _Sink:
    """A writer that swallows what the probe sends."""

    def write(self, data: bytes) -> None:
        pass

    async def drain(self) -> None:
        pass

    def get_extra_info(self, name: str, default: object = None) -> object:
        return default


async def _greeting(module: Any, data: bytes) -> object:
    reader = asyncio.StreamReader(limit=2**16)
    reader.feed_data(data)
    reader.feed_eof()
    dialogue = Dialogue(reader, _Sink(), Deadline(2.0), 1.0)  # type: ignore[arg-type]
    try:
        return await module.read_greeting(dialogue)
    except ProbeError as exc:
        return exc


REPLY = st.one_of(
    st.binary(max_size=600),
    st.lists(st.sampled_from([b"* OK", b"+OK", b"-ERR", b"220 ", b"421-", b"* BYE", b"\r\n", b"\n", b"\x00",
                              b"[CAPABILITY IMAP4rev1 STARTTLS]", b"\xff\xfe", b" "]), max_size=30).map(b"".join),
)


@QUICK
@pytest.mark.parametrize("module", [imap, pop3, smtp], ids=["imap", "pop3", "smtp"])
@given(data=REPLY)
def test_greeting_parsers_return_a_greeting_or_a_probe_error(module: Any, data: bytes) -> None:
    result = asyncio.run(_greeting(module, data))

    assert result is not None
    if isinstance(result, ProbeError):
        assert result.facts.kind.value in {"bad_reply", "closed", "timeout", "rejected", "reset"}, result.facts


@QUICK
@given(st.binary(max_size=2000), st.sampled_from(["imap", "pop3", "smtp", None]))
def test_login_reply_classification_never_raises(raw: bytes, protocol: Any) -> None:
    text = decode_reply(raw)
    assert isinstance(text, str)
    classify(text, protocol)
