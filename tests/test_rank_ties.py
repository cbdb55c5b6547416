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


def test_an_upcast_does_not_win_a_tie_as_less_quantized_its_native_checkpoint_does():
    """Review 3, finding 3: DeepSeek-V4-Flash's FP8 copy, made from its native MXFP4 experts, tied with the native row
    and won as "less quantized"; it holds the same values in more bytes, so the native checkpoint wins the tie."""
    from advisor.ranking.modes import upcast_line

    w = preset("steady-latency")
    native = _c("mxfp4-experts", 83.0, 0.64, model="deepseek-v4-flash", arch="moe")
    upcast = native.evolve(precision="fp8", utilization=0.50, quality_delta_source=upcast_line("mxfp4-experts"))
    first, second = sorted([upcast, native], key=_rank_key(w))
    assert first is native  # although the upcast has more headroom, which decides only after precision
    why = _same_cost_why(first, second, w)
    assert "native checkpoint" in why and "upcast" in why and "less quantized than" not in why
    # an upcast against an unrelated, genuinely wider row: still compared as its native precision
    bf16 = _c("bf16", 83.0, 0.9, model="deepseek-v4-flash", arch="moe")
    assert min([upcast, bf16], key=_rank_key(w)) is bf16
    assert "fp8 (upcast from mxfp4-experts)" in _same_cost_why(bf16, upcast, w)
