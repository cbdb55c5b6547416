"""Which vLLM a model needs, and whether a GPU is known to run it: the launch files pin at least that version and
say so where support on the chosen GPU is unverified or refused.

Source: the vLLM project's own recipes, one YAML per model with ``model.min_vllm_version`` and a ``meta.hardware``
table of ``verified`` / ``unsupported`` per GPU (https://github.com/vllm-project/recipes, ``models/<org>/<repo>.yaml``
at commit 8959cf64189c71d36e11c6a30335f923f261b1f7 of 2026-08-21, read 2026-12-04). Only recipes for the catalog
model's own repository are used (a recipe for a later checkpoint of the same family, e.g. Qwen3-235B-A22B-Instruct-2507
for Qwen3-235B-A22B, is not); a model without one gets no minimum and an "unverified" note. Where the engine names a
lowest GPU generation for a model (``Recipe.min_capability``), an NVIDIA GPU older than it is ``unsupported``, not
unverified: the kernels the model needs do not exist for it.

TensorRT-LLM. Its per-model deployment guides name the GPUs and the MoE backend per GPU generation
(``TRTLLM_GUIDES``); a GPU a guide does not list is unverified, as for vLLM.

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
SGLANG_ROCM_VERSION = (0, 5, 13)
"""The SGLang release in ``SGLANG_ROCM_IMAGE`` (its tag)."""

GPU_KEYS = {"h100-sxm": "h100", "h100-pcie": "h100", "h200": "h200", "b200": "b200", "b300": "b300", "gh200": "gh200",
            "a100-80gb": "a100", "a100-40gb": "a100", "mi300x": "mi300x", "mi325x": "mi325x", "mi355x": "mi355x",
            "rtx-pro-6000": "rtx_pro_6000", "rtx-5090": "rtx_5090"}
"""Catalog GPU id -> the recipes' hardware key."""


COMPUTE_CAPABILITY = {"a10": (8, 6), "a100-40gb": (8, 0), "a100-80gb": (8, 0), "l4": (8, 9), "l40s": (8, 9), "rtx-4090": (8, 9),
                      "h100-sxm": (9, 0), "h100-pcie": (9, 0), "h200": (9, 0), "gh200": (9, 0), "b200": (10, 0),
                      "b300": (10, 3), "rtx-pro-6000": (12, 0), "rtx-5090": (12, 0)}
"""Catalog NVIDIA GPU id -> CUDA compute capability (https://developer.nvidia.com/cuda-gpus, read 2026-12-04): 8.x
Ampere/Ada, 9.0 Hopper, 10.x datacenter Blackwell, 12.0 RTX Blackwell. A GPU not listed is never refused by it."""


def generation(capability: tuple[int, int]) -> str:
    if capability >= (8, 9) and capability[0] == 8:
        return "Ada"
    return {8: "Ampere", 9: "Hopper", 10: "Blackwell", 12: "RTX Blackwell"}.get(capability[0], f"SM{capability[0]}x")


@dataclass(frozen=True)
class Recipe:
    min_vllm: tuple[int, ...]
    path: str
    """The recipe file under ``RECIPES``."""
    hardware: dict[str, str]
    """Recipe hardware key -> ``verified`` or ``unsupported`` (keys it does not list: unverified)."""
    min_capability: tuple[int, int] = (0, 0)
    """The oldest NVIDIA compute capability the engine runs the model on (``COMPUTE_CAPABILITY``; (0, 0): none named)."""
    min_source: str = ""
    """Where that floor is stated."""
    without: tuple[tuple[int, int], ...] = ()
    """Compute capabilities at or above the floor the engine still has no kernel for (RTX Blackwell's 12.0 for FlashMLA)."""

    @property
    def url(self) -> str:
        return RECIPES + self.path


_V = "verified"
_NO = "unsupported"
_V4_FLOOR = ((9, 0), ("the recipe lists no NVIDIA GPU older than Hopper and writes per-generation options for hopper and "
             "blackwell only, and vLLM's DeepSeek-V4 attention runs on FlashMLA, whose kernels need SM90 or SM100 "
             "(Requirements, https://github.com/deepseek-ai/FlashMLA/blob/066b5ba6f63d9d0840eac008fe58a1f70acfac78/README.md; "
             "vLLM 0.22.1's DeepSeek-V4 NVIDIA backend is flashmla only, "
             "https://docs.vllm.ai/en/v0.22.1/api/vllm/models/deepseek_v4/nvidia/; both read 2026-12-04)"))
