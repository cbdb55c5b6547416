"""User trial 19, the ranking: on 1x mi300x, deepseek-v4-flash costs what #1 costs and scores 83.0 against 74.3, but
ranks #23 because vLLM's recipe refuses the GPU (its engine is not known to run it). #1's first reason said nothing
of it, only of cheaper rows; it now names the same-cost rows with a higher score too."""

from __future__ import annotations

import dataclasses

from advisor import api
from advisor.ranking.ties import launch_unsure, total as _total, unverified_cheaper_note


def test_first_reason_names_a_same_cost_better_row_that_ranks_late_for_its_engine():
    w = dataclasses.replace(api.preset("bursty-app"), self_hosting="required", gpu_types=("mi300x",))
    rec = api.recommend(w)
    top = rec.candidates[0]
    better = [c for c in rec.candidates if launch_unsure(c) and _total(c) == _total(top) and c.quality > top.quality]
    assert better, "the precondition: a same-cost row with a higher score, ranked after #1 for its engine"
    assert not [c for c in rec.candidates if launch_unsure(c) and _total(c) < _total(top)]  # no cheaper ones here
    first = top.reasons[0].message
    best = max(better, key=lambda c: c.quality)
    assert f"{len(better)} option" in first and "same cost with a higher quality score" in first, first
    assert best.label in first and f"{best.quality:.1f} against {top.quality:.1f}" in first, first
    assert "not known to launch as costed" in first


def test_the_note_leaves_out_same_cost_rows_that_score_lower_and_rows_known_to_launch():
    w = dataclasses.replace(api.preset("bursty-app"), self_hosting="required", gpu_types=("mi300x",))
    rec = api.recommend(w)
    top = rec.candidates[0]
    unsure = [c for c in rec.candidates if launch_unsure(c)]
    worse = [dataclasses.replace(c, quality=top.quality - 1.0) for c in unsure]
    assert unverified_cheaper_note(top, [top, *worse]) == ""
    sure = [c for c in rec.candidates[1:] if not launch_unsure(c)]
    assert unverified_cheaper_note(top, [top, *sure]) == ""
    assert unverified_cheaper_note(top, [top, *unsure]) != ""


def test_a_first_row_ranked_above_cheaper_rows_by_a_rule_is_not_called_fragile_on_its_speed_and_gaps_have_a_sign():
    """steady-latency with no TTFT bound: the LoRA plan's dense-first tie puts phi-4 ($1,973.95) above gpt-oss-20b
    ($1,968.97) and qwen3.6 ($1,970.09). #1 said it "would bill $1,973.95 were its engine slower, more than #2's" (it
    already does) and that qwen3.6 scores higher "for $-3.86/month more"."""
    w = dataclasses.replace(api.preset("steady-latency"), ttft_ms=3_600_000)  # an hour: no TTFT bound
    rec = api.recommend(w)
    top, runner = rec.candidates[0], rec.candidates[1]
    assert _total(top) > _total(runner)  # the precondition: #1 ranked above a cheaper row by a rule
    first = top.reasons[0].message
    assert "would bill" not in first and "$-" not in first, first
    better = [c for c in rec.candidates[1:8] if _total(c) < _total(top) and c.quality > top.quality + 1]
    if any(c.label in first for c in better):
        assert "/month less" in first
