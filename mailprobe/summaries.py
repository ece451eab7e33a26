"""One localized line per check, from the observation's typed facts: what happened, never what it means."""

from __future__ import annotations

import re
from datetime import timedelta

from mailprobe.addresspolicy import NEVER_CONTACTED, ip_class
from mailprobe.evidence import (
    DnsLookup,
    ErrorFacts,
    Failure,
    LoginAttempt,
    MailSession,
    Observation,
    Reachability,
    Status,
    TlsFacts,
    TlsMode,
    WebVisit,
    deadline_cut,
)
from mailprobe.lang import Lang
from mailprobe.locales.messages import format_span, guard_times, t, template
from mailprobe.safetext import shown

QUOTE_LIMIT = 80  # server words quoted in a summary: enough to recognise the reply, short enough for one line
LIST_LIMIT = 4
RESOURCES_NAMED = 2  # page resources named in a webmail summary; the others are counted
RESOURCE_LIMIT = 60  # characters of one resource's URL
EXPIRY_NOTE_DAYS = 30
CLOCK_NOTE_S = 60.0
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_IMAP_TAG = re.compile(r"^[A-Za-z0-9]+ (?=(?:NO|BAD|OK|BYE)\b)", re.IGNORECASE)
# An OpenSSL reason ("UNEXPECTED_EOF_WHILE_READING", "[SSL: WRONG_VERSION_NUMBER] wrong version number"): a code.
_LIBRARY_CODE = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")


def summarize(observation: Observation, lang: Lang) -> str:
    """The check's one-line summary in `lang`. Pure: reads the observation, never the network."""
    match observation:
        case DnsLookup():
            return _dns(observation, lang)
        case MailSession():
            return _mail(observation, lang)
        case WebVisit():
            return _web(observation, lang)
        case Reachability():
            return _baseline(observation, lang)
        case LoginAttempt():
            return _login(observation, lang)
    if observation.error is not None:
        return failure_phrase(observation.error, lang)
    return _status_only(observation.status, lang)


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    """Server words made safe for one line: control characters out, whitespace folded, length bounded."""
    flat = shown(" ".join(_CONTROL.sub(" ", text).split()))
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def failure_phrase(
    error: ErrorFacts, lang: Lang, tls: TlsFacts | None = None, reply: str | None = None, address: str | None = None
) -> str:
    """What went wrong at the failing step, with the detail that tells cases apart. ADDRESS: the IP the check
    is about (a refusal of the address policy names it and its kind)."""
    kind, stage, detail = error.kind, error.stage, quote(error.detail)
    if deadline_cut(error):
        return t("summary.fail.cut_off", lang)
    if kind is Failure.POLICY and stage in ("policy", "budget"):
        return refusal_phrase(stage, address, lang)
    if kind is Failure.TIMEOUT and stage != "connect":
        if stage == "greeting":
            return t("summary.fail.timeout_greeting", lang)
        return t("summary.fail.timeout_stage", lang, stage=_stage(stage, lang))
    if kind is Failure.RESET and stage not in ("", "connect"):
        return t("summary.fail.reset_stage", lang, stage=_stage(stage, lang))
    if kind is Failure.CLOSED and stage:
        if stage == "greeting":
            return t("summary.fail.closed_greeting", lang)
        return t("summary.fail.closed_stage", lang, stage=_stage(stage, lang))
    if kind is Failure.TLS_VERIFY:
        return certificate_phrase(tls, lang, detail)
    if kind is Failure.BAD_REPLY and stage == "redirect":  # mailprobe's own reason not to follow, not a reply
        return t("failure.bad_redirect", lang)
    said = detail or quote(reply or "")
    if kind is Failure.REJECTED and said:
        return t("summary.fail.rejected", lang, reply=said)
    if kind is Failure.BAD_REPLY and said:
        return t("summary.fail.bad_reply", lang, reply=said)
    reason = library_words(detail, lang)
    if kind is Failure.TLS_HANDSHAKE and reason:
        return t("summary.fail.tls_handshake", lang, reason=reason)
    if kind is Failure.INTERNAL and reason:
        return t("summary.fail.internal", lang, reason=reason)
    return t(f"failure.{kind.value}", lang)


def refusal_phrase(stage: str, address: str | None, lang: Lang) -> str:
    """An address the policy did not dial (addresspolicy.py): where DNS points, what kind of address it is."""
    if stage == "budget":
        return t("summary.policy.budget", lang)
    try:
        cls = ip_class(address or "")
    except ValueError:
        return t("failure.policy", lang)
    key = "summary.policy.never" if cls in NEVER_CONTACTED else "summary.policy.named_only"
    return t(key, lang, ip=quote(address or "", 60), cls=t(f"ipclass.{cls}", lang))


