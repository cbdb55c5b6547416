"""Honest advice, part B: reasoning API rows that cannot meet a TTFT target rank late, $/M told apart from the
monthly that includes fine-tuning, exact and price-only ties, and the wording of counts, rates and peaks."""

from __future__ import annotations

import dataclasses
import math
from decimal import Decimal

import pytest

from advisor import api
from advisor.common import fmt
from advisor.cli.render import breakdown, candidates_table
from advisor.cost.money import MICRO
from advisor.domain.candidate_text import break_even_text, hourly_text, per_mtok_text, usd_per_mtok_all_in
from advisor.domain.recommendation import plural
from advisor.prices import resolve
from advisor.ranking.api_wait import CUSTOM_SILICON, OPTIMISTIC_API_TOKENS_PER_S, OPTIMISTIC_GPU_API_TOKENS_PER_S


def _codes(c):
    return [r.code for r in c.reasons]


@pytest.fixture(scope="module")
def tight_ttft():
    """The reviewer's workload: a 200 ms TTFT target no reasoning row can meet."""
    w = api.workload(requests_per_day=50_000, input_tokens=3000, output_tokens=300, traffic_shape="diurnal", ttft_ms=200,
                     output_tokens_per_s_per_user=50, min_quality=70)
    return api.recommend(w)


def _late(c):
    return any(r.code == "reasoning-latency" for r in c.reasons)


def test_a_reasoning_api_row_with_unmeasured_speed_ranks_after_every_row_that_meets_the_ttft_target(tight_ttft):
    rows = tight_ttft.candidates
    row = next(c for c in rows if c.model == "gpt-oss-120b" and c.provider == "deepinfra" and c.mode == "reasoning")
    assert _late(row) and "reasoning-wait" not in _codes(row)
    assert not row.pareto
    first_late = min(c.rank for c in rows if _late(c))
    assert all(not _late(c) for c in rows if c.rank < first_late) and all(_late(c) for c in rows if c.rank >= first_late)
    assert not any(c.pareto for c in rows if _late(c))
    assert "on no cost/quality front" in next(r for r in row.reasons if r.code == "rank").message


def _bound(book, c):
    """The speed the late-answer rule assumes for ``c``: the fastest measured provider on the same kind of hardware
    (GPU or custom silicon), else the optimistic bound for that kind."""
    custom = c.provider in CUSTOM_SILICON
    speeds = [p.output_tokens_per_s for p in book.api_offers(c.model)
              if p.output_tokens_per_s and (custom or p.provider not in CUSTOM_SILICON)]
    return max(speeds) if speeds else (OPTIMISTIC_API_TOKENS_PER_S if custom else OPTIMISTIC_GPU_API_TOKENS_PER_S)


def test_the_bound_is_the_fastest_measured_speed_of_a_provider_on_the_same_kind_of_hardware(tight_ttft):
    book = resolve.price_book(api.catalog())
    offers = book.api_offers("gpt-oss-120b")
    fastest = max(p.output_tokens_per_s or 0 for p in offers if p.provider not in CUSTOM_SILICON)
    # Cerebras's wafer-scale speed is measured for this model, and is no bound for a GPU provider such as deepinfra
    assert 0 < fastest < max(p.output_tokens_per_s or 0 for p in offers)
    row = next(c for c in tight_ttft.candidates if c.model == "gpt-oss-120b" and c.provider == "deepinfra" and c.mode == "reasoning")
    late = next(r for r in row.reasons if r.code == "reasoning-latency")
    thinking = math.ceil(300 * row.output_multiplier) - 300
    assert late.numbers["lower_bound"] is True and late.numbers["assumed_output_tokens_per_s"] == fastest
    assert late.numbers["visible_wait_ms"] == pytest.approx(thinking * 1000.0 / fastest)
    assert "at least" in late.message and "not measured" in late.message


def test_a_model_no_provider_measured_uses_the_stated_optimistic_bound(tight_ttft):
    book = resolve.price_book(api.catalog())
    unmeasured = [c for c in tight_ttft.candidates if c.deployment == "api" and c.mode == "reasoning"
                  and not any(p.output_tokens_per_s for p in book.api_offers(c.model))]
    assert unmeasured
    for c in unmeasured:
        late = next(r for r in c.reasons if r.code == "reasoning-latency")
        want = OPTIMISTIC_API_TOKENS_PER_S if c.provider in CUSTOM_SILICON else OPTIMISTIC_GPU_API_TOKENS_PER_S
        assert late.numbers["assumed_output_tokens_per_s"] == want == _bound(book, c)
        assert late.numbers["visible_wait_ms"] > 200


