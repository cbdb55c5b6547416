"""The memo file's index answers as the dict of its ids would (``memo_store._Index``): while it searches the ids'
bytes (a warm start's few look-ups) and once it has built the dict, for hits, misses, an id written twice (the last
one counts, as in a dict), a key that appears only across two ids and one that appears across two ids above
where it is stored."""

from __future__ import annotations

import random

from advisor.common import memo_store


def _ids(n: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    return [bytes(rng.randrange(256) for _ in range(16)) for _ in range(n)]


def test_the_index_answers_as_a_dict_while_searching_and_after():
    ids = _ids(300, 1)
    ids[200] = ids[17]  # the same id twice: a dict keeps the later entry number
    straddle = ids[40][8:] + ids[41][:8]  # found in the bytes at an offset that is not a multiple of 16
    ids[250] = ids[99][4:] + ids[100][:4]  # an id that also appears lower down, across two ids
    ids[280] = ids[280][:8] + ids[30][:8]  # ids[30] again, across 280 and 281: the search goes on down to 30
    ids[281] = ids[30][8:] + ids[281][8:]
    truth = {k: i for i, k in enumerate(ids)}
    questions = [*ids, straddle, b"\0" * 16, b"short", ids[5] + b"x"]
    index = memo_store._Index(b"".join(ids))
    assert len(index) == 300
    answers = [index.get(k, -1) for k in questions]  # more look-ups than SEARCHES: both ways answer
    assert len(questions) > memo_store._Index.SEARCHES
    assert answers == [truth.get(k, -1) for k in questions]
    assert index.get(straddle) is None and straddle not in index
    assert index[ids[17]] == 200 and index.get(ids[250]) == 250
    assert dict(index.items()) == truth and set(index) == set(truth)
    fresh = memo_store._Index(b"".join(ids))  # searching only
    assert [fresh.get(k) for k in (ids[17], ids[250], ids[30], straddle, ids[0], ids[-1])] == [200, 250, 30, None, 0, 299]
    assert fresh._dict is None


def test_a_file_reads_back_through_the_index(tmp_path):
    path = tmp_path / "memo.pickle"
    entries = {k: bytes([i % 256]) * (i % 97 + 1) for i, k in enumerate(_ids(150, 2))}
    memo_store.write_entries(path, entries)
    assert memo_store.read_entries(path) == entries
    data = path.read_bytes()
    index, offsets, zdict = memo_store._decode(data)
    for k in list(entries)[::7]:
        i = index.get(k)
        assert memo_store._unpack(data, offsets[i], offsets[i + 1], zdict) == entries[k]
