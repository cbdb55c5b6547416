"""What one replica of a candidate runs: how many engines, each on how many GPUs, in which parallel layout,
with which memory, context and batch settings (all from the candidate and its memory breakdown)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from advisor.catalog.load import Catalog
from advisor.domain.precision import (
    QUANTIZED_ONLINE,  # re-exported: deploy's name for it
    listed_checkpoint,
)
from advisor.domain.recommendation import Candidate
from advisor.domain.workload import Workload
from advisor.errors import InputError
from advisor.physics.lora import LoraPlan

VLLM_MAX_UTILIZATION = 0.95
"""Highest ``--gpu-memory-utilization`` written: vLLM 0.12 captures its CUDA graphs after sizing the KV cache, so
they (and anything else outside its budget) must fit in the rest of the GPU."""
TRTLLM_MAX_FREE_FRACTION = 0.95
"""Highest ``free_gpu_memory_fraction`` written: what is left of the free memory is the runtime's headroom."""


@dataclass(frozen=True)
class MemorySetting:
    value: float
    """The fraction written into the launch file."""
    need: float
    """The fraction the plan needs in that engine's terms (before the engine default and the caps)."""
    note: str = ""
    """Set when ``value`` cannot hold what the plan needs."""


def runtime_words(vendor: str) -> dict[str, str]:
    """The GPU runtime's context and graphs as a vendor's stack names them: CUDA on NVIDIA, ROCm's HIP on AMD."""
    if vendor == "amd":
        return {"context": "ROCm/HIP context", "graphs": "HIP graphs"}
    return {"context": "CUDA context", "graphs": "CUDA graphs"}


@dataclass(frozen=True)
class GpuMemory:
    """One GPU's share of a candidate's memory breakdown, in bytes (replica totals / GPUs), and the memory
    setting each engine needs to hold it. The engines' settings mean different things:

    - vLLM ``--gpu-memory-utilization``: "the fraction of GPU memory to be used for the model executor" (vLLM
      ``vllm/config/cache.py``, CacheConfig.gpu_memory_utilization; https://docs.vllm.ai/en/latest/configuration/
      engine_args.html). vLLM loads the weights, profiles a forward pass of ``max_num_batched_tokens`` (the
      activation peak) and gives the KV cache what is left of that budget, so the budget must hold weights,
      adapters, the activation peak, the CUDA context and communication buffers AND the planned KV cache.
      CUDA graphs are captured after the KV cache is sized and sit outside the budget in vLLM 0.12 (their size
      is estimated inside it only from https://github.com/vllm-project/vllm/pull/30515, opt-in, and by default
      from v0.21.0), hence ``VLLM_MAX_UTILIZATION``. Planned (weights + KV) / memory alone, without the runtime
      reserve, leaves vLLM too little: "No available memory for the cache blocks".
    - SGLang ``--mem-fraction-static``: "the fraction of the memory used for static allocation (model weights
      and KV cache memory pool)" (https://docs.sglang.io/advanced_features/server_arguments.html): activations
      and CUDA graphs live in the rest, so it must hold weights + adapters + KV and leave the activation and
      fixed overhead outside.
    - TensorRT-LLM ``kv_cache_config.free_gpu_memory_fraction``: a share of the memory FREE after the weights and
      the runtime's own buffers are allocated, not of the total ("0.9 ... will try to allocate 90% of free GPU
      memory for KV cache", https://nvidia.github.io/TensorRT-LLM/examples/kvcacheconfig.html; KvCacheConfig,
      https://nvidia.github.io/TensorRT-LLM/llm-api/reference/KvCacheConfig.html).

    Each setting is the larger of the engine profile's default (more KV room never hurts the plan) and what the
    breakdown needs, rounded up to the hundredth."""

    capacity: int
    weights: int
    adapters: int
    """Resident LoRA adapters (allocated before the KV cache)."""
    activation: int
    """Activation workspace of one forward pass of ``max_batched_tokens`` tokens (the runtime reserve's)."""
    fixed: int
    """The runtime's context (CUDA or ROCm/HIP), its graphs, communication buffers (the runtime reserve's)."""
    kv_need: int
    """KV cache the planned concurrency holds at the admitted context (physical bytes, replicas included)."""

    def setting(self, engine: str, default: float, vendor: str = "nvidia") -> MemorySetting:
        words = runtime_words(vendor)
        cap = max(1, self.capacity)
        outside = self.activation + self.fixed
        if engine == "sglang":
            need = (self.weights + self.adapters + self.kv_need) / cap
            ceiling = math.floor((1.0 - outside / cap) * 100) / 100
            short = (f"--mem-fraction-static {ceiling:.2f} cannot hold the {need * cap / 1e9:,.1f} GB of weights, adapters "
                     f"and planned KV cache a GPU and still leave {outside / 1e9:,.1f} GB for activations and {words['graphs']}")
        elif engine == "trtllm":
            free = cap - self.weights - self.adapters - outside
            need = self.kv_need / free if free > 0 else float("inf")
            ceiling = TRTLLM_MAX_FREE_FRACTION
            short = (f"the planned KV cache needs {need:.0%} of the memory free after the weights; free_gpu_memory_fraction "
                     f"is capped at {ceiling:.2f}")
        else:
            need = (self.weights + self.adapters + outside + self.kv_need) / cap
            ceiling = VLLM_MAX_UTILIZATION
            short = (f"vLLM's budget would need {need:.0%} of the GPU ({need * cap / 1e9:,.1f} GB: weights, adapters, "
                     f"activations, the {words['context']} and the planned KV cache); at {ceiling:.2f} it gets less KV cache than planned")
        value = min(max(default, _up(need)), ceiling)
        note = "" if _up(need) <= ceiling else short + ": lower the batch (--max-num-seqs) or use the engine the estimate assumed"
        return MemorySetting(value, need, note)


