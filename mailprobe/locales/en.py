"""English UI messages: message key → `str.format` template."""

MESSAGES: dict[str, str] = {
    # -- report headings
    "heading.verdict": "Verdict",
    "heading.cause": "Cause",
    "heading.evidence": "Evidence",
    "heading.remedies": "What to do",
    "heading.checks": "Checks",
    "heading.provider": "Provider",
    "heading.duration": "Duration",
    "heading.status": "Status",
    "heading.address": "Address",
    "heading.domain": "Domain",
    "heading.started_at": "Checked at",
    "heading.severity": "Severity",
    "heading.confidence": "Confidence",
    "heading.prevention": "Next time",
    "heading.also_possible": "Also possible",
    "source.section": "article §{section}",
    "confidence.percent": "{percent}% likely",
    # -- overall status, check status, severity
    "status.ok": "OK",
    "status.warning": "Warning",
    "status.critical": "Critical",
    "status.unknown": "Unknown",
    "check.pass": "pass",
    "check.warn": "warn",
    "check.fail": "fail",
    "check.skip": "skip",
    "check.error": "error",
    "severity.critical": "critical",
    "severity.warning": "warning",
    # -- provider
    "provider.matched_by.mx": "recognised from the MX records",
    "provider.matched_by.forced": "chosen with --provider",
    "provider.matched_by.generic": "not recognised: generic checks",
    "provider.unknown": "the mail provider",
    "provider.generic": "unrecognised provider",
    # -- `mailprobe settings` (article 4.2)
    "settings.title": "Client settings for {address} ({provider}):",
    "settings.login_name": "Login name",
    "settings.mx_failed":
        "Could not look up the MX records of {domain} ({failure}): the DNS lookup failed, so the provider is "
        "unknown. Check the network or DNS, or name the provider with --provider.",
    "settings.unknown":
        "No provider profile matches {domain} (MX: {mx}); try imap.{domain} and smtp.{domain}, "
        "or ask the mail administrator.",
    "settings.password_note":
        "Password: the mailbox password, or a client password (authorization code) where the provider "
        "requires one (article §5.2).",
    "settings.keep_note": "Keep these settings somewhere safe for the next device (article §4.2).",
    "settings.alternate": "alternate",
    "settings.tls.implicit": "SSL/TLS",
    "settings.tls.starttls": "STARTTLS",
    "settings.tls.plain": "no encryption",
    "service.imap": "IMAP",
    "service.pop3": "POP3",
    "service.smtp": "SMTP",
    "service.web": "webmail",
    # -- units and small phrases
    "unit.ms": "{n} ms",
    "unit.seconds": "{n} s",
    "unit.minutes": "{n} min",
    "unit.hours": "{n} h",
    "unit.days": "{n} days",
    "clock.local_behind": "about {amount} behind",
    "clock.local_ahead": "about {amount} ahead",
    # -- verdicts: one line that leads the report; `verdict.<cause>` needs no params
    "verdict.healthy": "Everything answers: {provider} looks healthy from here.",
    "verdict.inconclusive": "Some checks failed, but no single cause stands out; see the checks below.",
    "verdict.password_incorrect": "The server refused the login: the password or the login name is wrong.",
    "verdict.account_locked":
        "The account is locked after failed logins; the right password will not help yet.",
    "verdict.server_outage": "The provider's mail servers are failing, while your own network works.",
    "verdict.server_outage.unconfirmed":
        "{service} at {host}:{port} does not answer; with nothing to compare, it may be down on their side.",
    "verdict.server_outage.partial": "{service} at {host}:{port} fails on {failed} of {total} addresses.",
    "verdict.server_outage.service_down":
        "{service} at {host}:{port} is down on the provider's side; your network reaches other providers.",
    "verdict.server_outage.server_broken":
        "{service} at {host}:{port} accepts connections but breaks off the dialogue: a server-side fault.",
    "verdict.network_problem":
        "Your own network is the problem: the mail servers cannot be reached from here.",
    "verdict.network_problem.nothing_answers":
        "Your own network is the problem: nothing answers, not even other providers ({count} services "
        "tried).",
    "verdict.network_problem.no_baseline":
        "None of the {count} mail services answers; your network is the likelier cause.",
    "verdict.network_problem.port_blocked":
        "Port {port} ({service}) is blocked on this network: other providers do not answer on it either.",
    "verdict.dns_resolution_problem":
        "Your DNS resolver is failing, so mail server names cannot be looked up.",
    "verdict.dns_resolution_problem.no_resolver": "This computer has no DNS resolver configured.",
    "verdict.dns_resolution_problem.timeout": "Your DNS resolver does not answer when asked about {domain}.",
    "verdict.dns_resolution_problem.servfail": "Your DNS resolver fails when asked about {domain}.",
    "verdict.dns_resolution_problem.denies_everything":
        "Your DNS resolver says even the big mail providers' own servers do not exist: this network is offline, "
        "behind a captive portal, or its DNS is broken — it is not a fault of {domain}.",
    "verdict.dns_resolution_problem.slow":
        "Your DNS resolver is so slow ({ms} ms for the lookups alone) that the mail servers could not be "
        "tested in time.",
    "verdict.dns_resolution_problem.host_missing":
        "Your DNS resolver says the provider's server {host} does not exist, though it knows other names.",
    "verdict.dns_resolution_problem.hijacked":
        "Your DNS resolver sends different providers' servers all to {address}, where nothing answers: a "
        "captive portal or a hijacked resolver.",
    "verdict.mx_not_configured.host_missing":
        "{host} does not exist: {domain} lacks the DNS records its mail provider needs.",
    "verdict.mx_not_configured.mx_dangling":
        "{domain} points its mail at {mx}, which does not exist: the mailbox is not live.",
    "verdict.server_outage.page_missing":
        "Webmail at {host} answers, but its login page is missing (HTTP {code}).",
    "verdict.dns_resolution_problem.disagrees":
        "Your DNS resolver gives MX {resolver_mx}, but the domain's own servers say {authoritative_mx}.",
    "verdict.dns_resolution_problem.hosts_fail": "Your DNS resolver cannot look up the mail server {host}.",
    "verdict.browser_compatibility": "Webmail is up, but what it serves can stop browsers from logging in.",
    "verdict.browser_compatibility.legacy_tls":
        "Webmail at {host} offers only {version}, which current browsers refuse.",
    "verdict.browser_compatibility.redirect_loop":
        "Webmail at {host} sends browsers round in a redirect loop.",
    "verdict.browser_compatibility.resources":
        "Webmail at {host} loads, but {count} of its page resources fail.",
    "verdict.account_not_activated":
        "The server says the account is not activated, has expired or is disabled.",
    "verdict.mx_not_configured":
        "The domain's MX records do not lead to a mail provider: the mailbox is not live.",
    "verdict.mx_not_configured.null_mx": "{domain} publishes a null MX: it declares that it accepts no mail.",
    "verdict.mx_not_configured.no_mx": "{domain} has no MX record: no mail provider is set up for it.",
    "verdict.mx_not_configured.no_domain": "{domain} does not exist in DNS: not registered, or expired.",
    "verdict.mx_not_configured.elsewhere":
        "{domain}'s MX points to {other} ({mx}), not to {provider}: the mailbox does not live there.",
    "verdict.mx_not_configured.unknown_mx":
        "{domain}'s MX points to {mx}, not to {provider}: the mailbox does not live there.",
    "verdict.client_auth_code_required":
        "The provider wants a client password (authorization code) here, not the mailbox password.",
    "verdict.protocol_disabled": "IMAP, POP3 or SMTP access is switched off for this account.",
    "verdict.tls_certificate_problem":
        "A mail server's certificate does not verify: the connection is not safe.",
    "verdict.tls_certificate_problem.expired": "The certificate of {host} expired on {not_after}.",
    "verdict.tls_certificate_problem.not_yet_valid":
        "The certificate of {host} is valid only from {not_before}: check this computer's date.",
    "verdict.tls_certificate_problem.hostname_mismatch":
        "The certificate served for {host} names another host.",
    "verdict.tls_certificate_problem.untrusted":
        "The certificate of {host} comes from an issuer this computer does not trust: '{issuer}'.",
    "verdict.tls_certificate_problem.self_signed": "{host} presents a self-signed certificate.",
    "verdict.tls_certificate_problem.interception":
        "Something on this network or computer intercepts TLS to {host}: the certificate comes from "
        "'{issuer}'.",
    "verdict.tls_certificate_problem.other": "The certificate of {host} does not verify.",
    "verdict.tls_certificate_problem.expiring": "The certificate of {host} expires in {days} days.",
    "verdict.clock_skew": "This computer's clock is far off, which breaks secure connections.",
    "verdict.clock_skew.date_header":
        "This computer's clock is {clock} compared with the servers, which breaks secure connections.",
    "verdict.clock_skew.not_yet_valid":
        "Certificates such as that of {host} look 'not yet valid' here: this computer's clock is behind.",
    # -- what went wrong, one phrase per Failure
    "failure.nxdomain": "the name does not exist (NXDOMAIN)",
    "failure.no_answer": "no record of that type",
    "failure.servfail": "the resolver failed (SERVFAIL)",
    "failure.dns_timeout": "the resolver did not answer in time",
    "failure.no_resolver": "no DNS resolver is configured",
    "failure.refused": "connection refused",
    "failure.timeout": "no answer: timed out",
    "failure.reset": "connection reset",
    "failure.unreachable": "network unreachable: no route to the host",
    "failure.closed": "the server closed the connection",
    "failure.tls_verify": "certificate did not verify",
    "failure.tls_handshake": "TLS handshake failed",
    "failure.bad_reply": "the reply is not the expected protocol",
    "failure.rejected": "the server refused service",
    "failure.not_offered": "STARTTLS not offered",
    "failure.http_status": "HTTP error status",
    "failure.redirect_loop": "redirect loop",
    "failure.too_many_redirects": "too many redirects",
    "failure.no_address": "the host name has no address (A/AAAA)",
    "failure.internal": "mailprobe itself failed at this step",
    "stage.resolve": "name lookup",
    "stage.connect": "connect",
    "stage.tls": "TLS handshake",
    "stage.greeting": "greeting",
    "stage.capabilities": "capability listing",
    "stage.starttls": "STARTTLS",
    "stage.http": "HTTP request",
    "stage.login": "login",
    # -- one-line check summaries
    "summary.prefix": "{label}: {text}",
    "summary.join": ", ",
    "summary.list_sep": ", ",
    "summary.more": "+{count} more",
    "summary.passed": "ok",
    "summary.skipped": "not tested",
    "summary.could_not_test": "could not be tested",
    "summary.dns.mx": "MX: {records}",
    "summary.dns.null_mx": "null MX: the domain accepts no mail",
    "summary.dns.srv": "SRV: {records}",
    "summary.dns.srv_disabled": "SRV target '.': the service is declared not available",
    "summary.dns.records": "{rdtype}: {records}",
    "summary.dns.no_records": "no {rdtype} record",
    "summary.dns.nxdomain": "NXDOMAIN: {name} does not exist",
    "summary.dns.servfail": "resolver failed ({code})",
    "summary.dns.timeout": "resolver did not answer in time",
    "summary.dns.no_resolver": "no DNS resolver is configured on this machine",
    "summary.mail.starttls": "STARTTLS, {version}",
    "summary.mail.plain": "no TLS",
    "summary.mail.greeting": "greeting in {ms} ms",
    "summary.mail.capabilities": "{count} capabilities",
    "summary.mail.capabilities.one": "1 capability",
    "summary.web.ok": "HTTP {code} in {ms} ms",
    "summary.web.redirects": "{count} redirects",
    "summary.web.redirects.one": "1 redirect",
    "summary.web.server_ahead": "server clock {amount} ahead",
    "summary.web.server_behind": "server clock {amount} behind",
    "summary.web.legacy_tls": "only {version} offered (browsers refuse it)",
    "summary.web.resources": "{count} page resources failed",
    "summary.web.resources.one": "1 page resource failed",
    "summary.baseline.ok": "baseline: reachable in {ms} ms",
    "summary.baseline.failed": "baseline: {text}",
    "summary.baseline.skipped": "baseline: not tested",
    "summary.fail.timeout_greeting": "timed out after connect: no greeting",
    "summary.fail.timeout_stage": "timed out during {stage}",
    "summary.fail.reset_stage": "connection reset during {stage}",
    "summary.fail.closed_greeting": "the server closed the connection without a greeting",
    "summary.fail.closed_stage": "the server closed the connection during {stage}",
    "summary.fail.rejected": "server refused service: {reply}",
    "summary.fail.bad_reply": "not a valid reply: '{reply}'",
    "summary.fail.tls_handshake": "TLS handshake failed: {reason}",
    "summary.fail.internal": "mailprobe itself failed at this step: {reason}",
    "summary.fail.too_many_redirects": "too many redirects ({count})",
    "summary.fail.http_status": "HTTP {code}",
    "summary.cert.expired": "certificate has expired",
    "summary.cert.expired_on": "certificate expired on {date}",
    "summary.cert.not_yet_valid": "certificate is not yet valid",
    "summary.cert.not_yet_valid_until": "certificate not valid before {date}",
    "summary.cert.hostname_mismatch": "certificate is for another host",
    "summary.cert.hostname_mismatch_names": "certificate is for another host ({names})",
    "summary.cert.untrusted": "certificate issued by an untrusted issuer",
    "summary.cert.untrusted_issuer": "certificate issued by an untrusted issuer '{issuer}'",
    "summary.cert.self_signed": "self-signed certificate",
    "summary.cert.self_signed_subject": "self-signed certificate '{subject}'",
    "summary.cert.other": "certificate did not verify",
    "summary.cert.other_reason": "certificate did not verify: {reason}",
    "summary.cert.expires_in": "certificate expires in {days} days",
    "summary.cert.expires_in.one": "certificate expires in 1 day",
    "summary.cert.expires_today": "certificate expires today",
}
