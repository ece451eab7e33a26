"""What a Chinese reader must never meet: English words. `leaks(text)` lists every run of ASCII words in a
zh-Hans / zh-Hant output that is not one of the four things a report may show untranslated:

- an id: a check id (`dns.mx/acme.com`), a cause id (`server_outage`), a provider id (`qq`), a path;
- a host: a host name, an address, a URL, `host:port`;
- a code: a word with no lower-case letter or with a digit (MX, NXDOMAIN, HTTP 503, TLSv1.3, 5.7.9,
  ERR.LOGIN.IPDENY), an option (`--ca-file`), a command between backticks;
- a quoted server reply: the server's own words (a reply, a certificate's issuer), always between « and »
  (on a page: an element marked `data-server-reply`).

Besides these, only the proper names in PROPER_NAMES pass (products and brands that keep their Latin name in
Chinese, and two commands a remedy tells the reader to type). Anything else is a leak.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Names Chinese texts keep in Latin letters: products, brands, loanwords, commands the reader types.
PROPER_NAMES = (
    "mailprobe", "Microsoft 365", "Google Workspace", "Zoho Mail", "OAuth2", "OAuth", "Outlook", "Thunderbird",
    "Chrome", "Edge", "Firefox", "Safari", "Windows", "macOS", "Caps Lock", "Wi-Fi", "Cookie", "App",
    "Exchange", "Microsoft Defender",
    "ipconfig /flushdns", "sudo dscacheutil -flushcache",
)
# Provider ids stand in reports as ids (and in the lab's profile names, "qq（实验室）").
PROVIDER_IDS = frozenset({"qq", "netease", "aliyun", "35com", "feishu", "google", "zoho", "microsoft365",
                          "microsoft365-cn", "generic", "indie"})

_QUOTED = re.compile(r"«[^»]*»")  # a server's words
_CODE_SPAN = re.compile(r"`[^`]*`")  # a command
_NAMES = re.compile("|".join(re.escape(name) for name in sorted(PROPER_NAMES, key=len, reverse=True)))
_TOKEN = re.compile(r"[!-~]+")  # a run of printable ASCII without spaces
_EDGES = "()[]{}<>,;:!?'\"./"
_ID_OR_HOST = re.compile(r"^_?[a-z0-9]+(?:[-_./:@]+[a-z0-9]+)*$", re.IGNORECASE)  # _imaps._tcp.x.com too
_SEPARATED = re.compile(r"[_./:@]")
_HOST_LABEL = re.compile(r"^[a-z0-9-]+$")
MIN_LETTERS = 2


def leaks(text: str) -> list[str]:
    """The English words of TEXT, each with a little context: empty when everything is translated."""
    found: list[str] = []
    # A quote may be wrapped over lines (the text report wraps at the terminal's width): taken out whole,
    # its line breaks kept.
    unquoted = _QUOTED.sub(lambda quote: " " + "\n" * quote.group(0).count("\n"), text)
    for line in unquoted.splitlines():
        rest = _NAMES.sub(" ", _CODE_SPAN.sub(" ", line))
        for match in _TOKEN.finditer(rest):
            word = match.group(0).strip(_EDGES)
            after = rest[match.end():].lstrip()[:1]
            if match.group(0).endswith(".") and after and not after.isascii() and _HOST_LABEL.match(word):
                continue  # a host's first label, before a word for the rest: "imap.你的域名", "mail. 主机"
            if not _allowed(word):
                found.append(f"{word!r} in: {line.strip()[:160]}")
    return found


def _allowed(word: str) -> bool:
    letters = sum(ch.isalpha() for ch in word)
    if letters < MIN_LETTERS or not any(ch.islower() for ch in word) or any(ch.isdigit() for ch in word):
        return True  # punctuation, a number, a code
    if word.startswith("-"):
        return True  # an option
    if word.lower() in PROVIDER_IDS:
        return True
    return bool(_ID_OR_HOST.match(word) and _SEPARATED.search(word))  # an id, a host, a URL


class _Visible(HTMLParser):
    """The text a reader of LANG sees on a page: element text and the attributes shown (title, aria-label,
    alt, placeholder), leaving out script and style, and every element marked with another language."""

    SHOWN_ATTRIBUTES = ("title", "aria-label", "alt", "placeholder", "value")
    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
                      "track", "wbr"})
    BLOCK = frozenset({"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "section", "br", "table", "ul", "ol",
                       "dt", "dd", "details", "summary", "header", "footer", "nav", "pre", "figure", "caption"})

    def __init__(self, lang: str) -> None:
        super().__init__(convert_charrefs=True)
        self.lang = lang
        self.stack: list[bool] = []  # per open element: is its content skipped?
        self.replies: list[int] = []  # the depths of the open server-reply elements
        self.out: list[str] = []

    def _skipped(self) -> bool:
        return bool(self.stack) and self.stack[-1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        other = values.get("lang") not in (None, self.lang) or values.get("data-lang-part") not in (None, self.lang)
        if "data-server-reply" in values and not self._skipped():
            self.out.append("«")  # the server's words, quoted as text quotes them
            self.replies.append(len(self.stack))
        skipped = self._skipped() or tag in ("script", "style") or other
        if not skipped:
            self.out += [f"\n{values[name]}\n" for name in self.SHOWN_ATTRIBUTES if values.get(name)]
        self.out.append("\n" if tag in self.BLOCK else " ")
        if tag not in self.VOID:
            self.stack.append(skipped)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.stack:
            self.stack.pop()
            if self.replies and self.replies[-1] == len(self.stack):
                self.replies.pop()
                self.out.append("»")
        self.out.append("\n" if tag in self.BLOCK else " ")

    def handle_data(self, data: str) -> None:
        if not self._skipped():
            self.out.append(data)


def page_text(page: str, lang: str) -> str:
    """What a reader of LANG reads on an HTML page, as text (lines as the elements break them)."""
    parser = _Visible(lang)
    parser.feed(page)
    parser.close()
    return "".join(parser.out)
