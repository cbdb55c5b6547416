"""The break-even compares a self-hosted row with the cheapest API that can serve the workload, not a rejected one."""

from __future__ import annotations

from advisor import api


def test_a_lora_workload_breaks_even_only_against_an_api_that_serves_the_adapters():
    w = api.workload(preset="steady-latency", self_hosting="allowed", models=["phi-4", "qwen2.5-72b", "llama-3.3-70b"])
    rec = api.recommend(w)
    refused = {(r.model, r.provider) for r in rec.rejected if r.deployment == "api" and r.reasons[0].code == "api-fine-tuning"}
    assert refused  # some APIs serve only the base model
    compared = [(c.model, c.break_even_vs) for c in rec.candidates if c.deployment == "self-hosted" and c.break_even_vs]
    for model, vs in compared:
        assert (model, vs.split(" at ")[0]) not in refused, (model, vs)
    for c in rec.candidates:
        if c.deployment == "self-hosted" and (c.model, "openrouter") in refused:
            assert not (c.break_even_vs or "").startswith("openrouter")


def test_a_batch_workload_breaks_even_against_the_batch_api_price():
    from decimal import Decimal

    from advisor.cost import batch_api_applies, workload_usd_per_mtok

    w = api.preset("batch-pipeline")
    rec = api.recommend(w)
    rows = [c for c in rec.candidates if c.deployment == "self-hosted" and c.break_even_vs and c.mode != "reasoning"]
    assert rows
    from advisor.prices import resolve

    book = resolve.price_book(api.catalog())
    for c in rows[:10]:
        provider = c.break_even_vs.split(" ")[0]
        offer = next(p for p in book.api_offers(c.model) if p.provider == provider)
        if batch_api_applies(offer, rec.workload):
            assert "(batch API)" in c.break_even_vs
            price = workload_usd_per_mtok(offer, rec.workload) * (1 - Decimal(str(offer.batch_discount)))
            assert f"${price:.3f}/M" in c.break_even_vs or f"${float(price):,.3f}/M" in c.break_even_vs
