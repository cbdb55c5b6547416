"""Which vLLM a model needs, and whether a GPU is known to run it: the launch files pin at least that version and
say so where support on the chosen GPU is unverified or refused.

Source: the vLLM project's own recipes, one YAML per model with ``model.min_vllm_version`` and a ``meta.hardware``
table of ``verified`` / ``unsupported`` per GPU (https://github.com/vllm-project/recipes, ``models/<org>/<repo>.yaml``
at commit 8959cf64189c71d36e11c6a30335f923f261b1f7 of 2026-08-21, read 2026-12-04). Only recipes for the catalog
model's own repository are used (a recipe for a later checkpoint of the same family, e.g. Qwen3-235B-A22B-Instruct-2507
for Qwen3-235B-A22B, is not); a model without one gets no minimum and an "unverified" note.

AMD images. The CUDA wheel (``pip install vllm``) does not run on ROCm; the vLLM project publishes a ROCm build of
its OpenAI server as ``vllm/vllm-openai-rocm`` with release tags (``v0.15.1``, ``v0.20.2``, ``v0.22.1`` are used in
the recipes above: GLM/GLM.md, models/inclusionAI/Ling-2.6-flash.yaml, models/Qwen/Qwen3-VL-235B-A22B-Instruct.yaml).
AMD's own ``rocm/vllm`` images carry older vLLM (``rocm/vllm:rocm7.0.0_vllm_0.10.2_20251006`` on
https://www.amd.com/en/developer/resources/rocm-hub/dev-ai/performance-results.html; ``rocm7.0.0_vllm_0.11.2_20251210``
in https://github.com/ROCm/amdgpu-docs/issues/88), older than the vLLM 0.12 flags written here, so the upstream
image is pinned. SGLang: AMD's ROCm build ``rocm/sgl-dev:v0.5.13.post1-ubuntu24.04-py3.14-rocm7.14``
(https://rocm.docs.amd.com/projects/ai-ecosystem/en/latest/inference/sglang.html, read 2026-12-04).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

RECIPES = "https://github.com/vllm-project/recipes/blob/8959cf64189c71d36e11c6a30335f923f261b1f7/"
AS_OF = "2026-12-04"
BASE_VLLM = (0, 12)
"""The vLLM whose flags the files are written for (``advisor.deploy.VERSIONS``)."""

VLLM_ROCM_IMAGE = "vllm/vllm-openai-rocm"
VLLM_ROCM_TAGS = ((0, 15, 1), (0, 20, 2), (0, 22, 1))
"""Release tags of the upstream ROCm image seen in the vLLM recipes (module docstring)."""
SGLANG_ROCM_IMAGE = "rocm/sgl-dev:v0.5.13.post1-ubuntu24.04-py3.14-rocm7.14"

GPU_KEYS = {"h100-sxm": "h100", "h100-pcie": "h100", "h200": "h200", "b200": "b200", "b300": "b300", "gh200": "gh200",
            "a100-80gb": "a100", "a100-40gb": "a100", "mi300x": "mi300x", "mi325x": "mi325x", "mi355x": "mi355x",
            "rtx-pro-6000": "rtx_pro_6000", "rtx-5090": "rtx_5090"}
"""Catalog GPU id -> the recipes' hardware key."""


@dataclass(frozen=True)
class Recipe:
    min_vllm: tuple[int, ...]
    path: str
    """The recipe file under ``RECIPES``."""
    hardware: dict[str, str]
    """Recipe hardware key -> ``verified`` or ``unsupported`` (keys it does not list: unverified)."""

    @property
    def url(self) -> str:
        return RECIPES + self.path


