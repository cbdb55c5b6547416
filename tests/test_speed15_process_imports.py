"""A warm ``moe-advisor recommend`` imports only what it runs: TOML is parsed (``tomllib``) only when a catalog file
misses the caches, and the live price refresh's HTTP client (``advisor.prices.http``) only when a refresh fetches,
though every start registers the built-in sources' fetchers (``advisor.prices.fetchers``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_PROBE = ("import sys\nfrom advisor.cli import main\ncode = main(['recommend', '--preset', 'steady-latency'])\n"
          "print('MODULES', sorted(m for m in ('tomllib', 'advisor.prices.http', 'advisor.prices.fetchers', 'httpx', "
          "'textual') if m in sys.modules), code, file=sys.stderr)\n")


def _modules(cache: Path, catalogs: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOE_ADVISOR_")}
    env.update(MOE_ADVISOR_CACHE_DIR=str(cache), MOE_ADVISOR_CATALOG_DIR=str(catalogs), PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", _PROBE], check=False, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    (line,) = [ln for ln in proc.stderr.splitlines() if ln.startswith("MODULES")]
    return line


def test_a_warm_recommend_parses_no_toml_and_loads_no_http_client(tmp_path):
    catalogs = tmp_path / "catalogs"
    catalogs.mkdir()
    # An empty cache directory: the catalogs are parsed (the probe sees tomllib when it is imported).
    assert _modules(tmp_path / "cache", catalogs) == "MODULES ['advisor.prices.fetchers', 'tomllib'] 0"
    # Warm: the catalog, price files and estimates come from the memo store.
    assert _modules(tmp_path / "cache", catalogs) == "MODULES ['advisor.prices.fetchers'] 0"
