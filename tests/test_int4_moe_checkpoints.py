"""The published 4-bit (AWQ / GPTQ W4A16) checkpoints of the catalog's MoE models: a row in INT4 whose checkpoint is
catalogued is no longer demoted as "quantize first", and its launch file loads that repository (the engine reads the
quantization from the checkpoint's config, so no flag is written)."""

from __future__ import annotations

import pytest

from advisor import api
from advisor.deploy.plan import plan_for
from advisor.deploy.skypilot import render
from advisor.ranking.engine_support import no_checkpoint

INT4_MOE = {
    "deepseek-v3": "cognitivecomputations/DeepSeek-V3-AWQ",
    "deepseek-r1": "cognitivecomputations/DeepSeek-R1-AWQ",
    "kimi-k2": "RedHatAI/Kimi-K2-Instruct-quantized.w4a16",
    "qwen3-coder-480b-a35b": "QuantTrio/Qwen3-Coder-480B-A35B-Instruct-AWQ",
    "mixtral-8x7b": "TheBloke/mixtral-8x7b-v0.1-AWQ",
    "mixtral-8x22b": "mistral-community/Mixtral-8x22B-v0.1-AWQ",
    "qwen3-235b-a22b": "Qwen/Qwen3-235B-A22B-GPTQ-Int4",
    "qwen3-30b-a3b": "Qwen/Qwen3-30B-A3B-GPTQ-Int4",
}


@pytest.mark.parametrize("model_id, repo", sorted(INT4_MOE.items()))
def test_the_moe_models_name_their_published_int4_checkpoint(model_id, repo):
    cat = api.catalog()
    model = cat.models[model_id]
    assert model.architecture == "moe"
    assert model.checkpoint("int4") == repo
    assert not no_checkpoint(model, cat.gpus["h200"], "int4")


def _int4_rows(model_id: str):
    w = api.workload(requests_per_day=40_000, input_tokens=1200, output_tokens=350, models=[model_id], precisions=["int4"],
                     gpu_types=["h200"], self_hosting="required", min_quality=0)
    return w, [c for c in api.recommend(w).candidates if c.precision == "int4"]


@pytest.mark.parametrize("model_id", ["deepseek-v3", "kimi-k2", "qwen3-coder-480b-a35b"])
def test_an_int4_moe_row_with_a_catalogued_checkpoint_is_not_demoted_for_a_missing_one(model_id):
    _, rows = _int4_rows(model_id)
    assert rows
    for c in rows:
        assert c.engine in ("vllm", "sglang")  # GPTQ/AWQ/compressed-tensors: not TensorRT-LLM's PyTorch backend
        assert not any(r.code == "checkpoint" for r in c.reasons), [r.message for r in c.reasons if r.code == "checkpoint"]


def test_deepseek_r1_int4_serves_the_awq_checkpoint_whose_quality_is_measured():
    """R1's INT4 checkpoint is the AWQ one ISTA-DASLab measured: the row carries that measured delta, not the
    unmeasured-4-bit warning, and is not demoted for a missing checkpoint."""
    _, rows = _int4_rows("deepseek-r1")
    assert rows
    for c in rows:
        assert not any(r.code == "checkpoint" for r in c.reasons)
        assert c.quality_delta is not None and c.quality_delta < 0
        assert "ISTA-DASLab" in (c.quality_delta_source or "")


@pytest.mark.parametrize("model_id", ["deepseek-v3", "kimi-k2"])
def test_the_int4_moe_launch_file_loads_the_checkpoint_without_a_quantization_flag(model_id):
    w, rows = _int4_rows(model_id)
    c = rows[0]
    plan = plan_for(c, w, api.catalog())
    assert plan.prequantized and plan.checkpoint == INT4_MOE[model_id]
    for target in ("vllm", "sglang"):
        serve = render(c, w, api.catalog(), target)["serve.sh"]
        assert INT4_MOE[model_id] in serve
        assert "--quantization" not in serve