_V = "verified"
_NO = "unsupported"
VLLM_RECIPES: dict[str, Recipe] = {
    "deepseek-r1": Recipe((0, 12, 0), "models/deepseek-ai/DeepSeek-R1.yaml",
                          {"h200": _V, "b200": _V, "mi300x": _V, "mi325x": _V, "mi355x": _V}),
    "deepseek-v3": Recipe((0, 12, 0), "models/deepseek-ai/DeepSeek-V3.yaml",
                          {"h200": _V, "b200": _V, "mi300x": _V, "mi325x": _V, "mi355x": _V}),
    "deepseek-v4-flash": Recipe((0, 20, 0), "models/deepseek-ai/DeepSeek-V4-Flash.yaml",
                                {"h200": _V, "b200": _V, "b300": _V, "mi300x": _NO, "mi325x": _V, "mi355x": _V}),
    "deepseek-v4-pro": Recipe((0, 20, 0), "models/deepseek-ai/DeepSeek-V4-Pro.yaml",
                              {"h200": _V, "b200": _V, "b300": _V, "mi300x": _NO, "mi325x": _NO, "mi355x": _V}),
    "kimi-k2": Recipe((0, 12, 0), "models/moonshotai/Kimi-K2-Instruct.yaml",
                      {"h200": _V, "mi300x": _V, "mi325x": _V, "mi355x": _V}),
    "llama-4-scout": Recipe((0, 12, 0), "models/meta-llama/Llama-4-Scout-17B-16E-Instruct.yaml",
                            {"h100": _V, "b200": _V, "mi300x": _V, "mi325x": _V, "mi355x": _V}),
    "qwen3-30b-a3b": Recipe((0, 8, 5), "models/Qwen/Qwen3-30B-A3B.yaml", {}),
    "gpt-oss-20b": Recipe((0, 10, 0), "models/openai/gpt-oss-20b.yaml",
                          {"h100": _V, "h200": _V, "b200": _V, "mi300x": _V, "mi325x": _V, "mi355x": _V}),
    "gpt-oss-120b": Recipe((0, 10, 0), "models/openai/gpt-oss-120b.yaml",
                           {"h100": _V, "h200": _V, "b200": _V, "mi300x": _V, "mi325x": _V, "mi355x": _V}),
    "qwen3.5-397b-a17b": Recipe((0, 17, 0), "models/Qwen/Qwen3.5-397B-A17B.yaml",
                                {"h200": _V, "mi300x": _V, "mi325x": _V, "mi355x": _V}),
    "qwen3.6-35b-a3b": Recipe((0, 17, 0), "models/Qwen/Qwen3.6-35B-A3B.yaml",
                              {"h100": _V, "h200": _V, "mi300x": _V, "mi325x": _V, "mi355x": _V, "rtx_pro_6000": _V,
                               "rtx_5090": _V}),
    "gemma-4-26b-a4b": Recipe((0, 19, 1), "models/Google/gemma-4-26B-A4B-it.yaml",
                              {"h100": _V, "h200": _V, "mi300x": _V, "mi325x": _V, "mi355x": _V, "rtx_pro_6000": _V,
                               "rtx_5090": _V}),
    "llama-3.1-8b": Recipe((0, 6, 0), "models/meta-llama/Llama-3.1-8B.yaml", {}),
    "llama-3.3-70b": Recipe((0, 12, 0), "models/meta-llama/Llama-3.3-70B-Instruct.yaml",
                            {"h100": _V, "h200": _V, "b200": _V, "mi300x": _V, "mi325x": _V, "mi355x": _V}),
}
"""Catalog model id -> its vLLM recipe (hardware as the recipe lists it; GPUs the catalog lacks left out)."""


def version_text(v: tuple[int, ...]) -> str:
    return ".".join(map(str, v))


def vllm_minimum(model: str) -> tuple[int, ...]:
    """The vLLM a launch file pins at least: the recipe's minimum, never older than ``BASE_VLLM``."""
    r = VLLM_RECIPES.get(model)
    return max(BASE_VLLM, r.min_vllm[:2]) if r else BASE_VLLM


def vllm_pin(model: str) -> str:
    """``vllm==X.Y.*`` for the model: the series of its recipe's minimum, or the base series."""
    return f"vllm=={version_text(vllm_minimum(model)[:2])}.*"


def vllm_rocm_image(model: str) -> str:
    """The oldest tagged upstream ROCm image at or above the model's minimum (``latest`` when none is known)."""
    need = vllm_minimum(model)
    tag = next((t for t in VLLM_ROCM_TAGS if t[:2] >= need[:2]), None)
    return f"{VLLM_ROCM_IMAGE}:{'v' + version_text(tag) if tag else 'latest'}"


@lru_cache(maxsize=4096)  # read per model and GPU by every ranking (ranking/engine_support.py)
def vllm_support(model: str, gpu: str) -> tuple[str, str]:
    """(``verified``, ``unsupported`` or ``unverified``, one line saying so with its source)."""
    r = VLLM_RECIPES.get(model)
    if r is None:
        return "unverified", f"no vLLM recipe for {model} was found, so vLLM support on {gpu} is unverified"
    status = r.hardware.get(GPU_KEYS.get(gpu, gpu), "unverified")
    floor = f"vLLM >= {version_text(r.min_vllm)}"
    if status == _V:
        return status, f"{model} on {gpu}: verified in the vLLM recipe ({floor}; {r.url})"
    if status == _NO:
        return status, f"{model} on {gpu}: the vLLM recipe marks this GPU unsupported ({r.url}); expect it not to start"
    return "unverified", f"{model} on {gpu}: not among the GPUs the vLLM recipe verifies ({floor}; {r.url}), unverified"
