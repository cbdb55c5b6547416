"""Where every self-hosted configuration misses a latency target, the rejections list the nearest misses first and say
the fastest TTFT any of them reaches, so the user knows which target to ask for."""

from __future__ import annotations

from advisor import api
from advisor.cli.render import fastest_misses, render
from advisor.domain.recommendation import Reason, Rejection


def _ttft(ms: float, gpu: str) -> Rejection:
    return Rejection(model="m", deployment="self-hosted", gpu=gpu, gpus=2, precision="fp8",
                     reasons=(Reason("ttft", f"time to first token {ms:,.0f} ms", "decisive", {"ttft_ms": ms}),))


def test_latency_misses_sort_nearest_first_and_before_tensor_parallel_ones():
    tp = Rejection(model="m", deployment="self-hosted", gpu="a", gpus=3, reasons=(Reason("tensor-parallel", "3-way", "decisive"),))
    rows = [_ttft(25_300, "a100"), tp, _ttft(9_500, "b200"), _ttft(45_500, "h100")]
    assert [r.gpu for r in sorted(rows, key=Rejection.sort_key)] == ["b200", "a100", "h100", "a"]
    assert fastest_misses(rows) == ["the fastest time to first token any self-hosted option reaches: 9.5 s on m on 2x b200 (fp8)"]


def test_a_million_token_prompt_with_no_feasible_option_names_the_fastest_ttft():
    w = api.workload(models=["deepseek-v4-flash"], self_hosting="required", requests_per_day=2000, input_tokens=800_000,
                     output_tokens=1000, context_typical_tokens=800_000, context_max_tokens=1_000_000)
    rec = api.recommend(w)
    assert not rec.candidates
    misses = [r for r in rec.rejected if r.reasons and r.reasons[0].code == "ttft"]
    best = min(misses, key=lambda r: r.reasons[0].numbers["ttft_ms"])
    text = render(rec)
    assert "the fastest time to first token any self-hosted option reaches" in text and best.label in text.replace("\n      ", " ")
    first = next(r for r in sorted(rec.rejected, key=Rejection.sort_key) if r.reasons[0].code == "ttft")
    assert first is best or first.reasons[0].numbers["ttft_ms"] == best.reasons[0].numbers["ttft_ms"]
