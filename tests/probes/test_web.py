"""Webmail probe scenarios against real HTTP(S) servers on loopback, names answered by a fake resolver."""

from __future__ import annotations

import asyncio
import re
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any, cast

import pytest

from mailprobe.evidence import Endpoint, Failure, Status, TlsMode
from mailprobe.kinds.web import WebVisit
from mailprobe.net.deadline import Deadline
from mailprobe.net.resolver import Answer, Resolver
from mailprobe.net.tls import TlsSettings
from mailprobe.probes import web
from mailprobe.probes.base import ProbeContext
from tests.lab.certs import CertLab
from tests.lab.steps import probe_once
from tests.lab.webserver import Route, WebServer, login_page, redirect, unused_port

HOST = "mail.corp.test"
SSO = "sso.corp.test"
CDN = "cdn.corp.test"
GONE = "gone.corp.test"


class FakeResolver:
    """Answers every name with 127.0.0.1, except the names in `missing` (NXDOMAIN); remembers questions."""

    def __init__(self, missing: tuple[str, ...] = (GONE,)) -> None:
        self.missing = set(missing)
        self.questions: list[tuple[str, str]] = []

    async def query(self, name: str, rdtype: str) -> Answer:
        self.questions.append((name, rdtype))
        if name in self.missing:
            return Answer(name=name, rdtype=rdtype, failure=Failure.NXDOMAIN, detail="no such domain")
        if rdtype == "AAAA":
            return Answer(name=name, rdtype=rdtype, failure=Failure.NO_ANSWER)
        return Answer(name=name, rdtype=rdtype, records=["127.0.0.1"])


class ExplodingResolver(FakeResolver):
    async def query(self, name: str, rdtype: str) -> Answer:
        raise RuntimeError("resolver bug")


@dataclass
class Lab:
    """Certificates, the CA bundle mailprobe is given (--ca-file), and the names the fake resolver answers."""

    certs: CertLab
    ca_file: str
    resolver: FakeResolver

    def https(self, routes: dict[str, Route | str], kind: str = "good", **options: Any) -> WebServer:
        return WebServer(routes, tls=self.certs.server_context(HOST, SSO, CDN, kind=kind), **options)

    def context(self, seconds: float = 5.0, resolver: FakeResolver | None = None) -> ProbeContext:
        return ProbeContext(
            deadline=Deadline(seconds),
            tls=TlsSettings(ca_file=str(self.ca_file)),
            resolver=cast(Resolver, resolver or self.resolver),
        )

    async def visit(
        self, server: WebServer, path: str = "/", seconds: float = 5.0, resolver: FakeResolver | None = None
    ) -> WebVisit:
        return await probe_once(web, endpoint(server, path), server.host, self.context(seconds, resolver))


@pytest.fixture
def lab(certs: CertLab, ca_file: str) -> Lab:
    return Lab(certs, ca_file, FakeResolver())


def failure(result: WebVisit) -> tuple[Failure, str] | None:
    return (result.error.kind, result.error.stage) if result.error is not None else None


def endpoint(server: WebServer, path: str = "/", host: str = HOST) -> Endpoint:
    tls = TlsMode.IMPLICIT if server.tls is not None else TlsMode.PLAIN
    return Endpoint(protocol="web", host=host, port=server.port, tls=tls, url=server.url(path, host=host))


async def test_healthy_login_page_passes_with_tls_facts_and_no_clock_offset(lab: Lab) -> None:
    async with lab.https({"/": login_page()}) as server:
        result = await lab.visit(server)
    assert result.status is Status.PASS, result.error
    assert result.id == f"web/{HOST}/127.0.0.1"
    assert (result.status_code, result.http_version) == (200, "HTTP/1.1")
    assert result.server_header == "mailprobe-lab"
    assert result.tls is not None and result.tls.verified and result.tls.version in ("TLSv1.2", "TLSv1.3")
    assert result.tls.certificate is not None and HOST in result.tls.certificate.san
    assert result.clock_offset_s is not None and abs(result.clock_offset_s) <= 2.0
    assert result.connect_ms is not None and result.ttfb_ms is not None and result.page_bytes
    assert result.redirects == [] and result.resources == []


async def test_probe_dials_the_given_address_with_sni_and_host_of_the_real_name(lab: Lab) -> None:
    async with lab.https({"/": "ok"}) as server:
        await lab.visit(server)
    [request] = server.requests
    assert request.sni == HOST
    assert request.host == f"{HOST}:{server.port}"
    assert lab.resolver.questions == []  # the engine's address was used, nothing resolved behind its back


