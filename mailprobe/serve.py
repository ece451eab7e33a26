"""`mailprobe serve`: a multi-target exporter, used the way blackbox_exporter is — Prometheus schedules,
`/probe?target=user@domain[&module=NAME][&option=value…]` checks one mailbox and answers its metrics,
`/metrics` tells the exporter's own counters, and `/` is a form for people (`webform.py`): type an address,
watch the probes finish, read the report page.

Its trust model (SECURITY.md): it answers only the names it serves (`Host` is the listen address or an
`--allow-host` name, else 421: a web page that rebinds its own name to 127.0.0.1 reaches nothing); the URL
names the target, the operator's `--config` everything else — where it connects (`nameserver`, `baseline`,
`provider`) only where a module lists the parameter in `url_params`, and never a file or the authoritative
servers; the form is posted only with a token from this process's own page.

Starlette on uvicorn (the optional extra `mailprobe[serve]`). The deadline follows Prometheus's
`X-Prometheus-Scrape-Timeout-Seconds` minus a margin; probes at once are bounded by a semaphore; a bad target
or option is HTTP 400 with the reason; a `password` (or any login) parameter is refused: the exporter never
takes credentials from a URL.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import re
import time
import tomllib
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, generate_latest

from mailprobe.certdays import CRIT_DAYS, WARN_DAYS
from mailprobe.errors import UsageError
from mailprobe.exporter import Busy, Slots, request_deadline
from mailprobe.hostport import parse_listen

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from mailprobe.address import Target
    from mailprobe.check import CheckOptions
    from mailprobe.webform import FormTokens

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
DEFAULT_TIMEOUT_S = 10.0
SCRAPE_MARGIN_S = 0.5  # what Prometheus needs to receive the answer after the check ends
# Query parameters a probe takes; anything else is a 400 (a typo should not silently change the check).
PROBE_PARAMS = frozenset({"target", "module", "timeout", "nameserver", "provider", "baseline", "no_baseline",
                          "cert_warn_days", "cert_crit_days"})
# The ones that choose where the exporter connects: refused unless the module lists them in `url_params`.
STEERING_PARAMS = ("nameserver", "baseline", "provider")
# Never from a URL, whatever the config: they name a local file or the servers the resolver is compared with.
CONFIG_ONLY_PARAMS = ("authoritative", "ca_file", "providers_dir")
_SECRET_PARAMS = ("password", "passwd", "pass", "secret", "token", "login")
INSTALL_HINT = "mailprobe serve needs the 'serve' extra: pip install 'mailprobe[serve]'"
_LOG = logging.getLogger("mailprobe.serve")


@dataclass(frozen=True)
class Module:
    """A named set of check options, like a blackbox_exporter module ([modules.NAME] in --config)."""

    timeout: float = DEFAULT_TIMEOUT_S
    nameservers: tuple[str, ...] = ()
    provider: str | None = None
    baseline: tuple[str, ...] = ()
    no_baseline: bool = False
    ca_file: str | None = None  # only from the config file, never from a URL (it names a local file)
    providers_dir: str | None = None
    cert_warn_days: float = WARN_DAYS
    cert_crit_days: float = CRIT_DAYS
    url_params: tuple[str, ...] = ()  # of STEERING_PARAMS: what a /probe URL may set for this module


@dataclass(frozen=True)
class Config:
    """What `--config` says: the modules (`default` always exists) and the names the server answers to."""

    modules: dict[str, Module]
    allow_hosts: tuple[str, ...] = ()


def load_modules(path: str | None) -> dict[str, Module]:
    """The config file's modules; `default` always exists."""
    return load_config(path).modules


