"""The bench's two healthy worlds, as whole loopback worlds a benchmark can run `mailprobe check` in.

  old    bench (f)'s healthy world: the lab resolver, every mail greeting and every web answer 200 ms late;
  field  as healthy, but more like the field (issue 22): every DNS answer 200 ms late, the provider's
         authoritative servers (a second lab server on 127.0.0.154:53, asked through the domains' NS) too;
         the provider's overseas hosts (hwimap / hwpop / hwsmtp.exmail.qq.com, on 127.0.0.21) in its
         profile, as the built-in profile has them; the provider's hosts dual-stack (AAAA ::1, with servers
         listening there too); the baselines answer the same way; the report is some 60 KB of JSON.

Both resolvers listen on port 53 (the glibc resolver of the Monitoring Plugins chain asks nothing else), so
the worlds need root; bench/sidebyside.py's chain runs in both.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from tests.lab.dnsserver import LabDnsServer
from tests.lab.mailserver import MailServer
from tests.lab.webserver import Route, WebServer, login_page
from tests.lab.world import CUSTOMER, SITES, World

LAB_DNS = ("127.0.0.153", 53)  # the glibc resolver only asks port 53; not 127.0.0.53 (systemd-resolved's)
AUTHORITY = ("127.0.0.154", 53)  # where the domains' NS records point, in the field world
DELAY_S = 0.2
MAIL_SERVICES = ("imap", "pop3", "smtp")
PROVIDER = SITES["qq"]  # the customer's MX names it
OVERSEAS_IP = "127.0.0.21"
OVERSEAS = {"imap": "hwimap.exmail.qq.com", "pop3": "hwpop.exmail.qq.com", "smtp": "hwsmtp.exmail.qq.com"}
DUAL_STACK_IP = "::1"
# The zones whose NS the check asks (the customer's, and the providers' hosts' parents).
DELEGATED = (CUSTOMER, "qq.com", "163.com", "aliyun.com")
WORLDS = ("old", "field")

OVERSEAS_PROFILE = """
[[servers]]
protocol = "{protocol}"
host = "{host}"
port = {port}
tls = "implicit"
label = "overseas"
expect = "candidate"
"""


@contextlib.contextmanager
def healthy_world(root: Path, kind: str) -> Iterator[World]:
    """The world KIND ("old" or "field"), running; its resolver is LAB_DNS."""
    dns = LabDnsServer(host=LAB_DNS[0], port=LAB_DNS[1])
    mail = {f"{site}.{service}": {"greeting_delay": DELAY_S} for site in SITES for service in MAIL_SERVICES}
    web = {site: {"route": Route(delay_s=DELAY_S, body=login_page())} for site in SITES}
    with World(root, dns=dns, mail=mail, web=web) as world:
        world.dns.set_faults(delay=DELAY_S)
        if kind == "old":
            yield world
            return
        with _field(world) as extra:
            world.dns.set_faults(delay=DELAY_S)
            extra.set_faults(delay=DELAY_S)
            yield world


def dns_servers(world: World) -> list[LabDnsServer]:
    """Every lab DNS server the check may ask in WORLD (the resolver first)."""
    return [world.dns, *getattr(world, "_bench_authorities", [])]


@contextlib.contextmanager
def _field(world: World) -> Iterator[LabDnsServer]:
    servers = [_overseas(world, service) for service in MAIL_SERVICES]
    dual = _dual_stack(world)
    for server in [*servers, *dual]:
        world._run(server.start())  # type: ignore[arg-type]
    zone = world._zone()
    for host in OVERSEAS.values():
        zone[host] = {"A": [OVERSEAS_IP]}
    if dual:
        for service in (*MAIL_SERVICES, "web"):
            zone[PROVIDER.host(service)]["AAAA"] = [DUAL_STACK_IP]
    for domain in DELEGATED:
        zone.setdefault(domain, {})["NS"] = [f"ns1.{domain}."]
        zone.setdefault(f"ns1.{domain}", {})["A"] = [AUTHORITY[0]]
    world.dns.set_zone(zone)
    profile = world.providers_dir / f"{PROVIDER.id}.toml"
    profile.write_text(profile.read_text(encoding="utf-8") + "".join(
        OVERSEAS_PROFILE.format(protocol=service, host=host, port=world.ports[service])
        for service, host in OVERSEAS.items()), encoding="utf-8")
    authority = LabDnsServer(host=AUTHORITY[0], port=AUTHORITY[1])
    authority.start_in_thread()
    authority.set_zone(zone)
    world._bench_authorities = [authority]  # type: ignore[attr-defined]
    try:
        yield authority
    finally:
        authority.stop_thread()
        for server in [*servers, *dual]:
            with contextlib.suppress(Exception):
                world._run(server.stop())  # type: ignore[arg-type]


def _overseas(world: World, service: str) -> MailServer:
    return MailServer(service, tls="implicit", lab=world.certs, hostname=OVERSEAS[service],  # type: ignore[arg-type]
                      host=OVERSEAS_IP, listen_port=world.ports[service], greeting_delay=DELAY_S)


def _dual_stack(world: World) -> list[MailServer | WebServer]:
    """The provider's servers on ::1 too, on the world's ports; none when ::1 or a port there is not free (the
    world is then IPv4 only, and says so)."""
    import socket

    try:
        for port in world.ports.values():
            with socket.socket(socket.AF_INET6) as probe:
                probe.bind((DUAL_STACK_IP, port))
    except OSError as exc:
        print(f"  (field world: no dual stack, {DUAL_STACK_IP} unusable: {exc})")
        return []
    servers: list[MailServer | WebServer] = [
        MailServer(service, tls="implicit", lab=world.certs, hostname=PROVIDER.host(service),  # type: ignore[arg-type]
                   host=DUAL_STACK_IP, listen_port=world.ports[service], greeting_delay=DELAY_S)
        for service in MAIL_SERVICES]
    servers.append(WebServer({PROVIDER.web_path: Route(delay_s=DELAY_S, body=login_page())},
                              tls=world.certs.server_context(PROVIDER.web), host=DUAL_STACK_IP,
                              port=world.ports["web"]))
    return servers