@pytest.mark.parametrize(
    ("code", "expected", "failure"),
    [
        (503, Status.FAIL, Failure.HTTP_STATUS),
        (500, Status.FAIL, Failure.HTTP_STATUS),
        (404, Status.WARN, Failure.HTTP_STATUS),
        (401, Status.PASS, None),
        (403, Status.PASS, None),
        (429, Status.WARN, Failure.HTTP_STATUS),
    ],
)
async def test_http_status_decides_the_visit(lab: Lab, code: int, expected: Status, failure: Failure | None
) -> None:
    async with lab.https({"/": Route(status=code, body="status page")}) as server:
        result = await lab.visit(server)
    assert result.status is expected
    assert result.status_code == code
    assert (result.error.kind if result.error else None) == failure


async def test_redirect_chain_of_three_hops_to_another_host_passes_with_three_hops(lab: Lab) -> None:
    routes: dict[str, Route | str] = {
        f"{HOST}/": redirect("/webmail"),
        f"{HOST}/webmail": redirect(f"https://{SSO}:{{port}}/sso", 301),
        f"{SSO}/sso": redirect("/login?next=%2F", 303),
        f"{SSO}/login": login_page(),
    }
    async with lab.https(routes) as server:
        result = await lab.visit(server)
    assert result.status is Status.PASS, result.error
    assert [hop.status_code for hop in result.redirects] == [302, 301, 303]
    assert result.redirects[1].location == f"https://{SSO}:{server.port}/sso"
    assert result.final_url == f"https://{SSO}:{server.port}/login?next=%2F"
    assert (SSO, "A") in lab.resolver.questions
    assert [r.sni for r in server.requests] == [HOST, HOST, SSO, SSO]


async def test_redirect_loop_fails_redirect_loop(lab: Lab) -> None:
    async with lab.https({"/a": redirect("/b"), "/b": redirect("/a")}) as server:
        result = await lab.visit(server, "/a")
    assert result.status is Status.FAIL
    assert result.error is not None and result.error.kind is Failure.REDIRECT_LOOP
    assert result.error.stage == "redirect"
    assert len(result.redirects) == 2


async def test_endless_redirects_fail_too_many_redirects(lab: Lab) -> None:
    routes: dict[str, Route | str] = {f"/r{i}": redirect(f"/r{i + 1}") for i in range(20)}
    async with lab.https(routes) as server:
        result = await lab.visit(server, "/r0")
    assert result.error is not None and result.error.kind is Failure.TOO_MANY_REDIRECTS
    assert len(result.redirects) == web.MAX_REDIRECTS + 1
    assert len(server.requests) == web.MAX_REDIRECTS + 1


async def test_ten_redirects_are_still_followed(lab: Lab) -> None:
    routes: dict[str, Route | str] = {f"/r{i}": redirect(f"/r{i + 1}") for i in range(10)}
    routes["/r10"] = "landed"
    async with lab.https(routes) as server:
        result = await lab.visit(server, "/r0")
    assert result.status is Status.PASS, result.error
    assert len(result.redirects) == 10


async def test_redirect_to_unresolvable_host_fails_with_nxdomain_at_redirect(lab: Lab) -> None:
    async with lab.https({"/": redirect(f"https://{GONE}/login")}) as server:
        result = await lab.visit(server)
    assert result.status is Status.FAIL
    assert result.error is not None
    assert (result.error.kind, result.error.stage) == (Failure.NXDOMAIN, "redirect")
    assert GONE in result.error.detail
    assert (GONE, "A") in lab.resolver.questions


async def test_https_to_http_downgrade_is_recorded_as_a_hop_and_not_followed(lab: Lab) -> None:
    """SECURITY.md: never a scheme downgrade — it is a finding about the page, and plain HTTP gets nothing."""
    async with WebServer({"/plain": login_page()}) as plain:
        target = plain.url("/plain", host=SSO)
        async with lab.https({"/": redirect(target)}) as server:
            result = await lab.visit(server)
    assert result.status is Status.WARN
    assert result.error is not None and result.error.kind is Failure.DOWNGRADE
    assert result.redirects[0].location == target
    assert result.final_url == target
    assert plain.requests == []


async def test_server_clock_two_hours_ahead_shows_as_clock_offset(lab: Lab) -> None:
    async with lab.https({"/": Route(body="ok", date_offset_s=7200)}) as server:
        result = await lab.visit(server)
    assert result.status is Status.PASS
    assert result.clock_offset_s is not None and abs(result.clock_offset_s - 7200) <= 5
    assert result.server_date is not None


async def test_unparsable_date_header_leaves_clock_unknown(lab: Lab) -> None:
    async with lab.https({"/": Route(body="ok", date="yesterday-ish")}) as server:
        result = await lab.visit(server)
    assert result.status is Status.PASS
    assert (result.server_date, result.clock_offset_s) == (None, None)


