"""A row costed in a precision that no published checkpoint holds, and that its engine does not quantize to at load
time, says so (deploy refuses to write its launch files until a checkpoint is named)."""

from __future__ import annotations

from advisor import api
from advisor.ranking.explain import checkpoint_reasons


def _codes(c):
    return [r.code for r in c.reasons]


def test_fp4_rows_without_a_published_checkpoint_warn_and_those_with_one_do_not():
    cat = api.catalog()
    rec = api.recommend(api.workload(requests_per_day=200_000, input_tokens=4000, output_tokens=800,
                                     models=["deepseek-v3", "deepseek-r1"], precisions=["fp4"], gpu_types=["b200"],
                                     self_hosting="required", context_max_tokens=32_768))
    v3 = [c for c in rec.candidates if c.model == "deepseek-v3"]
    r1 = [c for c in rec.candidates if c.model == "deepseek-r1"]
    assert v3 and r1
    assert all("checkpoint" in _codes(c) for c in v3)  # none recorded (NVIDIA's is of V3-0324, another release)
    assert not any("checkpoint" in _codes(c) for c in r1)  # nvidia/DeepSeek-R1-NVFP4
    assert cat.models["deepseek-r1"].checkpoint("nvfp4") == "nvidia/DeepSeek-R1-NVFP4"


def test_fp8_needs_a_checkpoint_only_on_tensorrt_llm():
    cat = api.catalog()
    rec = api.recommend(api.workload(models=["phi-4"], precisions=["fp8"], gpu_types=["h100-sxm"], self_hosting="required"))
    c = rec.candidates[0]
    assert c.precision == "fp8" and not cat.models["phi-4"].checkpoint("fp8")
    on_trt, on_vllm = c.evolve(engine="trtllm", reasons=()), c.evolve(engine="vllm", reasons=())
    assert [r.code for r in checkpoint_reasons(on_trt, cat)] == ["checkpoint"]
    assert "TensorRT-LLM serves only pre-quantized" in checkpoint_reasons(on_trt, cat)[0].message
    assert checkpoint_reasons(on_vllm, cat) == []
    native = c.evolve(precision="bf16", engine="trtllm", reasons=())
    assert checkpoint_reasons(native, cat) == []
