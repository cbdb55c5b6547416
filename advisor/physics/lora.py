"""Multi-LoRA serving from the architecture: how big the adapters are, where they sit, and what they cost the
engine in memory and speed.

Size. An adapter adds A (rank x d_in) and B (d_out x rank) to every projection it targets: rank x (d_in + d_out)
parameters per matrix per layer, in the base model's activation dtype (bf16: vLLM's ``lora_dtype = "auto"``).
Targets: q, k, v, o (``attention``), and with ``all`` also the MLP's gate, up and down projections -- on an MoE
every routed and shared expert's, which makes an expert adapter hundreds of times larger than an attention one.

Memory. The engine keeps ``adapters`` of them on the GPUs (vLLM ``--max-loras``, SGLang
``--max-loras-per-batch``, TensorRT-LLM ``max_loras``), allocated before the KV cache, so they come out of the
KV room. Per GPU: vLLM shards one of each A/B pair with tensor parallelism and replicates the other ("only half
of the LoRA computation is sharded", vLLM LoRAConfig.fully_sharded_loras), so an attention or MLP adapter costs
1/2 + 1/(2 x GPUs) of its bytes on each GPU; expert adapters live with their experts, 1/GPUs each.

Speed: uncalibrated. No published overhead figure covers these models and engines (Punica and S-LoRA measure
Llama models on their own kernels), so the overhead is first-principles, the larger of: the adapter FLOPs over
the base FLOPs per token (2 x rank x (d_in + d_out) over 2 x d_in x d_out per targeted matmul, summed over what
one token passes through), which bounds a compute-bound step; and the resident adapters' bytes over the weights'
(every resident adapter read every decode step: an upper bound), which bounds a memory-bound step. Every step of
the estimate takes 1 + that overhead times as long (the engine's speed divided by it), so the batch searched for
under a TPOT target pays it too.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import lru_cache

from advisor.common import fmt
from advisor.domain.recommendation import Reason, Rejection
from advisor.domain.serving import ServingProfile
from advisor.domain.specs import ModelSpec
from advisor.physics.sizing import param_breakdown
from advisor.physics.training import LORA_RANK, method_for

ADAPTER_BYTES_PER_PARAM = 2
"""bf16 adapters (vLLM ``lora_dtype = "auto"``: the model's dtype, bf16 for the catalog's checkpoints)."""
TARGETS = ("all", "attention")


@dataclass(frozen=True)
class LoraPlan:
    """The adapters a fine-tuned workload serves from one base model."""

    adapters: int
    """Adapters resident on the GPUs at once."""
    rank: int
    targets: str
    """``all`` (attention + MLP/expert projections) or ``attention``."""


def plan_for(w) -> LoraPlan | None:
    """The workload's multi-LoRA serving plan, or None when it serves no adapters (no plan, or full fine-tunes,
    whose merged weights serve like the base). Adapters default to one per fine-tune of the month (at least one),
    the rank to the one training is costed at, the targets to ``all``."""
    if method_for(w.fine_tuning, w.fine_tuning_method) not in ("lora", "qlora"):
        return None
    adapters = w.lora_adapters or max(1, math.ceil(w.fine_tunes_per_month))
    return LoraPlan(adapters=adapters, rank=w.lora_rank or LORA_RANK, targets=w.lora_targets or "all")


@dataclass(frozen=True)
class AdapterSize:
    """Parameters of ONE adapter, by where they sit."""

    attention: int
    """q, k, v, o over every layer."""
    mlp: int
    """Dense layers' gate/up/down and the shared experts' (tensor-parallel like attention)."""
    experts: int
    """The routed experts' gate/up/down (expert-parallel)."""
    active: int
    """What one token passes through: attention, MLP and its top-k routed experts."""

    @property
    def params(self) -> int:
        return self.attention + self.mlp + self.experts

    @property
    def bytes(self) -> int:
        return self.params * ADAPTER_BYTES_PER_PARAM


@lru_cache(maxsize=4096)
def adapter_size(m: ModelSpec, rank: int, targets: str = "all") -> AdapterSize:
    """rank x sum over targeted matrices of (d_in + d_out) x layers."""
    h = m.hidden_size
    q = m.num_attention_heads * m.head_dim
    kv = m.num_key_value_heads * m.head_dim
    attention = rank * ((h + q) + 2 * (h + kv) + (q + h)) * m.num_hidden_layers
    if targets == "attention":
        return AdapterSize(attention=attention, mlp=0, experts=0, active=attention)
    dense = 3 * rank * (h + m.intermediate_size) * m.dense_layers if m.intermediate_size else 0
    expert = 3 * rank * (h + m.moe_intermediate_size) * m.moe_layers if m.is_moe else 0
    shared = expert * m.n_shared_experts
    return AdapterSize(attention=attention, mlp=dense + shared, experts=expert * m.n_routed_experts,
                       active=attention + dense + shared + expert * m.num_experts_per_tok)


