"""A ranking's misses are kept without looking the cache directory up for each, and none is lost to a save
made while the ranking runs."""

from __future__ import annotations

from advisor.common import memo_store


def test_misses_inside_a_ranking_are_kept_without_a_lookup_each(tmp_path, monkeypatch):
    monkeypatch.setenv("MOE_ADVISOR_CACHE_DIR", str(tmp_path))
    memo_store.forget()
    looked = []
    real = memo_store._where
    monkeypatch.setattr(memo_store, "_where", lambda: looked.append(1) or real())
    with memo_store.pinned():
        for i in range(50):
            assert memo_store.get("t", (i,), lambda i=i: ("r", i)) == ("r", i)
        assert len(looked) <= 2  # the pin's own look-up, not one per miss
        memo_store.save()  # written mid-ranking (as at exit): later misses go to the file's new view
        assert memo_store.get("t", (50,), lambda: ("r", 50)) == ("r", 50)
    memo_store.save()
    (path,) = tmp_path.glob("memo-*.pickle")
    stored = memo_store.read_entries(path)
    assert all(memo_store.entry_id("t", (i,)) in stored for i in range(51))
    memo_store.forget()
    assert memo_store.get("t", (50,), lambda: "recomputed") == ("r", 50)
    memo_store.forget()
