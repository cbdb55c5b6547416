"""The self-hosted search: every GPU count is considered, and the lower bound that skips costing a count never
changes the answer; reasons are written when read (LazyReasons), and read the same as if written at once."""

from __future__ import annotations

import dataclasses

import pytest

from advisor import api, cost
from advisor.domain.recommendation import LazyReasons, Reason, known_reasons
from advisor.domain.workload import PRESETS
from advisor.physics.engines import engines_for
from advisor.prices.book import from_catalog
from advisor.ranking import bounds, engine_support, self_hosted
from advisor.ranking.context import Context, clear_memos
from advisor.ranking.fitting import PIPELINE_GPUS, pipeline_sold
from advisor.ranking.rank import recommend_with


@pytest.fixture(scope="module")
def cat():
    return api.catalog()


def _rows(rec):
    return [(c.label, c.monthly_cost_usd, c.engine, c.layout, c.scaling, c.pricing_kind, tuple(r.message for r in c.reasons))
            for c in rec.candidates]


@pytest.mark.parametrize("preset,scale", [("bursty-app", 7.0), ("bursty-app", 1.0), ("steady-latency", 3.0),
                                          ("batch-pipeline", 0.1), ("long-context", 1.0), ("heavy-fine-tuning", 1.0)])
def test_the_bound_skips_only_what_cannot_win(cat, monkeypatch, preset, scale):
    """Ranking with the bound and with every count costed gives the same candidates, bills, layouts and reasons."""
    book = from_catalog(cat)
    w = dataclasses.replace(PRESETS[preset], requests_per_day=PRESETS[preset].requests_per_day * scale)
    bounded = recommend_with(w, cat, book)
    skipped = []
    real = bounds.floor_test

    def never(*args):
        test = real(*args)

        def record(n, best_usd):
            skipped.append(test(n, best_usd))
            return False
        return record

    monkeypatch.setattr(bounds, "floor_test", never)
    clear_memos()  # no search settled by the first ranking (``advisor.ranking.settled``): each runs, unbounded
    everything = recommend_with(w, cat, book)
    assert any(skipped), "the bound never applied: the test checks nothing"
    assert _rows(bounded) == _rows(everything)


@pytest.mark.parametrize("preset,scale", [("bursty-app", 7.0), ("long-context", 7.0), ("batch-pipeline", 1.0)])
def test_each_candidate_bills_the_least_over_every_gpu_count_and_engine(cat, preset, scale):
    """Brute force: cost every GPU count up to max_gpus with every engine that serves the precision; the ranked
    candidate of each (model, GPU, precision) bills exactly the least of them (a search that stopped when a
    doubling did not help missed counts where a layout pays off late: Llama 4 Scout on A100 at 7x the long-context
    traffic bills $26,725 on 2 GPUs, $26,387 on 8)."""
    book = from_catalog(cat)
    w = dataclasses.replace(PRESETS[preset], requests_per_day=PRESETS[preset].requests_per_day * scale)
    rec = recommend_with(w, cat, book)
    ctx = Context(workload=rec.workload, catalog=cat, prices=book, engine=cat.engine)
    backend = self_hosted.SelfHostedBackend()
    checked = 0
    for c in [c for c in rec.candidates if c.deployment == "self-hosted" and c.mode is None]:
        model, gpu = cat.models[c.model], cat.gpus[c.gpu]
        price = book.cheapest_gpu(gpu.id, ctx.workload.providers, ctx.workload.pricing_kinds)
        bills = []
        # the engines the ranking costs this precision on (no TensorRT-LLM for FP8 weights no checkpoint holds)
        for eng in engine_support.for_precision(model, gpu, c.precision, engines_for(cat, gpu, ctx.workload.engines)):
            if not eng.serves(c.precision):
                continue
            kv, fitting, _ = self_hosted._sizing("self-hosted", model, gpu, c.precision, eng, ctx.workload.context_max_tokens,
                                                 ctx.workload.max_gpus, price.provider, None)
            if fitting == PIPELINE_GPUS:  # 3 GPUs as PP3, where any allowed offer sells 3 (else from 4)
                fitting = pipeline_sold(model, gpu, c.precision, "self-hosted", price.provider, bounds.offers_of(ctx, gpu), ())[0]
            for n in sorted({fitting or 1, *self_hosted.GPU_COUNTS}):
                if fitting is not None and fitting <= n <= ctx.workload.max_gpus:
                    k = backend._cost(ctx, model, gpu, n, c.precision, kv, price, eng)
                    if isinstance(k, self_hosted.Costed):
                        bills.append(k.plan.monthly_usd)
        assert bills and c.monthly_cost_usd == cost.money(min(bills)), c.label
        checked += 1
    assert checked >= 10


