"""`mailprobe serve` cannot be steered from a web page or a URL (issue 18, findings 1, 2, 17, 18, 21), over
real HTTP against the server on loopback:

- DNS rebinding: a request for a name the server does not serve — with the Origin and Sec-Fetch-Site a
  rebound page would send — gets 421 and one log line on every route, and the loopback IMAP server sees no
  login; the listen address, `localhost` and the `--allow-host` / `allow_hosts` names are answered;
- the form is posted only with a token this process issued (and not expired);
- `/probe` takes the target from the URL and where it connects from the config: `baseline`, `nameserver`
  and `provider` only where a module lists them in `url_params`, `authoritative`, `ca_file` and
  `providers_dir` never — and nothing is dialled for a refused request;
- NaN and infinity are refused in every number a request or the config gives;
- a bad `--config` stops the start with one line and exit 3;
- the pages' CSP allows their own style and script by a fresh nonce, never 'unsafe-inline'.
"""

from __future__ import annotations

import re
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.lab.loginserver import LoginServer
from tests.lab.world import World
from tests.monitoring.test_form import nonce_of, token
from tests.support.command import assert_bad_input, cli_env, run_mailprobe
from tests.support.exporter import USER, free_port, serving

PASSWORD = "rebound-Sekret-7"
ALLOWED = "mailprobe.lab.test"  # allow_hosts in the config: any port
PROXY = "proxy.lab.test:8443"  # --allow-host with a port: that port only


@dataclass
class Served:
    base: str
    port: int
    log: Path
    world: World

    def imap(self) -> LoginServer:
        server = self.world.servers["qq.imap"]
        assert isinstance(server, LoginServer)
        return server

    def log_lines(self, needle: str) -> list[str]:
        return [line for line in self.log.read_text(encoding="utf-8").splitlines() if needle in line]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A loopback world whose qq IMAP server takes USER / PASSWORD, and `serve` on 127.0.0.1 with a config
    (an allowed name; a module `steer` that lets the URL choose the baseline) and its stderr in a file."""
    root = tmp_path_factory.mktemp("serve-security")
    with World(root / "world", login={"qq.imap": {"username": USER, "password": PASSWORD}}) as world:
        config = root / "mailprobe.toml"
        config.write_text(
            f'allow_hosts = ["{ALLOWED}"]\n'
            "[modules.steer]\n"
            'url_params = ["baseline"]\n'
            f"nameservers = [{world.dns.nameserver!r}]\n"
            f"ca_file = {str(world.ca_file)!r}\n"
            f"providers_dir = {str(world.providers_dir)!r}\n"
            "timeout = 5\n", encoding="utf-8")
        port = free_port()
        log = root / "serve.log"
        command = [sys.executable, "-m", "mailprobe", "serve", "--listen", f"127.0.0.1:{port}", "--config",
                   str(config), "--allow-host", PROXY, *world.cli_args(), "--timeout", "5"]
        with log.open("w", encoding="utf-8") as stderr, \
                serving(command, port, cli_env({"XDG_STATE_HOME": str(root / "state")}), stderr) as base:
            yield Served(base, port, log, world)


def _rebound(name: str, port: int) -> dict[str, str]:
    """What a browser sends from a page at http://NAME:PORT/ once NAME resolves to 127.0.0.1."""
    return {"Host": f"{name}:{port}", "Origin": f"http://{name}:{port}", "Sec-Fetch-Site": "same-origin"}


# -- finding 1: DNS rebinding ---------------------------------------------------------------------------


