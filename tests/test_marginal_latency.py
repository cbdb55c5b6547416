"""A passing row whose latency meets its target by less than the speed estimate's 90th-percentile error says so (a
benchmark may miss it): the unloaded TTFT, or a lone stream's TPOT; a TPOT at a larger batch sits under its target by
construction and is not flagged."""

from types import SimpleNamespace

from advisor import api
from advisor.ranking.explain import latency_reason


def _w():
    return api.workload(requests_per_day=50_000, input_tokens=2_000, output_tokens=300, ttft_ms=1_000,
                        output_tokens_per_s_per_user=25)  # TPOT target 40 ms


def test_a_ttft_close_to_its_target_is_a_warning_and_a_comfortable_one_is_not():
    w = _w()
    close = latency_reason(SimpleNamespace(tpot_ms=20.0, ttft_ms=950.0, batch=16), w, 0.14)
    far = latency_reason(SimpleNamespace(tpot_ms=20.0, ttft_ms=500.0, batch=16), w, 0.14)
    assert close.severity == "warning" and "TTFT is 5% under its target" in close.message and "14% error" in close.message
    assert far.severity == "info" and "error" not in far.message


def test_only_a_lone_streams_tpot_is_flagged():
    w = _w()
    lone = latency_reason(SimpleNamespace(tpot_ms=38.0, ttft_ms=300.0, batch=1), w, 0.14)
    batched = latency_reason(SimpleNamespace(tpot_ms=39.5, ttft_ms=300.0, batch=24), w, 0.14)
    assert lone.severity == "warning" and "lone stream's TPOT is 5% under" in lone.message
    assert batched.severity == "info"
    assert latency_reason(SimpleNamespace(tpot_ms=38.0, ttft_ms=950.0, batch=1), w, None).severity == "info"  # no error known


def test_ranked_rows_carry_the_warning_where_the_rule_holds():
    rec = api.recommend(api.preset("bursty-app"))
    p90 = rec.assumptions["calibration"]["p90_abs_error"]
    w, flagged = rec.workload, 0
    for c in rec.candidates:
        lat = next((r for r in c.reasons if r.code == "latency"), None)
        if lat is None or c.deployment != "self-hosted":
            continue
        marginal = c.ttft_ms * (1 + p90) > w.ttft_ms or (c.batch == 1 and c.tpot_ms * (1 + p90) > w.tpot_limit_ms)
        assert (lat.severity == "warning") == marginal, (c.label, lat.message)
        flagged += marginal
    assert flagged, "bursty-app has rows whose lone stream is within the error of its TPOT target"


def test_a_rejection_that_misses_a_latency_target_by_less_than_the_error_says_so():
    p90 = api.catalog().engine.fit.p90_abs_error
    seen = {True: 0, False: 0}
    recs = [api.recommend(api.preset("steady-latency")), api.recommend(api.workload(
        requests_per_day=50_000, input_tokens=2_000, output_tokens=300, ttft_ms=300, output_tokens_per_s_per_user=120))]
    for rec, r in ((rec, r) for rec in recs for r in rec.rejected):
        reason = r.reasons[0]
        if reason.code not in ("too-slow", "ttft"):
            continue
        value, target = ((reason.numbers["tpot_ms"], rec.workload.tpot_limit_ms) if reason.code == "too-slow"
                         else (reason.numbers["ttft_ms"], rec.workload.ttft_ms))
        near = value * (1 - p90) <= target
        seen[near] += 1
        assert reason.numbers.get("within_error", False) is near
        assert (f"within the speed estimate's {p90:.0%} error (p90 over all calibration rows)" in reason.message) is near
        assert reason.severity == "decisive"  # still rejected: the estimate is the best guess
    assert seen[True] and seen[False]  # both kinds are there
