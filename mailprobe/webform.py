"""`mailprobe serve`'s form: GET `/` asks for an address (and, only on a loopback listener, may take a
password for the login step); POST `/check` answers with a streamed page — its head at once, a line per
probe as it finishes, then the report in the chosen language (switchable to the other two), then its foot.

Everything the form sends is checked before the answer starts: a bad field is a 400 page that says what is
wrong, never a 500. A post must come from this server's own form: the browser's Origin / Sec-Fetch-Site say
so, and the form carries a token (`FormTokens`) that only this process can make. The password is a `Secret`
from the moment it is read; it is never logged, echoed or put in a URL, and a listener that is not on
loopback refuses it outright. The check uses the server's own
options (the `default` module: nameservers, CA file, timeout) and waits for a slot like a scrape does.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from mailprobe.errors import UsageError
from mailprobe.lang import LANGS, Lang
from mailprobe.secret import Credentials, Secret

if TYPE_CHECKING:
    from starlette.requests import Request

    from mailprobe.address import Target
    from mailprobe.check import CheckOptions
    from mailprobe.evidence import Observation
    from mailprobe.exporter import Slots

LIMITS = {"address": 320, "lang": 16, "login": 8, "password": 1024, "token": 128}
BODY_LIMIT = 8 * 1024
TOKEN_TTL_S = 2 * 3600  # a form left open this long is loaded again
FORM_TYPE = "application/x-www-form-urlencoded"
_MARK = {"pass": "✓", "warn": "!", "fail": "✗", "error": "?", "skip": "–"}
# Progress lines one answer streams; the rest is one line that counts them (the report below has them all, up to
# kinds.base.MAX_CHECKS).
MAX_PROGRESS_LINES = 200
_LOG = logging.getLogger("mailprobe.serve")


class FormError(Exception):
    """A bad form: `key` names the message (form.err.*) shown in the page, in the form's language."""

    def __init__(self, key: str, lang: Lang = "en", address: str = "", **params: object) -> None:
        super().__init__(key)
        self.key, self.lang, self.address, self.params = key, lang, address, params

    def words(self) -> str:
        from mailprobe.locales.pagewords import page_t

        return page_t(f"form.err.{self.key}", self.lang, **self.params)


@dataclass
class FormInput:
    address: str
    lang: Lang
    password: Secret | None  # only when the login was opted in, on a loopback listener


class FormTokens:
    """The form's per-page token (against cross-site posts): the time it was issued, a random part and an
    HMAC-SHA256 of both under a key this process made at start and never shows. Good for `ttl_s` seconds on
    this process only: a restart forgets every token (the person loads the form again)."""

    def __init__(self, ttl_s: float = TOKEN_TTL_S, clock: Callable[[], float] = time.monotonic) -> None:
        self._key = secrets.token_bytes(32)
        self.ttl_s = ttl_s
        self._clock = clock

    def issue(self) -> str:
        issued = str(int(self._clock()))
        salt = secrets.token_urlsafe(12)
        return f"{issued}.{salt}.{self._mac(issued, salt)}"

    def valid(self, token: str) -> bool:
        match = re.fullmatch(r"([0-9]{1,15})\.([A-Za-z0-9_-]{16})\.([0-9a-f]{64})", token)
        if match is None:
            return False
        issued, salt, mac = match.groups()
        if not hmac.compare_digest(mac, self._mac(issued, salt)):
            return False
        return 0 <= self._clock() - int(issued) <= self.ttl_s

    def _mac(self, issued: str, salt: str) -> str:
        return hmac.new(self._key, f"{issued}.{salt}".encode("ascii"), hashlib.sha256).hexdigest()


def form_lang(value: str | None, accept: str = "") -> Lang:
    """`?lang=` when it names one of ours, else the first of Accept-Language we speak, else English."""
    for code in LANGS:
        if value == code:
            return code
    for item in accept.split(","):
        tag = item.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh-Hant" if any(p in tag for p in ("hant", "-tw", "-hk", "-mo")) else "zh-Hans"
        if tag.startswith("en"):
            return "en"
    return "en"


async def read_form(request: Request, loopback: bool, tokens: FormTokens) -> FormInput:
    """The form's fields, checked; FormError says what is wrong. Nothing is taken from the URL, and nothing
    is used unless the post carries a token this process issued (`tokens`)."""
    lang = form_lang(None, request.headers.get("accept-language", ""))
    if request.url.query:
        raise FormError("query", lang)
    if not _same_origin(request):
        raise FormError("cross_site", lang)
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM_TYPE:
        raise FormError("content_type", lang)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > BODY_LIMIT:
            raise FormError("body_too_long", lang, limit=BODY_LIMIT)
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)  # BODY_LIMIT bounds the fields
    except (UnicodeDecodeError, ValueError):
        raise FormError("content_type", lang) from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name not in LIMITS:
            raise FormError("unknown_field", lang, field=name[:40])
        if name in fields:
            raise FormError("repeated_field", lang, field=name)
        fields[name] = value
    if "lang" in fields:
        chosen = form_lang(fields["lang"])
        if chosen != fields["lang"]:
            raise FormError("lang", lang)
        lang = chosen
    for name, value in fields.items():
        if len(value) > LIMITS[name]:
            raise FormError("too_long", lang, field=name, limit=LIMITS[name])
    address = fields.get("address", "").strip()
    if not tokens.valid(fields.pop("token", "")):
        raise FormError("token", lang, address=address)
    password_text = fields.pop("password", "")
    if password_text and not loopback:
        raise FormError("password_remote", lang, address=address)
    if fields.get("login") and not loopback:
        raise FormError("password_remote", lang, address=address)
    if not address:
        raise FormError("address_missing", lang)
    password = None
    if fields.get("login"):
        if not password_text:
            raise FormError("password_missing", lang, address=address)
        password = Secret(password_text)
    del password_text
    return FormInput(address=address, lang=lang, password=password)


