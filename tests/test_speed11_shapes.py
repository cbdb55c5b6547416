"""A ranking's lookups per workload shape (``Context.shared``) are kept between processes (``shared_memo(keep=True)``):
a later process starts from them, whatever volume either ranked, and answers as a fresh process does; they are
kept only for the built-in backends and a catalog loaded from files, and one that cannot be pickled costs only
itself."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

from advisor.common import memo_store
from advisor.common.serialize import dumps_json
from advisor.domain.workload import PRESETS, validate
from advisor.prices.book import from_catalog
from advisor.ranking import context
from advisor.ranking.api_backend import ApiBackend
from advisor.ranking.rank import recommend_with
from advisor.ranking.self_hosted import SelfHostedBackend

ROOT = Path(__file__).resolve().parent.parent


def _recommend(cache: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOE_ADVISOR_")}
    env.update(MOE_ADVISOR_CACHE_DIR=str(cache), MOE_ADVISOR_CATALOG_DIR=str(cache.parent / "catalogs"), PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "advisor", "recommend", *args, "--format", "json", "--top", "40"],
                          check=False, capture_output=True, text=True, env=env, cwd=ROOT, timeout=180)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _kinds(cache: Path) -> set[bytes]:
    return {k[:4] for f in cache.glob("memo-*.pickle") for k in memo_store.read_entries(f)}


def test_a_shape_kept_at_one_volume_ranks_another_as_a_fresh_process(tmp_path):
    """batch-pipeline (two answering modes: several shapes) at 40x, then 1/100 of its volume reading what the first
    process kept, reads byte for byte as the second volume ranked with an empty cache."""
    kept, fresh = tmp_path / "a" / "cache", tmp_path / "b" / "cache"
    base = PRESETS["batch-pipeline"].requests_per_day
    _recommend(kept, "--preset", "batch-pipeline", "--requests-per-day", str(base * 40))
    assert b"shap" in _kinds(kept)
    low = ("--preset", "batch-pipeline", "--requests-per-day", str(base / 100))
    assert _recommend(kept, *low) == _recommend(fresh, *low)


def _restart() -> None:
    """What a new process has: no shapes or memos in memory, the cache file as the last one left it."""
    memo_store.save()
    context.clear_memos()


def test_a_later_process_starts_from_the_kept_shape(cat):
    book = from_catalog(cat)
    w = validate(PRESETS["bursty-app"])  # as the ranking passes it (the stored key is its repr: 3000.0, not 3000)
    _restart()
    first = dumps_json(recommend_with(w, cat, book))
    _restart()
    shared = context.shared_memo(w, cat, book, keep=True)
    assert any(isinstance(k, tuple) and k[0] == "outcome" for k in shared), "the kept lookups were read"
    assert dumps_json(recommend_with(dataclasses.replace(w), cat, book)) == first


class _PluginBackend(SelfHostedBackend):
    """A plugin's backend (a subclass of a built-in one still is not the built-in code)."""

    name = "plugin-self-hosted"


def test_nothing_is_kept_with_a_plugin_backend_or_a_changed_catalog(cat):
    w = validate(dataclasses.replace(PRESETS["steady-latency"], ttft_ms=1234.0))  # a shape no other test ranks
    book = from_catalog(cat)
    _restart()
    recommend_with(w, cat, book, backends=(_PluginBackend(), ApiBackend()))
    changed = dataclasses.replace(cat, quality=dict(cat.quality))  # built by a caller: its files are unknown
    recommend_with(w, changed, from_catalog(changed))
    _restart()
    assert context.shared_memo(w, cat, book, keep=True) == {}
    assert context.shared_memo(w, changed, from_catalog(changed), keep=True) == {}
    recommend_with(w, cat, book)  # the built-in backends on the loaded catalog: kept
    _restart()
    assert context.shared_memo(w, cat, book, keep=True)


def test_an_unpicklable_result_costs_only_itself(tmp_path, monkeypatch):
    monkeypatch.setenv("MOE_ADVISOR_CACHE_DIR", str(tmp_path / "cache"))
    memo_store.forget()
    memo_store.get("test", ("plain",), lambda: 42)
    memo_store.put("test", ("lambda",), {"f": lambda: None})
    memo_store.forget()
    assert memo_store.get("test", ("plain",), lambda: 0) == 42
    assert memo_store.get("test", ("lambda",), lambda: "recomputed") == "recomputed"
