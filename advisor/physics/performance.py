"""Roofline throughput and latency for one deployment, in one parallel layout, with one serving engine.

A decode step of B sequences (per GPU, in its layout: advisor.physics.layouts) is a sum over operations of
max(bytes / (HBM x eff_bw), FLOPs / (peak x efficiency)) -- a per-operation roofline, not one max over the
step:
    dense linear   non-expert weights read once per step; 2 x non-expert active params x tokens FLOPs at the
                   weights' tensor rate (FP4 on Blackwell, FP8, BF16)
    attention      the batch's KV cache read at eff_bw x eff_kv; QK/AV FLOPs at the attention rate (FP8 with an FP8 KV cache on
                   GPUs with FP8 tensor cores, else BF16 -- never the FP4 rate)
    experts        the experts the batch touches (busiest EP rank, whose grouped-GEMM FLOPs carry at least the routing
                   floor's share: advisor.physics.moe.EP_ROUTING_FLOOR); grouped-GEMM FLOPs at the weights' rate x
                   the grouped-GEMM efficiency (advisor.physics.moe: tokens per expert, the expert's width, and the
                   format's grouped-kernel rate -- NVFP4 on Blackwell, block-scaled FP8 on Hopper), plus
                   permute/finalize bytes
then + the layout's communication (bytes / link + latency per collective) + fixed overheads (per step, per layer, per
MoE layer). Prefill runs the same operations on chunks of the engine's max_batched_tokens at ``eff_prefill``; TTFT
is a lone prompt's C chunks: under P pipeline stages passing the stages in turn, (C + P - 1) stage times; under
attention data parallelism on the one rank that holds the sequence (its attention and dense layers not shared). A request costs
one prefill and ``output_tokens`` decode steps; with continuous batching the sustained output rate at concurrency B is
B x out / (out x t_step(B) + prefill(B x in)). The throughput-optimal batch is the largest the KV cache holds (the
engine admits by input + output, or by the mean context), capped by the engine's batch limit per scheduler
(TensorRT-LLM: the max_batch_size trtllm-bench computes, per rank under attention DP: advisor.physics.engine_caps);
under a TPOT limit it is the largest batch within the limit. Everything is divided by the engine's relative speed.

``estimate_for`` searches the layouts the engine supports and keeps the best (``layout=`` pins one).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

from advisor.domain.specs import GpuSpec, ModelSpec
from advisor.measure.store import correction_for, load as load_corrections
from advisor.physics.coverage import borrowed_factor_note, known_error_warning, layout_warning, reach_warning
from advisor.errors import InputError
from advisor.domain.serving import ServingProfile
from advisor.domain.precision import FORMATS, kv_bytes_per_element, resolve_precision, scheme
from advisor.physics.engines import native_formats, precision_support, unsupported_reason
from advisor.physics.layouts import (LAYOUT_ALIASES, Parallelism, caller_id, check_request, comm_bytes_per_gpu, fit_as,
                                     layouts_for, make_layout, parallelism, passed_over, weights_per_gpu)
from advisor.physics.batching import operating_point
from advisor.physics.engine_caps import engine_cap
from advisor.physics.floor import kernels_per_step, moe_layer_us
from advisor.physics.kv_policy import KvAllocation, resolve as resolve_kv
from advisor.physics.moe import (ep_compute_load, ep_max_load, experts_touched, expert_shape_efficiency, grouped_format_rate,
                                 grouped_gemm_efficiency, weight_only)
from advisor.physics.sizing import Fit, KvLayout, active_params, kv_layout, param_breakdown, weight_bytes

__all__ = ["Estimate", "StepCost", "Parallelism", "estimate_for", "parallelism", "experts_touched", "peak_flops",
           "default_kv_precision", "kernels_per_step"]


@dataclass(frozen=True)
class StepCost:
    """Time of one decode step, by component (seconds)."""

    memory_s: float
    """Operations bound by HBM bandwidth (sum over operations)."""
    compute_s: float
    """Operations bound by tensor-core throughput (sum over operations)."""
    comm_s: float
    overhead_s: float
    bytes_per_gpu: float
    flops_per_gpu: float
    experts_touched: float
    """Expected distinct routed experts read per MoE layer at this batch."""
    moe_s: float = 0.0
    """Of memory_s + compute_s: the routed-expert operations (grouped GEMMs, permute)."""

    @property
    def total_s(self) -> float:
        return self.memory_s + self.compute_s + self.comm_s + self.overhead_s

    @property
    def bound(self) -> str:
        if self.comm_s > max(self.memory_s, self.compute_s):
            return "interconnect"
        return "memory bandwidth" if self.memory_s >= self.compute_s else "compute"


@dataclass(frozen=True)
class Estimate:
    """Throughput and latency of one deployment for one request shape."""

    model: str
    gpu: str
    gpus: int
    precision: str
    kv_precision: str
    input_tokens: int
    output_tokens: int
    total_params: int
    active_params: int
    weights_bytes: int
    kv_bytes_per_token: int
    """KV bytes per token over the full-attention layers."""
    kv_bytes_for_context: int
    """KV bytes of one sequence at input + output tokens."""
    fits: bool
    shortfall_bytes: int
    max_concurrency: int
    """Sequences of input + output tokens the KV cache holds at once."""
    batch: int
    """Concurrent sequences at the operating point (throughput-optimal, or the best under the TPOT limit)."""
    output_tokens_per_s: float
    """Sustained output tokens/s of the whole deployment at ``batch``."""
    ttft_ms: float
    tpot_ms: float
    tpot_limit_ms: float | None
    meets_tpot_limit: bool
    bound: str
    """What limits a decode step: memory bandwidth, compute or interconnect."""
    step: StepCost | None
    parallelism: Parallelism | None
    fit: Fit
    kv_layout: KvLayout  # KV per sequence as the engine allocates it (advisor.physics.kv_policy)
    factors: dict = field(default_factory=dict, compare=False)
    """Efficiency factors used (the serving profile's, resolved for the GPU's vendor)."""
    warnings: tuple[str, ...] = ()
    engine: str = ""
    """Serving engine id the estimate assumes (trtllm, vllm, sglang)."""
    layout: str = ""
    """Parallel layout (tp, tp_ep, dep, pp): searched unless pinned."""
    layouts_tried: tuple[tuple[str, float], ...] = field(default=(), compare=False)
    """(layout, output tokens/s) of every layout searched."""
    cached_input_tokens: int = 0  # prompt tokens whose KV the engine reuses (prefix caching): held, not prefilled
    kv_policy: str = ""  # how the engine allocates KV for windowed layers (advisor.physics.kv_policy)

    def kv_bytes(self, context_tokens: int) -> int:
        """KV bytes of one sequence at ``context_tokens`` tokens."""
        return self.kv_layout.bytes_for_context(context_tokens)


def default_kv_precision(precision: str, gpu: GpuSpec, model: ModelSpec | None = None) -> str:
    """KV cache precision a serving engine uses by default with these weights: FP8 when the weights are
    8-bit or narrower and the GPU has FP8 tensor cores -- unless the model's quantized checkpoint ships another
    KV precision (``ModelSpec.fp8_kv_precision``) -- else bf16. Pass ``kv_precision`` to override; the
    calibration rows carry the KV precision each measurement ran with."""
    quantized = ("fp8", "fp4", "nvfp4", "mxfp4", "int4", "int8", "mxfp4-experts")
    if precision not in quantized or not gpu.fp8_tflops:
        return "bf16"
    return model.fp8_kv_precision if model is not None else "fp8"


def _rate(gpu: GpuSpec, compute: str) -> float:
    """A format the GPU has no rate for runs weight-only (the estimate warns): FP4 at the FP8 rate where there is one,
    else (FP8 on Ampere included) at the BF16 rate."""
    tflops = {"bf16": gpu.bf16_tflops, "fp8": gpu.fp8_tflops, "fp4": gpu.fp4_tflops, "int8": gpu.int8_tops}.get(compute, 0.0)
    if not tflops and compute == "fp4":
        tflops = gpu.fp8_tflops  # FP4 weights upcast to FP8 on Hopper-class parts
    return (tflops or gpu.bf16_tflops) * 1e12


def peak_flops(gpu: GpuSpec, precision: str, part: str = "linear") -> float:
    """Dense tensor peak (FLOP/s) the ``part`` (``linear`` or ``experts``) matmuls of ``precision`` run at."""
    s = scheme(resolve_precision(precision, gpu.vendor))
    fmt = s.experts if part == "experts" else s.linear
    return _rate(gpu, fmt.compute)


def attention_flops_rate(gpu: GpuSpec, kv_precision: str, attention: str = "gqa") -> float:
    """Attention runs in FP8 with an FP8 KV cache on GPUs with FP8 tensor cores, else in BF16. MLA decode is the
    exception on Hopper: it computes in BF16 whatever the cache precision (aiconfigurator-core 0.12.0's TRT-LLM MLA
    generation tables on H200 take the same time with FP8 and BF16 latents, ~0.6-0.7 of the BF16 peak where
    compute-bound); only Blackwell's MLA kernels run FP8 (B200 tables: FP8 ~1.9x BF16 at batch 256, 16k tokens).
    Blackwell is told apart by its FP4 tensor cores."""
    fp8 = kv_precision == "fp8" and gpu.fp8_tflops and (attention != "mla" or gpu.fp4_tflops)
    return _rate(gpu, "fp8" if fp8 else "bf16")


def _attention_flops_per_token(m: ModelSpec, context: float, prefill: bool = False) -> float:
    """FLOPs of QK^T and AV for one query token over ``context`` cached tokens, all layers.

    MLA decode attends in the weight-absorbed latent space (QK over kv_lora_rank + rope = 576 dims, AV over 512
    for DeepSeek-V3); prefill runs the plain multi-head form (QK over qk_nope + qk_rope = 192, AV over
    v_head_dim = 128), as DeepSeek-V2 (arXiv 2405.04434, sec. 2.1.3) and vLLM's and SGLang's MLA backends do:
    the absorbed form is 3.4x the FLOPs per cached token, cheap only where decode is bandwidth-bound."""
    nh = m.num_attention_heads
    if m.attention == "mla" and prefill and m.qk_nope_head_dim and m.v_head_dim:
        d_qk, d_v = m.qk_nope_head_dim + m.qk_rope_head_dim, m.v_head_dim
    elif m.attention == "mla":
        d_qk, d_v = m.kv_lora_rank + m.qk_rope_head_dim, m.kv_lora_rank  # weight-absorbed decode
    elif m.attention == "csa":
        d_qk = d_v = m.head_dim
        context = min(context, m.index_topk or context) + m.sliding_window
    else:
        d_qk = d_v = m.head_dim
    full = m.full_attention_layers if m.attention != "csa" else m.num_hidden_layers
    per_layer_full = 2 * nh * (d_qk + d_v) * context
    win = 0.0
    if m.sliding_window_layers and m.attention != "csa":
        win += m.sliding_window_layers * 2 * nh * (d_qk + d_v) * min(context, m.sliding_window)
    if m.chunked_layers:
        win += m.chunked_layers * 2 * nh * (d_qk + d_v) * min(context, m.attention_chunk_size / 2)
    return full * per_layer_full + win


@lru_cache(maxsize=4096)  # used by one search's layouts and GPU counts in a row: a short memory is enough
def _base(m: ModelSpec, gpu: GpuSpec, precision: str, kv_precision: str, engine: ServingProfile, inp: int, out: int,
          cached: int = 0) -> dict:
    """The layout-independent coefficients of ``_Model`` for one (model, GPU, precision, KV precision, engine, request
    shape), the same for every layout and GPU count: computed once (``clear_memos`` empties it); ``_Model`` divides
    them by its layout's degrees in the order it always did (bit-identical floats). ``cached`` prompt tokens (prefix
    caching) are not prefilled: ``new`` = inp - cached tokens are, each attending to the cached ones and half its own."""
    f = engine.efficiency
    params, w = param_breakdown(m), weight_bytes(m, precision)
    bw = gpu.hbm_tbps * 1e12 * f.eff_bw * engine.gpu_multiplier(gpu.id, "eff_bw", gpu.calibrated_as)  # b300 takes b200's
    dec, pre = (engine.gpu_multiplier(gpu.id, k, gpu.calibrated_as) for k in ("eff_decode", "eff_prefill"))
    lin, exp_peak, att = peak_flops(gpu, precision), peak_flops(gpu, precision, "experts"), attention_flops_rate(gpu, kv_precision, m.attention)
    if precision_support(engine, gpu, precision) == "weight-only":  # dequantized to BF16 (catalogs/engine.toml [engines.<id>.hardware])
        lin, exp_peak = min(lin, _rate(gpu, "bf16")), min(exp_peak, _rate(gpu, "bf16"))
    ne_flops = 2.0 * (params.active_compute - params.active_routed_experts)
    if resolve_precision(precision, gpu.vendor) == "nvfp4" and m.nvfp4_attention_precision != "nvfp4" and ne_flops > 0:
        att_rate = _rate(gpu, FORMATS[m.nvfp4_attention_precision].compute)  # the checkpoint's unquantized attention
        lin = ne_flops / (2.0 * params.attention / att_rate + (ne_flops - 2.0 * params.attention) / lin)
    ctx = inp + out / 2.0
    return {"f": f, "inp": inp, "out": out, "new": inp - cached, "bw": bw, "kv_bw": bw * f.eff_kv, "lin_dec": lin * f.eff_decode * dec,
            "lin_pre": lin * f.eff_prefill * pre, "exp_dec": exp_peak * f.eff_decode * dec, "exp_pre": exp_peak * f.eff_prefill * pre,
            "att_dec": att * f.eff_decode * dec, "att_pre": att * f.eff_prefill * pre, "n_experts": m.n_routed_experts,
            "top_k": m.num_experts_per_tok, "skew": float(f.routing_skew), "step_overhead": f.step_overhead_us * 1e-6,
            "speed": float(f.engine_speed), "chunk": float(engine.memory.max_batched_tokens), "_full_pass_s": None,
            "ne_bytes": w.non_expert - (0 if m.tie_word_embeddings else w.embedding_and_head / 2),
            "ne_flops": ne_flops,
            "kv_read": kv_layout(m, kv_precision).bytes_for_context(int(ctx)), "att_flops_dec": _attention_flops_per_token(m, ctx),
            "att_flops_pre": _attention_flops_per_token(m, cached + (inp - cached) / 2.0, prefill=True), "expert_bytes": w.per_expert,
            "expert_flops": 2.0 * params.expert_params, "permute": 8.0 * m.hidden_size, "kernels": kernels_per_step(m),
            "wo": weight_only(scheme(precision).experts.bytes_per_param, exp_peak, _rate(gpu, "bf16"))}


MEMOS = (_base,)  # this module's caches (``fit_as`` is layouts'): ``advisor.ranking.context.clear_memos`` empties them


class _Model:
    """Precomputed per (model, gpu, layout, precision, request shape) coefficients: evaluating a batch is a
    few dozen float operations, so the batch search, the layout search and a full ranking stay cheap.

    Quantities are per GPU for one pipeline stage; ``b`` is tokens in the (micro-)batch over the whole
    deployment."""

    def __init__(self, m: ModelSpec, gpu: GpuSpec, precision: str, kv_precision: str, engine: ServingProfile,
                 lay: Parallelism, inp: int, out: int, cached: int = 0):
        self.__dict__.update(_base(m, gpu, precision, kv_precision, engine, inp, out, cached))
        f = self.f
        self.m, self.lay = m, lay
        P, T, D = lay.pipeline_parallel, lay.tensor_parallel, lay.data_parallel
        self.P, self.D, self.EP, self.MT = P, D, lay.expert_parallel, lay.moe_tensor_parallel
        self.ne_bytes, self.ne_flops = self.ne_bytes / (T * P), self.ne_flops / (T * P)
        self.kv_read = self.kv_read * lay.kv_replication / T / P
        self.att_flops_dec, self.att_flops_pre = self.att_flops_dec / T / P, self.att_flops_pre / T / P
        self.moe_layers = m.moe_layers / P
        self.expert_bytes, self.expert_flops = self.expert_bytes * self.moe_layers, self.expert_flops * self.moe_layers
        self.permute = self.permute * self.moe_layers
        link = (gpu.internode_gbps if lay.collective_spans_nodes else gpu.interconnect_gbps) * 1e9 * f.eff_link
        self.link = link
        self.lat = f.allreduce_latency_us * 1e-6 * (2.0 if lay.collective_spans_nodes else 1.0)
        self.comm_bytes1, self.n_coll = comm_bytes_per_gpu(m, lay, 1.0)
        self.pp_hop = (m.hidden_size * 2.0 / (gpu.internode_gbps * 1e9 * f.eff_link) + self.lat) if P > 1 and lay.spans_nodes else 0.0
        self.stage_overhead = (f.layer_overhead_us * m.num_hidden_layers / P + moe_layer_us(f.moe_layer_overhead_us, gpu, precision) * self.moe_layers
                               + f.kernel_floor_us * self.kernels / P) * 1e-6
        # grouped-GEMM shape and format terms (advisor.physics.moe); FP8 is block-scaled where the vendor's own checkpoint
        # is FP8 (DeepSeek-V3/R1, Kimi K2 ship 128x128 block scales), per-tensor otherwise (ModelOpt/TensorRT-LLM FP8)
        block = precision == "fp8" and m.native_precision == "fp8"
        self.g_shape = expert_shape_efficiency(m.moe_intermediate_size) if m.is_moe else 1.0
        self.g_fmt = grouped_format_rate(scheme(precision).experts.compute, block, bool(gpu.fp4_tflops))

    def touched(self, tokens: float) -> float:
        return experts_touched(self.n_experts, self.top_k, tokens, self.skew)

    def _stage(self, b: float, prefill: bool, lone: bool = False) -> tuple[float, float, float, float, float, float]:
        """(memory-bound s, compute-bound s, comm s, moe s, bytes, flops) of one stage for ``b`` tokens over the ``D``
        attention-DP ranks, or (``lone``: one prompt's) all on one rank; the experts split them EP ways either way."""
        b_att = b if lone else b / self.D
        mem = cmp = 0.0
        by = fl = 0.0
        lin_rate, att_rate, exp_rate = (self.lin_pre, self.att_pre, self.exp_pre) if prefill else (self.lin_dec, self.att_dec, self.exp_dec)
        # dense linear
        tb, tf = self.ne_bytes / self.bw, b_att * self.ne_flops / lin_rate
        by, fl = self.ne_bytes, b_att * self.ne_flops
        if tb >= tf:
            mem += tb
        else:
            cmp += tf
        # attention
        kv = 0.0 if prefill else b_att * self.kv_read
        af = b_att * (self.att_flops_pre if prefill else self.att_flops_dec)
        tb, tf = kv / self.kv_bw, af / att_rate
        by, fl = by + kv, fl + af
        if tb >= tf:
            mem += tb
        else:
            cmp += tf
        moe = 0.0
        if self.n_experts:
            touched = self.touched(b)
            pairs = b * self.top_k
            if self.EP > 1:
                load = ep_max_load(pairs, self.EP, self.f.ep_imbalance)
                rank_pairs = pairs / self.EP * load
                eb = min(self.n_experts / self.EP, touched / self.EP * load) * self.expert_bytes
                ef = pairs / self.EP * ep_compute_load(pairs, self.EP, self.f.ep_imbalance) * self.expert_flops
            else:
                rank_pairs = pairs
                eb = touched * self.expert_bytes / self.MT
                ef = pairs * self.expert_flops / self.MT
            g = grouped_gemm_efficiency(pairs / max(touched, 1e-9), self.f.moe_half_tokens, self.f.eff_moe, self.g_shape, self.g_fmt, self.wo)
            tb, tf = eb / self.bw, ef / (exp_rate * g)
            pb = rank_pairs * self.permute
            moe = (tb if tb >= tf else tf) + pb / self.bw
            if tb >= tf:
                mem += tb
            else:
                cmp += tf
            mem += pb / self.bw
            by, fl = by + eb + pb, fl + ef
        # a lone prompt's rank sends all its tokens (dispatch, or an allgather padded to the largest rank's): D x a share
        comm = self.comm_bytes1 * (b * self.D if lone else b) / self.link + self.n_coll * self.lat + self.pp_hop
        return mem, cmp, comm, moe, by, fl

    def step_s(self, batch: float) -> float:
        mem, cmp, comm, _, _, _ = self._stage(batch / self.P, False)
        return (self.P * (mem + cmp + comm + self.stage_overhead) + self.step_overhead) / self.speed

    def step(self, batch: float) -> StepCost:
        mem, cmp, comm, moe, by, fl = self._stage(batch / self.P, False)
        P, s = self.P, self.speed
        return StepCost(memory_s=P * mem / s, compute_s=P * cmp / s, comm_s=P * comm / s,
                        overhead_s=(P * self.stage_overhead + self.step_overhead) / s, bytes_per_gpu=P * by,
                        flops_per_gpu=P * fl, experts_touched=self.touched(batch) if self.n_experts else 0.0,
                        moe_s=P * moe / s)

    def prefill_s(self, prompts: float) -> float:
        """Time to prefill ``prompts`` prompts of ``new`` tokens (chunks of max_batched_tokens per scheduler; D ranks' shares)."""
        if prompts <= 0:
            return 0.0
        tokens = prompts * self.new
        per_pass = self.chunk * self.D
        if tokens > per_pass:  # full chunks: every pass costs the same (computed once per model)
            if self._full_pass_s is None:
                self._full_pass_s = self._pass_s(per_pass)
            return tokens / per_pass * self._full_pass_s
        return self._pass_s(tokens)

    def lone_prefill_s(self) -> float:
        """One prompt prefilled alone (the unloaded TTFT's prefill; the prefill queue's service time), a step per chunk:
        under attention DP (``D`` > 1) on the one rank holding its sequence, which runs its attention and dense layers
        alone and sends all its tokens to the experts; pipeline stages pass its chunks in turn, (chunks + P - 1) stages."""
        if self.new <= 0 or (self.D == 1 and self.P == 1):
            return self.prefill_s(1)
        c = min(self.new, self.chunk)
        if self.P > 1:
            return self._pass_s(c, self.new / c)
        mem, cmp, comm, _, _, _ = self._stage(c, True, lone=True)
        return self.new / c * (mem + cmp + comm + self.stage_overhead + self.step_overhead) / self.speed

    def _pass_s(self, tokens: float, chunks: float = 0.0) -> float:
        """A pass of ``tokens`` in P micro-batches; with ``chunks``, a lone prompt's: (chunks + P - 1) stage times."""
        mem, cmp, comm, _, _, _ = self._stage(tokens if chunks else tokens / self.P, True, bool(chunks))
        return ((chunks + self.P - 1 if chunks else self.P) * (mem + cmp + comm + self.stage_overhead) + self.step_overhead) / self.speed

    def cycle(self, batch: int) -> tuple[float, float]:
        """(output tokens/s, TPOT seconds) at concurrency ``batch``: ``out`` decode steps plus the prefill
        of the ``batch`` prompts that replace the finished ones.

        TPOT is what one stream sees: its ``out`` decode steps plus the other ``batch - 1`` prompts' prefills (that
        share of the cycle's); its own prefill precedes its first token (TTFT). Alone, it decodes at the step time."""
        step, prefill = self.out * self.step_s(batch), self.prefill_s(batch)
        return batch * self.out / (step + prefill), (step + prefill * (batch - 1) / batch) / self.out


def estimate_for(m: ModelSpec, gpu: GpuSpec, gpus: int, precision: str, input_tokens: int, output_tokens: int,
                 kv_precision: str | None = None, tpot_limit_ms: float | None = None, *,
                 engine: ServingProfile, layout: str | None = None, concurrency: int | None = None,
                 chunked_kv: str | None = None, cached_input_tokens: int = 0, sliding_kv: str | None = None,
                 ttft_limit_ms: float | None = None) -> Estimate:
    """Estimate one deployment served by ``engine`` (a profile from catalogs/engine.toml), in ``layout`` or
    in the best layout the engine supports (most output tokens/s among those that fit and meet the TPOT
    limit). ``concurrency`` pins the number of concurrent sequences (capped by what the KV cache and the
    engine admit) instead of searching for the best batch. The KV cache admits sequences at what the engine
    ALLOCATES (advisor.physics.kv_policy.resolve): ``chunked_kv`` ``full``/``chunked`` for chunked-attention
    layers (Llama 4), ``sliding_kv`` ``window``/``pool``/``full`` for sliding-window layers (gpt-oss, Gemma 3); None:
    the engine's policy in catalogs/engine.toml, with its sources. The first ``cached_input_tokens`` of each
    prompt are reused from the KV cache (prefix caching): KV held, prefill skipped. ``ttft_limit_ms``: layouts whose
    unloaded TTFT meets it come first (attention DP prefills a prompt on one rank: a long prompt's TTFT can miss it)."""
    precision, kv_precision, layout = caller_id(precision), caller_id(kv_precision), caller_id(layout)
    layout = LAYOUT_ALIASES.get(layout, layout)
    check_request(gpus, input_tokens, output_tokens, tpot_limit_ms, layout, cached_input_tokens)
    m, alloc = resolve_kv(m, engine, chunked_kv, sliding_kv)
    engine = engine.for_vendor(gpu.vendor)
    prec = resolve_precision(precision, gpu.vendor)
    scheme(prec)
    kv_precision = kv_precision or default_kv_precision(prec, gpu, m)
    kv_bytes_per_element(kv_precision)
    if layout is not None:
        lay = make_layout(m, gpu, gpus, layout)
        if lay.layout != layout:
            raise InputError("layout", f"pp needs 2 or more GPUs (one pipeline stage each), got {gpus}" if layout == "pp" else f"{layout} needs an MoE model whose routed experts divide over 2 or more GPUs ({m.id}: {m.n_routed_experts or 'no'} routed experts, {gpus} GPU{'' if gpus == 1 else 's'})")
        lays = (lay,)
    else:
        lays = layouts_for(m, gpu, gpus, engine.layouts)
    try:  # a team's own measurements, looked up per layout only when there are any
        measured = bool(load_corrections())
    except Exception:  # noqa: BLE001 - a broken measurements file never breaks an estimate (`validate --mine` reports it)
        measured = False
    best = None
    tried, late = [], []
    for lay in lays:
        core = _layout_core(m, gpu, gpus, precision, prec, input_tokens, output_tokens, kv_precision, tpot_limit_ms,
                            engine, lay, concurrency, cached_input_tokens, alloc)
        fits, tput, tpot = core[0].fits, core[3], core[4]
        ttft_ms = (core[1].lone_prefill_s() + core[1].step_s(core[2])) * 1e3 if ttft_limit_ms is not None and fits and len(lays) > 1 else 0.0
        fast = ttft_ms < (ttft_limit_ms or math.inf)
        k = correction_for(m.id, gpu.id, gpus, precision, engine.id, lay.layout, input_tokens, output_tokens) if fits and measured else None
        tpot_ms = tpot * 1e3 if fits else math.inf
        if k is not None:  # the team measured this deployment (`moe-advisor calibrate`): their number wins
            tput, tpot_ms = tput * k, tpot_ms / k
        tried.append((lay.layout, tput))
        late += [(tput, lay.layout, ttft_ms)] if not fast and core[5] else []
        key = (fits, core[5], fast, tput, -tpot_ms)
        if best is None or key > best[0]:
            best = (key, core, lay, k)
    _, core, lay, k = best
    passed = [passed_over(name, tput, ttft, ttft_limit_ms, lay.layout, gpus) for tput, name, ttft in sorted(late, reverse=True)[:1]
              if best[0][2] and tput > best[0][3]]
    return _estimate_layout(m, gpu, gpus, precision, prec, input_tokens, output_tokens, kv_precision, tpot_limit_ms, engine,
                            lay, core, k, tuple(tried) if len(tried) > 1 else (), alloc, passed)


def _layout_core(m: ModelSpec, gpu: GpuSpec, gpus: int, precision: str, prec: str, input_tokens: int, output_tokens: int,
                 kv_precision: str, tpot_limit_ms: float | None, engine: ServingProfile, lay: Parallelism,
                 concurrency: int | None, cached: int, alloc: KvAllocation) -> tuple:
    """What the layout search compares, for one layout: (fit, step model, batch, output tokens/s, TPOT seconds,
    meets the TPOT limit); None/0 when the weights do not fit. KV held: what the engine allocates (``alloc``)."""
    ctx = input_tokens + output_tokens
    w = weight_bytes(m, prec)
    per_gpu = weights_per_gpu(w.non_expert, w.routed_experts, lay)
    kv = alloc.layout(m, kv_precision)
    fitted = fit_as(m, gpu, gpus, prec, ctx, kv_precision, engine.memory, lay.kv_replication, per_gpu, precision, kv)
    if not fitted.fits:
        return fitted, None, 0, 0.0, math.inf, False
    model = _Model(m, gpu, prec, kv_precision, engine, lay, input_tokens, output_tokens, cached)
    admission_ctx = input_tokens + output_tokens / 2.0 if engine.efficiency.kv_admission == "average" else ctx
    kv_fit = int(fitted.kv_capacity_bytes // max(1, kv.bytes_for_context(int(admission_ctx))))
    b_max = max(1, min(engine_cap(m, gpu, gpus, prec, kv_precision, engine, lay, input_tokens, output_tokens), kv_fit))
    if concurrency is not None:
        b_max = max(1, min(b_max, int(concurrency)))
    return (fitted, model, *operating_point(model.cycle, b_max, tpot_limit_ms))


def _estimate_layout(m: ModelSpec, gpu: GpuSpec, gpus: int, precision: str, prec: str, input_tokens: int, output_tokens: int,
                     kv_precision: str, tpot_limit_ms: float | None, engine: ServingProfile, lay: Parallelism,
                     core: tuple, k: float | None, tried: tuple[tuple[str, float], ...], alloc: KvAllocation,
                     passed: list[str] = ()) -> Estimate:
    """The estimate of the layout the search chose, from its ``_layout_core``: the step's parts, TTFT and the
    warnings (built for the chosen layout only), with the team's correction ``k`` and every layout's result."""
    fitted, model, batch, tput, tpot, meets = core
    ctx, w, layout, p = input_tokens + output_tokens, weight_bytes(m, prec), alloc.layout(m, kv_precision), param_breakdown(m)
    warnings: list[str] = list(passed)  # a faster layout that misses the TTFT target
    if engine.calibrated_models is not None and m.id not in engine.calibrated_models:
        kind = "MoE with %d experts" % m.n_routed_experts if m.is_moe else "dense model"
        warnings.append(f"{m.id} is not in the calibration set ({kind}): the estimate extrapolates the fitted factors")
    if engine.calibrated_models is not None and gpu.id not in engine.calibrated_gpus:
        warnings.append(f"{gpu.id} is not in the calibration set: the estimate extrapolates the fitted factors{borrowed_factor_note(engine, gpu)}")
    if m.attention == "csa":
        warnings.append("compressed sparse attention (DeepSeek V4) is modelled approximately: KV and attention FLOPs are rough")
    if lay.spans_nodes:
        warnings.append(f"{gpus} GPUs span {math.ceil(gpus / gpu.gpus_per_node)} nodes: parallel traffic crosses the {gpu.internode_gbps:g} GB/s inter-node link")
    if not lay.tp_divides_heads:
        warnings.append(f"{lay.tensor_parallel}-way tensor parallelism does not divide {m.num_attention_heads} attention heads: serving engines "
                        f"refuse it; {gpus} GPUs need pipeline parallelism or attention data parallelism")
    stage = gpus // max(1, lay.pipeline_parallel)  # a pipeline stage holds its layers' experts over its own GPUs
    if m.is_moe and stage > 1 and m.n_routed_experts % stage != 0:
        warnings.append(f"{m.n_routed_experts} experts do not divide over {stage} GPUs: experts tensor-parallel instead of expert-parallel")
    if unsupported_reason(engine, gpu, precision) and (engine.serves(precision) or not engine.serves(prec)):
        warnings.append(f"{unsupported_reason(engine, gpu, precision)}: no {engine.id} deployment runs this")
    if lacks := native_formats(gpu, precision):
        warnings.append(f"{gpu.id} has no {'/'.join(lacks).upper()} tensor cores: {precision} weights are served weight-only, the "
                        f"matmuls at the {'FP8' if lacks == ('fp4',) and gpu.fp8_tflops and precision_support(engine, gpu, precision) != 'weight-only' else 'BF16'} rate")
    common = dict(
        model=m.id, gpu=gpu.id, gpus=gpus, precision=precision, kv_precision=kv_precision,
        input_tokens=input_tokens, output_tokens=output_tokens, total_params=p.total, active_params=active_params(m),
        weights_bytes=w.total, kv_bytes_per_token=layout.bytes_per_token_full, kv_bytes_for_context=layout.bytes_for_context(ctx),
        fits=fitted.fits, shortfall_bytes=fitted.shortfall_bytes, max_concurrency=fitted.max_concurrency,
        tpot_limit_ms=tpot_limit_ms, parallelism=lay, fit=fitted, factors=engine.factors_dict(gpu.id, gpu.calibrated_as), kv_layout=layout,
        engine=engine.id, layout=lay.layout, layouts_tried=tried, kv_policy=alloc.label(m), cached_input_tokens=model.inp - model.new if model else 0)
    if not fitted.fits:
        return Estimate(batch=0, output_tokens_per_s=0.0, ttft_ms=math.inf, tpot_ms=math.inf, meets_tpot_limit=False,
                        bound="memory capacity", step=None, warnings=tuple(warnings), **common)
    ttft = model.lone_prefill_s() + (st := model.step(batch)).total_s  # a lone prompt, then the running batch's step
    said = (reach_warning(engine.id, m.is_moe, batch), layout_warning(lay.layout), None if k is not None else known_error_warning(m.id, gpu.id, engine, lay.layout, batch))
    warnings += [x for x in said if x]
    if not meets:
        warnings.append(f"even one stream takes {tpot * 1e3:.1f} ms per output token, over the {tpot_limit_ms:g} ms limit")
    tpot_ms = tpot * 1e3
    if k is not None:  # the team measured this deployment (`moe-advisor calibrate`): their number wins
        tput, tpot_ms = tput * k, tpot_ms / k
        warnings.append(f"throughput x{k:.3f} from your own measurement (moe-advisor validate --mine)")
    return Estimate(batch=batch, output_tokens_per_s=tput, ttft_ms=ttft * 1e3, tpot_ms=tpot_ms, meets_tpot_limit=meets,
                    bound=st.bound, step=st, warnings=tuple(warnings), **common)
