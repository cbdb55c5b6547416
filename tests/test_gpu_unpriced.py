"""A GPU the workload names that no allowed price offers is rejected saying why, not dropped in silence."""

from __future__ import annotations

from advisor import api


def test_a_named_gpu_sold_only_as_spot_is_rejected_for_interactive_work():
    rec = api.recommend(api.workload(models=["deepseek-v4-flash"], gpu_types=["mi355x"], self_hosting="required"))
    why = [r for r in rec.rejected if r.gpu == "mi355x" and r.reasons[0].code == "gpu-unpriced"]
    assert why and "sold only as spot" in why[0].reasons[0].message and "on-demand" in why[0].reasons[0].message
    assert why[0].label == "deepseek-v4-flash on mi355x"


def test_an_unnamed_gpu_without_an_allowed_price_adds_no_rejection():
    rec = api.recommend(api.workload(models=["llama-3.1-8b"], self_hosting="required"))
    assert not [r for r in rec.rejected if r.reasons[0].code == "gpu-unpriced"]
