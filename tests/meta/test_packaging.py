"""The wheel's explicit package list must name every package of the source tree, and an install says nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_directory_is_listed_in_pyproject() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "mailprobe").rglob("__init__.py")
    }

    assert found - listed == set()
    assert "mailprobe.providers" in listed  # shipped from providers/ through package-dir


def test_the_cause_catalogue_ships_in_the_wheel() -> None:
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "*.toml" in package_data["mailprobe.diagnosis"]
    assert (ROOT / "mailprobe" / "diagnosis" / "causes.toml").is_file()


def test_every_directory_python_could_import_is_listed() -> None:
    """setuptools warns at every install about a directory inside a package that is not listed itself (some
    40 lines for the page's templates): a data directory is listed as a package too."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(folder.relative_to(ROOT).parts)
        for folder in (ROOT / "mailprobe").rglob("*")
        if folder.is_dir() and folder.name.isidentifier() and folder.name != "__pycache__"
    }
    assert found - listed == set()


def test_the_page_templates_ship_in_the_wheel() -> None:
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "*.j2" in package_data["mailprobe.render.templates"]
    templates = {path.name for path in (ROOT / "mailprobe" / "render" / "templates").glob("*.j2")}
    assert {"head.html.j2", "body.html.j2", "report.html.j2", "foot.html.j2"} <= templates


def test_the_command_starts_where_the_signal_handlers_are_installed_first() -> None:
    """`mailprobe` and `python -m mailprobe` share one entry point, which installs the SIGTERM / SIGHUP handlers
    before it imports the CLI (tests/scenarios/test_clock.py sends a signal during start-up)."""
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["mailprobe"] == "mailprobe.__main__:main"


_NOT_COPIED = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.egg-info", ".*_cache", "build", "tmp")
_OFFLINE = ("Could not find a version", "No matching distribution", "Failed to establish", "Temporary failure",
            "Network is unreachable", "Name or service not known", "Read timed out", "ProxyError")


def test_a_fresh_install_says_nothing_of_its_own(tmp_path: Path) -> None:
    """The README's first step on a fresh copy, as `make install` runs it for `make run` (a new virtualenv, pip
    from PyPI): no warning of the build's. Lines the machine's own pip configuration causes are not ours."""
    copy = tmp_path / "mailprobe"
    shutil.copytree(ROOT, copy, ignore=_NOT_COPIED)
    python = getattr(sys, "_base_executable", sys.executable)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONWARNINGS", "VIRTUAL_ENV", "PYTHONPATH")}
    proc = subprocess.run(["make", "-s", "install", f"PYTHON={python}"], cwd=copy, env=env, capture_output=True,
                          text=True, timeout=900)
    said = proc.stdout + proc.stderr
    if proc.returncode != 0 and any(reason in said for reason in _OFFLINE):
        pytest.skip(f"PyPI is not reachable from here: {said.strip().splitlines()[-1]}")
    assert proc.returncode == 0, said
    ours = [line for line in said.splitlines()
            if not (line.startswith("WARNING: Location ") and "is ignored" in line)  # this machine's pip.conf
            and not line.startswith("[notice]")]  # pip's own news
    assert ours == [], "\n".join(ours)
    assert (copy / ".venv/bin/mailprobe").is_file()