def _up(x: float) -> float:
    """Up to the next hundredth (a setting that rounds down would miss what is needed)."""
    return math.ceil(x * 100 - 1e-9) / 100


@dataclass(frozen=True)
class EnginePlan:
    model_id: str
    hf_repo: str
    """The model's main repository (its native precision)."""
    gpu: str
    vendor: str
    engine: str
    """The engine the estimate assumed."""
    layout: str
    engines: int
    """Engines per replica (one sold instance may run several side by side)."""
    gpus_per_engine: int
    tensor_parallel: int
    pipeline_parallel: int
    data_parallel: int
    """Attention data-parallel ranks inside one engine (layout ``dep``)."""
    expert_parallel: int
    precision: str
    native_precision: str
    kv_precision: str
    max_model_len: int
    batch: int
    """Concurrent sequences of one engine (all its DP ranks) the estimate admits."""
    max_batched_tokens: int
    kv_need_bytes: int
    kv_capacity_bytes: int
    nodes: int
    """Instances (nodes) one replica spans."""
    gpus_per_node: int
    checkpoint: str = ""
    """The repository the engine loads: the model's published checkpoint of ``precision`` (models.toml
    ``checkpoints``), else ``hf_repo``."""
    memory: GpuMemory | None = None
    """One GPU's share of the candidate's memory breakdown (None: the candidate has no breakdown)."""
    default_fractions: dict[str, float] = field(default_factory=dict)
    """Engine id -> its catalog profile's memory fraction on this GPU's vendor (vLLM 0.90, SGLang 0.88,
    TensorRT-LLM 0.90 of the free memory)."""
    lora: LoraPlan | None = None
    """The adapters the workload serves from this base model (None: none)."""
    lora_served: dict[str, bool] = field(default_factory=dict)
    """Engine id -> whether its catalog ``lora`` table serves ``lora`` on this model (``physics.lora.serves``)."""
    mode: str = ""
    """``reasoning`` or ``non-reasoning`` for a model with answering modes ("" otherwise)."""
    visible_context: int = 0
    """The workload's own ``context_max_tokens`` (``max_model_len`` adds the reasoning tokens of a reasoning row)."""
    trust_remote_code: bool = False
    """The model's repository ships code the engine must run to load it (models.toml ``trust_remote_code``)."""
    full_fine_tune: bool = False
    """The workload fully fine-tunes the model (``physics.training.method_for``): what runs is the team's fine-tuned
    copy of ``repo``, not the vendor's repository."""
    skipped_checkpoint: str = ""
    """A published checkpoint of ``precision`` left out because the GPU's engines cannot load its format
    (``support.rocm_loads``); ``checkpoint`` is then the model's own repository."""
    load_peak_bytes: int = 0
    """Bytes of bf16 weights one GPU holds while an engine that quantizes at load time without streaming reads them,
    where that is more than the GPU's memory (0 otherwise): vLLM is pinned to a release that streams
    (``support.STREAMING_FP8_VLLM``); SGLang is warned about."""
    chunked_kv: bool = False
    """The row's KV was sized with one chunk on the model's chunked-attention layers (Llama 4; the engine profile's
    ``chunked_attention`` policy): vLLM is pinned to a release that keeps it so (``support.CHUNKED_KV_VLLM``)."""
    capped: str = ""
    """Files for another engine than the row's (``retarget``): why their batch is below the row's, "" where it is not."""
    moe: bool = False
    """The model routes experts: vLLM data parallelism then ties its ranks together (``engines._separate``)."""

    @property
    def prequantized(self) -> bool:
        """A published checkpoint already holds ``precision`` weights (no quantization flag, no hand-picked repo)."""
        return bool(self.checkpoint) and self.checkpoint != self.hf_repo

    @property
    def repo(self) -> str:
        return self.checkpoint or self.hf_repo

    def memory_setting(self, engine: str) -> MemorySetting:
        """The memory fraction ``engine`` needs for this plan (``GpuMemory``); the profile default without a
        breakdown."""
        default = self.default_fractions.get(engine, 0.9)
        return self.memory.setting(engine, default, self.vendor) if self.memory else MemorySetting(default, default)

    @property
    def per_rank_batch(self) -> int:
        return max(1, math.ceil(self.batch / max(1, self.data_parallel)))

    @property
    def upcast(self) -> bool:
        """The row serves a quantized published checkpoint (4-bit, or FP8 as DeepSeek-V3/R1 and Kimi K2 ship) in a
        wider precision: the engine needs a dequantized copy (no quantization flag turns MXFP4 weights into FP8, or
        FP8 weights into BF16, at load time); the same values in more bytes, so no quality is lost."""
        from advisor.domain.precision import is_upcast

        return is_upcast(self.precision, self.native_precision)

    @property
    def quantize_online(self) -> bool:
        return (self.precision != self.native_precision and self.precision in QUANTIZED_ONLINE and not self.prequantized
                and not self.upcast)

    @property
    def streaming_fp8(self) -> bool:
        """vLLM must quantize while it reads the weights (``load_peak_bytes``)."""
        return self.quantize_online and self.load_peak_bytes > 0

    @property
    def vllm_pin(self) -> str:
        """``vllm==X.Y.*``: the model's recipe minimum, raised to a streaming release where the load needs one."""
        from advisor.deploy import support

        return support.vllm_pin(self.model_id, self.streaming_fp8, self.chunked_kv)

    @property
    def vllm_image(self) -> str:
        """The upstream ROCm image of at least that release (AMD)."""
        from advisor.deploy import support

        return support.vllm_rocm_image(self.model_id, self.streaming_fp8, self.chunked_kv)

    @property
    def needs_prequantized(self) -> bool:
        return self.precision != self.native_precision and not self.prequantized and (
            self.precision not in QUANTIZED_ONLINE or self.upcast)


