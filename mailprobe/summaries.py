"""The phrases every kind's summary line is made of (kinds/*.py): a failure, a certificate, a refusal of the
address policy, server words quoted, lists and counts — what happened, never what it means."""

from __future__ import annotations

import re

from mailprobe.addresspolicy import NEVER_CONTACTED, ip_class
from mailprobe.evidence import ErrorFacts, Failure, Status, TlsFacts, deadline_cut
from mailprobe.lang import Lang
from mailprobe.locales.messages import t, template
from mailprobe.safetext import shown

QUOTE_LIMIT = 80  # server words quoted in a summary: enough to recognise the reply, short enough for one line
LIST_LIMIT = 4
EXPIRY_NOTE_DAYS = 30
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
# An OpenSSL reason ("UNEXPECTED_EOF_WHILE_READING", "[SSL: WRONG_VERSION_NUMBER] wrong version number"): a code.
_LIBRARY_CODE = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")


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


# -- mail sessions --------------------------------------------------------------------------------


# -- webmail --------------------------------------------------------------------------------------


# -- baseline -------------------------------------------------------------------------------------


# -- login ----------------------------------------------------------------------------------------


# -- small helpers --------------------------------------------------------------------------------


def certificate_notes(tls: TlsFacts | None, lang: Lang) -> list[str]:
    if tls is None:
        return []
    if tls.verify_error is not None:
        return [certificate_phrase(tls, lang)]
    if tls.days_left is None or tls.days_left >= EXPIRY_NOTE_DAYS:
        return []
    days = int(tls.days_left)
    if days <= 0:
        return [t("summary.cert.expires_today", lang)]
    return [counted("summary.cert.expires_in", days, lang, name="days")]


def counted(key: str, count: int, lang: Lang, name: str = "count") -> str:
    one = f"{key}.one"
    if count == 1 and template(one, lang) is not None:
        return t(one, lang)
    return t(key, lang, **{name: count})


def listing(items: list[str], lang: Lang) -> str:
    shown = [quote(item) for item in items[:LIST_LIMIT]]
    if len(items) > LIST_LIMIT:
        shown.append(t("summary.more", lang, count=len(items) - LIST_LIMIT))
    return t("summary.list_sep", lang).join(shown)


def join(parts: list[str], lang: Lang) -> str:
    return t("summary.join", lang).join(p for p in parts if p)


def _stage(stage: str, lang: Lang) -> str:
    key = f"stage.{stage}"
    return t(key, lang) if template(key, lang) is not None else stage


def status_only(status: Status, lang: Lang) -> str:
    if status is Status.PASS:
        return t("summary.passed", lang)
    if status is Status.SKIP:
        return t("summary.skipped", lang)
    if status is Status.ERROR:
        return t("summary.could_not_test", lang)
    return t(f"check.{status.value}", lang)
