"""Client settings as text or JSON: the hosts, ports, TLS and login name a mail client needs (article 4.2)."""

from __future__ import annotations

import json

from mailprobe.clientsettings import ClientSettings
from mailprobe.lang import Lang
from mailprobe.locales.messages import server_label, t, tls_mode_name
from mailprobe.profiles import ServerSpec
from mailprobe.safetext import json_shown, shown


def render_settings(found: ClientSettings, lang: Lang, fmt: str) -> str:
    if fmt == "json":
        return json_shown(json.dumps(_as_dict(found), indent=2, ensure_ascii=False))
    return "\n".join(shown(line) for line in _text(found, lang).splitlines())


def _text(found: ClientSettings, lang: Lang) -> str:
    if found.profile is None and found.dns_problem is not None:
        return "\n".join([found.dns_problem.verdict, t("settings.dns_problem", lang, domain=found.target.domain)])
    if found.profile is None and found.lookup_failed and found.mx is not None and found.mx.error is not None:
        failure = t(f"failure.{found.mx.error.kind.value}", lang)
        return t("settings.mx_failed", lang, domain=found.target.domain, failure=failure)
    if found.profile is None and found.domain_missing:
        return t("settings.no_domain", lang, domain=found.target.domain)
    mx = ", ".join(r.exchange for r in found.mx.mx) if found.mx and found.mx.mx else "-"
    if found.profile is None and not found.servers:
        return t("settings.unknown", lang, domain=found.target.domain, mx=mx)
    if found.profile is None:
        key = "settings.guessed_title" if found.guessed else "settings.published_title"
        title = t(key, lang, address=found.target.address, domain=found.target.domain, mx=mx)
    else:
        title = t("settings.title", lang, address=found.target.address, provider=found.profile.name(lang))
    lines = [title, f"  {t('settings.login_name', lang)}: {found.login_name}"]
    for url in found.profile.webmail if found.profile else []:
        lines.append(f"  {t('service.web', lang)}: {url.replace('{domain}', found.target.domain_ascii)}")
    for server in found.servers:
        lines.append("  " + _server_line(server, lang))
    section = found.section
    lines.append(t("settings.password_note", lang, section=section) if section
                 else t("settings.password_note_generic", lang))
    lines.append(t("settings.keep_note", lang))
    return "\n".join(lines)


def _server_line(server: ServerSpec, lang: Lang) -> str:
    service = t(f"service.{server.protocol}", lang)
    tls = tls_mode_name(server.tls.value, lang)
    label = f" [{server_label(server.label, lang)}]" if server.label else ""
    note = f" ({t('settings.alternate', lang)})" if server.expect.value == "candidate" else ""
    return f"{service:<5} {server.host}:{server.port}  {tls}{label}{note}"


def _as_dict(found: ClientSettings) -> dict[str, object]:
    return {
        "address": found.target.address,
        "domain_ascii": found.target.domain_ascii,
        "provider": found.profile.id if found.profile else None,
        "matched_by": found.matched_by,
        "mx_error": found.mx.error.kind.value if found.mx and found.mx.error and (
            found.lookup_failed or found.domain_missing) else None,
        "dns_problem": {"cause": found.dns_problem.cause, "variant": found.dns_problem.variant,
                        "summary": found.dns_problem.verdict} if found.dns_problem is not None else None,
        "section": found.section,
        "guessed": found.guessed,
        "login_name": found.login_name,
        "webmail": [u.replace("{domain}", found.target.domain_ascii) for u in found.profile.webmail]
        if found.profile else [],
        "servers": [
            {"protocol": s.protocol, "host": s.host, "port": s.port, "tls": s.tls.value,
             "label": s.label, "alternate": s.expect.value == "candidate"}
            for s in found.servers
        ],
    }
