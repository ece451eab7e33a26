"""The form of `mailprobe serve` over real HTTP on loopback: GET / is the form (a password field only on a
loopback listener, a strict CSP, nothing loaded from anywhere); POST /check streams the head at once, a
line per finished probe, then the report in three languages; bad input is a 400 page saying why, never a
500 and never a traceback; a password never comes from a URL and a listener off loopback refuses it."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.lab.world import World
from tests.support.command import cli_env
from tests.support.exporter import SECOND, USER, free_port, serving

PASSWORD = "hunter2-Sekret"
_REMOTE = (
    "import sys, uvicorn\n"
    "from mailprobe.serve import Exporter, load_modules\n"
    "app = Exporter(load_modules(None), loopback=False).app()\n"
    "uvicorn.run(app, host='127.0.0.1', port=int(sys.argv[1]), log_level='warning')\n"
)


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("state")


@pytest.fixture(scope="module")
def server(world: World, state: Path) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "mailprobe", "serve", "--listen", f"127.0.0.1:{port}", *world.cli_args(),
               "--timeout", "5"]
    with serving(command, port, cli_env({"XDG_STATE_HOME": str(state)})) as base:
        yield base


@pytest.fixture(scope="module")
def remote() -> Iterator[str]:
    """The same app as a listener that is NOT on loopback sees it (the test itself stays on 127.0.0.1)."""
    port = free_port()
    with serving([sys.executable, "-c", _REMOTE, str(port)], port) as base:
        yield base


def _strict(answer: httpx.Response) -> None:
    csp = answer.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "form-action 'self'" in csp and "frame-ancestors 'none'" in csp
    assert answer.headers["x-content-type-options"] == "nosniff"


def _external(html: str) -> list[str]:
    """Every URL in the page that names a host (src, href, action): there must be none."""
    return re.findall(r"""(?:src|href|action)\s*=\s*["']?\s*(?:[a-z]+:)?//""", html, re.IGNORECASE)


def token(base: str) -> str:
    """The token of a form page just loaded (a post must carry one that this server issued)."""
    found = re.search(r'<input type="hidden" name="token" value="([^"]+)">', httpx.get(base + "/", timeout=5).text)
    assert found is not None
    return found.group(1)


def _post(base: str, data: dict[str, str], **kwargs: object) -> httpx.Response:
    return httpx.post(base + "/check", data={**data, "token": token(base)}, timeout=20,
                      **kwargs)  # type: ignore[arg-type]


def nonce_of(csp: str) -> str:
    """The one nonce a CSP names for style (and script): no 'unsafe-inline' beside it."""
    assert "unsafe-inline" not in csp
    nonces = set(re.findall(r"'nonce-([A-Za-z0-9_-]{16,})'", csp))
    assert len(nonces) == 1, csp
    return nonces.pop()


def test_form_on_loopback_offers_the_login(server: str) -> None:
    answer = httpx.get(server + "/", timeout=5)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    _strict(answer)
    page = answer.text
    assert '<form method="post" action="/check"' in page
    assert 'name="address"' in page and 'name="lang"' in page
    assert 'type="checkbox"' in page and 'name="password" type="password"' in page
    assert "<script" not in page and _external(page) == []


