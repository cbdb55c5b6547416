"""User trial 39 (a law firm's staff ML-infra engineer: a contract-review assistant on 60k-token prompts, half of each
cached, p95 TTFT 8 s, office hours, N+1; a nightly re-indexing batch): a vLLM launch for an MoE row of two TP engines
started one lock-stepped server, the N+1 plan was told it had no redundancy, and a prefix-cache miss was costed 1.4 s
slower than the estimate of the same prompt uncached."""

from __future__ import annotations

import re

import pytest

from advisor import api
from advisor.deploy.skypilot import render
from advisor.errors import InputError

OFFICE = [0] * 8 + [1] * 10 + [0] * 6
FIRM = dict(requests_per_day=1500, input_tokens=60_000, output_tokens=1200, ttft_ms=8000, ttft_percentile=95,
            cached_input_fraction=0.5, self_hosting="required", spare_replicas=1, context_max_tokens=65_536,
            hourly_profile=OFFICE)


def _commands(script: str) -> list[str]:
    return [c for c in re.split(r"\n(?=\S)", script) if "vllm serve" in c]


def test_a_vllm_moe_row_of_two_tp_engines_starts_two_servers_not_one_data_parallel_one():
    """vLLM's data parallelism ties an MoE model's ranks together (aligned forward passes, the experts one TP group over
    DP x TP GPUs), which is not the two independent TP copies the row was costed as."""
    w = api.workload(**FIRM, models=["deepseek-v3"], engines=["vllm"], gpu_types=["mi300x"])
    rows = [c for c in api.recommend(w).candidates if c.engines_per_replica > 1 and c.layout == "tp"]
    assert rows, "no row of several TP engines a replica"
    c = rows[0]
    cmds = _commands(render(c, w, api.catalog(), "vllm")["serve.sh"])
    assert len(cmds) == c.engines_per_replica
    for cmd in cmds:
        assert "--data-parallel-size" not in cmd and f"--tensor-parallel-size {c.gpus // c.engines_per_replica}" in cmd


def test_a_dense_row_of_several_tp_engines_stays_one_vllm_server():
    w = api.workload(requests_per_day=2_000_000, input_tokens=1000, output_tokens=300, self_hosting="required",
                     models=["llama-3.3-70b"], engines=["vllm"])
    rows = [c for c in api.recommend(w).candidates if c.engines_per_replica > 1 and c.layout == "tp"]
    assert rows, "no dense row of several TP engines a replica"
    cmds = _commands(render(rows[0], w, api.catalog(), "vllm")["serve.sh"])
    assert len(cmds) == 1 and f"--data-parallel-size {rows[0].engines_per_replica}" in cmds[0]


def test_an_n_plus_one_plan_is_not_told_it_has_no_redundancy():
    """Spare replicas 1: every hour with traffic runs its need and one more; the one replica Min replicas keeps runs only
    in the hours without traffic, where there is nothing to stop."""
    rec = api.recommend(api.workload(**FIRM, models=["llama-3.3-70b", "deepseek-v3"]))
    assert rec.candidates
    for c in rec.candidates[:10]:
        assert not [r for r in c.reasons if r.code == "single-replica"], c.label
    bare = api.recommend(api.workload(**{**FIRM, "spare_replicas": 0}, models=["llama-3.3-70b", "deepseek-v3"]))
    assert any(r.code == "single-replica" for c in bare.candidates[:10] for r in c.reasons)  # the line itself still exists


def test_a_prefix_cache_miss_costs_what_the_estimate_of_the_prompt_uncached_says():
    rec = api.recommend(api.workload(**FIRM, models=["llama-3.3-70b"], gpu_types=["mi300x"]))
    checked = 0
    for c in rec.candidates[:5]:
        r = next((x for x in c.reasons if x.code == "prefix-cache" and "miss_ttft_ms" in x.numbers), None)
        if r is None:
            continue
        e = api.estimate(c.model, c.gpu, c.gpus // c.engines_per_replica, c.precision, 60_000, 1200, c.kv_precision,
                         engine=c.engine, layout=c.layout, concurrency=c.batch)
        assert r.numbers["miss_ttft_ms"] == pytest.approx(e.ttft_ms, rel=1e-6)
        assert f"about {e.ttft_ms:,.0f} ms unloaded" in r.message
        checked += 1
    assert checked


