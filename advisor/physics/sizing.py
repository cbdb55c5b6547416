"""Architecture-exact sizing: parameters, weight bytes, KV cache bytes and deployment fit.

Pure functions of a ModelSpec (and GpuSpec): same inputs, same outputs, no I/O, no UI imports.
Every result records what it was computed from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from advisor.domain.precision import (
    FORMATS,
    PrecisionScheme,
    WeightFormat,
    kv_bytes_per_element,
    resolve_precision,
    scheme,
)
from advisor.domain.serving import MemoryPolicy
from advisor.domain.specs import GpuSpec, ModelSpec


@dataclass(frozen=True)
class ParamBreakdown:
    """Parameter counts by component (whole model, all layers)."""

    embedding: int
    """Input token embedding (a lookup: it costs memory, not FLOPs)."""
    lm_head: int
    """Output projection (0 when tied to the embedding)."""
    attention: int
    """Attention projections (q/k/v/o or MLA/CSA down/up projections), their biases and norms."""
    dense_ffn: int
    """Dense FFN layers (gated: gate, up, down)."""
    routed_experts: int
    """All routed experts of all MoE layers."""
    shared_experts: int
    """Always-on shared experts."""
    router: int
    """Expert routers (and score-correction biases)."""
    norms: int
    """Layer norms and final norm."""
    active_routed_experts: int
    """Routed-expert parameters one token touches (top-k per MoE layer)."""
    expert_params: int
    """Parameters of one routed expert (one layer)."""

    @property
    def total(self) -> int:
        return (self.embedding + self.lm_head + self.attention + self.dense_ffn + self.routed_experts
                + self.shared_experts + self.router + self.norms)

    @property
    def active_compute(self) -> int:
        """Parameters multiplied per token (excludes the input-embedding lookup): drives FLOPs."""
        return (self.lm_head + self.attention + self.dense_ffn + self.active_routed_experts + self.shared_experts
                + self.router + self.norms) + (self.embedding if self.lm_head == 0 else 0)

    @property
    def active_with_embedding(self) -> int:
        return self.active_compute + (self.embedding if self.lm_head else 0)

    @property
    def non_expert(self) -> int:
        """Everything except routed experts: read on every decode step."""
        return self.total - self.routed_experts


def _attention_params(m: ModelSpec) -> int:
    h = m.hidden_size
    nh = m.num_attention_heads
    if m.attention == "mla":
        qk_head = m.qk_nope_head_dim + m.qk_rope_head_dim
        if m.q_lora_rank:
            q = h * m.q_lora_rank + m.q_lora_rank + m.q_lora_rank * nh * qk_head
        else:
            q = h * nh * qk_head
        kv_a = h * (m.kv_lora_rank + m.qk_rope_head_dim) + m.kv_lora_rank
        kv_b = m.kv_lora_rank * nh * (m.qk_nope_head_dim + m.v_head_dim)
        o = nh * m.v_head_dim * h
        per_layer = q + kv_a + kv_b + o
    elif m.attention == "csa":
        # DeepSeek V4 compressed sparse attention: low-rank query, one shared KV head of head_dim,
        # grouped low-rank output, and a lightning indexer. Approximate: biases and small gates omitted.
        hd = m.head_dim
        q = h * m.q_lora_rank + m.q_lora_rank + m.q_lora_rank * nh * hd
        kv = h * hd * m.num_key_value_heads
        groups = max(1, m.o_groups)
        o = nh * hd * m.o_lora_rank + groups * m.o_lora_rank * h if m.o_lora_rank else nh * hd * h
        indexer = m.q_lora_rank * m.index_n_heads * m.index_head_dim + h * m.index_head_dim + h * m.index_n_heads
        per_layer = q + kv + o + indexer
    else:
        hd = m.head_dim
        q = h * nh * hd * (2 if m.attn_output_gate else 1)
        kv = 2 * h * m.num_key_value_heads * hd
        o = nh * hd * h
        per_layer = q + kv + o
        if m.attention_bias:
            per_layer += nh * hd + 2 * m.num_key_value_heads * hd + h
        elif m.qkv_bias:
            per_layer += nh * hd + 2 * m.num_key_value_heads * hd
        if m.qk_norm:
            per_layer += 2 * hd
        if m.attention_sinks:
            per_layer += nh
    if m.linear_attention_layers:
        # Gated DeltaNet (Qwen3.5/3.6): q/k/v/z and b/a input projections, causal conv, per-head decay and dt bias,
        # gated RMSNorm, output projection.
        key_dim = m.linear_num_key_heads * m.linear_key_head_dim
        value_dim = m.linear_num_value_heads * m.linear_value_head_dim
        nv = m.linear_num_value_heads
        linear = (h * (2 * key_dim + 2 * value_dim) + h * 2 * nv + (2 * key_dim + value_dim) * m.linear_conv_kernel_dim
                  + 2 * nv + m.linear_value_head_dim + value_dim * h)
        return per_layer * (m.num_hidden_layers - m.linear_attention_layers) + linear * m.linear_attention_layers
    return per_layer * m.num_hidden_layers


@lru_cache(maxsize=4096)
def param_breakdown(m: ModelSpec) -> ParamBreakdown:
    """Count parameters from the architecture (gated FFNs: three matrices per FFN)."""
    h = m.hidden_size
    embedding = m.vocab_size * h
    lm_head = 0 if m.tie_word_embeddings else m.vocab_size * h
    dense_ffn = m.dense_layers * 3 * h * m.intermediate_size
    expert = 3 * h * m.moe_intermediate_size
    if m.expert_bias:
        expert += 2 * m.moe_intermediate_size + h
    n_moe = m.moe_layers
    routed = n_moe * m.n_routed_experts * expert
    active_routed = n_moe * m.num_experts_per_tok * expert
    shared_width = m.shared_expert_intermediate_size or m.moe_intermediate_size
    shared = n_moe * m.n_shared_experts * 3 * h * shared_width
    router = n_moe * (h * m.n_routed_experts + (m.n_routed_experts if m.router_bias else 0))
    norms = m.num_hidden_layers * 2 * h + h
    return ParamBreakdown(
        embedding=embedding, lm_head=lm_head, attention=_attention_params(m), dense_ffn=dense_ffn,
        routed_experts=routed, shared_experts=shared, router=router, norms=norms,
        active_routed_experts=active_routed, expert_params=expert,
    )


def active_params(m: ModelSpec) -> int:
    """Active parameters per token, in the publisher's own accounting (with or without the input
    embedding, per ``published_active_counts_embedding``) so that it compares with the model card."""
    p = param_breakdown(m)
    return p.active_with_embedding if m.published_active_counts_embedding else p.active_compute


@dataclass(frozen=True)
class WeightBytes:
    """Bytes of a checkpoint in a precision scheme, by component."""

    precision: str
    routed_experts: int
    """Routed experts (the part that only some tokens read)."""
    non_expert: int
    """Attention, dense FFN, shared experts, embeddings, head, norms, routers."""
    embedding_and_head: int
    """Of ``non_expert``: embedding + LM head (bf16 in every scheme)."""
    per_expert: float
    """One routed expert of one layer."""

    @property
    def total(self) -> int:
        return self.routed_experts + self.non_expert


def linear_format(m: ModelSpec, precision: str) -> WeightFormat:
    """Storage format of the non-expert projections (attention, dense FFN, shared experts) in ``precision``: the
    scheme's own, except ``mxfp4-experts``, which only says the routed experts are MXFP4 and keeps the rest as the
    checkpoint ships it (``ModelSpec.non_expert_precision``: bf16 for gpt-oss, FP8 for DeepSeek-V4)."""
    s = scheme(precision)
    if precision == "mxfp4-experts" and m.non_expert_precision != "bf16":
        return FORMATS[m.non_expert_precision]
    return s.linear


def attention_format(m: ModelSpec, precision: str) -> WeightFormat:
    """Storage format of the attention projections in ``precision``: ``linear_format``'s, except in NVIDIA's NVFP4
    checkpoints that keep attention unquantized (``ModelSpec.nvfp4_attention_precision``). DeepSeek-R1's
    (https://huggingface.co/nvidia/DeepSeek-R1-NVFP4, formerly nvidia/DeepSeek-R1-FP4; its hf_quant_config.json
    lists ``model.layers.N.self_attn*`` for every layer in ``exclude_modules``, read 2026-12-04) comes from ModelOpt's
    DeepSeek recipe: ``ptq.py`` disables every ``*attn*`` quantizer and ``quantize_to_nvfp4.py`` dequantizes the FP8
    checkpoint to BF16 and saves what it does not quantize as it is, BF16
    (https://github.com/NVIDIA/TensorRT-Model-Optimizer/tree/main/examples/deepseek, read 2026-12-04). So R1's 11.4B
    attention parameters weigh 2 B each, 22.8 GB, not NVFP4's 6.4 GB. The dense FFNs and shared experts are NVFP4
    there, as here."""
    if precision == "nvfp4":
        return FORMATS[m.nvfp4_attention_precision]
    return linear_format(m, precision)


@lru_cache(maxsize=8192)
def weight_bytes(m: ModelSpec, precision: str) -> WeightBytes:
    s: PrecisionScheme = scheme(precision)
    p = param_breakdown(m)
    bf16 = 2.0
    emb_head = (p.embedding + p.lm_head) * bf16
    small = (p.norms + p.router) * bf16
    lin, att = linear_format(m, precision).bytes_per_param, attention_format(m, precision).bytes_per_param
    linear = (p.attention + p.dense_ffn + p.shared_experts) * lin + p.attention * (att - lin)  # + 0.0 where att == lin
    experts = p.routed_experts * s.experts.bytes_per_param
    return WeightBytes(
        precision=precision,
        routed_experts=int(round(experts)),
        non_expert=int(round(emb_head + small + linear)),
        embedding_and_head=int(round(emb_head)),
        per_expert=p.expert_params * s.experts.bytes_per_param,
    )


# --------------------------------------------------------------------------- KV cache


@dataclass(frozen=True)
class KvGroup:
    """Layers that cache KV the same way."""

    layers: int
    bytes_per_entry: float
    """Bytes one cached entry costs in one layer."""
    window_tokens: int = 0
    """0 = the layer sees the whole context; else it caches at most this many tokens (sliding/chunked)."""
    tokens_per_entry: int = 1
    """Compression: one cached entry per this many tokens (CSA)."""
    kind: str = "full"
    pool_fraction: float = 0.0
    """An engine's fixed-share pool (advisor.physics.kv_policy): at least this share of the context is charged."""

    def bytes_for_context(self, n: int) -> float:
        tokens = min(n, self.window_tokens) if self.window_tokens else n
        if self.pool_fraction:
            tokens = max(tokens, math.ceil(self.pool_fraction * n))
        entries = -(-tokens // self.tokens_per_entry) if self.tokens_per_entry > 1 else tokens
        return self.layers * self.bytes_per_entry * entries


@dataclass(frozen=True)
class KvLayout:
    """Per-sequence KV-cache bytes, by group of layers that cache alike."""

    kv_precision: str
    groups: tuple[KvGroup, ...]
    formula: str
    """How the per-layer figure was computed, for the record."""

    @property
    def bytes_per_token_full(self) -> int:
        """Bytes per token over the layers that keep the whole context (compressed ones pro rata)."""
        return int(sum(g.layers * g.bytes_per_entry / g.tokens_per_entry for g in self.groups if not g.window_tokens))

    @property
    def windowed_layers(self) -> int:
        return sum(g.layers for g in self.groups if g.window_tokens)

    def bytes_for_context(self, context_tokens: int) -> int:
        """KV bytes one sequence holds at ``context_tokens`` tokens of context."""
        return _layout_bytes(self, max(0, int(context_tokens)))


@lru_cache(maxsize=65536)
def _layout_bytes(layout: KvLayout, n: int) -> int:
    return int(sum(g.bytes_for_context(n) for g in layout.groups))


@lru_cache(maxsize=4096)
def kv_layout(m: ModelSpec, kv_precision: str = "bf16") -> KvLayout:
    b = kv_bytes_per_element(kv_precision)
    groups: list[KvGroup] = []
    if m.attention == "csa":
        # DeepSeek V4: each layer keeps a sliding window of uncompressed entries (head_dim); compressed
        # layers also keep one entry (head_dim + indexer key) per compress_ratio tokens.
        entry = m.head_dim * b
        groups.append(KvGroup(m.num_hidden_layers, entry, window_tokens=m.sliding_window, kind="window"))
        comp = (m.head_dim + m.index_head_dim) * b
        if m.compress_layers:
            groups.append(KvGroup(m.compress_layers, comp, tokens_per_entry=m.compress_ratio, kind=f"compressed 1/{m.compress_ratio}"))
        if m.compress_long_layers:
            groups.append(KvGroup(m.compress_long_layers, m.head_dim * b, tokens_per_entry=m.compress_ratio_long, kind=f"compressed 1/{m.compress_ratio_long}"))
        formula = (f"CSA: {m.sliding_window}-token window of head_dim {m.head_dim} x {b:g} B on every layer; "
                   f"{m.compress_layers} layers keep (head_dim + index_head_dim {m.index_head_dim}) per {m.compress_ratio} tokens, "
                   f"{m.compress_long_layers} layers head_dim per {m.compress_ratio_long} tokens")
        return KvLayout(kv_precision, tuple(groups), formula)
    if m.attention == "mla":
        per_layer = (m.kv_lora_rank + m.qk_rope_head_dim) * b
        formula = f"(kv_lora_rank {m.kv_lora_rank} + qk_rope_head_dim {m.qk_rope_head_dim}) x {b:g} B per layer"
    else:
        per_layer = 2 * m.num_key_value_heads * m.head_dim * b
        formula = f"2 (K,V) x {m.num_key_value_heads} kv heads x head_dim {m.head_dim} x {b:g} B per layer"
    groups.append(KvGroup(m.full_attention_layers, per_layer))
    if m.sliding_window_layers:
        groups.append(KvGroup(m.sliding_window_layers, per_layer, window_tokens=m.sliding_window, kind="sliding window"))
        formula += f"; {m.sliding_window_layers} sliding-window layers capped at {m.sliding_window} tokens"
    if m.chunked_layers:
        groups.append(KvGroup(m.chunked_layers, per_layer, window_tokens=m.attention_chunk_size, kind="chunked"))
        formula += f"; {m.chunked_layers} chunked-attention layers capped at {m.attention_chunk_size} tokens"
    if m.linear_attention_layers:
        # A constant state per sequence: modelled as a one-entry window of the state's size.
        state = m.linear_state_bytes_per_layer
        groups.append(KvGroup(m.linear_attention_layers, state, window_tokens=1, kind="linear-attention state"))
        formula += f"; {m.linear_attention_layers} linear-attention layers keep a constant {state:,} B state per sequence"
    return KvLayout(kv_precision, tuple(g for g in groups if g.layers), formula)


# --------------------------------------------------------------------------- deployment fit


@dataclass(frozen=True)
class RuntimeReserve:
    """Memory the serving engine keeps for itself on each GPU (not weights, not KV cache)."""

    headroom_bytes: int
    """What the engine leaves unused: (1 - kv_cache_fraction) of the memory free after weights and
    workspace (TensorRT-LLM's ``kv_cache_free_gpu_mem_fraction``; vLLM's ``gpu_memory_utilization``
    instead caps the total)."""
    activation_bytes: int
    """Activation workspace for one forward pass of ``max_batched_tokens`` tokens (with an MoE's dispatch buffers:
    ``moe_dispatch_bytes``)."""
    fixed_bytes: int
    """CUDA context, CUDA graphs, communication buffers."""

    @property
    def total(self) -> int:
        return self.headroom_bytes + self.activation_bytes + self.fixed_bytes


TENSORRT_LLM_MEMORY = MemoryPolicy(policy="free_fraction", kv_cache_fraction=0.90, max_batched_tokens=8192, fixed_overhead_gib=1.5)
"""TensorRT-LLM's documented defaults (``kv_cache_config.free_gpu_memory_fraction = 0.9``, 8192-token
``max_num_tokens``) and 1.5 GiB for CUDA context, graphs and communication buffers: what ``fit`` assumes
when no serving profile is given (sizing questions asked without an engine)."""


def load_peak_bytes(m: ModelSpec, gpu: GpuSpec, gpus: int) -> int:
    """bf16 weight bytes on each of an engine's ``gpus`` GPUs while an engine that quantizes at load time without
    streaming reads them all first, where that is more than the GPU holds (0 otherwise): the ranking's checkpoint line
    (``advisor.ranking.explain``) and the vLLM release deploy pins (``advisor.deploy.plan``) read the same figure."""
    per_gpu = weight_bytes(m, "bf16").total // max(1, gpus)
    return per_gpu if per_gpu > gpu.memory_bytes else 0


def runtime_reserve(m: ModelSpec, gpu: GpuSpec, gpus: int, memory: MemoryPolicy | None = None,
                    weights_per_gpu: int = 0) -> RuntimeReserve:
    e = memory or TENSORRT_LLM_MEMORY
    return _runtime_reserve(m, gpu, gpus, weights_per_gpu, e.policy, float(e.kv_cache_fraction),
                            int(e.max_batched_tokens), float(e.fixed_overhead_gib))


def moe_dispatch_bytes(m: ModelSpec, tokens: int) -> int:
    """Bytes of the MoE layer's expanded-row buffers for a forward pass of ``tokens`` tokens: each token is copied
    once per routed expert (``num_experts_per_tok`` rows of ``hidden_size``) into the permuted input of the grouped
    GEMMs, and the second GEMM writes as many rows back before the weighted sum: 2 buffers x tokens x top-k x
    hidden x 2 B (bf16). TensorRT-LLM's fused-MoE workspace sizes both for every expanded row
    (``num_moe_inputs = experts_per_token * num_rows``: ``permuted_data_size`` and ``fc2_result_size`` in
    ``getWorkspaceDeviceBufferSizes``, https://github.com/NVIDIA/TensorRT-LLM/blob/main/cpp/tensorrt_llm/kernels/cutlass_kernels/moe_gemm/moe_kernels.cu,
    read 2026-12-04), not divided by expert parallelism: routing may send every row to one GPU's experts.
    0 for a dense model. DeepSeek-R1 at 8,192 tokens: 2 x 8192 x 8 x 7168 x 2 B = 1.75 GiB per GPU."""
    if not m.is_moe:
        return 0
    return 2 * tokens * m.num_experts_per_tok * m.hidden_size * 2


@lru_cache(maxsize=65536)
def _runtime_reserve(m: ModelSpec, gpu: GpuSpec, gpus: int, weights_per_gpu: int, policy: str, frac: float,
                     tokens: int, fixed_gib: float) -> RuntimeReserve:
    cap = gpu.memory_bytes
    ffn = max(m.intermediate_size, m.num_experts_per_tok * m.moe_intermediate_size, m.moe_intermediate_size)
    # Residual + attention + gated FFN activations in bf16 for one chunk, the FFN/attention shard per GPU,
    # plus fp32 logits for the sampled rows, plus the MoE dispatch buffers (moe_dispatch_bytes).
    act = int(tokens * (4 * m.hidden_size + 3 * ffn / gpus) * 2 + 256 * m.vocab_size * 4 / gpus) + moe_dispatch_bytes(m, tokens)
    fixed = int(fixed_gib * 2**30)
    if policy == "total_fraction":
        headroom = int(cap * (1.0 - frac))
    else:
        headroom = int(max(0, cap - weights_per_gpu - act - fixed) * (1.0 - frac))
    return RuntimeReserve(headroom_bytes=headroom, activation_bytes=act, fixed_bytes=fixed)


@dataclass(frozen=True)
class Fit:
    """Does a model fit on ``gpus`` GPUs of a type, and how much KV cache is left."""

    model: str
    gpu: str
    gpus: int
    precision: str
    kv_precision: str
    capacity_bytes_per_gpu: int
    weights_bytes_per_gpu: int
    reserve: RuntimeReserve
    kv_capacity_bytes: int
    """KV bytes available on the whole deployment (0 when it does not fit)."""
    fits: bool
    shortfall_bytes: int
    """How much memory is missing per GPU (0 when it fits)."""
    context_tokens: int
    kv_bytes_per_sequence: int
    max_concurrency: int
    """Sequences of ``context_tokens`` that fit in the KV cache at once."""

    @property
    def kv_bytes_per_gpu(self) -> int:
        return self.kv_capacity_bytes // self.gpus if self.gpus else 0


MIN_KV_SEQUENCES = 1
"""The least KV cache a deployment needs, in sequences of the workload's longest context: one, on top of the
weights and the engine's reserve (activation workspace incl. the MoE dispatch buffers, CUDA context and graphs,
the engine's unused memory fraction). It is the engines' own start-up check: vLLM refuses to start when the KV
cache cannot hold one ``max_model_len`` request ("To serve at least one request with the model's max seq len
... KV cache is needed, which is larger than the available KV cache memory", vllm/v1/core/kv_cache_utils.py
``_check_enough_kv_cache_memory``; https://github.com/vllm-project/vllm/pull/2163), TensorRT-LLM caps
``max_seq_len`` at what its KV cache holds (https://nvidia.github.io/TensorRT-LLM/reference/memory.html). A fit
with room for only a few sequences is feasible, not economic: its throughput is KV-bound, which the estimate's
concurrency (``Fit.max_concurrency``) and so its cost per token carry."""


def fit(m: ModelSpec, gpu: GpuSpec, gpus: int, precision: str, context_tokens: int,
        kv_precision: str = "bf16", memory: MemoryPolicy | None = None, kv_replication: float = 1.0,
        weights_per_gpu: int | None = None, kv: KvLayout | None = None) -> Fit:
    """Weights shard evenly over the GPUs (tensor/expert parallel); the rest after the engine's reserve
    is KV cache. It fits when at least one sequence of ``context_tokens`` fits in the KV cache.

    ``kv_replication``: copies of each KV entry the group keeps (an MLA latent is replicated on every
    tensor-parallel rank; GQA heads are replicated when TP exceeds the KV-head count).
    ``weights_per_gpu``: the layout's weight bytes per GPU (advisor.physics.layouts.weights_per_gpu; attention
    data parallelism replicates the non-expert weights); default: an even split. ``fp4`` is sized in the
    format the GPU's checkpoints use (NVFP4 on NVIDIA, MXFP4 elsewhere). ``kv``: the KV layout the engine
    allocates (advisor.physics.kv_policy); default: the architecture's."""
    w = weight_bytes(m, resolve_precision(precision, gpu.vendor))
    per_gpu_weights = math.ceil(w.total / gpus) if weights_per_gpu is None else int(weights_per_gpu)
    reserve = runtime_reserve(m, gpu, gpus, memory, per_gpu_weights)
    cap = gpu.memory_bytes
    free_per_gpu = cap - per_gpu_weights - reserve.total
    layout = kv or kv_layout(m, kv_precision)
    per_seq = layout.bytes_for_context(context_tokens)
    kv_total = int(max(0, free_per_gpu) * gpus / max(1.0, kv_replication))
    max_conc = kv_total // per_seq if per_seq else 0
    fits = free_per_gpu > 0 and max_conc >= MIN_KV_SEQUENCES
    shortfall = 0
    if not fits:
        shortfall = max(1, per_gpu_weights + reserve.total + math.ceil(per_seq * max(1.0, kv_replication) / gpus) - cap)
    return Fit(
        model=m.id, gpu=gpu.id, gpus=gpus, precision=precision, kv_precision=kv_precision,
        capacity_bytes_per_gpu=cap, weights_bytes_per_gpu=per_gpu_weights, reserve=reserve,
        kv_capacity_bytes=kv_total if fits else 0, fits=fits, shortfall_bytes=shortfall,
        context_tokens=context_tokens, kv_bytes_per_sequence=per_seq, max_concurrency=int(max_conc) if fits else 0,
    )
