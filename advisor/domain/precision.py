"""Weight and KV-cache precisions: bytes per parameter and which tensor-core rate they run at."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WeightFormat:
    """Storage cost of one parameter in a format, scales included."""

    name: str
    bytes_per_param: float
    """Bytes per parameter including block/group scales."""
    compute: str
    """Tensor-core rate the matmuls run at where the GPU supports it: bf16, fp8, int8 or fp4."""
    note: str


_BF16 = WeightFormat("bf16", 2.0, "bf16", "16-bit brain float")
_FP8 = WeightFormat("fp8", 1.0 + 4 / (128 * 128), "fp8", "FP8 E4M3 with one fp32 scale per 128x128 block (DeepSeek-style); per-tensor scales cost less")
_INT8 = WeightFormat("int8", 1.0 + 2 / 4096, "int8", "INT8 with a per-channel fp16 scale (W8A8)")
_INT4 = WeightFormat("int4", 0.5 + 4 / 128, "bf16", "INT4 weight-only (AWQ/GPTQ): fp16 scale + zero per group of 128; matmuls in bf16")
_MXFP4 = WeightFormat("mxfp4", 0.5 + 1 / 32, "fp4", "MXFP4: E2M1 values + one E8M0 scale per 32 (OCP MX): 0.53125 B/param")
_NVFP4 = WeightFormat("nvfp4", 0.5 + 1 / 16, "fp4", "NVFP4: E2M1 values + one FP8 E4M3 scale per 16 (+ a per-tensor fp32 scale): 0.5625 B/param")

FORMATS: dict[str, WeightFormat] = {"bf16": _BF16, "fp16": WeightFormat("fp16", 2.0, "bf16", "IEEE half"), "fp8": _FP8, "int8": _INT8,
                                    "int4": _INT4, "fp4": _MXFP4, "mxfp4": _MXFP4, "nvfp4": _NVFP4}


@dataclass(frozen=True)
class PrecisionScheme:
    """How a checkpoint is stored: one format for the transformer's linear layers, another for experts.

    Embeddings, the LM head, norms, routers and biases stay in bf16 in every scheme (what FP8, AWQ and
    MXFP4 checkpoints ship).
    """

    name: str
    linear: WeightFormat
    """Attention and dense-FFN projections (and shared experts)."""
    experts: WeightFormat
    """Routed experts."""
    description: str


PRECISIONS: dict[str, PrecisionScheme] = {
    "bf16": PrecisionScheme("bf16", _BF16, _BF16, "all weights bf16"),
    "fp16": PrecisionScheme("fp16", FORMATS["fp16"], FORMATS["fp16"], "all weights fp16"),
    "fp8": PrecisionScheme("fp8", _FP8, _FP8, "linear layers FP8, embeddings/head bf16"),
    "int8": PrecisionScheme("int8", _INT8, _INT8, "linear layers INT8 (W8A8), embeddings/head bf16"),
    "int4": PrecisionScheme("int4", _INT4, _INT4, "linear layers INT4 weight-only, group 128, embeddings/head bf16"),
    "fp4": PrecisionScheme("fp4", _MXFP4, _MXFP4, "4-bit float: NVFP4 on NVIDIA GPUs, MXFP4 elsewhere (MXFP4 when no GPU is named)"),
    "nvfp4": PrecisionScheme("nvfp4", _NVFP4, _NVFP4, "linear layers NVFP4 (NVIDIA ModelOpt checkpoints; attention bf16 where the checkpoint keeps it, as DeepSeek-V3/R1's), embeddings/head bf16"),
    "mxfp4": PrecisionScheme("mxfp4", _MXFP4, _MXFP4, "linear layers MXFP4 (OCP MX), embeddings/head bf16"),
    "mxfp4-experts": PrecisionScheme("mxfp4-experts", _BF16, _MXFP4, "routed experts MXFP4, attention/embeddings bf16 (as gpt-oss ships)"),
}

KV_BYTES: dict[str, float] = {"bf16": 2.0, "fp16": 2.0, "fp8": 1.0}

QUANTIZED_4BIT = {"int4", "fp4", "nvfp4", "mxfp4", "mxfp4-experts"}
QUANTIZED_ONLINE = ("fp8",)
"""Weight precisions vLLM and SGLang quantize a higher-precision checkpoint to at load time (``--quantization fp8``);
others need a pre-quantized checkpoint (TensorRT-LLM always does)."""


MODELOPT_PUBLISHERS = ("nvidia/",)
"""Hugging Face organisations whose quantized checkpoints are NVIDIA ModelOpt exports (``hf_quant_config.json``,
``quant_method: modelopt``; e.g. https://huggingface.co/nvidia/Llama-3.3-70B-Instruct-FP8, "quantized with TensorRT
Model Optimizer", read 2026-12-04): no AMD build of vLLM or SGLang is known to load them (``deploy.support``)."""


def listed_checkpoint(model, precision: str, vendor: str = "") -> str:
    """``model``'s recorded checkpoint of ``precision`` weights as the GPU's vendor reads the name (``fp4``: NVFP4 on
    NVIDIA, MXFP4 elsewhere), "" when none is recorded (``ModelSpec.checkpoint``), whoever can load it."""
    return model.checkpoint(precision) or model.checkpoint(resolve_precision(precision, vendor))


def checkpoint_for(model, precision: str, vendor: str = "") -> str:
    """The published checkpoint a ``vendor`` GPU serves ``precision`` weights from: ``listed_checkpoint``, less an
    NVIDIA ModelOpt export on an AMD GPU (its ROCm engines quantize the model's own weights at load time instead)."""
    found = listed_checkpoint(model, precision, vendor)
    return "" if vendor == "amd" and found.startswith(MODELOPT_PUBLISHERS) else found


def resolve_precision(name: str, vendor: str = "") -> str:
    """``fp4`` is an alias for the 4-bit float format the GPU's checkpoints use: NVFP4 on NVIDIA GPUs
    (NVIDIA's FP4 checkpoints are ModelOpt NVFP4, run natively on Blackwell), MXFP4 on other vendors'
    (AMD's FP4 checkpoints are OCP MXFP4) and when no GPU is named. Other names are returned as given."""
    if name != "fp4":
        return name
    return "nvfp4" if vendor == "nvidia" else "mxfp4"


def scheme(name: str) -> PrecisionScheme:
    from advisor.errors import UnknownIdError

    try:
        return PRECISIONS[name]
    except KeyError:
        raise UnknownIdError("precision", name, sorted(PRECISIONS)) from None


def kv_bytes_per_element(name: str) -> float:
    from advisor.errors import UnknownIdError

    try:
        return KV_BYTES[name]
    except KeyError:
        raise UnknownIdError("kv precision", name, sorted(KV_BYTES)) from None


def ranked_precisions(allowed: tuple[str, ...], native: str) -> tuple[str, ...]:
    """The precisions a model is self-hosted in: the workload's ``allowed`` ones, and the model's own checkpoint
    precision when that is a 4-bit format (``native``: gpt-oss and DeepSeek-V4 ship MXFP4 experts; that is the
    published model, not a quantization, so its published score applies and "no 4-bit" does not exclude it).
    A bf16 or fp8 checkpoint is ranked only where ``allowed`` names it: ``precisions = ["fp8"]`` means fp8 rows."""
    if not native or native in allowed or native not in QUANTIZED_4BIT:
        return allowed
    return (*allowed, native)


def is_upcast(precision: str, native: str) -> bool:
    """Whether serving a ``native`` quantized checkpoint in ``precision`` (resolved, ``fp4`` -> ``nvfp4``/``mxfp4``)
    widens its weights: the same values in more bytes, so the same quality for more memory. A 4-bit checkpoint widens
    to any non-4-bit precision; an FP8 one (DeepSeek-V3/R1, Kimi K2: E4M3 with 128x128 block scales) to BF16 or FP16,
    each weight times its block's scale (DeepSeek's own ``inference/fp8_cast_bf16.py`` in
    https://github.com/deepseek-ai/DeepSeek-V3, "BF16 weights" in its README, read 2026-12-04). FP8 to INT8 is a
    requantization, not an upcast."""
    if native in QUANTIZED_4BIT:
        return precision in PRECISIONS and precision not in QUANTIZED_4BIT
    return native == "fp8" and precision in ("bf16", "fp16")
