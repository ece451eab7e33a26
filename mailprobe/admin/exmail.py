"""Tencent Exmail's open API (腾讯企业邮箱 开放接口, providers.md §8): the account, its per-user switches, its
logins and the administrators' operations on it over the last 7 days.

Errors come back as JSON `errcode` with HTTP 200; each is a problem said in words, and a failed call stops only
what needs it. The access token lives in this call's memory for the run only, and in the query string of each
request, which is masked wherever a URL or message may be kept.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mailprobe.admin.credentials import ApiCredentials
from mailprobe.admin.http import AdminHttp, Reply, bounded
from mailprobe.kinds.admin import AdminChange, AdminFacts, AdminProblem, AdminQuote, ChangeKind, ProblemKind

BASE_URL = "https://api.exmail.qq.com"
LOG_DAYS = 7
# errcode → what it means (Exmail's own table; WeCom-style codes, which Exmail shares).
INVALID_CREDENTIALS = frozenset({40001, 40013, 40014, 40091, 41001, 41004, 42001})
UNKNOWN_USER = frozenset({60111, 60102, 46004, 60103})
PERMISSION = frozenset({48001, 48002, 48003, 48004, 60011, 60020, 301002})
RATE_LIMITED = frozenset({45009, 45033, 45011, 45047})
# useroption/get types: 1 forced secure login (WeChat dynamic code), 2 IMAP/SMTP, 3 POP/SMTP, 4 dynamic code on.
OPTION_NAMES = {1: "force_secure_login", 2: "imap_smtp", 3: "pop_smtp", 4: "secure_login"}
OPTION_PROTOCOLS = {2: ("imap", "smtp"), 3: ("pop3", "smtp")}
LOGIN_TYPES = {1: "web", 2: "phone", 3: "app", 4: "client", 5: "other"}
# log/operation's record types, as Tencent's API documentation lists them (接口文档 #10031, 查询操作记录, mirrored
# word for word by the CPAN module QQ::exmail::log and by Python and PHP SDKs): 1–41, among them 2 修改密码,
# 21 启用用户, 22 禁用用户, 37 IP登录权限. No type for switching secure login appears there; 23 编辑用户 says
# too little to name a change. Types read here are only those four.
OPERATIONS: dict[int, ChangeKind] = {2: "password_changed", 21: "enabled", 22: "disabled", 37: "ip_rule_changed"}


def problem_kind(errcode: int) -> ProblemKind:
    if errcode in INVALID_CREDENTIALS:
        return "invalid_credentials"
    if errcode in UNKNOWN_USER:
        return "unknown_user"
    if errcode in PERMISSION:
        return "permission"
    if errcode in RATE_LIMITED:
        return "rate_limited"
    return "api_error"


async def consult(http: AdminHttp, credentials: ApiCredentials, user: str, urls: dict[str, str],
                  facts: AdminFacts) -> None:
    base = urls.get("api", BASE_URL).rstrip("/")
    app = credentials.signs_in
    http.redact.add(app.password)
    got = await _call(http, facts, "gettoken", "GET", f"{base}/cgi-bin/gettoken",
                      params={"corpid": app.login_name or "", "corpsecret": app.password.reveal()})
    token = got.field("access_token") if got is not None else None
    if not isinstance(token, str) or not token:
        if got is not None:
            facts.problems.append(AdminProblem(call="gettoken", kind="api_error", detail="no access_token"))
        return
    http.redact.add(token)
    auth = {"access_token": token}
    now = datetime.now(UTC)

    account = await _call(http, facts, "user/get", "GET", f"{base}/cgi-bin/user/get", params={**auth, "userid": user})
    if account is None:
        return
    facts.exists = True
    enable, cpwd = account.field("enable"), account.field("cpwd_login")
    if enable is not None:
        facts.enabled = str(enable) == "1"
        facts.quotes.append(AdminQuote(at=now, source="user/get", text=f"enable = {bounded(enable, 10)}",
                                       notable=not facts.enabled))
    if cpwd is not None:
        facts.must_change_password = str(cpwd) == "1"
        facts.quotes.append(AdminQuote(at=now, source="user/get", text=f"cpwd_login = {bounded(cpwd, 10)}",
                                       notable=facts.must_change_password))

    options = await _call(http, facts, "useroption/get", "POST", f"{base}/cgi-bin/useroption/get", params=auth,
                          json_body={"userid": user, "type": [1, 2, 3, 4]})
    if options is not None:
        _read_options(options, facts, now)

    window = {"begin_date": (now - timedelta(days=LOG_DAYS)).strftime("%Y-%m-%d"), "end_date": now.strftime("%Y-%m-%d")}
    logins = await _call(http, facts, "log/login", "POST", f"{base}/cgi-bin/log/login", params=auth,
                         json_body={"userid": user, **window})
    if logins is not None:
        _read_logins(logins, facts)
    operations = await _call(http, facts, "log/operation", "POST", f"{base}/cgi-bin/log/operation", params=auth,
                             json_body={"type": 1, **window})
    if operations is not None:
        _read_operations(operations, facts, user)


async def _call(http: AdminHttp, facts: AdminFacts, call: str, method: str, url: str, *,
                params: dict[str, str], json_body: object = None) -> Reply | None:
    """The call's reply when it answered with errcode 0; otherwise its problem, said, and None."""
    reply = await http.request(method, url, params=params, json_body=json_body)
    if reply.error is not None:
        facts.problems.append(AdminProblem(call=call, kind="unreachable", code=reply.error.kind.value,
                                           detail=reply.error.detail))
        return None
    errcode = reply.field("errcode")
    if reply.status == 429:
        facts.problems.append(AdminProblem(call=call, kind="rate_limited", code="429"))
        return None
    if reply.status != 200 or not isinstance(reply.body, dict):
        facts.problems.append(AdminProblem(call=call, kind="api_error", code=str(reply.status),
                                           detail="the answer is not the API's JSON"))
        return None
    if errcode not in (0, None):
        code = int(errcode) if isinstance(errcode, int | str) and str(errcode).lstrip("-").isdigit() else -1
        facts.problems.append(AdminProblem(call=call, kind=problem_kind(code), code=str(errcode),
                                           detail=http.redact(bounded(reply.field("errmsg") or ""))))
        return None
    return reply


