"""Fine-tuning runs from the architecture: training memory, the GPUs a run needs and its hours.

Memory per parameter (mixed-precision AdamW, ZeRO/FSDP-sharded over the GPUs of the run):

- ``full``: bf16 weights (2 B) + bf16 gradients (2 B) + fp32 master weights (4 B) + fp32 Adam moments
  (4 + 4 B) = 16 B for EVERY parameter -- for an MoE that is every expert, not the active ones;
- ``lora``: frozen bf16 weights (2 B/param) + the adapters (16 B per adapter parameter);
- ``qlora``: frozen 4-bit NF4 weights (0.5 B/param + one fp16 scale per 64) + the adapters.

Activations with checkpointing keep one bf16 hidden state per layer per token of the micro-batch plus one
layer's working set (~16 x hidden per token). Adapters: rank ``LORA_RANK`` on every attention and FFN
projection (for an MoE, the shared and routed experts' projections too).

Compute: a full fine-tune costs 6 x active parameters x tokens (forward 2, backward 4); LoRA and QLoRA skip
the weight gradients of the frozen base, about 4 x active x tokens (QLoRA adds ~25% to dequantize).
``MFU`` of the dense peak is what a well-tuned run reaches (Llama 3's 405B pre-training reported 38-43% BF16
MFU on H100: https://arxiv.org/abs/2407.21783, Table 4); MoE runs reach less (all-to-all, imbalance):
``MFU_MOE`` is an assumption, not a measurement, and the reason says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from advisor.domain.specs import GpuSpec, ModelSpec
from advisor.physics.sizing import param_breakdown

METHODS = ("lora", "qlora", "full")
LORA_RANK = 16
AMD_TRAINING_SOURCE = "https://semianalysis.com/2024/12/22/mi300x-vs-h100-vs-h200-benchmark-part-1-training/"
"""SemiAnalysis, "MI300X vs H100 vs H200 Benchmark Part 1: Training" (2024-12-22): MI300X's higher peak did not turn into
faster training than H100's in their runs. No MFU of its own is fitted from it: the rows on other vendors' GPUs say so."""
MFU_DENSE = 0.40
MFU_MOE = 0.25
MEMORY_USABLE = 0.90
"""Share of each GPU's memory a training run can use."""
SEQUENCE_TOKENS = 4096
MICRO_BATCH = 1
BYTES_PER_PARAM = {"full": 16.0, "lora": 2.0, "qlora": 0.5 + 2.0 / 64}
FLOPS_PER_PARAM_TOKEN = {"full": 6.0, "lora": 4.0, "qlora": 5.0}


@dataclass(frozen=True)
class TrainingRun:
    """One fine-tuning run of a model on one GPU type."""

    model: str
    method: str
    gpu: str
    gpus: int
    tokens: float
    memory_bytes: int
    """Training memory of the whole run (weights, gradients, optimizer states, adapters, activations)."""
    memory_bytes_per_param: float
    """``memory_bytes`` before activations, per model parameter."""
    flops: float
    hours: float
    mfu: float
    notes: tuple[str, ...] = ()


def adapter_params(m: ModelSpec, rank: int = LORA_RANK) -> int:
    """LoRA parameters on every attention and FFN projection: rank x (d_in + d_out) per matrix."""
    h = m.hidden_size
    q = m.num_attention_heads * m.head_dim
    kv = m.num_key_value_heads * m.head_dim
    attn = rank * ((h + q) + 2 * (h + kv) + (q + h))
    dense_ffn = 3 * rank * (h + m.intermediate_size) if m.intermediate_size else 0
    experts = m.n_routed_experts + m.n_shared_experts
    moe_ffn = 3 * rank * (h + m.moe_intermediate_size) * experts if m.is_moe else 0
    return m.num_hidden_layers * attn + m.dense_layers * dense_ffn + m.moe_layers * moe_ffn


def training_memory(m: ModelSpec, method: str) -> tuple[int, int]:
    """(bytes before activations, activation bytes of one micro-batch) of a fine-tune (ValueError for an
    API-only model: there are no published weights to count)."""
    if not trainable(m):
        raise ValueError(f"{m.id} is API-only: its weights are not published, so its training memory is unknown")
    total = param_breakdown(m).total
    weights = total * BYTES_PER_PARAM[method]
    if method != "full":
        weights += adapter_params(m) * 16.0
    tokens = SEQUENCE_TOKENS * MICRO_BATCH
    activations = m.num_hidden_layers * tokens * m.hidden_size * 2 + 16 * tokens * m.hidden_size * 2
    return int(weights), int(activations)