def test_form_speaks_the_language_asked_for(server: str) -> None:
    assert "檢查信箱" in httpx.get(server + "/", params={"lang": "zh-Hant"}, timeout=5).text
    assert "检查邮箱" in httpx.get(server + "/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}, timeout=5).text


def test_check_streams_head_progress_then_report(server: str) -> None:
    chunks: list[tuple[float, str]] = []
    started = time.monotonic()
    data = {"address": USER, "lang": "zh-Hans", "token": token(server)}
    with httpx.stream("POST", server + "/check", data=data, timeout=20) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/html")
        _strict(answer)
        nonce = nonce_of(answer.headers["content-security-policy"])
        for chunk in answer.iter_text():
            chunks.append((time.monotonic() - started, chunk))
    page = "".join(chunk for _, chunk in chunks)
    # The head (and the progress section's opening) arrive before any probe has finished.
    assert "<main" in chunks[0][1] and "data-verdict" not in chunks[0][1]
    lines = [m.start() for m in re.finditer("data-progress-line", page)]
    assert len(lines) >= 3
    assert lines[-1] < page.index("data-progress-done") < page.index("data-verdict")
    assert "正在检查" in page
    for lang in ("en", "zh-Hans", "zh-Hant"):
        assert f'data-lang-part="{lang}"' in page
    assert page.rstrip().endswith("</html>")
    assert _external(page) == []
    # Every <style> and <script> carries the header's nonce (the meta CSP names the same one); none else runs.
    assert f"script-src 'nonce-{nonce}'" in answer.headers["content-security-policy"]
    tags = re.findall(r"<(style|script)\b([^>]*)>", page)
    assert {name for name, _ in tags} == {"style", "script"}
    assert all(attributes == f' nonce="{nonce}"' for _, attributes in tags), tags
    assert nonce_of(re.findall(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page)[0]
                    .replace("&#39;", "'")) == nonce
    assert not re.search(r"\sstyle\s*=", page)


@pytest.mark.parametrize(("data", "says"), [
    ({"address": "not-an-address", "lang": "en"}, "not an address mailprobe can check"),
    ({"address": "", "lang": "en"}, "Type an email address"),
    ({"address": "a" * 400 + "@example.com"}, "too long"),
    ({"address": USER, "lang": "fr"}, "Unknown report language"),
    ({"address": USER, "extra": "1"}, "a field it does not know"),
    ({"address": USER, "login": "on"}, "needs the password"),
    ({"address": "not-an-address", "lang": "zh-Hant"}, "這不是 mailprobe 能檢查的地址"),
])
def test_bad_input_is_a_400_page_saying_why(server: str, data: dict[str, str], says: str) -> None:
    answer = _post(server, data)
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/html")
    _strict(answer)
    assert says in answer.text
    assert "data-form-error" in answer.text and "data-check-form" in answer.text  # the form again, to fix it
    assert "Traceback" not in answer.text


def test_a_password_never_comes_from_a_url(server: str) -> None:
    data = {"address": USER, "token": token(server)}
    answer = httpx.post(server + "/check", params={"password": PASSWORD}, data=data, timeout=10)
    assert answer.status_code == 400
    assert "never from the URL" in answer.text
    assert PASSWORD not in answer.text


def test_a_bad_address_with_a_password_never_echoes_it(server: str) -> None:
    answer = _post(server, {"address": "bad", "login": "on", "password": PASSWORD})
    assert answer.status_code == 400
    assert PASSWORD not in answer.text
    assert 'value="bad"' in answer.text  # the address is kept for the fix, the password is not


@pytest.mark.parametrize(("kwargs", "says"), [
    ({"content": b'{"address": "a@b.c"}', "headers": {"Content-Type": "application/json"}}, "x-www-form-urlencoded"),
    ({"data": {"address": USER}, "headers": {"Origin": "http://evil.example"}}, "another site"),
    ({"data": {"address": USER}, "headers": {"Sec-Fetch-Site": "cross-site"}}, "another site"),
    ({"data": {"address": "a" * 9000}}, "too long"),
])
def test_odd_requests_are_400_too(server: str, kwargs: dict[str, object], says: str) -> None:
    if "data" in kwargs:
        kwargs = {**kwargs, "data": {**kwargs["data"], "token": token(server)}}  # type: ignore[dict-item]
    answer = httpx.post(server + "/check", timeout=10, **kwargs)  # type: ignore[arg-type]
    assert answer.status_code == 400
    assert says in answer.text


def test_wrong_method_is_not_a_500(server: str) -> None:
    answer = httpx.put(server + "/check", data={"address": USER}, timeout=5)
    assert answer.status_code == 405
    _strict(answer)
    # A reload of the answer page (GET /check) goes back to the form, without the URL's fields.
    reload = httpx.get(server + "/check", params={"address": USER}, timeout=5)
    assert reload.status_code == 303 and reload.headers["location"] == "/?lang=en"
    _strict(reload)


def test_login_opt_in_on_loopback_keeps_the_password_secret(server: str, state: Path) -> None:
    answer = _post(server, {"address": USER, "lang": "en", "login": "on", "password": PASSWORD})
    assert answer.status_code == 200
    assert "data-verdict" in answer.text
    assert re.search(r"\bLogin\b|login", answer.text)
    assert PASSWORD not in answer.text
    assert (state / "mailprobe" / "state.db").exists()  # the lockout guard recorded the attempt
    again = _post(server, {"address": USER, "lang": "en", "login": "on", "password": PASSWORD})
    assert again.status_code == 200
    assert "lockout guard" in again.text  # the second login within the interval was never sent
    assert PASSWORD not in again.text


def test_a_login_the_guard_kept_back_is_shown_in_words_with_a_hint_for_a_web_page(server: str) -> None:
    first = _post(server, {"address": SECOND, "lang": "en", "login": "on", "password": PASSWORD})
    again = _post(server, {"address": SECOND, "lang": "en", "login": "on", "password": PASSWORD})
    assert first.status_code == again.status_code == 200
    page = again.text
    assert "login.imap/guard" in page
    assert re.search(r"\bstage\.[a-z]", page) is None  # words, never a message key ("failed at: stage.guard")
    assert "--force-login" not in page  # the command line's override means nothing on a web page
    assert "not retried by the lockout guard" in page and "check again after" in page
    assert "logged in less than" not in page and "內已登入過" not in page and "内已登录过" not in page
    assert PASSWORD not in page


def test_remote_listener_has_no_password_field_and_refuses_one(remote: str) -> None:
    form = httpx.get(remote + "/", timeout=5)
    assert form.status_code == 200
    assert 'type="password"' not in form.text and 'name="login"' not in form.text
    for data in ({"address": USER, "login": "on", "password": PASSWORD}, {"address": USER, "password": PASSWORD},
                 {"address": USER, "login": "on"}):
        answer = _post(remote, data)
        assert answer.status_code == 400
        assert "does not take passwords" in answer.text
        assert PASSWORD not in answer.text