def load_config(path: str | None) -> Config:
    """The config file, every value checked now (a wrong type or range is a UsageError naming the key, before
    the server listens — never a 500 on every request later)."""
    from mailprobe.localinput import read_text

    modules = {"default": Module()}
    if path is None:
        return Config(modules)
    try:
        data = tomllib.loads(read_text(path, what="--config", max_bytes=1024 * 1024))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"--config {path}: not valid TOML ({exc})") from None
    unknown = set(data) - {"modules", "allow_hosts"}
    if unknown:
        raise UsageError(f"--config {path}: unknown keys {', '.join(sorted(unknown))} (known: modules, allow_hosts)")
    tables = data.get("modules", {})
    if not isinstance(tables, dict):
        raise UsageError(f"--config {path}: modules must be a table ([modules.NAME])")
    for name, values in tables.items():
        where = f"--config {path}: [modules.{name}]"
        if not isinstance(values, dict):
            raise UsageError(f"{where} must be a table")
        modules[name] = Module(**module_values(where, values))
    hosts = data.get("allow_hosts", [])
    if not isinstance(hosts, list) or not all(isinstance(h, str) for h in hosts):
        raise UsageError(f"--config {path}: allow_hosts must be a list of host names")
    for host in hosts:
        parse_allowed_host(host, f"--config {path}: allow_hosts")
    return Config(modules, tuple(hosts))


def module_values(where: str, values: dict[str, Any]) -> dict[str, Any]:
    """A module's values (from the config file or the command line), checked by the one check every edge uses
    (`params.check_values`, as a request's options are), each named after WHERE; kept as written (the
    lists as strings) for a request's URL to override them."""
    from mailprobe.params import check_values, config_edge

    unknown = set(values) - set(Module.__dataclass_fields__)
    if unknown:
        raise UsageError(f"{where} has unknown keys {', '.join(sorted(unknown))}")
    options = {key: value for key, value in values.items() if key != "url_params"}
    checked = check_values(options, config_edge(where))
    for key in ("nameservers", "baseline"):
        if key in options:
            checked[key] = tuple(options[key])
    if "url_params" in values:
        names = values["url_params"]
        if not isinstance(names, list | tuple) or not all(isinstance(name, str) for name in names):
            raise UsageError(f"{where} url_params must be a list of parameter name strings (got {repr(names)[:60]})")
        for name in names:
            if name not in STEERING_PARAMS:
                raise UsageError(f"{where} url_params: {name!r} is not one of {', '.join(STEERING_PARAMS)}")
        checked["url_params"] = tuple(names)
    return checked


