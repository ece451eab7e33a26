"""The provider profiles as text or JSON: a list, or one profile in full."""

from __future__ import annotations

import json

from mailprobe.lang import Lang
from mailprobe.locales.messages import t
from mailprobe.profiles import Profile
from mailprobe.safetext import json_shown, shown


def render_profiles(profiles: list[Profile], lang: Lang, fmt: str) -> str:
    if fmt == "json":
        return json_shown(json.dumps([_summary(p, lang) for p in profiles], indent=2, ensure_ascii=False))
    width = max(len(p.id) for p in profiles)
    lines = [f"{p.id:<{width}}  {p.name(lang)}  ({', '.join(p.mx_patterns) or '-'})" for p in profiles]
    return "\n".join(shown(line) for line in lines)


def render_profile(profile: Profile, lang: Lang, fmt: str) -> str:
    if fmt == "json":
        return json_shown(json.dumps(profile.model_dump(mode="json", by_alias=True), indent=2, ensure_ascii=False))
    lines = [f"{profile.id}: {profile.name(lang)}"]
    lines.append(f"  MX: {', '.join(profile.mx_patterns) or '-'}")
    for url in profile.webmail:
        lines.append(f"  {t('service.web', lang)}: {url}")
    for server in profile.servers:
        flags = [server.tls.value] + ([server.label] if server.label else []) + (
            [t("settings.alternate", lang)] if server.expect.value == "candidate" else [])
        lines.append(f"  {t(f'service.{server.protocol}', lang):<5} {server.host}:{server.port}  ({', '.join(flags)})")
    if profile.spf_include:
        lines.append(f"  SPF: include:{' include:'.join(profile.spf_include)}")
    for remedy in profile.remedies:
        lines.append(f"  [{remedy.cause.value} §{remedy.section}] {remedy.text.get(lang)}")
    return "\n".join(shown(line) for line in lines)


def _summary(profile: Profile, lang: Lang) -> dict[str, object]:
    return {"id": profile.id, "name": profile.name(lang), "mx_patterns": profile.mx_patterns,
            "webmail": profile.webmail, "source_file": profile.source_file}
