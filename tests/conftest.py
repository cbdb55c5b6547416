from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path_factory, monkeypatch):
    """Never read or write the real user's catalogs or cache from a test."""
    base = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("MOE_ADVISOR_CATALOG_DIR", str(base / "catalogs"))
    monkeypatch.setenv("MOE_ADVISOR_CACHE_DIR", str(base / "cache"))
    monkeypatch.delenv("MOE_ADVISOR_PLUGINS", raising=False)
    from advisor import runtime

    runtime.reset_cache()
    yield base
    runtime.reset_cache()


@pytest.fixture
def fresh_plugins():
    """A plugin manager loaded afresh for the test and dropped after it (files that register or break
    plugins use it for every test: ``pytestmark = pytest.mark.usefixtures("fresh_plugins")``)."""
    from advisor import plugin_manager

    plugin_manager.reset()
    yield
    plugin_manager.reset()


@pytest.fixture
def cat():
    from advisor.runtime import default_catalog

    return default_catalog()
