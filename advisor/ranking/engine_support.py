"""Engines that refuse a model on a GPU: the vLLM project's recipes mark some GPUs unsupported for some models
(``advisor.deploy.support``, with its sources). There vLLM is not ranked; another allowed engine may be, with a warning
that its support is not verified either; with no other engine allowed, the GPU is rejected saying why."""

from __future__ import annotations

from collections.abc import Callable

from advisor.deploy import release
from advisor.deploy.int4_formats import sglang_refusal
from advisor.deploy.support import SGLANG_ROCM_IMAGE, SGLANG_ROCM_VERSION, VLLM_RECIPES, vllm_support
from advisor.domain.precision import QUANTIZED_ONLINE, checkpoint_for, is_upcast
from advisor.domain.recommendation import Candidate, Reason, Rejection
from advisor.domain.serving import ServingProfile
from advisor.domain.specs import GpuSpec, ModelSpec

Screen = Callable[[list], list]


PINNED = {e: release(e) for e in ("trtllm", "sglang")}
"""The engine releases the launch files pin, (name, series), from ``advisor.deploy.VERSIONS`` (SkyPilot installs the
same series, ``tensorrt_llm==1.0.*`` and ``sglang[all]==0.5.*``, the newest release in it)."""

_QWEN35 = ("1.3", ("its Gated DeltaNet hybrid (Qwen3_5MoeForConditionalGeneration, February 2026) is not in "
                   "TensorRT-LLM 1.0 (2025); 1.3 release candidates load it: 1.3.0rc6 still failed (github "
                   "NVIDIA/TensorRT-LLM issue 11947, 2026-03-05), 1.3.0rc12 runs it (issue 13361, 2026-04-23), and a "
                   "Qwen3.5-397B-A17B deployment guide landed on main for B200/B300 (pull request 15111, 2026-06-08)"))
_V4 = ("1.3", ("its compressed sparse attention (DeepseekV4ForCausalLM, April 2026) is not in TensorRT-LLM 1.0 (2025); it "
               "was written on a feature branch (github NVIDIA/TensorRT-LLM issue 13431, pull request 13434) and runs on "
               "1.3 release candidates (1.3.0rc20: ai-dynamo/aiconfigurator issue 1480, 2026-08-04; 1.3.0rc24: "
               "TensorRT-LLM issue 18039, 2026-08-20)"))
_UNLISTED = ("", "it was released in 2026, after TensorRT-LLM 1.0 (2025), and no TensorRT-LLM release that lists it was found")
_SGL_QWEN35 = ("0.5", ("SGLang serves its Gated DeltaNet in python/sglang/srt/models/qwen3_5.py (github sgl-project/sglang "
                       "at commit e00930c5489053f26d86b179cee0d087f846acbb); the first 0.5 release with it is not recorded"))
_SGL_V4 = ("0.5.20", ("SGLang v0.5.20 registers DeepseekV4ForCausalLM (python/sglang/srt/models/deepseek_v4.py at tag v0.5.20 "
                      "of github sgl-project/sglang); the first 0.5 release with it is not recorded"))
RELEASES: dict[str, dict[str, tuple[str, str]]] = {
    "qwen3.5-397b-a17b": {"trtllm": _QWEN35, "sglang": _SGL_QWEN35},
    "qwen3.6-35b-a3b": {"trtllm": _QWEN35, "sglang": _SGL_QWEN35},
    "deepseek-v4-flash": {"trtllm": _V4, "sglang": _SGL_V4}, "deepseek-v4-pro": {"trtllm": _V4, "sglang": _SGL_V4},
    "gemma-4-26b-a4b": {"trtllm": _UNLISTED}, "command-a-plus": {"trtllm": _UNLISTED},
}
"""Catalog model -> engine -> (the release that runs it, "" where none is known; why, with its sources), read
2026-12-04, for the models released after an engine release the launch files pin. A release in the pinned series
(SGLang's ``0.5.*`` pin installs the newest 0.5 release) is a note for the launch files; a newer series (TensorRT-LLM
1.3 against the pinned 1.0), or none known, keeps the engine from being ranked as launchable (``screen``)."""


def _series(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in version.split(".") if x.isdigit())


def _pinned(engine: str, vendor: str) -> tuple[str, tuple[int, ...], str]:
    """(the pinned release as said, as a version tuple, where it is pinned): on AMD, SGLang runs from AMD's ROCm image,
    whose tag pins one release (``SGLANG_ROCM_VERSION``), not the newest of the series pip installs."""
    if engine == "sglang" and vendor == "amd":
        text = ".".join(map(str, SGLANG_ROCM_VERSION))
        return text, SGLANG_ROCM_VERSION, f"the ROCm image {SGLANG_ROCM_IMAGE} these files run"
    return PINNED[engine][1], _series(PINNED[engine][1]), "the release these files are written for"


