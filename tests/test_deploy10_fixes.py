"""deploy, review fixes: memory settings that hold the runtime reserve in each engine's own terms, LoRA plans in
the launch files, reasoning rows launched at the context they were costed at, the vLLM a model needs and the
ROCm image on AMD GPUs, and unverified support said in the file and the deploy output."""

from __future__ import annotations

import shlex

import pytest

from advisor import api
from advisor.cli import main
from advisor.deploy import support
from advisor.deploy.engines import VLLM_LORA_RANKS, vllm_lora_rank
from advisor.deploy.plan import (
    TRTLLM_MAX_FREE_FRACTION,
    VLLM_MAX_UTILIZATION,
    GpuMemory,
    plan_for,
)
from advisor.deploy.skypilot import launch_warnings, render
from advisor.physics import lora
from advisor.physics.engines import engine_profile
from advisor.ranking.modes import scaled_workload


def _argv(script: str) -> list[str]:
    body = " ".join(ln.rstrip("\\") for ln in script.splitlines() if ln.strip() and not ln.startswith("#")
                    and ln.strip() not in ("set -euo pipefail", "wait"))
    return [a for a in shlex.split(body) if a != "&"]


def _flag(argv, name):
    return argv[argv.index(name) + 1]


def _values(argv, name):
    """Every value after ``name`` up to the next flag (or the next shell expansion, such as the LoRA placeholder)."""
    i = argv.index(name) + 1
    out = []
    while i < len(argv) and not argv[i].startswith(("--", "${")):
        out.append(argv[i])
        i += 1
    return out


@pytest.fixture(scope="module")
def kimi():
    w = api.workload(models=["kimi-k2"], gpu_types=["h100-sxm"], precisions=["fp8"], self_hosting="required", max_gpus=16)
    return w, api.recommend(w).candidates[0]


# ---------------------------------------------------------------------------------------------- 1. memory


def test_vllm_budget_holds_weights_runtime_reserve_and_planned_kv(kimi):
    """The reviewer's case: (weights + KV) / memory gave 0.77, 66 GB of budget for 64.5 GB of weights. The budget must
    hold the weights, the activation peak, the fixed overhead and the planned KV cache, and be no less than vLLM's
    default."""
    w, c = kimi
    cat = api.catalog()
    p = plan_for(c, w, cat)
    util = float(_flag(_argv(render(c, w, cat, "vllm")["serve.sh"]), "--gpu-memory-utilization"))
    m = p.memory
    assert m.weights == c.memory.weights_bytes // c.gpus and m.kv_need == c.memory.kv_cache_bytes // c.gpus
    assert m.activation > 0 and m.fixed > 0
    assert util * m.capacity >= m.weights + m.adapters + m.activation + m.fixed + m.kv_need
    assert util >= p.default_fractions["vllm"] == engine_profile(cat, cat.gpus[c.gpu], "vllm").memory.kv_cache_fraction
    assert util * m.capacity - m.weights > 0.1 * m.capacity  # room for activations and KV, not 1.6 GB


def test_sglang_static_fraction_leaves_the_activations_outside(kimi):
    w, c = kimi
    p = plan_for(c, w, api.catalog())
    frac = float(_flag(_argv(render(c, w, api.catalog(), "sglang")["serve.sh"]), "--mem-fraction-static"))
    m = p.memory
    assert frac * m.capacity >= m.weights + m.kv_need
    assert (1 - frac) * m.capacity >= m.activation + m.fixed