def test_a_rebound_name_is_refused_on_every_route_and_no_login_is_sent(served: Served) -> None:
    login = {"address": USER, "lang": "en", "login": "on", "password": PASSWORD}
    requests = {
        "check": ("POST", "/check", {**login, "token": token(served.base)}),
        "probe": ("GET", f"/probe?target={USER}", None),
        "metrics": ("GET", "/metrics", None),
        "form": ("GET", "/", None),
    }
    for route, (method, path, data) in requests.items():
        name = f"rebind-{route}.attacker.example"
        answer = httpx.request(method, served.base + path, data=data, headers=_rebound(name, served.port), timeout=20)
        assert answer.status_code == 421, (route, answer.status_code, answer.text[:200])
        assert "not a name this server answers" in answer.text
        assert PASSWORD not in answer.text
        assert answer.headers["x-content-type-options"] == "nosniff"
        lines = served.log_lines(name)
        assert len(lines) == 1, lines  # one log line per refused request
        assert "refused" in lines[0] and PASSWORD not in lines[0]
    assert served.imap().authentications == 0  # the loopback IMAP server saw no login
    assert PASSWORD not in served.log.read_text(encoding="utf-8")

    # The control: the same post to the server's own name does reach the IMAP login (once).
    answer = httpx.post(served.base + "/check", data={**login, "token": token(served.base)}, timeout=30)
    assert answer.status_code == 200 and "data-verdict" in answer.text
    assert served.imap().authentications == 1


@pytest.mark.parametrize(("host", "answered"), [
    ("127.0.0.1:{port}", True),
    ("localhost:{port}", True),
    ("LOCALHOST:{port}", True),
    (f"{ALLOWED}", True),  # a configured name on any port (e.g. behind a proxy on 443)
    (f"{ALLOWED}:{{port}}", True),
    (PROXY, True),
    ("127.0.0.1:1", False),  # the listen address on another port
    ("127.0.0.2:{port}", False),
    ("[::1]:{port}", False),
    ("proxy.lab.test:9999", False),  # --allow-host NAME:PORT pins the port
    ("localhost.attacker.example:{port}", False),
    ("127.0.0.1.nip.io:{port}", False),
    ("attacker.example", False),
    ("", False),
    ("127.0.0.1:{port}@attacker.example", False),
])
def test_only_the_names_it_serves_are_answered(served: Served, host: str, answered: bool) -> None:
    answer = httpx.get(served.base + "/metrics", headers={"Host": host.format(port=served.port)}, timeout=10)
    assert answer.status_code == (200 if answered else 421), answer.text[:200]


def test_a_request_without_a_host_is_refused(served: Served) -> None:
    with socket.create_connection(("127.0.0.1", served.port), timeout=5) as conn:
        conn.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")  # HTTP/1.0 may leave Host out
        reply = b""
        while chunk := conn.recv(4096):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 421 "), reply[:200]


# -- finding 1: the form's token --------------------------------------------------------------------


def _forged(served: Served) -> str:
    issued, salt, mac = token(served.base).split(".")
    return f"{int(issued) - 1}.{salt}.{mac}"  # an older time under the same MAC: the MAC no longer fits


@pytest.mark.parametrize("kind", ["missing", "garbage", "forged", "other-process"])
def test_a_form_post_needs_a_token_this_server_issued(served: Served, kind: str, tmp_path: Path) -> None:
    if kind == "other-process":  # a token from another mailprobe serve (another secret)
        port = free_port()
        with serving([sys.executable, "-m", "mailprobe", "serve", "--listen", f"127.0.0.1:{port}"], port) as other:
            value = token(other)
    else:
        value = {"missing": "", "garbage": "x" * 40, "forged": _forged(served)}[kind]
    before = served.imap().authentications
    data = {"address": USER, "lang": "en", "login": "on", "password": PASSWORD}
    if value:
        data["token"] = value
    answer = httpx.post(served.base + "/check", data=data, timeout=20)
    assert answer.status_code == 400
    assert "expired or did not come from this server" in answer.text
    assert PASSWORD not in answer.text
    assert re.search(r'name="token" value="[^"]+"', answer.text)  # the form again, with a fresh token
    assert served.imap().authentications == before


