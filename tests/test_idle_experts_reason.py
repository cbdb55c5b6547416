"""The idle-experts reason reads the experts a decode step touches at the workload's average load, not at the batch the
engine could run: at 2 requests a day an MoE step runs one sequence and reads top-k experts."""

from advisor import api
from advisor.physics.moe import experts_touched


def test_idle_experts_are_counted_at_the_average_load():
    w = api.workload(requests_per_day=2000, input_tokens=1000, output_tokens=300, latency="interactive", ttft_ms=3000,
                     output_tokens_per_s_per_user=20, models=["qwen3-30b-a3b"], self_hosting="required")
    rows = [c for c in api.recommend(w).candidates if any(r.code == "moe-idle-experts" for r in c.reasons)]
    assert rows
    m = api.catalog().models["qwen3-30b-a3b"]
    for c in rows[:5]:
        r = next(r for r in c.reasons if r.code == "moe-idle-experts")
        avg = max(1.0, c.utilization * c.batch)
        assert r.numbers["experts_touched"] == experts_touched(m.n_routed_experts, m.num_experts_per_tok, avg)
        assert r.numbers["experts_touched"] < r.numbers["experts_touched_at_full_batch"]
        assert f"of {c.batch})" in r.message