def test_memory_settings_in_each_engines_terms():
    """Hand-built GPU: 100 bytes, 60 weights, 5 activations, 5 fixed. vLLM counts everything against the total;
    SGLang's static pool holds weights + KV and leaves activations outside; TensorRT-LLM's fraction is of the 30
    bytes free after weights and reserve."""
    def g(kv):
        return GpuMemory(capacity=100, weights=60, adapters=0, activation=5, fixed=5, kv_need=kv)

    v = g(20).setting("vllm", 0.9)
    assert v.need == pytest.approx(0.90) and v.value == pytest.approx(0.90) and not v.note
    v = g(24).setting("vllm", 0.9)
    assert v.value == pytest.approx(0.94) and not v.note
    v = g(30).setting("vllm", 0.9)
    assert v.value == VLLM_MAX_UTILIZATION and "lower the batch" in v.note
    s = g(20).setting("sglang", 0.88)
    assert s.need == pytest.approx(0.80) and s.value == pytest.approx(0.88)
    s = g(29).setting("sglang", 0.88)
    assert s.value == pytest.approx(0.89) and not s.note
    s = g(35).setting("sglang", 0.88)
    assert s.value == pytest.approx(0.90) and s.note  # 10 bytes stay for activations and graphs
    t = g(15).setting("trtllm", 0.9)
    assert t.need == pytest.approx(0.5) and t.value == pytest.approx(0.9)
    t = g(29).setting("trtllm", 0.9)
    assert t.value == TRTLLM_MAX_FREE_FRACTION and "free" in t.note


def test_a_capped_memory_setting_is_not_called_enough(kimi):
    """When the plan needs more than the ceiling written (vLLM 0.95), the line naming the setting says it is capped and
    the engine gets less KV cache, not "the engine's default or more, the surplus going to KV cache"."""
    import dataclasses

    from advisor.deploy.engines import notes

    w, c = kimi
    p = plan_for(c, w, api.catalog())
    m = p.memory
    over = dataclasses.replace(m, kv_need=m.capacity - m.weights - m.adapters - m.activation - m.fixed)  # needs 100%
    line = next(x for x in notes(dataclasses.replace(p, memory=over), "vllm") if x.startswith("--gpu-memory-utilization"))
    assert line.startswith(f"--gpu-memory-utilization {VLLM_MAX_UTILIZATION:.2f}, the most") and "less KV cache" in line
    assert "surplus" not in line
    fine = next(x for x in notes(p, "vllm") if x.startswith("--gpu-memory-utilization"))
    assert "surplus going to KV cache" in fine and "less KV cache" not in fine


def test_trtllm_free_fraction_holds_the_planned_kv(kimi):
    w, c = kimi
    p = plan_for(c, w, api.catalog())
    opts = render(c, w, api.catalog(), "trtllm")["trtllm-options.yaml"]
    frac = float(next(ln for ln in opts.splitlines() if "free_gpu_memory_fraction" in ln).split(":")[1])
    m = p.memory
    assert frac * (m.capacity - m.weights - m.adapters - m.activation - m.fixed) >= m.kv_need


# ---------------------------------------------------------------------------------------------- 2. LoRA


@pytest.fixture(scope="module")
def lora_case():
    w = api.preset("steady-latency")
    rec = api.recommend(w)
    return rec.workload, rec.candidates[0]


def test_lora_plan_reaches_every_engine(lora_case):
    w, c = lora_case
    plan = lora.plan_for(w)
    assert plan and plan.adapters >= 1
    reason = next(r for r in c.reasons if r.code == "multi-lora")
    assert (reason.numbers["lora_adapters"], reason.numbers["lora_rank"]) == (plan.adapters, plan.rank)
    cat = api.catalog()
    v = _argv(render(c, w, cat, "vllm")["serve.sh"])
    assert "--enable-lora" in v and int(_flag(v, "--max-loras")) == plan.adapters
    assert int(_flag(v, "--max-lora-rank")) == vllm_lora_rank(plan.rank) >= plan.rank
    assert int(_flag(v, "--max-cpu-loras")) >= int(_flag(v, "--max-loras"))
    s = _argv(render(c, w, cat, "sglang")["serve.sh"])
    assert "--enable-lora" in s and int(_flag(s, "--max-loras-per-batch")) == plan.adapters
    assert int(_flag(s, "--max-lora-rank")) == plan.rank
    assert _values(s, "--lora-target-modules") == (["all"] if plan.targets == "all" else ["q_proj", "k_proj", "v_proj", "o_proj"])
    files = render(c, w, cat, "trtllm")
    opts = files["trtllm-options.yaml"]
    assert "lora_config:" in opts and f"  max_loras: {plan.adapters}" in opts and f"  max_lora_rank: {plan.rank}" in opts
    assert "lora_dir" in files["serve.sh"]  # the notes say where the adapters go
    try:
        import yaml
    except ImportError:
        return
    assert yaml.safe_load(opts)["lora_config"]["max_cpu_loras"] == plan.adapters