def test_a_token_is_good_for_a_while_on_its_own_process_only() -> None:
    from mailprobe.webform import FormTokens

    now = [1000.0]
    tokens = FormTokens(ttl_s=60, clock=lambda: now[0])
    issued = tokens.issue()
    assert tokens.valid(issued)
    assert tokens.issue() != issued  # a token per page
    now[0] = 1059.0
    assert tokens.valid(issued)
    now[0] = 1061.0
    assert not tokens.valid(issued)  # expired
    now[0] = 990.0
    assert not tokens.valid(issued)  # issued "in the future"
    assert not FormTokens(clock=lambda: 1000.0).valid(issued)  # another process's secret


# -- finding 2: the URL names the target, the config where to connect --------------------------------


@pytest.mark.parametrize(("param", "value", "says"), [
    ("baseline", "127.0.0.1:{tcp}", "url_params"),
    ("nameserver", "127.0.0.1:{udp}", "url_params"),
    ("provider", "qq", "url_params"),
    ("authoritative", "127.0.0.1:{udp}", "never from a URL"),
    ("ca_file", "/etc/hostname", "never from a URL"),
    ("providers_dir", "/tmp", "never from a URL"),
])
def test_probe_takes_no_connection_steering_parameter(served: Served, param: str, value: str, says: str) -> None:
    with socket.socket() as tcp, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        tcp.bind(("127.0.0.1", 0))
        tcp.listen()
        tcp.setblocking(False)
        udp.bind(("127.0.0.1", 0))
        udp.setblocking(False)
        chosen = value.format(tcp=tcp.getsockname()[1], udp=udp.getsockname()[1])
        answer = httpx.get(served.base + "/probe", params={"target": USER, param: chosen}, timeout=20)
        assert answer.status_code == 400
        assert f"parameter '{param}' refused" in answer.text and says in answer.text
        with pytest.raises(BlockingIOError):
            tcp.accept()  # no HEAD / was sent to the "internal" port
        with pytest.raises(BlockingIOError):
            udp.recv(512)  # no DNS question reached the "metadata" resolver


def test_a_module_may_let_the_url_choose_what_its_config_lists(served: Served) -> None:
    params = {"target": USER, "baseline": "127.0.0.1:9"}
    assert httpx.get(served.base + "/probe", params=params, timeout=20).status_code == 400
    answer = httpx.get(served.base + "/probe", params={**params, "module": "steer"}, timeout=20)
    assert answer.status_code == 200, answer.text
    refused = httpx.get(served.base + "/probe", params={**params, "module": "steer", "nameserver": "127.0.0.1"},
                        timeout=20)
    assert refused.status_code == 400 and "parameter 'nameserver' refused" in refused.text


# -- finding 17 (serve): no NaN, no infinity -----------------------------------------------------------


@pytest.mark.parametrize(("params", "headers", "says"), [
    ({"cert_warn_days": "nan"}, {}, "must be numbers"),
    ({"cert_warn_days": "inf"}, {}, "must be numbers"),
    ({"cert_crit_days": "-inf"}, {}, "must be numbers"),
    ({"cert_crit_days": "1e999"}, {}, "must be numbers"),
    ({"timeout": "NaN"}, {}, "must be numbers"),
    ({"cert_warn_days": "-1"}, {}, "from 0 to 3650"),
    ({"cert_warn_days": "100000"}, {}, "from 0 to 3650"),
    ({}, {"X-Prometheus-Scrape-Timeout-Seconds": "nan"}, "not a number"),
    ({}, {"X-Prometheus-Scrape-Timeout-Seconds": "inf"}, "not a number"),
])
def test_nan_and_infinity_are_refused(served: Served, params: dict[str, str], headers: dict[str, str],
                                      says: str) -> None:
    answer = httpx.get(served.base + "/probe", params={"target": USER, **params}, headers=headers, timeout=20)
    assert answer.status_code == 400, answer.text[:200]
    assert says in answer.text


# -- finding 18: the config is checked before the server listens --------------------------------------


