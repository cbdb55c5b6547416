"""Every hook is documented (docs/plugins.md), and the documentation names what plugin authors need."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from advisor import hookspecs
from advisor import plugin_manager

ROOT = Path(__file__).resolve().parents[1]
DOCS = (ROOT / "docs" / "plugins.md").read_text()


def _hookspec_names() -> list[str]:
    return sorted(name for name in dir(hookspecs)
                  if callable(getattr(hookspecs, name)) and hasattr(getattr(hookspecs, name), f"{hookspecs.PROJECT}_spec"))


def test_every_hook_is_documented_under_its_own_heading():
    names = _hookspec_names()
    assert names, "no hookspecs found"
    headings = set(re.findall(r"^### (register_\w+)\s*$", DOCS, re.M))
    missing = [n for n in names if n not in headings]
    assert not missing, f"hooks without a '### name' section in docs/plugins.md: {missing}"
    stale = sorted(headings - set(names))
    assert not stale, f"docs/plugins.md documents hooks that do not exist: {stale}"


def test_every_hook_has_a_docstring_and_takes_register():
    for name in _hookspec_names():
        fn = getattr(hookspecs, name)
        assert name.startswith("register_")
        assert (fn.__doc__ or "").strip(), f"{name} has no docstring"
        assert fn.__code__.co_varnames[: fn.__code__.co_argcount] == ("register",), name


def test_the_plugin_manager_knows_exactly_the_documented_hooks():
    hooks = sorted(n for n in dir(plugin_manager.pm.hook) if n.startswith("register_") and getattr(plugin_manager.pm.hook, n).has_spec())
    assert hooks == _hookspec_names() == sorted(plugin_manager.HOOK_NAMES)


def test_docs_cover_discovery_filtering_and_the_example():
    for words in ("Write a price plugin", "moe_advisor", "MOE_ADVISOR_PLUGINS", "entry-points.moe_advisor",
                  "examples/moe-advisor-example-plugin", "moe-advisor prices refresh", "MOE_ADVISOR_CACHE_DIR"):
        assert words in DOCS, words


def test_example_package_is_complete():
    example = ROOT / "examples" / "moe-advisor-example-plugin"
    project = tomllib.loads((example / "pyproject.toml").read_text())["project"]
    eps = project["entry-points"]["moe_advisor"]
    assert eps == {"examplecloud": "moe_advisor_examplecloud"}
    assert (example / "moe_advisor_examplecloud.py").is_file() and (example / "README.md").is_file()