async def test_expired_certificate_fails_tls_verify_and_still_records_the_page(lab: Lab) -> None:
    async with lab.https({"/": login_page()}, kind="expired") as server:
        result = await lab.visit(server)
    assert result.status is Status.FAIL
    assert failure(result) == (Failure.TLS_VERIFY, "tls")
    assert result.status_code == 200
    assert result.tls is not None and not result.tls.verified
    assert result.tls.verify_error == "expired" and result.tls.verify_message
    assert result.tls.certificate is not None
    assert result.tls.days_left is not None and result.tls.days_left < 0


async def test_expired_certificate_page_is_looked_at_unverified_but_its_resources_are_not_fetched(
    lab: Lab,
) -> None:
    """The unverified look after a certificate failure fetches the first page only (SECURITY.md): nothing else of
    the host goes over a connection whose certificate failed, not even the page's own script."""
    routes: dict[str, Route | str] = {"/": login_page("/app.js"), "/app.js": Route(body="1;")}
    async with lab.https(routes, kind="expired") as server:
        result = await lab.visit(server)
    assert failure(result) == (Failure.TLS_VERIFY, "tls")
    assert result.status_code == 200 and result.resources == []
    assert [r.path for r in server.requests] == ["/"]


async def test_untrusted_issuer_is_untrusted_and_the_issuer_is_recorded(lab: Lab) -> None:
    async with lab.https({"/": "ok"}, kind="untrusted") as server:
        result = await lab.visit(server)
    assert result.error is not None and result.error.kind is Failure.TLS_VERIFY
    assert result.tls is not None and result.tls.verify_error == "untrusted"
    assert result.tls.certificate is not None
    assert result.tls.certificate.issuer_org == "Interception Proxy CA"


async def test_certificate_for_another_host_is_hostname_mismatch(lab: Lab) -> None:
    async with lab.https({"/": "ok"}, kind="wrong_host") as server:
        result = await lab.visit(server)
    assert result.tls is not None and result.tls.verify_error == "hostname_mismatch"
    assert result.status is Status.FAIL and result.status_code == 200


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1:DeprecationWarning")
async def test_tls_1_1_only_server_is_legacy_tls_only(lab: Lab) -> None:
    tls = lab.certs.server_context(HOST, min_version=ssl.TLSVersion.TLSv1, max_version=ssl.TLSVersion.TLSv1_1)
    async with WebServer({"/": login_page()}, tls=tls) as server:
        result = await lab.visit(server)
    assert result.status is Status.FAIL
    assert failure(result) == (Failure.TLS_HANDSHAKE, "tls")
    # What happened, in the library's own code (the modern handshake's failure), never a sentence: summaries word
    # it, in the reader's language (issue 19: "TLS 交握失敗：the server offers only TLSv1.1 …").
    assert result.error is not None and re.fullmatch(r"[A-Z0-9_]+", result.error.detail), result.error.detail
    assert result.legacy_tls_only is True and result.legacy_tls_version == "TLSv1.1"
    assert result.status_code == 200  # webmail answers, but only to what browsers no longer speak
    assert result.tls is not None and result.tls.version == "TLSv1.1" and not result.tls.verified


def test_protocol_version_refusals_on_both_sides_count_as_legacy_only() -> None:
    assert web._refuses_old_versions("TLSV1_ALERT_PROTOCOL_VERSION", "NO_PROTOCOLS_AVAILABLE")
    assert not web._refuses_old_versions("SSLV3_ALERT_HANDSHAKE_FAILURE", "NO_PROTOCOLS_AVAILABLE")
    assert not web._refuses_old_versions("UNSUPPORTED_PROTOCOL", "connection reset")


async def test_refused_port_is_refused(lab: Lab) -> None:
    port = unused_port()
    point = Endpoint(protocol="web", host=HOST, port=port, tls=TlsMode.IMPLICIT, url=f"https://{HOST}:{port}/")
    result = await probe_once(web, point, "127.0.0.1", lab.context())
    assert result.status is Status.FAIL
    assert failure(result) == (Failure.REFUSED, "connect")
    assert result.tls is None and result.status_code is None


async def test_silent_server_times_out_within_the_deadline(lab: Lab) -> None:
    started = time.monotonic()
    async with lab.https({}, silent=True) as server:
        result = await lab.visit(server, seconds=1.5)
    assert time.monotonic() - started < 3.0
    assert failure(result) == (Failure.TIMEOUT, "tls")
    assert result.legacy_tls_only is None


