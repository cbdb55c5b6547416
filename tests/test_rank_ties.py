"""What breaks a tie on cost between two candidates, and that #1's reason names it truthfully."""

from __future__ import annotations

from decimal import Decimal

from advisor.domain.recommendation import Candidate
from advisor.domain.workload import preset
from advisor.ranking.rank import _rank_key, _same_cost_why


def _c(precision: str, quality: float, utilization: float, model: str = "m", arch: str = "dense") -> Candidate:
    return Candidate(model=model, model_name=model, architecture=arch, deployment="self-hosted", provider="p", gpu="h100-sxm",
                     gpus=1, replicas=1, precision=precision, monthly_cost_usd=Decimal(100), usd_per_mtok=Decimal(1),
                     utilization=utilization, quality=quality, quality_benchmark="MMLU-Pro")


def test_at_the_same_cost_and_quality_the_less_quantized_option_ranks_first_and_says_so():
    w = preset("steady-latency")
    fp8, bf16 = _c("fp8", 70.4, 0.03), _c("bf16", 70.4, 0.06)
    first, second = sorted([fp8, bf16], key=_rank_key(w))
    assert (first.precision, second.precision) == ("bf16", "fp8")
    why = _same_cost_why(first, second, w)
    assert "ranked by precision" in why and "quality" in why and "ranked by quality" not in why


def test_quality_decides_before_precision_and_headroom_after_it():
    w = preset("steady-latency")
    better = _c("fp8", 71.0, 0.5)
    first, _ = sorted([_c("bf16", 70.0, 0.1), better], key=_rank_key(w))
    assert first is better
    assert "ranked by quality (71.0 against 70.0)" in _same_cost_why(better, _c("bf16", 70.0, 0.1), w)
    roomy = _c("bf16", 70.0, 0.2)
    first, second = sorted([_c("bf16", 70.0, 0.4), roomy], key=_rank_key(w))
    assert first is roomy and "headroom: 20% utilization against 40%" in _same_cost_why(first, second, w)
    assert "a tie" in _same_cost_why(roomy, _c("bf16", 70.0, 0.2), w)
