"""deploy, serving-engineer review: models whose repository ships code the engines must run (Kimi K2's tokenizer),
BF16 rows of FP8 checkpoints ranked as the upcast they are, the MoE backend of TensorRT-LLM's gpt-oss guide, and a GPU
older than the generation an engine names for a model refused rather than unverified."""

from __future__ import annotations

import dataclasses
import shlex

import pytest

from advisor import api
from advisor.deploy import support
from advisor.deploy.engines import missing_weights, notes, trtllm_options, warnings
from advisor.deploy.plan import plan_for
from advisor.deploy.skypilot import render
from advisor.domain.precision import is_upcast
from advisor.ranking.ties import launch_unsure, total


def _argv(script: str) -> list[str]:
    body = " ".join(ln.rstrip("\\") for ln in script.splitlines() if ln.strip() and not ln.startswith("#")
                    and ln.strip() not in ("set -euo pipefail", "wait"))
    return [a for a in shlex.split(body) if a != "&"]


def _comments(script: str) -> str:
    return "\n".join(ln for ln in script.splitlines() if ln.startswith("#"))


def _row(models, gpus, precisions, **kw):
    w = api.workload(models=models, gpu_types=gpus, precisions=precisions, self_hosting="required",
                     **{"requests_per_day": 200_000, "input_tokens": 2000, "output_tokens": 300, **kw})
    return w, api.recommend(w)


# 1. trust_remote_code ----------------------------------------------------------------------------------------------

def test_the_catalog_marks_the_models_whose_repository_code_must_run():
    models = api.catalog().models
    assert models["kimi-k2"].trust_remote_code  # tokenization_kimi.py (Moonshot's deploy guidance)
    assert models["deepseek-v4-flash"].trust_remote_code and models["deepseek-v4-pro"].trust_remote_code
    assert not models["deepseek-v3"].trust_remote_code and not models["deepseek-r1"].trust_remote_code
    assert not models["mixtral-8x7b"].trust_remote_code and not models["gpt-5.5"].trust_remote_code


@pytest.fixture(scope="module")
def kimi():
    w, rec = _row(["kimi-k2"], ["h200"], ["fp8"])
    return w, next(c for c in rec.candidates if c.precision == "fp8")


@pytest.mark.parametrize("engine", ["vllm", "sglang"])
def test_kimi_k2_launches_with_trust_remote_code_and_a_tool_call_hint(kimi, engine):
    w, c = kimi
    text = render(c, w, api.catalog(), engine)["serve.sh"]
    argv = _argv(text)
    assert argv.count("--trust-remote-code") == 1
    # the tool-call parser is a hint in the notes, not a flag forced on plain chat
    assert "--tool-call-parser" not in argv and "--enable-auto-tool-choice" not in argv
    assert "--tool-call-parser kimi_k2" in _comments(text) and "MoonshotAI/Kimi-K2" in _comments(text)


def test_kimi_k2_on_tensorrt_llm_sets_trust_remote_code_in_the_options_and_the_command(kimi):
    w, c = kimi
    files = render(c, w, api.catalog(), "trtllm")
    assert "trust_remote_code: true" in files["trtllm-options.yaml"].splitlines()
    assert "--trust_remote_code" in _argv(files["serve.sh"])


def test_a_model_that_needs_no_repository_code_gets_no_flag():
    w, rec = _row(["deepseek-r1"], ["h200"], ["fp8"])
    c = next(c for c in rec.candidates if c.precision == "fp8")
    for engine in ("vllm", "sglang", "trtllm"):
        files = render(c, w, api.catalog(), engine)
        assert "trust" not in " ".join(_argv(files["serve.sh"])) and "trust_remote_code" not in files.get("trtllm-options.yaml", "")


# 2. BF16 of an FP8 checkpoint: an upcast ---------------------------------------------------------------------------

def test_bf16_of_an_fp8_checkpoint_is_an_upcast_and_int8_is_not():
    assert is_upcast("bf16", "fp8") and is_upcast("fp16", "fp8")
    assert not is_upcast("int8", "fp8") and not is_upcast("fp8", "fp8") and not is_upcast("bf16", "bf16")


def test_bf16_rows_of_an_fp8_model_rank_by_cost_with_an_info_line():
    """Kimi K2 at 2M requests/day: 8 B300 in bf16 cost less than 16 A100 in fp8; before, the bf16 row carried a
    quantize-first warning and ranked after every fp8 row."""
    _, rec = _row(["kimi-k2"], ["b300", "a100-80gb"], ["fp8", "bf16"], requests_per_day=2_000_000, input_tokens=2000,
                  output_tokens=500, max_gpus=32)
    rows = rec.candidates
    bf16 = [c for c in rows if c.precision == "bf16"]
    assert bf16 and any(f.precision == "fp8" and total(f) > total(c) for c in bf16 for f in rows)
    for c in bf16:
        why = next(r for r in c.reasons if r.code == "checkpoint")
        assert why.severity == "info" and not why.numbers["quantize_first"]
        assert "dequantize the FP8 checkpoint to BF16 first" in why.message and "fewer GPUs" in why.message
        assert not launch_unsure(c)
        for f in rows:
            if f.precision == "fp8" and total(f) > total(c):
                assert rows.index(c) < rows.index(f), f"{c.label} ranks after the costlier {f.label}"


