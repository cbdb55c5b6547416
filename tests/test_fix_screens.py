"""Review fixes of 2026-12-04: PP3 sold by any allowed offer, the engine screens' order, estimate's default engine."""

from advisor import api
from advisor.ranking import engine_support


def _h100_bf16(**fields):
    w = api.workload(preset="steady-latency", pricing=["on-demand", "spot"], models=["llama-4-scout"], **fields)
    rec = api.recommend(w)
    rows = [c for c in rec.candidates if c.gpu == "h100-sxm" and c.precision == "bf16" and c.deployment == "self-hosted"]
    return rec, rows


def test_pp3_allowed_when_any_allowed_provider_sells_three_gpus():
    """The bill spreads over every allowed offer, so 3 GPUs as PP3 count wherever any allowed offer sells 3, not only
    where the cheapest provider does (review: azure's H100 on 4 GPUs at $7,854.80 beat runpod's 3 at $5,891.10 unseen)."""
    _, only_runpod = _h100_bf16(providers=["runpod"])
    rec, everyone = _h100_bf16()
    assert only_runpod and everyone
    best_runpod = min(c.monthly_cost_usd for c in only_runpod)
    assert min(c.gpus for c in only_runpod) == 3
    # more providers can only make the bill cheaper or equal, never costlier
    assert min(c.monthly_cost_usd for c in everyone) <= best_runpod
    assert not any("does not sell 3" in r.reasons[0].message for r in rec.rejected
                   if r.gpu == "h100-sxm" and r.precision == "bf16")


def _v4_flash_rows(engines):
    w = api.workload(models=["deepseek-v4-flash"], gpu_types=["rtx-pro-6000"], engines=engines)
    return [c for c in api.recommend(w).candidates if c.deployment == "self-hosted"]


def test_allowing_vllm_never_removes_the_rows_an_older_engine_alone_gives():
    """vLLM's recipe refuses DeepSeek V4 Flash on the RTX PRO 6000, and TensorRT-LLM's pinned release is too old for it:
    allowing vLLM beside TensorRT-LLM once dropped TensorRT-LLM (another engine was left) and then refused vLLM, so no
    row was left. The recipe screens first now: the rows are TensorRT-LLM's, with the same engine-support warning."""
    alone, both = _v4_flash_rows(["trtllm"]), _v4_flash_rows(["vllm", "trtllm"])
    assert alone and all(any(r.code == "engine-support" for r in c.reasons) for c in alone)
    assert [(c.engine, c.gpus, c.precision) for c in both] == [(c.engine, c.gpus, c.precision) for c in alone]
    assert all(any(r.code == "engine-support" for r in c.reasons) for c in both)


def test_estimate_defaults_to_an_engine_the_ranking_costs():
    """Models TensorRT-LLM's pinned release cannot load: ``estimate`` without an engine once picked TensorRT-LLM
    anyway, an engine the ranking never costs them on."""
    for model in ("qwen3.5-397b-a17b", "deepseek-v4-flash", "gemma-4-26b-a4b", "command-a-plus"):
        assert engine_support.too_old(model, "trtllm"), model
        assert api.estimate(model, "h200", gpus=8).engine != "trtllm", model


TRTLLM_1_0 = ("llama-3.1-8b", "llama-3.3-70b", "llama-3.1-405b", "llama-4-scout", "llama-4-maverick", "qwen3-30b-a3b",
              "qwen3-235b-a22b", "deepseek-r1", "deepseek-v3", "mixtral")


def test_estimate_keeps_tensorrt_llm_for_the_models_its_pinned_release_supports():
    """The contract: models TensorRT-LLM 1.0 supports keep it as ``estimate``'s default engine on NVIDIA data-centre
    GPUs in the formats it loads (FP4 on Blackwell only, which has FP4 tensor cores; FP8 where a checkpoint holds the
    weights, ``for_precision``: TensorRT-LLM does not quantize at load time)."""
    cat, checked = api.catalog(), 0
    for model in TRTLLM_1_0:
        ids = [m for m in cat.models if m == model or (model == "mixtral" and m.startswith("mixtral"))]
        assert ids, model
        for mid in ids:
            assert not engine_support.too_old(mid, "trtllm"), mid
            for gpu in ("h100-sxm", "h200", "b200"):
                for precision in ("fp8", "fp4", "nvfp4", "bf16"):
                    m, g = cat.models[mid], cat.gpus[gpu]
                    if (precision in ("fp4", "nvfp4") and gpu != "b200") or engine_support.no_checkpoint(m, g, precision):
                        continue
                    profile = engine_support.estimate_engine(cat, m, g, precision)
                    assert profile.id == "trtllm", (mid, gpu, precision, profile.id)
                    checked += 1
    assert checked >= 60


def test_a_model_newer_than_the_pinned_sglang_warns_on_sglang():
    """Gemma 4 came out after SGLang 0.5's pin was chosen (its vLLM recipe needs vLLM 0.19) and no SGLang release is
    recorded for it: its SGLang launch files must say so (a regression left them silent once RELEASES named only
    TensorRT-LLM for it)."""
    from advisor.deploy import VERSIONS
    from advisor.deploy.skypilot import launch_warnings

    w = api.workload(models=["gemma-4-26b-a4b"], engines=["sglang"], self_hosting="required")
    c = next(c for c in api.recommend(w).candidates if c.deployment == "self-hosted")
    lines = launch_warnings(c, w, api.catalog(), "sglang")
    assert any("gemma-4-26b-a4b" in x and VERSIONS["sglang"] in x for x in lines), lines
    # a model whose pinned releases are current (Llama 3.1 8B, vLLM 0.6 recipe) gets no such line
    w8 = api.workload(models=["llama-3.1-8b"], engines=["sglang"], self_hosting="required")
    c8 = next(c for c in api.recommend(w8).candidates if c.deployment == "self-hosted")
    assert not any("newer than" in x for x in launch_warnings(c8, w8, api.catalog(), "sglang"))


def test_engine_pins_come_from_the_deploy_versions():
    """One place names the engine releases (``advisor.deploy.VERSIONS``): the release screen and SkyPilot's installs
    read it."""
    from advisor.deploy import VERSIONS
    from advisor.deploy.skypilot import SETUP

    for engine in ("trtllm", "sglang"):
        name, series = engine_support.PINNED[engine]
        assert f"{name} {series}" == VERSIONS[engine]
    for engine, line in SETUP.items():
        assert line.endswith(f'=={VERSIONS[engine].rsplit(" ", 1)[1]}.*"'), line
    assert SETUP["trtllm"] == 'pip install "tensorrt_llm==1.0.*"' and SETUP["sglang"] == 'pip install "sglang[all]==0.5.*"'
