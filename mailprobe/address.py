"""Target: parse and normalise a mailbox address, with the domain in its IDNA (ASCII) form."""

import re
import unicodedata

import idna
from pydantic import BaseModel, ConfigDict

from mailprobe.errors import UsageError
from mailprobe.safetext import quoted_input

# RFC 5321 limits; a longer local part or address cannot be delivered anyway.
_MAX_LOCAL = 64
_MAX_ADDRESS = 254
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_FULLWIDTH_AT = "＠"  # typed by Chinese input methods in place of "@"
_DOTS = "。．｡"  # ideographic / full-width full stops that IDNA (UTS 46) maps to "."
_SURROGATE = re.compile("[\ud800-\udfff]")


class Target(BaseModel):
    """The mailbox under test."""

    model_config = ConfigDict(frozen=True)

    address: str
    local_part: str
    domain: str
    domain_ascii: str

    @property
    def address_ascii(self) -> str:
        return f"{self.local_part}@{self.domain_ascii}"

    @property
    def key(self) -> str:
        """The key this mailbox goes by in the state file (the lockout guard's and the history's)."""
        return mailbox_key(self.address)


def mailbox_key(address: str) -> str:
    """The key a mailbox (or a login name) goes by: providers treat the whole address case-insensitively at
    login, so one lockout budget and one history per mailbox."""
    return address.strip().lower()


def _visible(text: str) -> str:
    """Drop invisible format characters (BOM, zero-width space / joiner, word joiner, soft hyphen) that ride
    along when an address is copied from a web page or a chat: the user cannot see them, the server would."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def parse_domain(text: str) -> tuple[str, str]:
    """Return (unicode domain, ASCII domain) or raise UsageError."""
    raw = text.strip().rstrip(".").rstrip("".join(_DOTS))
    if not raw:
        raise UsageError("the domain is empty")
    try:
        ascii_domain = idna.encode(raw, uts46=True, transitional=False).decode("ascii").lower()
    except idna.IDNAError as exc:
        raise UsageError(f"'{text}' is not a valid domain name ({exc})") from None
    except UnicodeError:
        raise UsageError(f"'{text}' is not a valid domain name") from None
    labels = ascii_domain.split(".")
    if len(labels) < 2:
        raise UsageError(f"'{text}' is not a full domain name (it needs a dot, like company.com)")
    if len(ascii_domain) > 253 or not all(_LABEL.match(label) for label in labels):
        raise UsageError(f"'{text}' is not a valid domain name")
    if labels[-1].isdigit():
        raise UsageError(f"'{text}' is an IP address, not a domain name")
    try:
        unicode_domain = idna.decode(ascii_domain)
    except idna.IDNAError:
        unicode_domain = ascii_domain
    for label in unicode_domain.split("."):
        mixed = _mixed_scripts(label)
        if mixed:
            raise UsageError(
                f"{quoted_input(text)} mixes {' and '.join(mixed)} letters in the label {quoted_input(label)}: "
                "a look-alike (homograph) name, not checked"
            )
    return unicode_domain, ascii_domain


# The script mixes a label may hold (Unicode UTS 39 "highly restrictive"): one script, or Latin with the CJK
# scripts that are written together with it. Anything else (Latin + Cyrillic 'pаypal') imitates another name.
_ALLOWED_MIXES = (
    frozenset({"Latin", "Han", "Hiragana", "Katakana"}),
    frozenset({"Latin", "Han", "Bopomofo"}),
    frozenset({"Latin", "Han", "Hangul"}),
)
_SCRIPT_WORDS = {"CJK": "Han", "KATAKANA-HIRAGANA": "Katakana"}


def _script(ch: str) -> str:
    words = unicodedata.name(ch, "UNKNOWN").split()
    if words[0] in ("FULLWIDTH", "HALFWIDTH") and len(words) > 1:
        words = words[1:]
    return _SCRIPT_WORDS.get(words[0], words[0].title())


def _mixed_scripts(label: str) -> list[str]:
    """The scripts of LABEL's letters when they are a mix no real name uses; [] when the label is fine."""
    scripts = sorted({_script(ch) for ch in label if ch.isalpha()})
    if len(scripts) < 2 or any(set(scripts) <= allowed for allowed in _ALLOWED_MIXES):
        return []
    return scripts


def parse_address(text: str) -> Target:
    """Parse a mailbox address like `用户@公司.中国` into a Target, or raise UsageError."""
    if _SURROGATE.search(text):
        # Python hands over bytes that are not UTF-8 (an argument typed in a GBK or Big5 terminal, a Latin-1
        # file) as lone surrogates, which no server, resolver or report can carry.
        raise UsageError(f"{quoted_input(text)} is not valid UTF-8 text (check the terminal's or the file's encoding)")
    raw = _visible(text).strip().replace(_FULLWIDTH_AT, "@")
    if not raw:
        raise UsageError("the address is empty")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in raw):
        raise UsageError(f"'{text}' contains spaces or control characters")
    if raw.count("@") != 1:
        raise UsageError(f"'{text}' is not a mailbox address (expected exactly one '@', like user@company.com)")
    local, domain_text = raw.split("@")
    if not local:
        raise UsageError(f"'{text}' has nothing before the '@'")
    if len(local.encode("utf-8")) > _MAX_LOCAL:
        raise UsageError(f"the part before '@' in '{text}' is longer than {_MAX_LOCAL} bytes")
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise UsageError(f"the part before '@' in '{text}' has a misplaced dot")
    if any(ch in '<>()[]\\,;:"' for ch in local):
        raise UsageError(f"the part before '@' in '{text}' contains characters a mailbox name cannot have")
    unicode_domain, ascii_domain = parse_domain(domain_text)
    if len(local.encode("utf-8")) + 1 + len(ascii_domain) > _MAX_ADDRESS:
        raise UsageError(f"'{text}' is longer than {_MAX_ADDRESS} characters")
    return Target(
        address=f"{local}@{unicode_domain}",
        local_part=local,
        domain=unicode_domain,
        domain_ascii=ascii_domain,
    )
