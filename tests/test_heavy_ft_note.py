"""Under heavy fine-tuning MoE rows rank after dense ones (a stated policy); #1 must not then call itself the cheapest
while cheaper MoE rows exist: it names them and what the policy costs."""

from __future__ import annotations

import dataclasses

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
    assert rank.startswith(("first choice", "ranked first")) and not rank.startswith("cheapest")  # ("ranked first": a fragile tie)
    assert f"{len(cheaper):,} cheaper MoE option" in rank and low.label in rank


def test_without_heavy_fine_tuning_there_is_no_such_note():
    rank = next(r for r in _rec("light").candidates[0].reasons if r.code == "rank").message
    assert "cheaper MoE option" not in rank


def test_the_moe_row_to_take_is_the_first_in_the_ranking_not_a_cheaper_one_ranked_after_it_for_another_reason():
    # At a long context, the cheapest MoE rows are reasoning rows that answer after the TTFT target: the note must point
    # at the first cheaper MoE row in rank order (and say so), not at one the ranking itself puts after others.
    w = api.preset("steady-latency")
    rec = api.recommend(dataclasses.replace(w, fine_tuning="heavy", requests_per_day=2e6, context_max_tokens=131072))
    top = rec.candidates[0]
    cheaper = [c for c in rec.candidates if c.architecture == "moe" and total(c) < total(top)]
    first, low = cheaper[0], min(cheaper, key=total)
    assert first is not low  # the case the note must get right
    rank = next(r for r in top.reasons if r.code == "rank").message
    tail = rank.split("if your team has it, ", 1)[1]
    assert tail.startswith(f"the first of them in this ranking, #{first.rank} {first.label}, is ")
    assert f"{low.label}) rank" in rank  # the cheapest is still named as where the options start
