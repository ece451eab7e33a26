"""A loopback DNS server for tests and benchmarks: a zone as a plain dict, UDP and TCP, injected faults."""

from __future__ import annotations

import asyncio
import ipaddress
import struct
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from types import TracebackType
from typing import Literal, Self, cast

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.CNAME
import dns.rrset

Zone = Mapping[str, Mapping[str, Sequence[str]]]
Transport = Literal["udp", "tcp"]
_Node = dict[dns.rdatatype.RdataType, dns.rrset.RRset]
_Compiled = dict[dns.name.Name, _Node]

DEFAULT_TTL = 300
MAX_CNAME_CHAIN = 8
# Negative answers carry an SOA (RFC 2308); when the zone defines none, this one stands in.
LAB_SOA = "ns.lab.invalid. hostmaster.lab.invalid. 1 3600 600 86400 60"
START_TIMEOUT_S = 10.0
CLASSIC_UDP_SIZE = 512


@dataclass(frozen=True)
class Faults:
    """What the server does wrong: for one name, or for every name (global)."""

    servfail: bool = False
    refused: bool = False
    drop: bool = False  # never answer: the client times out
    nxdomain_everything: bool = False  # a captive portal or a broken local resolver
    delay: float = 0.0  # seconds before answering (or before dropping)
    truncate: bool = False  # UDP answers come back empty with TC set; TCP answers are whole
    lose_first: int = 0  # the first N UDP questions of each name and type are lost (a lossy link)

    def merged(self, other: Faults) -> Faults:
        return Faults(
            servfail=self.servfail or other.servfail,
            refused=self.refused or other.refused,
            drop=self.drop or other.drop,
            nxdomain_everything=self.nxdomain_everything or other.nxdomain_everything,
            delay=max(self.delay, other.delay),
            truncate=self.truncate or other.truncate,
            lose_first=max(self.lose_first, other.lose_first),
        )


NO_FAULTS = Faults()
FAULT_NAMES = frozenset(f.name for f in fields(Faults))


@dataclass(frozen=True)
class Query:
    """One question the server received, as logged."""

    name: str  # lower-case, no trailing dot
    rdtype: str
    transport: Transport
    at: float = field(default_factory=time.monotonic, compare=False)  # when it arrived


def compile_zone(zone: Zone, ttl: int = DEFAULT_TTL) -> _Compiled:
    """Parse the plain-dict zone now, so that a typo fails the test that wrote it, not a query later."""
    compiled: _Compiled = {}
    for owner, types in zone.items():
        node: _Node = {}
        for rdtype, values in types.items():
            rrset = _rrset(owner, rdtype, values, ttl)
            node[rrset.rdtype] = rrset
        compiled[_name(owner)] = node
    return compiled


def _name(text: str) -> dns.name.Name:
    return dns.name.from_text(text.strip() or ".")


def _rrset(owner: str, rdtype: str, values: Sequence[str], ttl: int) -> dns.rrset.RRset:
    if isinstance(values, str):
        raise TypeError(f"{owner} {rdtype}: give a list of record texts, not one string")
    return dns.rrset.from_text_list(
        _name(owner), ttl, "IN", rdtype.upper(), list(values), origin=dns.name.root, relativize=False
    )


def _text(name: dns.name.Name) -> str:
    return name.to_text(omit_final_dot=True).lower() if name != dns.name.root else "."


