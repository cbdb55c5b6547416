"""The capacity reason names what bounds a replica: where prefills take most of each stream's time (long prompts, short
answers), that share beside the decode step's bound, not the decode step's bound alone (trial 36: a batch row read
"memory-bound" with 93% of its time prefilling)."""

from __future__ import annotations

from advisor import api
from advisor.ranking.explain import capacity_text


def test_a_prefill_dominated_engine_says_so_with_the_share():
    e = api.estimate("deepseek-v3", "h200", gpus=8, input_tokens=20_000, output_tokens=300)
    share = 1 - e.step.total_s * 1e3 / e.tpot_ms
    assert share > 0.5
    assert f"(prefills take {share:.0%} of the time, the decode step is {e.bound}-bound)" in capacity_text(e)


def test_a_decode_dominated_engine_keeps_the_plain_bound():
    e = api.estimate("llama-3.3-70b", "h200", gpus=2, input_tokens=500, output_tokens=1000, tpot_limit_ms=30)
    assert 1 - e.step.total_s * 1e3 / e.tpot_ms < 0.5
    assert capacity_text(e).endswith(f"({e.bound}-bound)")
