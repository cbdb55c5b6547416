"""The formats of the published INT4 checkpoints (models.toml ``checkpoints.int4``), and where SGLang does not serve one.

Three formats, told apart by the repository's name (``int4_format``): AutoAWQ (``quant_method`` awq: TheBloke/...,
cognitivecomputations/DeepSeek-V3-AWQ, QuantTrio/...-AWQ, Qwen/Qwen2.5-72B-Instruct-AWQ), GPTQ (Qwen/...-GPTQ-Int4) and
llm-compressor's compressed-tensors W4A16 (``pack-quantized``, symmetric INT4 in groups of 128: RedHatAI/... and
neuralmagic/...quantized.w4a16).

vLLM loads all three, dense and MoE, on NVIDIA and ROCm: its compressed-tensors MoE method routes W4A16 experts to
Marlin or, on ROCm, to the oracle's Triton backend (vllm/model_executor/layers/quantization/compressed_tensors/
compressed_tensors_moe/compressed_tensors_moe.py, github vllm-project/vllm at 0043d6b52fdafbbed46c819125a2d582a148e121),
falls back from Marlin for Llama 4's router weight on the input (pull request 18042, which names
RedHatAI/Llama-4-Scout-17B-16E-Instruct-quantized.w4a16), and runs AWQ and GPTQ MoE layers on ROCm through its MoE
WNA16 kernels (pull request 30102, 2025-12-05; issue 49141's log). TensorRT-LLM loads none of them
(``ranking.engine_support.TRTLLM_LOADS``).

SGLang, read in its released wheels 0.5.23 (the newest 0.5 release, which ``sglang[all]==0.5.*`` installs) and
0.5.13.post1 (the release of the ROCm image the AMD files run, ``support.SGLANG_ROCM_IMAGE``), 2026-12-06: on NVIDIA
GPUs it loads all three (awq_marlin and gptq_marlin, dense and MoE; compressed-tensors W4A16 through
``CompressedTensorsWNA16`` and ``CompressedTensorsWNA16MoE``, both Marlin), so llm-compressor's FAQ line that SGLang's
compressed-tensors support is "minimal ... Much of the integration relies on vLLM" (docs/faq/faq.md, github
vllm-project/llm-compressor at ab1ba3effcafc15746cd6d6ca24cba3f7bd7a582) no longer describes the code: SGLang has its
own W4A16 schemes. What it does not serve is in ``sglang_refusal``."""

from __future__ import annotations

_SGLANG = "SGLang 0.5.13.post1 and 0.5.23 as released on PyPI, paths under sglang/srt/, read 2026-12-06"

ROUTER_WEIGHT_ON_INPUT = ("llama-4-scout", "llama-4-maverick")
"""Catalog models whose MoE scales each token by its router weight before the expert, not after (SGLang's
sglang/srt/models/llama4.py builds its FusedMoE with ``apply_router_weight_on_input=True``)."""

EXPERTS_ONLY = ("RedHatAI/Kimi-K2-Instruct-quantized.w4a16",)
"""compressed-tensors checkpoints that quantize only the routed experts, so no Linear layer outside the fused MoE is
INT4: "Quantization (compressed-tensors format) targets only the routed-expert FFN linears ... lm head, all
self-attention projections, the shared experts, and the MLP gate/up/down projections are held at FP16" (a paper that
serves it, appendix B, github kaleybrauer/filler-token-reasoning; the checkpoint's own config was not read). Red Hat's
Llama 4 checkpoints are not here: llm-compressor's Llama 4 W4A16 recipe ignores only self_attn, the router, lm_head and
the vision tower (examples/multimodal_vision/llama4_example.py, the llm-compressor commit above), so the shared expert
and Maverick's dense MLPs are INT4 Linear layers."""

ROCM_GPTQ = (f"SGLang's ROCm build does not load GPTQ checkpoints ({_SGLANG}): configs/model_config.py turns a "
             "Marlin-compatible GPTQ config into gptq_marlin (its Marlin check reads the ROCm gfx version as a CUDA "
             "capability: github sgl-project/sglang pull request 34049, open), which is not in rocm_supported_quantization "
             "('gptq_marlin quantization is currently not supported in ROCm'); forcing --quantization gptq gives no MoE "
             "method ('GPTQ Method does not support MoE, please use gptq_marlin', layers/quantization/gptq/gptq.py), and "
             "0.5.23 registers plain gptq on CPU, NPU and XPU only")
