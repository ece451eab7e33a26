"""The house's layers (ARCHITECTURE.md): data flows one way, nothing downstream calls back upstream.

An allow-list: every module of the package belongs to one layer, and each layer names the layers it may
reach. The test follows imports through other files (what a module reaches is what it imports, and what those
import, and so on), reads every import (module level, inside functions and under TYPE_CHECKING, absolute and
relative), and fails on any import circle. `from package import module` is an import of that module; no
module imports the package face (`mailprobe/__init__.py`), which only the outside world uses.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "mailprobe"

# layer → the modules in it: a name ending in "." is a whole package, any other name one module.
LAYERS: dict[str, tuple[str, ...]] = {
    # pure values and policies: anything may import them, they import only each other
    "base": ("mailprobe.version", "mailprobe.timeouts", "mailprobe.lang", "mailprobe.safetext",
             "mailprobe.secret", "mailprobe.causes", "mailprobe.protocols", "mailprobe.limits",
             "mailprobe.stopping", "mailprobe.errors", "mailprobe.patterns", "mailprobe.localinput",
             "mailprobe.addresspolicy", "mailprobe.fetchpolicy", "mailprobe.address", "mailprobe.runloop",
             "mailprobe.status", "mailprobe.store", "mailprobe.certdays", "mailprobe.hostport", "mailprobe.empty"),
    "words": ("mailprobe.locales.",),
    # the vocabularies: what was seen, the provider profiles, the report and its readers
    "data": ("mailprobe.evidence", "mailprobe.profiles", "mailprobe.settingsview",
             "mailprobe.adminapis"),  # a profile's admin_api and the administrator APIs' names, as data
    # each observation kind's home: its facts, observation, report check, blank, summary and words
    "kinds": ("mailprobe.kinds.", "mailprobe.summaries"),
    "report": ("mailprobe.report", "mailprobe.report_v1", "mailprobe.savedreport"),
    "net": ("mailprobe.net.",),
    "plan": ("mailprobe.plan", "mailprobe.endpoints", "mailprobe.settle"),
    "login": ("mailprobe.login.",),
    "probes": ("mailprobe.probes.",),
    "engine": ("mailprobe.engine",),
    # check --loop: one message sent and found after the quick checks (its evidence is kinds/loop.py)
    "loop": ("mailprobe.loop.",),
    # check --admin: the administrator APIs' clients, their credentials and HTTP, one mailbox's record
    "admin": ("mailprobe.admin.",),
    "diagnosis": ("mailprobe.diagnosis.",),
    "compose": ("mailprobe.compose",),
    "check": ("mailprobe.check", "mailprobe.params", "mailprobe.phases"),
    "render": ("mailprobe.render.",),
    "services": ("mailprobe.clientsettings", "mailprobe.history", "mailprobe.batch", "mailprobe.output",
                 "mailprobe.translations", "mailprobe.exporter", "mailprobe.webform", "mailprobe.serve"),
    "cli": ("mailprobe.cli", "mailprobe.cli.", "mailprobe.__main__"),
    "face": ("mailprobe",),
}

_BELOW_CHECK = ("base", "words", "data", "kinds", "report", "net", "plan", "login", "probes", "engine", "loop",
                "admin", "diagnosis", "compose")

# layer → the layers it may reach (itself always)
ALLOWED: dict[str, tuple[str, ...]] = {
    "base": (),
    "words": ("base",),
    "data": ("base",),
    "kinds": ("base", "words", "data"),
    "report": ("base", "data", "kinds"),
    "net": ("base", "data"),
    "plan": ("base", "data", "kinds"),
    "login": ("base", "data", "kinds", "net"),
    "probes": ("base", "data", "net", "plan", "login"),
    "engine": ("base", "data", "net", "plan", "login", "probes"),
    "loop": ("base", "words", "data", "kinds", "net", "plan", "login", "probes"),
    "admin": ("base", "data", "kinds", "net", "probes"),
    "diagnosis": ("base", "words", "data", "kinds"),
    "compose": ("base", "words", "data", "report", "diagnosis"),
    "check": _BELOW_CHECK,
    # renderers read the Report (and the plain models made for them) and the words, nothing that computes
    "render": ("base", "words", "data", "report"),
    "services": (*_BELOW_CHECK, "check", "render"),
    "cli": (*_BELOW_CHECK, "check", "render", "services"),
    "face": ("base", "report", "check"),
}


def may_reach(layer: str) -> set[str]:
    """LAYER itself, the layers it names, and those they may reach in turn."""
    out, todo = {layer}, [layer]
    while todo:
        for name in ALLOWED[todo.pop()]:
            if name not in out:
                out.add(name)
                todo.append(name)
    return out


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> dict[str, Path]:
    return {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imports_of(module: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules MODULE imports: every import statement, wherever it stands."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = here[: len(here) - (node.level - 1)]
                base = ".".join(up + ([base] if base else []))
            for alias in node.names:
                # `from package import module` imports the module; `from module import name` the module
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    resolved = set()
    for name in found:
        while name and name not in known:
            name = name.rpartition(".")[0]
        if name and name != module and name.startswith("mailprobe"):
            resolved.add(name)
    return resolved


def graph() -> dict[str, set[str]]:
    modules = all_modules()
    known = set(modules)
    return {module: imports_of(module, path, known) for module, path in modules.items()}


def layer_of(module: str) -> str | None:
    best: tuple[int, str] | None = None
    for layer, members in LAYERS.items():
        for member in members:
            inside = module == member or (member.endswith(".") and (module.startswith(member) or module == member[:-1]))
            if inside and (best is None or len(member) > best[0]):
                best = (len(member), layer)
    return best[1] if best else None


def reached(edges: dict[str, set[str]], start: str) -> dict[str, str]:
    """Every module START reaches through imports, each with the module that imports it on the way."""
    via: dict[str, str] = {}
    todo = [start]
    while todo:
        module = todo.pop()
        for name in edges.get(module, ()):
            if name not in via and name != start:
                via[name] = module
                todo.append(name)
    return via


def path_to(via: dict[str, str], start: str, end: str) -> str:
    chain = [end]
    while chain[-1] != start:
        chain.append(via[chain[-1]])
    return " → ".join(reversed(chain))


def violations(edges: dict[str, set[str]]) -> list[str]:
    out = []
    for module in sorted(edges):
        layer = layer_of(module)
        if layer is None:
            out.append(f"{module} belongs to no layer: name it in LAYERS")
            continue
        allowed = may_reach(layer)
        via = reached(edges, module)
        wrong = [name for name in sorted(via) if layer_of(name) not in allowed]
        # one line per import that leads out of the layer's reach, with the first module it brings in
        shown: set[str] = set()
        for name in wrong:
            chain = path_to(via, module, name).split(" → ")
            if chain[1] not in shown:
                shown.add(chain[1])
                out.append(f"{module} ({layer}) reaches {name} ({layer_of(name)}): {' → '.join(chain)}")
    return out


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_every_module_reaches_only_the_layers_it_may() -> None:
    edges = graph()
    assert len(edges) > 100
    assert violations(edges) == []


def test_no_import_circle_lazy_or_typed() -> None:
    assert circles(graph()) == []


def test_no_module_imports_the_package_face() -> None:
    edges = graph()
    assert sorted(m for m, imported in edges.items() if "mailprobe" in imported) == []


@pytest.mark.parametrize(("module", "imported"), [
    ("mailprobe.render.text", "mailprobe.diagnosis.catalogue"),
    ("mailprobe.probes.web", "mailprobe.diagnosis.facts"),
    ("mailprobe.diagnosis.rules.dns", "mailprobe.net.resolver"),
    ("mailprobe.net.http", "mailprobe.probes.base"),
    ("mailprobe.login.guard", "mailprobe.history"),
    ("mailprobe.diagnosis.rules.domain", "mailprobe.plan"),
    ("mailprobe.diagnosis.rules.admin", "mailprobe.admin.http"),
    ("mailprobe.profiles", "mailprobe.admin.adapters"),
])
def test_a_wrong_direction_is_caught(module: str, imported: str) -> None:
    assert violations({module: {imported}, imported: set()})


def test_a_wrong_direction_is_caught_through_another_file() -> None:
    found = violations({"mailprobe.render.settings": {"mailprobe.settingsview"},
                        "mailprobe.settingsview": {"mailprobe.check"}, "mailprobe.check": set()})
    assert any("mailprobe.render.settings (render) reaches mailprobe.check" in line for line in found)


def test_a_circle_is_caught() -> None:
    assert circles({"mailprobe.a": {"mailprobe.b"}, "mailprobe.b": {"mailprobe.c"}, "mailprobe.c": {"mailprobe.a"}})


def test_relative_and_lazy_and_typed_imports_are_read(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from mailprobe.plan import Plan\n"
                      "def f():\n    from .check import run\n    from . import cli\n", encoding="utf-8")
    known = {"mailprobe.plan", "mailprobe.check", "mailprobe.cli", "mailprobe.m"}
    assert imports_of("mailprobe.m", source, known) == {"mailprobe.plan", "mailprobe.check", "mailprobe.cli"}


def test_the_registry_is_one_explicit_table() -> None:
    """No probe or renderer is found by file name: a reader (and a tool) sees which exist."""
    for path in PACKAGE.rglob("*.py"):
        assert "import_module" not in path.read_text(encoding="utf-8"), path


def test_no_module_takes_another_modules_private_names() -> None:
    """A module's `_names` are its own: what two modules share has a public name in the module that owns it."""
    taken = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("mailprobe")):
                taken += [f"{module_name(path)}: {node.module}.{a.name}" for a in node.names
                          if a.name.startswith("_") and not a.name.startswith("__")]
    assert taken == []
