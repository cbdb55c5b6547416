"""A search whose last full run at a lower volume was settled (``advisor.ranking.settled``: its winner bills the same
now, and no configuration failed for the volume) answers without searching; the answer must be the full search's,
byte for byte, at every volume of a rising sequence, and at a lower volume the search runs again."""

from __future__ import annotations

import dataclasses

import pytest

from advisor.common.serialize import dumps_json
from advisor.domain.workload import PRESETS
from advisor.prices.book import from_catalog
from advisor.ranking import results, self_hosted, settled
from advisor.ranking.context import clear_memos
from advisor.ranking.rank import recommend_with

RISING = (1.0, 1.01, 1.04, 1.3, 0.9, 4.0)
"""Edits that keep most replica counts, one that adds some, one down (a full search again), one that multiplies them."""

WORKLOADS = {
    "bursty-app": PRESETS["bursty-app"],
    "heavy-fine-tuning": PRESETS["heavy-fine-tuning"],
    "long-context": PRESETS["long-context"],
    "batch-pipeline": PRESETS["batch-pipeline"],
    # Two replicas kept warm when autoscaling, while a fixed plan of one replica stays allowed.
    "warm-two": dataclasses.replace(PRESETS["bursty-app"], min_replicas=2, requests_per_day=900.0),
    # Autoscaling alone on a diurnal day: below some volume every hour runs the floor and there is no plan at all.
    "autoscale-only": dataclasses.replace(PRESETS["steady-latency"], scaling=("autoscale",), traffic_shape="diurnal",
                                          peak_to_mean=3.0, requests_per_day=30_000.0),
}


def _spy(monkeypatch, name: str) -> list[bool]:
    """Whether each call of ``settled.<name>`` gave the answer (True) or left it to the search."""
    answered = []
    original = getattr(settled, name)

    def spy(*args):
        got = original(*args)
        answered.append(got is not None)
        return got
    monkeypatch.setattr(settled, name, spy)
    return answered


@pytest.fixture
def settled_answers(monkeypatch):
    return _spy(monkeypatch, "answer")


@pytest.fixture
def floor_answers(monkeypatch):
    return _spy(monkeypatch, "by_floors")


@pytest.mark.parametrize("name", sorted(WORKLOADS))
def test_a_settled_search_answers_as_the_full_search(cat, name, settled_answers, floor_answers):
    book = from_catalog(cat)
    base = WORKLOADS[name]
    clear_memos()
    ranked = {}
    for scale in RISING:
        w = dataclasses.replace(base, requests_per_day=base.requests_per_day * scale)
        ranked[scale] = dumps_json(recommend_with(w, cat, book))
    # Autoscaling alone may have no plan at one volume and one at a higher volume: never settled.
    assert any(settled_answers) == (name != "autoscale-only"), settled_answers.count(True)
    assert any(floor_answers) or name != "batch-pipeline"  # a batch job's bill moves with the volume: the floors answer
    settled_answers.clear()
    for scale in RISING:
        clear_memos()
        w = dataclasses.replace(base, requests_per_day=base.requests_per_day * scale)
        assert ranked[scale] == dumps_json(recommend_with(w, cat, book)), scale
        assert not any(settled_answers)  # each ranked alone: no kept search answered


def test_a_lower_volume_searches_again(cat, settled_answers):
    """A bill that held at a higher volume says nothing of a lower one: other configurations' bills fall too."""
    book = from_catalog(cat)
    base = PRESETS["bursty-app"]
    clear_memos()
    recommend_with(base, cat, book)
    settled_answers.clear()
    recommend_with(dataclasses.replace(base, requests_per_day=base.requests_per_day * 0.99), cat, book)
    assert not any(settled_answers)
    settled_answers.clear()
    recommend_with(dataclasses.replace(base, requests_per_day=base.requests_per_day * 0.995), cat, book)
    assert settled_answers and all(settled_answers[:10])


