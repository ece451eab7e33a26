"""Client settings as text or JSON: the hosts, ports, TLS and login name a mail client needs (article 4.2)."""

from __future__ import annotations

import json

from mailprobe.lang import Lang
from mailprobe.locales.messages import server_label, t, tls_mode_name
from mailprobe.safetext import json_shown, shown
from mailprobe.settingsview import ServerRow, SettingsView


def render_settings(found: SettingsView, lang: Lang, fmt: str) -> str:
    if fmt == "json":
        return json_shown(json.dumps(_as_dict(found), indent=2, ensure_ascii=False))
    return "\n".join(shown(line) for line in _text(found, lang).splitlines())


def _text(found: SettingsView, lang: Lang) -> str:
    if found.provider_id is None and found.dns_problem is not None:
        return "\n".join([found.dns_problem.verdict, t("settings.dns_problem", lang, domain=found.domain)])
    if found.provider_id is None and found.lookup_failed and found.mx_error is not None:
        failure = t(f"failure.{found.mx_error}", lang)
        return t("settings.mx_failed", lang, domain=found.domain, failure=failure)
    if found.provider_id is None and found.domain_missing:
        return t("settings.no_domain", lang, domain=found.domain)
    mx = ", ".join(found.mx_hosts) or "-"
    if found.provider_id is None and not found.servers:
        return t("settings.unknown", lang, domain=found.domain, mx=mx)
    if found.provider_id is None:
        key = "settings.guessed_title" if found.guessed else "settings.published_title"
        title = t(key, lang, address=found.address, domain=found.domain, mx=mx)
    else:
        title = t("settings.title", lang, address=found.address, provider=found.provider_name)
    lines = [title, f"  {t('settings.login_name', lang)}: {found.login_name}"]
    for url in found.webmail:
        lines.append(f"  {t('service.web', lang)}: {url}")
    for server in found.servers:
        lines.append("  " + _server_line(server, lang))
    section = found.section
    lines.append(t("settings.password_note", lang, section=section) if section
                 else t("settings.password_note_generic", lang))
    lines.append(t("settings.keep_note", lang))
    return "\n".join(lines)


def _server_line(server: ServerRow, lang: Lang) -> str:
    service = t(f"service.{server.protocol}", lang)
    tls = tls_mode_name(server.tls, lang)
    label = f" [{server_label(server.label, lang)}]" if server.label else ""
    note = f" ({t('settings.alternate', lang)})" if server.alternate else ""
    return f"{service:<5} {server.host}:{server.port}  {tls}{label}{note}"


def _as_dict(found: SettingsView) -> dict[str, object]:
    return {
        "address": found.address,
        "domain_ascii": found.domain_ascii,
        "provider": found.provider_id,
        "matched_by": found.matched_by,
        "mx_error": found.mx_error if found.lookup_failed or found.domain_missing else None,
        "dns_problem": {"cause": found.dns_problem.cause, "variant": found.dns_problem.variant,
                        "summary": found.dns_problem.verdict} if found.dns_problem is not None else None,
        "section": found.section,
        "guessed": found.guessed,
        "login_name": found.login_name,
        "webmail": found.webmail,
        "servers": [
            {"protocol": s.protocol, "host": s.host, "port": s.port, "tls": s.tls,
             "label": s.label, "alternate": s.alternate}
            for s in found.servers
        ],
    }