def library_words(text: str, lang: Lang) -> str:
    """What a library (OpenSSL, Python) said of a failure on this side, for a summary in LANG: its code where it
    has one (every language shows a code as it is), its English sentence only to an English reader."""
    code = _LIBRARY_CODE.search(text)
    if code is not None:
        return code.group(0)
    return text if lang == "en" else ""


def certificate_phrase(tls: TlsFacts | None, lang: Lang, detail: str = "") -> str:
    """Why a certificate did not verify, naming the date, host names or issuer where they are known."""
    reason = tls.verify_error if tls is not None else None
    cert = tls.certificate if tls is not None else None
    if reason == "expired":
        if cert is None:
            return t("summary.cert.expired", lang)
        return t("summary.cert.expired_on", lang, date=cert.not_after.date().isoformat())
    if reason == "not_yet_valid":
        if cert is None:
            return t("summary.cert.not_yet_valid", lang)
        return t("summary.cert.not_yet_valid_until", lang, date=cert.not_before.date().isoformat())
    if reason == "hostname_mismatch":
        names = cert.san[:3] if cert is not None and cert.san else []
        if not names:
            return t("summary.cert.hostname_mismatch", lang)
        return t("summary.cert.hostname_mismatch_names", lang, names=", ".join(names))
    if reason == "untrusted":
        issuer = (cert.issuer_cn or cert.issuer_org or cert.issuer) if cert is not None else ""
        if not issuer:
            return t("summary.cert.untrusted", lang)
        return t("summary.cert.untrusted_issuer", lang, issuer=quote(issuer))
    if reason == "self_signed":
        if cert is None or not cert.subject:
            return t("summary.cert.self_signed", lang)
        return t("summary.cert.self_signed_subject", lang, subject=quote(cert.subject))
    because = quote(tls.verify_message or "") if tls is not None else ""
    because = library_words(because or detail, lang)
    return t("summary.cert.other_reason", lang, reason=because) if because else t("summary.cert.other", lang)


# -- DNS ------------------------------------------------------------------------------------------


def _dns(lookup: DnsLookup, lang: Lang) -> str:
    """The answer, and what of it a cap left out (records not kept, targets not followed; the addresses not
    probed are said with the addresses)."""
    text = _dns_answer(lookup, lang)
    notes = [t(key, lang, count=count) for key, count in (
        ("summary.dns.not_kept", lookup.records_not_kept if lookup.purpose != "report" else 0),
        ("summary.dns.not_followed", lookup.targets_not_followed),
    ) if count > 0]
    return _join([text, *notes], lang) if notes else text


def _dns_answer(lookup: DnsLookup, lang: Lang) -> str:
    if lookup.purpose == "report":  # the report's own note of what it left out
        from mailprobe.compose import MAX_CHECKS

        return t("summary.report.not_kept", lang, count=lookup.records_not_kept, limit=MAX_CHECKS)
    if lookup.error is not None:
        return _dns_failure(lookup, lookup.error, lang)
    if lookup.status is Status.SKIP:
        return t("summary.skipped", lang)
    if lookup.null_mx:
        return t("summary.dns.null_mx", lang)
    if lookup.mx:
        ordered = sorted(lookup.mx, key=lambda r: (r.preference, r.exchange))
        rows = [f"{r.preference} {r.exchange}" for r in ordered]
        return t("summary.dns.mx", lang, records=_listing(rows, lang))
    if lookup.srv:
        if all(r.target in (".", "") for r in lookup.srv):
            return t("summary.dns.srv_disabled", lang)
        ordered_srv = sorted(lookup.srv, key=lambda r: (r.priority, -r.weight))
        rows = [f"{r.priority} {r.weight} {r.port} {r.target}" for r in ordered_srv]
        return t("summary.dns.srv", lang, records=_listing(rows, lang))
    if lookup.records:
        # A TXT record is the domain owner's free text: quoted as written, like a server's words.
        records = [f"«{r}»" for r in lookup.records] if lookup.rdtype == "TXT" else lookup.records
        text = t("summary.dns.records", lang, rdtype=lookup.rdtype, records=_listing(records, lang))
        if lookup.addresses_not_probed:  # the cap on addresses per host left some untested: say how many
            text = _join([text, t("summary.dns.not_probed", lang, count=lookup.addresses_not_probed)], lang)
        return text
    return t("summary.dns.no_records", lang, rdtype=lookup.rdtype)