def too_old(model: str, engine: str, vendor: str = "") -> bool:
    """Whether the release of ``engine`` the launch files pin on a GPU of ``vendor`` cannot load ``model``
    (``RELEASES``): a newer series than pinned, or, where one release is pinned (SGLang's ROCm image), a newer release."""
    need = RELEASES.get(model, {}).get(engine)
    if need is None:
        return False
    _, pinned, _ = _pinned(engine, vendor)
    return not need[0] or _series(need[0])[:len(pinned)] > pinned


def release_note(model: str, engine: str, vendor: str = "") -> str:
    """One line naming the ``engine`` release to install for ``model`` ("" where nothing is recorded): that the pinned
    release cannot load it and which can, or, within the pinned series, the release known to have it."""
    need = RELEASES.get(model, {}).get(engine)
    if need is None:
        return ""
    name = PINNED[engine][0]
    pinned, _, where = _pinned(engine, vendor)
    if not too_old(model, engine, vendor):
        return f"{model} needs a {name} release that has it: {need[1]}; install {name} {need[0]} or later"
    if engine == "sglang" and vendor == "amd":
        install = f"use a newer rocm/sgl-dev tag that carries {name} {need[0]} or later, or serve it on vLLM"
    elif need[0]:
        install = (f"install {name} {need[0]} or later (a {need[0]}.0 release candidate where no {need[0]} release is out) "
                   f"and check its flags against these")
    else:
        install = f"no {name} release is known to run it: serve it on vLLM"
    return f"{model} does not run on {name} {pinned}, {where}: {need[1]}; {install}"


def screen(model: ModelSpec, gpu: GpuSpec, profiles: tuple[ServingProfile, ...], provider: str,
           deployment: str) -> tuple[tuple[ServingProfile, ...], Screen]:
    """(the engines left to rank ``model`` on ``gpu``, what to apply to the results ranked with them). An engine whose
    pinned release cannot load the model (``RELEASES``) is dropped where another allowed engine is left, else its rows
    get an ``engine-support`` warning (so they rank after every row known to launch). vLLM's recipe screens first, so
    that vLLM refused on the GPU does not count as the engine left (which would drop the too-old one and leave none):
    results pass unchanged where it does not refuse the GPU (or vLLM is not allowed); else vLLM is dropped and each
    candidate gets an ``engine-support`` warning, and with no engine left the screen gives the rejection."""
    left, then = _vllm_screen(model, gpu, profiles, provider, deployment)
    if not any(too_old(model.id, p.id, gpu.vendor) for p in left):
        return left, then
    current = tuple(p for p in left if not too_old(model.id, p.id, gpu.vendor))
    if current:
        return current, then
    return left, lambda results: [_too_old(c, gpu.vendor) for c in then(results)]


def _too_old(c: Candidate | Rejection, vendor: str) -> Candidate | Rejection:
    line = (release_note(c.model, c.engine or "", vendor)
            if isinstance(c, Candidate) and too_old(c.model, c.engine or "", vendor) else "")
    if not line:
        return c
    return c.evolve(reasons=c.reasons + (Reason("engine-support", line, "warning", {"engine_release": c.engine}),))


def _vllm_screen(model: ModelSpec, gpu: GpuSpec, profiles: tuple[ServingProfile, ...], provider: str,
                 deployment: str) -> tuple[tuple[ServingProfile, ...], Screen]:
    if not any(p.id == "vllm" for p in profiles):
        return profiles, _same
    status, line = vllm_support(model.id, gpu.id)
    if status != "unsupported":
        return profiles, _same
    left = tuple(p for p in profiles if p.id != "vllm")
    if not left:
        refusal = Rejection(model=model.id, deployment=deployment, provider=provider, gpu=gpu.id,
                            reasons=(Reason("engine-unsupported", line, "decisive"),))
        return left, lambda results: [*results, refusal]
    return left, lambda results: [_unverified(c, line) for c in results]


def no_checkpoint(model: ModelSpec, gpu: GpuSpec, precision: str) -> bool:
    """No published checkpoint holds ``model``'s weights in ``precision`` (resolved for the GPU), and the weights are not
    the native ones nor an upcast of them: an engine must quantize them at load time, or someone must first."""
    if model.api_only or precision == model.native_precision:
        return False
    return not (checkpoint_for(model, precision, gpu.vendor) or is_upcast(precision, model.native_precision))


TRTLLM_LOADS = ("fp8", "nvfp4", "fp4", "mxfp4", "mxfp4-experts", "bf16", "fp16")
"""Weight formats TensorRT-LLM's PyTorch backend (1.0 and later) loads from a Hugging Face checkpoint: the native
weights and ModelOpt FP8 / NVFP4 (and gpt-oss's MXFP4). "The PyTorch backend supports FP8 and NVFP4 quantization ...
generated by TensorRT Model Optimizer" (github NVIDIA/TensorRT-LLM issue 5716, quoting its docs; issue 3701 lists the
rest as missing); loading an AutoGPTQ/AutoAWQ INT4 checkpoint is an open pull request (19442, 2026-09, dense layers
only). The INT4 checkpoints the catalog records are AWQ, GPTQ or compressed-tensors W4A16, served by vLLM, and by
SGLang but where ``deploy.int4_formats.sglang_refusal`` says otherwise. Read 2026-12-04."""


