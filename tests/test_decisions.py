"""Decisions a team can act on: fine-tuning runs costed from the architecture, one quality axis, near ties."""

from __future__ import annotations

import re
from decimal import Decimal


from advisor import api
from advisor.physics.training import training_memory, training_run


def test_a_full_fine_tune_of_llama_70b_needs_at_least_16_bytes_per_parameter():
    m = api.catalog().model("llama-3.3-70b")
    states, activations = training_memory(m, "full")
    total = api.size("llama-3.3-70b").total_params
    assert states / total >= 16.0 and activations > 0
    lora, _ = training_memory(m, "lora")
    qlora, _ = training_memory(m, "qlora")
    assert qlora < lora < states / 5


def test_an_moe_full_fine_tune_keeps_every_experts_optimizer_state_and_says_so():
    cat = api.catalog()
    moe = cat.model("qwen3-30b-a3b")
    run = training_run(moe, cat.gpu("h100-sxm"), "full", 100e6)
    assert run.memory_bytes >= 16 * api.size("qwen3-30b-a3b").total_params
    assert any("assumption" in n for n in run.notes) and any("routing" in n for n in run.notes)
    dense = training_run(cat.model("llama-3.1-8b"), cat.gpu("h100-sxm"), "full", 100e6)
    assert dense.mfu > run.mfu


def test_heavy_fine_tuning_costs_its_runs_and_ranks_options_that_serve_the_tuned_model():
    rec = api.recommend(api.preset("heavy-fine-tuning"))
    top = rec.candidates[0]
    assert top.fine_tuning_monthly_usd and top.fine_tuning_monthly_usd > 0
    assert top.total_monthly_usd == top.monthly_cost_usd + top.fine_tuning_monthly_usd
    assert any(r.code == "fine-tuning" and "/month" in r.message for r in top.reasons)
    assert top.deployment == "self-hosted" and top.architecture == "dense"


# DeepInfra's LoRA adapter deployments: per token, "Pricing is 50% higher than base model"
# (https://deepinfra.com/blog/inference-lora, 2024-12-06; supported bases are listed only in its dashboard, so no
# bundled row claims one). Together served LoRA on Qwen2.5 72B Turbo until it retired that endpoint on 2026-02-06.
LORA_OFFER = """catalog = "api_prices"
schema_version = 1
provider = "deepinfra"

[[prices]]
model = "qwen2.5-72b"
provider_model = "Qwen/Qwen2.5-72B-Instruct"
input_usd_per_mtok = "0.54"
output_usd_per_mtok = "0.60"
fine_tuned_serving = "lora"
fine_tuned_source = "https://deepinfra.com/blog/inference-lora"
source = "https://deepinfra.com/blog/inference-lora (1.5 x the bundled base price)"
as_of = "2026-12-04"
"""


def test_apis_that_serve_only_the_base_model_are_rejected_for_a_fine_tuned_workload(isolated_user_dirs):
    w = api.workload(preset="heavy-fine-tuning", self_hosting="allowed", models=["llama-3.3-70b", "qwen2.5-72b"])
    rec = api.recommend(w)
    assert not [c for c in rec.candidates if c.deployment == "api"]  # full fine-tunes: no per-token API serves them
    assert any(r.reasons[0].code == "api-fine-tuning" for r in rec.rejected if r.deployment == "api")
    light = api.workload(preset="heavy-fine-tuning", self_hosting="allowed", fine_tuning="light", models=["qwen2.5-72b"])
    bundled = api.recommend(light)
    assert not [c for c in bundled.candidates if c.deployment == "api"]  # no bundled serverless LoRA on this base today
    refused = {r.provider for r in bundled.rejected if r.deployment == "api" and r.reasons[0].code == "api-fine-tuning"}
    assert {"deepinfra", "fireworks", "openrouter"} <= refused and "together" not in refused  # retired: not ranked at all
    # A team that has its adapters running on DeepInfra records that offer in its own catalog: only it is then served.
    prices = isolated_user_dirs / "catalogs" / "prices"
    prices.mkdir(parents=True)
    (prices / "api_deepinfra_lora.toml").write_text(LORA_OFFER)
    from advisor import runtime

    runtime.reset_cache()
    lora = api.recommend(light)
    served = [c for c in lora.candidates if c.deployment == "api"]
    assert served and all(c.provider == "deepinfra" for c in served)
    assert all(any(r.code == "api-fine-tuning" and "lora" in r.message for r in c.reasons) for c in served)
    assert served[0].api_input_usd_per_mtok == Decimal("0.54")


