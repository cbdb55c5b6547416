"""Roofline throughput and latency for one deployment (a tensor/expert-parallel group of GPUs).

Decode step at batch B (per GPU, sharded N ways):
    bytes  = dense weights read once + experts actually touched by B tokens + the batch's KV cache
    flops  = 2 x active params x B + attention over each sequence's context
    t_step = max(bytes / (HBM x eff_bw), flops / (peak x eff_decode)) + parallel traffic + fixed overhead
Prefill is compute-bound: 2 x active params per token plus causal attention, at ``eff_prefill``.
A request costs one prefill and ``output_tokens`` decode steps; with continuous batching the sustained
output rate at concurrency B is B x out / (out x t_step(B) + prefill(B x in)). The throughput-optimal
batch is the largest the KV cache holds (capped by the engine's max batch); under a TPOT limit it is the
largest batch whose TPOT (decode step + amortised prefill stalls) stays within the limit.

The efficiency factors are fitted on TensorRT-LLM measurements (``moe-advisor validate``), so the
estimate assumes TensorRT-LLM-class kernels; vLLM and SGLang are typically 10-30% slower at high batch
on the same hardware (set ``engine = "vllm"`` in a user engine catalog to apply their factor).
"""

from __future__ import annotations

import math
from functools import lru_cache
from dataclasses import dataclass, field

from advisor.domain.specs import GpuSpec, ModelSpec
from advisor.errors import InputError
from advisor.domain.precision import kv_bytes_per_element, scheme
from advisor.physics.sizing import Fit, KvLayout, active_params, fit, kv_layout, param_breakdown, weight_bytes

# Defaults used when the engine catalog lacks a factor (the fitted values live in catalogs/engine.toml).
DEFAULT_FACTORS = {
    "eff_bw": 0.80,
    "eff_decode": 0.50,
    "eff_prefill": 0.65,
    "eff_link": 0.70,
    "step_overhead_us": 200.0,
    "layer_overhead_us": 4.0,
    "allreduce_latency_us": 8.0,
    "max_batch": 2048,
    "routing_skew": 1.0,
    "kv_admission": "average",
    "engine_speed": 1.0,
}


@dataclass(frozen=True)
class StepCost:
    """Time of one decode step, by component (seconds)."""

    memory_s: float
    compute_s: float
    comm_s: float
    overhead_s: float
    bytes_per_gpu: float
    flops_per_gpu: float
    experts_touched: float
    """Expected distinct routed experts read per MoE layer at this batch."""

    @property
    def total_s(self) -> float:
        return max(self.memory_s, self.compute_s) + self.comm_s + self.overhead_s

    @property
    def bound(self) -> str:
        if self.comm_s > max(self.memory_s, self.compute_s):
            return "interconnect"
        return "memory bandwidth" if self.memory_s >= self.compute_s else "compute"


@dataclass(frozen=True)
class Parallelism:
    tensor_parallel: int
    expert_parallel: int
    kv_replication: float
    """How many copies of each KV entry the group stores (MLA latents are replicated across TP ranks)."""
    spans_nodes: bool
    note: str
    tp_divides_heads: bool = True
    """Tensor parallelism needs the GPU count to divide the attention heads (vLLM and TensorRT-LLM check it)."""


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
    kv_layout: KvLayout
    factors: dict = field(default_factory=dict, compare=False)
    """Efficiency factors and assumptions used."""
    warnings: tuple[str, ...] = ()

    def kv_bytes(self, context_tokens: int) -> int:
        """KV bytes of one sequence at ``context_tokens`` tokens."""
        return self.kv_layout.bytes_for_context(context_tokens)


def default_kv_precision(precision: str, gpu: GpuSpec) -> str:
    """KV cache precision a serving engine uses by default with these weights: FP8 when the weights are
    8-bit or narrower and the GPU has FP8 tensor cores, else bf16."""
    return "fp8" if precision in ("fp8", "fp4", "int4", "int8", "mxfp4-experts") and gpu.fp8_tflops else "bf16"


def engine_for_gpu(engine: dict | None, gpu: GpuSpec) -> dict | None:
    """The engine profile for a GPU: ``[per_vendor.<vendor>]`` overrides the memory policy and speed
    (AMD GPUs run vLLM on ROCm, not TensorRT-LLM)."""
    if not engine or engine.get("_resolved_for") == gpu.vendor:
        return engine
    vendor = engine.get("per_vendor", {}).get(gpu.vendor)
    if not vendor:
        return engine
    merged = dict(engine)
    merged["memory"] = {**engine.get("memory", {}), **vendor.get("memory", {})}
    factors = dict(engine.get("factors", {}))
    if "engine_speed" in vendor:
        factors["engine_speed"] = vendor["engine_speed"]
    merged["factors"] = factors
    merged["serving_engine"] = vendor.get("engine", engine.get("engine"))
    return merged


