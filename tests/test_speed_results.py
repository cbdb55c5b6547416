"""Whole rankings answered again (``advisor.ranking.results``): a workload ranked before, with the same catalog, price
rows and notes, gets the same result back at once (a digit typed and deleted, a preset and back); anything that could
change the answer ranks anew."""

from __future__ import annotations

import dataclasses

from advisor import api
from advisor.common.serialize import dumps_json
from advisor.prices.book import from_catalog
from advisor.ranking import results
from advisor.ranking.context import clear_memos
from advisor.ranking.rank import DEFAULT_BACKENDS, recommend_with
from advisor.ranking.self_hosted import SelfHostedBackend


def test_a_workload_ranked_before_is_answered_with_the_same_result(cat):
    book = from_catalog(cat)
    w = api.preset("steady-latency")
    first = recommend_with(w, cat, book)
    other = recommend_with(dataclasses.replace(w, requests_per_day=w.requests_per_day * 10), cat, book)
    again = recommend_with(w, cat, book)
    assert again is first and other is not first
    assert recommend_with(w, cat, from_catalog(cat)) is first  # an equal price book (its rows), built afresh
    clear_memos()
    fresh = recommend_with(w, cat, book)
    assert fresh is not first and dumps_json(fresh) == dumps_json(first)


def test_what_could_change_the_answer_ranks_anew(cat):
    book = from_catalog(cat)
    w = api.preset("steady-latency")
    first = recommend_with(w, cat, book)
    assert recommend_with(dataclasses.replace(w, name="mine"), cat, book) is not first  # the report names the workload
    assert recommend_with(w, cat, book, notes=("a price source failed",)) is not first
    cheaper = dataclasses.replace(book, gpu_prices=tuple(
        dataclasses.replace(p, usd_per_gpu_hour=p.usd_per_gpu_hour / 2) for p in book.gpu_prices))
    halved = recommend_with(w, cat, cheaper)
    assert halved is not first and halved.candidates[0].monthly_cost_usd < first.candidates[0].monthly_cost_usd


class PluginBackend(SelfHostedBackend):
    """A plugin's backend (here the built-in one under another type): it may answer otherwise from call to call."""


def test_a_plugin_backends_ranking_is_never_kept(cat):
    book = from_catalog(cat)
    w = api.preset("steady-latency")
    backends = (PluginBackend(), *DEFAULT_BACKENDS[1:])
    first = recommend_with(w, cat, book, backends=backends)
    assert recommend_with(w, cat, book, backends=backends) is not first


def test_only_the_last_few_are_kept(cat):
    book = from_catalog(cat)
    w = api.preset("steady-latency")
    ranked = [recommend_with(dataclasses.replace(w, requests_per_day=w.requests_per_day * (1 + i)), cat, book)
              for i in range(results.KEEP + 1)]
    assert recommend_with(dataclasses.replace(w, requests_per_day=w.requests_per_day * (1 + results.KEEP)), cat, book) is ranked[-1]
    assert recommend_with(w, cat, book) is not ranked[0]  # the oldest was dropped


def test_results_too_large_are_not_kept(cat, monkeypatch):
    """Memory stays proportional to one ranking: a user catalog many times the bundled one keeps fewer results, or none."""
    book = from_catalog(cat)
    w = api.preset("steady-latency")
    first = recommend_with(w, cat, book)
    size = len(first.candidates) + len(first.rejected)
    monkeypatch.setattr(results, "ROWS", size * 2)
    second = recommend_with(dataclasses.replace(w, requests_per_day=w.requests_per_day * 2), cat, book)
    third = recommend_with(dataclasses.replace(w, requests_per_day=w.requests_per_day * 3), cat, book)
    assert recommend_with(dataclasses.replace(w, requests_per_day=w.requests_per_day * 3), cat, book) is third
    assert recommend_with(dataclasses.replace(w, requests_per_day=w.requests_per_day * 2), cat, book) is second
    assert recommend_with(w, cat, book) is not first  # dropped: three would hold more rows than allowed
    monkeypatch.setattr(results, "ROWS", size - 1)
    big = recommend_with(dataclasses.replace(w, requests_per_day=w.requests_per_day * 5), cat, book)
    assert recommend_with(dataclasses.replace(w, requests_per_day=w.requests_per_day * 5), cat, book) is not big


def test_a_result_pushed_out_waits_to_be_freed_until_released_or_the_next_put(cat):
    """Freeing a whole ranking took ~6% of a batch-pipeline re-rank in the TUI's worker: a pushed-out result is held
    until the app, with the new ranking on screen, releases it; a caller that never does frees it at the next put, so
    at most one waits."""
    import gc
    import weakref

    clear_memos()
    book = from_catalog(cat)
    w = api.preset("steady-latency")
    first = weakref.ref(recommend_with(w, cat, book).candidates[0])
    for i in range(results.KEEP):
        recommend_with(dataclasses.replace(w, requests_per_day=w.requests_per_day * (2 + i)), cat, book)
    gc.collect()
    assert first() is not None and len(results._DROPPED) == 1  # pushed out, not freed
    results.release()
    gc.collect()
    assert first() is None and not results._DROPPED
    second = weakref.ref(recommend_with(dataclasses.replace(w, requests_per_day=w.requests_per_day * 50), cat, book).candidates[0])
    for i in range(results.KEEP + 1):  # no release between: each put frees what the last one pushed out
        recommend_with(dataclasses.replace(w, requests_per_day=w.requests_per_day * (60 + i)), cat, book)
        assert len(results._DROPPED) <= 1
    gc.collect()
    assert second() is None