def test_lazy_reasons_read_as_the_tuple_they_stand_for():
    calls = []
    a, b, c, d = (Reason(x, x) for x in "abcd")

    def make():
        calls.append(1)
        return [b, c]

    lazy = LazyReasons(make)
    joined = (a,) + lazy + (d,)
    assert isinstance(joined, LazyReasons) and not calls
    assert known_reasons(joined) == (a, d) and not calls  # the written part, without writing the rest
    assert joined == (a, b, c, d) and len(joined) == 4 and joined[0] == a and joined[1:3] == (b, c)
    assert list(joined) == [a, b, c, d] and calls == [1]
    assert tuple(lazy) == (b, c) and calls == [1]  # written once for every sequence made from it
    assert known_reasons(joined) == (a, b, c, d)
    assert joined != (a, b) and bool(LazyReasons(list)) is False


def test_a_ranking_writes_reasons_only_for_what_is_read(cat, monkeypatch):
    written = []
    real = self_hosted.SelfHostedBackend._reasons

    def counting(self, *args, **kwargs):
        written.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(self_hosted.SelfHostedBackend, "_reasons", counting)
    rec = recommend_with(PRESETS["bursty-app"], cat, from_catalog(cat))
    hosted = [c for c in rec.candidates if c.deployment == "self-hosted"]
    assert len(hosted) > 20 and not written
    first = hosted[0]
    assert any(r.code == "capacity" for r in first.reasons) and len(written) == 1


@pytest.mark.parametrize("preset,scale,warm", [("batch-pipeline", 1.0, 1), ("batch-pipeline", 0.03, 1), ("heavy-fine-tuning", 1.0, 1),
                                               ("bursty-app", 3.0, 1), ("bursty-app", 0.3, 2)])
def test_the_bill_floor_is_never_above_a_bill(cat, preset, scale, warm):
    """Every configuration that works, costed in full: its GPU count's floor (``bounds.floor_test``) must let its own
    bill through (a floor above a bill would skip a configuration that could win), for fixed, autoscaled and
    scale-to-zero plans, on-demand and spot, and instances that hold several engines. ``warm``: ``min_replicas``, which
    autoscaling keeps and a fixed plan for a peak of one replica does not."""
    book = from_catalog(cat)
    w = dataclasses.replace(PRESETS[preset], requests_per_day=PRESETS[preset].requests_per_day * scale, min_replicas=warm)
    ctx = Context(workload=w, catalog=cat, prices=book, engine=cat.engine)
    backend = self_hosted.SelfHostedBackend()
    checked, close = 0, 0
    for model in (m for m in cat.models.values() if not m.api_only):
        for gpu in cat.gpus.values():
            price = book.cheapest_gpu(gpu.id, w.providers, w.pricing_kinds)
            if price is None:
                continue
            for eng in engines_for(cat, gpu, w.engines):
                for precision in ("bf16", "fp8"):
                    if not eng.serves(precision):
                        continue
                    kv, fitting, _ = self_hosted._sizing("self-hosted", model, gpu, precision, eng, w.context_max_tokens,
                                                         w.max_gpus, price.provider, None)
                    test = bounds.floor_test(ctx, gpu, lambda n, p=precision, k=kv, e=eng, m=model, g=gpu: bounds._bound(ctx, m, g, n, p, k, e))
                    for n in self_hosted.GPU_COUNTS:
                        if fitting is None or n < fitting or n > w.max_gpus:
                            continue
                        k = backend._cost(ctx, model, gpu, n, precision, kv, price, eng)
                        if not isinstance(k, self_hosted.Costed):
                            continue
                        bill = float(k.plan.monthly_usd)
                        assert not test(n, bill * (1 + 1e-7)), (model.id, gpu.id, n, precision, eng.id, bill)
                        checked += 1
                        close += test(n, bill * 0.97)  # the floor is within 3% of the bill
    assert checked >= 100 and close >= 10, (checked, close)  # and the floor is not vacuous
