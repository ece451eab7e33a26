"""Composing the Report: evidence and findings, put into words in the chosen language."""

from __future__ import annotations

from datetime import datetime

from mailprobe.causes import Cause
from mailprobe.diagnosis.finding import Diagnosis, Finding
from mailprobe.evidence import Evidence, Observation, Status
from mailprobe.kinds import rank, reworded, summarize
from mailprobe.kinds.base import MAX_CHECKS
from mailprobe.kinds.dns import DnsLookup
from mailprobe.lang import Lang
from mailprobe.profiles import Profile, ProfileSet
from mailprobe.report import (
    SCHEMA_VERSION,
    AlsoPossible,
    CheckResult,
    DiagnosisEntry,
    PreventionTip,
    ProviderInfo,
    RemedyEntry,
    Report,
    ToolInfo,
    UnfinishedEntry,
    check_of,
)
from mailprobe.version import __version__

PROVIDER_REMEDY = "provider"


def compose(
    evidence: Evidence, diagnosis: Diagnosis, lang: Lang, started_at: datetime, duration_ms: float,
    profiles: ProfileSet | None = None,
) -> Report:
    profile = evidence.plan.profile
    findings, status = diagnosis.findings, diagnosis.status
    return Report(
        schema_version=SCHEMA_VERSION,
        tool=ToolInfo(version=__version__),
        address=evidence.target.address,
        domain=evidence.target.domain,
        domain_ascii=evidence.target.domain_ascii,
        started_at=started_at,
        duration_ms=round(duration_ms, 1),
        status=status,
        provider=provider_info(profile, evidence.plan.matched_by, lang),
        checks=[check_result(o, lang) for o in _kept(_ordered(evidence.observations), findings, evidence)],
        diagnosis=[diagnosis_entry(f, profile, lang, profiles) for f in findings],
        prevention=prevention(lang),
        lang=lang,
        nameservers=evidence.nameservers,
        unfinished=unfinished_entry(evidence, lang) if status == "unknown" and not findings else None,
    )


def unfinished_entry(evidence: Evidence, lang: Lang) -> UnfinishedEntry | None:
    """Why the report is unknown: mailprobe could not finish (what it could not test, what answered, a
    --timeout that fits), or was starved by its own load; None when neither is why."""
    from mailprobe.diagnosis.unfinished import unfinished

    found = unfinished(evidence)
    if found is None:
        return None
    return UnfinishedEntry(variant=found.variant, summary=unfinished_words(found.variant, found.params, lang),
                           params=found.params)


def unfinished_words(variant: str, params: dict[str, str | int | float], lang: Lang) -> str:
    from mailprobe.diagnosis.unfinished import KINDS
    from mailprobe.locales.messages import t

    counts = [
        t("kind.count", lang, kind=_kind_label(kind, lang), count=params[kind]) for kind in KINDS if kind in params
    ]
    kinds = t("summary.join", lang).join(counts) or t("verdict.unfinished.none_answered", lang)
    return t(f"verdict.unfinished.{variant}", lang, **params, answered_kinds=kinds)


def _kind_label(kind: str, lang: Lang) -> str:
    from mailprobe.locales.messages import t

    return t(f"service.{kind}", lang) if kind in ("web", "imap", "pop3", "smtp") else t(f"kind.{kind}", lang)


def provider_info(profile: Profile | None, matched_by: str, lang: Lang) -> ProviderInfo:
    from mailprobe.locales.messages import t

    if profile is None:
        if matched_by == "mx_failed":  # nothing to recognise the provider by: unknown, not "unrecognised"
            return ProviderInfo(id="generic", name=t("provider.mx_failed", lang), matched_by="mx_failed")
        return ProviderInfo(id="generic", name=t("provider.generic", lang), matched_by="generic")
    return ProviderInfo(id=profile.id, name=profile.name(lang), matched_by=matched_by)  # type: ignore[arg-type]


def check_result(observation: Observation, lang: Lang) -> CheckResult:
    return check_of(observation, summarize(observation, lang))


