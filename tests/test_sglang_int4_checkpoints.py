"""SGLang and the published INT4 checkpoints (``deploy.int4_formats``): where its build cannot serve a checkpoint's
format (on ROCm: GPTQ, AWQ MoE experts, compressed-tensors W4A16 Linear layers; on NVIDIA: Llama 4's compressed-tensors
experts, whose router weight Marlin applies after them), the ranking costs the row on vLLM instead, an SGLang-only row
carries a warning citing the source, and `deploy --target sglang` refuses in one line naming --target vllm. Where it
serves the checkpoint (every format on NVIDIA otherwise, Kimi K2's expert-only W4A16 and dense AWQ on ROCm) nothing
changes."""

from __future__ import annotations

import pytest

from advisor import api
from advisor.cli.engine_note import _why_not, searched
from advisor.deploy.int4_formats import int4_format, sglang_refusal
from advisor.deploy.skypilot import render
from advisor.errors import InputError
from advisor.ranking.ties import launch_unsure

REFUSED = [("qwen3-30b-a3b", "mi300x", "gptq_marlin"), ("qwen3-235b-a22b", "mi325x", "gptq_marlin"),
           ("mixtral-8x7b", "mi300x", "AWQConfig"), ("deepseek-v3", "mi300x", "AWQConfig"),
           ("llama-3.3-70b", "mi300x", "gptq_marlin_repack"), ("llama-4-scout", "mi300x", "gptq_marlin_repack"),
           ("llama-4-scout", "h100-sxm", "apply_router_weight_on_input"),
           ("llama-4-maverick", "h200", "apply_router_weight_on_input")]
SERVED = [("kimi-k2", "mi300x"), ("qwen2.5-72b", "mi300x"), ("qwen3-30b-a3b", "h100-sxm"), ("llama-3.3-70b", "h100-sxm"),
          ("kimi-k2", "h200"), ("mixtral-8x7b", "h100-sxm"), ("deepseek-v3", "h200")]


def test_every_catalog_int4_checkpoint_has_a_known_format():
    cat = api.catalog()
    held = {m.id: m.checkpoints["int4"] for m in cat.models.values() if m.checkpoints.get("int4")}
    assert len(held) >= 12
    assert {r: int4_format(r) for r in held.values() if not int4_format(r)} == {}
    assert int4_format("Qwen/Qwen3-30B-A3B-GPTQ-Int4") == "gptq"
    assert int4_format("QuantTrio/Qwen3-Coder-480B-A35B-Instruct-AWQ") == "awq"
    assert int4_format("RedHatAI/Kimi-K2-Instruct-quantized.w4a16") == "compressed-tensors"


@pytest.mark.parametrize("model_id, gpu, cited", REFUSED)
def test_sglang_is_not_costed_on_an_int4_checkpoint_it_cannot_serve(model_id, gpu, cited):
    cat = api.catalog()
    m, g = cat.models[model_id], cat.gpus[gpu]
    assert "sglang" not in searched(cat, m, g, "int4")
    assert "vllm" in searched(cat, m, g, "int4")
    why = _why_not(cat, m, g, "int4", "sglang")
    assert cited in why and "github" in why


@pytest.mark.parametrize("model_id, gpu", SERVED)
def test_sglang_stays_costed_where_it_serves_the_int4_checkpoint(model_id, gpu):
    cat = api.catalog()
    m, g = cat.models[model_id], cat.gpus[gpu]
    assert not sglang_refusal(m.id, m.is_moe, m.checkpoints["int4"], g.vendor)
    assert "sglang" in searched(cat, m, g, "int4")


def _rows(model_id: str, gpu: str, engines: list[str] | None = None):
    kw = {"engines": engines} if engines else {}
    w = api.workload(requests_per_day=40_000, input_tokens=1200, output_tokens=350, models=[model_id], precisions=["int4"],
                     gpu_types=[gpu], self_hosting="required", min_quality=0, **kw)
    return w, [c for c in api.recommend(w).candidates if c.precision == "int4"]


@pytest.mark.parametrize("model_id, gpu", [("qwen3-30b-a3b", "mi300x"), ("llama-4-scout", "h100-sxm")])
def test_an_sglang_only_int4_row_it_cannot_serve_is_warned_and_ranked_as_unsure(model_id, gpu):
    _, rows = _rows(model_id, gpu, ["sglang"])
    assert rows and all(c.engine == "sglang" for c in rows)
    for c in rows:
        said = [r for r in c.reasons if r.code == "checkpoint"]
        assert said and said[0].severity == "warning" and "vLLM" in said[0].message, [r.message for r in c.reasons]
        assert launch_unsure(c)


@pytest.mark.parametrize("model_id, gpu", [("qwen3-30b-a3b", "mi300x"), ("llama-4-scout", "h100-sxm"),
                                           ("llama-3.3-70b", "mi300x")])
def test_deploy_target_sglang_refuses_an_int4_checkpoint_it_cannot_serve_naming_vllm(model_id, gpu):
    w, rows = _rows(model_id, gpu)
    c = rows[0]
    assert c.engine == "vllm"
    assert "serve.sh" in render(c, w, api.catalog(), "vllm")
    with pytest.raises(InputError) as e:
        render(c, w, api.catalog(), "sglang")
    assert "--target vllm" in str(e.value) and "\n" not in str(e.value)
    w, rows = _rows(model_id, gpu, ["sglang"])  # the row costed on SGLang itself: its SkyPilot file is refused too
    with pytest.raises(InputError, match="--target vllm"):
        render(rows[0], w, api.catalog(), "skypilot")


def test_deploy_target_sglang_still_writes_kimi_k2_int4_on_an_mi300x():
    w, rows = _rows("kimi-k2", "mi300x")
    serve = render(rows[0], w, api.catalog(), "sglang")["serve.sh"]
    assert "RedHatAI/Kimi-K2-Instruct-quantized.w4a16" in serve


def test_the_deploy_views_targets_leave_out_sglang_where_its_files_are_refused():
    from advisor.deploy import targets_for

    w = api.workload(requests_per_day=20_000, self_hosting="required", models=["qwen3-30b-a3b"], precisions=["int4"],
                     gpu_types=["mi300x"], min_quality=0)
    rows = [c for c in api.recommend(w).candidates if c.precision == "int4"]
    assert rows
    assert "sglang" not in targets_for(rows[0], api.catalog()) and "vllm" in targets_for(rows[0], api.catalog())


def test_tensorrt_llm_files_are_refused_for_an_int4_checkpoint_it_cannot_load():
    """helper-139's note: `deploy --target trtllm` on a GPTQ row (Qwen3-30B on an H100) wrote files TensorRT-LLM cannot load."""
    from advisor.deploy import targets_for
    from advisor.deploy.skypilot import render
    from advisor.errors import InputError

    w = api.workload(requests_per_day=20_000, self_hosting="required", models=["qwen3-30b-a3b"], precisions=["int4"],
                     gpu_types=["h100-sxm"], min_quality=0)
    c = next(x for x in api.recommend(w).candidates if x.precision == "int4")
    with pytest.raises(InputError, match="TensorRT-LLM loads ModelOpt checkpoints, not the int4 checkpoint Qwen/Qwen3-30B-A3B-GPTQ-Int4"):
        render(c, w, api.catalog(), "trtllm")
    assert "trtllm" not in targets_for(c, api.catalog()) and "vllm" in targets_for(c, api.catalog())
