"""The provider profiles as text or JSON: a list, or one profile in full. MX patterns are regular expressions,
for the profile's author: a reader sees the example exchangers, the patterns only with -v."""

from __future__ import annotations

import json

from mailprobe.lang import Lang
from mailprobe.locales.messages import server_label, t, tls_mode_name
from mailprobe.profiles import Profile
from mailprobe.safetext import json_shown, shown


def render_profiles(profiles: list[Profile], lang: Lang, fmt: str, verbose: bool = False) -> str:
    if fmt == "json":
        return json_shown(json.dumps([_summary(p, lang) for p in profiles], indent=2, ensure_ascii=False))
    width = max(len(p.id) for p in profiles)
    lines = [f"{p.id:<{width}}  {p.name(lang)}  ({_mx(p, lang, verbose)})" for p in profiles]
    return "\n".join(shown(line) for line in lines)


def render_profile(profile: Profile, lang: Lang, fmt: str, verbose: bool = False) -> str:
    if fmt == "json":
        return json_shown(json.dumps(profile.model_dump(mode="json", by_alias=True), indent=2, ensure_ascii=False))
    lines = [f"{profile.id}: {profile.name(lang)}"]
    lines.append(f"  {_mx(profile, lang, verbose)}")
    for url in profile.webmail:
        lines.append(f"  {t('service.web', lang)}: {url}")
    for server in profile.servers:
        flags = [tls_mode_name(server.tls.value, lang)] + (
            [server_label(server.label, lang)] if server.label else []) + (
            [t("settings.alternate", lang)] if server.expect.value == "candidate" else [])
        lines.append(f"  {t(f'service.{server.protocol}', lang):<5} {server.host}:{server.port}  ({', '.join(flags)})")
    if profile.spf_include:
        lines.append(f"  SPF: include:{' include:'.join(profile.spf_include)}")
    for remedy in profile.remedies:
        cited = t("providers.section", lang, section=remedy.section)
        variants = remedy.variants or [f"-{v}" for v in remedy.except_variants]  # ids, as the report's
        which = remedy.cause.value + (f" ({' '.join(variants)})" if variants else "")
        lines.append(f"  [{which}, {cited}] {remedy.text.get(lang)}")
    return "\n".join(shown(line) for line in lines)


def _mx(profile: Profile, lang: Lang, verbose: bool) -> str:
    """The exchangers that name this provider: its examples; the patterns themselves only with -v."""
    examples = t("summary.list_sep", lang).join(profile.mx_examples)
    parts = [t("providers.mx", lang, examples=examples)] if profile.mx_examples else []
    if verbose and profile.mx_patterns:
        parts.append(t("providers.mx_patterns", lang, patterns="  ".join(profile.mx_patterns)))
    elif not profile.mx_examples:
        parts.append(t("providers.mx_hidden", lang, count=len(profile.mx_patterns)) if profile.mx_patterns
                     else t("providers.mx", lang, examples="-"))
    return "; ".join(parts)


def _summary(profile: Profile, lang: Lang) -> dict[str, object]:
    return {"id": profile.id, "name": profile.name(lang), "mx_patterns": profile.mx_patterns,
            "mx_examples": profile.mx_examples, "webmail": profile.webmail, "source_file": profile.source_file}
