"""Review 3's advice findings: a #1 that misses the TTFT target says no option meets it (finding 2)."""

from __future__ import annotations

import pytest

from advisor import api
from advisor.cli.render import render


@pytest.fixture(scope="module")
def frontier_floor():
    """Review 3, finding 2: a floor of 86 MMLU-Pro leaves only thinking rows, whose visible answer starts minutes
    after the 2,000 ms TTFT target."""
    w = api.workload(requests_per_day=100_000, input_tokens=2000, output_tokens=800, min_quality=86, self_hosting="allowed")
    return api.recommend(w)


def _wait(c) -> float:
    return next(r.numbers["visible_wait_ms"] for r in c.reasons if r.code == "reasoning-latency")


def test_when_no_row_meets_the_ttft_target_first_place_says_so_and_names_the_closest(frontier_floor):
    rows = frontier_floor.candidates
    assert rows and all(_wait(c) > 2000 for c in rows)  # the premise: every row misses
    rank = next(r for r in rows[0].reasons if r.code == "rank")
    assert rank.severity == "decisive" and rank.numbers.get("misses_ttft") is True
    assert rank.message.startswith("no option meets the 2,000 ms time-to-first-token target")
    assert "cheapest feasible" not in rank.message
    closest = min(rows, key=_wait)
    assert f"(#{closest.rank}, {closest.label})" in rank.message
    for c in rows:  # the miss itself is a decided fact, not a weak-estimate caveat
        assert next(r for r in c.reasons if r.code == "reasoning-latency").severity == "decisive"
    text = render(frontier_floor)
    assert "! no option meets the 2,000 ms" in text
    assert "~ the visible answer starts after" not in text and "! the visible answer starts after" in text


def test_a_row_that_meets_the_target_keeps_the_ordinary_lead():
    w = api.workload(requests_per_day=100_000, input_tokens=2000, output_tokens=800, min_quality=70, self_hosting="allowed")
    rec = api.recommend(w)
    rank = next(r for r in rec.candidates[0].reasons if r.code == "rank")
    assert not rank.message.startswith("no option meets") and "misses_ttft" not in rank.numbers


@pytest.mark.parametrize(("gpu", "gpus", "precision"), [("h100-sxm", 1, "int4"), ("a100-80gb", 2, "fp8")])
def test_estimate_assumes_the_engine_the_ranking_costs_the_precision_on(gpu, gpus, precision):
    """Review 3, finding 8: TensorRT-LLM loads no GPTQ/AWQ INT4 checkpoint and needs FP8 tensor cores an A100 lacks,
    so an estimate without a named engine runs on the engine ``recommend`` bills the row on, not on TensorRT-LLM."""
    e = api.estimate("llama-4-scout", gpu, gpus=gpus, precision=precision)
    w = api.workload(requests_per_day=10_000, input_tokens=1024, output_tokens=256, self_hosting="required",
                     models=["llama-4-scout"], gpu_types=[gpu], precisions=[precision])
    billed = {c.engine for c in api.recommend(w).candidates if c.deployment == "self-hosted"}
    assert billed and e.engine in billed and e.engine != "trtllm"
    assert not any("no trtllm deployment runs this" in x for x in e.warnings)
    # a named engine is still honoured, and the default engine stays where it can load the weights
    assert api.estimate("llama-4-scout", gpu, gpus=gpus, precision=precision, engine="trtllm").engine == "trtllm"
    assert api.estimate("phi-4", "h100-sxm").engine == "trtllm"


def test_models_newer_than_the_pinned_tensorrt_llm_are_not_costed_on_it_where_another_engine_serves_them(frontier_floor):
    """Review 3, finding 4: Qwen3.5 (Gated DeltaNet) and DeepSeek-V4 (compressed sparse attention) are not in
    TensorRT-LLM 1.0, the release the launch files pin; with vLLM allowed, their rows are costed on vLLM instead."""
    rows = [c for c in frontier_floor.candidates if c.deployment == "self-hosted"]
    assert rows and all(c.engine != "trtllm" for c in rows if c.model.startswith(("qwen3.5", "deepseek-v4")))


