"""The memo file deflates its results against a dictionary of its own (``memo_store._pack``): every result reads back
as the pickle it was, the long results read at each start stay as pickled, a damaged deflated result is computed
again, and a save keeps the current build's file beside one other build's."""

from __future__ import annotations

import os
import pickle
import zlib

from advisor.common import memo_store
from advisor.domain.recommendation import Reason


def _reasons(i: int) -> tuple:
    return tuple(Reason("capacity", f"one engine sustains {i * 17:,} tokens/s at batch {i}", "info", {"batch": i}) for _ in range(6))


def test_results_read_back_as_they_were_and_take_less_room(tmp_path, monkeypatch):
    monkeypatch.setenv("MOE_ADVISOR_CACHE_DIR", str(tmp_path))
    memo_store.forget()
    for i in range(300):
        assert memo_store.get("t", (i,), lambda i=i: _reasons(i)) == _reasons(i)
    big = tuple(range(40_000))  # longer than PACK_UP_TO pickled: kept as it is
    assert memo_store.get("big", (), lambda: big) == big
    memo_store.save()
    (path,) = tmp_path.glob("memo-*.pickle")
    data = path.read_bytes()
    index, offsets, zdict = memo_store._decode(data)
    assert 0 < len(zdict) <= memo_store.DICTIONARY_BYTES
    flags = {k: data[offsets[i]] for k, i in index.items()}
    assert flags[memo_store.entry_id("big", ())] == memo_store._PLAIN
    assert all(flags[memo_store.entry_id("t", (i,))] == memo_store._DEFLATED for i in range(300))
    pickled = sum(len(pickle.dumps(_reasons(i), protocol=pickle.HIGHEST_PROTOCOL)) for i in range(300))
    stored = sum(offsets[index[memo_store.entry_id("t", (i,))] + 1] - offsets[index[memo_store.entry_id("t", (i,))]]
                 for i in range(300))
    assert stored < pickled / 4, (stored, pickled)
    entries = memo_store.read_entries(path)
    assert pickle.loads(entries[memo_store.entry_id("t", (7,))]) == _reasons(7)
    memo_store.forget()
    calls = []
    assert memo_store.get("t", (7,), lambda: calls.append(7) or "again") == _reasons(7) and not calls  # read back
    # a later save keeps the file's dictionary: the results carried over still read
    assert memo_store.get("t", ("new",), lambda: _reasons(1000)) == _reasons(1000)
    memo_store.save()
    assert memo_store._decode(path.read_bytes())[2] == zdict
    memo_store.forget()
    assert memo_store.get("t", (299,), lambda: "again") == _reasons(299)
    memo_store.forget()


def test_a_damaged_deflated_result_is_computed_again(tmp_path, monkeypatch):
    monkeypatch.setenv("MOE_ADVISOR_CACHE_DIR", str(tmp_path))
    memo_store.forget()
    assert memo_store.get("t", (1,), lambda: _reasons(1)) == _reasons(1)
    assert memo_store.get("t", (2,), lambda: _reasons(2)) == _reasons(2)
    memo_store.save()
    memo_store.forget()
    (path,) = tmp_path.glob("memo-*.pickle")
    data = bytearray(path.read_bytes())
    index, offsets, _ = memo_store._decode(bytes(data))
    i = index[memo_store.entry_id("t", (1,))]
    data[offsets[i] + 1:offsets[i + 1]] = b"\xff" * (offsets[i + 1] - offsets[i] - 1)  # not a deflate stream
    j = index[memo_store.entry_id("t", (2,))]
    data[offsets[j]] = 7  # an unknown flag
    path.write_bytes(bytes(data))
    assert memo_store.get("t", (1,), lambda: "computed") == "computed"
    assert memo_store.get("t", (2,), lambda: "computed") == "computed"
    memo_store.forget()


def test_a_deflated_result_that_inflates_past_the_limit_is_not_read(tmp_path, monkeypatch):
    """A hostile file's small entry that inflates to megabytes is a miss, read no further than ``PACK_UP_TO``."""
    monkeypatch.setenv("MOE_ADVISOR_CACHE_DIR", str(tmp_path))
    memo_store.forget()
    path = memo_store._path()
    memo_store.forget()
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    bomb = c.compress(pickle.dumps(b"\0" * 20_000_000)) + c.flush()
    assert len(bomb) < memo_store.PACK_UP_TO
    memo_store._write(path, [(memo_store.entry_id("t", (1,)), bytes((memo_store._DEFLATED,)) + bomb)], b"")
    assert memo_store.get("t", (1,), lambda: "computed") == "computed"
    memo_store.forget()


def test_a_save_keeps_the_current_build_and_the_latest_other_one(tmp_path, monkeypatch):
    monkeypatch.setenv("MOE_ADVISOR_CACHE_DIR", str(tmp_path))
    older = [tmp_path / f"memo-other{i}.pickle" for i in range(3)]
    for i, path in enumerate(older):
        memo_store.write_entries(path, {memo_store.entry_id("t", (i,)): pickle.dumps(i)})
        os.utime(path, ns=(10**18 + i * 10**9, 10**18 + i * 10**9))
    memo_store.forget()
    assert memo_store.get("t", ("mine",), lambda: "mine") == "mine"
    memo_store.save()
    mine = memo_store._path()
    assert {p.name for p in tmp_path.glob("memo-*.pickle")} == {mine.name, older[-1].name}
    assert memo_store.KEEP_OTHER_BUILDS == 1
    memo_store.forget()
