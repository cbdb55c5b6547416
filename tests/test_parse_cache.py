"""Parsed catalog files are kept between processes, and a cache can only save parsing, never change what loads."""

from __future__ import annotations

import dataclasses
import os

from advisor.catalog import parse_cache
from advisor.catalog.load import load_catalog
from advisor.common.paths import user_cache_dir


def _snapshot(cat):
    return (sorted(cat.models), sorted(cat.gpus), len(cat.api_prices), len(cat.gpu_prices),
            [dataclasses.asdict(m) for m in cat.models.values()][:3], cat.versions)


def test_a_second_load_reads_the_cache_and_loads_the_same_catalog():
    parse_cache.forget()
    first = load_catalog()
    path = user_cache_dir() / parse_cache.FILE_NAME
    assert path.is_file() and path.stat().st_size > 10_000
    parse_cache.forget()
    calls = []
    from advisor.common import tomlio

    original = tomlio.loads
    tomlio.loads = lambda *a, **k: calls.append(a[1]) or original(*a, **k)
    try:
        second = load_catalog()
    finally:
        tomlio.loads = original
    assert calls == []  # every bundled file came from the cache
    assert _snapshot(second) == _snapshot(first)


def test_an_edited_user_file_is_parsed_again(tmp_path):
    user = tmp_path / "cat"
    user.mkdir()
    f = user / "mine.toml"
    text = 'catalog = "quality"\nschema_version = 1\n[quality.\"llama-3.3-70b\"]\nbenchmark = "MMLU-Pro"\nscore = {}\nsource = "https://example.test/q"\nas_of = "2026-11-01"\n'
    f.write_text(text.format(50.0))
    assert load_catalog(user=user).quality["llama-3.3-70b"].score == 50.0
    f.write_text(text.format(61.5))
    assert load_catalog(user=user).quality["llama-3.3-70b"].score == 61.5


def test_a_corrupt_or_foreign_cache_file_is_ignored_and_rewritten():
    parse_cache.forget()
    path = user_cache_dir() / parse_cache.FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x00not a cache at all" * 10)
    cat = load_catalog()
    assert "llama-3.3-70b" in cat.models
    parse_cache.forget()
    assert parse_cache.get(next(iter(parse_cache._load()))) is not None  # rewritten with good tables


def test_a_table_with_a_toml_date_is_not_cached_but_loads():
    key = parse_cache.digest(b"x = 2026-01-01")
    import tomllib

    parse_cache.put(key, tomllib.loads("x = 2026-01-01"))
    assert parse_cache.get(key) is None


def test_an_unwritable_cache_directory_costs_nothing_but_the_cache(monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("MOE_ADVISOR_CACHE_DIR", os.fspath(blocker / "sub"))
    parse_cache.forget()
    assert "llama-3.3-70b" in load_catalog().models
