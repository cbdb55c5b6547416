"""deploy serves the precision that was costed: the published checkpoint of it, an engine's load-time quantization
where the engine has one (vLLM and SGLang ``--quantization fp8``), or a one-line refusal naming the missing checkpoint
(no engine makes 4-bit weights at load time; TensorRT-LLM loads only pre-quantized checkpoints)."""

from __future__ import annotations

import dataclasses

import pytest

from advisor import api
from advisor.cli import main
from advisor.deploy.plan import plan_for
from advisor.deploy.skypilot import render
from advisor.errors import InputError

AGENTIC = """[workload]
name = "agentic-coding"
requests_per_day = 200000
input_tokens = 40000
output_tokens = 800
cached_input_fraction = 0.85
traffic_shape = "diurnal"
latency = "interactive"
ttft_ms = 3000
output_tokens_per_s_per_user = 50
context_typical_tokens = 60000
context_max_tokens = 131072
models = ["kimi-k2"]
precisions = ["fp4"]
gpu_types = ["mi300x"]
self_hosting = "required"
"""


def test_cli_refuses_an_fp4_row_without_an_fp4_checkpoint(tmp_path, capsys):
    """Kimi-K2 ships FP8 weights and no FP4 checkpoint is catalogued: the files used to load the FP8 repository
    (twice the weight memory the row was costed with) under a comment; now the command fails, writes nothing, and
    says which checkpoint is missing."""
    wl = tmp_path / "a2.toml"
    wl.write_text(AGENTIC)
    out = tmp_path / "D"
    assert main(["deploy", "--target", "sglang", "--workload", str(wl), "--rank", "1", "--output-dir", str(out)]) == 2
    cap = capsys.readouterr()
    err = [ln for ln in cap.err.splitlines() if ln.strip()]
    assert len(err) == 1 and "no fp4 checkpoint of moonshotai/Kimi-K2-Instruct" in err[0]
    assert "--model-path" not in cap.out and not list(out.glob("*"))


@pytest.fixture(scope="module")
def phi4_fp8():
    w = api.workload(models=["phi-4"], gpu_types=["h100-sxm"], precisions=["fp8"], self_hosting="required")
    c = next(c for c in api.recommend(w).candidates if c.deployment == "self-hosted")
    assert c.precision == "fp8" and api.catalog().models["phi-4"].checkpoint("fp8") == ""
    return c, w


@pytest.mark.parametrize("engine,flag", [("vllm", "--quantization fp8"), ("sglang", "--quantization fp8")])
def test_vllm_and_sglang_quantize_a_bf16_checkpoint_to_fp8_at_load_time(phi4_fp8, engine, flag):
    c, w = phi4_fp8
    script = render(c, w, api.catalog(), engine)["serve.sh"].replace("\\\n", " ")
    assert "microsoft/phi-4" in script and " ".join(flag.split()) in " ".join(script.split())


@pytest.mark.parametrize("target", ["trtllm", "skypilot"])
def test_tensorrt_llm_needs_a_prequantized_checkpoint(phi4_fp8, target):
    """The TUI's deploy of phi-4 fp8 ran ``trtllm-serve microsoft/phi-4`` (BF16 weights) for a row costed in FP8."""
    c, w = phi4_fp8
    c = dataclasses.replace(c, engine="trtllm")
    with pytest.raises(InputError, match="no fp8 checkpoint of microsoft/phi-4") as exc:
        render(c, w, api.catalog(), target)
    assert "\n" not in str(exc.value) and "vllm or sglang" in str(exc.value)


def test_a_published_checkpoint_is_still_served():
    """A row whose precision has a catalogued checkpoint loads it (no flag, no refusal), for every engine."""
    w = api.workload(models=["llama-4-maverick"], gpu_types=["h200"], precisions=["fp8"], self_hosting="required")
    c = api.recommend(w).candidates[0]
    assert plan_for(c, w, api.catalog()).prequantized
    for target in ("vllm", "sglang", "trtllm"):
        assert "Llama-4-Maverick-17B-128E-Instruct-FP8" in render(c, w, api.catalog(), target)["serve.sh"]


def test_a_target_whose_engine_cannot_run_the_precision_on_that_gpu_is_refused():
    """The engine catalog's hardware table: TensorRT-LLM's FP4 needs Blackwell's FP4 tensor cores, SGLang's FP8 needs
    FP8 tensor cores (an A100 has none): files that would fail at the engine's start are not written."""
    import pytest

    from advisor import api
    from advisor.deploy.skypilot import render
    from advisor.errors import InputError

    cat = api.catalog()
    w = api.workload(requests_per_day=50_000, input_tokens=2000, output_tokens=300, ttft_ms=2000, models=["llama-3.3-70b"],
                     gpu_types=["a100-80gb"], precisions=["fp8"], self_hosting="required")
    c = api.recommend(w).candidates[0]
    assert c.gpu == "a100-80gb" and c.precision == "fp8" and c.engine == "vllm"
    assert render(c, w, cat, "vllm")  # vLLM serves FP8 weight-only (Marlin) on an A100
    with pytest.raises(InputError, match="SGLang needs FP8 tensor cores for fp8 weights, which a100-80gb lacks.*--target vllm"):
        render(c, w, cat, "sglang")
