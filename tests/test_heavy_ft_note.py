"""Under heavy fine-tuning MoE rows rank after dense ones (a stated policy); #1 must not then call itself the cheapest
while cheaper MoE rows exist: it names them and what the policy costs."""

from __future__ import annotations

from advisor import api
from advisor.ranking.ties import total


def _rec(fine_tuning: str):
    return api.recommend(api.workload(requests_per_day=50_000, input_tokens=1000, output_tokens=300, fine_tuning=fine_tuning,
                                      fine_tune_tokens=1e9, fine_tunes_per_month=2, self_hosting="required",
                                      models=["llama-3.3-70b", "qwen3-235b-a22b", "qwen3-30b-a3b"]))


def test_a_dense_first_choice_names_the_cheaper_moe_rows_heavy_fine_tuning_put_after_it():
    rec = _rec("heavy")
    top = rec.candidates[0]
    assert top.architecture == "dense"
    cheaper = [c for c in rec.candidates if c.architecture == "moe" and total(c) < total(top)]
    assert cheaper
    rank = next(r for r in top.reasons if r.code == "rank").message
    low = min(cheaper, key=total)
    assert rank.startswith("first choice") and not rank.startswith("cheapest")
    assert f"{len(cheaper):,} cheaper MoE option" in rank and low.label in rank


def test_without_heavy_fine_tuning_there_is_no_such_note():
    rank = next(r for r in _rec("light").candidates[0].reasons if r.code == "rank").message
    assert "cheaper MoE option" not in rank