def resolved_engine(engine: dict | None, gpu: GpuSpec) -> dict:
    """``engine_for_gpu`` plus the complete factor set, computed once (for loops over many estimates)."""
    e = dict(engine_for_gpu(engine, gpu) or {})
    e["_factors_full"] = _factors(e)
    e["_resolved_for"] = gpu.vendor
    return e


def _factors(engine: dict | None) -> dict:
    if engine and "_factors_full" in engine:
        return engine["_factors_full"]
    f = dict(DEFAULT_FACTORS)
    if engine:
        f.update({k: v for k, v in engine.get("factors", {}).items()})
    return f


def gpu_factor(engine: dict | None, gpu: GpuSpec, key: str) -> float:
    """Per-GPU multiplier on a fitted efficiency (``[per_gpu.<id>]`` in the engine catalog)."""
    if not engine:
        return 1.0
    return float(engine.get("per_gpu", {}).get(gpu.id, {}).get(key, 1.0))


def peak_flops(gpu: GpuSpec, precision: str) -> float:
    """Dense tensor peak (FLOP/s) the matmuls of ``precision`` run at on ``gpu``."""
    compute = scheme(precision).experts.compute if precision == "mxfp4-experts" else scheme(precision).linear.compute
    tflops = {"bf16": gpu.bf16_tflops, "fp8": gpu.fp8_tflops, "fp4": gpu.fp4_tflops, "int8": gpu.int8_tops}.get(compute, 0.0)
    if not tflops and compute == "fp4":
        tflops = gpu.fp8_tflops  # MXFP4 weights upcast to FP8 on Hopper-class parts
    return (tflops or gpu.bf16_tflops) * 1e12


@lru_cache(maxsize=16384)
def parallelism(m: ModelSpec, gpu: GpuSpec, gpus: int) -> Parallelism:
    ep = 1
    note = f"TP{gpus}" if gpus > 1 else "single GPU"
    if m.is_moe and gpus > 1 and m.n_routed_experts % gpus == 0:
        ep = gpus
        note = f"attention TP{gpus}, experts EP{gpus}"
    if m.attention in ("mla", "csa"):
        repl = float(gpus)  # the latent is shared by all heads: every TP rank keeps a full copy
    else:
        repl = max(1.0, gpus / m.num_key_value_heads)
    return Parallelism(tensor_parallel=gpus, expert_parallel=ep, kv_replication=repl,
                       spans_nodes=gpus > gpu.gpus_per_node, note=note,
                       tp_divides_heads=m.num_attention_heads % gpus == 0)


def experts_touched(n_experts: int, top_k: int, tokens: float, skew: float = 1.0) -> float:
    """Expected distinct experts hit when ``tokens`` tokens each pick ``top_k`` of ``n_experts``.

    Uniform routing gives E x (1 - (1 - k/E)^B); a skew > 1 (popular experts) concentrates picks, which
    we model as B/skew independent tokens.
    """
    if n_experts <= 0 or tokens <= 0:
        return 0.0
    eff = tokens / max(1.0, skew)
    return n_experts * (1.0 - (1.0 - top_k / n_experts) ** eff)


def _attention_flops_per_token(m: ModelSpec, context: float) -> float:
    """FLOPs of QK^T and AV for one query token over ``context`` cached tokens, all layers."""
    nh = m.num_attention_heads
    if m.attention == "mla":
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


def _comm_time(m: ModelSpec, gpu: GpuSpec, par: Parallelism, tokens: float, f: dict) -> float:
    n = par.tensor_parallel
    if n <= 1:
        return 0.0
    link = (gpu.internode_gbps if par.spans_nodes else gpu.interconnect_gbps) * 1e9 * f["eff_link"]
    lat = f["allreduce_latency_us"] * 1e-6 * (2.0 if par.spans_nodes else 1.0)
    act = tokens * m.hidden_size * 2.0  # bf16 activations
    allreduce = lat + 2.0 * (n - 1) / n * act / link
    layers = m.num_hidden_layers
    t = layers * allreduce  # after attention
    moe = m.moe_layers
    if par.expert_parallel > 1:
        a2a = 2.0 * (lat + tokens * m.num_experts_per_tok * m.hidden_size * 2.0 * (n - 1) / n / link)
        t += moe * a2a + (layers - moe) * allreduce
    else:
        t += layers * allreduce  # after the FFN / experts
    return t


