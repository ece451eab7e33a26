"""Shared pieces of the admin tests: a probe context with no network, documented API answers, a respx router
as the httpx transport, and one call that asks an adapter the way a check does."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import respx

from mailprobe.address import parse_address
from mailprobe.admin.credentials import AdminCredentials, ApiCredentials
from mailprobe.admin.run import AdminOptions, observe
from mailprobe.kinds.admin import AdminRecord
from mailprobe.net.deadline import Deadline
from mailprobe.net.resolver import Resolver
from mailprobe.net.tls import TlsSettings
from mailprobe.probes.base import ProbeContext
from mailprobe.profiles import Profile, load_profiles
from mailprobe.secret import Secret

USER = "zhangsan@acme-trading.com"
CORP_SECRET = "corp-SECRET-0123456789abcdef"
CLIENT_SECRET = "client~SECRET~abcdef0123456789"
EXMAIL_TOKEN = "exmail-TOKEN-9f8e7d6c5b4a"
GRAPH_TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOi.graph-TOKEN.signature"
EXMAIL = "https://api.exmail.qq.com/cgi-bin"
LOGIN = "https://login.microsoftonline.com"
GRAPH = "https://graph.microsoft.com/v1.0"
EXCHANGE = "https://outlook.office365.com"
NOW = int(time.time())


def context(seconds: float = 5.0, address: str = USER) -> ProbeContext:
    deadline = Deadline(seconds)
    return ProbeContext(deadline=deadline, tls=TlsSettings(), resolver=Resolver(deadline, [("127.0.0.1", 9)]),
                        target=parse_address(address))


def credentials(*apis: str) -> AdminCredentials:
    table: dict[str, ApiCredentials] = {}
    if "exmail" in apis:
        table["exmail"] = ApiCredentials("exmail", {"corpid": "wwcorp0001", "corpsecret": Secret(CORP_SECRET)})
    if "graph" in apis:
        table["graph"] = ApiCredentials("graph", {"tenant": "contoso.onmicrosoft.com", "client_id": "app-0001",
                                                  "client_secret": Secret(CLIENT_SECRET)})
    return AdminCredentials(table)


def ok(**fields: Any) -> dict[str, Any]:
    return {"errcode": 0, "errmsg": "ok", **fields}


def exmail_router(**overrides: Any) -> respx.MockRouter:
    """Exmail's documented answers for an enabled user with every switch on; OVERRIDES replace a call's JSON
    (keys: gettoken, user, option, login, operation)."""
    answers = {
        "gettoken": ok(access_token=EXMAIL_TOKEN, expires_in=7200),
        "user": ok(userid=USER, name="张三", department=[1], enable=1, slaves=[], cpwd_login=0),
        "option": ok(option=[{"type": 1, "value": "0"}, {"type": 2, "value": "1"}, {"type": 3, "value": "1"},
                             {"type": 4, "value": "0"}]),
        "login": ok(list=[{"time": NOW - 3600, "ip": "203.0.113.7", "type": 4}]),
        "operation": ok(list=[]),
    }
    answers.update(overrides)
    router = respx.MockRouter(assert_all_called=False)
    router.get(f"{EXMAIL}/gettoken").respond(json=answers["gettoken"])
    router.get(f"{EXMAIL}/user/get").respond(json=answers["user"])
    router.post(f"{EXMAIL}/useroption/get").respond(json=answers["option"])
    router.post(f"{EXMAIL}/log/login").respond(json=answers["login"])
    router.post(f"{EXMAIL}/log/operation").respond(json=answers["operation"])
    return router


def graph_router(user: Any = None, sign_ins: Any = None, token: Any = None,
                 user_status: int = 200, sign_in_status: int = 200, token_status: int = 200,
                 cas: Any = None, cas_status: int = 200) -> respx.MockRouter:
    router = respx.MockRouter(assert_all_called=False)
    router.post(f"{LOGIN}/contoso.onmicrosoft.com/oauth2/v2.0/token").respond(
        token_status, json=token if token is not None else
        {"token_type": "Bearer", "expires_in": 3599, "access_token": GRAPH_TOKEN})
    router.get(f"{GRAPH}/users/{USER}").respond(
        user_status, json=user if user is not None else {"accountEnabled": True, "userPrincipalName": USER})
    router.get(f"{GRAPH}/auditLogs/signIns").respond(
        sign_in_status, json=sign_ins if sign_ins is not None else {"value": []})
    router.post(f"{EXCHANGE}/adminapi/beta/contoso.onmicrosoft.com/InvokeCommand").respond(
        cas_status, json=cas if cas is not None else {"value": [
            {"Identity": USER, "ImapEnabled": True, "PopEnabled": True, "SmtpClientAuthenticationDisabled": None}]})
    return router


def profile(provider: str) -> Profile:
    found = load_profiles(None).get(provider)
    assert found is not None
    return found


def ask(router: respx.MockRouter, provider: str = "qq", apis: tuple[str, ...] = ("exmail",),
        ctx: ProbeContext | None = None, sleep: Callable[[float], Any] | None = None) -> AdminRecord:
    """The admin record a check would keep, asked through ROUTER as the httpx transport."""
    options = AdminOptions(credentials(*apis), transport=httpx.MockTransport(router.async_handler))
    chosen = profile(provider)

    async def run() -> AdminRecord:
        return await observe(ctx or context(), options, lambda: chosen, lambda: True)

    return asyncio.run(run())
