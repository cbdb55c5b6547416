"""An engine quantizing bf16 weights to FP8 at load time first holds the bf16 weights (vLLM up to 0.14, SGLang): a row
whose bf16 weights per GPU exceed the GPU's memory is warned that it may not start; one that fits is not."""

from advisor import api


def _checkpoint_lines(c):
    return [r for r in c.reasons if r.code == "checkpoint" and "at load time" in r.message]


def test_phi4_fp8_on_one_rtx_4090_is_warned_and_on_an_h100_is_not():
    w = api.workload(models=["phi-4"], gpu_types=["rtx-4090", "h100-sxm"], precisions=["fp8"], self_hosting="required",
                     requests_per_day=30000)
    rows = {(c.gpu, c.gpus): c for c in api.recommend(w).candidates if c.engine in ("vllm", "sglang")}
    small = rows.get(("rtx-4090", 1))
    assert small is not None and _checkpoint_lines(small)
    assert _checkpoint_lines(small)[0].numbers["load_peak_bytes_per_gpu"] > 24e9  # phi-4 in bf16: ~29 GB
    big = next(c for (g, _), c in rows.items() if g == "h100-sxm")
    assert not _checkpoint_lines(big)
