"""Coverage of max-throughput estimates as an outside checker asks for them (scripts/coverage_sweep.py), reduced grid."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest

from advisor import api
from advisor.errors import InputError

ROOT = Path(__file__).resolve().parents[1]


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, mod)  # dataclasses look their module up while the class is built
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def sweep():
    return _script("coverage_sweep")


def test_reduced_sweep_every_estimate_is_a_number_and_monotone(sweep):
    outs, bad = sweep.sweep(models=("llama-3.1-8b", "llama-3.1-405b", "llama-4-maverick", "qwen3-30b-a3b", "deepseek-r1"),
                            gpus=("h100-sxm", "b200"), counts=(1, 4, 8),
                            shapes=((128, 2048), (1000, 1000), (2048, 128), (20000, 2000)))
    failures = [(o.case, o.status, o.detail) for o in outs if o.status != "ok"]
    assert not failures, failures[:5]
    assert not bad, bad[:5]
    # the grid really covers the hard cases: DeepSeek-R1 FP4 on B200 in every layout, Maverick FP8 on 8x H100
    cases = {(o.case.model, o.case.gpu, o.case.gpus, o.case.precision, o.case.layout) for o in outs}
    for lay in (None, "tp", "tp_ep", "dep"):
        assert ("deepseek-r1", "b200", 8, "fp4", lay) in cases
    assert ("llama-4-maverick", "h100-sxm", 8, "fp8", None) in cases
    assert len(outs) > 500


def test_grid_keeps_only_configs_whose_weights_fit(sweep):
    # hand-checked: DeepSeek-R1 FP8 is ~671 GB of weights, more than 8 x 80 GiB; Llama 3.1 8B FP8 is ~8 GB
    assert not sweep.weights_fit(api, "deepseek-r1", "h100-sxm", 8, "fp8")
    assert sweep.weights_fit(api, "deepseek-r1", "h200", 8, "fp8")
    assert sweep.weights_fit(api, "llama-3.1-8b", "h100-sxm", 1, "fp8")
    assert not sweep.weights_fit(api, "llama-3.1-405b", "h100-sxm", 4, "fp8")
    # FP4 only on GPUs with FP4 tensor cores; explicit expert layouts only where the experts divide
    cs = list(sweep.cases(api, models=("qwen3-30b-a3b",), gpus=("h100-sxm", "b200"), counts=(1, 8), shapes=((128, 128),),
                          engines=("trtllm",)))
    assert {(c.gpu, c.precision) for c in cs} == {("h100-sxm", "fp8"), ("b200", "fp8"), ("b200", "fp4")}
    assert {c.layout for c in cs if c.gpus == 1} == {None, "tp"}
    assert {c.layout for c in cs if c.gpus == 8} == {None, "tp", "tp_ep", "dep"}


def test_sanity_flags_each_kind_of_violation(sweep):
    def ok(model, gpu, n, prec, isl, osl, t):
        return sweep.Outcome(sweep.Case(model, gpu, n, prec, isl, osl, "trtllm", None), "ok", t)

    clean = [ok("m", "b200", 1, "fp8", 128, 2048, 100.0), ok("m", "b200", 1, "fp8", 1000, 2000, 99.0),
             ok("m", "b200", 1, "fp8", 500, 2000, 99.5), ok("m", "b200", 1, "fp4", 128, 2048, 150.0),
             ok("m", "b200", 2, "fp8", 128, 2048, 180.0)]
    assert sweep.sanity(clean) == []
    isl_up = clean + [ok("m", "b200", 1, "fp8", 5000, 2000, 120.0)]
    assert any(b.startswith("ISL up") for b in sweep.sanity(isl_up))
    fp4_low = [o for o in clean if o.case.precision != "fp4"] + [ok("m", "b200", 1, "fp4", 128, 2048, 90.0)]
    assert any(b.startswith("FP4 < FP8") for b in sweep.sanity(fp4_low))
    fewer = clean + [ok("m", "b200", 4, "fp8", 128, 2048, 150.0)]
    assert any(b.startswith("more GPUs") for b in sweep.sanity(fewer))


def test_run_case_reports_exceptions_and_refusals(sweep):
    bad_gpu = sweep.Case("llama-3.1-8b", "no-such-gpu", 1, "fp8", 128, 128, "trtllm", None)
    assert sweep.run_case(api, bad_gpu).status == "exception"
    too_big = sweep.Case("deepseek-r1", "h100-sxm", 1, "fp8", 128, 128, "trtllm", None)
    assert sweep.run_case(api, too_big).status == "refused"
    fine = sweep.run_case(api, sweep.Case("llama-3.1-8b", "h100-sxm", 1, "fp8", 128, 128, "trtllm", None))
    assert fine.status == "ok" and math.isfinite(fine.tokens_per_s) and fine.tokens_per_s > 0


@pytest.mark.parametrize("name", ["TensorRT-LLM", "tensorrt_llm", "trt-llm", " TRTLLM "])
def test_engine_aliases_are_tensorrt_llm(name):
    ref = api.estimate("llama-3.1-8b", "h100-sxm", precision="fp8", engine="trtllm")
    e = api.estimate("llama-3.1-8b", "h100-sxm", precision="fp8", engine=name)
    assert e.engine == "trtllm" and e.output_tokens_per_s == ref.output_tokens_per_s
    assert api.estimate("llama-3.1-8b", "h100-sxm", precision="fp8", engine="vLLM").engine == "vllm"
    with pytest.raises(InputError):
        api.estimate("llama-3.1-8b", "h100-sxm", precision="fp8", engine="tensorrt")


def test_inflight_context_script_moves_only_the_decode_context():
    mod = _script("inflight_context")
    e, fixed, shifted = mod.at_context("deepseek-r1", "b200", 8, "nvfp4", 804, 4043, 804 + 4043 / 2, engine="trtllm",
                                       layout="dep", kv="fp8")
    # at the fixed-length mix's own context the recomputation is the estimate itself
    assert fixed == pytest.approx(e.output_tokens_per_s, rel=1e-6)
    assert shifted == pytest.approx(fixed, rel=1e-3)
    _, _, longer = mod.at_context("deepseek-r1", "b200", 8, "nvfp4", 804, 4043, 4980, engine="trtllm", layout="dep", kv="fp8")
    assert longer < 0.95 * fixed
