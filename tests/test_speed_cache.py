"""The results kept between processes (advisor.common.memo_store: estimates, fits, sizings and the loaded catalog)
never change an answer: every preset ranks to the same JSON with an empty cache, a warm one and a corrupt or
hostile one; an edited user catalog is read again instead of served stale; the file stays bounded."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from advisor.common import memo_store
from advisor.domain.workload import PRESETS

ROOT = Path(__file__).resolve().parent.parent


def _recommend(preset: str, cache: Path, catalogs: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOE_ADVISOR_")}
    env.update(MOE_ADVISOR_CACHE_DIR=str(cache), MOE_ADVISOR_CATALOG_DIR=str(catalogs), PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "advisor", "recommend", "--preset", preset, "--format", "json"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return proc.stdout


def _memo_files(cache: Path) -> list[Path]:
    return sorted(cache.glob("memo-*.pickle"))


class _Boom:
    """Pickles to a call of ``os.system``: a hostile cache file must never run it."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_cold_warm_and_corrupt_cache_rank_the_same(preset, tmp_path):
    cache, catalogs = tmp_path / "cache", tmp_path / "catalogs"
    cold = _recommend(preset, cache, catalogs)
    files = _memo_files(cache)
    assert len(files) == 1, "the first run keeps its results"
    stored = memo_store.read_entries(files[0])
    kinds = {k[:4] for k in stored}
    assert {b"cata", b"sizi", b"esti"} <= kinds
    assert b"fit\0" not in kinds  # fits are recomputed: a warm ranking reads the sizings built from them
    written = files[0].stat().st_mtime_ns
    warm = _recommend(preset, cache, catalogs)
    assert warm == cold
    assert files[0].stat().st_mtime_ns == written, "a warm run adds nothing, so it writes nothing"
    files[0].write_bytes(files[0].read_bytes()[: len(files[0].read_bytes()) // 2])  # truncated
    assert _recommend(preset, cache, catalogs) == cold
    files = _memo_files(cache)
    assert len(files) == 1 and memo_store.read_entries(files[0]).keys() == stored.keys(), "rebuilt after the truncation"
    files[0].write_bytes(b"\x00not a memo file at all")
    assert _recommend(preset, cache, catalogs) == cold
    # an index that claims more entries than the file holds; bytes after the last result
    files = _memo_files(cache)
    raw, head = files[0].read_bytes(), len(memo_store.MAGIC)
    files[0].write_bytes(memo_store.MAGIC + (10**6).to_bytes(4, "little") + raw[head + 4:])
    assert _recommend(preset, cache, catalogs) == cold
    files = _memo_files(cache)
    files[0].write_bytes(files[0].read_bytes() + b"extra")
    assert _recommend(preset, cache, catalogs) == cold


def test_hostile_cache_file_never_runs_code(tmp_path):
    cache, catalogs = tmp_path / "cache", tmp_path / "catalogs"
    cold = _recommend("bursty-app", cache, catalogs)
    path = _memo_files(cache)[0]
    stored = memo_store.read_entries(path)
    marker = tmp_path / "ran"
    # the whole file is a hostile pickle
    path.write_bytes(pickle.dumps(_Boom(marker)))
    assert _recommend("bursty-app", cache, catalogs) == cold
    assert not marker.exists()
    # every stored result is hostile, the index sound
    path = _memo_files(cache)[0]
    memo_store.write_entries(path, {k: pickle.dumps(_Boom(marker)) for k in stored})
    assert _recommend("bursty-app", cache, catalogs) == cold
    assert not marker.exists()


def test_a_changed_user_catalog_is_not_served_from_the_cache(tmp_path):
    cache, catalogs = tmp_path / "cache", tmp_path / "catalogs"
    catalogs.mkdir()
    before = _recommend("bursty-app", cache, catalogs)
    assert _recommend("bursty-app", cache, catalogs) == before  # warm
    (catalogs / "engine.toml").write_text('catalog = "engine"\nschema_version = 1\n\n[factors]\neff_bw = 0.5\n')
    edited = _recommend("bursty-app", cache, catalogs)
    fresh = _recommend("bursty-app", tmp_path / "fresh-cache", catalogs)
    assert edited == fresh
    assert edited != before, "slower memory bandwidth changes the ranking"
    (catalogs / "engine.toml").unlink()
    assert _recommend("bursty-app", cache, catalogs) == before


def test_store_bounded_and_ignores_hostile_entries(tmp_path, monkeypatch):
    from advisor.common import memo_store

    monkeypatch.setenv("MOE_ADVISOR_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.setattr(memo_store, "MAX_ENTRIES", 5)
    memo_store.forget()
    monkeypatch.setattr(memo_store, "_before_save", [])  # an earlier test's rankings would add their kept lookups at save
    calls = []

    def compute(i):
        calls.append(i)
        return ("result", i)

    for i in range(8):
        assert memo_store.get("t", (i,), lambda i=i: compute(i)) == ("result", i)
    memo_store.save()
    path = next((tmp_path / "c").glob("memo-*.pickle"))
    assert list(memo_store.read_entries(path)) == [memo_store.entry_id("t", (i,)) for i in range(3, 8)]
    memo_store.forget()
    calls.clear()
    assert [memo_store.get("t", (i,), lambda i=i: compute(i)) for i in range(8)] == [("result", i) for i in range(8)]
    assert calls == [0, 1, 2], "the newest five were kept, the oldest three computed again"
    memo_store.forget()  # saved
    ids = {i: memo_store.entry_id("t", (i,)) for i in (*range(8), 100)}
    assert list(memo_store.read_entries(path)) == [ids[i] for i in (6, 7, 0, 1, 2)], "read (in order), then added"
    # one read counts as used: the save keeps it over an older unread one
    calls.clear()
    assert memo_store.get("t", (6,), lambda: compute(6)) == ("result", 6) and calls == []
    assert memo_store.get("t", (100,), lambda: compute(100)) == ("result", 100) and calls == [100]
    memo_store.save()
    assert list(memo_store.read_entries(path)) == [ids[i] for i in (0, 1, 2, 6, 100)]
    # a stored result naming a function is refused and computed again
    memo_store.forget()
    stored = memo_store.read_entries(path)
    marker = tmp_path / "ran"
    stored[memo_store.entry_id("t", (7,))] = pickle.dumps(_Boom(marker))
    memo_store.write_entries(path, stored)
    calls.clear()
    assert memo_store.get("t", (7,), lambda: compute(7)) == ("result", 7)
    assert calls == [7] and not marker.exists()
    memo_store.forget()


def test_a_ranking_reads_the_cache_directory_of_its_start(tmp_path, monkeypatch):
    """Inside ``pinned`` (a ranking) a get reads the view found on entry; after it, a changed cache directory is read."""
    from advisor.common import memo_store

    monkeypatch.setenv("MOE_ADVISOR_CACHE_DIR", str(tmp_path / "a"))
    memo_store.forget()
    assert memo_store.get("t", (1,), lambda: "a") == "a"
    memo_store.forget()  # saved to a/
    with memo_store.pinned():
        monkeypatch.setenv("MOE_ADVISOR_CACHE_DIR", str(tmp_path / "b"))
        assert memo_store.get("t", (1,), lambda: "computed") == "a"
    assert memo_store.get("t", (1,), lambda: "b") == "b", "b/ holds nothing yet"
    memo_store.forget()
    assert len(list((tmp_path / "b").glob("memo-*.pickle"))) == 1


def test_spec_key_tells_specs_apart(cat):
    import dataclasses

    from advisor.common.memo_store import spec_key

    m = next(iter(cat.models.values()))
    assert spec_key(m) == spec_key(dataclasses.replace(m))
    assert spec_key(m) != spec_key(dataclasses.replace(m, hidden_size=m.hidden_size + 1))
    profile = cat.engine
    hash(profile)  # sets the profile's memoized hash: it must not travel in a pickle
    assert pickle.loads(pickle.dumps(profile))._hash == 0


def test_a_price_file_is_read_again_when_its_bytes_change(tmp_path, monkeypatch):
    """The validated rows of a price file are kept between processes, keyed by its bytes: an edit is read."""
    from advisor.catalog.load import read_price_file
    from advisor.common.paths import bundled_catalog_dir

    monkeypatch.setenv("MOE_ADVISOR_CACHE_DIR", str(tmp_path / "c"))
    memo_store.forget()
    path = tmp_path / "gpu_aws.toml"
    text = (bundled_catalog_dir() / "prices" / "gpu_aws.toml").read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    rows, problems = read_price_file(path, "aws")
    assert rows and not problems
    memo_store.forget()  # kept on disk, read back below
    assert read_price_file(path, "aws") == (rows, problems)
    first = str(rows[0].usd_per_gpu_hour)
    path.write_text(text.replace(f'usd_per_gpu_hour = "{first}"', 'usd_per_gpu_hour = "1.25"', 1), encoding="utf-8")
    edited, _ = read_price_file(path, "aws")
    assert str(edited[0].usd_per_gpu_hour) == "1.25" and edited[1:] == rows[1:]
    path.write_text(text.replace('usd_per_gpu_hour = "', 'usd_per_gpu_hour = "-', 1), encoding="utf-8")
    assert read_price_file(path, "aws")[1], "a bad row is reported, not served from the kept rows"
    memo_store.forget()


def test_builds_used_in_turn_keep_each_others_results_and_old_builds_are_pruned(tmp_path, monkeypatch):
    """Two checkouts sharing a cache directory: saving one build's file keeps the other's (the most recent
    ``KEEP_OTHER_BUILDS``), so switching back is warm; files of older builds are deleted."""
    from advisor.common import memo_store

    monkeypatch.setenv("MOE_ADVISOR_CACHE_DIR", str(tmp_path / "c"))
    cache = tmp_path / "c"
    cache.mkdir()
    builds = [cache / f"memo-build{i}.pickle" for i in range(4)]
    for i, old in enumerate(builds):  # four other builds, oldest first
        memo_store.write_entries(old, {memo_store.entry_id("t", (i,)): pickle.dumps(i)})
        os.utime(old, ns=(10**18 + i * 10**9, 10**18 + i * 10**9))
    memo_store.forget()
    assert memo_store.get("t", ("mine",), lambda: "mine") == "mine"
    memo_store.save()
    kept = {p.name for p in _memo_files(cache)}
    mine = {p.name for p in _memo_files(cache)} - {b.name for b in builds}
    assert len(mine) == 1
    assert kept == mine | {b.name for b in builds[-memo_store.KEEP_OTHER_BUILDS:]}
    memo_store.forget()


def test_the_five_presets_fit_the_store_so_a_second_run_is_warm(tmp_path):
    """Ranking every preset keeps fewer results than the cap, so none of them is dropped and each preset's next run
    reads all it needs (fits are not kept: a warm ranking reads the sizings built from them)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOE_ADVISOR_")}
    env.update(MOE_ADVISOR_CACHE_DIR=str(tmp_path), PYTHONPATH=str(ROOT))
    code = ("from advisor import api\nfrom advisor.domain.workload import PRESETS\n"
            "for p in sorted(PRESETS):\n    api.recommend(api.preset(p))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    (path,) = _memo_files(tmp_path)
    kept = len(memo_store.read_entries(path))
    assert 1000 < kept < memo_store.MAX_ENTRIES