def test_the_quality_column_only_holds_the_workloads_benchmark():
    rec = api.recommend(api.workload(self_hosting="allowed", requests_per_day=5000))
    assert rec.candidates
    for c in rec.candidates:
        assert c.quality is None or c.quality_benchmark == rec.workload.quality_benchmark
    labelled = [c for c in rec.candidates if c.other_quality]
    assert labelled and all(c.quality is None and "MMLU" in c.other_quality for c in labelled)


def test_near_ties_are_called_ties_with_what_would_decide():
    rec = api.recommend(api.preset("batch-pipeline"))
    ties = [r for c in rec.candidates[:10] for r in c.reasons if r.code == "near-tie"]
    for r in ties:
        assert "benchmark" in r.message and r.numbers["estimate_error"] > 0
    top, second = rec.candidates[0], rec.candidates[1]
    gap = abs(top.monthly_cost_usd - second.monthly_cost_usd) / max(top.monthly_cost_usd, second.monthly_cost_usd)
    has_tie = any(r.code == "near-tie" for r in top.reasons)
    if top.deployment == second.deployment == "self-hosted":
        assert has_tie == (float(gap) < api.catalog().engine.fit.p90_abs_error)


def test_the_cli_breakdown_shows_mode_multiplier_quality_change_and_adapters():
    from advisor.cli.render import breakdown, candidates_table

    rec = api.recommend(api.workload(models=["deepseek-r1", "qwen3-235b-a22b"], self_hosting="allowed", requests_per_day=5000))
    think = next(c for c in rec.candidates if c.mode == "reasoning")
    text = breakdown(think, rec)
    assert text.splitlines()[0].startswith(f"#{think.rank} {think.model_name} (thinking)")
    assert f"thinking: {think.output_multiplier:g}x output tokens per visible answer token" in text
    assert f"{think.model} (thinking)" in candidates_table([think])
    quant = api.recommend(api.workload(precisions=["bf16", "int4"], self_hosting="required", min_quality=0,
                                       models=["llama-3.1-8b"]))
    measured = next(c for c in quant.candidates if c.quality_delta)
    flat = " ".join(breakdown(measured, quant).split())  # the line wraps at the terminal width
    assert f"quality MMLU-Pro {measured.quality:.1f}, int4: {measured.quality_delta:+.1f} points from " \
           f"{measured.quality_delta_source}" in flat
    lora = api.recommend(api.preset("steady-latency"))
    top = lora.candidates[0]
    n = next(r for r in top.reasons if r.code == "multi-lora").numbers
    adapters = " ".join(x.strip() for x in breakdown(top, lora).split("  adapters", 1)[1].splitlines()[:2])
    assert f"{n['lora_adapters']} LoRA adapters x rank {n['lora_rank']}" in adapters and "KV cache" in adapters