def test_a_thinking_gpu_api_is_not_assumed_as_fast_as_custom_silicon():
    """A 12k-token RAG prompt with a 2 s TTFT target: gpt-oss thinks 1,100-4,300 tokens before its visible answer. At
    Cerebras's speed that fits; at any GPU provider's it does not, so deepinfra's thinking rows rank late."""
    w = api.workload(requests_per_day=300_000, input_tokens=12_000, output_tokens=400, traffic_shape="diurnal",
                     ttft_ms=2000, output_tokens_per_s_per_user=30, min_quality=72)
    rec = api.recommend(w)
    rows = [c for c in rec.candidates if c.provider == "deepinfra" and c.mode == "reasoning" and c.model.startswith("gpt-oss")]
    assert rows and all(_late(c) for c in rows)
    assert not _late(rec.candidates[0])


def test_where_an_optimistic_speed_could_meet_the_target_the_uncertain_wait_stays_a_warning():
    w = api.workload(requests_per_day=50_000, input_tokens=3000, output_tokens=300, traffic_shape="diurnal", ttft_ms=5000,
                     output_tokens_per_s_per_user=20, min_quality=70, self_hosting="not-wanted")
    rec = api.recommend(w)
    book = resolve.price_book(api.catalog())
    uncertain = [c for c in rec.candidates if "reasoning-wait" in _codes(c)]
    assert uncertain
    for c in uncertain:
        thinking = next(r for r in c.reasons if r.code == "reasoning-wait").numbers["reasoning_tokens"]
        assert thinking * 1000.0 / _bound(book, c) <= 5000
        assert not _late(c)


@pytest.fixture(scope="module")
def heavy():
    return api.recommend(api.preset("heavy-fine-tuning"))


def test_the_serving_per_mtok_and_the_all_in_per_mtok_are_told_apart(heavy):
    c = next(c for c in heavy.candidates if c.fine_tuning_monthly_usd)
    all_in = usd_per_mtok_all_in(c)
    assert all_in is not None and all_in > c.usd_per_mtok
    # all-in is scaled from usd_per_mtok, which is rounded to cost.MICRO ($0.0001): half of that, scaled, is its error
    # (a $0.34/h RTX 4090 serving at ~$0.21/M puts that error at ~1.5e-4 relative)
    scale = float(c.monthly_total_usd / c.monthly_cost_usd)
    assert float(all_in) == pytest.approx(float(c.monthly_total_usd) / heavy.workload.tokens_per_month * 1e6,
                                          abs=float(MICRO) / 2 * scale + 1e-6)
    # the contract field stays the serving figure
    assert float(c.usd_per_mtok) == pytest.approx(float(c.monthly_cost_usd) / heavy.workload.tokens_per_month * 1e6,
                                                  abs=float(MICRO) / 2)
    text = breakdown(c, heavy)
    cost_line = next(line for line in text.splitlines() if line.lstrip().startswith("cost"))
    assert "/M serving" in cost_line and "/M with" in text
    rank = next(r for r in c.reasons if r.code == "rank").message
    assert "/M serving" in rank and "/M tokens" not in rank
    assert "serving only" in candidates_table(list(heavy.candidates[:5]))


def test_without_fine_tuning_the_per_mtok_is_all_of_the_bill():
    rec = api.recommend(api.workload(preset="steady-latency", fine_tuning="none"))
    c = rec.candidates[0]
    assert usd_per_mtok_all_in(c) is None and per_mtok_text(c).endswith("/M tokens")
    assert "serving only" not in candidates_table(list(rec.candidates[:5]))


def test_an_exact_cost_tie_is_a_tie_and_fixed_replica_counts_make_it_a_tie_on_price():
    rec = api.recommend(api.preset("steady-latency"))
    seen = 0
    for c in rec.candidates[:15]:
        for r in c.reasons:
            if r.code != "near-tie":
                continue
            seen += 1
            if Decimal(r.numbers["difference_usd"]) == 0:
                assert "same cost" in r.message and "near tie" not in r.message
            if r.numbers.get("replicas_fixed"):
                assert "on price" in r.message and "within the throughput" not in r.message and r.severity == "info"
                assert c.scaling == "fixed"
    assert seen
    top = rec.candidates[0]
    tie = next(r for r in top.reasons if r.code == "near-tie")
    if top.monthly_total_usd == rec.candidates[1].monthly_total_usd:
        assert "same cost" in tie.message


