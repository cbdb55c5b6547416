"""FP8 weights no published checkpoint holds: TensorRT-LLM loads only pre-quantized checkpoints, vLLM and SGLang quantize
to FP8 at load time, so the ranking costs such a row on an engine that launches it as costed (and warns only where no
such engine is allowed)."""

from __future__ import annotations

from advisor import api
from advisor.ranking import engine_support


def _fp8_rows(model: str, engines: list[str] | None = None):
    kw = {"engines": engines} if engines else {}
    rec = api.recommend(api.workload(requests_per_day=200_000, input_tokens=1500, output_tokens=400, models=[model],
                                     precisions=["fp8"], gpu_types=["h100-sxm", "h200"], self_hosting="required", **kw))
    return [c for c in rec.candidates if c.precision == "fp8"]


def test_fp8_without_a_checkpoint_is_costed_on_an_engine_that_quantizes_at_load_time():
    cat = api.catalog()
    m = cat.models["mixtral-8x22b"]
    assert "fp8" not in m.checkpoints and m.native_precision == "bf16"
    assert engine_support.no_checkpoint(m, cat.gpus["h100-sxm"], "fp8")
    rows = _fp8_rows("mixtral-8x22b")
    assert rows and all(c.engine in ("vllm", "sglang") for c in rows)
    # no "quantize first" line; a row whose bf16 weights overflow the GPUs while loading is warned of that instead
    assert not any(r.code == "checkpoint" and "load_peak_bytes_per_gpu" not in r.numbers for c in rows for r in c.reasons)


def test_with_a_checkpoint_tensorrt_llm_stays_and_with_only_it_allowed_the_row_warns():
    cat = api.catalog()
    assert not engine_support.no_checkpoint(cat.models["llama-3.3-70b"], cat.gpus["h100-sxm"], "fp8")
    assert {c.engine for c in _fp8_rows("llama-3.3-70b")} == {"trtllm"}  # nvidia/Llama-3.3-70B-Instruct-FP8
    only = _fp8_rows("mixtral-8x22b", engines=["trtllm"])
    assert only and all(c.engine == "trtllm" for c in only)
    assert all(any(r.code == "checkpoint" for r in c.reasons) for c in only)


def test_int4_rows_are_costed_where_their_gptq_awq_checkpoint_loads():
    """The catalog's INT4 checkpoints are GPTQ/AWQ: vLLM and SGLang load them, TensorRT-LLM's PyTorch backend does not
    (ModelOpt FP8/NVFP4 only). With vLLM or SGLang allowed the row runs there; on TensorRT-LLM alone it is warned and
    ranks after the rows known to launch."""
    def rows(engines=None):
        kw = {"engines": engines} if engines else {}
        rec = api.recommend(api.workload(requests_per_day=100_000, input_tokens=1000, output_tokens=300, models=["qwen3-30b-a3b"],
                                         precisions=["int4"], gpu_types=["h100-sxm"], self_hosting="required", **kw))
        return [c for c in rec.candidates if c.precision == "int4"]

    assert api.catalog().models["qwen3-30b-a3b"].checkpoint("int4") == "Qwen/Qwen3-30B-A3B-GPTQ-Int4"
    free = rows()
    assert free and all(c.engine in ("vllm", "sglang") for c in free)
    assert not any(r.code == "checkpoint" for c in free for r in c.reasons)
    only = rows(["trtllm"])
    assert only and all(c.engine == "trtllm" for c in only)
    for c in only:
        [r] = [r for r in c.reasons if r.code == "checkpoint"]
        assert r.numbers["quantize_first"] and "GPTQ/AWQ" in r.message
