"""A re-rank after a traffic edit re-uses what does not depend on the volume (``Context.shared``: offers, engines,
sizing, each configuration's estimate and verdict, searches that never reached a bill); that may never change an
answer. Candidates are built by ``Candidate.make``,
which must equal the dataclass's own constructor."""

from __future__ import annotations

import dataclasses

import pytest

from advisor.common.serialize import dumps_json
from advisor.domain.recommendation import Candidate
from advisor.domain.workload import PRESETS
from advisor.prices.book import from_catalog
from advisor.ranking import context
from advisor.ranking.context import clear_memos, shared_memo
from advisor.ranking.rank import recommend_with

VOLUMES = (1.07, 40.0, 0.01)
"""An edit that keeps most replica counts, one that multiplies them, one that drops every one to the minimum."""


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_a_sequence_of_edits_ranks_as_each_volume_ranks_alone(cat, preset):
    """Each volume ranked after the others in one process reads, byte for byte, as the same volume ranked with
    every memo emptied first (reasons included: the JSON reads every one)."""
    book = from_catalog(cat)
    base = PRESETS[preset]
    recommend_with(base, cat, book)
    edited = {}
    for scale in VOLUMES:
        w = dataclasses.replace(base, requests_per_day=base.requests_per_day * scale)
        edited[scale] = dumps_json(recommend_with(w, cat, book))
    assert any(k[0] == "outcome" for k in shared_memo(base, cat, book) if isinstance(k, tuple)), "nothing was kept"
    for scale in VOLUMES:
        clear_memos()
        w = dataclasses.replace(base, requests_per_day=base.requests_per_day * scale)
        assert edited[scale] == dumps_json(recommend_with(w, cat, book)), scale


def test_kept_search_outcomes_hold_no_candidate(cat):
    """Only a search that never priced a configuration is kept across volumes: a candidate's bill reads the volume."""
    book = from_catalog(cat)
    w = PRESETS["bursty-app"]
    clear_memos()
    rec = recommend_with(w, cat, book)
    kept = [v for k, v in shared_memo(w, cat, book).items() if isinstance(k, tuple) and k[0] == "outcome"]
    assert kept and rec.candidates
    assert all(not any(isinstance(r, Candidate) for r in outcome) for outcome in kept)


def test_shared_memo_is_per_workload_shape_catalog_and_price_book(cat):
    book = from_catalog(cat)
    w = PRESETS["bursty-app"]
    memo = shared_memo(w, cat, book)
    assert shared_memo(dataclasses.replace(w, requests_per_day=w.requests_per_day * 3, name="x"), cat, book) is memo
    assert shared_memo(dataclasses.replace(w, ttft_ms=w.ttft_ms + 1), cat, book) is not memo
    assert shared_memo(w, cat, from_catalog(cat)) is memo  # a price book with the same rows (api.recommend builds one a call)
    book2 = dataclasses.replace(book, gpu_prices=book.gpu_prices[1:])
    assert shared_memo(w, cat, book2) is not memo  # other prices
    memo["probe"] = 1
    clear_memos()
    assert "probe" not in shared_memo(w, cat, book)


def test_shared_memo_keeps_a_bounded_number_of_shapes(cat):
    book = from_catalog(cat)
    w = PRESETS["steady-latency"]
    first = shared_memo(w, cat, book)
    for i in range(context.SHARED_KEEP + 1):
        shared_memo(dataclasses.replace(w, ttft_ms=w.ttft_ms + i + 1), cat, book)
    assert len(context._SHARED) == context.SHARED_KEEP
    assert shared_memo(w, cat, book) is not first  # the least recently used went first


def test_candidate_make_is_the_constructor(cat):
    rec = recommend_with(PRESETS["bursty-app"], cat, from_catalog(cat))
    for c in (rec.candidates[0], next(c for c in rec.candidates if c.deployment == "api")):
        values = {f.name: getattr(c, f.name) for f in dataclasses.fields(Candidate)}
        made, built = Candidate.make(**values), Candidate(**values)
        assert made == built and list(vars(made)) == list(vars(built))
        required = {k: values[k] for k in ("model", "model_name", "architecture", "deployment", "provider", "gpu", "gpus",
                                          "replicas", "precision", "monthly_cost_usd", "usd_per_mtok", "utilization",
                                          "quality", "quality_benchmark")}
        assert Candidate.make(**required) == Candidate(**required)
    with pytest.raises(TypeError):
        Candidate.make(**{**required, "no_such_field": 1})
    with pytest.raises(TypeError):
        Candidate.make(**{k: v for k, v in required.items() if k != "model"})
