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
    "also_possible.item": "{cause} — {title} ({likely}): {tell}",
    "source.section": "article §{section}",
    "nagios.section": "section {section}",
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
    "provider.mx_failed": "unknown",
    "provider.matched_by.mx_failed": "the MX lookup got no answer",
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
        "requires one (article §{section}).",
    "settings.password_note_generic":
        "Password: the mailbox password, or a client password (authorization code) where the provider "
        "requires one.",
    "settings.dns_problem":
        "The settings of {domain} cannot be looked up until the DNS works: run this again on a working network, "
        "or name the provider with --provider.",
    "settings.no_domain":
        "{domain} does not exist (the DNS says NXDOMAIN): check the spelling of the address.",
    "settings.published_title": "Client settings for {address}, as {domain} publishes them (SRV / autoconfig):",
    "settings.guessed_title":
        "No provider profile matches {domain} (MX: {mx}) and it publishes no settings; the usual names, "
        "unconfirmed (ask the mail administrator):",
    "settings.keep_note": "Keep these settings somewhere safe for the next device (article §4.2).",
    "settings.alternate": "alternate",
    "settings.tls.implicit": "SSL/TLS",
    "settings.tls.starttls": "STARTTLS",
    "settings.tls.plain": "no encryption",
    # a profile's label of an alternate server (providers/*.toml `label`); a label not listed is shown as written
    "settings.label.overseas": "overseas",
    "settings.label.recommended": "recommended",
    "settings.label.hangzhou": "Hangzhou",
    "settings.label.legacy": "legacy",
    "settings.label.shared": "shared",
    "settings.label.backup": "backup",
    "settings.label.paid_plans": "paid plans",
    "settings.label.autoconfig": "published by the domain",
    "settings.label.srv": "SRV record",
    "settings.label.mx": "the MX host",
    # -- `mailprobe providers`
    "providers.mx": "MX: {examples}",
    "providers.mx_patterns": "MX patterns: {patterns}",
    "providers.mx_hidden": "MX: {count} patterns (-v shows them)",
    "providers.section": "article §{section}",
    # -- `mailprobe history`
    "history.no_run": "{address}: no run in the last {days} days",
    "history.runs": "{address}: {count} runs in the last {days} days",
    "history.runs.one": "{address}: 1 run in the last {days} days",
    "history.healthy": "healthy {percent}% of the time",
    "history.changes": "state changes:",
    "history.worked": "worked at {good}, fails since {since}",
    "history.last_good": "last good run ({when}), the same checks:",
    "history.none_then": "(none of them ran then)",
    "history.never_healthy": "never seen healthy in the period; failing since {since}",
    "history.now": "now ({when}):",
    "history.now_report": "now ({when}, report {id}):",
    "history.report_id": "[report {id}]",
    "progress.checking": "checking",  # the progress bar of a batch on a terminal
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
    # -- verdicts without a cause (a cause's verdict sentences are in diagnosis/causes.toml)
    "verdict.healthy": "Everything answers: {provider} looks healthy from here.",
    "verdict.inconclusive": "Some checks failed, but no single cause stands out; see the checks below.",
    "verdict.refused":
        "Nothing could be confirmed: the DNS records of {domain} point its mail"
        " servers at addresses mailprobe does not dial (see the checks below).",
    "verdict.unconfirmed":
        "Nothing could be confirmed: no mail server of {domain} answered before mailprobe had to stop (cut off"
        " by the deadline, or not allowed to test it). Run it again with a longer --timeout.",
    "verdict.remembered.refused": (
        "A login was tried at {tried} over {service} and refused. {verdict} Not retried: the lockout guard (next"
        " login after {until})."
    ),
    "verdict.remembered.mailbox_refused": (
        "A login was tried at {tried} over {service}: accepted, but the mailbox did not open. {verdict} Not"
        " retried: the lockout guard (next login after {until})."
    ),
    "verdict.remembered.error": (
        "A login was tried at {tried} over {service} and broke off after the password was sent. {verdict} Not"
        " retried: the lockout guard (next login after {until})."
    ),
    "verdict.guard_unfinished": (
        "The login was not retried: the last one, begun at {tried}, has no recorded end (cut off, interrupted or"
        " still under way), so whether it works is not known. The lockout guard allows the next login after"
        " {until}."
    ),
    "hint.guard_cli": (
        "The lockout guard keeps logins to one mailbox {window} apart, so that retries cannot lock the account;"
        " --force-login overrides it (only when no phone or mail client keeps retrying meanwhile)."
    ),
    "time.utc": "{time} UTC",
    "verdict.unfinished.deadline":
        "mailprobe could not finish in the {timeout} s it had: what its own deadline cut off ({untested} of"
        " {checks} checks) was not tested, and that is no fault of DNS, the network or the provider. What did"
        " answer shows no fault:"
        " {answered_kinds}; the slowest answer took {slowest_ms} ms ({slowest}). Run it again with --timeout"
        " {suggested}.",
    "verdict.unfinished.nothing":
        "mailprobe could not finish in the {timeout} s it had: nothing answered before its own deadline, so"
        " nothing was tested, and that is no fault of DNS, the network or the provider. Run it again with"
        " --timeout {suggested}.",
    "verdict.unfinished.starved":
        "mailprobe itself was short of CPU (its event loop woke up to {lag_ms} ms late), so the time-outs it saw"
        " say nothing about DNS, the network or the provider. What did answer shows no fault: {answered_kinds};"
        " the slowest answer took {slowest_ms} ms ({slowest}). Run it again on a less busy machine, or with"
        " --timeout {suggested}.",
    "verdict.unfinished.none_answered": "nothing",
    "kind.dns": "DNS",
    "kind.baseline": "other providers",
    "kind.login": "login",
    "kind.count": "{kind} {count}",
    "summary.fail.cut_off": "not tested: mailprobe's own deadline ran out first",
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
    "failure.policy": "not followed: it leads from the internet into a private or local network",
    "failure.downgrade": "redirects from HTTPS to plain HTTP (not followed)",
    "failure.bad_redirect": "a redirect mailprobe does not follow (not HTTPS, or not a valid address)",
     "failure.internal": "mailprobe itself failed at this step",
    "stage.resolve": "name lookup",
    "stage.connect": "connect",
    "stage.tls": "TLS handshake",
    "stage.greeting": "greeting",
    "stage.capabilities": "capability listing",
    "stage.starttls": "STARTTLS",
    "stage.http": "HTTP request",
    "stage.login": "login",
    "stage.session": "reaching the server for the login",
    "stage.id": "ID (saying who the client is)",
    "stage.auth": "authentication",
    "stage.examine": "opening the mailbox (EXAMINE)",
    "stage.stat": "opening the mailbox (STAT)",
    "stage.logout": "logout",
    "stage.guard": "the lockout guard",
    "stage.deadline": "mailprobe's own deadline",
    "stage.internal": "mailprobe itself",
    "stage.engine": "mailprobe itself",
    "stage.redirect": "following a redirect",
    "stage.autoconfig": "reading the autoconfig file",
    # -- one-line check summaries
    # a password typing mistake, said beside any refused login's verdict (not only a wrong password's)
    "hygiene.note_sep": " ",
    "hygiene.note.fullwidth": (
        "Also, the password as typed holds full-width characters, which an input "
        "method in full-width mode produces: retype it in half-width mode."
    ),
    "hygiene.note.ideographic_space": (
        "Also, the password as typed holds an ideographic (full-width) space "
        "from a Chinese input method: retype it in half-width mode."
    ),
    "hygiene.note.surrounding_whitespace": (
        "Also, the password as typed starts or ends with a space or line break, as a copy "
        "and paste often brings along (an authorization code too): enter it without."
    ),
    "hygiene.note.caps_lock": "Also, the password as typed looks as if Caps Lock was on: switch it off and retype.",
    "hygiene.note.non_printing": (
        "Also, the password as typed holds invisible characters (control "
        "or zero-width), usually from a copy and paste: type it by hand."
    ),
    "summary.prefix": "{label}: {text}",
    "summary.join": ", ",
    "summary.list_sep": ", ",
    "summary.more": "+{count} more",
    "summary.passed": "ok",
    "summary.skipped": "not tested",
    "summary.could_not_test": "could not be tested",
    "summary.policy.never": "refused: DNS points it at {ip}, {cls}, where no mail server can be",
    "summary.policy.named_only":
        "refused: DNS points it at {ip}, {cls}, which mailprobe dials"
        " only where you name it yourself (--providers-dir, --baseline)",
    "summary.policy.budget": "not dialled: the domain publishes more addresses than one check follows",
    "ipclass.public": "a public address",
    "ipclass.private": "a private network address",
    "ipclass.loopback": "this machine (loopback)",
    "ipclass.link_local": "a link-local address",
    "ipclass.unspecified": "the unspecified address",
    "ipclass.multicast": "a multicast address",
    "ipclass.broadcast": "the broadcast address",
    "ipclass.metadata": "a cloud metadata address",
    "ipclass.reserved": "a reserved address",
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
    # -- the text report: its id, counts, sources (a report that fits a screen)
    "heading.report_id": "Report ID",
    "verdict.healthy_generic": "Everything answers: the mail servers of {domain} look healthy from here.",
    "checks.count.pass": "{count} passed",
    "checks.count.warn": "{count} with a warning",
    "checks.count.fail": "{count} failed",
    "checks.count.error": "{count} could not be tested",
    "checks.count.skip": "{count} not tested",
    "checks.not_probed": "{count} more addresses not probed",
    "checks.verbose_hint": "-v lists every check",
    "dns.source.resolver": "resolver {server}",
    "dns.source.authoritative": "authoritative server {server}",
    "batch.count": "{count} {status}",
    "batch.summary": "{count} mailboxes checked: {parts}.",
    # check --loop: the one message it sends and its progress lines on a terminal (mailprobe/loop/)
    "loop.subject": "mailprobe loop test {loop_id}",
    "loop.body": (
        "This message was sent by mailprobe to check that this mailbox sends and receives mail (test {loop_id}).\n"
        "mailprobe deletes it as soon as it has arrived; if it is still here, you may delete it."
    ),
    "loop.progress.start": "loop: quick checks done in {seconds} s; sending one message, waiting {budget} s at most",
    "loop.progress.sent": "loop: sent at {at} to {to}, waiting up to {budget} s …",
    "loop.progress.found": "loop: found after {seconds} s in {folder}",
    "loop.progress.waiting": "loop: not there yet after {seconds} s …",
}
