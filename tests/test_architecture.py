"""The house's import directions (ARCHITECTURE.md): data flows one way, nothing downstream calls back upstream.

Each rule names a layer and the layers it must never import. The test reads the imports of every module
(also those inside functions and under TYPE_CHECKING), so a lazy import cannot hide a wrong direction.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mailprobe"

# layer (module prefix) → prefixes it may not import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "mailprobe.render": ("mailprobe.diagnosis", "mailprobe.probes", "mailprobe.net", "mailprobe.engine",
                         "mailprobe.plan", "mailprobe.check", "mailprobe.compose", "mailprobe.summaries"),
    "mailprobe.probes": ("mailprobe.diagnosis", "mailprobe.render", "mailprobe.compose", "mailprobe.engine",
                         "mailprobe.check", "mailprobe.report", "mailprobe.cli"),
    "mailprobe.diagnosis": ("mailprobe.net", "mailprobe.probes", "mailprobe.engine", "mailprobe.render",
                            "mailprobe.check", "mailprobe.compose", "mailprobe.cli"),
    "mailprobe.net": ("mailprobe.probes", "mailprobe.diagnosis", "mailprobe.render", "mailprobe.plan",
                      "mailprobe.engine", "mailprobe.check", "mailprobe.report", "mailprobe.cli"),
    "mailprobe.plan": ("mailprobe.net", "mailprobe.probes", "mailprobe.diagnosis", "mailprobe.engine",
                       "mailprobe.render", "mailprobe.report", "mailprobe.check"),
    "mailprobe.engine": ("mailprobe.diagnosis", "mailprobe.render", "mailprobe.report", "mailprobe.compose"),
    "mailprobe.evidence": ("mailprobe.net", "mailprobe.probes", "mailprobe.diagnosis", "mailprobe.engine",
                           "mailprobe.render", "mailprobe.report"),
    "mailprobe.report": ("mailprobe.diagnosis", "mailprobe.probes", "mailprobe.net", "mailprobe.engine",
                         "mailprobe.render", "mailprobe.compose", "mailprobe.check"),
    "mailprobe.locales": ("mailprobe.diagnosis", "mailprobe.probes", "mailprobe.net", "mailprobe.render"),
    "mailprobe.timeouts": ("mailprobe.",),
    "mailprobe.version": ("mailprobe.",),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.startswith("mailprobe")}


def violations(modules: dict[str, set[str]]) -> list[str]:
    out = []
    for module, imported in sorted(modules.items()):
        for layer, forbidden in FORBIDDEN.items():
            if module != layer and not module.startswith(layer + "."):
                continue
            for name in sorted(imported):
                if any(name == f or name.startswith(f if f.endswith(".") else f + ".") or name == f.rstrip(".")
                       for f in forbidden) and not name.startswith(layer):
                    out.append(f"{module} imports {name} (a {layer} module may not import {', '.join(forbidden)})")
    return out


def test_every_module_imports_in_the_documented_direction() -> None:
    modules = {module_name(path): imports_of(path) for path in PACKAGE.rglob("*.py")}
    assert len(modules) > 40
    assert violations(modules) == []


@pytest.mark.parametrize(("module", "imported"), [
    ("mailprobe.render.text", "mailprobe.diagnosis.catalogue"),
    ("mailprobe.probes.web", "mailprobe.diagnosis.facts"),
    ("mailprobe.diagnosis.rules.dns", "mailprobe.net.resolver"),
    ("mailprobe.net.http", "mailprobe.probes.base"),
])
def test_a_wrong_direction_is_caught(module: str, imported: str) -> None:
    assert violations({module: {imported}})


def test_the_registry_is_one_explicit_table() -> None:
    """No probe or renderer is found by file name: a reader (and a tool) sees which exist."""
    for path in PACKAGE.rglob("*.py"):
        assert "import_module" not in path.read_text(encoding="utf-8"), path