def diagnosis_entry(
    finding: Finding, profile: Profile | None, lang: Lang, profiles: ProfileSet | None = None
) -> DiagnosisEntry:
    from mailprobe.diagnosis.catalogue import entry

    cause = entry(finding.cause)
    params = _text_params(finding.params, profile, lang, profiles)
    return DiagnosisEntry(
        cause=finding.cause,
        section=cause.section_for(profile.section if profile is not None else None),
        severity=finding.severity,
        confidence=round(finding.confidence, 2),
        title=cause.title.get(lang),
        summary=_summary(finding.cause, finding.variant, lang, params),
        explanation=cause.explanation.get(lang),
        evidence=finding.evidence,
        remedies=remedies(finding.cause, profile, lang, finding.variant),
        variant=finding.variant,
        params=finding.params,
        also_possible=[also_possible(a.cause, a.confidence, lang) for a in finding.also_possible],
    )


def also_possible(cause: Cause, confidence: float, lang: Lang) -> AlsoPossible:
    """A weaker reading of the finding's evidence: its name, and how to tell it from the finding's cause."""
    from mailprobe.diagnosis.catalogue import entry, tell_apart

    tell = tell_apart(cause, lang)
    tells = [RemedyEntry(id=tell[0], section=tell[1], text=tell[2])] if tell is not None else []
    title = entry(cause).title.get(lang)
    return AlsoPossible(cause=cause, confidence=round(confidence, 2), title=title, remedies=tells)


def _summary(cause: Cause, variant: str, lang: Lang, params: dict[str, object]) -> str:
    """The verdict sentence; a password typing mistake seen locally is added whatever the cause (the
    wrong-password verdicts that are about that mistake already say it)."""
    from mailprobe.diagnosis.catalogue import verdict
    from mailprobe.locales.messages import t, template

    said = verdict(cause, variant, lang, **params)
    hygiene = params.get("hygiene")
    note = f"hygiene.note.{hygiene}"
    if isinstance(hygiene, str) and not variant.startswith("hygiene_") and template(note, lang) is not None:
        said = f"{said}{t('hygiene.note_sep', lang)}{t(note, lang)}"
    return said


def prevention(lang: Lang) -> list[PreventionTip]:
    """The article's advice for next time (section 4): every report carries it, renderers choose to show it."""
    from mailprobe.diagnosis.catalogue import prevention_tips

    return [PreventionTip(id=tip, section=section, text=text) for tip, section, text in prevention_tips(lang)]


def remedies(cause: Cause, profile: Profile | None, lang: Lang, variant: str = "default") -> list[RemedyEntry]:
    """The provider's own advice first (most concrete), then the catalogue's, each only where it fits the
    finding's variant. Only the profile names its provider: the catalogue's advice holds for any."""
    from mailprobe.diagnosis.catalogue import entry

    out: list[RemedyEntry] = []
    if profile is not None:
        for index, own in enumerate(profile.remedies_for(cause)):  # the index among the cause's: a stable id
            if own.fits(variant):
                out.append(RemedyEntry(
                    section=own.section, text=own.text.get(lang),
                    id=f"{PROVIDER_REMEDY}:{profile.id}:{cause.value}:{index}",
                ))
    for general in entry(cause).remedies_for(variant):
        out.append(RemedyEntry(section=general.section, text=general.text(lang), id=general.id))
    return out


def _text_params(
    params: dict[str, str | int | float], profile: Profile | None, lang: Lang, profiles: ProfileSet | None = None
) -> dict[str, object]:
    """The finding's params, with provider ids ("provider", "other") turned into names in this language."""
    out: dict[str, object] = dict(params)
    if profile is not None:
        out.setdefault("provider_name", profile.name(lang))
    for key in ("provider", "other"):
        value = out.get(key)
        known = profile if profile is not None and value == profile.id else (
            profiles.get(str(value)) if profiles is not None and value else None
        )
        if known is not None:
            out[key] = known.name(lang)
    return out


def _kept(observations: list[Observation], findings: list[Finding], evidence: Evidence) -> list[Observation]:
    """OBSERVATIONS, at most MAX_CHECKS of them: those the findings cite first, then the others in order, and a
    check that says how many more there were."""
    if len(observations) <= MAX_CHECKS:
        return observations
    cited = {check for finding in findings for check in finding.evidence}
    room = MAX_CHECKS - 1
    first = [o for o in observations if o.id in cited][:room]
    chosen = {id(o) for o in first}
    rest = [o for o in observations if id(o) not in chosen][: room - len(first)]
    kept = {id(o) for o in first + rest}
    domain = evidence.target.domain_ascii
    note = DnsLookup(id="report/checks_not_kept", target=domain, status=Status.SKIP, name=domain, rdtype="",
                     purpose="report", records_not_kept=len(observations) - len(kept))
    return [o for o in observations if id(o) in kept] + [note]


