"""Multi-LoRA serving from the architecture: how big the adapters are, where they sit, and what they cost the
engine in memory and speed.

Size. An adapter adds A (rank x d_in) and B (d_out x rank) to every projection it targets: rank x (d_in + d_out)
parameters per matrix per layer, in the base model's activation dtype (bf16: vLLM's ``lora_dtype = "auto"``).
Targets: q, k, v, o (``attention``), and with ``all`` also the MLP's gate, up and down projections -- on an MoE
every routed and shared expert's, which makes an expert adapter hundreds of times larger than an attention one.

Memory. The engine keeps a fixed number of adapter slots on the GPUs (vLLM ``--max-loras``, default 1; SGLang
``--max-loras-per-batch``, default 8; TensorRT-LLM ``max_loras``), allocated before the KV cache, so they come out
of the KV room; the other adapters wait in host memory (vLLM ``--max-cpu-loras``, SGLang ``--max-loaded-loras``,
TensorRT-LLM ``max_cpu_loras``) and are copied in when a request names one (https://docs.vllm.ai/en/latest/features/lora.html,
https://docs.sglang.io/advanced_features/lora.html, read 2026-12-04). A batch touches at most as many adapters as it
has sequences, so the slots planned are ``min(adapters, sequences in flight at the peak)`` (``resident_for``):
keeping ten adapters of an MoE's experts resident for a workload with one request in flight reserves GPU memory no
batch uses. A request for an adapter in host memory first waits for its copy (``swap_ms``). Per GPU: vLLM shards one of each A/B pair with tensor parallelism and replicates the other ("only half
of the LoRA computation is sharded", vLLM LoRAConfig.fully_sharded_loras), so an attention or MLP adapter costs
1/2 + 1/(2 x GPUs) of its bytes on each GPU; expert adapters live with their experts, 1/GPUs each.

Speed: uncalibrated. No published overhead figure covers these models and engines (Punica and S-LoRA measure
Llama models on their own kernels), so the overhead is first-principles, the larger of: the adapter FLOPs over
the base FLOPs per token (2 x rank x (d_in + d_out) over 2 x d_in x d_out per targeted matmul, summed over what
one token passes through), which bounds a compute-bound step; and the resident adapters' bytes over the weights'
(every resident adapter read every decode step: an upper bound), which bounds a memory-bound step. Every step of
the estimate takes 1 + that overhead times as long (the engine's speed divided by it), so the batch searched for
under a TPOT target pays it too. On top of that ratio, the adapters' own kernels: two per adapted linear layer and
five per MoE layer whose experts are adapted (``kernels_per_step``), each charged the estimate's minimum kernel time
(``kernel_floor_us``, 5 us: ``advisor.physics.calibration.KERNEL_FLOOR_US``) as a fixed time per layer per step --
at small batches, where a LoRA kernel moves few bytes, it is what the adapters cost (Llama 3.3 70B with q, k, v, o,
gate, up, down adapted: 640 kernels, 3.2 ms a step, 17% of its 18.6 ms TPOT at one sequence on 2x H100).
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


HOST_TO_GPU_GBPS = 25.0
"""Host-to-GPU copy rate of an adapter from pinned host memory: PCIe 4.0 x16 carries 31.5 GB/s per direction
(https://en.wikipedia.org/wiki/PCI_Express, read 2026-12-04), about 25 GB/s after protocol overhead; a PCIe 5.0
host doubles it. Each GPU copies its own shard, in parallel."""


@dataclass(frozen=True)
class LoraPlan:
    """The adapters a fine-tuned workload serves from one base model."""

    adapters: int
    """Adapters served (on the GPUs or waiting in host memory)."""
    rank: int
    targets: str
    """``all`` (attention + MLP/expert projections) or ``attention``."""
    resident: int = 0
    """Adapter slots on the GPUs (``resident_for``) when fewer than ``adapters``; 0: all of them."""
    defaulted: bool = False
    """``adapters`` is the default (one per fine-tune a month), not the workload's ``lora_adapters``."""
    assumed_one: bool = False
    """``defaulted`` with no fine-tunes a month given either (``fine_tunes_per_month`` 0): one adapter is assumed."""

    @property
    def default_note(self) -> str:
        """How a defaulted adapter count was reached, in words ("" where the workload gave ``lora_adapters``)."""
        if not self.defaulted:
            return ""
        if self.assumed_one:
            return "one assumed: neither lora_adapters nor fine_tunes_per_month is set"
        return "the default count: one per fine-tune a month"

    @property
    def on_gpu(self) -> int:
        """Adapters the GPUs hold at once: the slots the memory and the per-step overhead are costed for."""
        return min(self.adapters, self.resident) if self.resident else self.adapters


def sequences_in_flight(w) -> float | None:
    """Sequences an interactive workload has in flight at its peak (Little's law: the peak's requests/s x the time a
    request may take within its targets, TTFT + output tokens x the TPOT limit), or None for batch work (its engines
    run full batches)."""
    if w.latency != "interactive" or not w.ttft_ms or not w.tpot_limit_ms:
        return None
    return w.mean_requests_per_s * w.peak_to_mean * (w.ttft_ms + w.output_tokens * w.tpot_limit_ms) / 1000.0


SLOT_QUANTILE = 0.99
"""Adapter slots cover the sequences in flight this often: with random arrivals their count is Poisson about its
mean, and a request whose adapter finds no free slot waits for a whole request to finish (a mean of 1.7 in flight
has 3 or more 24% of the time; 5 slots cover 99%)."""


def poisson_quantile(mean: float, q: float = SLOT_QUANTILE) -> int:
    """The smallest k with P(N <= k) >= q for N ~ Poisson(``mean``)."""
    if mean <= 0:
        return 0
    k, term = 0, math.exp(-mean)
    total = term
    while total < q and k < 100_000:
        k += 1
        term *= mean / k
        total += term
    return k


def resident_for(adapters: int, w) -> int:
    """Adapter slots on the GPUs: the sequences in flight at the peak name at most that many distinct adapters at
    once; the slots cover their count ``SLOT_QUANTILE`` of the time (random arrivals, not the mean); batch work
    keeps every adapter resident."""
    flight = sequences_in_flight(w)
    return adapters if flight is None else max(1, min(adapters, poisson_quantile(flight)))


def plan_for(w) -> LoraPlan | None:
    """The workload's multi-LoRA serving plan, or None when it serves no adapters (no plan, or full fine-tunes,
    whose merged weights serve like the base). Adapters default to one per fine-tune of the month (at least one;
    ``defaulted`` says so), the rank to the one training is costed at, the targets to ``all``; the GPU slots to
    ``resident_for``."""
    if method_for(w.fine_tuning, w.fine_tuning_method) not in ("lora", "qlora"):
        return None
    adapters = w.lora_adapters or max(1, math.ceil(w.fine_tunes_per_month))
    slots = resident_for(adapters, w)
    return LoraPlan(adapters=adapters, rank=w.lora_rank or LORA_RANK, targets=w.lora_targets or "all",
                    resident=slots if slots < adapters else 0, defaulted=not w.lora_adapters,
                    assumed_one=not w.lora_adapters and w.fine_tunes_per_month <= 0)


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


def bytes_per_gpu(m: ModelSpec, plan: LoraPlan, gpus: int, adapters: int | None = None) -> int:
    """Bytes ``adapters`` adapters (default: the resident ones, ``plan.on_gpu``) take on each of ``gpus`` GPUs of
    one engine."""
    s = adapter_size(m, plan.rank, plan.targets)
    per = (s.attention + s.mlp) * (0.5 + 0.5 / gpus) + s.experts / gpus
    return math.ceil(per * ADAPTER_BYTES_PER_PARAM * (plan.on_gpu if adapters is None else adapters))


def swap_ms(m: ModelSpec, plan: LoraPlan, gpus: int) -> float:
    """Milliseconds to copy one adapter from host memory into a GPU slot: its bytes per GPU over
    ``HOST_TO_GPU_GBPS`` (the GPUs copy their shards at once)."""
    return bytes_per_gpu(m, plan, gpus, adapters=1) / (HOST_TO_GPU_GBPS * 1e9) * 1000.0


def serves(profile: ServingProfile, m: ModelSpec, plan: LoraPlan) -> bool:
    """Whether the engine serves these adapters on this model (its catalog ``lora`` table)."""
    return profile.lora is not None and profile.lora.serves(m.is_moe, plan.targets == "all" and m.is_moe)


KERNELS_PER_LINEAR = 2
"""vLLM's punica path runs one shrink (x A) and one expand (x B) Triton kernel per LoRA-wrapped linear layer, the
slices of a fused layer (q/k/v, gate/up) in the same two launches (``PunicaWrapperGPU.add_lora_linear``: ``lora_shrink``
then ``lora_expand``, https://github.com/vllm-project/vllm/blob/010c9386c45da59ad29905c19c06e58affe0ab1e/vllm/lora/punica_wrapper/punica_gpu.py,
read 2026-12-04). The other engines are assumed to launch as many (SGLang's and TensorRT-LLM's LoRA kernels also
take an A and a B product per adapted module)."""
KERNELS_PER_MOE_LAYER = 5
"""Experts adapted: ``moe_lora_align_block_size``, then a shrink and an expand for the gate/up and for the down experts
(``add_lora_fused_moe``, the same file)."""


def kernels_per_step(m: ModelSpec, plan: LoraPlan) -> int:
    """The LoRA kernels one decode step launches: the fused qkv and the o projection of every layer, with ``all``
    targets also the gate/up and down projections of every dense MLP (the dense layers and an MoE's shared experts)
    and the adapted experts of every MoE layer (``KERNELS_PER_LINEAR``, ``KERNELS_PER_MOE_LAYER``)."""
    n = KERNELS_PER_LINEAR * 2 * m.num_hidden_layers
    if plan.targets != "attention":
        n += KERNELS_PER_LINEAR * 2 * (m.dense_layers + (m.moe_layers if m.n_shared_experts else 0))
        n += KERNELS_PER_MOE_LAYER * m.moe_layers if m.is_moe else 0
    return n


@lru_cache(maxsize=4096)
def profile_for(profile: ServingProfile, m: ModelSpec, gpus: int, plan: LoraPlan, slowdown: float = 0.0) -> ServingProfile:
    """``profile`` with the resident adapters added to its fixed per-GPU memory, so the fit and the batch the
    estimate admits see the KV room that is left, and (``slowdown`` > 0) every step ``1 + slowdown`` times longer,
    so the batch searched for under a TPOT target already pays the adapters."""
    extra = bytes_per_gpu(m, plan, gpus) / 2**30
    changes: dict = {"memory": dataclasses.replace(profile.memory, fixed_overhead_gib=profile.memory.fixed_overhead_gib + extra)}
    if slowdown > 0:  # the speed path: the ratio on every term, the adapters' kernels as fixed time per layer
        f = profile.efficiency
        per_layer = kernels_per_step(m, plan) * f.kernel_floor_us / max(1, m.num_hidden_layers)
        changes["efficiency"] = dataclasses.replace(f, engine_speed=f.engine_speed / (1 + slowdown),
                                                    layer_overhead_us=f.layer_overhead_us + per_layer)
    return dataclasses.replace(profile, **changes)


def overhead(m: ModelSpec, plan: LoraPlan, weights_bytes: int) -> tuple[float, str]:
    """(fractional slowdown of a step, what it rests on): the larger of the FLOP ratio (a compute-bound step) and
    the bytes ratio (a memory-bound step), so it holds whichever bounds the step (module docstring)."""
    s = adapter_size(m, plan.rank, plan.targets)
    flops = s.active / max(1, param_breakdown(m).active_compute)
    read = plan.on_gpu * s.bytes / max(1, weights_bytes)
    if flops >= read:
        return flops, "adapter FLOPs over base FLOPs per token, 2r(d_in+d_out) over 2 d_in d_out per targeted matmul"
    return read, "every resident adapter's bytes read per decode step over the weights' bytes"


def targets_text(plan: LoraPlan, m: ModelSpec) -> str:
    if plan.targets == "attention":
        return "q, k, v, o"
    return "q, k, v, o, gate, up, down" + (" (every expert's)" if m.is_moe else "")


def reason(model: ModelSpec, plan: LoraPlan, eng: ServingProfile, n: int, dp: int, e, flight: float | None = None) -> Reason:
    """The adapters' memory and overhead on the winning engine, with the flags that size them: the slots on the GPUs,
    the rest in host memory and what a request for one of those waits."""
    size = adapter_size(model, plan.rank, plan.targets)
    per_gpu = bytes_per_gpu(model, plan, n)
    ratio, basis = overhead(model, plan, e.weights_bytes)
    kernels = kernels_per_step(model, plan)
    kernel_ms = kernels * eng.efficiency.kernel_floor_us / 1000.0
    flags = eng.lora.flags.format(adapters=plan.on_gpu, rank=plan.rank, served=plan.adapters) if eng.lora else ""
    count = f"{plan.adapters} adapter{'s' if plan.adapters != 1 else ''} of rank {plan.rank}" + (
        f" ({plan.default_note}; set lora_adapters)" if plan.defaulted else "")
    host = plan.adapters - plan.on_gpu
    flying = f"{flight:.1f} sequences in flight at the peak" if flight is not None else "the sequences in flight at the peak"
    where = (f"{plan.on_gpu} on the GPUs at once ({flying}; with random arrivals that many or fewer "
             f"{SLOT_QUANTILE:.0%} of the time), the other {host} in host "
             f"memory: a request for one waits about "
             f"{swap_ms(model, plan, n):,.0f} ms for its copy ({fmt.gb(bytes_per_gpu(model, plan, n, 1))} a GPU at "
             f"{HOST_TO_GPU_GBPS:g} GB/s)") if host else "all on the GPUs"
    return Reason("multi-lora", f"multi-LoRA on {eng.engine}: {count} on {targets_text(plan, model)}, {where} "
                  f"({flags}): {fmt.gb(size.bytes)} each, {fmt.gb(per_gpu)} a GPU taken from the KV cache "
                  f"({fmt.gb(per_gpu * n * dp)} a replica); adapters add {ratio:.1%} to a step (uncalibrated: {basis}) "
                  f"and {kernels:,} kernels of their own, {kernel_ms:,.2f} ms a step at {eng.efficiency.kernel_floor_us:g} us each "
                  f"(a shrink and an expand per adapted layer; both in the TPOT above); "
                  f"engine support: {eng.lora.source if eng.lora else '-'}",
                  "info", {"lora_adapters": plan.adapters, "lora_adapters_on_gpu": plan.on_gpu, "lora_rank": plan.rank,
                           "adapter_bytes": size.bytes, "adapter_bytes_per_gpu": per_gpu, "adapter_bytes_per_replica": per_gpu * n * dp,
                           "lora_overhead": ratio, "lora_kernels_per_step": kernels, "lora_kernel_ms": kernel_ms, "adapter_swap_ms": swap_ms(model, plan, n) if host else 0.0})


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
