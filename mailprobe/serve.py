"""`mailprobe serve`: a multi-target exporter, used the way blackbox_exporter is — Prometheus schedules,
`/probe?target=user@domain[&module=NAME][&option=value…]` checks one mailbox and answers its metrics,
`/metrics` tells the exporter's own counters, and `/` is a form for people (`webform.py`): type an address,
watch the probes finish, read the report page.

Starlette on uvicorn (the optional extra `mailprobe[serve]`). The deadline follows Prometheus's
`X-Prometheus-Scrape-Timeout-Seconds` minus a margin; probes at once are bounded by a semaphore; a bad target
or option is HTTP 400 with the reason; a `password` (or any login) parameter is refused: the exporter never
takes credentials from a URL.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
import tomllib
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from mailprobe.errors import UsageError

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from mailprobe.check import CheckOptions

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
DEFAULT_TIMEOUT_S = 10.0
SCRAPE_MARGIN_S = 0.5  # what Prometheus needs to receive the answer after the check ends
MAX_TIMEOUT_S = 120.0
# Query parameters a probe takes; anything else is a 400 (a typo should not silently change the check).
PROBE_PARAMS = frozenset({"target", "module", "timeout", "nameserver", "provider", "baseline", "no_baseline",
                          "cert_warn_days", "cert_crit_days"})
_SECRET_PARAMS = ("password", "passwd", "pass", "secret", "token", "login")
INSTALL_HINT = "mailprobe serve needs the 'serve' extra: pip install 'mailprobe[serve]'"


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
    cert_warn_days: float = 14.0
    cert_crit_days: float = 3.0


def load_modules(path: str | None) -> dict[str, Module]:
    """The config file's modules; `default` always exists."""
    from mailprobe.localinput import read_text

    modules = {"default": Module()}
    if path is None:
        return modules
    try:
        data = tomllib.loads(read_text(path, what="--config", max_bytes=1024 * 1024))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"--config {path}: not valid TOML ({exc})") from None
    for name, values in (data.get("modules") or {}).items():
        if not isinstance(values, dict):
            raise UsageError(f"--config {path}: [modules.{name}] must be a table")
        unknown = set(values) - set(Module.__dataclass_fields__)
        if unknown:
            raise UsageError(f"--config {path}: [modules.{name}] has unknown keys {', '.join(sorted(unknown))}")
        for key in ("nameservers", "baseline"):
            if key in values:
                values[key] = tuple(values[key])
        modules[name] = Module(**values)
    return modules


