"""A step mailprobe's own deadline cut off, or its own load starved, is "not tested": never evidence against DNS,
the network or a provider (issue 16). A property over hand-made evidence in which every step that did not pass
was cut off, in each way a run records it: by the engine (probes.cut_off), by a probe whose wait the deadline
ended (net/connect.cut_off), by mailprobe's own failure (out of sockets), or as a time-out a starved mailprobe
measured."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailprobe.address import parse_address
from mailprobe.compose import compose
from mailprobe.diagnosis.diagnose import diagnose, overall_status
from mailprobe.diagnosis.finding import Diagnosis
from mailprobe.diagnosis.unfinished import suggested_timeout, unfinished
from mailprobe.evidence import (
    Endpoint,
    ErrorFacts,
    Evidence,
    Expect,
    Failure,
    Observation,
    PlanSummary,
    Role,
    Status,
    TlsMode,
)
from mailprobe.kinds.baseline import Reachability
from mailprobe.kinds.dns import DnsLookup, MxRecord
from mailprobe.kinds.login import LoginAttempt
from mailprobe.kinds.mail import MailSession
from mailprobe.kinds.web import WebVisit
from mailprobe.net.connect import cut_off as probe_cut_off
from mailprobe.plan import Query, Session, Step
from mailprobe.probes import PROBES, cut_off
from mailprobe.profiles import load_profiles

TARGET = parse_address("li.lei@acme-trading.com")
BLAME = {"dns_resolution_problem", "network_problem", "server_outage"}
OVERLOADED_LAG_MS = 5000.0
HOSTS = {
    "imap": "imap.exmail.qq.com", "pop3": "pop.exmail.qq.com", "smtp": "smtp.exmail.qq.com", "web": "exmail.qq.com",
}
PORTS = {"imap": 993, "pop3": 995, "smtp": 465, "web": 443}
BASELINE_HOSTS = {
    "imap": ("imap.qiye.163.com", "imap.qiye.aliyun.com"), "pop3": ("pop.qiye.163.com", "pop.qiye.aliyun.com"),
    "smtp": ("smtp.qiye.163.com", "smtp.qiye.aliyun.com"), "web": ("qiye.163.com", "qiye.aliyun.com"),
}
# How a step that did not pass was ended: every one of them by mailprobe, never by what it tested.
HOW = st.sampled_from(["pass", "engine", "probe", "internal", "starved"])
STAGES = st.sampled_from(["connect", "tls", "greeting", "capabilities", "starttls", "http"])


@dataclass(frozen=True)
class Ending:
    how: str  # pass | engine | probe | internal | starved
    stage: str

    @property
    def starved(self) -> bool:
        return self.how == "starved"


ENDING = st.builds(Ending, HOW, STAGES)


def _error(ending: Ending, dns: bool = False) -> ErrorFacts:
    """How a step that mailprobe itself ended records it."""
    if ending.how == "probe":
        facts = probe_cut_off(ending.stage).facts
        return facts.model_copy(update={"kind": Failure.DNS_TIMEOUT}) if dns else facts
    if ending.how == "internal":
        return ErrorFacts(kind=Failure.INTERNAL, stage=ending.stage, detail="[Errno 24] Too many open files")
    if ending.how == "starved":  # an ordinary time-out, measured while mailprobe's event loop was starved
        kind = Failure.DNS_TIMEOUT if dns else Failure.TIMEOUT
        return ErrorFacts(kind=kind, stage="resolve" if dns else ending.stage, detail="no answer in time")
    raise AssertionError(ending)


def _by_engine(step: Step) -> Observation:
    """The engine's record of a step still running at the deadline (engine._cancel_late)."""
    late = cut_off(step)
    assert late is not None and late.unresolved is not None
    blank = PROBES[late.probe].blank
    assert blank is not None
    observation = blank(late)
    observation.status, observation.error = late.unresolved
    return observation


def mx(ending: Ending) -> DnsLookup:
    lookup = DnsLookup(id="dns.mx/acme-trading.com", target="acme-trading.com", status=Status.PASS,
                       name="acme-trading.com", rdtype="MX", purpose="mx", duration_ms=40.0,
                       mx=[MxRecord(preference=5, exchange="mxbiz1.qq.com")])
    if ending.how == "pass":
        return lookup
    if ending.how == "engine":
        return _by_engine(Step("dns.mx", Query(name="acme-trading.com")))  # type: ignore[return-value]
    return lookup.model_copy(update={"status": Status.ERROR, "mx": [], "error": _error(ending, dns=True)})


