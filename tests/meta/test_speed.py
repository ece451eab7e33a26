"""What the check path imports before its first question: nothing the MX query does not need."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DEFERRED = ("httpx", "cryptography", "xml.etree.ElementTree", "jinja2", "prometheus_client",
            "mailprobe.probes.web", "mailprobe.probes.login", "mailprobe.login.run", "mailprobe.diagnosis.diagnose",
            "mailprobe.compose")


def test_the_check_path_imports_nothing_the_first_question_does_not_need() -> None:
    code = ("import sys, mailprobe.cli, mailprobe.check\n"
            f"print(' '.join(m for m in {DEFERRED!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.split() == []


def test_the_background_imports_stop_after_the_one_in_hand() -> None:
    """A check whose domain has no mail server needs no session probe: once told so, the warm-up finishes the
    import it is in and starts no other; whoever waits for it is released."""
    import asyncio
    import threading

    from mailprobe.probes import WarmUp

    in_first, release, ran = threading.Event(), threading.Event(), []

    def first() -> None:
        in_first.set()
        release.wait(10)
        ran.append("first")

    warm = WarmUp([first, lambda: ran.append("mail")])

    async def scenario() -> None:
        warm.start(lambda: ran.append("diagnosis"))
        assert in_first.wait(10)
        stopping = asyncio.ensure_future(warm.stop())
        await asyncio.sleep(0.05)
        assert not stopping.done()  # the import in hand is never left half done
        release.set()
        await asyncio.wait_for(stopping, 10)

    asyncio.run(scenario())
    assert ran == ["first"]
    assert warm.probes_ready.is_set()


def test_the_background_imports_run_in_order_when_not_stopped() -> None:
    import asyncio

    from mailprobe.probes import WarmUp

    ran: list[str] = []
    warm = WarmUp([lambda: ran.append("mail"), lambda: ran.append("web")])
    warm.start(lambda: ran.append("diagnosis"))

    async def scenario() -> None:
        await asyncio.wait_for(warm.wait_probes(), 10)

    asyncio.run(scenario())
    assert ran == ["mail", "web", "diagnosis"]  # the probes first; the diagnosis imports while they run


def test_a_probe_waits_for_its_own_modules_only() -> None:
    """The mail probes start once the mail modules are in, while httpx and the web probe still load: a session
    never waits for another group's imports."""
    import asyncio
    import threading

    from mailprobe.probes import WarmUp

    release = threading.Event()
    ran: list[str] = []

    def mail() -> None:
        ran.append("mail")

    def web() -> None:
        release.wait(10)
        ran.append("web")

    warm = WarmUp([mail, web])

    async def scenario() -> None:
        warm.start(lambda: ran.append("diagnosis"))
        await asyncio.wait_for(warm.wait_probes(mail), 5)
        assert ran == ["mail"]  # released while web is still importing
        waiting_for_web = asyncio.ensure_future(warm.wait_probes(web))
        waiting_for_all = asyncio.ensure_future(warm.wait_probes())
        await asyncio.sleep(0.05)
        assert not waiting_for_web.done() and not waiting_for_all.done()
        release.set()
        await asyncio.wait_for(asyncio.gather(waiting_for_web, waiting_for_all), 10)

    asyncio.run(scenario())
    assert ran == ["mail", "web", "diagnosis"]


def test_a_healthy_check_never_loads_cryptography(tmp_path: Path) -> None:
    """OpenSSL decodes every certificate it verified; cryptography is for one that failed (net/tls.py)."""
    import json

    from tests.lab.world import CUSTOMER, World

    code = ("import atexit, sys\n"
            "atexit.register(lambda: print('cryptography' in sys.modules, file=sys.stderr))\n"
            "from mailprobe.cli import main\n"
            "sys.argv = ['mailprobe', *sys.argv[1:]]\n"
            "main()\n")
    with World(tmp_path) as world:
        done = subprocess.run([sys.executable, "-c", code, "check", f"user@{CUSTOMER}", "--format", "json",
                               *world.cli_args()], capture_output=True, text=True, timeout=60)
    report = json.loads(done.stdout)
    assert report["status"] == "ok", done.stdout[:2000]
    certificates = [c for c in report["checks"] if ((c.get("data") or {}).get("tls") or {}).get("certificate")]
    assert certificates, "the healthy world's servers showed certificates"
    assert done.stderr.strip().splitlines()[-1] == "False"


def test_help_imports_none_of_the_heavy_packages() -> None:
    code = ("import atexit, sys\n"
            "heavy = ('pydantic', 'httpx', 'dns', 'cryptography', 'jinja2')\n"
            "atexit.register(lambda: print(' '.join(m for m in heavy if m in sys.modules), file=sys.stderr))\n"
            "from mailprobe.cli import main\n"
            "sys.argv = ['mailprobe', '--help']\n"
            "main()\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "check" in done.stdout
    assert done.stderr.strip().splitlines()[-1:] in ([], [""])


def test_the_first_question_leaves_before_pydantic_loads() -> None:
    """Without --login nothing the MX question does not need is loaded before it is asked: not the password
    sources (the secret's pydantic model), not the check. (The question goes to a closed loopback port.)"""
    code = ("import os, sys\n"
            "import mailprobe.net.early as early\n"
            "def ask(*args):\n"
            "    print(' '.join(m for m in ('pydantic', 'mailprobe.secret', 'mailprobe.check') if m in sys.modules))\n"
            "    sys.stdout.flush()\n"
            "    os._exit(0)\n"
            "early.ask = ask\n"
            "from mailprobe.cli import main\n"
            "sys.argv = ['mailprobe', 'check', 'a@example.com', '--nameserver', '127.0.0.1:9', '--timeout', '2']\n"
            "main()\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == []


def test_the_quick_exit_still_runs_exit_handlers_and_delivers_all_output() -> None:
    """The CLI skips the interpreter's teardown (some 50 ms of freeing objects), never what exit owes."""
    import json

    code = ("import atexit, sys\n"
            "atexit.register(lambda: print('handler ran', file=sys.stderr))\n"
            "from mailprobe.cli import main\n"
            "sys.argv = ['mailprobe', 'schema']\n"
            "main()\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert json.loads(done.stdout)["title"]  # every byte of a large output arrived
    assert done.stderr.strip().splitlines()[-1] == "handler ran"


def _collector_after(*args: str) -> str:
    code = ("import atexit, gc, sys\n"
            "atexit.register(lambda: print('collector', gc.isenabled(), file=sys.stderr))\n"
            "from mailprobe.cli import main\n"
            "sys.argv = ['mailprobe', *sys.argv[1:]]\n"
            "main()\n")
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60)
    return done.stderr.strip().splitlines()[-1]


def test_a_short_command_runs_without_the_cyclic_collector_a_batch_with_it() -> None:
    """Start-up builds a large heap the collector would walk again and again; a run that lasts collects."""
    assert _collector_after("--help") == "collector False"
    quick = ("--nameserver", "127.0.0.1:9", "--timeout", "1", "--no-baseline", "--format", "json")
    assert _collector_after("check", "a@one.invalid", *quick) == "collector False"
    assert _collector_after("check", "a@one.invalid", "b@two.invalid", *quick) == "collector True"


def test_the_command_hands_the_gil_over_quickly() -> None:
    """The event loop waking to an answer waits for the importing thread's turn to end: a short one."""
    code = "import sys, mailprobe.cli\nprint(sys.getswitchinterval())\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert float(done.stdout) <= 0.001
