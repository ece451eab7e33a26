"""The corp secret, the client secret and every token stay out of every record, summary, report and message:
raw, and inside URLs (Exmail puts access_token in the query string)."""

from __future__ import annotations

import base64
import json
import logging
from datetime import UTC, datetime
from urllib.parse import quote

import httpx
import pytest

from mailprobe.admin.http import Redactor
from mailprobe.compose import compose
from mailprobe.diagnosis.diagnose import diagnose
from mailprobe.kinds import summarize
from mailprobe.render import FORMATS
from mailprobe.render.options import RenderOptions
from mailprobe.secret import CREDENTIAL_MASK, Secret
from tests.admin.helpers import (
    CLIENT_SECRET,
    CORP_SECRET,
    EXCHANGE,
    EXMAIL,
    EXMAIL_TOKEN,
    GRAPH,
    GRAPH_TOKEN,
    LOGIN,
    USER,
    ask,
    exmail_router,
    graph_router,
    ok,
)
from tests.support.evidence import evidence, mx_ok

EXCHANGE_TOKEN = "eyJ0eXAiOiJKV1Qi.exchange-TOKEN.sig-5e4d3c2b1a"
SECRETS = (CORP_SECRET, CLIENT_SECRET, EXMAIL_TOKEN, GRAPH_TOKEN, EXCHANGE_TOKEN)


def test_the_redactor_masks_credentials_in_urls_json_and_headers() -> None:
    redact = Redactor()
    redact.add(Secret(CORP_SECRET))
    said = redact(f"GET {EXMAIL}/user/get?access_token=abc.DEF-123&userid={USER} corpsecret={CORP_SECRET} "
                  '{"client_secret": "xyz", "assertion": "a.b.c"} Authorization: Bearer eyJabc.def')
    for leaked in ("abc.DEF-123", CORP_SECRET, "xyz", "a.b.c", "eyJabc.def"):
        assert leaked not in said
    assert "access_token=[credential]" in said and USER in said


def test_the_redactor_masks_a_secret_in_every_form_the_one_masker_knows() -> None:
    # The administrator side masks its secrets with `secret.Redactor`: percent-encoded, in another letter case,
    # in base64 and JSON-escaped echoes go as "[credential]" too, not only the exact text.
    secret = "s3cr+t/Value=="
    redact = Redactor()
    redact.add(Secret(secret))
    echoes = (quote(secret, safe=""), secret.upper(), base64.b64encode(secret.encode()).decode(), json.dumps(secret))
    said = redact("echo " + " and ".join(echoes))
    assert "s3cr" not in said.lower() and base64.b64encode(secret.encode()).decode() not in said
    assert said.count(CREDENTIAL_MASK) == len(echoes) and "[password]" not in said


def leaky_exmail() -> object:
    """An API that echoes the token and the secret back in its error words and in a failed URL."""
    echoed = f"invalid access_token {EXMAIL_TOKEN}, url {EXMAIL}/useroption/get?access_token={EXMAIL_TOKEN}"
    router = exmail_router(option={"errcode": 40014, "errmsg": echoed})
    router.post(f"{EXMAIL}/log/login").mock(side_effect=httpx.ReadError(
        f"reset reading {EXMAIL}/log/login?access_token={EXMAIL_TOKEN}"))
    router.post(f"{EXMAIL}/log/operation").respond(json=ok(list=[], note=CORP_SECRET))
    return ask(router)


def leaky_graph() -> object:
    denied = {"error": {"code": "Authorization_RequestDenied",
                        "message": f"token {GRAPH_TOKEN} secret {CLIENT_SECRET} lacks AuditLog.Read.All"}}
    router = graph_router(sign_in_status=403, sign_ins=denied)
    router.get(f"{GRAPH}/users/{USER}").mock(side_effect=httpx.ConnectError(
        f"Authorization: Bearer {GRAPH_TOKEN}"))
    return ask(router, provider="microsoft365", apis=("graph",))


def leaky_exchange() -> object:
    """Exchange Online's own token (scope outlook.office365.com), echoed back by a refused InvokeCommand."""
    def token(request: httpx.Request) -> httpx.Response:
        scope = dict(httpx.QueryParams(request.content.decode()))["scope"]
        return httpx.Response(200, json={"access_token": EXCHANGE_TOKEN if "outlook" in scope else GRAPH_TOKEN})

    router = graph_router(cas_status=403, cas={"error": {
        "code": "Forbidden", "message": f"token {EXCHANGE_TOKEN} lacks Exchange.ManageAsApp ({CLIENT_SECRET})"}})
    router.post(f"{LOGIN}/contoso.onmicrosoft.com/oauth2/v2.0/token").mock(side_effect=token)
    record = ask(router, provider="microsoft365", apis=("graph",))
    invoke = next(c.request for c in router.calls if c.request.url.path.endswith("/InvokeCommand"))
    assert str(invoke.url).startswith(EXCHANGE) and invoke.headers["authorization"] == f"Bearer {EXCHANGE_TOKEN}"
    return record


@pytest.mark.parametrize("leaky", [leaky_exmail, leaky_graph, leaky_exchange])
def test_no_secret_or_token_reaches_the_record_its_words_or_any_report_format(leaky: object) -> None:
    record = leaky()  # type: ignore[operator]
    assert record.problems  # the echoes were there to leak
    texts = [record.model_dump_json()] + [summarize(record, lang) for lang in ("en", "zh-Hans", "zh-Hant")]
    seen = evidence(mx_ok(), record)
    report = compose(seen, diagnose(seen), "en", datetime.now(UTC), 10.0)
    texts.append(report.model_dump_json())
    for name in ("text", "json", "html", "prometheus", "nagios"):
        texts.append(FORMATS[name].render([report], RenderOptions(verbose=True)))
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def test_httpx_request_logs_carry_no_token_in_their_urls(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        record = ask(exmail_router())
    assert record.enabled is True
    assert "access_token=[credential]" in caplog.text and "corpsecret=[credential]" in caplog.text
    for secret in SECRETS:
        assert secret not in caplog.text