def lookup(purpose: str, name: str, rdtype: str, ending: Ending, ip: str) -> DnsLookup:
    status, error = Status.PASS, None
    if ending.how != "pass":
        # The engine records no DNS question but the MX and SPF: a cut-off lookup is the probe's record.
        how = Ending("probe", ending.stage) if ending.how == "engine" else ending
        status, error = Status.ERROR, _error(how, dns=True)
    return DnsLookup(id=f"dns.{purpose}/{name}/{rdtype}", target=name, status=status, name=name, rdtype=rdtype,
                     purpose=purpose, duration_ms=30.0, records=[ip] if error is None else [], error=error)


def endpoint(protocol: str, host: str, role: Role = Role.PROVIDER, expect: Expect = Expect.REQUIRED) -> Endpoint:
    return Endpoint(protocol=protocol, host=host, port=PORTS[protocol],  # type: ignore[arg-type]
                    tls=TlsMode.IMPLICIT, role=role, expect=expect,
                    provider_id="netease" if "163" in host else ("aliyun" if "aliyun" in host else None))


def service(protocol: str, ip: str, ending: Ending, expect: Expect = Expect.REQUIRED) -> Observation:
    point = endpoint(protocol, HOSTS[protocol] if expect != Expect.CANDIDATE else f"mail.{TARGET.domain_ascii}",
                     Role.CANDIDATE if expect == Expect.CANDIDATE else Role.PROVIDER, expect)
    step = Step(protocol, Session(endpoint=point, ip=ip))  # type: ignore[arg-type]
    if ending.how == "engine":
        return _by_engine(step)
    observation = PROBES[step.probe].blank(step)  # type: ignore[misc]
    observation.status, observation.error, observation.duration_ms = Status.PASS, None, 120.0
    if isinstance(observation, MailSession):
        observation.stage, observation.connect_ms, observation.greeting = "capabilities", 3.0, "* OK ready"
    if isinstance(observation, WebVisit):
        observation.status_code, observation.connect_ms = 200, 3.0
    if ending.how != "pass":
        error = _error(ending)
        observation.error = error
        observation.status = Status.FAIL if ending.starved else Status.ERROR  # as the probes record them
        if isinstance(observation, MailSession):
            observation.stage = ending.stage if ending.stage != "http" else "greeting"
            observation.greeting = None
        if isinstance(observation, WebVisit):
            observation.status_code = None
    return observation


def baseline(protocol: str, host: str, ip: str, ending: Ending) -> Observation:
    step = Step("baseline", Session(endpoint=endpoint(protocol, host, Role.BASELINE), ip=ip))
    if ending.how == "engine":
        return _by_engine(step)
    observation = PROBES["baseline"].blank(step)  # type: ignore[misc]
    assert isinstance(observation, Reachability)
    observation.connect_ms, observation.duration_ms = 3.0, 60.0
    if ending.how != "pass":
        observation.error = _error(ending)
        observation.status = Status.FAIL if ending.starved else Status.ERROR
    return observation


def login(ending: Ending, sent: bool) -> LoginAttempt:
    step = Step("login", Session(endpoint=endpoint("imap", HOSTS["imap"]), ip="127.0.0.11"))
    if ending.how in ("engine", "pass"):
        return _by_engine(step)  # type: ignore[return-value]
    attempt = PROBES["login"].blank(step)
    assert isinstance(attempt, LoginAttempt)
    attempt.outcome, attempt.status, attempt.credentials_sent, attempt.mechanism = "error", Status.ERROR, sent, "PLAIN"
    attempt.error = _error(ending)
    return attempt