@dataclass
class Exporter:
    modules: dict[str, Module]
    max_concurrent: int = 8
    loopback: bool = False  # listening on loopback only: the form may offer the login step (a password)
    hosts: HostNames | None = None  # the Host headers answered; None: IP addresses and localhost only
    registry: CollectorRegistry = field(default_factory=lambda: CollectorRegistry(auto_describe=True))

    def __post_init__(self) -> None:
        from mailprobe.webform import FormTokens

        self.slots = Slots(self.max_concurrent, self.registry)
        self.tokens: FormTokens = FormTokens()
        self._profiles: dict[str | None, Any] = {}
        self._tls: dict[str | None, Any] = {}  # one TLS configuration per CA file for the exporter's life

    def prepare(self) -> None:
        """Load what every module names — its profiles (and its provider among them), its CA file — now, so
        that a bad one stops the start with one line instead of failing every request."""
        from mailprobe.net.tls import TlsSettings
        from mailprobe.profiles import load_profiles

        for name, module in self.modules.items():
            try:
                profiles = self._profiles.get(module.providers_dir)
                if profiles is None:
                    profiles = self._profiles[module.providers_dir] = load_profiles(module.providers_dir)
                if module.provider is not None:
                    profiles.require(module.provider)
                TlsSettings(ca_file=module.ca_file).validate()
            except UsageError as exc:
                raise UsageError(f"module {name!r}: {exc}") from None

    def options(self, params: dict[str, list[str]], scrape_timeout: str | None) -> tuple[Target, CheckOptions]:
        """The target (parsed here, once) and check options of one /probe request; UsageError is the 400's
        reason."""
        from mailprobe.address import parse_address
        from mailprobe.check import CheckOptions, StepCache
        from mailprobe.net.nameservers import parse_nameserver
        from mailprobe.params import EXPORTER
        from mailprobe.profiles import load_profiles

        for name in params:
            if any(secret in name.lower() for secret in _SECRET_PARAMS):
                raise UsageError(f"parameter {name!r} refused: the exporter never takes credentials from a URL")
            if name in CONFIG_ONLY_PARAMS:
                raise UsageError(f"parameter {name!r} refused: it comes from the exporter's --config, never from a URL")
        unknown = sorted(set(params) - PROBE_PARAMS)
        if unknown:
            raise UsageError(f"unknown parameter(s): {', '.join(unknown[:5])}")
        text = _one(params, "target")
        if not text:
            raise UsageError("target parameter missing (e.g. /probe?target=user@company.com)")
        target = parse_address(text)
        module_name = _one(params, "module") or "default"
        module = self.modules.get(module_name)
        if module is None:
            raise UsageError(f"unknown module {module_name!r}")
        for name in STEERING_PARAMS:
            if name in params and name not in module.url_params:
                raise UsageError(
                    f"parameter {name!r} refused: the URL names the target, the exporter's --config where it "
                    f"connects (module {module_name!r} may allow it with url_params = [\"{name}\"])")
        for server in params.get("nameserver", []):  # a request's: no link-local or metadata resolver either
            parse_nameserver(server, "nameserver", requested=True)
        module = _overrides(module, params)
        options = CheckOptions.from_params({
            "timeout": module.timeout, "nameservers": module.nameservers, "ca_file": module.ca_file,
            "provider": module.provider, "providers_dir": module.providers_dir, "baseline": module.baseline,
            "no_baseline": module.no_baseline, "cert_warn_days": module.cert_warn_days,
            "cert_crit_days": module.cert_crit_days,
        }, EXPORTER)
        timeout = options.timeout
        if scrape_timeout:
            try:
                scrape = float(scrape_timeout)
            except ValueError:
                scrape = math.nan
            if not math.isfinite(scrape):
                raise UsageError("X-Prometheus-Scrape-Timeout-Seconds is not a number")
            timeout = min(timeout, scrape_budget(scrape))
        profiles = self._profiles.get(module.providers_dir)
        if profiles is None:
            profiles = self._profiles[module.providers_dir] = load_profiles(module.providers_dir)
        if module.provider is not None:
            profiles.require(module.provider)
        options.timeout, options.profiles = timeout, profiles
        # Each scrape probes afresh (no step is shared between scrapes); only the TLS set-up is kept.
        options.share = StepCache(tls=self._tls)
        return target, options

    async def probe(self, request: Request) -> Response:
        from starlette.responses import PlainTextResponse, Response

        from mailprobe.check import run_check
        from mailprobe.render import FORMATS
        from mailprobe.render.options import RenderOptions

        started = time.monotonic()  # the request's arrival: its deadline counts from here
        params: dict[str, list[str]] = {}
        for key, value in request.query_params.multi_items():
            params.setdefault(key, []).append(value)
        try:
            target, options = self.options(params, request.headers.get("x-prometheus-scrape-timeout-seconds"))
        except UsageError as exc:
            self.slots.bad_requests.inc()
            return PlainTextResponse(f"bad request: {exc}\n", status_code=400)
        if options.timeout < MIN_PROBE_S:  # the scrape leaves no time to probe: say so, as status 3
            report = _unknown(_one(params, "target") or "", options)
            self.slots.probes.labels(report.status).inc()
            body = FORMATS["prometheus"].render([report], RenderOptions()) + "\n"
            return Response(body, media_type=CONTENT_TYPE)
        deadline = options.deadline = request_deadline(options.timeout, started)  # the check's, too
        try:
            async with self.slots.slot(deadline):
                report = await run_check(target, options)
        except Busy:
            return PlainTextResponse("too many probes at once\n", status_code=503)
        self.slots.answered(report.status, deadline)
        body = FORMATS["prometheus"].render([report], RenderOptions()) + "\n"
        return Response(body, media_type=CONTENT_TYPE)

    async def metrics(self, request: Request) -> Response:
        from starlette.responses import Response

        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE)

    async def form(self, request: Request) -> Response:
        """GET /: the form, in the language asked for (`?lang=`, else Accept-Language)."""
        from mailprobe.webform import form_lang

        lang = form_lang(request.query_params.get("lang"), request.headers.get("accept-language", ""))
        return self._form_response(lang)

    def _form_response(self, lang: Any, status: int = 200, address: str = "", error: str | None = None) -> Response:
        """The form page with a fresh token and a fresh nonce (its CSP header names it)."""
        from starlette.responses import HTMLResponse

        from mailprobe.render.form import form_csp, form_page, new_nonce
        from mailprobe.webform import LIMITS

        nonce = new_nonce()
        page = form_page(lang, loopback=self.loopback, limits=LIMITS, token=self.tokens.issue(), nonce=nonce,
                         address=address, error=error)
        return HTMLResponse(page, status_code=status,
                            headers={"Content-Security-Policy": form_csp(nonce), "Cache-Control": "no-store"})

    async def check(self, request: Request) -> Response:
        """POST /check: a bad form is a 400 page saying why; a good one streams the check's page."""
        from starlette.responses import StreamingResponse

        from mailprobe.render.form import new_nonce, page_csp
        from mailprobe.webform import LIMITS, FormError, check_options, read_form, stream_check

        arrived = time.monotonic()  # the request's arrival: its deadline counts from here
        try:
            form = await read_form(request, self.loopback, self.tokens)
            target, options = check_options(self.options, form)
            options.deadline = request_deadline(options.timeout, arrived)
        except FormError as exc:
            self.slots.bad_requests.inc()
            return self._form_response(exc.lang, 400, exc.address[:LIMITS["address"]], exc.words())
        nonce = new_nonce()
        answer = stream_check(self.slots, target, options, nonce)
        return StreamingResponse(answer, media_type="text/html; charset=utf-8",
                                 headers={"Content-Security-Policy": page_csp(nonce), "Cache-Control": "no-store",
                                          "X-Accel-Buffering": "no"})

    def app(self) -> ASGIApp:
        from starlette.applications import Starlette
        from starlette.routing import Route

        routes = Starlette(routes=[
            Route("/", self.form, methods=["GET"]), Route("/check", self.check, methods=["POST"]),
            Route("/check", self.back_to_form, methods=["GET", "HEAD"]),
            Route("/probe", self.probe), Route("/metrics", self.metrics),
        ])
        return AccessLog(SecurityHeaders(HostGuard(routes, self.hosts or HostNames(None, None))))

    async def back_to_form(self, request: Request) -> Response:
        """GET /check (a reload of the answer page, a bookmark): the form again, never a bare 405. The language
        asked for is kept; the URL's other fields are dropped (the check takes them from a posted form only)."""
        from starlette.responses import RedirectResponse

        from mailprobe.webform import form_lang

        lang = form_lang(request.query_params.get("lang"), request.headers.get("accept-language", ""))
        return RedirectResponse(f"/?lang={lang}", status_code=303)


