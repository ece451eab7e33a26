"""Autoconfig discovery scenarios: lab HTTPS server and lab DNS server on loopback, the lab CA as --ca-file."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from mailprobe.address import parse_address
from mailprobe.evidence import Endpoint, Expect, Failure, Role, Status, TlsMode
from mailprobe.kinds.web import WebVisit
from mailprobe.net.deadline import Deadline
from mailprobe.net.resolver import Answer, Resolver
from mailprobe.net.tls import TlsSettings
from mailprobe.probes import autoconfig
from mailprobe.probes.base import ProbeContext
from mailprobe.timeouts import Timeouts
from tests.lab.certs import CertLab
from tests.lab.dnsserver import LabDnsServer
from tests.lab.webserver import Route, WebServer, redirect

DOMAIN = "corp.test"
AUTOCONFIG = f"autoconfig.{DOMAIN}"
ADDRESS = f"alice@{DOMAIN}"
AUTOCONFIG_PATH = f"{AUTOCONFIG}/mail/config-v1.1.xml"
WELL_KNOWN_PATH = f"{DOMAIN}/.well-known/autoconfig/mail/config-v1.1.xml"


def client_config(*servers: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<clientConfig version="1.1">'
        f'<emailProvider id="{DOMAIN}"><domain>{DOMAIN}</domain>{"".join(servers)}</emailProvider></clientConfig>'
    )


def server(
    element: str, kind: str, host: str, port: object, socket_type: str, username: str | None = "%EMAILADDRESS%"
) -> str:
    user = f"<username>{username}</username>" if username is not None else ""
    return (
        f'<{element} type="{kind}"><hostname>{host}</hostname><port>{port}</port>'
        f"<socketType>{socket_type}</socketType>{user}"
        f"<authentication>password-cleartext</authentication></{element}>"
    )


GOOD_CONFIG = client_config(
    server("incomingServer", "imap", "imap.corp.test", 993, "SSL"),
    server("incomingServer", "pop3", "pop.corp.test", 995, "SSL", "%EMAILLOCALPART%"),
    server("outgoingServer", "smtp", "smtp.corp.test", 587, "STARTTLS"),
)


def xml(body: str | bytes, status: int = 200) -> Route:
    return Route(status=status, body=body, content_type="text/xml")


@dataclass
class Lab:
    certs: CertLab
    ca_file: str
    dns: LabDnsServer

    def https(self, routes: dict[str, Route | str], kind: str = "good", silent: bool = False) -> WebServer:
        tls = self.certs.server_context(AUTOCONFIG, DOMAIN, kind=kind)
        return WebServer(routes, tls=tls, silent=silent)

    def context(self, seconds: float = 8.0, autoconfig: float = 3.0) -> ProbeContext:
        deadline = Deadline(seconds, timeouts=Timeouts(total=seconds, autoconfig=autoconfig))
        return ProbeContext(
            deadline=deadline, tls=TlsSettings(ca_file=str(self.ca_file)),
            resolver=Resolver(deadline, self.dns.nameservers),
        )

    async def discover(
        self, server: WebServer, seconds: float = 8.0, autoconfig_cap: float = 3.0
    ) -> tuple[dict[str, WebVisit], list[Endpoint]]:
        observations, endpoints = await autoconfig.discover(
            parse_address(ADDRESS), self.context(seconds, autoconfig_cap), port=server.port
        )
        visits = {}
        for observation in observations:
            assert isinstance(observation, WebVisit)
            visits[observation.host] = observation
        return visits, endpoints


@pytest.fixture
async def lab(certs: CertLab, ca_file: str) -> AsyncIterator[Lab]:
    zone = {AUTOCONFIG: {"A": ["127.0.0.1"]}, DOMAIN: {"A": ["127.0.0.1"], "MX": ["10 mx.corp.test."]}}
    async with LabDnsServer(zone) as dns:
        yield Lab(certs, ca_file, dns)


def kinds(visit: WebVisit) -> tuple[Status, Failure | None]:
    return visit.status, visit.error.kind if visit.error is not None else None


async def test_valid_config_on_the_autoconfig_host_gives_the_domains_servers(lab: Lab) -> None:
    async with lab.https({AUTOCONFIG_PATH: xml(GOOD_CONFIG)}) as web:
        visits, endpoints = await lab.discover(web)
    assert [(e.protocol, e.host, e.port, e.tls) for e in endpoints] == [
        ("imap", "imap.corp.test", 993, TlsMode.IMPLICIT),
        ("pop3", "pop.corp.test", 995, TlsMode.IMPLICIT),
        ("smtp", "smtp.corp.test", 587, TlsMode.STARTTLS),
    ]
    assert all((e.role, e.expect, e.label) == (Role.PROVIDER, Expect.REQUIRED, "autoconfig") for e in endpoints)
    found = visits[AUTOCONFIG]
    assert found.status is Status.PASS, found.error
    assert (found.kind, found.role, found.expect) == ("web", Role.CANDIDATE, Expect.CANDIDATE)
    assert found.id == f"autoconfig/{AUTOCONFIG}/127.0.0.1"
    assert found.status_code == 200 and found.tls is not None and found.tls.verified
    assert found.page_bytes == len(GOOD_CONFIG.encode())
    assert kinds(visits[DOMAIN]) == (Status.SKIP, Failure.HTTP_STATUS)  # the well-known URL: 404


async def test_each_url_is_dialled_at_its_resolved_address_with_sni_host_and_the_address(lab: Lab) -> None:
    async with lab.https({AUTOCONFIG_PATH: xml(GOOD_CONFIG)}) as web:
        await lab.discover(web)
    by_sni = {request.sni: request for request in web.requests}
    assert set(by_sni) == {AUTOCONFIG, DOMAIN}
    assert by_sni[AUTOCONFIG].host == f"{AUTOCONFIG}:{web.port}"
    assert by_sni[AUTOCONFIG].path == f"/mail/config-v1.1.xml?emailaddress={ADDRESS}"
    assert by_sni[DOMAIN].path == f"/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress={ADDRESS}"
    asked = {(q.name, q.rdtype) for q in lab.dns.queries}
    assert {(AUTOCONFIG, "A"), (DOMAIN, "A")} <= asked


async def test_username_forms_are_kept_for_client_settings(lab: Lab) -> None:
    async with lab.https({AUTOCONFIG_PATH: xml(GOOD_CONFIG)}) as web:
        found = await autoconfig.discover_servers(parse_address(ADDRESS), lab.context(), port=web.port)
    assert [(s.protocol, s.username) for s in found.servers] == [
        ("imap", "address"), ("pop3", "local_part"), ("smtp", "address"),
    ]


async def test_emaildomain_placeholder_is_replaced_by_the_domain(lab: Lab) -> None:
    config = client_config(
        server("incomingServer", "imap", "imap.%EMAILDOMAIN%", 993, "SSL"),
        server("outgoingServer", "smtp", "%EMAILDOMAIN%", 465, "SSL"),
    )
    async with lab.https({AUTOCONFIG_PATH: xml(config)}) as web:
        _, endpoints = await lab.discover(web)
    assert [(e.host, e.port) for e in endpoints] == [("imap.corp.test", 993), ("corp.test", 465)]


async def test_config_only_on_the_well_known_url_is_found_there(lab: Lab) -> None:
    async with lab.https({WELL_KNOWN_PATH: xml(GOOD_CONFIG)}) as web:
        visits, endpoints = await lab.discover(web)
    assert len(endpoints) == 3
    assert visits[DOMAIN].status is Status.PASS
    assert kinds(visits[AUTOCONFIG]) == (Status.SKIP, Failure.HTTP_STATUS)


async def test_the_autoconfig_host_wins_when_both_urls_answer(lab: Lab) -> None:
    other = client_config(server("incomingServer", "imap", "old.corp.test", 993, "SSL"))
    async with lab.https({AUTOCONFIG_PATH: xml(GOOD_CONFIG), WELL_KNOWN_PATH: xml(other)}) as web:
        visits, endpoints = await lab.discover(web)
    assert "old.corp.test" not in {e.host for e in endpoints}
    assert visits[DOMAIN].status is Status.PASS  # still recorded as seen


async def test_billion_laughs_document_is_refused_before_parsing(lab: Lab) -> None:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        "<clientConfig><emailProvider><incomingServer type=\"imap\"><hostname>&lol2;.corp.test</hostname>"
        "<port>993</port><socketType>SSL</socketType></incomingServer></emailProvider></clientConfig>"
    )
    async with lab.https({AUTOCONFIG_PATH: xml(laughs)}) as web:
        visits, endpoints = await lab.discover(web)
    assert endpoints == []
    visit = visits[AUTOCONFIG]
    assert kinds(visit) == (Status.FAIL, Failure.BAD_REPLY)
    assert visit.error is not None and visit.error.stage == "autoconfig" and "DTD" in visit.error.detail


@pytest.mark.parametrize(
    "document",
    [
        '<!doctype clientConfig SYSTEM "file:///etc/passwd"><clientConfig/>',
        '<?xml version="1.0"?><clientConfig><!ENTITY x SYSTEM "http://127.0.0.1/"></clientConfig>',
    ],
)
def test_any_dtd_or_entity_declaration_is_refused(document: str) -> None:
    with pytest.raises(autoconfig.ConfigError, match="DTD"):
        autoconfig.parse_config(document.encode(), DOMAIN)


async def test_oversized_config_is_cut_at_the_bound_and_not_used(lab: Lab) -> None:
    padding = "<!--" + "x" * (2 * autoconfig.CONFIG_LIMIT) + "-->"
    body = GOOD_CONFIG.replace("</clientConfig>", padding + "</clientConfig>")
    async with lab.https({AUTOCONFIG_PATH: xml(body)}) as web:
        visits, endpoints = await lab.discover(web)
    assert endpoints == []
    visit = visits[AUTOCONFIG]
    assert kinds(visit) == (Status.FAIL, Failure.BAD_REPLY)
    assert visit.page_bytes == autoconfig.CONFIG_LIMIT


async def test_missing_autoconfig_host_is_skipped_without_endpoints(lab: Lab) -> None:
    lab.dns.remove_name(AUTOCONFIG)
    async with lab.https({WELL_KNOWN_PATH: xml("", status=404)}) as web:
        visits, endpoints = await lab.discover(web)
    assert endpoints == []
    missing = visits[AUTOCONFIG]
    assert kinds(missing) == (Status.SKIP, Failure.NXDOMAIN)
    assert missing.error is not None and missing.error.stage == "resolve" and missing.address is None
    assert missing.id == f"autoconfig/{AUTOCONFIG}"
    assert kinds(visits[DOMAIN]) == (Status.SKIP, Failure.HTTP_STATUS)
    assert {r.sni for r in web.requests} == {DOMAIN}


async def test_not_found_on_both_urls_is_skipped(lab: Lab) -> None:
    async with lab.https({}) as web:
        visits, endpoints = await lab.discover(web)
    assert endpoints == []
    assert {host: (v.status, v.status_code) for host, v in visits.items()} == {
        AUTOCONFIG: (Status.SKIP, 404), DOMAIN: (Status.SKIP, 404),
    }


async def test_server_error_is_a_failure_not_a_skip(lab: Lab) -> None:
    async with lab.https({AUTOCONFIG_PATH: xml("oops", status=500)}) as web:
        visits, _ = await lab.discover(web)
    assert kinds(visits[AUTOCONFIG]) == (Status.FAIL, Failure.HTTP_STATUS)


async def test_certificate_for_another_host_gives_no_endpoints_and_records_tls_verify(lab: Lab) -> None:
    async with lab.https({AUTOCONFIG_PATH: xml(GOOD_CONFIG)}, kind="wrong_host") as web:
        visits, endpoints = await lab.discover(web)
    assert endpoints == []
    visit = visits[AUTOCONFIG]
    assert kinds(visit) == (Status.FAIL, Failure.TLS_VERIFY)
    assert visit.tls is not None and not visit.tls.verified
    assert visit.tls.verify_error == "hostname_mismatch"
    assert web.requests == []  # nothing was asked over a connection that did not verify


async def test_untrusted_issuer_is_not_trusted_without_the_ca_file(lab: Lab) -> None:
    async with lab.https({AUTOCONFIG_PATH: xml(GOOD_CONFIG)}, kind="untrusted") as web:
        visits, endpoints = await lab.discover(web)
    tls = visits[AUTOCONFIG].tls
    assert endpoints == []
    assert tls is not None and tls.verify_error == "untrusted"


async def test_silent_server_is_bounded_by_the_cap_not_the_deadline(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = time.monotonic()
    async with lab.https({}, silent=True) as web:
        visits, endpoints = await lab.discover(web, seconds=8.0, autoconfig_cap=1.0)
    assert time.monotonic() - started < 2.5
    assert endpoints == []
    assert all(kinds(v) == (Status.SKIP, Failure.TIMEOUT) for v in visits.values())


async def test_https_redirect_is_followed_and_plain_http_redirect_is_refused(lab: Lab) -> None:
    routes: dict[str, Route | str] = {
        AUTOCONFIG_PATH: redirect(f"https://{DOMAIN}:{{port}}/autoconfig.xml", 301),
        f"{DOMAIN}/autoconfig.xml": xml(GOOD_CONFIG),
        WELL_KNOWN_PATH: redirect(f"http://{DOMAIN}/config.xml"),
    }
    async with lab.https(routes) as web:
        visits, endpoints = await lab.discover(web)
    assert len(endpoints) == 3
    followed = visits[AUTOCONFIG]
    assert followed.status is Status.PASS and [hop.status_code for hop in followed.redirects] == [301]
    assert followed.final_url == f"https://{DOMAIN}:{web.port}/autoconfig.xml"
    refused = visits[DOMAIN]
    assert kinds(refused) == (Status.FAIL, Failure.BAD_REPLY)
    assert refused.error is not None and "not HTTPS" in refused.error.detail


async def test_spent_deadline_touches_nothing_and_raises_nothing(lab: Lab) -> None:
    async with lab.https({AUTOCONFIG_PATH: xml(GOOD_CONFIG)}) as web:
        visits, endpoints = await lab.discover(web, seconds=0.0)
    assert endpoints == [] and web.requests == []
    assert all(v.status is Status.SKIP for v in visits.values())


class ExplodingResolver:
    async def query(self, name: str, rdtype: str) -> Answer:
        raise RuntimeError("resolver bug")


async def test_resolver_bug_is_reported_as_internal_never_raised(lab: Lab) -> None:
    deadline = Deadline(5.0)
    ctx = ProbeContext(deadline=deadline, tls=TlsSettings(ca_file=str(lab.ca_file)),
                       resolver=ExplodingResolver())  # type: ignore[arg-type]
    observations, endpoints = await autoconfig.discover(parse_address(ADDRESS), ctx, port=1)
    assert endpoints == [] and len(observations) == 2
    assert all(o.error is not None and o.error.kind is Failure.INTERNAL for o in observations)


def test_urls_are_the_two_https_ones_with_the_address() -> None:
    urls = [str(u) for u in autoconfig.config_urls(parse_address("bob@Example.COM"))]
    assert urls == [
        "https://autoconfig.example.com/mail/config-v1.1.xml?emailaddress=bob@example.com",
        "https://example.com/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=bob@example.com",
    ]


# --- parsing, no network ------------------------------------------------------------------------


def parse(*servers: str) -> list[tuple[str, str, int, TlsMode]]:
    found = autoconfig.parse_config(client_config(*servers).encode(), DOMAIN)
    return [(s.protocol, s.host, s.port, s.tls) for s in found]


def test_socket_types_map_to_tls_modes_and_plain_is_only_optional() -> None:
    config = client_config(
        server("incomingServer", "imap", "a.corp.test", 993, "SSL"),
        server("incomingServer", "imap", "b.corp.test", 143, "STARTTLS"),
        server("incomingServer", "pop3", "c.corp.test", 110, "plain"),
    )
    found = autoconfig.parse_config(config.encode(), DOMAIN)
    assert [s.tls for s in found] == [TlsMode.IMPLICIT, TlsMode.STARTTLS, TlsMode.PLAIN]
    assert [s.endpoint().expect for s in found] == [Expect.REQUIRED, Expect.REQUIRED, Expect.OPTIONAL]


@pytest.mark.parametrize(
    ("host", "port", "socket_type"),
    [
        ("-bad-.corp.test", 993, "SSL"),
        ("127.0.0.1", 993, "SSL"),
        ("localhost", 993, "SSL"),
        ("imap.%EMAILLOCALPART%.corp.test", 993, "SSL"),
        ("imap corp.test", 993, "SSL"),
        ("imap.corp.test", 0, "SSL"),
        ("imap.corp.test", 70000, "SSL"),
        ("imap.corp.test", "nine", "SSL"),
        ("imap.corp.test", 993, "TLS-ish"),
    ],
)
def test_invalid_hosts_ports_and_socket_types_are_ignored(host: str, port: object, socket_type: str) -> None:
    assert parse(server("incomingServer", "imap", host, port, socket_type)) == []


def test_unknown_server_types_are_ignored_and_duplicates_kept_once() -> None:
    found = parse(
        server("incomingServer", "exchange", "ews.corp.test", 443, "SSL"),
        server("outgoingServer", "imap", "odd.corp.test", 993, "SSL"),
        server("incomingServer", "imap", "IMAP.corp.test.", 993, "SSL"),
        server("incomingServer", "imap", "imap.corp.test", 993, "SSL"),
    )
    assert found == [("imap", "imap.corp.test", 993, TlsMode.IMPLICIT)]


def test_unicode_host_names_are_sent_as_idna() -> None:
    found = parse(server("incomingServer", "imap", "邮件.corp.test", 993, "SSL"))
    assert found == [("imap", "xn--5nq051n.corp.test", 993, TlsMode.IMPLICIT)]


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (b"\xff\xfe<\x00c\x00", "UTF-8"),
        (b"<clientConfig><incomingServer>", "well-formed"),
        (b"<html><body>parked domain</body></html>", "clientConfig"),
    ],
)
def test_documents_that_are_not_a_client_config_are_refused(document: bytes, reason: str) -> None:
    with pytest.raises(autoconfig.ConfigError, match=reason):
        autoconfig.parse_config(document, DOMAIN)