class _Model:
    """Precomputed per (model, gpu, gpus, precision, request shape) coefficients: evaluating a batch is
    then a handful of float operations, so the batch search and a full ranking stay cheap."""

    def __init__(self, m: ModelSpec, gpu: GpuSpec, gpus: int, precision: str, kv_precision: str, f: dict,
                 engine: dict | None, par: Parallelism, inp: int, out: int):
        self.m, self.gpu, self.n, self.f, self.par = m, gpu, gpus, f, par
        self.inp, self.out = inp, out
        params = param_breakdown(m)
        w = weight_bytes(m, precision)
        layout = kv_layout(m, kv_precision)
        lookup = 0 if m.tie_word_embeddings else w.embedding_and_head / 2
        self.dense_bytes = (w.non_expert - lookup) / gpus
        self.expert_layer_bytes = m.moe_layers * w.per_expert / gpus
        self.n_experts, self.top_k = m.n_routed_experts, m.num_experts_per_tok
        self.skew = float(f["routing_skew"])
        self.imbalance = self.skew if par.expert_parallel > 1 else 1.0
        speed = float(f.get("engine_speed", 1.0))
        self.bw = gpu.hbm_tbps * 1e12 * f["eff_bw"] * gpu_factor(engine, gpu, "eff_bw") * speed
        peak = peak_flops(gpu, precision)
        self.decode_flops = peak * f["eff_decode"] * gpu_factor(engine, gpu, "eff_decode") * speed
        self.prefill_flops = peak * f["eff_prefill"] * gpu_factor(engine, gpu, "eff_prefill") * speed
        self.overhead = (f["step_overhead_us"] + f["layer_overhead_us"] * m.num_hidden_layers) * 1e-6
        active = params.active_compute
        ctx = inp + out / 2.0
        # Per-sequence decode costs at the average context of a request.
        self.kv_per_seq = layout.bytes_for_context(int(ctx)) * par.kv_replication / gpus
        self.flops_per_seq = (2.0 * active + _attention_flops_per_token(m, ctx)) / gpus
        # Prefill of one prompt (per GPU): compute, and the weights streamed per 8192-token chunk.
        self.prefill_flops_per_prompt = inp * (2.0 * active + _attention_flops_per_token(m, inp / 2.0)) / gpus
        # Communication is affine in the tokens of a step: comm = c0 + c1 x tokens.
        self.comm0 = _comm_time(m, gpu, par, 0.0, f)
        self.comm1 = _comm_time(m, gpu, par, 1.0, f) - self.comm0

    def experts_touched(self, tokens: float) -> float:
        return experts_touched(self.n_experts, self.top_k, tokens, self.skew)

    def _step_parts(self, batch: float) -> tuple[float, float, float, float]:
        touched = self.experts_touched(batch) if self.n_experts else 0.0
        by = self.dense_bytes + self.expert_layer_bytes * touched * self.imbalance + batch * self.kv_per_seq
        fl = batch * self.flops_per_seq
        return by / self.bw, fl / self.decode_flops, self.comm0 + self.comm1 * batch, touched

    def step_s(self, batch: float) -> float:
        mem, cmp, comm, _ = self._step_parts(batch)
        return (mem if mem > cmp else cmp) + comm + self.overhead

    def step(self, batch: float) -> StepCost:
        mem, cmp, comm, touched = self._step_parts(batch)
        return StepCost(memory_s=mem, compute_s=cmp, comm_s=comm, overhead_s=self.overhead,
                        bytes_per_gpu=mem * self.bw, flops_per_gpu=cmp * self.decode_flops, experts_touched=touched)

    def prefill_s(self, prompts: float) -> float:
        """Time to prefill ``prompts`` prompts of ``inp`` tokens."""
        if prompts <= 0:
            return 0.0
        tokens = prompts * self.inp
        compute = prompts * self.prefill_flops_per_prompt / self.prefill_flops
        chunks = tokens / 8192.0 if tokens > 8192.0 else 1.0
        touched = self.experts_touched(min(tokens, 8192.0)) if self.n_experts else 0.0
        memory = chunks * (self.dense_bytes + self.expert_layer_bytes * touched) / self.bw
        return (compute if compute > memory else memory) + self.comm0 * chunks + self.comm1 * tokens + chunks * self.overhead

    def cycle(self, batch: int) -> tuple[float, float]:
        """(output tokens/s, TPOT seconds) at concurrency ``batch``: ``out`` decode steps plus the prefill
        of the ``batch`` prompts that replace the finished ones."""
        cycle = self.out * self.step_s(batch) + self.prefill_s(batch)
        return batch * self.out / cycle, cycle / self.out