def _unknown(target: str, options: CheckOptions) -> Any:
    """The report of a probe that had no time to run: status `unknown`, nothing tested."""
    from mailprobe.batch import Entry, unknown_report

    return unknown_report(Entry(0, target), options.lang)


@dataclass(frozen=True)
class HostNames:
    """The `Host` headers the server answers (against DNS rebinding: a page whose own name now resolves to
    127.0.0.1 sends that name): the listen address with its port, `localhost` on a loopback listener, any IP
    address on a wildcard one (0.0.0.0, ::), and the operator's `--allow-host` names (NAME: any port;
    NAME:PORT: that port only). `listen` None: an app run on its own, as a wildcard listener on any port."""

    listen: str | None
    port: int | None  # None or 0: any
    allowed: tuple[tuple[str, int | None], ...] = ()

    def allows(self, header: str) -> bool:
        parsed = split_host(header)
        if parsed is None:
            return False
        host, port = parsed
        if any(host == name and pinned in (None, port) for name, pinned in self.allowed):
            return True
        if self.port and port != self.port and not (port is None and self.port == 80):
            return False
        listen = (self.listen or "").lower().strip("[]")
        wildcard = listen in ("", "0.0.0.0", "::")
        if host == "localhost":
            return wildcard or is_loopback(listen)
        address = _ip(host)
        if address is None:
            return host == listen.rstrip(".")  # listening on a name: that name
        if wildcard:
            return True
        if listen == "localhost":
            return address.is_loopback
        return address == _ip(listen)


def split_host(header: str) -> tuple[str, int | None] | None:
    """`name`, `name:port`, `1.2.3.4:port`, `[::1]:port` → (host lower-cased, port); None when malformed."""
    text = header.strip().lower()
    port: int | None = None
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            return None
        port_text = rest[1:] if rest else None
    else:
        host, sep, port_text_or_empty = text.partition(":")
        port_text = port_text_or_empty if sep else None
    if port_text is not None:
        if not re.fullmatch(r"[0-9]{1,5}", port_text) or not 0 < int(port_text) < 65536:
            return None
        port = int(port_text)
    host = host.rstrip(".")
    if not host or not re.fullmatch(r"[a-z0-9._:-]+", host) or (":" in host and _ip(host) is None):
        return None
    return host, port


