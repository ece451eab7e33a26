"""The wheel's explicit package list must name every package of the source tree."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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


def test_the_page_templates_ship_in_the_wheel() -> None:
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "templates/*.j2" in package_data["mailprobe.render"]
    templates = {path.name for path in (ROOT / "mailprobe" / "render" / "templates").glob("*.j2")}
    assert {"head.html.j2", "body.html.j2", "report.html.j2", "foot.html.j2"} <= templates


def test_the_command_starts_where_the_signal_handlers_are_installed_first() -> None:
    """`mailprobe` and `python -m mailprobe` share one entry point, which installs the SIGTERM / SIGHUP handlers
    before it imports the CLI (tests/scenarios/test_clock.py sends a signal during start-up)."""
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["mailprobe"] == "mailprobe.__main__:main"