@st.composite
def cut_off_evidence(draw: st.DrawFn) -> Evidence:
    """A run in which every step that did not pass was ended by mailprobe itself, and at least one did not."""
    observations: list[Observation] = [mx(draw(ENDING))]
    profile = draw(st.sampled_from(["qq", None]))
    names = draw(st.lists(st.sampled_from(sorted({*HOSTS.values(), "mail.google.com", "outlook.office365.com"})),
                          max_size=4, unique=True))
    for index, name in enumerate(names):
        observations.append(lookup("sanity", name, "A", draw(ENDING), f"127.0.1.{index + 1}"))
    protocols = draw(st.lists(st.sampled_from(sorted(HOSTS)), min_size=1, max_size=4, unique=True))
    for protocol in protocols:
        observations.append(lookup("host", HOSTS[protocol], "A", draw(ENDING), "127.0.0.11"))
        for ip in draw(st.lists(st.sampled_from(["127.0.0.11", "127.0.0.21", "::1"]), min_size=1, max_size=2,
                                unique=True)):
            observations.append(service(protocol, ip, draw(ENDING)))
        for host in draw(st.lists(st.sampled_from(BASELINE_HOSTS[protocol]), max_size=2, unique=True)):
            observations.append(baseline(protocol, host, "127.0.0.12" if "163" in host else "127.0.0.13",
                                         draw(ENDING)))
    if draw(st.booleans()):  # a guess of the generic plan
        observations.append(service("imap", "127.0.0.31", draw(ENDING), expect=Expect.CANDIDATE))
    if draw(st.booleans()):
        observations.append(login(draw(ENDING), sent=draw(st.booleans())))
    starved = any(o.error is not None and o.error.kind in (Failure.TIMEOUT, Failure.DNS_TIMEOUT)
                  and o.error.stage != "deadline" for o in observations)
    untested = [o for o in observations if o.status not in (Status.PASS, Status.WARN)]
    if not untested:
        observations.append(service(protocols[0], "127.0.0.41", Ending("probe", "greeting")))
    plan = PlanSummary(load_profiles().get(profile) if profile else None, "mx" if profile else "generic")
    plan.endpoints = [endpoint(p, HOSTS[p]) for p in protocols]
    timeout_s = draw(st.sampled_from([0.5, 1.2, 3.0]))
    lag_ms = OVERLOADED_LAG_MS if starved else draw(st.sampled_from([0.0, 40.0]))
    return Evidence(target=TARGET, plan=plan, observations=observations, timeout_s=timeout_s, loop_lag_ms=lag_ms)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cut_off_evidence())
def test_no_report_blames_dns_the_network_or_a_provider_for_what_its_own_deadline_cut_off(evidence: Evidence) -> None:
    findings = diagnose(evidence).findings

    assert not BLAME & {f.cause.value for f in findings}, [(f.cause.value, f.variant) for f in findings]
    assert findings == [], [(f.cause.value, f.variant) for f in findings]
    status = overall_status(evidence, findings)
    assert status in ("unknown", "ok")
    if status == "unknown":
        verdict = unfinished(evidence)
        assert verdict is not None and verdict.params["suggested"] > evidence.timeout_s


def test_a_login_the_deadline_cut_off_after_sending_is_not_a_refusal() -> None:
    evidence = Evidence(target=TARGET, plan=PlanSummary(load_profiles().get("qq"), "mx"), observations=[
        mx(Ending("pass", "connect")), service("imap", "127.0.0.11", Ending("pass", "connect")),
        login(Ending("probe", "auth"), sent=True),
    ])

    assert diagnose(evidence).findings == []
    assert overall_status(evidence, []) == "unknown"


def test_the_unfinished_verdict_says_what_answered_and_a_timeout_that_fits_in_every_language() -> None:
    from datetime import UTC, datetime

    observations = [mx(Ending("pass", "connect")), service("imap", "127.0.0.11", Ending("engine", "greeting")),
                    baseline("imap", "imap.qiye.163.com", "127.0.0.12", Ending("pass", "connect"))]
    observations[0].duration_ms = 470.0
    evidence = Evidence(target=TARGET, plan=PlanSummary(load_profiles().get("qq"), "mx"), observations=observations,
                        timeout_s=1.2)
    words = {
        "en": ("could not finish in the 1.2 s it had", "DNS 1, other providers 1", "470 ms", "--timeout 4"),
        "zh-Hans": ("在给定的 1.2 秒内没能完成", "DNS 1 项，其他服务商 1 项", "470 毫秒", "--timeout 4"),
        "zh-Hant": ("在給定的 1.2 秒內沒能完成", "DNS 1 項，其他服務商 1 項", "470 毫秒", "--timeout 4"),
    }
    for lang, expected in words.items():
        diagnosis = Diagnosis([], overall_status(evidence, []))
        report = compose(evidence, diagnosis, lang, datetime.now(UTC), 1200.0)  # type: ignore[arg-type]
        assert report.status == "unknown" and report.diagnosis == []
        assert report.unfinished is not None and report.unfinished.variant == "deadline"
        for part in expected:
            assert part in report.unfinished.summary, (lang, report.unfinished.summary)


def test_a_timeout_that_fits_leaves_room_for_the_steps_still_to_come() -> None:
    slow = DnsLookup(id="dns.mx/x", target="x", status=Status.PASS, name="x", rdtype="MX", purpose="mx",
                     duration_ms=470.0)
    assert suggested_timeout(1.2, [slow]) == 4  # 1.2 s + 5 × 0.47 s, in whole seconds
    assert suggested_timeout(0.5, []) == 10  # nothing answered: at least the default
    assert suggested_timeout(10.0, [slow]) == 20  # never less than twice what did not suffice