def parse_allowed_host(text: str, option: str = "--allow-host") -> tuple[str, int | None]:
    """An `--allow-host` value (NAME or NAME:PORT, an IP address, [IPv6]:PORT); UsageError when it is none."""
    from mailprobe.safetext import quoted_input

    parsed = split_host(text)
    if parsed is None or text != text.strip():
        raise UsageError(f"{option} {quoted_input(text)} is not a host name or NAME:PORT")
    return parsed


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


class HostGuard:
    """Every request whose `Host` is not one the server answers (`HostNames`) gets 421 and one log line, before
    any route sees it: no form, no probe, no metrics for a name the operator did not choose."""

    def __init__(self, app: ASGIApp, names: HostNames) -> None:
        self.app, self.names = app, names

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        hosts = [value for name, value in scope.get("headers", []) if name == b"host"]
        header = hosts[0].decode("latin-1") if len(hosts) == 1 else None
        if header is not None and self.names.allows(header):
            await self.app(scope, receive, send)
            return
        from mailprobe.safetext import shown

        client = scope.get("client") or ("?", 0)
        said = "no Host" if header is None else f"Host {shown(header, 200)!r}"
        _LOG.warning("refused %s %s from %s: %s is not a name this server answers (--allow-host NAME adds one)",
                     scope.get("method", "?"), shown(scope.get("path", ""), 200), client[0], said)
        body = (f"misdirected request: {said} is not a name this server answers; the operator may add it with "
                "--allow-host\n").encode()
        await send({"type": "http.response.start", "status": 421,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class AccessLog:
    """One line per request on standard error, in the common log format (as Apache and nginx write it):
    `client - - [day/Mon/year:HH:MM:SS +zone] "METHOD /path HTTP/1.1" status bytes`. Never the query string
    (a /probe URL names a mailbox, and a mistaken one might carry anything) nor any header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        answer = {"status": 0, "bytes": 0}

        async def counting(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = int(message["status"])
            elif message["type"] == "http.response.body":
                answer["bytes"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, counting)
        finally:
            ACCESS_LOG.info("%s", access_line(scope, answer["status"] or 500, answer["bytes"]))


def access_line(scope: Scope, status: int, size: int, now: float | None = None) -> str:
    """The request in the common log format, its path without the query string."""
    from mailprobe.safetext import shown

    client = (scope.get("client") or ("-", 0))[0] or "-"
    when = time.strftime("%d/%b/%Y:%H:%M:%S %z", time.localtime(now))
    path = shown(str(scope.get("path") or "/"), 200).replace('"', "%22").replace(" ", "%20")
    request = f'{scope.get("method", "-")} {path} HTTP/{scope.get("http_version", "1.1")}'
    return f'{client} - - [{when}] "{request}" {status} {size or "-"}'


ACCESS_LOG = logging.getLogger("mailprobe.serve.access")


class SecurityHeaders:
    """Every answer (the form, its 400s, the streamed page, the 404s, 405s and 421s, the metrics) says: load
    nothing from anywhere, post forms only here, never be framed, never be sniffed as another type. (The pages
    set their own CSP, naming the nonce of their <style> and <script>.)"""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        from mailprobe.render.form import BARE_CSP

        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                extra = {b"content-security-policy": BARE_CSP.encode(), b"x-content-type-options": b"nosniff",
                         b"referrer-policy": b"no-referrer", b"x-frame-options": b"DENY"}
                headers += [(name, value) for name, value in extra.items() if name not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


MIN_PROBE_S = 0.05  # a scrape timeout leaving less than this: no probe, an `unknown` answer at once


def scrape_budget(scrape: float) -> float:
    """The probe's deadline within a scrape timeout: the timeout less the margin Prometheus needs to read the
    answer, and with a tiny timeout (at most twice the margin) half of it — a short probe, never none. At or
    under 0 it is 0: the probe answers `unknown` at once (`Exporter.probe`)."""
    if scrape <= 2 * SCRAPE_MARGIN_S:
        return max(0.0, scrape / 2)
    return scrape - SCRAPE_MARGIN_S


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1 and name not in ("nameserver", "baseline"):
        raise UsageError(f"parameter {name!r} given more than once")
    return values[0]


def _overrides(module: Module, params: dict[str, list[str]]) -> Module:
    """The module's options, with the ones the URL names replacing them."""
    changes: dict[str, Any] = {}
    for name in ("timeout", "cert_warn_days", "cert_crit_days"):
        value = _one(params, name)
        if value is None:
            continue
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):  # float() takes "nan", "inf" and "1e999"
            raise UsageError(f"timeout and cert_*_days must be numbers: {name} is {value[:40]!r}")
        changes[name] = number
    if "nameserver" in params:
        changes["nameservers"] = tuple(params["nameserver"])
    if "baseline" in params:
        changes["baseline"] = tuple(params["baseline"])
    provider = _one(params, "provider")
    if provider is not None:
        changes["provider"] = provider
    no_baseline = _one(params, "no_baseline")
    if no_baseline is not None:
        changes["no_baseline"] = no_baseline.lower() in ("1", "true", "yes", "on")
    return replace(module, **changes)


def is_loopback(host: str) -> bool:
    """Whether a listener on `host` is reachable from this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to anything


def serve(listen: str, config: str | None, max_concurrent: int, defaults: dict[str, Any] | None = None,
          allow_hosts: tuple[str, ...] = ()) -> None:
    """`defaults`: the command line's own options (nameservers, ca_file, …), over the `default` module's.
    Everything is checked before the server listens: a bad value is a UsageError (one line, exit 3)."""
    try:
        import starlette  # noqa: F401
        import uvicorn
    except ImportError:
        raise UsageError(INSTALL_HINT) from None
    host, port = parse_listen(listen)
    settings = load_config(config)
    modules = settings.modules
    if defaults:
        modules["default"] = replace(modules["default"], **module_values("the command line:", defaults))
    allowed = tuple(parse_allowed_host(name) for name in allow_hosts)
    allowed += tuple(parse_allowed_host(name, f"--config {config}: allow_hosts") for name in settings.allow_hosts)
    exporter = Exporter(modules, max_concurrent=max_concurrent, loopback=is_loopback(host),
                        hosts=HostNames(host, port, allowed))
    exporter.prepare()
    _log_to_stderr()

    class Server(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            if self.started:  # bound and listening: say where, once
                _LOG.info("%s", started_line(exporter, host, _bound_port(self, port), config))

    config_ = uvicorn.Config(exporter.app(), host=host, port=port, log_level="warning", access_log=False)
    Server(config_).run()


def started_line(exporter: Exporter, host: str, port: int, config: str | None) -> str:
    """The one start-up line: where it listens, what answers there, the modules and where they come from."""
    shown_host = f"[{host}]" if ":" in host else host
    modules = ", ".join(sorted(exporter.modules))
    form = "the form at / (with the login: loopback)" if exporter.loopback else "the form at /"
    return (f"listening on http://{shown_host}:{port}/ — {form}, /probe?target=ADDRESS[&module=NAME] "
            f"(modules: {modules}{f'; from {config}' if config else ''}), /metrics; at most "
            f"{exporter.max_concurrent} probes at once")


def _bound_port(server: Any, asked: int) -> int:
    """The port the server listens on (the one asked for, or the one the system chose for 0)."""
    for listener in getattr(server, "servers", []) or []:
        for sock in getattr(listener, "sockets", []) or []:
            return int(sock.getsockname()[1])
    return asked


def _log_to_stderr() -> None:
    """The server's own lines (where it listens, a refused Host, a form check that failed), each one line on
    stderr after `mailprobe serve: `; the access lines bare, in the common log format (`AccessLog`)."""
    logger = logging.getLogger("mailprobe.serve")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("mailprobe serve: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    if not ACCESS_LOG.handlers:
        access = logging.StreamHandler()
        access.setFormatter(logging.Formatter("%(message)s"))
        ACCESS_LOG.addHandler(access)
        ACCESS_LOG.setLevel(logging.INFO)
        ACCESS_LOG.propagate = False