@pytest.mark.parametrize(("config", "says"), [
    ('[modules.default]\ntimeout = "fast"\n', "[modules.default] timeout must be a number of seconds"),
    ("[modules.default]\ntimeout = nan\n", "timeout must be a number"),
    ("[modules.default]\ntimeout = 500\n", "at most 120"),
    ("[modules.x]\ncert_warn_days = nan\n", "[modules.x] cert_warn_days must be a number of days"),
    ("[modules.x]\ncert_crit_days = inf\n", "cert_crit_days must be a number of days"),
    ("[modules.x]\ncert_warn_days = true\n", "cert_warn_days must be a number"),
    ('[modules.x]\nnameservers = "10.0.0.53"\n', "nameservers must be a list"),
    ('[modules.x]\nnameservers = ["dns.example"]\n', "is not an IP address"),
    ('[modules.x]\nbaseline = ["no-port"]\n', "is not HOST:PORT"),
    # the one HOST:PORT parser the command line uses: a host that is no host name is refused here too
    ('[modules.x]\nbaseline = ["two words:993"]\n', "is neither a host name nor an IP address"),
    ('[modules.x]\nbaseline = ["imap.example:²"]\n', "is not HOST:PORT"),
    ('[modules.x]\nno_baseline = "yes"\n', "no_baseline must be true or false"),
    ('[modules.x]\nurl_params = ["target"]\n', "url_params: 'target' is not one of"),
    ("[modules.x]\nprovider = 7\n", "provider must be a string"),
    ('[modules.x]\nprovider = "nosuch"\n', "unknown provider"),
    ('[modules.x]\nca_file = "/nonexistent/ca.pem"\n', "module 'x'"),
    ('[modules.x]\nproviders_dir = "/nonexistent/providers"\n', "module 'x'"),
    ('[modules.x]\nbogus = 1\n', "unknown keys bogus"),
    ('listen = "0.0.0.0:80"\n', "unknown keys listen"),
    ("modules = 3\n", "modules must be a table"),
    ('allow_hosts = "mailprobe.lab.test"\n', "allow_hosts must be a list"),
    ('allow_hosts = ["two words"]\n', "is not a host name"),
])
def test_a_bad_config_stops_the_start_with_one_line(tmp_path: Path, config: str, says: str) -> None:
    path = tmp_path / "mailprobe.toml"
    path.write_text(config, encoding="utf-8")
    result = run_mailprobe("serve", "--listen", f"127.0.0.1:{free_port()}", "--config", str(path), timeout=20)
    line = assert_bad_input(result)
    assert says in line, line


@pytest.mark.parametrize(("args", "says"), [
    (["--timeout", "nan"], "--timeout must be a number"),
    (["--allow-host", "evil example"], "--allow-host"),
    (["--allow-host", "host:99999"], "--allow-host"),
])
def test_bad_serve_options_stop_the_start_with_one_line(args: list[str], says: str) -> None:
    result = run_mailprobe("serve", "--listen", f"127.0.0.1:{free_port()}", *args, timeout=20)
    assert says in assert_bad_input(result)


# -- finding 21: a nonce, never 'unsafe-inline' ---------------------------------------------------------


def test_the_form_page_allows_its_style_by_a_fresh_nonce(served: Served) -> None:
    first, second = (httpx.get(served.base + "/", timeout=5) for _ in range(2))
    nonces = []
    for answer in (first, second):
        nonce = nonce_of(answer.headers["content-security-policy"])
        assert "script-src" not in answer.headers["content-security-policy"]  # the form runs no script
        assert re.findall(r"<style\b([^>]*)>", answer.text) == [f' nonce="{nonce}"']
        assert "<script" not in answer.text
        nonces.append(nonce)
    assert nonces[0] != nonces[1]
    bare = httpx.get(served.base + "/metrics", timeout=5).headers["content-security-policy"]
    assert "unsafe-inline" not in bare and "default-src 'none'" in bare