def test_deploy_writes_the_dequantize_step_for_a_bf16_row_of_an_fp8_model():
    w, rec = _row(["deepseek-r1"], ["h200"], ["bf16"], max_gpus=32)
    c = next(c for c in rec.candidates if c.precision == "bf16")
    p = plan_for(c, w, api.catalog())
    assert missing_weights(p, "vllm") == "" and missing_weights(p, "trtllm") == ""
    text = render(c, w, api.catalog(), "vllm")["serve.sh"]
    assert "--quantization" not in _argv(text)
    note = next(ln for ln in text.splitlines() if "fp8_cast_bf16.py" in ln)
    assert note.startswith("# ") and "deepseek-ai/DeepSeek-R1" in note and "quantization_config" in note


# 3. TensorRT-LLM's gpt-oss guide -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def gpt_oss_plan():
    w, rec = _row(["gpt-oss-120b"], ["h200"], ["mxfp4-experts"], requests_per_day=20_000)
    c = next(c for c in rec.candidates if c.precision == "mxfp4-experts")
    return plan_for(c, w, api.catalog())


def _moe(text: str) -> str:
    lines = text.splitlines()
    return lines[lines.index("moe_config:") + 1].split("#")[0].strip() if "moe_config:" in lines else ""


@pytest.mark.parametrize("gpu, backend, listed", [("h200", "backend: TRITON", True), ("h100-sxm", "backend: TRITON", False),
                                                  ("b200", "backend: TRTLLM", True), ("b300", "backend: TRTLLM", True),
                                                  ("a100-80gb", "", False), ("rtx-pro-6000", "", False)])
def test_gpt_oss_on_tensorrt_llm_gets_the_guides_moe_backend(gpt_oss_plan, gpu, backend, listed):
    p = dataclasses.replace(gpt_oss_plan, gpu=gpu)
    assert _moe(trtllm_options(p)) == backend
    unverified = [x for x in warnings(p, "trtllm") if "TensorRT-LLM deployment guide" in x]
    assert bool(unverified) != listed
    assert any("moe_config.backend" in x for x in notes(p, "trtllm")) == bool(backend)


def test_a_dequantized_gpt_oss_row_and_other_models_keep_the_default_backend(gpt_oss_plan):
    assert _moe(trtllm_options(dataclasses.replace(gpt_oss_plan, precision="fp8"))) == ""  # the MXFP4 kernels do not apply
    other = dataclasses.replace(gpt_oss_plan, model_id="kimi-k2", native_precision="fp8", precision="fp8")
    assert _moe(trtllm_options(other)) == ""
    assert not [x for x in warnings(other, "trtllm") if "deployment guide" in x]  # no guide recorded: nothing claimed


# 4. a GPU below the generation an engine names --------------------------------------------------------------------

@pytest.mark.parametrize("gpu, status", [("l40s", "unsupported"), ("a100-80gb", "unsupported"), ("a10", "unsupported"),
                                         ("h100-sxm", "unverified"), ("rtx-pro-6000", "unsupported"), ("h200", "verified"),
                                         ("my-own-gpu", "unverified")])
def test_deepseek_v4_on_vllm_needs_hopper_or_newer(gpu, status):
    got, line = support.vllm_support("deepseek-v4-flash", gpu)
    assert got == status
    if status == "unsupported":
        assert "Hopper" in line and "FlashMLA" in line
    assert support.vllm_support("kimi-k2", "l40s")[0] == "unverified"  # no generation named for Kimi K2


def test_deepseek_v4_on_l40s_ranks_after_every_row_known_to_launch():
    """The review's 1M-context workload: 4x L40S was #2 as merely unverified."""
    _, rec = _row(["deepseek-v4-flash"], ["l40s", "h100-sxm"], ["bf16", "fp8", "mxfp4-experts"], requests_per_day=2000,
                  input_tokens=800_000,
                  output_tokens=1000, context_typical_tokens=800_000, context_max_tokens=1_000_000, ttft_ms=30000,
                  cached_input_fraction=0.9)
    rows = rec.candidates
    l40s = [c for c in rows if c.gpu == "l40s"]
    # the H100 rows known to launch: the native MXFP4 checkpoint (an FP8 or BF16 copy of it is made by no published
    # tool, so those rows are not known to launch either)
    hopper = [c for c in rows if c.gpu == "h100-sxm" and not launch_unsure(c)]
    assert l40s and hopper and min(total(c) for c in l40s) < min(total(c) for c in hopper)  # cheaper, yet after them
    for c in l40s:
        assert c.engine != "vllm" and launch_unsure(c)
        assert any(r.code == "engine-support" and "Hopper" in r.message for r in c.reasons)
        assert all(rows.index(c) > rows.index(h) for h in hopper)
