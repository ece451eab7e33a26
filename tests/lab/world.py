"""A simulated mail Internet on loopback: a DNS server answering the providers' real host names, and each
provider's webmail, IMAP, POP3 and SMTP servers on its own 127.0.0.x address, all sharing port numbers the
way real providers share 443 / 993 / 995 / 465 — so a "blocked port" and a "dead server" differ as they do
in the field. Override profiles (--providers-dir) point the real host names at the lab ports."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
import tempfile
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from mailprobe.check import CheckOptions
from tests.lab.certs import CertLab
from tests.lab.dnsserver import LabDnsServer
from tests.lab.mailserver import MailServer
from tests.lab.webserver import Route, WebServer, login_page, redirect

SERVICES = ("imap", "pop3", "smtp", "web")
# The ports the built-in profiles name: binding them on loopback needs root (CAP_NET_BIND_SERVICE).
REAL_PORTS = {"imap": 993, "pop3": 995, "smtp": 465, "web": 443}
REAL_PORTS_LOCK = Path(tempfile.gettempdir()) / "mailprobe-real-ports.lock"


@dataclass(frozen=True)
class Site:
    """One provider as the lab serves it (host names as in providers/*.toml)."""

    id: str
    ip: str
    mx: tuple[str, ...]
    web: str
    web_path: str
    imap: str
    pop3: str
    smtp: str
    mx_pattern: str
    profile: bool = True  # False: a self-hosted domain no profile knows (the generic plan)

    def host(self, service: str) -> str:
        return str(getattr(self, service))


SITES: dict[str, Site] = {
    "qq": Site("qq", "127.0.0.11", ("mxbiz1.qq.com", "mxbiz2.qq.com"), "exmail.qq.com", "/login",
               "imap.exmail.qq.com", "pop.exmail.qq.com", "smtp.exmail.qq.com", r"(^|\.)mxbiz[0-9]+\.qq\.com\.?$"),
    "netease": Site("netease", "127.0.0.12", ("qiye163mx01.mxmail.netease.com", "qiye163mx02.mxmail.netease.com"),
                    "qiye.163.com", "/login/", "imap.qiye.163.com", "pop.qiye.163.com", "smtp.qiye.163.com",
                    r"^(qiye163mx\d+|hzmx\d+)\.mxmail\.netease\.com\.?$"),
    "aliyun": Site("aliyun", "127.0.0.13", ("mx1.qiye.aliyun.com", "mx2.qiye.aliyun.com"), "qiye.aliyun.com", "/",
                   "imap.qiye.aliyun.com", "pop.qiye.aliyun.com", "smtp.qiye.aliyun.com",
                   r"(^|\.)(qiye\.aliyun\.com|mxhichina\.com)\.?$"),
}
CUSTOMER = "acme-trading.com"
SELF_HOSTED = "indie-shop.com"
INDIE = Site("indie", "127.0.0.14", ("mx.indie-shop.com",), "mail.indie-shop.com", "/", "imap.indie-shop.com",
             "pop.indie-shop.com", "smtp.indie-shop.com", r"^mx\.indie-shop\.com$", profile=False)
# 35.com names its IMAP / SMTP servers after the customer's own domain (providers.md §4).
SANWU_CUSTOMER = "sanwu-trade.com"
SANWU = Site("35com", "127.0.0.15", ("mx1.cn4e.com",), "mail.35.com", "/", f"imap.{SANWU_CUSTOMER}",
             f"pop.{SANWU_CUSTOMER}", f"smtp.{SANWU_CUSTOMER}", r"(^|\.)cn4e\.com$", profile=False)
ALL_SITES = {**SITES, "indie": INDIE, "35com": SANWU}
# A hotel-style network's captive portal: its resolver sends every name here; HTTPS answers every request with
# a redirect to its sign-in page under a certificate for its own name; the mail ports are closed.
PORTAL_IP = "127.0.0.99"
PORTAL_HOST = "portal.hotel.example"
PORTAL_LOGIN = f"http://{PORTAL_HOST}/login?continue=1"


def _shared_port(ips: list[str]) -> int:
    """A port number free on every one of these loopback addresses."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind((ips[0], 0))
            port = int(probe.getsockname()[1])
        try:
            for ip in ips[1:]:
                with socket.socket() as other:
                    other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    other.bind((ip, port))
        except OSError:
            continue
        return port
    raise RuntimeError("no shared free port on the lab addresses")


PORT_ATTEMPTS = 5


@dataclass
class World:
    """Configure, then `with world:` to run everything on one background event loop."""

    root: Path
    certs: CertLab = field(default_factory=CertLab)
    mail: dict[str, dict[str, Any]] = field(default_factory=dict)  # "qq.imap" → MailServer kwargs
    login: dict[str, dict[str, Any]] = field(default_factory=dict)  # "qq.imap" → LoginServer kwargs (authenticates)
    web: dict[str, dict[str, Any]] = field(default_factory=dict)  # "qq" → {"route": Route, "cert": kind, ...}
    down: set[str] = field(default_factory=set)  # "qq.imap", "netease.web": not listening (refused)
    domains: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    servers: dict[str, MailServer | WebServer] = field(default_factory=dict)
    dns: LabDnsServer = field(default_factory=LabDnsServer)
    real_ports: bool = False  # True: the providers' real ports and the BUILT-IN profiles (no override)
    captive_portal: bool = False  # True: every name resolves to PORTAL_IP, where only the portal answers
    _ports_lock: IO[str] | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None

    def __post_init__(self) -> None:
        self.domains.setdefault(CUSTOMER, {"MX": ["5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."],
                                           "TXT": ['"v=spf1 include:spf.mail.qq.com ~all"']})

    # -- what mailprobe is given --------------------------------------------------------------------------

    @property
    def ca_file(self) -> Path:
        return self.root / "lab-ca.pem"

    @property
    def providers_dir(self) -> Path:
        return self.root / "providers"

    def options(self, **overrides: Any) -> CheckOptions:
        values: dict[str, Any] = {
            "timeout": 5.0, "nameservers": self.dns.nameservers, "ca_file": str(self.ca_file),
            "providers_dir": None if self.real_ports else str(self.providers_dir),
        }
        values.update(overrides)
        return CheckOptions(**values)

    def cli_args(self) -> list[str]:
        args = ["--nameserver", self.dns.nameserver, "--ca-file", str(self.ca_file)]
        return args if self.real_ports else [*args, "--providers-dir", str(self.providers_dir)]

    # -- lifecycle ---------------------------------------------------------------------------------------

    def __enter__(self) -> World:
        for attempt in range(PORT_ATTEMPTS):
            if self.real_ports:
                self._take_real_ports()
            try:
                return self._enter()
            except OSError as exc:
                self.__exit__()
                # A shared port picked free, then taken by another test's server before we bound it: pick again.
                if exc.errno != errno.EADDRINUSE or self.real_ports or attempt == PORT_ATTEMPTS - 1:
                    raise
                self.servers.clear()
            except BaseException:
                self.__exit__()  # never keep the real ports' lock (or a thread) of a world that did not start
                raise
        raise AssertionError("unreachable")

    def _enter(self) -> World:
        self.root.mkdir(parents=True, exist_ok=True)
        self.certs.write_ca_file(self.root)
        ips = [site.ip for site in ALL_SITES.values()] + ([PORTAL_IP] if self.captive_portal else [])
        if self.real_ports:
            self.ports = dict(REAL_PORTS)
        else:
            self.ports = {service: _shared_port(ips) for service in SERVICES}
            self._write_profiles()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="lab-world", daemon=True)
        self._thread.start()
        self._run(self._start())
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):
            self._run(self._stop())
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()
            self._loop = self._thread = None
        if self._ports_lock is not None:
            self._ports_lock.close()  # closing the file releases the lock
            self._ports_lock = None

    def _take_real_ports(self) -> None:
        """The real ports exist once per machine: concurrent test runs take turns instead of binding each
        other's ports or talking to each other's servers."""
        import fcntl

        self._ports_lock = open(REAL_PORTS_LOCK, "a")  # noqa: SIM115 - held until __exit__
        fcntl.flock(self._ports_lock, fcntl.LOCK_EX)

    def _run(self, coro: Coroutine[Any, Any, None]) -> None:
        assert self._loop is not None
        asyncio.run_coroutine_threadsafe(coro, self._loop).result(20)

    async def _start(self) -> None:
        await self.dns.start()
        self.dns.set_zone(self._zone())
        for site in ALL_SITES.values():
            for service in SERVICES:
                name = f"{site.id}.{service}"
                if name in self.down:
                    continue
                server = self._web_server(site) if service == "web" else self._mail_server(site, service)
                await server.start()
                self.servers[name] = server
        if self.captive_portal:
            self.dns.hijack_a(PORTAL_IP)
            portal = WebServer(tls=self.certs.server_context(PORTAL_HOST), host=PORTAL_IP, port=self.ports["web"],
                               default=redirect(PORTAL_LOGIN))
            await portal.start()
            self.servers["portal.web"] = portal

    async def _stop(self) -> None:
        for server in self.servers.values():
            with contextlib.suppress(Exception):
                await server.stop()
        await self.dns.stop()

    def _mail_server(self, site: Site, service: str) -> MailServer:
        from tests.lab.loginserver import LoginServer

        kwargs: dict[str, Any] = {"tls": "implicit", "cert": "good"}
        kwargs.update(self.mail.get(f"{site.id}.{service}", {}))
        name = f"{site.id}.{service}"
        server_class = LoginServer if name in self.login else MailServer
        kwargs.update(self.login.get(name, {}))
        return server_class(
            service,  # type: ignore[arg-type]
            lab=self.certs, hostname=site.host(service), host=site.ip, listen_port=self.ports[service], **kwargs,
        )

    def _web_server(self, site: Site) -> WebServer:
        config = self.web.get(site.id, {})
        routes: dict[str, Route | str] = {site.web_path: config.get("route") or Route(body=login_page())}
        routes.update(config.get("routes", {}))
        tls = self.certs.server_context(
            site.web, kind=config.get("cert", "good"),
            min_version=config.get("min_version"), max_version=config.get("max_version"),
        )
        return WebServer(routes, tls=tls, host=site.ip, port=self.ports["web"], silent=config.get("silent", False))

    # -- DNS and profiles --------------------------------------------------------------------------------

    def _zone(self) -> dict[str, dict[str, list[str]]]:
        zone: dict[str, dict[str, list[str]]] = {}
        for site in ALL_SITES.values():
            for host in {*site.mx, site.web, site.imap, site.pop3, site.smtp}:
                zone[host] = {"A": [site.ip]}
        # The self-hosted domain publishes its IMAP and submission servers with RFC 6186 / 8314 SRV records.
        zone[SELF_HOSTED] = {"MX": ["10 mx.indie-shop.com."]}
        zone[f"_imaps._tcp.{SELF_HOSTED}"] = {"SRV": [f"0 1 {self.ports['imap']} imap.indie-shop.com."]}
        zone[f"_submissions._tcp.{SELF_HOSTED}"] = {"SRV": [f"0 1 {self.ports['smtp']} smtp.indie-shop.com."]}
        zone[f"_pop3._tcp.{SELF_HOSTED}"] = {"SRV": ["0 0 0 ."]}
        zone[SANWU_CUSTOMER] = {"MX": ["10 mx1.cn4e.com."]}
        zone.update(self.domains)
        return zone

    def _write_profiles(self) -> None:
        self.providers_dir.mkdir(parents=True, exist_ok=True)
        for site in SITES.values():
            if not site.profile:
                continue
            text = PROFILE_TEMPLATE.format(
                id=site.id, pattern=site.mx_pattern, web=site.web, web_port=self.ports["web"], path=site.web_path,
                imap=site.imap, pop3=site.pop3, smtp=site.smtp, imap_port=self.ports["imap"],
                pop3_port=self.ports["pop3"], smtp_port=self.ports["smtp"],
            )
            (self.providers_dir / f"{site.id}.toml").write_text(text, encoding="utf-8")


PROFILE_TEMPLATE = """\
# Lab override of the built-in '{id}' profile: real host names, lab ports.
id = "{id}"
mx_patterns = ['{pattern}']
webmail = ["https://{web}:{web_port}{path}"]
baseline = true

[names]
en = "{id} (lab)"
zh-Hans = "{id}（实验室）"
zh-Hant = "{id}（實驗室）"

[[servers]]
protocol = "imap"
host = "{imap}"
port = {imap_port}
tls = "implicit"

[[servers]]
protocol = "pop3"
host = "{pop3}"
port = {pop3_port}
tls = "implicit"

[[servers]]
protocol = "smtp"
host = "{smtp}"
port = {smtp_port}
tls = "implicit"
"""


@contextlib.contextmanager
def running_world(root: Path, **config: Any) -> Iterator[World]:
    with World(root, **config) as world:
        yield world