def _dns_failure(lookup: DnsLookup, error: ErrorFacts, lang: Lang) -> str:
    if deadline_cut(error):
        return t("summary.fail.cut_off", lang)
    match error.kind:
        case Failure.NXDOMAIN:
            return t("summary.dns.nxdomain", lang, name=lookup.name)
        case Failure.NO_ANSWER:
            return t("summary.dns.no_records", lang, rdtype=lookup.rdtype)
        case Failure.SERVFAIL:
            code = "REFUSED" if "REFUSED" in error.detail.upper() else "SERVFAIL"
            return t("summary.dns.servfail", lang, code=code)
        case Failure.DNS_TIMEOUT:
            return t("summary.dns.timeout", lang)
        case Failure.NO_RESOLVER:
            return t("summary.dns.no_resolver", lang)
    return failure_phrase(error, lang)


# -- mail sessions --------------------------------------------------------------------------------


def _mail(session: MailSession, lang: Lang) -> str:
    label = f"{session.kind.upper()} {session.port}"
    if session.error is not None:
        text = failure_phrase(session.error, lang, session.tls, session.greeting, session.address)
    elif session.status is Status.SKIP:
        text = t("summary.skipped", lang)
    else:
        text = _join(_mail_parts(session, lang), lang) or _status_only(session.status, lang)
    return t("summary.prefix", lang, label=label, text=text)


def _mail_parts(session: MailSession, lang: Lang) -> list[str]:
    parts: list[str] = []
    version = session.tls.version if session.tls is not None else None
    if session.tls_mode is TlsMode.STARTTLS and session.starttls_ok and version:
        parts.append(t("summary.mail.starttls", lang, version=version))
    elif version:
        parts.append(version)
    elif session.starttls_offered is False:
        parts.append(t("failure.not_offered", lang))
    else:
        parts.append(t("summary.mail.plain", lang))
    if session.greeting_ms is not None:
        parts.append(t("summary.mail.greeting", lang, ms=round(session.greeting_ms)))
    if session.capabilities:
        parts.append(_counted("summary.mail.capabilities", len(session.capabilities), lang))
    parts.extend(_certificate_notes(session.tls, lang))
    return parts


# -- webmail --------------------------------------------------------------------------------------


def _web(visit: WebVisit, lang: Lang) -> str:
    parts: list[str] = []
    legacy_only = visit.legacy_tls_only and visit.error is not None and visit.error.kind is Failure.TLS_HANDSHAKE
    if visit.error is not None and not legacy_only:  # a legacy-only handshake is said once, just below
        parts.append(_web_failure(visit, visit.error, lang))
    elif visit.status is Status.SKIP:
        return t("summary.skipped", lang)
    elif visit.status_code is not None:
        ms = visit.ttfb_ms if visit.ttfb_ms is not None else visit.duration_ms
        parts.append(t("summary.web.ok", lang, code=visit.status_code, ms=round(ms)))
        if visit.tls is not None and visit.tls.version and not visit.legacy_tls_only:  # legacy: said below
            parts.append(visit.tls.version)
        if visit.redirects:
            parts.append(_counted("summary.web.redirects", len(visit.redirects), lang))
    if visit.legacy_tls_only:
        parts.append(t("summary.web.legacy_tls", lang, version=visit.legacy_tls_version or "TLS 1.0/1.1"))
    if visit.clock_offset_s is not None and abs(visit.clock_offset_s) >= CLOCK_NOTE_S:
        key = "summary.web.server_ahead" if visit.clock_offset_s > 0 else "summary.web.server_behind"
        parts.append(t(key, lang, amount=format_span(visit.clock_offset_s, lang)))
    broken = [r for r in visit.resources if r.status in (Status.FAIL, Status.ERROR)]
    if broken:  # how many, and which (the first few, each bounded)
        which = [quote(r.url, RESOURCE_LIMIT) for r in broken[:RESOURCES_NAMED]]
        if len(broken) > RESOURCES_NAMED:
            which.append(t("summary.more", lang, count=len(broken) - RESOURCES_NAMED))
        key = "summary.web.resources.one" if len(broken) == 1 else "summary.web.resources"
        parts.append(t(key, lang, count=len(broken), which=t("summary.list_sep", lang).join(which)))
    if visit.error is None:
        parts.extend(_certificate_notes(visit.tls, lang))
    return _join(parts, lang) or _status_only(visit.status, lang)


def _web_failure(visit: WebVisit, error: ErrorFacts, lang: Lang) -> str:
    if error.kind is Failure.HTTP_STATUS:
        code = visit.status_code if visit.status_code is not None else quote(error.detail, 20)
        return t("summary.fail.http_status", lang, code=code) if code else t("failure.http_status", lang)
    if error.kind is Failure.TOO_MANY_REDIRECTS and visit.redirects:
        return t("summary.fail.too_many_redirects", lang, count=len(visit.redirects))
    return failure_phrase(error, lang, visit.tls, address=visit.address)


# -- baseline -------------------------------------------------------------------------------------