def for_precision(model: ModelSpec, gpu: GpuSpec, precision: str,
                  profiles: tuple[ServingProfile, ...]) -> tuple[ServingProfile, ...]:
    """The engines to cost ``precision`` on. TensorRT-LLM is left out where another allowed engine serves the weights
    and TensorRT-LLM could not load them as costed: FP8 weights no checkpoint holds (vLLM and SGLang quantize to FP8 at
    load time, ``--quantization fp8``; TensorRT-LLM takes pre-quantized ModelOpt checkpoints only), and INT4 weights,
    whose checkpoints are AWQ, GPTQ or compressed-tensors (``TRTLLM_LOADS``). SGLang is left out likewise where its build
    for the GPU's vendor cannot serve the published checkpoint's format (``sglang_cannot``). With no other engine
    allowed, every profile stays and the row carries the ``checkpoint`` warning (``explain.checkpoint_reasons``)."""
    if any(p.id == "trtllm" for p in profiles) and _trtllm_cannot(model, gpu, precision):
        profiles = _others(profiles, "trtllm", precision)
    if any(p.id == "sglang" for p in profiles) and sglang_cannot(model, gpu, precision):
        profiles = _others(profiles, "sglang", precision)
    return profiles


def _trtllm_cannot(model: ModelSpec, gpu: GpuSpec, precision: str) -> bool:
    if precision in QUANTIZED_ONLINE:
        return no_checkpoint(model, gpu, precision)
    return precision not in TRTLLM_LOADS


def _others(profiles: tuple[ServingProfile, ...], engine: str, precision: str) -> tuple[ServingProfile, ...]:
    """The allowed engines other than ``engine`` that serve ``precision``; all of ``profiles`` where there are none."""
    return tuple(p for p in profiles if p.id != engine and p.serves(precision)) or profiles


def sglang_cannot(model: ModelSpec, gpu: GpuSpec, precision: str) -> str:
    """Why SGLang cannot serve the published ``precision`` checkpoint of ``model`` on ``gpu`` as costed, with its
    source ("" where it can, or no published checkpoint is read: ``deploy.int4_formats.sglang_refusal``)."""
    held = checkpoint_for(model, precision, gpu.vendor) if precision == "int4" else ""
    return sglang_refusal(model.id, model.is_moe, held, gpu.vendor) if held else ""


def estimate_engine(catalog, model: ModelSpec, gpu: GpuSpec, precision: str) -> ServingProfile:
    """The engine an estimate assumes when none is named: one the ranking would cost ``precision`` on. The default
    engine where it serves the weights on this GPU and ``for_precision`` keeps it; else the first other engine that
    serves them (INT4 GPTQ/AWQ, and FP8 no checkpoint holds: vLLM or SGLang; FP8 on an A100, which lacks FP8 tensor
    cores that TensorRT-LLM needs: vLLM's weight-only FP8). With none, the default engine, whose estimate then warns
    that no deployment of it runs this. The ranking's screens apply first (``screen``: vLLM's recipe, then an engine
    whose pinned release cannot load the model), so the default is never an engine the ranking would not cost."""
    from advisor.physics.engines import default_engine, engines_for

    screened = screen(model, gpu, engines_for(catalog, gpu, (), precision), "", "self-hosted")[0]
    kept = for_precision(model, gpu, precision, screened)
    return kept[0] if kept else default_engine(catalog, gpu)


def unlisted_gpu(c: Candidate) -> list[Reason]:
    """A warning on a row ranked on vLLM where the model's vLLM recipe names the GPUs it verifies and this GPU is not
    among them (DeepSeek-V4-Flash: mi355x verified, mi350x not listed): read when a row's reasons are, so `recommend`
    says what `deploy` warns of. No warning where the recipe lists no GPUs at all (a dense model vLLM has long run), nor
    for a dense model with no recipe; an MoE model with none (Llama 4 Maverick) is warned of: its expert kernels per GPU
    are what a recipe verifies."""
    if c.engine != "vllm" or not c.gpu:
        return []
    recipe = VLLM_RECIPES.get(c.model)
    if (recipe is None and c.architecture != "moe") or (recipe is not None and not recipe.hardware):
        return []
    status, line = vllm_support(c.model, c.gpu)
    if status != "unverified":
        return []
    return [Reason("engine-unverified", f"{line}: the row is costed as if it runs; try it before you sign", "warning",
                   {"vllm_recipe": "unverified"})]


def _same(results: list) -> list:
    return results


def _unverified(c: Candidate | Rejection, line: str) -> Candidate | Rejection:
    if not isinstance(c, Candidate):
        return c
    return c.evolve(reasons=c.reasons + (Reason(
        "engine-support", f"{line}; ranked on {c.engine or 'another engine'}, whose support for {c.model} on {c.gpu} is not "
        f"verified either: try it before you sign", "warning", {"vllm_recipe": "unsupported"}),))
