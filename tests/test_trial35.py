"""User trial 35 (a platform engineer sizing an internal coding assistant with 45k-token prompts): PP3 billed for a
4-GPU instance, min_replicas = 0 taken and ignored, and an API and a self-hosted row a few percent apart not called a
near tie."""

from __future__ import annotations

from decimal import Decimal

from advisor import api
from advisor.domain.prices import GpuPrice
from advisor.prices.book import from_catalog
from advisor.ranking.rank import recommend_with


def _with_offer(cat, offer: GpuPrice):
    book = from_catalog(cat)
    return type(book)(gpu_prices=(*book.gpu_prices, offer), api_prices=book.api_prices,
                      origin={**book.origin, offer.provider: "test"})


def test_three_gpus_as_pp3_are_not_billed_a_four_gpu_instance_that_tp4_would_use():
    """A provider selling H100s in 1, 2, 4 or 8: "1 x 3 h100-sxm" (PP3, 379 tokens/s) billed as a 4-GPU instance ranked
    at the same bill as TP4 on those four GPUs (2,000 tokens/s, half the TTFT). PP3 stays where a provider sells 3."""
    cat = api.catalog()
    offer = GpuPrice(provider="internalcloud", gpu="h100-sxm", usd_per_gpu_hour=Decimal("1.50"), pricing="on-demand",
                     source="https://example.test/p", as_of="2026-12-01", gpus_per_instance=8, instance_gpu_counts=(1, 2, 4, 8))
    w = api.workload(preset="steady-latency", models=["llama-4-scout"], precisions=["bf16"], gpu_types=["h100-sxm"],
                     self_hosting="required")
    rows = [c for c in recommend_with(w, cat, _with_offer(cat, offer)).candidates if c.provider == "internalcloud"]
    assert rows and all(c.gpus != 3 for c in rows)
    assert rows[0].gpus == 4 and rows[0].layout == "tp"
    sold_three = [c for c in recommend_with(api.workload(**{**_fields(w), "providers": ("runpod",)}), cat, from_catalog(cat)).candidates]
    assert sold_three and sold_three[0].gpus == 3 and sold_three[0].layout == "pp"


def _fields(w) -> dict:
    import dataclasses

    return {f.name: getattr(w, f.name) for f in dataclasses.fields(w) if f.name not in ("name", "description")}
