"""The import rules of advisor/, read from the source with ``ast`` (every import, at module level or inside a
function): no import circle; each module imports only its own layer or the layers below; the CLI and the
TUI never import each other; the core never imports the front ends, and never httpx or Textual at import
time. The README's Development section shows the same map."""

from __future__ import annotations

import ast
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "advisor"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("advisor", "advisor.errors", "advisor.common"),
    ("advisor.domain", "advisor.measure", "advisor.measure.results", "advisor.measure.store"),
    ("advisor.catalog",),
    ("advisor.physics", "advisor.cost", "advisor.prices.book", "advisor.prices.http"),
    ("advisor.prices.cache", "advisor.prices.sources", "advisor.prices.fetchers", "advisor.ranking", "advisor.reports",
     "advisor.measure.calibrate", "advisor.deploy"),
    ("advisor.hookspecs", "advisor.plugin_manager"),
    ("advisor.runtime",),
    ("advisor.prices.resolve", "advisor.prices.refresh"),
    ("advisor.api",),
    ("advisor.cli", "advisor.tui", "advisor.plugins"),
    ("advisor.__main__",),
)
"""Lowest first. ``advisor.prices`` straddles the plugin manager: book, HTTP, cache, sources and fetchers
sit below it; resolution and refresh read the registered sources, so they sit above it."""

FRONT_ENDS = ("advisor.cli", "advisor.tui", "advisor.__main__")


def _modules() -> dict[str, Path]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(PKG, followlinks=True):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        rel = Path(dirpath).relative_to(PKG).parts
        for f in filenames:
            if f.endswith(".py"):
                parts = ("advisor", *rel) + (() if f == "__init__.py" else (f[:-3],))
                out[".".join(parts)] = Path(dirpath) / f
    return out


MODULES = _modules()


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(imported module, at module level?) for every import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = {id(n) for n in tree.body}
    for node in tree.body:  # imports under a module-level `if`/`try` still run at import time
        if isinstance(node, (ast.If, ast.Try)):
            top_level |= {id(n) for n in ast.walk(node)}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, id(node) in top_level) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                out.append((sub if sub in MODULES else node.module, id(node) in top_level))
    return out


GRAPH = {m: _imports(p) for m, p in MODULES.items()}


def _layer(module: str) -> int:
    best, rank = -1, -1
    for i, prefixes in enumerate(LAYERS):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and len(p) > best:
                best, rank = len(p), i
    assert rank >= 0, f"{module} is in no layer: add it to LAYERS (and to the README's map)"
    return rank


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def test_every_module_has_a_layer():
    for m in MODULES:
        _layer(m)


def test_no_import_circle():
    edges = {m: sorted({t for t, _ in imps if t in MODULES and t != m}) for m, imps in GRAPH.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for t in edges[m]:
            if state.get(t) == 1:
                cycle = stack[stack.index(t):] + [t]
                raise AssertionError("import circle: " + " -> ".join(cycle))
            if t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in sorted(MODULES):
        if m not in state:
            visit(m)


def test_imports_go_down_the_layers():
    bad = []
    for m, imps in GRAPH.items():
        for t, _ in imps:
            if t in MODULES and not _within(m, t) and _layer(t) > _layer(m):
                bad.append(f"{m} (layer {_layer(m)}) imports {t} (layer {_layer(t)})")
    assert not bad, "\n".join(bad)


def test_cli_and_tui_never_import_each_other():
    for m, imps in GRAPH.items():
        for t, _ in imps:
            if _within(m, "advisor.cli"):
                assert not _within(t, "advisor.tui"), f"{m} imports {t}"
            if _within(m, "advisor.tui"):
                assert not _within(t, "advisor.cli"), f"{m} imports {t}"


def test_the_core_never_imports_front_ends_httpx_or_textual_at_import_time():
    for m, imps in GRAPH.items():
        if any(_within(m, f) for f in FRONT_ENDS):
            continue
        for t, top in imps:
            assert not any(_within(t, f) for f in FRONT_ENDS), f"{m} imports the front end {t}"
            if top:
                assert t.split(".")[0] not in ("httpx", "textual", "textual_plotext", "rich"), f"{m} imports {t} at import time"


def test_no_module_is_over_500_lines():
    long = {m: n for m, p in MODULES.items() if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500}
    assert not long, long