def _read_options(reply: Reply, facts: AdminFacts, now: datetime) -> None:
    found = reply.field("option")
    if not isinstance(found, list):
        return
    off: list[str] = []
    for item in found:
        if not isinstance(item, dict):
            continue
        kind, value = item.get("type"), str(item.get("value", ""))
        if not isinstance(kind, int) or kind not in OPTION_NAMES:
            continue
        notable = (kind in (1, 4) and value == "1") or (kind in OPTION_PROTOCOLS and value == "0")
        facts.quotes.append(AdminQuote(at=now, source="useroption/get", notable=notable,
                                       text=f"type {kind} ({OPTION_NAMES[kind]}) = {bounded(value, 10)}"))
        if kind == 1:
            facts.secure_login_forced = value == "1"
        elif kind == 4:
            facts.secure_login_enabled = value == "1"
        elif kind in OPTION_PROTOCOLS and value == "0":
            off += [p for p in OPTION_PROTOCOLS[kind] if p not in off]
    # SMTP is off only when neither IMAP/SMTP nor POP/SMTP is on.
    values = {item.get("type"): str(item.get("value", "")) for item in found if isinstance(item, dict)}
    if values.get(2) == "1" or values.get(3) == "1":
        off = [p for p in off if p != "smtp"]
    facts.protocols_off = off


def _time(value: object) -> datetime | None:
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        try:
            return datetime.fromtimestamp(int(value), UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
    return None


def _read_logins(reply: Reply, facts: AdminFacts) -> None:
    entries = [e for e in (reply.field("list") or []) if isinstance(e, dict)]
    entries.sort(key=lambda e: _time(e.get("time")) or datetime.min.replace(tzinfo=UTC), reverse=True)
    if entries:
        last = entries[0]
        facts.last_login_at = _time(last.get("time"))
        facts.last_login_ip = bounded(last.get("ip", ""), 60) or None
        kind = last.get("type")
        facts.last_login_via = LOGIN_TYPES.get(kind, "other") if isinstance(kind, int) else "other"
        said = f"ip {facts.last_login_ip}, type {kind} ({facts.last_login_via})"
        facts.quotes.append(AdminQuote(at=facts.last_login_at, source="log/login", text=said))


def _read_operations(reply: Reply, facts: AdminFacts, user: str) -> None:
    entries = [e for e in (reply.field("list") or []) if isinstance(e, dict)]
    mine = [e for e in entries if user.lower() in str(e.get("operand", "")).lower()]
    mine.sort(key=lambda e: _time(e.get("time")) or datetime.min.replace(tzinfo=UTC), reverse=True)
    for entry in mine[:20]:
        kind = entry.get("type")
        what = OPERATIONS.get(kind) if isinstance(kind, int) else None
        if what is None:
            continue
        at, by = _time(entry.get("time")), bounded(entry.get("operator", ""), 80) or None
        facts.changes.append(AdminChange(at=at, by=by, what=what))
        said = f"type {kind} ({what}) by {by or '?'} on {bounded(entry.get('operand', ''), 80)}"
        facts.quotes.append(AdminQuote(at=at, source="log/operation", text=said, notable=True))
