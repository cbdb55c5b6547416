"""The short cuts that keep a re-rank fast never change what is ranked: dominated price offers, engines no
faster and no lighter, built-in backends called inline, and a job that scales to zero trying more GPUs."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from advisor import api
from advisor.cost import billing
from advisor.domain.prices import GpuPrice
from advisor.domain.recommendation import Candidate
from advisor.physics import lora
from advisor.physics.engines import engines_for
from advisor.prices.book import from_catalog
from advisor.ranking.context import Context
from advisor.ranking.engine_support import screen
from advisor.ranking.rank import recommend_with
from advisor.ranking.self_hosted import Costed, SelfHostedBackend

PRESETS = ("bursty-app", "steady-latency", "batch-pipeline", "heavy-fine-tuning", "long-context")


def _offer(**kw) -> GpuPrice:
    base = dict(provider="acloud", gpu="h100-sxm", usd_per_gpu_hour=Decimal("2.00"), pricing="on-demand",
                source="https://example.test/pricing", as_of="2026-12-01", gpus_per_instance=8, billing_increment_s=1)
    return GpuPrice(**{**base, **kw})


# --------------------------------------------------------------------------- dominated offers


def test_an_offer_dearer_on_the_same_terms_is_dominated_and_a_different_shape_is_not():
    cheap = _offer(provider="bcloud", usd_per_gpu_hour=Decimal("1.50"))
    dear = _offer(provider="acloud", usd_per_gpu_hour=Decimal("2.50"))
    single = _offer(provider="ccloud", usd_per_gpu_hour=Decimal("3.00"), gpus_per_instance=1)
    assert billing.undominated([dear, cheap, single]) == [cheap, single]


def test_a_cheaper_offer_with_a_coarser_billing_increment_does_not_dominate():
    hourly = _offer(provider="acloud", usd_per_gpu_hour=Decimal("1.90"), billing_increment_s=3600)
    per_second = _offer(provider="bcloud", usd_per_gpu_hour=Decimal("2.00"), billing_increment_s=1)
    odd = _offer(provider="ccloud", usd_per_gpu_hour=Decimal("1.80"), billing_increment_s=7)
    assert billing.undominated([hourly, per_second, odd]) == [hourly, per_second, odd]
    per_minute = _offer(provider="aacloud", usd_per_gpu_hour=Decimal("1.90"), billing_increment_s=60)
    assert per_minute in billing.undominated([hourly, per_minute])
    assert hourly not in billing.undominated([hourly, per_minute])  # 60 s divides 3600 s, same price, and it wins a tie by name


def test_of_two_identical_offers_the_one_the_tie_break_picks_stays():
    a = _offer(provider="zcloud")
    b = _offer(provider="acloud")
    assert billing.undominated([a, b]) == [b]  # best() breaks a tie by provider name
    twin = _offer(provider="acloud")
    assert billing.undominated([b, twin]) == [b]  # one of two equal rows, the first


@pytest.mark.parametrize("preset", PRESETS)
def test_the_cheapest_plan_over_undominated_offers_is_the_cheapest_over_all(preset):
    cat = api.catalog()
    book = from_catalog(cat)
    w = api.preset(preset)
    ctx = Context(workload=w, catalog=cat, prices=book, engine=cat.engine)
    checked = 0
    for gpu in cat.gpus.values():
        offers = book.gpu_offers(gpu.id, w.providers, w.pricing_kinds)
        kept = billing.undominated(offers)
        assert set(kept) <= set(offers)
        for n in (1, 2, 4, 8, 16):
            for capacity in (50.0, 800.0, 12_000.0):
                every = [p for o in offers for p in billing.plans(o, n, capacity, w, ctx.day, 80e9)]
                some = [p for o in kept for p in billing.plans(o, n, capacity, w, ctx.day, 80e9)]
                assert billing.best(every) == billing.best(some)
                checked += bool(every)
    assert checked > 20


# --------------------------------------------------------------------------- engines and counts


def _engines_per_replica(c: Candidate) -> int:
    assert c.engines_per_replica == next(r.numbers["engines_per_replica"] for r in c.reasons if r.code == "capacity")
    return c.engines_per_replica


def _costs(ctx: Context, cand: Candidate, n: int) -> list[Costed]:
    """What each allowed engine bills for the candidate's model, GPU and precision on ``n`` GPUs per engine."""
    cat, w = ctx.catalog, ctx.workload
    model, gpu = cat.models[cand.model], cat.gpus[cand.gpu]
    backend = SelfHostedBackend()
    out = []
    # the engines the ranking screens for this model and GPU (a vLLM recipe's refusal, a release newer than the pinned;
    # with LoRA adapters planned, the engines that serve them on this model: TensorRT-LLM has no routed-expert LoRA)
    plan = lora.plan_for(w)
    for eng in screen(model, gpu, engines_for(cat, gpu, w.engines), cand.provider, cand.deployment)[0]:
        if not eng.serves(cand.precision) or (plan is not None and not lora.serves(eng, model, plan)):
            continue
        k = backend._cost(ctx, model, gpu, n, cand.precision, cand.kv_precision, ctx.prices.cheapest_gpu(gpu.id), eng)
        if isinstance(k, Costed):
            out.append(k)
    return out