def test_a_near_tie_says_when_its_error_was_never_measured_for_the_pair():
    """The tie band is the error measured on the calibration set; a model or GPU outside it is named."""
    from advisor.ranking.api_tie import near_tie as _near_tie

    cat = api.catalog()
    profile = cat.engine
    rec = api.recommend(api.preset("steady-latency"))
    c = next(x for x in rec.candidates if x.deployment == "self-hosted")
    calibrated_model = sorted(profile.calibrated_models)[0]
    calibrated_gpu = sorted(profile.calibrated_gpus)[0]
    known = c.evolve(model=calibrated_model, gpu=calibrated_gpu)
    twin = known.evolve(total_monthly_usd=known.total_monthly_usd * Decimal("1.01"))
    tie = _near_tie(known, twin, profile)
    assert tie is not None and "outside the calibration set" not in tie.message and tie.numbers["uncalibrated"] == []
    stranger = twin.evolve(model="a-model-nobody-measured")
    tie = _near_tie(known, stranger, profile)
    assert "a-model-nobody-measured is outside the calibration set" in tie.message
    assert tie.numbers["uncalibrated"] == ["a-model-nobody-measured"]


def test_fine_tuning_runs_are_billed_in_shapes_the_provider_sells():
    """DigitalOcean sells 1 or 8 GPUs (8-GPU droplets side by side for more): a run that needs 4 rents 8 and uses
    them all; the bill is GPUs paid for x
    billed hours x the GPU-hour price x runs a month."""
    import dataclasses

    w = dataclasses.replace(api.preset("heavy-fine-tuning"), providers=("digitalocean",))
    rec = api.recommend(w)
    runs = [(c, r) for c in rec.candidates for r in c.reasons if r.code == "fine-tuning"]
    assert runs
    for c, r in runs:
        gpus, hours = r.numbers["training_gpus"], r.numbers["training_hours"]
        assert gpus == 1 or gpus % 8 == 0, r.message
        unit = Decimal(re.search(r"\$([\d.]+)/GPU-h", r.message).group(1))
        expected = unit * Decimal(str(gpus * hours)) * Decimal(str(w.fine_tunes_per_month))
        assert abs(c.fine_tuning_monthly_usd - expected) < Decimal("0.02"), (c.label, c.fine_tuning_monthly_usd, expected)
    assert any("sells 8 at a time" in r.message for _, r in runs)


def test_a_fine_tuning_plan_without_run_sizes_says_no_training_cost_is_included():
    import dataclasses

    w = dataclasses.replace(api.preset("steady-latency"), fine_tune_tokens=0)
    rec = api.recommend(w)
    assert any("no training cost is included" in n for n in rec.notes)
    assert all(c.fine_tuning_monthly_usd in (None, 0) for c in rec.candidates)


def test_the_reasons_and_the_table_round_money_the_same_way():
    """$/M in the first-choice reason reads as in the table column (one formatter, not Decimal half-even in one place
    and float rounding in the other); large figures keep 2 decimals."""
    from advisor.common import fmt

    rec = api.recommend(api.preset("bursty-app"))
    top = rec.candidates[0]
    first = next(r for r in top.reasons if r.code == "rank")
    assert f"({fmt.usd(top.usd_per_mtok, 3)}/M tokens)" in first.message
    assert fmt.usd(Decimal("8330.3234"), 3) == "$8,330.32" and fmt.usd(Decimal("0.1145"), 3) == fmt.usd(0.1145, 3)


def test_a_fine_tuning_run_is_billed_its_start_and_a_full_one_its_save_too():
    """A run starts on fresh instances as a serving replica does (boot, image, the base weights downloaded): those
    minutes are billed, and a full fine-tune also writes its trained weights out (405B: 810 GB each way)."""
    import dataclasses

    from advisor.cost import billing

    for method, saves in (("heavy", True), ("light", False)):
        w = dataclasses.replace(api.preset("heavy-fine-tuning"), fine_tuning=method)
        rec = api.recommend(w)
        r = next(r for c in rec.candidates for r in c.reasons if r.code == "fine-tuning")
        start = r.numbers["training_start_s"]
        assert start > billing.INSTANCE_BOOT_S + billing.IMAGE_PULL_S
        compute_h = float(r.message.split(" h at ")[0].rsplit(", ", 1)[-1])
        assert r.numbers["training_hours"] >= compute_h + start / 3600 - 0.01
        assert ("save the weights" in r.message) is saves