def test_a_time_zone_moves_the_hours_a_utc_time_of_day_window_prices():
    """The firm's office hours, 08:00-18:00 CET, are 07:00-17:00 UTC: DeepSeek's 06:00-10:00 UTC window prices 3 of its
    10 hours (30% of the tokens), not the 2 it would read as UTC."""
    from advisor.domain.traffic import utc_hours

    assert utc_hours(tuple(OFFICE), 1)[7] == 1 and utc_hours(tuple(OFFICE), 1)[17] == 0 and utc_hours(tuple(OFFICE), 0) == tuple(OFFICE)

    def line(**kw) -> str:
        w = api.workload(**{**FIRM, "self_hosting": "not-wanted"}, models=["deepseek-v4-flash"], **kw)
        c = next(x for x in api.recommend(w).candidates if x.provider == "deepseek")
        return next(r.message for r in c.reasons if r.code == "api-price")

    assert "06:00 to 10:00 UTC: 20% of your tokens" in line() and "read as UTC: utc_offset_hours" in line()
    cet = line(utc_offset_hours=1)
    assert "06:00 to 10:00 UTC: 30% of your tokens" in cet and "read as UTC+1, utc_offset_hours = 1" in cet
    with pytest.raises(InputError, match="utc_offset_hours: must be between -12 and 14"):
        api.workload(**FIRM, utc_offset_hours=15)


def test_a_model_too_short_for_the_context_names_its_later_release_that_is_long_enough():
    rec = api.recommend(api.workload(**FIRM, models=["qwen3-235b-a22b"]))
    [text, *_] = [r.reasons[0].message for r in rec.rejected if r.model == "qwen3-235b-a22b"
                  and r.reasons[0].code == "context-too-long"]
    assert "qwen3-235b-a22b-instruct-2507 (262,144 tokens) in the catalog, a later release of it, is long enough" in text
    short = api.recommend(api.workload(**{**FIRM, "input_tokens": 20_000, "context_max_tokens": 300_000},
                                       models=["qwen3-235b-a22b"]))
    assert not any("later release" in r.reasons[0].message for r in short.rejected)  # none holds 300k


def test_the_form_says_a_files_hourly_profile_sets_the_day_not_the_traffic_shape():
    pytest.importorskip("textual")
    from advisor.tui.widgets.workload_form import preset_description

    w = api.workload(**FIRM)
    text = preset_description(w)
    assert "the file's hourly profile sets the day (busiest hour 2.4x the mean, 14 h without traffic): Traffic shape is not used" in text
    assert "hourly profile" not in preset_description(api.workload(preset="steady-latency"))


def test_the_assumptions_name_the_default_per_user_speed_that_caps_the_batch():
    from advisor.cli.render import default_filters

    text = default_filters(api.workload(**FIRM))
    assert "20 tokens/s per user, a TPOT of 50 ms that caps each engine's batch (--tokens-per-s-per-user)" in text
    assert "tokens/s per user" not in default_filters(api.workload(**FIRM, output_tokens_per_s_per_user=25))


def test_the_engine_files_carry_the_cache_aware_router_warning_the_deploy_output_gives():
    w = api.workload(**FIRM, models=["llama-3.3-70b"])
    c = next(x for x in api.recommend(w).candidates if (x.replicas_peak or x.replicas) > 1)
    for target in ("vllm", "sglang"):
        script = render(c, w, api.catalog(), target)["serve.sh"]
        assert "# WARNING: the bill prices 50% of each prompt as a prefix-cache hit" in script and "cache_aware" in script


def test_a_half_hour_time_zone_splits_each_utc_hour_between_the_local_hours_it_overlaps():
    """Trial 40: 5.5 (India) was refused as not a whole number."""
    from advisor.domain.traffic import utc_hours, zone

    day = tuple([0] * 9 + [1] * 9 + [0] * 6)  # 09:00-18:00 IST = 03:30-12:30 UTC
    got = utc_hours(day, 5.5)
    assert got[3] == got[12] == 0.5 and all(got[u] == 1 for u in range(4, 12)) and sum(got) == sum(day)
    assert zone(5.5) == "UTC+5:30" and zone(-3.5) == "UTC-3:30" and zone(1.0) == "UTC+1"
    assert api.workload(**FIRM, utc_offset_hours=5.5).utc_offset_hours == 5.5
    with pytest.raises(InputError, match="quarter hours"):
        api.workload(**FIRM, utc_offset_hours=5.2)
