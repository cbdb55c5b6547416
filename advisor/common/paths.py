"""Where user catalogs, caches and reports live (platformdirs, each overridable by an env var)."""

from __future__ import annotations

import os
from pathlib import Path

APP = "moe-advisor"

CATALOG_ENV = "MOE_ADVISOR_CATALOG_DIR"
CACHE_ENV = "MOE_ADVISOR_CACHE_DIR"


def user_catalog_dir() -> Path:
    """User catalog directory: entries here are merged over the bundled catalogs."""
    env = os.environ.get(CATALOG_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir(APP)) / "catalogs"


def user_cache_dir() -> Path:
    """Cache directory for live price refreshes."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP))


def bundled_catalog_dir() -> Path:
    """The catalogs shipped inside the package (``advisor/catalogs``, the top-level ``catalogs/`` folder in a
    source checkout)."""
    from importlib.resources import files

    return Path(str(files("advisor") / "catalogs"))
