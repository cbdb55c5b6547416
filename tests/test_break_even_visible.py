"""A reasoning row's break-even is stated per visible token, like the table: the workload's own tokens per day and
the API's $/M as its row shows it (the thinking tokens are in both bills, not in the count)."""

from __future__ import annotations

from advisor import api
from advisor.common import fmt


def test_a_reasoning_rows_break_even_uses_the_visible_token_basis():
    w = api.workload(tokens_per_day=50e6, input_tokens=4000, output_tokens=250, latency="batch", deadline_hours=8,
                     context_typical_tokens=4250, context_max_tokens=16_384, min_quality=70)
    rec = api.recommend(w)
    per_day = w.tokens_per_month / (365 / 12)
    thinking = [c for c in rec.candidates if c.mode == "reasoning" and c.deployment == "self-hosted" and c.break_even_vs]
    assert thinking
    for c in thinking[:5]:
        be = next(r for r in c.reasons if r.code == "break-even")
        if "workload_tokens_per_day" in be.numbers:
            assert abs(be.numbers["workload_tokens_per_day"] - per_day) < 1.0
        provider = c.break_even_vs.split(" ")[0]
        row = next(x for x in rec.candidates if x.deployment == "api" and x.model == c.model and x.provider == provider
                   and x.mode == c.mode)
        assert f"at {fmt.usd(row.usd_per_mtok, 3)}/M" in c.break_even_vs, (c.break_even_vs, row.usd_per_mtok)


def test_a_reasoning_rows_utilization_curve_is_per_visible_token():
    w = api.workload(requests_per_day=200_000, input_tokens=24_000, output_tokens=2000, traffic_shape="diurnal",
                     peak_to_mean=2.0, ttft_ms=3000, output_tokens_per_s_per_user=30, context_typical_tokens=26_000,
                     context_max_tokens=65_536, models=["deepseek-r1"], gpu_types=["b200"], precisions=["fp4"],
                     self_hosting="required")
    rec = api.recommend(w)
    c = rec.candidates[0]
    assert c.mode == "reasoning" and c.utilization_table
    be = next(r for r in c.reasons if r.code == "break-even").numbers
    full = float(c.utilization_table[0].usd_per_mtok) * c.utilization_table[0].utilization
    # one replica fully used: the same $/M in the curve and in the break-even line (both per visible token)
    assert abs(full - be["usd_per_mtok_at_full"]) / be["usd_per_mtok_at_full"] < 0.01
    assert c.single_stream_usd_per_mtok is None or c.single_stream_usd_per_mtok > c.usd_per_mtok