ROCM_AWQ_MOE = (f"SGLang's ROCm build has no AWQ method for MoE experts ({_SGLANG}): awq_marlin is CUDA-only "
                "(AWQMarlinConfig.is_awq_marlin_compatible), AWQConfig returns an MoE method on NPU only "
                "(layers/quantization/awq/awq.py: 'AWQConfig only supports MoE scheme on NPU'), and moe_wna16 is not in "
                "rocm_supported_quantization; the same unhandled path failed on CPU with KeyError experts.w2_weight "
                "(github sgl-project/sglang pull request 31174)")
ROCM_CT_LINEAR = (f"SGLang's ROCm build has no W4A16 kernel for compressed-tensors Linear layers ({_SGLANG}): "
                  "CompressedTensorsWNA16 repacks them for Marlin, whose gptq_marlin_repack it imports on CUDA only "
                  "(layers/quantization/compressed_tensors/schemes/compressed_tensors_wNa16.py; the docs' table marks "
                  "Marlin CUDA-only: docs/advanced_features/quantization.md), and ROCm support is an open pull request "
                  "(github sgl-project/sglang 39135, 2026-09-11)")
MARLIN_ROUTER_WEIGHT = (f"SGLang serves its compressed-tensors W4A16 experts with the Marlin MoE kernel ({_SGLANG}: "
                        "CompressedTensorsWNA16MoE; 0.5.23 picks Triton only on SM100 and for a checkpoint without "
                        "activation ordering, which this one's config was not read for), and Marlin applies the router "
                        "weight after the experts ('Marlin always applies the router weight inside its down GEMM', "
                        "layers/moe/moe_runner/marlin.py) while Llama 4 applies it to their input "
                        "(apply_router_weight_on_input): the outputs differ from the model's. vLLM refuses Marlin for this "
                        "and falls back (github vllm-project/vllm pull request 18042, on this checkpoint)")


def int4_format(repo: str) -> str:
    """``awq``, ``gptq`` or ``compressed-tensors`` for a published INT4 checkpoint, read from its name ("" where the
    name says none: a user catalog's checkpoint of another format is not screened)."""
    name = repo.rsplit("/", 1)[-1].lower()
    if "awq" in name:
        return "awq"
    if "gptq" in name:
        return "gptq"
    return "compressed-tensors" if "w4a16" in name else ""


def sglang_refusal(model: str, moe: bool, repo: str, vendor: str) -> str:
    """Why SGLang cannot serve the INT4 checkpoint ``repo`` of catalog model ``model`` (``moe``: it routes experts) on
    a ``vendor`` GPU as costed, with the source ("" where it can, or the format is not known): on ROCm, GPTQ at all, AWQ
    for MoE experts, and compressed-tensors W4A16 Linear layers (a dense model, or an MoE checkpoint that quantizes
    layers outside its experts); on NVIDIA, compressed-tensors experts of a model that weights their input (Llama 4)."""
    fmt = int4_format(repo)
    if vendor == "amd":
        if fmt == "gptq":
            return ROCM_GPTQ
        if fmt == "awq" and moe:
            return ROCM_AWQ_MOE
        if fmt == "compressed-tensors" and not moe:
            return ROCM_CT_LINEAR + ": every Linear layer of this dense checkpoint is INT4"
        if fmt == "compressed-tensors" and repo not in EXPERTS_ONLY:
            return (ROCM_CT_LINEAR + ": this MoE checkpoint is not known to quantize its experts only (its shared expert "
                    "and dense MLPs are INT4 in llm-compressor's Llama 4 recipe), and only the experts have a ROCm method "
                    "(CompressedTensorsWNA16TritonMoE)")
        return ""
    return MARLIN_ROUTER_WEIGHT if fmt == "compressed-tensors" and moe and model in ROUTER_WEIGHT_ON_INPUT else ""
