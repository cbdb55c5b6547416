"""User trial 23 (a TTFT target at a percentile): what a serving engineer read wrong, each checked where it was seen."""

from __future__ import annotations

import math

import pytest

from advisor import api
from advisor.cost import queueing
from advisor.cost.headroom import headroom_reasons
from advisor.domain.workload import Workload, from_mapping
from advisor.errors import InputError

W = dict(requests_per_day=200_000, input_tokens=2000, output_tokens=400, traffic_shape="bursty", peak_to_mean=6.0,
         ttft_ms=1000, self_hosting="required")


def _load_cap_replicas(w: Workload, reason, tokens_per_s: float, ttft_ms: float, prefill_ms: float, dp: int) -> int:
    """The replicas the load caps alone need (``max_utilization`` of the cycle and of the prefills), worked out here."""
    per_engine = min(tokens_per_s, w.output_tokens / (prefill_ms / 1000)) * w.max_utilization
    return max(1, math.ceil(w.mean_output_tokens_per_s * w.peak_to_mean / (per_engine * dp) - 1e-9))


@pytest.mark.parametrize("pct", [0.0, 99.0])
def test_the_ttft_target_sets_the_count_only_where_the_load_cap_alone_needs_fewer(pct):
    """Trial 23: 4 replicas at the mean and at the p99 (the 80% cap needs 4), but the p99 row said the TTFT target set it."""
    w = Workload(**W, ttft_percentile=pct)
    tokens_per_s, ttft_ms, prefill_ms, slots, hold = 1500.0, 160.0, 130.0, 24, 20.0
    for planned_rate_share in (1.0, 0.97, 0.6):  # the TTFT's planned rate as a share of the load cap's
        cap = _load_cap_replicas(w, None, tokens_per_s, ttft_ms, prefill_ms, 1)
        for replicas in sorted({cap, max(1, math.ceil(cap / planned_rate_share)), cap + 3}):
            head = headroom_reasons(replicas, w, tokens_per_s, ttft_ms, 1, w.peak_to_mean, prefill_ms, 1, slots, hold)[0]
            by_ttft = head.numbers["sized_by"] == "ttft"
            assert not by_ttft or replicas > cap, (replicas, cap)  # never said where the load cap needs as many
            if by_ttft:
                stat = f"p{pct:g}" if pct else "mean"
                assert f"with {replicas - 1} the {stat} TTFT would be" in head.message
                fewer = queueing.at_peak(tokens_per_s, ttft_ms, replicas - 1, w, w.peak_to_mean, prefill_ms, 1, slots, hold)
                assert fewer.ttft_checked_ms > w.ttft_ms  # one fewer replica misses: that is what set the count
            else:
                assert "sets the replica count" not in head.message or "load cap sets" in head.message


def test_a_ranking_says_ttft_sets_the_count_only_where_one_replica_fewer_misses():
    rec = api.recommend(api.workload(**W, ttft_percentile=99))
    said = [r for c in rec.candidates[:60] for r in c.reasons if r.code == "headroom" and r.numbers["sized_by"] == "ttft"]
    assert said
    for r in said:
        got = r.message.split("TTFT would be ")[1].split(" ms")[0]
        assert float(got.replace(",", "")) > 1000


def test_an_api_row_says_its_measured_ttft_is_not_the_percentile():
    w = api.workload(requests_per_day=20_000, input_tokens=1000, output_tokens=300, models=["gpt-oss-120b"],
                     self_hosting="not-wanted", ttft_ms=3000, ttft_percentile=99)
    lines = [r.message for c in api.recommend(w).candidates for r in c.reasons if r.code == "api-latency"]
    measured = [m for m in lines if m.startswith("measured: TTFT") and not m.startswith("measured: TTFT not")]
    assert measured and all("at the p99" in m and "usually a median" in m for m in measured)


def test_the_targets_table_names_the_unloaded_and_the_peak_ttft():
    from advisor.tui.services import target_checks

    rec = api.recommend(api.workload(**W))
    c = next(c for c in rec.candidates if c.deployment == "self-hosted")
    checks = {t.metric: t for t in target_checks(c, rec.workload)}
    head = next(r for r in c.reasons if r.code == "headroom").numbers
    assert checks["TTFT unloaded"].estimate == f"{c.ttft_ms:,.0f} ms"
    assert checks["TTFT mean"].estimate == f"{head['ttft_at_peak_ms']:,.0f} ms at the peak" and checks["TTFT mean"].ok


def test_a_percentile_from_a_file_keeps_its_place_among_the_choices():
    pytest.importorskip("textual")
    from advisor.tui.widgets.workload_form import SPECS, _options_with

    assert _options_with(SPECS["ttft_percentile"], "p97.5") == ("mean", "p90", "p95", "p97.5", "p99")
    assert _options_with(SPECS["ttft_percentile"], "p95") == ("mean", "p90", "p95", "p99")


def test_slo_spellings_and_the_diff_say_the_statistic(tmp_path):
    assert from_mapping({"ttft_percentile": "95%"}).ttft_percentile == 95.0
    with pytest.raises(InputError, match="got 'p'"):
        from_mapping({"ttft_percentile": "p"})
    from advisor.reports.diff import diff_reports
    from advisor.reports.export import write_report
    from advisor.reports.load import load_report

    base = dict(requests_per_day=5000, models=["qwen3-30b-a3b"], gpu_types=["h100-sxm"], self_hosting="required")
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    write_report(api.recommend(api.workload(**base)), a)
    write_report(api.recommend(api.workload(**base, ttft_percentile=95)), b)
    assert "ttft_percentile: mean -> p95" in diff_reports(load_report(a), load_report(b)).text()