class LabDnsServer:
    """An asyncio DNS server on loopback, UDP and TCP on the same port.

    `async with LabDnsServer(zone) as server:` in async tests; `with LabDnsServer(zone) as server:` runs it
    in a background thread with its own loop (for subprocesses given `--nameserver server.nameserver`).
    Zone and faults may be changed from any thread while it runs.
    """

    def __init__(
        self, zone: Zone | None = None, *, host: str = "127.0.0.1", port: int = 0, ttl: int = DEFAULT_TTL,
        authoritative: bool = True,
    ) -> None:
        self.authoritative = authoritative  # False: answers like a recursive resolver (no AA flag)
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"the lab DNS server listens on loopback only, not {host}")
        self.host = host
        self.ttl = ttl
        self._requested_port = port
        self._port = 0
        self._lock = threading.Lock()
        self._zone: _Compiled = compile_zone(zone or {}, ttl)
        self._faults: dict[dns.name.Name | None, Faults] = {}
        self._queries: list[Query] = []
        self._lost: dict[tuple[str, str], int] = {}  # lose_first: how many of each question were lost so far
        self._hijack_a: str | None = None  # every A question answered with this address (a portal's resolver)
        self._udp: asyncio.DatagramTransport | None = None
        self._tcp: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._thread: threading.Thread | None = None
        self._thread_loop: asyncio.AbstractEventLoop | None = None

    # --- where it listens ------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("the lab DNS server is not started")
        return self._port

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port

    @property
    def nameservers(self) -> list[tuple[str, int]]:
        """What `Resolver(deadline, nameservers)` takes."""
        return [self.address]

    @property
    def nameserver(self) -> str:
        """What `--nameserver` takes: `127.0.0.1:PORT` or `[::1]:PORT`."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    # --- the zone, the faults and the query log (thread-safe) ------------------------------------

    def set_zone(self, zone: Zone) -> None:
        compiled = compile_zone(zone, self.ttl)
        with self._lock:
            self._zone = compiled

    def set_records(self, name: str, rdtype: str, values: Sequence[str]) -> None:
        """Replace one name's records of one type (an empty list removes them)."""
        owner = _name(name)
        rrset = _rrset(name, rdtype, values, self.ttl) if values else None
        kind = dns.rdatatype.from_text(rdtype.upper())
        with self._lock:
            zone = dict(self._zone)
            node = dict(zone.get(owner, {}))
            node.pop(kind, None)
            if rrset is not None:
                node[kind] = rrset
            zone[owner] = node
            self._zone = zone

    def remove_name(self, name: str) -> None:
        with self._lock:
            zone = dict(self._zone)
            zone.pop(_name(name), None)
            self._zone = zone

    def delegate(self, domain: str, authority: LabDnsServer, ns_host: str | None = None) -> str:
        """Serve NS for `domain` pointing at another lab server (its port is the caller's to pass on)."""
        ns_host = ns_host or f"ns1.{domain.rstrip('.')}"
        self.set_records(domain, "NS", [f"{ns_host.rstrip('.')}."])
        self.set_records(ns_host, "AAAA" if ":" in authority.host else "A", [authority.host])
        return ns_host

    def set_faults(self, name: str | None = None, **faults: bool | float) -> None:
        """`set_faults(servfail=True)` for every name, `set_faults("example.com", drop=True)` for one."""
        unknown = set(faults) - FAULT_NAMES
        if unknown:
            raise TypeError(f"unknown fault(s): {', '.join(sorted(unknown))}")
        value = Faults(**faults)  # type: ignore[arg-type]
        with self._lock:
            self._faults[None if name is None else _name(name)] = value

    def hijack_a(self, address: str | None) -> None:
        """Answer every A question, whatever the name, with ADDRESS, as a captive portal's resolver does;
        other types still come from the zone. None: answer from the zone again."""
        if address is not None and not ipaddress.ip_address(address).is_loopback:
            raise ValueError(f"the lab sends names to loopback only, not {address}")
        with self._lock:
            self._hijack_a = address

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def queries(self) -> list[Query]:
        with self._lock:
            return list(self._queries)

    def clear_queries(self) -> None:
        with self._lock:
            self._queries.clear()

    def _snapshot(
        self, qname: dns.name.Name, rdtype: dns.rdatatype.RdataType, transport: Transport
    ) -> tuple[_Compiled, Faults, str | None]:
        with self._lock:
            self._queries.append(Query(_text(qname), dns.rdatatype.to_text(rdtype), transport))
            faults = self._faults.get(None, NO_FAULTS).merged(self._faults.get(qname, NO_FAULTS))
            return self._zone, faults, self._hijack_a

    def _lose(self, qname: dns.name.Name, rdtype: dns.rdatatype.RdataType, first: int) -> bool:
        key = (_text(qname), dns.rdatatype.to_text(rdtype))
        with self._lock:
            lost = self._lost.get(key, 0)
            if lost >= first:
                return False
            self._lost[key] = lost + 1
            return True

    # --- answering -------------------------------------------------------------------------------

    async def respond(self, wire: bytes, transport: Transport) -> bytes | None:
        """The reply to one request in wire format, or None to stay silent."""
        try:
            request = dns.message.from_wire(wire)
        except dns.exception.DNSException:
            return None
        if not request.question:
            return None
        question = request.question[0]
        zone, faults, hijack_a = self._snapshot(question.name, question.rdtype, transport)
        if faults.lose_first and transport == "udp" and self._lose(question.name, question.rdtype, faults.lose_first):
            return None
        if faults.delay > 0:
            await asyncio.sleep(faults.delay)
        if faults.drop:
            return None
        response = dns.message.make_response(request, recursion_available=True)
        if self.authoritative:
            response.flags |= dns.flags.AA
        if faults.refused:
            response.set_rcode(dns.rcode.REFUSED)
        elif faults.servfail:
            response.set_rcode(dns.rcode.SERVFAIL)
        elif faults.nxdomain_everything:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif hijack_a is not None and question.rdtype == dns.rdatatype.A:
            response.answer.append(dns.rrset.from_text(question.name, self.ttl, "IN", "A", hijack_a))
        else:
            _fill(response, zone, question.name, question.rdtype)
        if transport == "udp":
            return _udp_wire(response, request, truncate=faults.truncate)
        return response.to_wire(max_size=65535)

    # --- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> Self:
        loop = asyncio.get_running_loop()
        # An ephemeral UDP port may be taken on TCP by someone else: try a few.
        for _ in range(1 if self._requested_port else 20):
            udp, _protocol = await loop.create_datagram_endpoint(
                lambda: _UdpProtocol(self), local_addr=(self.host, self._requested_port)
            )
            port = int(udp.get_extra_info("sockname")[1])
            try:
                self._tcp = await asyncio.start_server(self._serve_tcp, self.host, port)
            except OSError:
                udp.close()
                if self._requested_port:
                    raise
                continue
            self._udp, self._port = udp, port
            return self
        raise OSError("no free port for UDP and TCP together on loopback")

    async def stop(self) -> None:
        if self._udp is not None:
            self._udp.close()
            self._udp = None
        if self._tcp is not None:
            self._tcp.close()
            for writer in list(self._writers):
                writer.close()
            await self._tcp.wait_closed()
            self._tcp = None
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._port = 0

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    def start_in_thread(self) -> Self:
        """Run on a background thread with its own event loop; returns once it listens."""
        ready = threading.Event()
        failures: list[BaseException] = []
        loop = asyncio.new_event_loop()

        def run() -> None:
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:  # handed to the starting thread
                failures.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        thread = threading.Thread(target=run, name="lab-dns", daemon=True)
        thread.start()
        if not ready.wait(START_TIMEOUT_S):
            raise RuntimeError("the lab DNS server did not start")
        if failures:
            raise failures[0]
        self._thread, self._thread_loop = thread, loop
        return self

    def stop_thread(self) -> None:
        if self._thread is None or self._thread_loop is None:
            return
        self._thread_loop.call_soon_threadsafe(self._thread_loop.stop)
        self._thread.join(START_TIMEOUT_S)
        self._thread, self._thread_loop = None, None

    def __enter__(self) -> Self:
        return self.start_in_thread()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop_thread()

    # --- transports ------------------------------------------------------------------------------

    def _track(self, task: asyncio.Task[None]) -> None:
        """Keep answering tasks referenced, and cancellable when the server stops."""
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # The dialogue runs in its own task: asyncio's stream server reports a cancelled handler as an error.
        dialogue = asyncio.get_running_loop().create_task(self._tcp_dialogue(reader, writer))
        self._track(dialogue)
        self._writers.add(writer)
        try:
            await asyncio.wait([dialogue])
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _tcp_dialogue(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                (length,) = struct.unpack("!H", await reader.readexactly(2))
                reply = await self.respond(await reader.readexactly(length), "tcp")
                if reply is not None:
                    writer.write(struct.pack("!H", len(reply)) + reply)
                    await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass


class _UdpProtocol(asyncio.DatagramProtocol):
    def __init__(self, server: LabDnsServer) -> None:
        self.server = server
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # asyncio's selector datagram transport does not subclass DatagramTransport, it only behaves so.
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        self.server._track(asyncio.get_running_loop().create_task(self._reply(data, addr)))

    async def _reply(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        reply = await self.server.respond(data, "udp")
        if reply is not None and self.transport is not None and not self.transport.is_closing():
            self.transport.sendto(reply, addr)


def _fill(
    response: dns.message.Message, zone: _Compiled, qname: dns.name.Name, rdtype: dns.rdatatype.RdataType
) -> None:
    """Answer from the zone, following CNAMEs; NXDOMAIN for unknown names, SOA with every negative answer."""
    name = qname
    for _ in range(MAX_CNAME_CHAIN):
        node = zone.get(name)
        if node is None:
            if not _has_descendant(zone, name):
                response.set_rcode(dns.rcode.NXDOMAIN)
            break
        rrset = node.get(rdtype)
        if rrset is not None:
            response.answer.append(rrset)
            return
        cname = node.get(dns.rdatatype.CNAME)
        if cname is None:
            break
        response.answer.append(cname)
        target = next(iter(cname))
        assert isinstance(target, dns.rdtypes.ANY.CNAME.CNAME)
        name = target.target
    response.authority.append(_soa(zone, name))


def _has_descendant(zone: _Compiled, name: dns.name.Name) -> bool:
    """An empty non-terminal (`_tcp.example.com` under `_imaps._tcp.example.com`) exists: NOERROR, no data."""
    return any(owner != name and owner.is_subdomain(name) for owner in zone)


def _soa(zone: _Compiled, name: dns.name.Name) -> dns.rrset.RRset:
    apex: dns.name.Name | None = None
    for ancestor in _ancestors(name):
        node = zone.get(ancestor, {})
        if dns.rdatatype.SOA in node:
            return node[dns.rdatatype.SOA]
        if apex is None and dns.rdatatype.NS in node:
            apex = ancestor
    if apex is None:
        labels = name.labels
        apex = dns.name.Name(labels[-3:]) if len(labels) > 3 else name
    return dns.rrset.from_text(apex, 60, "IN", "SOA", LAB_SOA)


def _ancestors(name: dns.name.Name) -> list[dns.name.Name]:
    out = [name]
    while out[-1] != dns.name.root:
        out.append(out[-1].parent())
    return out


def _udp_wire(response: dns.message.Message, request: dns.message.Message, *, truncate: bool) -> bytes:
    limit = max(CLASSIC_UDP_SIZE, request.payload) if request.edns >= 0 else CLASSIC_UDP_SIZE
    if not truncate:
        try:
            return response.to_wire(max_size=limit)
        except dns.exception.TooBig:
            pass
    response.answer.clear()
    response.authority.clear()
    response.additional.clear()
    response.flags |= dns.flags.TC
    return response.to_wire(max_size=limit)