def engines_of(c: Candidate) -> int:
    m = re.match(r"^(\d+) engines x ", c.parallelism or "")
    return int(m.group(1)) if m else 1


REASONING_TAIL = 4
"""A reasoning row's launch context holds this many times its mean thinking tokens: thinking lengths are long-tailed
(roughly exponential: about 2% of answers think past 4x the mean), and an answer cut at max_model_len is lost, while
the cost is the mean's (the KV cache is allocated per page as a sequence grows, so the longer limit costs nothing
until a request uses it)."""


def plan_for(c: Candidate, w: Workload, cat: Catalog) -> EnginePlan:
    """The engine-level plan of a self-hosted candidate (InputError for an API candidate). ``max_model_len`` is the
    context the row was costed at, and for a reasoning row the workload's context plus ``REASONING_TAIL`` times its
    mean thinking tokens (``ranking.modes``), at most the model's own limit; its LoRA slots are the ones the row was
    costed for (the same reasoning-scaled workload: a request holds its adapter while it thinks)."""
    if c.deployment != "self-hosted" or not c.gpu:
        raise InputError("candidate", f"{c.label} is an API: there is no engine to launch")
    from advisor.physics import lora
    from advisor.physics.engines import engine_profile
    from advisor.physics.layouts import make_layout
    from advisor.physics.sizing import load_peak_bytes, runtime_reserve
    from advisor.ranking.modes import scaled_workload

    m, g = cat.models[c.model], cat.gpus[c.gpu]
    k = engines_of(c)
    n = max(1, c.gpus // k)
    lay = make_layout(m, g, n, c.layout or "tp")
    profile = engine_profile(cat, g, c.engine).for_vendor(g.vendor)
    mq = cat.quality_modes.get(m.id, {}).get(c.mode) if c.mode else None
    scaled = scaled_workload(w, mq)
    adapters = lora.plan_for(scaled)  # as the row was costed: a reasoning request holds its slot while it thinks too
    defaults, served = {}, {}
    for eid in ("vllm", "sglang", "trtllm"):
        try:
            other = engine_profile(cat, g, eid)
        except InputError:  # the engine does not run on this vendor's GPUs
            other = profile
        defaults[eid] = float(other.memory.kv_cache_fraction)
        served[eid] = adapters is None or lora.serves(other, m, adapters)
    mem = c.memory
    gpu_mem = None
    if mem:
        per = max(1, c.gpus)
        weights = mem.weights_bytes // per
        res = runtime_reserve(m, g, n, profile.memory, weights)
        gpu_mem = GpuMemory(capacity=mem.capacity_bytes // per, weights=weights,
                            adapters=lora.bytes_per_gpu(m, adapters, n) if adapters else 0,
                            activation=res.activation_bytes, fixed=res.fixed_bytes, kv_need=mem.kv_cache_bytes // per)
    context = scaled.context_max_tokens
    if context > w.context_max_tokens:  # a reasoning row: costed at the mean thinking, launched for its tail
        context = min(m.max_position_embeddings or context * REASONING_TAIL,
                      w.context_max_tokens + REASONING_TAIL * (context - w.context_max_tokens))
    inst = c.instance_gpus or min(c.gpus, g.gpus_per_node)
    prec = c.precision or "bf16"
    from advisor.deploy.support import rocm_loads
    from advisor.physics.training import method_for

    published = listed_checkpoint(m, prec, g.vendor)
    skipped = published if published and g.vendor == "amd" and not rocm_loads(published) else ""
    return EnginePlan(
        model_id=m.id, hf_repo=m.hf_repo, gpu=g.id, vendor=g.vendor, engine=c.engine or profile.id, layout=lay.layout,
        engines=k, gpus_per_engine=n, tensor_parallel=lay.tensor_parallel, pipeline_parallel=lay.pipeline_parallel,
        data_parallel=lay.data_parallel, expert_parallel=lay.expert_parallel, precision=prec,
        native_precision=m.native_precision, kv_precision=c.kv_precision or "bf16", max_model_len=context,
        batch=int(c.batch or 1), max_batched_tokens=int(profile.memory.max_batched_tokens),
        kv_need_bytes=mem.kv_cache_bytes if mem else 0, kv_capacity_bytes=mem.kv_capacity_bytes if mem else 0,
        nodes=max(1, math.ceil(c.gpus / inst)), gpus_per_node=min(c.gpus, inst),
        checkpoint=(published if not skipped else "") or m.hf_repo, skipped_checkpoint=skipped,
        full_fine_tune=method_for(w.fine_tuning, w.fine_tuning_method) == "full",
        memory=gpu_mem, default_fractions=defaults, lora=adapters, lora_served=served, mode=c.mode or "", visible_context=w.context_max_tokens,
        trust_remote_code=m.trust_remote_code, moe=m.is_moe, load_peak_bytes=load_peak_bytes(m, g, n) if prec in QUANTIZED_ONLINE else 0,
        chunked_kv=bool(m.chunked_layers) and profile.chunked_attention_kv != "full",
    )


def retarget(p: EnginePlan, engine: str, c: Candidate, w: Workload, cat: Catalog) -> EnginePlan:
    """``p`` for files of ``engine`` where the row was costed on another (``p.engine``): the same layout, GPUs and
    memory, and the batch at most what ``engine`` holds there. Engines cache alike only in part: SGLang and TensorRT-LLM
    keep the whole context on Llama 4's chunked-attention layers where vLLM keeps one chunk, and each admits sequences
    by its own rule (vLLM and SGLang at input + half the output, TensorRT-LLM at the whole request), so the row's batch
    may not fit (user trial 27: Llama 4 Scout at a 131k context, vLLM's 8 sequences on one H200 where SGLang holds 3).

    The cap is ``engine``'s own estimate in the layout with the row's batch pinned (``concurrency``): its batch is
    the least of that, the engine's batch limit and the sequences its KV cache holds at its admission context. Where it is
    lower it is said in ``capped`` (a WARNING in the files), and the KV the plan needs becomes what those sequences hold
    there: physical bytes (times the layout's KV copies, as the memory breakdown counts them), at most the engine's KV
    room, per GPU for the memory setting and per replica for the KV line. Unchanged where ``engine`` is the row's, cannot
    be estimated in the layout, or does not hold the weights and one sequence at its default memory share: then the
    files keep the row's memory and batch, and their memory setting warns where that engine's flag cannot hold them
    (``GpuMemory.setting``; Llama 4 Maverick FP8 on 3 H200s fits vLLM at 0.95, not at its default 0.9)."""
    if engine == p.engine or p.memory is None:
        return p
    from dataclasses import replace

    from advisor.common import fmt
    from advisor.physics.engines import engine_profile
    from advisor.physics.performance import estimate_for
    from advisor.ranking.bounds import admission_context
    from advisor.ranking.modes import scaled_workload

    m, g = cat.models[p.model_id], cat.gpus[p.gpu]
    scaled = scaled_workload(w, cat.quality_modes.get(m.id, {}).get(c.mode) if c.mode else None)
    try:
        profile = engine_profile(cat, g, engine)
        theirs = estimate_for(m, g, p.gpus_per_engine, p.precision, scaled.input_tokens, scaled.output_tokens,
                              kv_precision=p.kv_precision, engine=profile, layout=p.layout, concurrency=p.batch)
    except (InputError, ValueError, KeyError):
        return p
    if not theirs.fits:  # at the engine's default memory share: the files' memory setting says what it takes (a WARNING)
        return p
    cap = theirs.batch
    if cap >= p.batch:
        return p
    admitted = admission_context(theirs, profile)  # the tokens a running sequence holds as that engine admits it
    copies = theirs.parallelism.kv_replication if theirs.parallelism else 1
    per_seq = theirs.kv_layout.bytes_for_context(admitted) * copies
    room = theirs.fit.kv_capacity_bytes * copies
    kv = min(room, cap * per_seq)
    chunks = (f"; it keeps the whole context on {m.id}'s chunked-attention layers, where {p.engine} keeps one chunk"
              if p.chunked_kv and profile.chunked_attention_kv == "full" else "")
    by_kv = (cap + 1) * per_seq > room  # one more sequence would not fit: the KV cache sets the cap, else the batch limit
    limit = (f"its KV cache of {fmt.gb(room)} at {fmt.gb(per_seq)} a sequence{chunks}" if by_kv else
             f"its batch limit in this layout; its KV cache of {fmt.gb(room)} would hold more")
    why = (f"{engine} holds at most {cap} sequence{'' if cap == 1 else 's'} of {admitted:,} tokens per engine on "
           f"{p.gpus_per_engine}x {p.gpu} in this layout ({limit}), where the row's {p.engine} plan runs {p.batch}: these "
           f"files cap the batch at {cap}, so this engine serves less than the row's estimate; rank with --engines "
           f"{engine} for its own bill")
    return replace(p, batch=cap, capped=why, kv_need_bytes=int(kv) * p.engines, kv_capacity_bytes=int(room) * p.engines,
                   memory=replace(p.memory, kv_need=int(kv) // max(1, p.gpus_per_engine)))