def _ordered(observations: list[Observation]) -> list[Observation]:
    """The same order every run, whatever finished first (reports from cron get diffed): DNS (MX first),
    the provider's services, guessed candidates, then the baseline; by id within each (kinds.rank)."""
    return sorted(observations, key=rank)


# -- explain: the same report in another language -------------------------------------------------


def relocalize(report: Report, lang: Lang, profiles: ProfileSet) -> Report:
    """Re-word a saved report: check summaries from their data, causes and remedies from their ids.

    The provider is the one the report was made with: a profile of the same id here (the built-in one, where
    the report came from a --providers-dir override) words it only if it bears the report's name; otherwise
    the report keeps its provider's name and that provider's own remedies as they were written."""
    profile = profiles.get(report.provider.id)
    provider = report.provider
    kept: ProviderInfo | None = None
    if profile is not None and _is_named(profile, report.provider.name):
        provider = ProviderInfo(id=profile.id, name=profile.name(lang), matched_by=report.provider.matched_by)
    elif report.provider.id == "generic":
        provider = provider_info(None, report.provider.matched_by, lang)
    else:
        profile, kept = None, report.provider
    return report.model_copy(update={
        "lang": lang,
        "provider": provider,
        "checks": [_relocalize_check(c, lang) for c in report.checks],
        "diagnosis": [_relocalize_entry(d, profile, lang, profiles, kept) for d in report.diagnosis],
        "prevention": prevention(lang),
        "unfinished": _relocalize_unfinished(report.unfinished, lang),
    })


def _relocalize_unfinished(entry_: UnfinishedEntry | None, lang: Lang) -> UnfinishedEntry | None:
    from mailprobe.locales.messages import template

    if entry_ is None or template(f"verdict.unfinished.{entry_.variant}", lang) is None:
        return entry_  # none, or a newer mailprobe's: keep its words
    return entry_.model_copy(update={"summary": unfinished_words(entry_.variant, entry_.params, lang)})


def _is_named(profile: Profile, name: str) -> bool:
    from mailprobe.lang import LANGS

    return any(profile.name(lang) == name for lang in LANGS)


def _relocalize_check(check: CheckResult, lang: Lang) -> CheckResult:
    return check.model_copy(update={"summary": reworded(check, lang)})


def _relocalize_entry(
    entry_: DiagnosisEntry, profile: Profile | None, lang: Lang, profiles: ProfileSet,
    kept: ProviderInfo | None = None,
) -> DiagnosisEntry:
    from mailprobe.diagnosis.catalogue import entry

    cause = entry_.cause
    if not isinstance(cause, Cause):
        return entry_  # a cause from a newer mailprobe: keep its words
    params = _text_params(entry_.params, profile, lang, profiles)
    if kept is not None:  # the report's own provider, by the name it was reported under
        params.update({key: kept.name for key in ("provider", "other") if entry_.params.get(key) == kept.id})
    return entry_.model_copy(update={
        "title": entry(cause).title.get(lang),
        "summary": _summary(cause, entry_.variant, lang, params),
        "explanation": entry(cause).explanation.get(lang),
        "remedies": [_relocalize_remedy(r, cause, profile, lang) for r in entry_.remedies],
        "also_possible": [
            also_possible(a.cause, a.confidence, lang) if isinstance(a.cause, Cause) else a
            for a in entry_.also_possible
        ],
    })


def _relocalize_remedy(remedy: RemedyEntry, cause: Cause, profile: Profile | None, lang: Lang) -> RemedyEntry:
    from mailprobe.diagnosis.catalogue import entry

    if remedy.id is None:
        return remedy
    if remedy.id.startswith(PROVIDER_REMEDY + ":"):
        parts = remedy.id.split(":")
        if profile is None or len(parts) != 4 or parts[1] != profile.id or not parts[3].isdigit():
            return remedy
        mine = profile.remedies_for(cause)
        index = int(parts[3])
        return remedy.model_copy(update={"text": mine[index].text.get(lang)}) if index < len(mine) else remedy
    for known in entry(cause).remedies:
        if known.id == remedy.id:
            return remedy.model_copy(update={"text": known.text(lang)})
    return remedy
