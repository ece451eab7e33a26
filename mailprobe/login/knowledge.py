"""What login refusals mean: standard response codes and providers' known replies, as data for classify."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailprobe.causes import Cause

# The cause ids the SPEC added for the login probe.
MODERN_AUTH_REQUIRED = Cause.MODERN_AUTH_REQUIRED.value
LOGIN_RESTRICTED = Cause.LOGIN_RESTRICTED.value

PASSWORD = Cause.PASSWORD_INCORRECT.value
LOCKED = Cause.ACCOUNT_LOCKED.value
OUTAGE = Cause.SERVER_OUTAGE.value
NOT_ACTIVATED = Cause.ACCOUNT_NOT_ACTIVATED.value
AUTH_CODE = Cause.CLIENT_AUTH_CODE_REQUIRED.value
DISABLED = Cause.PROTOCOL_DISABLED.value
MODERN = MODERN_AUTH_REQUIRED
RESTRICTED = LOGIN_RESTRICTED

Weights = tuple[tuple[str, float], ...]

# A refusal of the credentials that no code, profile pattern or known text explains (`NO Login failed.`,
# `-ERR Login failed.`, Exim's `535 Incorrect authentication data`): the server answered and rejected them.
# A wrong password (or login name) is the usual reason; a locked or inactive account is refused in the same
# words by many servers. Modest confidence: the words say that, not why.
BARE_REFUSAL: Weights = ((PASSWORD, 0.5), (LOCKED, 0.3), (NOT_ACTIVATED, 0.25))

# RFC 5530 IMAP response codes. ALERT carries no meaning of its own: its text is read like any other.
IMAP_CODES: dict[str, Weights] = {
    "AUTHENTICATIONFAILED": ((PASSWORD, 0.9),),
    # Authenticated, yet not allowed in: no mailbox behind the account (not activated) or no access by
    # this protocol.
    "AUTHORIZATIONFAILED": ((NOT_ACTIVATED, 0.6), (DISABLED, 0.4)),
    # RFC 5530 speaks of the passphrase ("the user should get a new passphrase"), not of the account: a
    # password that has expired is fixed like a wrong one (reset it, article 3.1). An expired account is
    # the second reading.
    "EXPIRED": ((PASSWORD, 0.65), (NOT_ACTIVATED, 0.45)),
    # We only ever log in over TLS, so "privacy required" means a policy refuses this connection or client.
    "PRIVACYREQUIRED": ((RESTRICTED, 0.4),),
    # "Contact your administrator": locked and not activated both send users there; both ranked.
    "CONTACTADMIN": ((LOCKED, 0.5), (NOT_ACTIVATED, 0.45)),
    "NOPERM": ((DISABLED, 0.6),),
    # Another session holds the mailbox: a temporary lock, not a frozen account.
    "INUSE": ((LOCKED, 0.4),),
    "LIMIT": ((LOCKED, 0.6),),
    "UNAVAILABLE": ((OUTAGE, 0.8),),
    "SERVERBUG": ((OUTAGE, 0.5),),
    # EXAMINE INBOX answered "no such mailbox": the account has no mailbox yet.
    "NONEXISTENT": ((NOT_ACTIVATED, 0.4),),
    # A sign-in the user must confirm in a browser; the text says whether a client password or OAuth is due.
    "WEBALERT": ((AUTH_CODE, 0.4), (MODERN, 0.35)),
}

# RFC 2449 / RFC 3206 POP3 response codes.
POP3_CODES: dict[str, Weights] = {
    "AUTH": ((PASSWORD, 0.85),),
    "SYS/TEMP": ((OUTAGE, 0.7),),
    # A permanent system problem; RFC 3206 gives "the account is disabled" as one example.
    "SYS/PERM": ((OUTAGE, 0.5), (NOT_ACTIVATED, 0.35)),
    "IN-USE": ((LOCKED, 0.5),),
    "LOGIN-DELAY": ((LOCKED, 0.7),),
}

# RFC 3463 / RFC 4954 / RFC 5248 enhanced status codes, as answers to AUTH.
SMTP_ENHANCED: dict[str, Weights] = {
    "5.7.8": ((PASSWORD, 0.9),),  # authentication credentials invalid
    # "Mechanism too weak": PLAIN over TLS is as strong as password login gets, so the server wants
    # something else than the password: Google's app password, or OAuth.
    "5.7.9": ((AUTH_CODE, 0.6), (MODERN, 0.45)),
    "4.7.0": ((OUTAGE, 0.5),),  # temporary authentication failure
    "4.7.12": ((PASSWORD, 0.6),),  # a password transition is needed
    "5.7.12": ((PASSWORD, 0.6),),
    # Microsoft: basic authentication off (5.7.139) or no longer accepted for submission (5.7.30).
    "5.7.139": ((MODERN, 0.8),),
    "5.7.30": ((MODERN, 0.9),),
    # Microsoft answers wrong credentials and "this account may not use SMTP AUTH" alike with 5.7.3.
    "5.7.3": ((PASSWORD, 0.5), (DISABLED, 0.35), (MODERN, 0.35)),
    # We only offer a mechanism the server advertised: refusing it means the server will not take
    # password logins here (Exchange: 504 5.7.4 when the connector has basic auth off).
    "5.7.4": ((DISABLED, 0.4),),
    "5.5.4": ((DISABLED, 0.35),),
    # Encryption required, yet we are on TLS: a policy against this connection.
    "5.7.11": ((RESTRICTED, 0.3),),
    # 5.7.0 ("other security status") and 5.7.1 say nothing by themselves: the text must.
}
# When a reply carries a basic code and no enhanced code.
SMTP_BASIC: dict[str, Weights] = {
    "421": ((OUTAGE, 0.6),),
    "454": ((OUTAGE, 0.5),),
}
# Classes of enhanced code that mean the server itself is in trouble (RFC 3463 X.3.*, X.4.*).
SMTP_OUTAGE_CLASSES = re.compile(r"^4\.[34]\.\d{1,3}$")


@dataclass(frozen=True)
class TextRule:
    """A reply text and what it means; source names where the text was seen (shared/providers.md)."""

    pattern: re.Pattern[str]
    weights: Weights
    source: str


def _rule(pattern: str, weights: Weights, source: str) -> TextRule:
    return TextRule(re.compile(pattern, re.IGNORECASE | re.MULTILINE), weights, source)


# Replies providers are known to give. A match here is specific knowledge: the generic phrases below are
# then not consulted. A rule with no weights marks a reply that says nothing about the login's cause.
PROVIDER_TEXTS: tuple[TextRule, ...] = (
    # Tencent (QQ, Exmail)
    _rule(
        r"Account is abnormal, service is not open, password is incorrect",
        # One reply for five causes; ranked by how often each turns out to be the answer.
        ((PASSWORD, 0.5), (DISABLED, 0.4), (AUTH_CODE, 0.35), (LOCKED, 0.3), (NOT_ACTIVATED, 0.25), (OUTAGE, 0.2)),
        "Tencent: chengazhen/cursor-auto-free#294",
    ),
    # "System busy" misleads: harbor#1271 found a wrong password, security login or IMAP/SMTP off behind it.
    _rule(
        r"authentication failed, system busy",
        ((PASSWORD, 0.45), (AUTH_CODE, 0.4), (DISABLED, 0.35)),
        "Exmail: goharbor/harbor#1271",
    ),
    _rule(
        r"enter your authorization code|请使用授权码登录|請使用授權碼登錄|using authorized code to login",
        ((AUTH_CODE, 0.9),),
        "QQ: louislam/uptime-kuma#3434; pandolia/qqbot#221",
    ),
    _rule(r"Authorized code is incorrect|授权码错误", ((AUTH_CODE, 0.7), (PASSWORD, 0.6)), "QQ: closeio/sync-engine"),
    _rule(r"using weixin token", ((AUTH_CODE, 0.85),), "Exmail: closeio/sync-engine"),
    _rule(r"客户端专用密码|客戶端專用密碼", ((AUTH_CODE, 0.85),), "Exmail help (QQ-HELP)"),
    # Alone, not inside the five-causes reply above, which lists it among the others.
    _rule(
        r"^(?![^\n]*Account is abnormal)[^\n]*login frequency limited",
        ((LOCKED, 0.8),),
        "QQ: public ops notes (UNCERTAIN)",
    ),
    # NetEase (qiye.163.com, Coremail): ERR.LOGIN.* codes as mapped by the SIRIUS client
    _rule(r"ERR\.LOGIN\.PASSERR", ((PASSWORD, 0.8), (AUTH_CODE, 0.35)), "NetEase: SIRIUS; public code"),
    _rule(r"ERR\.LOGIN\.REQCODE", ((AUTH_CODE, 0.9),), "NetEase: SIRIUS; EmailDrafter"),
    _rule(r"ERR\.LOGIN(?:RULE)?\.IPDENY", ((RESTRICTED, 0.9),), "NetEase: SIRIUS; LAIFA-204"),
    _rule(r"ERR\.LOGIN\.USERNOTEXIST", ((NOT_ACTIVATED, 0.7),), "NetEase: SIRIUS"),
    _rule(r"ERR\.LOGIN\.USERSTATUS", ((NOT_ACTIVATED, 0.75), (LOCKED, 0.45)), "NetEase: SIRIUS"),
    _rule(r"ERR\.LOGIN\.(?:USEREXP|DOMAINEXPED|DOMAINSTATUS)", ((NOT_ACTIVATED, 0.85),), "NetEase: SIRIUS"),
    # Also "this host is the wrong cluster for the domain" (LAIFA-204).
    _rule(r"ERR\.LOGIN\.DOMAINNOTEXIST", ((NOT_ACTIVATED, 0.6),), "NetEase: SIRIUS; LAIFA-204"),
    _rule(r"ERR\.LOGIN\.PERMDENY", ((DISABLED, 0.5), (NOT_ACTIVATED, 0.4)), "NetEase: SIRIUS"),
    _rule(r"ERR\.LOGIN\.SYSTEMBUSY", ((OUTAGE, 0.7),), "NetEase: SIRIUS"),
    _rule(r"VERIFYCODE\.REQ|ERR\.REQ\.VERIFYCODE", ((LOCKED, 0.85),), "NetEase: SIRIUS"),
    _rule(r"ERR\.LOGIN\.SMTPLIMIT", ((LOCKED, 0.6),), "NetEase: one code regex (UNCERTAIN)"),
    _rule(r"ACCOUNT\.NEED2FA", ((AUTH_CODE, 0.6),), "NetEase: SIRIUS (a bound phone comes before a client code)"),
    _rule(r"email format login fail", ((PASSWORD, 0.6),), "NetEase: EmailDrafter (login name must be the address)"),
    _rule(r"Login error or password error", ((PASSWORD, 0.7), (AUTH_CODE, 0.45)), "NetEase: nexent#3609"),
    _rule(r"User has no permission", ((DISABLED, 0.8),), "NetEase: testerSunshine/12306#62"),
    _rule(
        r"Error: authentication failed(?!, system busy)",
        ((PASSWORD, 0.5), (AUTH_CODE, 0.45)),
        "163/126: hongrunhui/node_12306#1",
    ),
    # The login worked, then the mailbox was refused. Coremail says so to clients that send no IMAP ID;
    # mailprobe sends one first, so what remains is NetEase's security policy refusing this client.
    _rule(r"Unsafe Login", ((RESTRICTED, 0.7),), "Coremail: offlineimap#696; himalaya#651"),
    # Alibaba Mail
    _rule(
        r"Authentication failure\[0\]",
        ((PASSWORD, 0.5), (AUTH_CODE, 0.4), (DISABLED, 0.35)),
        "Aliyun: alibaba/canal#554; ALI-3P",
    ),
    _rule(r"too many password errors", ((LOCKED, 0.7),), "Aliyun: company-skill.com (UNCERTAIN)"),
    # Microsoft 365
    _rule(r"basic authentication is disabled", ((MODERN, 0.9),), "M365: rpremraj/mailR#107; nodemailer#1714"),
    _rule(
        r"SmtpClientAuthentication is disabled",
        ((DISABLED, 0.85), (MODERN, 0.5)),
        "M365: nodemailer#1484; email-oauth2-proxy#193",
    ),
    _rule(
        r"Basic authentication is not supported for Client Submission",
        ((MODERN, 0.9),),
        "M365: Exchange blog, SMTP AUTH basic-auth retirement",
    ),
    _rule(r"security defaults policy", ((MODERN, 0.75), (LOCKED, 0.4)), "M365: warmbly mailcause (UNCERTAIN)"),
    _rule(r"Account does not have a valid mailbox", ((NOT_ACTIVATED, 0.8),), "M365: mailcore2#1314"),
    # Exchange's bare IMAP refusal. M365 took password logins off IMAP/POP in 2022: "password login is not
    # possible here" is likelier than a wrong password.
    _rule(
        # Exchange's exact words, upper-case command included (Courier's "Login failed." is not this).
        r"(?-i:\bNO (?:AUTHENTICATE|LOGIN) failed\.)\s*$",
        ((MODERN, 0.65), (PASSWORD, 0.45), (DISABLED, 0.3)),
        "Exchange/M365: MailKit#483; imapsync#395",
    ),
    # Google
    _rule(r"Application-specific password required", ((AUTH_CODE, 0.9),), "Google: PHPMailer#1708"),
    # Since autumn 2024 Google takes no account password for IMAP/SMTP: an app password may be what is missing.
    _rule(
        r"Username and Password not accepted|BadCredentials",
        ((PASSWORD, 0.85), (AUTH_CODE, 0.4)),
        "Google: swiftmailer#1083",
    ),
    _rule(
        r"Web login required|log in via your web browser",
        ((AUTH_CODE, 0.55), (MODERN, 0.5)),
        "Google: MailKit#1214; mailcore2#876",
    ),
    # Yandex: one reply, two causes.
    _rule(r"Invalid credentials or IMAP is disabled", ((PASSWORD, 0.6), (DISABLED, 0.55)), "Yandex: Mailspring#904"),
    _rule(r"Invalid credentials", ((PASSWORD, 0.8),), "Gmail-format replies: node-imap#826"),
    # Rate limits and temporary locks
    _rule(
        r"Too many (?:login|bad auth) attempts|#AUTH005",
        ((LOCKED, 0.8),),
        "warmbly mailcause test data; Yahoo reports",
    ),
    # A limit on connections (per account or per client address) is a rate limit, never a wrong password.
    _rule(
        r"Too many (?:simultaneous |concurrent |open )?connections|connection limit (?:exceeded|reached)",
        ((LOCKED, 0.5),),
        "warmbly mailcause test data; Dovecot / Postfix connection limits",
    ),
    # RFC 1939 §7: the maildrop is held by another POP3 session, as [IN-USE] says it (POP3_CODES).
    _rule(r"unable to lock maildrop|maildrop (?:is )?(?:locked|busy|in use)", ((LOCKED, 0.5),), "RFC 1939"),
    # The client's address is on a blocklist (Spamhaus and other DNSBLs): this network's IP is turned away,
    # neither the password nor the provider's servers. Modest: the remedy is to try from another network.
    _rule(
        r"blocked using|\b(?:DNSBL|RBL|spamhaus|block ?list(?:ed)?|black ?list(?:ed)?)\b"
        r"|\b(?:IP|address|host)\b[^.\n]{0,30}\bis listed\b",
        ((RESTRICTED, 0.45),),
        "Spamhaus / DNSBL rejections (RFC 5782)",
    ),
)

# Plain words any server may use; consulted only when no code, provider reply or profile pattern knew
# better. Bare "authentication failed" or "login failed" is deliberately absent: it says the login was
# refused, not why.
GENERIC_TEXTS: tuple[TextRule, ...] = (
    _rule(
        r"(?:invalid|incorrect|wrong|bad) (?:(?:user ?name|login|account) ?(?:or|and|/) ?)?password"
        r"|password (?:is )?(?:incorrect|invalid|wrong)|authentication credentials invalid|密码错误|密碼錯誤",
        ((PASSWORD, 0.6),),
        "generic",
    ),
    _rule(r"invalid login|login incorrect", ((PASSWORD, 0.45),), "generic"),
    _rule(
        r"app(?:lication)?[- ]specific password|app password|授权码|授權碼|专用密码|專用密碼",
        ((AUTH_CODE, 0.75),),
        "generic",
    ),
    _rule(
        r"\boauth|modern auth|basic auth\w* (?:is )?(?:disabled|not (?:supported|allowed|enabled))",
        ((MODERN, 0.7),),
        "generic",
    ),
    _rule(
        r"\b(?:IMAP|POP3?|SMTP)\b[^.\n]{0,30}\b(?:disabled|not enabled|not allowed|not open)"
        r"|(?:IMAP|POP3?|SMTP)[^。\n]{0,10}(?:未开启|未開啟|未开通|未開通|已关闭|已關閉)",
        ((DISABLED, 0.6),),
        "generic",
    ),
    _rule(
        r"account (?:is |has been )?(?:temporarily )?(?:locked|frozen|suspended|blocked)"
        r"|too many (?:failed |bad |invalid )?(?:logins?|auth\w*|passwords?)|已锁定|已冻结|已鎖定|已凍結",
        ((LOCKED, 0.7),),
        "generic",
    ),
    _rule(
        r"account (?:is |has been )?(?:disabled|expired|deleted|inactive|not activated)|not activated"
        r"|账号已过期|帳號已過期|账号已停用|帳號已停用|未激活|未啟用",
        ((NOT_ACTIVATED, 0.65),),
        "generic",
    ),
    _rule(
        r"(?:\bip\b|address|network|country|region|location)[^.\n]{0,30}(?:not allowed|denied|blocked|restricted)"
        r"|IP被禁用|登录限制|登入限制",
        ((RESTRICTED, 0.6),),
        "generic",
    ),
    _rule(
        r"temporar(?:il)?y (?:unavailable|failure|error)|try again later|service unavailable"
        r"|system (?:is )?busy|系统繁忙|系統繁忙",
        ((OUTAGE, 0.45),),
        "generic",
    ),
)