def bytes_per_gpu(m: ModelSpec, plan: LoraPlan, gpus: int) -> int:
    """Bytes the resident adapters take on each of ``gpus`` GPUs of one engine."""
    s = adapter_size(m, plan.rank, plan.targets)
    per = (s.attention + s.mlp) * (0.5 + 0.5 / gpus) + s.experts / gpus
    return math.ceil(per * ADAPTER_BYTES_PER_PARAM * plan.adapters)


def serves(profile: ServingProfile, m: ModelSpec, plan: LoraPlan) -> bool:
    """Whether the engine serves these adapters on this model (its catalog ``lora`` table)."""
    return profile.lora is not None and profile.lora.serves(m.is_moe, plan.targets == "all" and m.is_moe)


@lru_cache(maxsize=4096)
def profile_for(profile: ServingProfile, m: ModelSpec, gpus: int, plan: LoraPlan, slowdown: float = 0.0) -> ServingProfile:
    """``profile`` with the resident adapters added to its fixed per-GPU memory, so the fit and the batch the
    estimate admits see the KV room that is left, and (``slowdown`` > 0) every step ``1 + slowdown`` times longer,
    so the batch searched for under a TPOT target already pays the adapters."""
    extra = bytes_per_gpu(m, plan, gpus) / 2**30
    changes: dict = {"memory": dataclasses.replace(profile.memory, fixed_overhead_gib=profile.memory.fixed_overhead_gib + extra)}
    if slowdown > 0:
        changes["efficiency"] = dataclasses.replace(profile.efficiency, engine_speed=profile.efficiency.engine_speed / (1 + slowdown))
    return dataclasses.replace(profile, **changes)


def overhead(m: ModelSpec, plan: LoraPlan, weights_bytes: int) -> tuple[float, str]:
    """(fractional slowdown of a step, what it rests on): the larger of the FLOP ratio (a compute-bound step) and
    the bytes ratio (a memory-bound step), so it holds whichever bounds the step (module docstring)."""
    s = adapter_size(m, plan.rank, plan.targets)
    flops = s.active / max(1, param_breakdown(m).active_compute)
    read = plan.adapters * s.bytes / max(1, weights_bytes)
    if flops >= read:
        return flops, "adapter FLOPs over base FLOPs per token, 2r(d_in+d_out) over 2 d_in d_out per targeted matmul"
    return read, "every resident adapter's bytes read per decode step over the weights' bytes"


def targets_text(plan: LoraPlan, m: ModelSpec) -> str:
    if plan.targets == "attention":
        return "q, k, v, o"
    return "q, k, v, o, gate, up, down" + (" (every expert's)" if m.is_moe else "")


def reason(model: ModelSpec, plan: LoraPlan, eng: ServingProfile, n: int, dp: int, e) -> Reason:
    """The adapters' memory and overhead on the winning engine, with the flags that size them."""
    size = adapter_size(model, plan.rank, plan.targets)
    per_gpu = bytes_per_gpu(model, plan, n)
    ratio, basis = overhead(model, plan, e.weights_bytes)
    flags = eng.lora.flags.format(adapters=plan.adapters, rank=plan.rank) if eng.lora else ""
    return Reason("multi-lora", f"multi-LoRA on {eng.engine}: {plan.adapters} adapter{'s' if plan.adapters != 1 else ''} of rank "
                  f"{plan.rank} on {targets_text(plan, model)} resident ({flags}): {fmt.gb(size.bytes)} each, "
                  f"{fmt.gb(per_gpu)} a GPU taken from the KV cache ({fmt.gb(per_gpu * n * dp)} a replica); adapters add "
                  f"{ratio:.1%} to a step (uncalibrated: {basis}); engine support: {eng.lora.source if eng.lora else '-'}",
                  "info", {"lora_adapters": plan.adapters, "lora_rank": plan.rank, "adapter_bytes": size.bytes,
                           "adapter_bytes_per_gpu": per_gpu, "adapter_bytes_per_replica": per_gpu * n * dp, "lora_overhead": ratio})


def rejection(model: ModelSpec, plan: LoraPlan, refused: dict[str, ServingProfile]) -> Rejection:
    """No allowed engine serves the planned adapters on ``model``: which engines, and what each serves."""
    what = "expert adapters on an MoE" if model.is_moe and plan.targets == "all" else ("adapters on an MoE" if model.is_moe
                                                                                        else "adapters")
    told = "; ".join(f"{p.id}: " + (f"{'dense and ' if p.lora.dense else ''}MoE {p.lora.moe} ({p.lora.source})" if p.lora
                                    else "no LoRA serving recorded") for p in refused.values())
    hint = " (lora_targets = 'attention' keeps the adapters off the experts)" if model.is_moe and plan.targets == "all" else ""
    return Rejection(model=model.id, deployment="self-hosted", reasons=(Reason(
        "no-lora-support", f"no allowed serving engine serves LoRA {what} of {model.id}: {told}{hint}", "decisive",
        {"lora_rank": plan.rank, "lora_adapters": plan.adapters}),))