def _baseline(probe: Reachability, lang: Lang) -> str:
    if probe.error is not None:
        return t("summary.baseline.failed", lang, text=failure_phrase(probe.error, lang, address=probe.address))
    if probe.status is Status.SKIP:
        return t("summary.baseline.skipped", lang)
    ms = probe.connect_ms if probe.connect_ms is not None else probe.duration_ms
    return t("summary.baseline.ok", lang, ms=round(ms))


# -- login ----------------------------------------------------------------------------------------


def _login(login: LoginAttempt, lang: Lang) -> str:
    """The login's mechanism, the server's deciding words (already redacted) and the code they carry."""
    protocol = login.protocol.upper()
    mechanism = login.mechanism or "-"
    reply = quote(_IMAP_TAG.sub("", login.deciding_reply())) if login.replies else ""
    # The cause that decided the check (the diagnosis's finding for it), and the code only if it is what
    # supports that cause: a code that backs a weaker reading is not credited with the text's verdict.
    top = login.candidates[0].cause if login.candidates else None
    code = login.candidates[0].code if login.candidates else None
    if login.guard_until is not None:
        return _login_kept_back(login, protocol, reply, top, lang)
    if login.outcome == "ok":
        key = "summary.login.ok_smtp" if login.protocol == "smtp" else "summary.login.ok"
        return t(key, lang, protocol=protocol, mechanism=mechanism)
    if login.outcome in ("refused", "mailbox_refused"):
        text = t(f"summary.login.{login.outcome}", lang, protocol=protocol, mechanism=mechanism, reply=reply)
        # The standard code behind the deciding cause, and that cause's id: ids, in every language.
        said = " → ".join(part for part in (code, top) if part)
        text = f"{text} ({said})" if said else text
        mistyped = f"summary.login.hygiene.{login.hygiene[0]}" if login.hygiene else None
        if login.outcome == "refused" and mistyped and template(mistyped, lang) is not None:
            text = _join([text, t(mistyped, lang)], lang)
        return text
    reason = failure_phrase(login.error, lang) if login.error is not None else _status_only(login.status, lang)
    key = "summary.login.error" if login.outcome == "error" else "summary.login.not_attempted"
    return t(key, lang, protocol=protocol, reason=reason)


def _login_kept_back(login: LoginAttempt, protocol: str, reply: str, top: str | None, lang: Lang) -> str:
    """A login the lockout guard did not retry, and what it remembers of the last one: when it was tried,
    how it ended, the cause it was given and the server's words — never that it "logged in" unless it did."""
    assert login.guard_until is not None
    # A report from before the guard remembered: its last login opened the window that ends at guard_until.
    tried_at = login.tried_at or login.guard_until - timedelta(seconds=login.guard_window_s or 0.0)
    tried, until = guard_times(tried_at, login.guard_until, lang)
    if login.tried_unfinished:
        key = "summary.login.guard.unfinished"
    elif login.outcome in ("ok", "refused", "mailbox_refused", "error"):
        key = f"summary.login.guard.{login.outcome}"
    else:
        key = "summary.login.guard"
    cause = f" ({top})" if top else ""
    return t(key, lang, protocol=protocol, tried=tried, until=until, reply=reply, cause=cause)


# -- small helpers --------------------------------------------------------------------------------


def _certificate_notes(tls: TlsFacts | None, lang: Lang) -> list[str]:
    if tls is None:
        return []
    if tls.verify_error is not None:
        return [certificate_phrase(tls, lang)]
    if tls.days_left is None or tls.days_left >= EXPIRY_NOTE_DAYS:
        return []
    days = int(tls.days_left)
    if days <= 0:
        return [t("summary.cert.expires_today", lang)]
    return [_counted("summary.cert.expires_in", days, lang, name="days")]


def _counted(key: str, count: int, lang: Lang, name: str = "count") -> str:
    one = f"{key}.one"
    if count == 1 and template(one, lang) is not None:
        return t(one, lang)
    return t(key, lang, **{name: count})


def _listing(items: list[str], lang: Lang) -> str:
    shown = [quote(item) for item in items[:LIST_LIMIT]]
    if len(items) > LIST_LIMIT:
        shown.append(t("summary.more", lang, count=len(items) - LIST_LIMIT))
    return t("summary.list_sep", lang).join(shown)


def _join(parts: list[str], lang: Lang) -> str:
    return t("summary.join", lang).join(p for p in parts if p)


def _stage(stage: str, lang: Lang) -> str:
    key = f"stage.{stage}"
    return t(key, lang) if template(key, lang) is not None else stage


def _status_only(status: Status, lang: Lang) -> str:
    if status is Status.PASS:
        return t("summary.passed", lang)
    if status is Status.SKIP:
        return t("summary.skipped", lang)
    if status is Status.ERROR:
        return t("summary.could_not_test", lang)
    return t(f"check.{status.value}", lang)
