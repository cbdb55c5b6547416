"""The ranking's placing of each row (rank, near tie, break-even, front) is written when the row's reasons are read,
and reads the same as if written at once; a model spec's hash is computed once and never pickled."""

from __future__ import annotations

import pickle

import pytest

from advisor import api
from advisor.domain.recommendation import LazyReasons, Reason, known_reasons, led_by
from advisor.domain.workload import PRESETS
from advisor.prices.book import from_catalog
from advisor.ranking import rank
from advisor.ranking.rank import recommend_with


@pytest.fixture(scope="module")
def cat():
    return api.catalog()


def test_a_lead_is_written_once_before_the_rest_and_is_not_known():
    calls = []
    a, b, c, d, x, y = (Reason(k, k) for k in "abcdxy")

    def make():
        calls.append("make")
        return [b, c]

    def lead():
        calls.append("lead")
        return [x]

    inner = (a,) + LazyReasons(make) + (d,)
    led = led_by(lead, inner)
    assert isinstance(led, LazyReasons) and not calls
    assert known_reasons(led) == (a, d) and not calls  # the lead, like the middle, is not written by known()
    more = led + (y,)
    assert isinstance(more, LazyReasons) and not calls and known_reasons(more) == (a, d, y)
    assert more == (x, a, b, c, d, y) and sorted(calls) == ["lead", "make"]
    assert led == (x, a, b, c, d) and inner == (a, b, c, d) and sorted(calls) == ["lead", "make"]  # written once for all
    assert (y,) + led == (y, x, a, b, c, d) and led[0] == x and len(led) == 5


def test_a_lead_over_a_tuple_and_over_a_written_sequence():
    a, b, x = (Reason(k, k) for k in "abx")
    assert led_by(lambda: [x], (a, b)) == (x, a, b) and known_reasons(led_by(lambda: [x], (a, b))) == (a, b)
    written = LazyReasons(lambda: [b], (a,))
    assert tuple(written) == (a, b)
    assert led_by(lambda: [x], written) == (x, a, b)
    twice = led_by(lambda: [b], led_by(lambda: [x], (a,)))
    assert known_reasons(twice) == (a,) and twice == (b, x, a)


def test_a_ranking_places_rows_only_when_read_and_the_same(cat, monkeypatch):
    placed = []
    real = rank._placing

    def counting(i, *args, **kwargs):
        placed.append(i)
        return real(i, *args, **kwargs)

    book = from_catalog(cat)
    eager = recommend_with(PRESETS["steady-latency"], cat, book)
    expected = {c.label: [(r.code, r.message, r.numbers) for r in c.reasons] for c in eager.candidates}
    monkeypatch.setattr(rank, "_placing", counting)
    monkeypatch.setattr(rank.answered, "get", lambda *args: None)  # ranked again, not the kept result handed back
    rec = recommend_with(PRESETS["steady-latency"], cat, book)
    assert len(rec.candidates) > 5 and not placed
    fifth = rec.candidates[4]
    assert fifth.reasons[0].code == "rank" and fifth.reasons[0].message.startswith("#5:") and placed == [4]
    assert {c.label: [(r.code, r.message, r.numbers) for r in c.reasons] for c in rec.candidates} == expected
    assert sorted(placed) == list(range(len(rec.candidates)))


def test_a_model_spec_hash_is_kept_but_not_pickled():
    m = api.models()[0]
    h = hash(m)
    assert hash(m) == h and m.__dict__.get("_hash") == h
    back = pickle.loads(pickle.dumps(m))
    assert "_hash" not in back.__dict__ and back == m and hash(back) == h
    assert "_hash" not in repr(m)


def test_the_bill_floor_reads_the_same_three_numbers_as_the_estimate(cat):
    from advisor.ranking.context import cached_tokens, memo_estimate, shared_memo

    book = from_catalog(cat)
    w = PRESETS["batch-pipeline"]
    recommend_with(w, cat, book)
    shared = shared_memo(w, cat, book)
    bounds = [(k, v) for k, v in shared.items() if isinstance(k, tuple) and k[0] == "bound"]
    assert len(bounds) > 100
    from advisor.physics.engines import engines_for

    for (_, model, gpu, n, precision, kv, eng, _lora), found in bounds[::7]:  # _lora: the run's LoRA plan (None here)
        profile = next(p for p in engines_for(cat, cat.gpus[gpu]) if p.id == eng)  # the key holds the id of the GPU's profile
        e = memo_estimate(cat.models[model], cat.gpus[gpu], n, precision, w.input_tokens, w.output_tokens, kv,
                          w.tpot_limit_ms, profile, cached_tokens(w))
        assert found == (e.fits, e.output_tokens_per_s, e.ttft_ms)


def test_a_gpu_spec_hash_is_kept_but_not_pickled():
    g = api.gpus()[0]
    h = hash(g)
    back = pickle.loads(pickle.dumps(g))
    assert g.__dict__.get("_hash") == h and "_hash" not in back.__dict__ and back == g and hash(back) == h
