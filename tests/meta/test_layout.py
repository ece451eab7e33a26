"""Every test has one place, and a newcomer can tell it without asking (tests/README.md): this test holds the
rule. A folder of tests/ is a unit folder named after a package of mailprobe/, or one of the few folders for
worlds, end-to-end runs, meta tests, shared helpers and fixtures; a test at the top names the module it tests;
no test takes helpers from another folder's conftest.py (they live in tests/support/)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
PACKAGE = TESTS.parent / "mailprobe"
# Folders that are not a package's unit tests, each with its one job (tests/README.md).
KINDS_OF_FOLDER = {
    "lab": "the worlds: simulated DNS, TLS, web and mail servers (and their own tests)",
    "scenarios": "whole checks in worlds",
    "cli": "the real command line, end to end",
    "integration": "real Dovecot and Postfix",
    "browser": "the page in a real browser",
    "monitoring": "serve, the exporter, the machine formats, history and the operations examples",
    "meta": "the house itself: layers, layout, speed, packaging",
    "support": "helpers shared by more than one folder",
    "fixtures": "saved reports and other data",
}
# Top-level tests of the whole pipeline rather than of one module.
CROSS_CUTTING = {"properties"}


def _packages() -> set[str]:
    return {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}


def _modules() -> set[str]:
    return {p.stem for p in PACKAGE.glob("*.py")} | _packages()


def test_every_folder_is_a_packages_unit_tests_or_has_a_named_job() -> None:
    folders = {p.name for p in TESTS.iterdir() if p.is_dir() and not p.name.startswith((".", "__"))}
    strays = folders - _packages() - set(KINDS_OF_FOLDER)
    assert not strays, f"tests/{sorted(strays)} is neither a package of mailprobe/ nor a kind of folder listed here"


def test_a_test_at_the_top_names_the_module_it_tests() -> None:
    modules = _modules() | CROSS_CUTTING
    for path in TESTS.glob("test_*.py"):
        subject = path.stem.removeprefix("test_")
        named = any(subject == m or subject.startswith(m + "_") for m in modules)
        assert named, f"{path.name}: name it after the module of mailprobe/ it tests, or move it to its folder"


def test_no_test_takes_helpers_from_a_conftest() -> None:
    for path in TESTS.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[-1] == "conftest":
                raise AssertionError(f"{path.relative_to(TESTS)}: imports {node.module}; use tests/support/")