@dataclass
class Exporter:
    modules: dict[str, Module]
    max_concurrent: int = 8
    loopback: bool = False  # listening on loopback only: the form may offer the login step (a password)
    registry: CollectorRegistry = field(default_factory=lambda: CollectorRegistry(auto_describe=True))

    def __post_init__(self) -> None:
        self.gate = asyncio.Semaphore(self.max_concurrent)
        self.probes = Counter("mailprobe_exporter_probes", "Probes answered, by result", ["result"],
                              registry=self.registry)
        self.bad_requests = Counter("mailprobe_exporter_bad_requests", "Probe requests refused with 400",
                                    registry=self.registry)
        self.in_flight = Gauge("mailprobe_exporter_probes_in_flight", "Probes running now", registry=self.registry)
        self.duration = Histogram("mailprobe_exporter_probe_duration_seconds", "Time to answer a probe",
                                  registry=self.registry)
        self._profiles: dict[str | None, Any] = {}
        self._tls: dict[str | None, Any] = {}  # one TLS configuration per CA file for the exporter's life

    def options(self, params: dict[str, list[str]], scrape_timeout: str | None) -> tuple[str, CheckOptions]:
        """The target and check options of one /probe request; UsageError is the 400's reason."""
        from mailprobe.address import parse_address
        from mailprobe.check import CheckOptions, StepCache
        from mailprobe.net.nameservers import parse_nameserver
        from mailprobe.profiles import load_profiles

        for name in params:
            if any(secret in name.lower() for secret in _SECRET_PARAMS):
                raise UsageError(f"parameter {name!r} refused: the exporter never takes credentials from a URL")
        unknown = sorted(set(params) - PROBE_PARAMS)
        if unknown:
            raise UsageError(f"unknown parameter(s): {', '.join(unknown[:5])}")
        target = _one(params, "target")
        if not target:
            raise UsageError("target parameter missing (e.g. /probe?target=user@company.com)")
        parse_address(target)
        module_name = _one(params, "module") or "default"
        module = self.modules.get(module_name)
        if module is None:
            raise UsageError(f"unknown module {module_name!r}")
        module = _overrides(module, params)
        timeout = module.timeout
        if scrape_timeout:
            try:
                timeout = min(timeout, float(scrape_timeout) - SCRAPE_MARGIN_S)
            except ValueError:
                raise UsageError("X-Prometheus-Scrape-Timeout-Seconds is not a number") from None
        if not 0 < timeout <= MAX_TIMEOUT_S:
            raise UsageError(f"timeout must be more than 0 and at most {MAX_TIMEOUT_S:g} s")
        profiles = self._profiles.get(module.providers_dir)
        if profiles is None:
            profiles = self._profiles[module.providers_dir] = load_profiles(module.providers_dir)
        if module.provider is not None:
            profiles.require(module.provider)
        options = CheckOptions(
            timeout=timeout, nameservers=[parse_nameserver(ns) for ns in module.nameservers] or None,
            ca_file=module.ca_file, provider=module.provider, providers_dir=module.providers_dir,
            baseline=[_hostport(b) for b in module.baseline] or None, no_baseline=module.no_baseline,
            cert_warn_days=module.cert_warn_days, cert_crit_days=module.cert_crit_days, profiles=profiles,
            # Each scrape probes afresh (no step is shared between scrapes); only the TLS set-up is kept.
            share=StepCache(tls=self._tls),
        )
        return target, options

    async def probe(self, request: Request) -> Response:
        from starlette.responses import PlainTextResponse, Response

        from mailprobe.check import run_check
        from mailprobe.render import FORMATS
        from mailprobe.render.options import RenderOptions

        started = time.monotonic()
        params: dict[str, list[str]] = {}
        for key, value in request.query_params.multi_items():
            params.setdefault(key, []).append(value)
        try:
            target, options = self.options(params, request.headers.get("x-prometheus-scrape-timeout-seconds"))
        except UsageError as exc:
            self.bad_requests.inc()
            return PlainTextResponse(f"bad request: {exc}\n", status_code=400)
        try:
            # Waiting for a free slot counts against the deadline: a queue never makes a scrape late.
            await asyncio.wait_for(self.gate.acquire(), timeout=options.timeout)
        except TimeoutError:
            self.probes.labels("busy").inc()
            return PlainTextResponse("too many probes at once\n", status_code=503)
        try:
            self.in_flight.inc()
            options.timeout = max(0.5, options.timeout - (time.monotonic() - started))
            report = await run_check(target, options)
        finally:
            self.in_flight.dec()
            self.gate.release()
        self.probes.labels(report.status).inc()
        self.duration.observe(time.monotonic() - started)
        body = FORMATS["prometheus"].render([report], RenderOptions()) + "\n"
        return Response(body, media_type=CONTENT_TYPE)

    async def metrics(self, request: Request) -> Response:
        from starlette.responses import Response

        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE)

    async def form(self, request: Request) -> Response:
        """GET /: the form, in the language asked for (`?lang=`, else Accept-Language)."""
        from starlette.responses import HTMLResponse

        from mailprobe.render.formpage import form_page
        from mailprobe.webform import LIMITS, form_lang

        lang = form_lang(request.query_params.get("lang"), request.headers.get("accept-language", ""))
        return HTMLResponse(form_page(lang, loopback=self.loopback, limits=LIMITS))

    async def check(self, request: Request) -> Response:
        """POST /check: a bad form is a 400 page saying why; a good one streams the check's page."""
        from starlette.responses import HTMLResponse, StreamingResponse

        from mailprobe.render.formpage import PAGE_CSP, form_page
        from mailprobe.webform import LIMITS, FormError, check_options, read_form, stream_check

        try:
            form = await read_form(request, self.loopback)
            target, options = check_options(self, form)
        except FormError as exc:
            self.bad_requests.inc()
            page = form_page(exc.lang, loopback=self.loopback, limits=LIMITS, address=exc.address[:LIMITS["address"]],
                             error=exc.words())
            return HTMLResponse(page, status_code=400)
        return StreamingResponse(stream_check(self, target, options), media_type="text/html; charset=utf-8",
                                 headers={"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-store",
                                          "X-Accel-Buffering": "no"})

    def app(self) -> ASGIApp:
        from starlette.applications import Starlette
        from starlette.routing import Route

        routes = Starlette(routes=[
            Route("/", self.form, methods=["GET"]), Route("/check", self.check, methods=["POST"]),
            Route("/probe", self.probe), Route("/metrics", self.metrics),
        ])
        return SecurityHeaders(routes)


class SecurityHeaders:
    """Every answer (the form, its 400s, the streamed page, the 404s and 405s, the metrics) says: load
    nothing from anywhere, post forms only here, never be framed, never be sniffed as another type."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        from mailprobe.render.formpage import FORM_CSP

        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                extra = {b"content-security-policy": FORM_CSP.encode(), b"x-content-type-options": b"nosniff",
                         b"referrer-policy": b"no-referrer", b"x-frame-options": b"DENY"}
                headers += [(name, value) for name, value in extra.items() if name not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


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
    try:
        for name in ("timeout", "cert_warn_days", "cert_crit_days"):
            value = _one(params, name)
            if value is not None:
                changes[name] = float(value)
    except ValueError:
        raise UsageError("timeout and cert_*_days must be numbers") from None
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


def _hostport(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isascii() or not port.isdigit() or not 0 < int(port[:6]) < 65536:
        raise UsageError(f"baseline {text[:60]!r} is not HOST:PORT")
    return host.strip("[]").lower(), int(port)


def parse_listen(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isascii() or not port.isdigit() or not 0 <= int(port[:6]) < 65536:
        raise UsageError(f"--listen {text[:60]!r} is not HOST:PORT")
    return host.strip("[]") or "127.0.0.1", int(port)


def is_loopback(host: str) -> bool:
    """Whether a listener on `host` is reachable from this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to anything


def serve(listen: str, config: str | None, max_concurrent: int, defaults: dict[str, Any] | None = None) -> None:
    """`defaults`: the command line's own options (nameservers, ca_file, …), over the `default` module's."""
    try:
        import starlette  # noqa: F401
        import uvicorn
    except ImportError:
        raise UsageError(INSTALL_HINT) from None
    host, port = parse_listen(listen)
    modules = load_modules(config)
    if defaults:
        modules["default"] = replace(modules["default"], **defaults)
    exporter = Exporter(modules, max_concurrent=max_concurrent, loopback=is_loopback(host))
    uvicorn.run(exporter.app(), host=host, port=port, log_level="warning", access_log=False)