def estimate_for(m: ModelSpec, gpu: GpuSpec, gpus: int, precision: str, input_tokens: int, output_tokens: int,
                 kv_precision: str | None = None, tpot_limit_ms: float | None = None,
                 engine: dict | None = None) -> Estimate:
    """Estimate one deployment. ``engine`` is the engine catalog (fitted factors)."""
    if gpus < 1:
        raise InputError("gpus", f"must be at least 1, got {gpus}")
    if input_tokens < 1 or output_tokens < 1:
        raise InputError("input_tokens/output_tokens", "must be at least 1")
    if tpot_limit_ms is not None and tpot_limit_ms <= 0:
        raise InputError("tpot_limit_ms", f"must be positive, got {tpot_limit_ms}")
    kv_precision = kv_precision or default_kv_precision(precision, gpu)
    kv_bytes_per_element(kv_precision)
    engine = engine_for_gpu(engine, gpu)
    f = _factors(engine)
    ctx = input_tokens + output_tokens
    par = parallelism(m, gpu, gpus)
    fitted = fit(m, gpu, gpus, precision, ctx, kv_precision, (engine or {}).get("memory"), kv_replication=par.kv_replication)
    w = weight_bytes(m, precision)
    layout = kv_layout(m, kv_precision)
    p = param_breakdown(m)
    warnings: list[str] = []
    if engine and engine.get("calibrated_models") is not None:
        if m.id not in engine["calibrated_models"]:
            kind = "MoE with %d experts" % m.n_routed_experts if m.is_moe else "dense model"
            warnings.append(f"{m.id} is not in the calibration set ({kind}): the estimate extrapolates the fitted factors")
        if gpu.id not in engine.get("calibrated_gpus", ()):
            warnings.append(f"{gpu.id} is not in the calibration set: the estimate extrapolates the fitted factors")
    if m.attention == "csa":
        warnings.append("compressed sparse attention (DeepSeek V4) is modelled approximately: KV and attention FLOPs are rough")
    if par.spans_nodes:
        warnings.append(f"{gpus} GPUs span {math.ceil(gpus / gpu.gpus_per_node)} nodes: parallel traffic crosses the {gpu.internode_gbps:g} GB/s inter-node link")
    if not par.tp_divides_heads:
        warnings.append(f"{gpus}-way tensor parallelism does not divide {m.num_attention_heads} attention heads: serving engines "
                        f"refuse it; {gpus} GPUs need pipeline parallelism, which this estimate does not model")
    if m.is_moe and not (m.n_routed_experts % gpus == 0) and gpus > 1:
        warnings.append(f"{m.n_routed_experts} experts do not divide over {gpus} GPUs: experts tensor-parallel instead of expert-parallel")
    common = dict(
        model=m.id, gpu=gpu.id, gpus=gpus, precision=precision, kv_precision=kv_precision,
        input_tokens=input_tokens, output_tokens=output_tokens, total_params=p.total, active_params=active_params(m),
        weights_bytes=w.total, kv_bytes_per_token=layout.bytes_per_token_full, kv_bytes_for_context=layout.bytes_for_context(ctx),
        fits=fitted.fits, shortfall_bytes=fitted.shortfall_bytes, max_concurrency=fitted.max_concurrency,
        tpot_limit_ms=tpot_limit_ms, parallelism=par, fit=fitted, factors=f, kv_layout=layout,
    )
    if not fitted.fits:
        return Estimate(batch=0, output_tokens_per_s=0.0, ttft_ms=math.inf, tpot_ms=math.inf, meets_tpot_limit=False,
                        bound="memory capacity", step=None, warnings=tuple(warnings), **common)

    model = _Model(m, gpu, gpus, precision, kv_precision, f, engine, par, input_tokens, output_tokens)
    admission_ctx = input_tokens + output_tokens / 2.0 if f["kv_admission"] == "average" else ctx
    kv_fit = int(fitted.kv_capacity_bytes // max(1, layout.bytes_for_context(int(admission_ctx))))
    b_max = max(1, min(int(f["max_batch"]), kv_fit))
    batch = b_max
    tput, tpot = model.cycle(b_max)
    if tpot_limit_ms is not None and tpot * 1e3 > tpot_limit_ms:
        limit_s = tpot_limit_ms / 1e3
        t1, tpot1 = model.cycle(1)
        if tpot1 > limit_s:
            batch, tput, tpot = 1, t1, tpot1
        else:
            lo, hi = 1, b_max
            while hi - lo > 1:  # TPOT grows with batch: bisect for the largest batch within the limit
                mid = (lo + hi) // 2
                if model.cycle(mid)[1] <= limit_s:
                    lo = mid
                else:
                    hi = mid
            batch = lo
            tput, tpot = model.cycle(lo)
    st = model.step(batch)
    ttft = model.prefill_s(1) + st.total_s
    meets = tpot_limit_ms is None or tpot * 1e3 <= tpot_limit_ms
    if not meets:
        warnings.append(f"even one stream takes {tpot * 1e3:.1f} ms per output token, over the {tpot_limit_ms:g} ms limit")
    return Estimate(batch=batch, output_tokens_per_s=tput, ttft_ms=ttft * 1e3, tpot_ms=tpot * 1e3, meets_tpot_limit=meets,
                    bound=st.bound, step=st, warnings=tuple(warnings), **common)