def test_no_lora_flags_without_adapters(kimi):
    w, c = kimi
    assert lora.plan_for(w) is None
    for target in ("vllm", "sglang"):
        assert "--enable-lora" not in render(c, w, api.catalog(), target)["serve.sh"]
    assert "lora_config" not in render(c, w, api.catalog(), "trtllm")["trtllm-options.yaml"]


def test_vllm_lora_rank_rounds_up_to_an_accepted_rank():
    assert [vllm_lora_rank(r) for r in (1, 8, 9, 16, 17, 200, 321)] == [1, 8, 16, 16, 32, 256, 512]
    assert all(vllm_lora_rank(r) in VLLM_LORA_RANKS for r in range(1, 600, 7))


# ---------------------------------------------------------------------------------------------- 3. reasoning


def test_reasoning_row_launches_for_the_tail_of_its_thinking():
    """Costed at the mean thinking length; launched for REASONING_TAIL times it (an answer cut at max_model_len is lost)."""
    from advisor.deploy.plan import REASONING_TAIL

    w = api.workload(models=["deepseek-r1"], gpu_types=["h200"], precisions=["fp8"], self_hosting="required")
    c = api.recommend(w).candidates[0]
    assert c.mode == "reasoning"
    costed = scaled_workload(w, api.catalog().quality_modes[c.model][c.mode]).context_max_tokens
    assert costed > w.context_max_tokens
    launch = min(api.catalog().model(c.model).max_position_embeddings,
                 w.context_max_tokens + REASONING_TAIL * (costed - w.context_max_tokens))
    assert launch > costed
    text = render(c, w, api.catalog(), "vllm")["serve.sh"]
    assert int(_flag(_argv(text), "--max-model-len")) == launch
    assert int(_flag(_argv(render(c, w, api.catalog(), "sglang")["serve.sh"]), "--context-length")) == launch
    opts = render(c, w, api.catalog(), "trtllm")["trtllm-options.yaml"]
    assert f"max_seq_len: {launch}" in opts and "enable_chunked_prefill: true" in opts
    assert f"plus {launch - w.context_max_tokens:,} for thinking" in text


def test_non_reasoning_row_keeps_the_workload_context():
    w = api.workload(models=["deepseek-v4-flash"], gpu_types=["h200"], self_hosting="required", engines=["vllm"])
    c = next(x for x in api.recommend(w).candidates if x.mode == "non-reasoning")
    assert int(_flag(_argv(render(c, w, api.catalog(), "vllm")["serve.sh"]), "--max-model-len")) == w.context_max_tokens


# ---------------------------------------------------------------------------------------------- 4. versions, AMD


def test_skypilot_pins_the_models_minimum_vllm_on_nvidia():
    w = api.workload(models=["deepseek-v4-flash"], gpu_types=["h200"], self_hosting="required", engines=["vllm"])
    c = api.recommend(w).candidates[0]
    assert c.engine == "vllm"
    y = render(c, w, api.catalog(), "skypilot")["service.yaml"]
    need = support.VLLM_RECIPES["deepseek-v4-flash"].min_vllm
    assert need > support.BASE_VLLM
    assert f'pip install "vllm=={need[0]}.{need[1]}.*"' in y and 'vllm==0.12.*' not in y
    assert "image_id" not in y