NOT_TRAINABLE_GPUS = 1 << 30
"""``TrainingRun.gpus`` of a run that no number of GPUs can hold: an API-only model, whose weights are not
published (more GPUs than any offer sells, so a caller looking for the cheapest offer finds none)."""


def trainable(m: ModelSpec) -> bool:
    """Whether a fine-tune of ``m`` can run on rented GPUs at all: not for an API-only (closed-weights) model."""
    return not m.api_only


def training_run(m: ModelSpec, gpu: GpuSpec, method: str, tokens: float) -> TrainingRun:
    """The smallest power-of-two number of ``gpu`` that holds the run (sharded states, activations per GPU),
    and its hours at ``MFU``. An API-only model has no weights to train: its run needs ``NOT_TRAINABLE_GPUS``
    and costs nothing, and its note says why (the vendor's own fine-tuning service is not priced)."""
    if not trainable(m):
        return TrainingRun(model=m.id, method=method, gpu=gpu.id, gpus=NOT_TRAINABLE_GPUS, tokens=tokens, memory_bytes=0,
                           memory_bytes_per_param=0.0, flops=0.0, hours=0.0, mfu=0.0,
                           notes=(f"{m.name} is API-only: its weights are not published, so it cannot be fine-tuned on "
                                  f"rented GPUs; {m.vendor or 'its vendor'}'s own fine-tuning service is not priced",))
    states, activations = training_memory(m, method)
    usable = gpu.memory_bytes * MEMORY_USABLE
    gpus = 1
    while states / gpus + activations > usable:
        gpus *= 2
        if gpus > 1024:
            break
    active = param_breakdown(m).active_compute
    flops = FLOPS_PER_PARAM_TOKEN[method] * active * tokens
    mfu = MFU_MOE if m.is_moe else MFU_DENSE
    hours = flops / (gpus * gpu.bf16_tflops * 1e12 * mfu) / 3600.0
    notes = []
    other = (f"an independent MI300X training benchmark found its on-paper advantage over H100 not realized "
             f"({AMD_TRAINING_SOURCE}), so the run may take longer and cost more than shown") if gpu.vendor != "nvidia" else ""
    if other and not m.is_moe:  # the MFU is H100's: no measurement on this vendor's GPUs is used (trial 29)
        notes.append(f"{mfu:.0%} MFU is measured on NVIDIA H100 and assumed on {gpu.id}: {other}")
    if gpus > 1 and gpu.interconnect.startswith("PCIe"):  # trial 31: 40% on 8x L40S said as fact
        notes.append(f"{gpus}x {gpu.id} exchange the sharded weights and gradients over {gpu.interconnect} "
                     f"({gpu.interconnect_gbps:g} GB/s), not NVLink, which is likely to hold the run under its {mfu:.0%} MFU "
                     f"({'an assumption for runs over' if m.is_moe else 'measured on runs over'} NVLink and InfiniBand), "
                     f"so it may take longer and cost more than shown")
    if m.is_moe:
        notes.append(f"MoE training at {MFU_MOE:.0%} MFU is an assumption (no published measurement used)"
                     + (f", on {gpu.id} too: {other}" if other else ""))
        if method == "full":
            notes.append("full fine-tunes of an MoE keep optimizer states for every expert and can collapse routing; "
                         "expert-parallel training tooling is less mature than dense (the seeds' caution)")
    return TrainingRun(model=m.id, method=method, gpu=gpu.id, gpus=gpus, tokens=tokens, memory_bytes=states + activations,
                       memory_bytes_per_param=states / param_breakdown(m).total, flops=flops, hours=hours, mfu=mfu,
                       notes=tuple(notes))


def method_for(fine_tuning: str, method: str = "") -> str | None:
    """The training method of a workload: its own, else LoRA for ``light`` and full for ``heavy``; none without
    fine-tuning (``fine_tuning = "none"`` wins over a method left in the file)."""
    if fine_tuning == "none":
        return None
    if method:
        return method
    return {"light": "lora", "heavy": "full"}.get(fine_tuning)

