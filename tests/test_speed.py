"""What the check path imports before its first question: nothing the MX query does not need."""

from __future__ import annotations

import subprocess
import sys

DEFERRED = ("httpx", "cryptography", "xml.etree.ElementTree", "jinja2", "prometheus_client",
            "mailprobe.probes.web", "mailprobe.probes.login", "mailprobe.login.run", "mailprobe.diagnosis.diagnose",
            "mailprobe.compose")


def test_the_check_path_imports_nothing_the_first_question_does_not_need() -> None:
    code = ("import sys, mailprobe.cli, mailprobe.check\n"
            f"print(' '.join(m for m in {DEFERRED!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.split() == []
