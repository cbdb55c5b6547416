"""Domain types of the catalogs: a model's architecture, an accelerator, a benchmark score.

Frozen dataclasses with config.json field names; every figure carries ``source`` and ``as_of``. This
module imports nothing from the rest of the advisor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property


@dataclass(frozen=True)
class ModelSpec:
    """A model's architecture, with config.json field names, and where the figures come from (an API-only
    model has no architecture: ``api_only``)."""

    id: str
    name: str
    hf_repo: str
    release: str
    num_hidden_layers: int
    hidden_size: int
    num_attention_heads: int
    num_key_value_heads: int
    head_dim: int
    intermediate_size: int
    """FFN width of the dense FFN layers (0 when every layer is MoE)."""
    vocab_size: int
    max_position_embeddings: int
    source: str
    as_of: str
    tie_word_embeddings: bool = False
    attention: str = "gqa"
    """``gqa`` (incl. MHA/MQA), ``mla`` (DeepSeek latent KV) or ``csa`` (DeepSeek V4 compressed)."""
    attention_bias: bool = False
    qkv_bias: bool = False
    qk_norm: bool = False
    attention_sinks: bool = False
    q_lora_rank: int = 0
    kv_lora_rank: int = 0
    qk_nope_head_dim: int = 0
    qk_rope_head_dim: int = 0
    v_head_dim: int = 0
    o_lora_rank: int = 0
    o_groups: int = 0
    compress_ratio: int = 0
    """CSA: KV compression ratio of the ``compress_layers`` layers (tokens per cached entry)."""
    compress_layers: int = 0
    compress_ratio_long: int = 0
    """CSA: the heavier compression ratio of the ``compress_long_layers`` layers."""
    compress_long_layers: int = 0
    index_head_dim: int = 0
    index_n_heads: int = 0
    index_topk: int = 0
    sliding_window: int = 0
    sliding_window_layers: int = 0
    attention_chunk_size: int = 0
    chunked_layers: int = 0
    linear_attention_layers: int = 0
    """Layers of linear attention (Qwen3.5/3.6 Gated DeltaNet): no KV cache, a constant recurrent state per sequence."""
    linear_num_key_heads: int = 0
    linear_num_value_heads: int = 0
    linear_key_head_dim: int = 0
    linear_value_head_dim: int = 0
    linear_conv_kernel_dim: int = 0
    attn_output_gate: bool = False
    """The full-attention q projection also emits a per-head output gate (Qwen3.5/3.6): twice the q width."""
    n_routed_experts: int = 0
    num_experts_per_tok: int = 0
    n_shared_experts: int = 0
    moe_intermediate_size: int = 0
    shared_expert_intermediate_size: int = 0
    first_k_dense_replace: int = 0
    moe_layer_step: int = 1
    expert_bias: bool = False
    router_bias: bool = False
    native_precision: str = "bf16"
    non_expert_precision: str = "bf16"
    """Storage format of the attention, dense-FFN and shared-expert projections in the native ``mxfp4-experts``
    checkpoint: ``bf16`` as gpt-oss ships them, ``fp8`` for DeepSeek-V4 (config.json quantization_config: FP8
    e4m3 block-scaled linears, ``expert_dtype`` fp4). Only that scheme reads it; embeddings, head, norms and
    routers stay bf16."""
    nvfp4_attention_precision: str = "nvfp4"
    """Storage format of the attention projections in NVIDIA's NVFP4 (ModelOpt) checkpoint: ``nvfp4`` where it
    quantizes them with the other linear layers (ModelOpt's default recipe leaves only the LM head and routers out),
    ``bf16`` where it keeps them unquantized: DeepSeek-V3/R1, whose ``hf_quant_config.json`` excludes every
    ``self_attn`` and whose FP8 attention ModelOpt's converter writes back dequantized to BF16. Only the ``nvfp4``
    scheme reads it (``fp4`` on NVIDIA GPUs); MXFP4 sizing does not."""
    fp8_kv_precision: str = "fp8"
    """KV-cache precision the model's FP8 serving checkpoint ships with (some NVIDIA FP8 checkpoints keep BF16 KV):
    what an engine uses by default when serving its FP8 (or narrower) weights."""
    trust_remote_code: bool = False
    """The engines must run code from the model's own repository to load it (Kimi K2's tokenizer,
    tokenization_kimi.py): launch files pass ``--trust-remote-code`` (vLLM, SGLang) or ``trust_remote_code: true``
    (TensorRT-LLM). Set where the publisher's or the engine's deployment guide asks for it (models.toml cites it)."""
    checkpoints: dict = field(default_factory=dict, compare=False)
    """Published pre-quantized checkpoints by weight precision (``{"fp8": "owner/repo"}``); ``hf_repo`` is the
    ``native_precision`` one. Each is confirmed to exist and cited in models.toml's ``notes``."""
    published_total_params: float = 0.0
    published_active_params: float = 0.0
    published_active_counts_embedding: bool = True
    params_source: str = ""
    notes: str = ""
    api_only: bool = False
    """A closed model sold only per token (GPT-5.5, Claude Opus 4.7): no published weights or architecture, so
    every architecture field is 0 and ``max_position_embeddings`` is the context window its vendor publishes.
    It ranks through its API offers; self-hosting it is rejected (advisor.ranking.guard)."""
    vendor: str = ""
    """Who makes the model and sells its API (``openai``, ``anthropic``); set for API-only models."""

    def __hash__(self) -> int:  # cheap, and computed once: memo keys hash the spec tens of thousands of times a ranking
        try:
            return self.__dict__["_hash"]
        except KeyError:  # kept beside the cached properties, not a field: equality still compares every field
            h = self.__dict__["_hash"] = hash(("model", self.id, self.num_hidden_layers, self.hidden_size))
            return h

    def __getstate__(self) -> dict:
        """Pickled without its hash: a string's hash differs from process to process (advisor.common.memo_store)."""
        return {k: v for k, v in self.__dict__.items() if k != "_hash"}

    def checkpoint(self, precision: str) -> str:
        """The published checkpoint of ``precision`` weights ("" when none is recorded; ``hf_repo`` for the native one)."""
        return self.hf_repo if precision == self.native_precision else self.checkpoints.get(precision, "")

    @property
    def is_moe(self) -> bool:
        return self.n_routed_experts > 0

    @property
    def architecture(self) -> str:
        """``moe``, ``dense``, or ``closed`` for an API-only model (neither: MoE/dense rules do not apply)."""
        if self.api_only:
            return "closed"
        return "moe" if self.is_moe else "dense"

    @cached_property
    def moe_layers(self) -> int:
        """Number of layers whose FFN is a mixture of experts."""
        if not self.is_moe:
            return 0
        step = max(1, self.moe_layer_step)
        return sum(1 for i in range(self.first_k_dense_replace, self.num_hidden_layers) if (i + 1) % step == 0)

    @cached_property
    def dense_layers(self) -> int:
        return self.num_hidden_layers - self.moe_layers

    @cached_property
    def full_attention_layers(self) -> int:
        """Layers that attend to (and cache) the whole context."""
        return self.num_hidden_layers - self.sliding_window_layers - self.chunked_layers - self.linear_attention_layers

    @property
    def linear_state_bytes_per_layer(self) -> int:
        """Per-sequence state of one linear-attention layer: the fp32 recurrent state (value heads x key dim x value
        dim) plus the bf16 causal-conv window ((kernel - 1) x conv channels)."""
        if not self.linear_attention_layers:
            return 0
        key_dim = self.linear_num_key_heads * self.linear_key_head_dim
        value_dim = self.linear_num_value_heads * self.linear_value_head_dim
        recurrent = self.linear_num_value_heads * self.linear_key_head_dim * self.linear_value_head_dim * 4
        conv = max(0, self.linear_conv_kernel_dim - 1) * (2 * key_dim + value_dim) * 2
        return recurrent + conv