def _same_origin(request: Request) -> bool:
    """A browser says where a form comes from: only this server's own pages may post it. (Under the pages'
    no-referrer policy a browser sends `Origin: null`; its Sec-Fetch-Site still tells.) A client that is
    not a browser (curl, httpx) sends neither."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return origin != "null" and urlsplit(origin).netloc == request.headers.get("host", "")


def check_options(
    options_for: Callable[[dict[str, list[str]], str | None], tuple[Target, CheckOptions]], form: FormInput,
) -> tuple[Target, CheckOptions]:
    """The server's own options (the `default` module, through the exporter's `options_for`) for the form's
    address; FormError if it is bad."""
    from mailprobe.login.run import LoginOptions

    try:
        target, options = options_for({"target": [form.address]}, None)
    except UsageError as exc:
        raise FormError("address", form.lang, address=form.address, reason=str(exc)) from None
    options.lang = form.lang
    if form.password is not None:
        options.login = LoginOptions(credentials=Credentials(None, form.password))
    return target, options


def progress_line(observation: Observation, lang: Lang) -> str:
    from mailprobe.kinds import summarize
    from mailprobe.kinds.dns import DnsLookup
    from mailprobe.locales.messages import service_name
    from mailprobe.locales.pagewords import page_t
    from mailprobe.render.form import progress_line as line
    from mailprobe.safetext import shown

    if isinstance(observation, DnsLookup):
        label = f"DNS {observation.rdtype} {observation.name}".rstrip()
    else:
        where = observation.target
        if observation.address and observation.address not in where:
            where = f"{where} ({observation.address})"
        label = f"{service_name(observation.kind, lang)} {where}"
    status = str(observation.status)
    return line(status, _MARK.get(status, "?"), page_t(f"check.{status}", lang), shown(label, 200),
                summarize(observation, lang))


def more_line(count: int, lang: Lang) -> str:
    """The progress line that stands for COUNT more, once MAX_PROGRESS_LINES were shown."""
    from mailprobe.locales.pagewords import page_t
    from mailprobe.render.form import progress_line as line

    return line("skip", "…", "", page_t("form.progress_more", lang, count=count), "")


async def stream_check(slots: Slots, target: Target, options: CheckOptions, nonce: str) -> AsyncIterator[str]:
    """The answer to the form: head, progress lines, report (three languages), foot. Its <style> and <script>
    elements carry `nonce`, the one the answer's CSP header names. The check waits for one of the exporter's
    `slots` as a scrape does, within the same deadline."""
    from mailprobe.check import run_check
    from mailprobe.exporter import Busy
    from mailprobe.locales.messages import format_ms
    from mailprobe.locales.pagewords import page_t
    from mailprobe.render.form import again, progress_close, progress_open
    from mailprobe.render.html import languages, page_body, page_foot, page_head
    from mailprobe.safetext import shown
    from mailprobe.translations import translations

    lang = options.lang
    deadline = options.the_deadline()  # made at the request's arrival (serve.py), the check's too
    yield page_head(lang, LANGS, title=page_t("page.title", lang, address=shown(target.address, 300)), nonce=nonce)
    yield progress_open(lang, page_t("form.progress", lang, address=shown(target.address, 300)),
                        page_t("form.progress_note", lang), nonce=nonce, lines=page_t("form.progress_lines", lang))
    problem = page_t("form.problem", lang)

    def finish(error: str) -> str:
        return (progress_close(problem=problem, error=page_t("form.failed", lang, reason=error))
                + again(lang, page_t("form.again", lang)) + page_foot(lang, [lang], nonce=nonce))

    queue: asyncio.Queue[Observation] = asyncio.Queue()
    options.on_observation = queue.put_nowait
    task = None
    streamed = held_back = 0
    try:
        async with slots.slot(deadline):
            try:
                options.deadline = deadline
                task = asyncio.ensure_future(run_check(target, options))
                while not task.done() or not queue.empty():
                    if queue.empty():
                        waiter = asyncio.ensure_future(queue.get())
                        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
                        if not waiter.done():
                            waiter.cancel()
                            continue
                        observation = waiter.result()
                    else:
                        observation = queue.get_nowait()
                    if streamed < MAX_PROGRESS_LINES:  # a hostile domain's thousand checks never make megabytes
                        streamed += 1
                        yield progress_line(observation, lang)
                    else:
                        held_back += 1
                if held_back:
                    yield more_line(held_back, lang)
                report = task.result()
            except UsageError as exc:
                yield finish(str(exc))
                return
            except Exception as exc:  # never a traceback in the page (nor the password: it is a Secret)
                from mailprobe.login.guard import GuardError

                if isinstance(exc, GuardError):
                    yield finish(str(exc))
                    return
                _LOG.error("form check failed: %s", type(exc).__name__)
                yield finish(page_t("form.err.internal", lang, kind=type(exc).__name__))
                return
            finally:
                if task is not None and not task.done():
                    task.cancel()  # the person went away: stop probing for them
    except Busy:
        yield finish(page_t("form.err.busy", lang))
        return
    slots.answered(report.status, deadline)
    every = translations([report], options.profiles)
    duration = format_ms(deadline.elapsed_ms(), lang)
    yield progress_close(done=page_t("form.progress_done", lang, duration=duration))
    yield page_body(languages(every[lang], lang, every), lang, nonce=nonce)
    yield again(lang, page_t("form.again", lang))
    yield page_foot(lang, LANGS, nonce=nonce)