def test_a_replica_count_the_error_could_change_keeps_the_throughput_wording():
    rec = api.recommend(api.preset("batch-pipeline"))
    ties = [r for c in rec.candidates[:10] for r in c.reasons if r.code == "near-tie" and not r.numbers.get("replicas_fixed")]
    for r in ties:
        assert "within the throughput estimate's" in r.message or "same cost" in r.message


def test_counts_of_one_are_singular():
    assert plural(1, "sequence") == "1 sequence" and plural(0.4, "sequence") == "1 sequence"
    assert plural(14, "sequence") == "14 sequences" and plural(1.2, "sequence") == "2 sequences"
    rec = api.recommend(api.preset("steady-latency"))
    c = next(c for c in rec.candidates if c.memory is not None)
    one = c.evolve(memory=dataclasses.replace(c.memory, concurrency=1.0))
    text = breakdown(one, rec)
    assert "1 sequence in flight" in text and "1 sequences" not in text
    mean = c.evolve(memory=dataclasses.replace(c.memory, concurrency=0.6))  # a Little's-law mean is said as one
    assert "0.6 sequences in flight" in " ".join(breakdown(mean, rec).split())


def test_one_late_cheaper_option_thinks_and_starts_and_ranks_after(heavy):
    rank = next(r for r in heavy.candidates[0].reasons if r.code == "rank").message
    if "1 cheaper option " in rank:
        assert "thinks first and starts" in rank and "it ranks after" in rank


def test_the_break_even_line_says_what_utilization_the_workload_averages(heavy):
    # full fine-tunes: no per-token API serves the tuned model, so there is nothing to break even with
    assert not [c for c in heavy.candidates if c.break_even_vs]
    untuned = api.recommend(dataclasses.replace(api.preset("heavy-fine-tuning"), fine_tuning="none"))
    shown = [c for c in untuned.candidates if c.break_even_vs and not c.break_even_tokens_per_day]
    assert shown
    for c in shown[:5]:
        text = break_even_text(c)
        if text.startswith("not reached: only above"):
            assert f"this workload averages {fmt.pct(c.utilization)}" in text and "provisioned for this peak" not in text
        msg = next(r for r in c.reasons if r.code == "break-even").message
        assert "peak provisioned" not in msg


def test_an_autoscaled_fleets_hourly_rate_is_labelled_at_peak_with_the_average():
    rec = api.recommend(api.preset("long-context"))
    scaled = [c for c in rec.candidates if c.scaling == "autoscale" and c.replicas_min != c.replicas_peak]
    fixed = [c for c in rec.candidates if c.scaling == "fixed"]
    assert scaled and fixed
    c = scaled[0]
    text = hourly_text(c)
    assert "/hour at peak" in text
    avg = float(c.monthly_cost_usd) / 730.0
    assert f"average ${avg:,.2f}/hour" in text
    assert "at peak" in breakdown(c, rec).split("\n")[1]
    assert "at peak" not in hourly_text(fixed[0])


def test_provider_possessives_read_as_english():
    from advisor.common import fmt

    assert fmt.possessive("together") == "together's" and fmt.possessive("fireworks") == "fireworks'"
    rec = api.recommend(api.preset("bursty-app"))
    ending_in_s = [c for c in rec.candidates if c.deployment == "api" and c.provider.endswith("s")]
    assert ending_in_s, "an API provider whose name ends in s (fireworks, cerebras) is ranked"
    for c in ending_in_s:
        assert not [r.message for r in c.reasons if f"{c.provider}'s" in r.message]
    assert any(f"{c.provider}' " in r.message for c in ending_in_s for r in c.reasons)


def test_a_break_even_below_the_workloads_utilization_is_reached():
    untuned = api.recommend(dataclasses.replace(api.preset("heavy-fine-tuning"), fine_tuning="none"))
    c = next(c for c in untuned.candidates if break_even_text(c).startswith("not reached: only above"))
    numbers = next(r.numbers for r in c.reasons if r.code == "break-even")
    threshold = numbers["usd_per_mtok_at_full"] / numbers["api_usd_per_mtok"]
    busier = c.evolve(utilization=min(1.0, threshold + 0.05))
    assert break_even_text(busier).startswith(f"reached: above {threshold:.0%} utilization")
    assert break_even_text(c.evolve(utilization=threshold - 0.05)).startswith("not reached")
