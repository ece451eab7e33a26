"""IMAP details the loop needs beyond the login: responses with literals, folder names in modified UTF-7
(RFC 3501 5.1.3), LIST attributes (RFC 6154 special use), GETQUOTAROOT (RFC 2087 / 9208), INTERNALDATE."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import datetime

from mailprobe.kinds.loop import QuotaRoot

# Folder names providers give their junk folder, compared case-insensitively on the last part of the name.
JUNK_NAMES = frozenset({"junk", "spam", "junk e-mail", "junk email", "bulk mail", "垃圾邮件", "垃圾箱", "垃圾郵件"})
TRASH_NAMES = frozenset({"trash", "deleted items", "deleted messages", "已删除", "已删除邮件", "已刪除郵件"})

_LIST = re.compile(r'^\* (?:LIST|XLIST) \(([^)]*)\) (NIL|"(?:[^"\\]|\\.)*") (.+)$', re.IGNORECASE)
_QUOTA = re.compile(r'^\* QUOTA ("(?:[^"\\]|\\.)*"|\S+) \(([^)]*)\)', re.IGNORECASE)
_SEARCH = re.compile(r"^\* (?:E?SEARCH)\b(.*)$", re.IGNORECASE)
_UID = re.compile(r"\bUID (\d+)", re.IGNORECASE)
_INTERNALDATE = re.compile(r'\bINTERNALDATE "([^"]+)"', re.IGNORECASE)
_CAPABILITY = re.compile(r"\[CAPABILITY ([^\]]+)\]", re.IGNORECASE)
_LITERAL = re.compile(r"\{(\d+)\+?\}$")


@dataclass(frozen=True)
class Folder:
    name: str  # as the server spells it (modified UTF-7), for commands
    shown: str  # decoded, for the report
    attributes: frozenset[str]

    @property
    def leaf(self) -> str:
        return self.shown.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[-1].casefold()


def literal_size(line: str) -> int | None:
    match = _LITERAL.search(line)
    return int(match.group(1)) if match else None


def unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    return text


def quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def decode_mutf7(name: str) -> str:
    """RFC 3501 5.1.3: '&' starts base64 (',' for '/') of UTF-16BE, '-' ends it; '&-' is '&'."""
    out: list[str] = []
    i = 0
    while i < len(name):
        char = name[i]
        if char != "&":
            out.append(char)
            i += 1
            continue
        end = name.find("-", i)
        if end < 0:
            return name
        chunk = name[i + 1:end]
        if not chunk:
            out.append("&")
        else:
            padded = chunk.replace(",", "/") + "=" * (-len(chunk) % 4)
            try:
                out.append(base64.b64decode(padded).decode("utf-16-be"))
            except (ValueError, UnicodeDecodeError):
                return name
        i = end + 1
    return "".join(out)


def folders(untagged: list[str]) -> list[Folder]:
    found = []
    for line in untagged:
        match = _LIST.match(line)
        if match is None:
            continue
        name = unquote(match.group(3).strip())
        attributes = frozenset(a.casefold() for a in match.group(1).split())
        found.append(Folder(name=name, shown=decode_mutf7(name), attributes=attributes))
    return found


def special(found: list[Folder], attribute: str, names: frozenset[str]) -> Folder | None:
    """The folder with the RFC 6154 ATTRIBUTE (\\Junk, \\Trash), else one of the names providers use."""
    flagged = [f for f in found if attribute.casefold() in f.attributes]
    if flagged:
        return flagged[0]
    return next((f for f in found if f.leaf in names or f.shown.casefold() in names), None)


def quota(untagged: list[str]) -> list[QuotaRoot]:
    roots = []
    for line in untagged:
        match = _QUOTA.match(line)
        if match is None:
            continue
        words = match.group(2).split()
        for resource, used, limit in zip(words[::3], words[1::3], words[2::3], strict=False):
            if used.isdigit() and limit.isdigit():
                roots.append(QuotaRoot(root=unquote(match.group(1)), resource=resource.upper(), used=int(used),
                                       limit=int(limit)))
    return roots


def search_uids(untagged: list[str]) -> list[int]:
    uids: list[int] = []
    for line in untagged:
        match = _SEARCH.match(line)
        if match is not None:
            uids += [int(word) for word in match.group(1).split() if word.isdigit()]
    return uids


def fetched_uid(line: str) -> int | None:
    match = _UID.search(line)
    return int(match.group(1)) if match else None


def internaldate(line: str) -> datetime | None:
    match = _INTERNALDATE.search(line)
    if match is None:
        return None
    try:
        return datetime.strptime(match.group(1).strip(), "%d-%b-%Y %H:%M:%S %z")
    except ValueError:
        return None


def capabilities(lines: list[str]) -> list[str] | None:
    """Capabilities from a `[CAPABILITY …]` response code or a `* CAPABILITY …` line; None: none given."""
    for line in reversed(lines):
        match = _CAPABILITY.search(line)
        if match is not None:
            return match.group(1).upper().split()
        if line.upper().startswith("* CAPABILITY "):
            return line[len("* CAPABILITY "):].upper().split()
    return None