async def test_server_that_never_answers_the_request_times_out_at_http(lab: Lab) -> None:
    started = time.monotonic()
    async with lab.https({"/": Route(silent=True)}) as server:
        result = await lab.visit(server, seconds=1.5)
    assert time.monotonic() - started < 3.0
    assert failure(result) == (Failure.TIMEOUT, "http")
    assert result.tls is not None and result.tls.verified


async def test_plain_http_webmail_passes_without_tls(lab: Lab) -> None:
    async with WebServer({"/": login_page()}) as server:
        result = await lab.visit(server)
    assert result.status is Status.PASS, result.error
    assert result.tls is None and result.status_code == 200


async def test_login_page_with_script_on_unresolvable_host_records_the_resource_as_failed(lab: Lab) -> None:
    async with lab.https({}) as server:
        logo = f"https://{CDN}:{server.port}/logo.png"
        server.routes.update({
            "/": Route(body=login_page("/static/app.css", f"https://{GONE}/sdk.js", logo, "/missing.js")),
            "/static/app.css": Route(body="body{}", content_type="text/css"),
            f"{CDN}/logo.png": Route(body=b"\x89PNG", content_type="image/png"),
        })
        result = await lab.visit(server)
    by_url = {resource.url: resource for resource in result.resources}
    assert result.status is Status.WARN
    failed = by_url[f"https://{GONE}/sdk.js"]
    assert failed.status is Status.FAIL and failed.error is not None
    assert (failed.error.kind, failed.error.stage) == (Failure.NXDOMAIN, "resolve")
    assert by_url[f"https://{HOST}:{server.port}/static/app.css"].status is Status.PASS
    assert by_url[f"https://{CDN}:{server.port}/logo.png"].status_code == 200
    missing = by_url[f"https://{HOST}:{server.port}/missing.js"]
    assert missing.status is Status.FAIL and missing.status_code == 404
    assert {r.sni for r in server.requests} == {HOST, CDN}


async def test_resource_on_a_refused_port_is_refused(lab: Lab) -> None:
    dead = f"https://{CDN}:{unused_port()}/app.js"
    async with lab.https({"/": login_page(dead)}) as server:
        result = await lab.visit(server)
    [resource] = result.resources
    assert resource.error is not None and resource.error.kind is Failure.REFUSED
    assert result.status is Status.WARN


async def test_at_most_five_distinct_resources_are_fetched(lab: Lab) -> None:
    refs = [f"/s{i}.js" for i in range(8)]
    routes: dict[str, Route | str] = {"/": login_page(*refs, *refs)}
    routes.update({ref: Route(body="1;", content_type="text/javascript") for ref in refs})
    async with lab.https(routes) as server:
        result = await lab.visit(server)
    assert result.status is Status.PASS
    assert len(result.resources) == web.MAX_RESOURCES
    assert len(server.requests) == 1 + web.MAX_RESOURCES


async def test_oversized_page_is_read_only_up_to_the_bound(lab: Lab) -> None:
    async with lab.https({"/": Route(body=b"x" * (web.PAGE_LIMIT * 2), content_type="text/plain")}) as server:
        result = await lab.visit(server)
    assert result.status is Status.PASS
    assert result.page_bytes == web.PAGE_LIMIT


async def test_proxy_environment_is_ignored(lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead_proxy = f"http://127.0.0.1:{unused_port()}"
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.setenv(name, dead_proxy)
    async with lab.https({"/": "ok"}) as server:
        result = await lab.visit(server)
    assert result.status is Status.PASS, result.error


async def test_resolver_bug_is_reported_as_internal_never_raised(lab: Lab) -> None:
    async with lab.https({"/": redirect(f"https://{SSO}/")}) as server:
        result = await lab.visit(server, resolver=ExplodingResolver())
    assert result.status is Status.FAIL
    assert result.error is not None and result.error.kind is Failure.INTERNAL
    assert "resolver bug" in result.error.detail


async def test_spent_deadline_times_out_without_touching_the_network(lab: Lab) -> None:
    async with lab.https({"/": "ok"}) as server:
        result = await lab.visit(server, seconds=0.0)
    assert result.error is not None and result.error.kind is Failure.TIMEOUT
    assert server.requests == []


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback here")
async def test_ipv6_address_is_dialled_in_brackets(lab: Lab) -> None:
    async with lab.https({"/": "ok"}, host="::1") as server:
        result = await probe_once(web, endpoint(server), "::1", lab.context())
    assert result.status is Status.PASS, result.error
    assert result.id == f"web/{HOST}/::1"
    assert server.requests[0].host == f"{HOST}:{server.port}"


async def test_lab_server_runs_in_a_background_thread(lab: Lab) -> None:
    with lab.https({"/": login_page()}) as server:
        result = await lab.visit(server)
        assert server.requests[0].sni == HOST
    assert result.status is Status.PASS, result.error
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", server.port)