def test_a_search_that_saw_a_kv_failure_is_not_settled(cat, monkeypatch, settled_answers):
    """A KV cache short for the sequences in flight may fit at a higher volume (more replicas hold fewer each), so the
    search that saw one runs again: here the winner itself is made short at one volume, and the next volume must find
    it again, as a search from scratch does."""
    book = from_catalog(cat)
    base = PRESETS["bursty-app"]
    clear_memos()
    top = next(c for c in recommend_with(base, cat, book).candidates if c.deployment == "self-hosted")
    original = self_hosted.shortfall
    short = {"on": True}

    def shortfall(gpu, n, dp, e, per_engine, kv_seq):
        if short["on"] and gpu.id == top.gpu and n * dp == top.gpus and e.engine == top.engine:
            return 1  # one byte short, at this volume only
        return original(gpu, n, dp, e, per_engine, kv_seq)
    monkeypatch.setattr(self_hosted, "shortfall", shortfall)
    clear_memos()
    hidden = recommend_with(base, cat, book)
    assert not any(c.gpu == top.gpu and c.model == top.model and c.gpus == top.gpus and c.engine == top.engine
                   and c.precision == top.precision for c in hidden.candidates)
    short["on"] = False
    w = dataclasses.replace(base, requests_per_day=base.requests_per_day * 1.01)
    got = dumps_json(recommend_with(w, cat, book))
    assert any(settled_answers)  # other searches were settled
    clear_memos()
    assert got == dumps_json(recommend_with(w, cat, book))


@pytest.mark.parametrize("preset,scale,estimated,days", [("batch-pipeline", 1.0, False, 7), ("bursty-app", 2.0, False, 7),
                                                        ("bursty-app", 2.0, True, 7), ("heavy-fine-tuning", 0.5, True, 7),
                                                        ("batch-pipeline", 1.0, False, 5), ("bursty-app", 2.0, True, 5)])
def test_the_floors_answer_only_where_every_floor_test_would(cat, preset, scale, estimated, days):
    """``by_floors``' one comparison stands for a floor test per configuration: at the highest bill it lets through, the
    floor test of every configuration it covers must skip it (else a cheaper configuration could hide behind it).
    ``estimated``: every count estimated before (interactive work reads only estimates the search made)."""
    from advisor.physics.engines import engines_for
    from advisor.ranking import bounds
    from advisor.ranking.context import Context
    from advisor.ranking.costed import Costed

    book = from_catalog(cat)
    w = dataclasses.replace(PRESETS[preset], requests_per_day=PRESETS[preset].requests_per_day * scale, days_per_week=days,
                            min_replicas=0 if days < 7 else PRESETS[preset].min_replicas)
    ctx = Context(workload=w, catalog=cat, prices=book, engine=cat.engine)
    backend = self_hosted.SelfHostedBackend()
    checked = 0
    for model in list(m for m in cat.models.values() if not m.api_only)[::3]:
        for gpu in cat.gpus.values():
            price = book.cheapest_gpu(gpu.id, w.providers, w.pricing_kinds)
            unit = bounds._unit(ctx, gpu) if price is not None else 0
            if price is None or unit <= 0:
                continue
            for precision in ("bf16", "fp8"):
                sized = [(e, bounds.sizing(ctx, "self-hosted", model, gpu, precision, e, price.provider))
                         for e in engines_for(cat, gpu, w.engines) if e.serves(precision)]
                for e, (kv, _, _, counts) in sized if estimated else ():
                    for n in counts:
                        bounds._bound(ctx, model, gpu, n, precision, kv, e)
                seed = next((k for e, (kv, fitting, _, counts) in sized for n in counts
                             if isinstance(k := backend._cost(ctx, model, gpu, n, precision, kv, price, e), Costed)), None)
                if seed is None:
                    continue
                least = settled._least_ratio(backend, ctx, model, gpu, precision, sized, seed, ("probe", model.id, gpu.id, precision))
                if least is None:
                    continue
                highest = settled.floors_reach(ctx, gpu, least) / (1 - bounds.TIE)  # the most by_floors lets through
                for i, (e, (kv, fitting, _, counts)) in enumerate(sized):
                    test = bounds.floor_test(ctx, gpu, lambda n, e=e, kv=kv: bounds._bound(ctx, model, gpu, n, precision, kv, e))
                    for n in counts:
                        fits = bounds._bound(ctx, model, gpu, n, precision, kv, e)[0]
                        if (e is seed.eng and n == seed.n) or not fits or (i == 0 and n == fitting):
                            continue
                        assert test(n, highest * (1 - 1e-12)), (model.id, gpu.id, precision, e.id, n)
                        checked += 1
    assert checked >= 50, checked


