"""Where user catalogs, caches and reports live (platformdirs, each overridable by an env var)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

APP = "moe-advisor"

CATALOG_ENV = "MOE_ADVISOR_CATALOG_DIR"
CACHE_ENV = "MOE_ADVISOR_CACHE_DIR"


def user_catalog_dir() -> Path:
    """User catalog directory: entries here are merged over the bundled catalogs."""
    env = os.environ.get(CATALOG_ENV)
    if env:
        return _expand(env)
    return _platform_dir("config", os.environ.get("XDG_CONFIG_HOME", ""), os.environ.get("HOME", ""), "catalogs")


def user_cache_dir() -> Path:
    """Cache directory for live price refreshes."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return _expand(env)
    return _platform_dir("cache", os.environ.get("XDG_CACHE_HOME", ""), os.environ.get("HOME", ""))


@lru_cache(maxsize=32)
def _expand(env: str) -> Path:
    return Path(env).expanduser()


@lru_cache(maxsize=32)
def _platform_dir(kind: str, _xdg: str, _home: str, sub: str = "") -> Path:
    """platformdirs' answer (and ``sub`` in it), looked up once per environment (every estimate asks where
    corrections live)."""
    import platformdirs

    base = Path(platformdirs.user_config_dir(APP) if kind == "config" else platformdirs.user_cache_dir(APP))
    return base / sub if sub else base


def bundled_catalog_dir() -> Path:
    """The catalogs shipped inside the package (``advisor/catalogs``, the top-level ``catalogs/`` folder in a
    source checkout): the folder next to the package's ``__init__.py``, found once (``importlib.resources`` gives
    the same folder for a package on disk, and costs ~8 ms of imports at every start)."""
    return _bundled_dir()


@lru_cache(maxsize=1)
def _bundled_dir() -> Path:
    import advisor

    return Path(advisor.__file__).parent / "catalogs"
