"""The calibration's reach per engine and model kind (advisor.physics.coverage) and the warning an estimate beyond it
carries; vLLM's MXFP4 experts on Hopper at the BF16 rate (W4A16 Triton backend, catalogs/engine.toml)."""

from __future__ import annotations

import csv
import math

from advisor import api
from advisor.physics.calibration import calibration_path
from advisor.physics.coverage import calibrated_max_concurrency


def _scored_rows():
    with calibration_path().open(newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["scored"] == "yes"]


def test_reach_follows_the_scored_rows():
    moe = {m.id for m in api.models() if m.is_moe}
    for engine in ("vllm", "sglang"):
        pinned = [int(r["concurrency"].split()[-1]) for r in _scored_rows() if r["engine"] == engine and r["model"] in moe]
        assert pinned and calibrated_max_concurrency(engine, True) == max(pinned)
    # TensorRT-LLM's max-throughput tables pin no concurrency: no bound
    assert calibrated_max_concurrency("trtllm", True) == math.inf
    assert calibrated_max_concurrency("vllm", False) == 0.0  # no scored vLLM dense row
    assert calibrated_max_concurrency("no-such-engine", True) == 0.0


def test_large_batch_vllm_moe_estimate_says_it_extrapolates():
    big = api.estimate("gpt-oss-120b", "h100-sxm", 1, "mxfp4-experts", 215, 195, engine="vllm")
    assert big.batch > calibrated_max_concurrency("vllm", True)
    assert any("calibration rows reach 4 concurrent" in w for w in big.warnings)
    small = api.estimate("gpt-oss-120b", "h100-sxm", 1, "mxfp4-experts", 229, 217, engine="vllm", concurrency=4)
    assert not any("calibration rows reach" in w for w in small.warnings)
    trt = api.estimate("mixtral-8x7b", "h100-sxm", 1, "fp8", 128, 128, engine="trtllm")  # no FP8 checkpoint: vLLM by default
    assert not any("calibration rows reach" in w for w in trt.warnings)


def test_vllm_serves_mxfp4_experts_on_hopper_at_the_bf16_rate():
    kw = {"input_tokens": 215, "output_tokens": 195, "layout": "tp", "concurrency": 1024}
    vllm = api.estimate("gpt-oss-120b", "h100-sxm", 1, "mxfp4-experts", engine="vllm", **kw)
    trt = api.estimate("gpt-oss-120b", "h100-sxm", 1, "mxfp4-experts", engine="trtllm", **kw)
    assert any("at the BF16 rate" in w for w in vllm.warnings)
    assert any("at the FP8 rate" in w for w in trt.warnings)
    # the same FLOPs at half the tensor rate: a 1,024-token prefill chunk takes longer on vLLM's W4A16 path
    v1 = api.estimate("gpt-oss-120b", "h100-sxm", 1, "mxfp4-experts", 8192, 1, engine="vllm", layout="tp", concurrency=1)
    t1 = api.estimate("gpt-oss-120b", "h100-sxm", 1, "mxfp4-experts", 8192, 1, engine="trtllm", layout="tp", concurrency=1)
    assert v1.ttft_ms > t1.ttft_ms * 1.1