BACK = (1.0, 1.3, 1.01, 1.0, 4.0, 1.3, 1.29)
"""Up, then down to volumes at or above one ranked before (a digit typed, then deleted): each lower edit is answered by
the search kept at the highest volume no higher than it, not only by the newest."""


@pytest.mark.parametrize("name", ["bursty-app", "heavy-fine-tuning", "warm-two", "batch-pipeline"])
def test_a_lower_volume_above_a_kept_one_is_answered_as_the_full_search(cat, name, settled_answers, monkeypatch):
    book = from_catalog(cat)
    base = WORKLOADS[name]
    searched = []  # each engine's search of GPU counts (``_evaluate_precision``): what a settled search skips
    original = self_hosted.SelfHostedBackend._evaluate_precision

    def spy(self, *args, **kwargs):
        searched.append(1)
        return original(self, *args, **kwargs)
    monkeypatch.setattr(self_hosted.SelfHostedBackend, "_evaluate_precision", spy)
    monkeypatch.setattr(results, "get", lambda *args: None)  # the searches' records alone, not whole results kept
    clear_memos()
    got, steps = {}, []
    for scale in BACK:
        settled_answers.clear()
        searched.clear()
        w = dataclasses.replace(base, requests_per_day=base.requests_per_day * scale)
        got[scale] = dumps_json(recommend_with(w, cat, book))
        steps.append((scale, settled_answers.count(True), len(searched)))
    if name != "batch-pipeline":  # (a batch job's bills move with the volume: kept winners seldom bill the same)
        revisits = [(scale, yes, runs) for i, (scale, yes, runs) in enumerate(steps) if scale in BACK[:i]]
        assert len(revisits) == 2 and all(yes > 0 and runs == 0 for _, yes, runs in revisits), steps  # 1.0, 1.3 again
        assert steps[2][1] > 0 and steps[-1][1] > 0, steps  # 1.01 after 1.3, 1.29 after 1.3: below the newest
    for scale in BACK:
        clear_memos()
        w = dataclasses.replace(base, requests_per_day=base.requests_per_day * scale)
        assert got[scale] == dumps_json(recommend_with(w, cat, book)), scale


def test_kept_searches_are_the_newest_few_and_the_highest_no_higher_answers(cat):
    from types import SimpleNamespace

    from advisor.ranking.context import Context, per_shape

    base = PRESETS["bursty-app"]
    ctx = Context(workload=base, catalog=cat, prices=from_catalog(cat), engine=cat.engine)

    def at(volume):
        return dataclasses.replace(ctx, workload=dataclasses.replace(base, requests_per_day=volume))

    def won(bill):  # what ``keep`` reads of a winner
        return SimpleNamespace(plan=SimpleNamespace(monthly_usd=bill), eng=SimpleNamespace(id="vllm"), n=1, kv_prec="fp8")
    key = ("sized", "probe")
    for volume in (100.0, 300.0, 200.0, 300.0, 50.0, 400.0, 500.0, 600.0):
        settled.keep(at(volume), key, won(volume))
    kept = sorted(r[0] for r in per_shape(ctx.shared, "settled")[key])
    assert kept == [50.0, 200.0, 300.0, 400.0, 500.0, 600.0]  # 100 the oldest of seven; 300 kept once, the newest
    assert settled.KEPT == 6
    assert settled.record(at(250.0), key)[0] == 200.0 and settled.record(at(300.0), key)[0] == 300.0
    assert settled.record(at(1000.0), key)[0] == 600.0 and settled.record(at(120.0), key)[0] == 50.0
    assert settled.record(at(10.0), key)[0] == 50.0  # every kept one higher: the lowest (nothing answers below it)
    assert settled.record(at(10.0), ("sized", "other")) is None