def test_amd_skypilot_runs_the_rocm_image_and_says_unsupported():
    # the ranking no longer puts vLLM on a GPU its recipe refuses (tests/test_engine_support_ranking.py): a vLLM row on
    # the MI325X, moved to the MI300X, is what a hand-made plan for that GPU would be
    w = api.workload(models=["deepseek-v4-flash"], gpu_types=["mi325x"], self_hosting="required", engines=["vllm"])
    c = api.recommend(w).candidates[0].evolve(gpu="mi300x")
    assert api.catalog().gpus[c.gpu].vendor == "amd" and c.engine == "vllm"
    y = render(c, w, api.catalog(), "skypilot")["service.yaml"]
    assert 'pip install "vllm' not in y  # the CUDA wheel does not run on ROCm
    image = next(ln.split("docker:", 1)[1].split()[0] for ln in y.splitlines() if ln.strip().startswith("image_id: docker:"))
    repo, tag = image.split(":")
    assert repo == support.VLLM_ROCM_IMAGE
    assert tuple(int(x) for x in tag.lstrip("v").split(".")) >= support.VLLM_RECIPES["deepseek-v4-flash"].min_vllm
    assert "WARNING: deepseek-v4-flash on mi300x: the vLLM recipe marks this GPU unsupported" in y
    try:
        import yaml
    except ImportError:
        return
    assert yaml.safe_load(y)["resources"]["image_id"] == f"docker:{image}"


def test_unverified_gpu_is_said_in_the_file_and_the_deploy_output(kimi, capsys):
    w, c = kimi
    assert support.vllm_support("kimi-k2", "h100-sxm")[0] == "unverified"
    assert support.vllm_support("kimi-k2", "h200")[0] == "verified"
    assert any("unverified" in x for x in launch_warnings(c, w, api.catalog(), "vllm"))
    assert main(["deploy", "--target", "vllm", "--models", "kimi-k2", "--gpu-types", "h100-sxm", "--precisions", "fp8",
                 "--self-hosting", "required", "--max-gpus", "16"]) == 0
    out, err = capsys.readouterr()
    assert "# WARNING: kimi-k2 on h100-sxm" in out and "unverified" in out
    assert "moe-advisor: warning: kimi-k2 on h100-sxm" in err


def test_verified_gpu_gets_no_support_warning():
    w = api.workload(models=["deepseek-r1"], gpu_types=["h200"], precisions=["fp8"], self_hosting="required")
    c = api.recommend(w).candidates[0]
    assert not [x for x in launch_warnings(c, w, api.catalog(), "vllm") if "recipe" in x]


def test_recipe_table_is_consistent():
    cat = api.catalog()
    for model, r in support.VLLM_RECIPES.items():
        assert model in cat.models and r.url.startswith("https://github.com/vllm-project/recipes/blob/")
        # the recipe is named after the model (the instruct repo's recipe may drop the "-Instruct")
        repo = cat.models[model].hf_repo.split("/")[1]
        assert r.path.endswith((repo + ".yaml", repo.removesuffix("-Instruct") + ".yaml"))
        assert set(r.hardware.values()) <= {"verified", "unsupported"}
        assert support.vllm_minimum(model) >= support.BASE_VLLM


def test_a_model_newer_than_the_pinned_releases_is_warned_about_on_every_engine():
    w = api.workload(models=["deepseek-v4-flash"], gpu_types=["b200"], self_hosting="required")
    c = api.recommend(w).candidates[0]
    # each engine's own release, never another engine's version (review 3, finding 4)
    trt = launch_warnings(c, w, api.catalog(), "trtllm")
    assert any("does not run on TensorRT-LLM 1.0" in x and "install TensorRT-LLM 1.3 or later" in x for x in trt), trt
    sgl = launch_warnings(c, w, api.catalog(), "sglang")
    assert any("install SGLang 0.5.20 or later" in x for x in sgl), sgl
    assert not any("vLLM" in x for x in trt + sgl if "TensorRT-LLM 1.0" in x or "SGLang 0.5.20" in x)
    old = api.workload(models=["llama-3.3-70b"], gpu_types=["h100-sxm"], self_hosting="required")
    said = launch_warnings(api.recommend(old).candidates[0], old, api.catalog(), "trtllm")
    assert not any("needs vLLM" in x or "TensorRT-LLM 1.3" in x for x in said)