def test_with_only_tensorrt_llm_allowed_such_a_row_ranks_last_with_the_release_to_install():
    from advisor.ranking.engine_support import release_note
    from advisor.ranking.ties import launch_unsure

    w = api.workload(requests_per_day=100_000, input_tokens=2000, output_tokens=800, self_hosting="required",
                     engines=["trtllm"], models=["deepseek-v4-flash", "llama-3.3-70b"], gpu_types=["h200", "b200"])
    rows = api.recommend(w).candidates
    v4 = [c for c in rows if c.model == "deepseek-v4-flash"]
    assert v4 and all(launch_unsure(c) for c in v4)
    assert max(c.rank for c in rows if c.model != "deepseek-v4-flash") < min(c.rank for c in v4)
    line = next(r.message for r in v4[0].reasons if r.code == "engine-support")
    assert "TensorRT-LLM 1.0" in line and "install TensorRT-LLM 1.3 or later" in line and "vLLM" not in line
    assert release_note("llama-3.3-70b", "trtllm") == ""
    # SGLang's pin (0.5.*) installs the newest 0.5 release, which has DeepSeek-V4: a note, not a screen
    from advisor.ranking.engine_support import too_old

    assert not too_old("deepseek-v4-flash", "sglang") and too_old("deepseek-v4-flash", "trtllm")
    assert "install SGLang 0.5.20 or later" in release_note("deepseek-v4-flash", "sglang")


def test_a_spot_batch_job_is_sized_so_one_preemption_still_meets_the_deadline():
    """Review 3, finding 5: a nightly job on spot ran 5.9 h of a 6 h deadline, and one preemption (a 13 min 41 s
    restart) would miss it; the spot job now gets the replicas that leave room for one restart, and says so."""
    w = api.workload(requests_per_day=500_000, input_tokens=3000, output_tokens=500, latency="batch", deadline_hours=6,
                     self_hosting="allowed", min_quality=75)
    spot = [c for c in api.recommend(w).candidates[:10] if c.pricing_kind == "spot" and c.scaling == "scale-to-zero"]
    assert spot
    for c in spot:
        r = next(r for r in c.reasons if r.code == "spot-deadline")
        assert r.numbers["absorbs_preemption"] and r.numbers["deadline_slack_s"] >= r.numbers["restart_s"] > 0
        assert r.message.startswith("one preemption still meets the 6 h deadline")


def test_preemption_replicas_and_the_deadline_no_count_can_meet():
    from types import SimpleNamespace

    from advisor.cost.billing import preemption_replicas
    from advisor.ranking.explain import spot_deadline_reasons

    # 11.34 replica-hours of work, 13 min 41 s cold starts, 6 h: 2 replicas end 6 min early, 3 leave a restart's room
    work, cold = 11.34 * 3600, 821.0
    n = preemption_replicas(work, cold, 6)
    assert n == 3 and work / n + 2 * cold <= 6 * 3600 < work / (n - 1) + 2 * cold
    assert preemption_replicas(work, cold, 0.4) == 0  # 24 minutes is shorter than two cold starts
    w = api.workload(requests_per_day=1000, input_tokens=100, output_tokens=100, latency="batch", deadline_hours=0.4)
    late = SimpleNamespace(policy="scale-to-zero", run_hours_per_day=0.35, cold_start_s=cold, replicas_peak=1)
    (r,) = spot_deadline_reasons(late, w)
    assert r.severity == "decisive" and r.message.startswith("one preemption misses the 0.4 h deadline")
    assert not r.numbers["absorbs_preemption"]


def test_three_gpus_that_tensor_parallelism_cannot_divide_are_costed_as_the_pipeline_estimate_offers():
    """Review 3, finding 9: ``estimate`` found PP3 on 3x H200 for Maverick while ``recommend`` rejected 3 GPUs and
    suggested pipeline parallelism it never costed. vLLM documents PP over all GPUs of one node for a count that
    cannot divide the model; the ranking now costs it where the provider sells 3 GPUs."""
    w = api.workload(requests_per_day=10_000, input_tokens=1000, output_tokens=300, self_hosting="required",
                     models=["llama-4-maverick"], gpu_types=["h200"], precisions=["fp8"], providers=["runpod"])
    rec = api.recommend(w)
    three = [c for c in rec.candidates if c.gpus == 3]
    assert three and all(c.layout == "pp" and c.engine in ("vllm", "trtllm") for c in three)
    assert not any(r.reasons[0].code == "tensor-parallel" for r in rec.rejected)
    e = api.estimate("llama-4-maverick", "h200", gpus=3, precision="fp8", engine=three[0].engine)
    assert e.fits and e.parallelism.layout == "pp" and e.parallelism.pipeline_parallel == 3
    # 3 GPUs hold it and 2 do not: on 4 the same month costs more, so the cheapest row is the pipeline
    assert rec.candidates[0].gpus == 3
    # a provider that sells no 3-GPU instance: rejected, saying so, with no pipeline advice it does not cost
    do = api.recommend(api.workload(requests_per_day=10_000, input_tokens=1000, output_tokens=300, self_hosting="required",
                                    models=["llama-4-maverick"], gpu_types=["h200"], precisions=["fp8"],
                                    providers=["digitalocean"]))
    (r,) = [r for r in do.rejected if r.reasons[0].code == "tensor-parallel"]
    assert "no allowed provider sells 3 h200 GPUs: use 4" in r.reasons[0].message