"""The lowest generation vLLM runs DeepSeek-V4 on: Hopper (no Ampere or Ada kernel; RTX Blackwell, SM120, only with
later kernels: https://github.com/vllm-project/vllm/issues/40928)."""
_SM12 = ((12, 0), (12, 1))
VLLM_RECIPES: dict[str, Recipe] = {
    "deepseek-r1": Recipe((0, 12, 0), "models/deepseek-ai/DeepSeek-R1.yaml",
                          {"h200": _V, "b200": _V, "mi300x": _V, "mi325x": _V, "mi355x": _V}),
    "deepseek-v3": Recipe((0, 12, 0), "models/deepseek-ai/DeepSeek-V3.yaml",
                          {"h200": _V, "b200": _V, "mi300x": _V, "mi325x": _V, "mi355x": _V}),
    "deepseek-v4-flash": Recipe((0, 20, 0), "models/deepseek-ai/DeepSeek-V4-Flash.yaml",
                                {"h200": _V, "b200": _V, "b300": _V, "mi300x": _NO, "mi325x": _V, "mi355x": _V}, *_V4_FLOOR,
                                _SM12),
    "deepseek-v4-pro": Recipe((0, 20, 0), "models/deepseek-ai/DeepSeek-V4-Pro.yaml",
                              {"h200": _V, "b200": _V, "b300": _V, "mi300x": _NO, "mi325x": _NO, "mi355x": _V}, *_V4_FLOOR,
                              _SM12),
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


def version_tuple(text: str) -> tuple[int, ...]:
    """"0.5.20" -> (0, 5, 20)."""
    return tuple(int(x) for x in text.split(".") if x.isdigit())


def version_text(v: tuple[int, ...]) -> str:
    return ".".join(map(str, v))


STREAMING_FP8_VLLM = (0, 16)
"""The vLLM a launch file pins at least where it quantizes bf16 weights to FP8 at load time and the bf16 weights of one
GPU outgrow its memory. Online FP8 quantization used to read every bf16 weight onto the GPU before quantizing ("you
need enough memory to load the whole model", https://github.com/vllm-project/vllm/issues/4387); pull request 31914
(https://github.com/vllm-project/vllm/pull/31914, January 2026) creates the weights on the meta device and quantizes
each as it is read, and pull request 32773 (2026-01-21) states that 0.13.0 and 0.14.0 still run out of memory. 0.16 is
the first series released after the streaming load was on main (pull request 33814 of 2026-02-04 builds on it); 0.15
may or may not hold it, so it is not relied on."""


CHUNKED_KV_VLLM = (0, 14)
"""The vLLM a launch file pins at least where the row was costed with one chunk of KV on chunked-attention layers
(Llama 4; catalogs/engine.toml ``[engines.vllm.chunked_attention]``, read in each release's wheel): 0.10.1-0.13.0 set
``VLLM_ALLOW_CHUNKED_LOCAL_ATTN_WITH_HYBRID_KV_CACHE`` to 0 by default, which turns the hybrid KV cache manager off
for such a model and keeps full KV on every layer, so the batch the bill assumes would not fit; 0.14.0 defaults it to 1
(https://github.com/vllm-project/vllm/blob/v0.14.0/vllm/envs.py)."""


def vllm_minimum(model: str, streaming_fp8: bool = False, chunked_kv: bool = False) -> tuple[int, ...]:
    """The vLLM a launch file pins at least: the recipe's minimum, never older than ``BASE_VLLM``, nor than
    ``STREAMING_FP8_VLLM`` where the plan needs FP8 quantized while loading (``EnginePlan.load_peak_bytes``), nor than
    ``CHUNKED_KV_VLLM`` where its KV was sized with one chunk on chunked-attention layers (``EnginePlan.chunked_kv``)."""
    r = VLLM_RECIPES.get(model)
    least = (r.min_vllm if r.min_vllm[2:3] != (0,) else r.min_vllm[:2]) if r else BASE_VLLM  # 0.19.1 kept, 0.12.0 as 0.12
    need = max(BASE_VLLM, least)
    need = max(need, STREAMING_FP8_VLLM) if streaming_fp8 else need
    return max(need, CHUNKED_KV_VLLM) if chunked_kv else need


def vllm_pin(model: str, streaming_fp8: bool = False, chunked_kv: bool = False) -> str:
    """``vllm==X.Y.*`` for the model: the series of ``vllm_minimum``; ``vllm~=X.Y.Z`` (at least that patch release, in
    its series: PEP 440's compatible release) where the minimum is a patch release."""
    need = vllm_minimum(model, streaming_fp8, chunked_kv)
    return f"vllm~={version_text(need[:3])}" if len(need) > 2 and need[2] else f"vllm=={version_text(need[:2])}.*"


def vllm_rocm_image(model: str, streaming_fp8: bool = False, chunked_kv: bool = False) -> str:
    """The oldest tagged upstream ROCm image at or above the model's minimum (``latest`` when none is known)."""
    need = vllm_minimum(model, streaming_fp8, chunked_kv)
    tag = next((t for t in VLLM_ROCM_TAGS if t >= need), None)  # (0, 19, 1) needs 0.19.1 or later, not 0.19.0
    return f"{VLLM_ROCM_IMAGE}:{'v' + version_text(tag) if tag else 'latest'}"


@lru_cache(maxsize=4096)  # read per model and GPU by every ranking (ranking/engine_support.py)
def vllm_support(model: str, gpu: str) -> tuple[str, str]:
    """(``verified``, ``unsupported`` or ``unverified``, one line saying so with its source)."""
    r = VLLM_RECIPES.get(model)
    if r is None:
        return "unverified", f"no vLLM recipe for {model} was found, so vLLM support on {gpu} is unverified"
    status = r.hardware.get(GPU_KEYS.get(gpu, gpu), "unverified")
    floor = f"vLLM >= {version_text(r.min_vllm)}"
    cc = COMPUTE_CAPABILITY.get(gpu)
    if status != _V and cc and cc in r.without:
        return _NO, (f"{model} on {gpu}: {gpu} is {generation(cc)} (compute capability {cc[0]}.{cc[1]}), which vLLM's "
                     f"kernels for this model do not cover: {r.min_source}; RTX Blackwell support is "
                     f"an open request (https://github.com/vllm-project/vllm/issues/40928); expect it not to start")
    if status != _V and cc and cc < r.min_capability:
        return _NO, (f"{model} on {gpu}: vLLM runs it on {generation(r.min_capability)} GPUs or newer and {gpu} is "
                     f"{generation(cc)} (compute capability {cc[0]}.{cc[1]}): {r.min_source} ({r.url}); expect it not to start")
    if status == _V:
        return status, f"{model} on {gpu}: verified in the vLLM recipe ({floor}; {r.url})"
    if status == _NO:
        return status, f"{model} on {gpu}: the vLLM recipe marks this GPU unsupported ({r.url}); expect it not to start"
    return "unverified", f"{model} on {gpu}: not among the GPUs the vLLM recipe verifies ({floor}; {r.url}), unverified"


@dataclass(frozen=True)
class Guide:
    """A TensorRT-LLM deployment guide for a model: the GPUs it names and the MoE backend per GPU generation."""

    url: str
    gpus: tuple[str, ...]
    """Catalog GPU ids the guide lists (others: unverified)."""
    moe_backend: dict[int, str]
    """Compute-capability major -> the ``moe_config.backend`` the guide names for it."""
    why: str


_GPT_OSS_GUIDE = Guide(
    "https://nvidia.github.io/TensorRT-LLM/deployment-guide/deployment-guide-for-gpt-oss-on-trtllm.html",
    ("h200", "b200", "b300"), {9: "TRITON", 10: "TRTLLM"},
    "its MoE backend matrix: MXFP4 experts on TRTLLM for B200/B300, on TRITON (OpenAI's Triton MoE kernels, in the NGC "
    "TensorRT-LLM image) for H200")
"""Read 2026-12-04. The TensorRT-LLM 1.0 gpt-oss blog, whose default MoE backend is CUTLASS, asks for TRITON on H200
explicitly (https://nvidia.github.io/TensorRT-LLM/1.0.0/blogs/tech_blog/blog9_Deploying_GPT_OSS_on_TRTLLM.html); TRITON
is Hopper's kernel, so every Hopper GPU gets it, and the guide's others (RTX Blackwell, Ampere, Ada) get none."""
TRTLLM_GUIDES: dict[str, Guide] = {"gpt-oss-120b": _GPT_OSS_GUIDE, "gpt-oss-20b": _GPT_OSS_GUIDE}
"""Catalog model id -> its TensorRT-LLM deployment guide (the gpt-oss guide's checkpoint is 120B; 20B has the same
MXFP4 experts and kernels). Models without one get no TensorRT-LLM support line."""


def trtllm_moe_backend(model: str, gpu: str, precision: str, native: str) -> str:
    """The ``moe_config.backend`` the model's guide names for the GPU's generation ("" when none), for the published
    checkpoint only: the backends named are MXFP4 ones, and a dequantized copy (an upcast row) keeps the default."""
    g = TRTLLM_GUIDES.get(model)
    cc = COMPUTE_CAPABILITY.get(gpu)
    return g.moe_backend.get(cc[0], "") if g and cc and precision == native else ""


def trtllm_support(model: str, gpu: str) -> tuple[str, str]:
    """(``verified``, ``unverified`` or "" where no guide is recorded, one line saying so with its source)."""
    g = TRTLLM_GUIDES.get(model)
    if g is None:
        return "", ""
    if gpu in g.gpus:
        return _V, f"{model} on {gpu}: listed in the TensorRT-LLM deployment guide ({g.url})"
    return "unverified", (f"{model} on {gpu}: not among the GPUs the TensorRT-LLM deployment guide lists "
                          f"({', '.join(g.gpus)}; {g.url}), unverified")


TOOL_CALLING: dict[str, tuple[dict[str, str], str]] = {
    "kimi-k2": ({"vllm": "--enable-auto-tool-choice --tool-call-parser kimi_k2", "sglang": "--tool-call-parser kimi_k2"},
                "https://github.com/MoonshotAI/Kimi-K2/blob/main/docs/deploy_guidance.md"),
    **{m: ({"vllm": "--tokenizer-mode deepseek_v4 --tool-call-parser deepseek_v4 --enable-auto-tool-choice"},
           f"{RECIPES}models/deepseek-ai/{repo}.yaml") for m, repo in (("deepseek-v4-flash", "DeepSeek-V4-Flash"),
                                                                      ("deepseek-v4-pro", "DeepSeek-V4-Pro"))},
}
"""Model -> (engine -> the flags its guide adds for tool calls, the guide), read 2026-12-04. A hint in the notes, not
in the command: the parser turns tool-call text into OpenAI ``tool_calls``, which plain chat does not need."""

DEQUANTIZE_FP8 = ("python inference/fp8_cast_bf16.py --input-fp8-hf-path <the downloaded {repo}> --output-bf16-hf-path "
                  "<bf16 dir> (https://github.com/deepseek-ai/DeepSeek-V3, README 'BF16 weights'; it writes the weights and "
                  "their index: copy config.json without its quantization_config, and the tokenizer files, beside them), "
                  "then point the model at <bf16 dir>")
"""DeepSeek's FP8 -> BF16 script: each FP8 weight times its 128x128 block's ``weight_scale_inv`` (Kimi K2 stores the
same layout)."""


def upcast_step(precision: str, native: str, repo: str = "") -> str:
    """What a row served wider than its published checkpoint (``domain.precision.is_upcast``) needs first: a
    dequantized copy, the same values in more bytes (the routed experts' bytes per parameter, precision over native)."""
    from advisor.domain.precision import PRECISIONS

    ratio = PRECISIONS[precision].experts.bytes_per_param / PRECISIONS[native].experts.bytes_per_param
    nat = "FP8" if native == "fp8" else native
    text = (f"dequantize the {nat} checkpoint to {precision.upper() if native == 'fp8' else precision} first (same quality, {ratio:.1f}x the expert weight "
            f"memory); the published {nat} needs fewer GPUs")
    tool = upcast_tool(precision, native, repo)
    if repo and tool:
        return text + ": " + tool
    return text + (f": point the model at a dequantized copy of {repo} (no published tool for this step is recorded)"
                   if repo else "")


DEQUANTIZE_MXFP4 = ("python -c \"import torch; from transformers import AutoModelForCausalLM, Mxfp4Config; "
                    "AutoModelForCausalLM.from_pretrained('{repo}', quantization_config=Mxfp4Config(dequantize=True), "
                    "torch_dtype=torch.bfloat16).save_pretrained('<bf16 dir>')\" (Transformers' MXFP4 loader dequantizes "
                    "GPT-OSS to bf16: https://huggingface.co/docs/transformers/quantization/mxfp4; copy the tokenizer files "
                    "beside it), then point the model at <bf16 dir>")
"""Transformers' own route from GPT-OSS's MXFP4 checkpoint to bf16 weights (its MXFP4 loader is GPT-OSS only)."""


def upcast_tool(precision: str, native: str, repo: str) -> str:
    """The published tool that makes ``precision`` weights from the ``native`` checkpoint ``repo``, as a step; "" where
    none is recorded: DeepSeek's FP8 -> BF16 script (DeepSeek-V3/R1, Kimi K2's same layout), Transformers' MXFP4
    dequantization to bf16 (GPT-OSS only)."""
    if native == "fp8":
        return DEQUANTIZE_FP8.format(repo=repo)
    if repo.startswith("openai/gpt-oss") and precision == "bf16":
        return DEQUANTIZE_MXFP4.format(repo=repo)
    return ""


from advisor.domain.precision import MODELOPT_PUBLISHERS

ROCM_QUANTIZATION_SOURCE = ("https://github.com/vllm-project/vllm/blob/001eda31e3d032e9dc864e97f3630358b2ff8b5a/"
                            "vllm/platforms/rocm.py")
"""vLLM's ROCm platform lists the checkpoint formats it loads (``RocmPlatform.supported_quantization``: awq, gptq, fp8,
compressed-tensors, fbgemm_fp8, gguf, quark, mxfp4, petit_nvfp4, torchao, bitsandbytes; read 2026-12-04); ``modelopt``
is not among them, and ``Platform.verify_quantization`` refuses a format outside the list ("... is currently not
supported in rocm")."""


def rocm_loads(repo: str) -> bool:
    """Whether vLLM on ROCm loads the published checkpoint ``repo``: not an NVIDIA ModelOpt export
    (``MODELOPT_PUBLISHERS``, ``ROCM_QUANTIZATION_SOURCE``). SGLang's ROCm build is not known to load them either, so
    an AMD row is served from the model's own repository, quantized at load time where the engine can."""
    return not repo.startswith(MODELOPT_PUBLISHERS)


_QWEN3 = {"vllm": "qwen3", "sglang": "qwen3"}
REASONING_PARSERS: dict[str, dict[str, str]] = {
    "deepseek-r1": {"vllm": "deepseek_r1", "sglang": "deepseek-r1", "trtllm": "deepseek-r1"},
    "qwen3-30b-a3b": _QWEN3, "qwen3-235b-a22b": _QWEN3, "qwen3.5-397b-a17b": _QWEN3, "qwen3.6-35b-a3b": _QWEN3,
    "gpt-oss-20b": {"sglang": "gpt-oss"}, "gpt-oss-120b": {"sglang": "gpt-oss"},
}
"""Model -> engine -> its ``--reasoning-parser`` (TensorRT-LLM: ``--reasoning_parser``), which moves the thinking tokens
out of ``content`` into the response's ``reasoning`` field: the ranking costs a reasoning row per visible answer token
(``ranking.modes``), which assumes they are separated. Read 2026-12-04:
vLLM: "DeepSeek R1 series deepseek_r1", "Qwen3 series qwen3" (https://docs.vllm.ai/en/v0.11.2/features/reasoning_outputs/,
the same rows in the stable page; no ``--enable-reasoning`` since 0.10); Qwen3.5/3.6 recipes pass ``--reasoning-parser
qwen3`` (``features.reasoning`` of models/Qwen/Qwen3.5-397B-A17B.yaml, ``RECIPES``). SGLang 0.5: ``deepseek-r1``,
``qwen3``, ``gpt-oss`` (https://docs.sglang.io/advanced_features/separate_reasoning.html). TensorRT-LLM: trtllm-serve
``--reasoning_parser deepseek-r1`` (https://nvidia.github.io/TensorRT-LLM/0.20.0/examples/deepseek_r1_reasoning_parser.html,
the same example in later releases); no other parser name is documented for 1.0, so other models get a note.
Models left out: gpt-oss on vLLM (its recipe passes no parser: vLLM reads the Harmony channels itself), DeepSeek-V4 and Gemma 4 (no parser
name was found for the release pinned)."""


def reasoning_parser(model: str, engine: str) -> str:
    """The engine's reasoning parser for ``model`` ("" where none is recorded)."""
    return REASONING_PARSERS.get(model, {}).get(engine, "")


GATED_PUBLISHERS = ("meta-llama/", "google/gemma-")
"""Hugging Face repositories whose weights download only for an account that accepted the model's license: Meta's
Llama repositories ("You need to agree to share your contact information to access this model",
https://huggingface.co/meta-llama/Llama-3.3-70B-Instruct) and Google's Gemma ("To access Gemma on Hugging Face, you're
required to review and agree to Google's usage license", https://huggingface.co/google/gemma-3-27b-it); read
2026-12-06. The engines read the account's token from ``HF_TOKEN`` (huggingface_hub's variable)."""


def gated(repo: str) -> bool:
    """Whether ``repo``'s weights need an ``HF_TOKEN`` of an account that accepted its license (``GATED_PUBLISHERS``)."""
    return repo.startswith(GATED_PUBLISHERS)