@pytest.mark.parametrize("preset", ["steady-latency", "bursty-app", "batch-pipeline"])
def test_no_allowed_engine_bills_less_on_the_chosen_gpus(preset):
    cat = api.catalog()
    w = api.preset(preset)
    rec = recommend_with(w, cat, from_catalog(cat))
    ctx = Context(workload=rec.workload, catalog=cat, prices=from_catalog(cat), engine=cat.engine)
    seen = 0
    for c in rec.candidates:
        if c.deployment != "self-hosted" or c.mode not in (None, "", "non-reasoning"):
            continue
        others = _costs(ctx, c, c.gpus // _engines_per_replica(c))
        if others:
            seen += 1
            assert c.monthly_cost_usd <= min(k.plan.monthly_usd for k in others).quantize(Decimal("0.01")), c.label
    assert seen > 5


def test_a_job_that_scales_to_zero_is_never_dearer_than_on_twice_the_gpus():
    """More GPUs per replica can finish a batch job sooner at a larger batch, for fewer GPU-hours."""
    cat = api.catalog()
    w = api.preset("batch-pipeline")
    rec = recommend_with(w, cat, from_catalog(cat))
    ctx = Context(workload=rec.workload, catalog=cat, prices=from_catalog(cat), engine=cat.engine)
    compared = 0
    for c in rec.candidates:
        if c.deployment != "self-hosted" or c.scaling != "scale-to-zero" or c.gpus * 2 > w.max_gpus or c.mode not in (None, "", "non-reasoning"):
            continue
        doubled = _costs(ctx, c, c.gpus // _engines_per_replica(c) * 2)
        if doubled:
            compared += 1
            assert c.monthly_cost_usd <= min(k.plan.monthly_usd for k in doubled).quantize(Decimal("0.01")), c.label
    assert compared > 3


# --------------------------------------------------------------------------- threads


def test_the_built_in_backends_start_no_thread_per_model(monkeypatch):
    started: list[str] = []
    real = threading.Thread.start

    def counting(self):
        started.append(self.name)
        return real(self)

    monkeypatch.setattr(threading.Thread, "start", counting)
    cat = api.catalog()
    rec = recommend_with(api.preset("steady-latency"), cat, from_catalog(cat))
    assert rec.candidates
    assert started == []


def test_a_plugin_backend_still_runs_under_its_time_budget(monkeypatch):
    monkeypatch.setenv("MOE_ADVISOR_PLUGIN_TIMEOUT_S", "0.2")
    import time

    class Slow:
        name = "slow"
        deployment = "self-hosted"

        def evaluate(self, ctx, model):
            time.sleep(5)
            return []

    cat = api.catalog()
    w = api.preset("steady-latency")
    rec = recommend_with(w, cat, from_catalog(cat), backends=(SelfHostedBackend(), Slow()))
    assert any("slow" in n and "time budget" in n for n in rec.notes)
    assert rec.candidates


def _bisect(model, b_max: int, limit_s: float) -> int:
    lo, hi = 1, b_max
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if model.cycle(mid)[1] <= limit_s:
            lo = mid
        else:
            hi = mid
    return lo


@pytest.mark.parametrize("model_id,gpu_id,gpus,precision", [
    ("llama-3.3-70b", "h100-sxm", 2, "fp8"), ("qwen3-30b-a3b", "h100-sxm", 1, "bf16"),
    ("deepseek-r1", "h200", 8, "fp8"), ("mixtral-8x7b", "mi300x", 1, "bf16"), ("gpt-oss-120b", "h100-sxm", 1, "mxfp4-experts"),
])
def test_the_tpot_search_finds_the_batch_bisection_finds(model_id, gpu_id, gpus, precision):
    """The largest batch within a TPOT limit, by regula falsi, is bisection's answer at every limit between
    one stream's TPOT and the largest batch's."""
    from advisor.domain.precision import resolve_precision
    from advisor.physics.batching import largest_batch_within
    from advisor.physics.layouts import layouts_for
    from advisor.physics.performance import _Model

    cat = api.catalog()
    m, gpu = cat.models[model_id], cat.gpus[gpu_id]
    engine = cat.engine.for_vendor(gpu.vendor)
    prec = resolve_precision(precision, gpu.vendor)
    checked = 0
    for lay in layouts_for(m, gpu, gpus, engine.layouts):
        model = _Model(m, gpu, prec, "fp8" if precision != "bf16" else "bf16", engine, lay, 1500, 300)
        b_max = 700
        t1, tmax = model.cycle(1)[1], model.cycle(b_max)[1]
        assert tmax > t1
        for i in range(1, 40):
            limit = t1 + (tmax - t1) * i / 40
            assert largest_batch_within(lambda b: model.cycle(b)[1], b_max, limit, t1, tmax) == _bisect(model, b_max, limit)
            checked += 1
    assert checked >= 39