@dataclass(frozen=True)
class GpuSpec:
    """One accelerator type: memory, bandwidth, dense peak compute and interconnect."""

    id: str
    name: str
    vendor: str
    memory_gib: float
    hbm_tbps: float
    bf16_tflops: float
    interconnect: str
    interconnect_gbps: float
    """Scale-up bandwidth per GPU per direction (GB/s)."""
    gpus_per_node: int
    internode_gbps: float
    """Scale-out bandwidth per GPU per direction (GB/s)."""
    source: str
    as_of: str
    fp8_tflops: float = 0.0
    fp4_tflops: float = 0.0
    int8_tops: float = 0.0
    tdp_w: float = 0.0
    notes: str = ""
    calibrated_as: str = ""
    """A calibrated GPU of the same architecture and serving software whose fitted per-GPU factors this one takes
    until it has calibration rows of its own (b300: b200's); empty: none (the factors' 1.0)."""

    def __hash__(self) -> int:  # computed once, as ModelSpec's
        try:
            return self.__dict__["_hash"]
        except KeyError:
            h = self.__dict__["_hash"] = hash(("gpu", self.id, self.memory_gib, self.hbm_tbps))
            return h

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_hash"}

    @property
    def memory_bytes(self) -> int:
        return int(self.memory_gib * 2**30)


@dataclass(frozen=True)
class QualityScore:
    """A model's score on a named public benchmark."""

    model: str
    benchmark: str
    score: float
    source: str
    as_of: str
    notes: str = ""
