"""Parallel layouts of one deployment: how ``N`` GPUs split attention, experts and layers.

Four layouts, each a searched choice (``layouts_for``) with its own memory and traffic:

``tp``     attention and experts tensor-parallel over all N GPUs (dense models: plain TP).
``tp_ep``  attention tensor-parallel (TP N), routed experts expert-parallel (EP N, whole experts per GPU).
``dep``    attention data-parallel (DP N: each GPU runs attention for its own sequences), experts EP N
           (TensorRT-LLM ``enable_attention_dp``, SGLang ``--enable-dp-attention``, vLLM ``--data-parallel-size``
           with ``--enable-expert-parallel``).
``pp``     pipeline stages across nodes (one stage per node, TP inside the node); on one node, one stage per GPU.

Notation: W_ne = non-expert weight bytes (attention, dense FFN, shared experts, embeddings, norms, routers),
W_e = routed-expert weight bytes, h = hidden size, k = experts per token, L = layers, L_moe = MoE layers,
B = sequences (decode tokens) in the step over the whole deployment, a = 2 bytes (bf16 activations).

Weights per GPU      tp, tp_ep:  (W_ne + W_e) / N
                     dep:        W_ne + W_e / N          (non-expert weights replicated on every GPU)
                     pp (P stages of T GPUs): (W_ne + W_e) / (P x T)
KV copies per entry  tp, tp_ep:  MLA: N (every TP rank keeps the whole latent); GQA: max(1, N / kv_heads)
                     dep:        1 (each rank stores only its own sequences' KV, MLA latents included)
                     pp:         as tp with T ranks (each stage keeps its own layers' KV)
Batch cap            one scheduler for tp/tp_ep/pp: the engine's max batch; dep: max batch x N (one per rank).
Traffic per GPU per decode step (ring collectives move 2(n-1)/n of the message per GPU for an all-reduce,
(n-1)/n for an all-gather, reduce-scatter or all-to-all):
    tp, tp_ep:  2 L all-reduces of B h a bytes           -> 2 L x 2(N-1)/N x B h a
                (tp_ep: every rank holds every token after the attention all-reduce, computes its own experts
                and the MoE output is summed by the second all-reduce: no all-to-all)
    dep:        per MoE layer, dispatch + combine of the rank's own B/N tokens x k copies
                -> 2 L_moe x (N-1)/N x (B/N) k h a, or, when cheaper, all-gather + reduce-scatter of the
                tokens -> 2 L_moe x (N-1)/N x B h a; dense layers and attention need no traffic.
    pp:         within a stage as tp with T GPUs; between stages, (P - 1) sends of the micro-batch's B/P x h x a.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from advisor.domain.specs import GpuSpec, ModelSpec
from advisor.errors import InputError
from advisor.physics.sizing import Fit, KvLayout, fit

LAYOUTS = ("tp", "tp_ep", "dep", "pp")
LAYOUT_ALIASES = {"ep": "tp_ep", "tep": "tp_ep", "tp+ep": "tp_ep", "attention_tp_ep": "tp_ep",
                  "dp_ep": "dep", "dp+ep": "dep", "adp": "dep", "attention_dp": "dep", "attention_dp_ep": "dep"}
"""Other names callers use for the layouts: "EP" alone means experts split with attention tensor-parallel (TensorRT-LLM's
default when ``moe_expert_parallel_size`` is set); "TEP"/"DEP" are the attention-TP and attention-DP expert-parallel
layouts in NVIDIA's naming; "attention DP" is TensorRT-LLM's ``enable_attention_dp``."""


def caller_id(name: str | None) -> str | None:
    """A caller's spelling of an id, the catalog's way: trimmed, lower case ("FP8" -> "fp8", " DEP" -> "dep")."""
    return name.strip().lower() if isinstance(name, str) else name


ACTIVATION_BYTES = 2.0


@dataclass(frozen=True)
class Parallelism:
    """One parallel layout of ``gpus`` GPUs (the name is kept from the single-layout model)."""

    tensor_parallel: int
    """Attention tensor-parallel degree (inside one pipeline stage)."""
    expert_parallel: int
    kv_replication: float
    """How many copies of each KV entry the deployment stores."""
    spans_nodes: bool
    note: str
    tp_divides_heads: bool = True
    """Tensor parallelism needs the degree to divide the attention heads (vLLM and TensorRT-LLM check it)."""
    layout: str = "tp"
    data_parallel: int = 1
    """Attention data-parallel ranks (each with its own sequences and scheduler)."""
    pipeline_parallel: int = 1
    moe_tensor_parallel: int = 1
    """Tensor-parallel split of every expert (tp layout); 1 under expert parallelism."""
    gpus: int = 1

    @property
    def collective_spans_nodes(self) -> bool:
        """Do the per-layer collectives (TP all-reduce, EP dispatch) cross the inter-node link?"""
        return self.spans_nodes and self.pipeline_parallel == 1


def kv_replication(m: ModelSpec, tp: int) -> float:
    """Copies of each KV entry an attention group of ``tp`` tensor-parallel ranks stores."""
    if tp <= 1:
        return 1.0
    if m.attention in ("mla", "csa"):
        return float(tp)  # the latent is shared by all heads: every TP rank keeps a full copy
    if m.num_key_value_heads <= 0:  # an API-only model has no published architecture: refuse, never divide by zero
        why = "API-only: its architecture is not published" if m.api_only else "num_key_value_heads is 0"
        raise ValueError(f"{m.id} has no KV heads in the catalog ({why}), so its KV cache cannot be split over "
                         f"{tp} tensor-parallel GPUs")
    return max(1.0, tp / m.num_key_value_heads)


@lru_cache(maxsize=16384)
def make_layout(m: ModelSpec, gpu: GpuSpec, gpus: int, name: str) -> Parallelism:
    """The layout ``name`` of ``gpus`` GPUs (no check that it is sensible: see ``layouts_for``)."""
    spans = gpus > gpu.gpus_per_node
    moe_ok = m.is_moe and gpus > 1 and m.n_routed_experts % gpus == 0
    if name == "pp" and gpus > 1:
        pp = math.ceil(gpus / gpu.gpus_per_node) if spans else gpus
        tp = gpus // pp
        return Parallelism(tensor_parallel=tp, expert_parallel=1, kv_replication=kv_replication(m, tp), spans_nodes=spans,
                           note=f"PP{pp} x TP{tp}", tp_divides_heads=m.num_attention_heads % tp == 0, layout="pp",
                           pipeline_parallel=pp, moe_tensor_parallel=tp, gpus=gpus)
    if name == "dep" and moe_ok:
        return Parallelism(tensor_parallel=1, expert_parallel=gpus, kv_replication=1.0, spans_nodes=spans,
                           note=f"attention DP{gpus}, experts EP{gpus}", layout="dep", data_parallel=gpus, gpus=gpus)
    if name == "tp_ep" and moe_ok:
        return Parallelism(tensor_parallel=gpus, expert_parallel=gpus, kv_replication=kv_replication(m, gpus), spans_nodes=spans,
                           note=f"attention TP{gpus}, experts EP{gpus}", tp_divides_heads=m.num_attention_heads % gpus == 0,
                           layout="tp_ep", gpus=gpus)
    note = f"TP{gpus}" if gpus > 1 else "single GPU"
    return Parallelism(tensor_parallel=gpus, expert_parallel=1, kv_replication=kv_replication(m, gpus), spans_nodes=spans,
                       note=note, tp_divides_heads=m.num_attention_heads % gpus == 0, layout="tp",
                       moe_tensor_parallel=gpus, gpus=gpus)


def parallelism(m: ModelSpec, gpu: GpuSpec, gpus: int, layout: str | None = None) -> Parallelism:
    """A layout of ``gpus`` GPUs: ``layout`` if given, else attention TP + experts EP for an MoE whose experts
    divide over the GPUs and plain TP otherwise (the estimate searches all layouts: ``Estimate.parallelism``)."""
    if layout is None:
        layout = "tp_ep" if m.is_moe and gpus > 1 and m.n_routed_experts % gpus == 0 else "tp"
    return make_layout(m, gpu, gpus, layout)


@lru_cache(maxsize=65536)
def fit_as(m: ModelSpec, gpu: GpuSpec, gpus: int, prec: str, ctx: int, kv_precision: str, memory, kv_replication: float,
           weights_per_gpu: int, precision: str, kv: KvLayout | None = None) -> Fit:
    """``fit`` for one layout, labelled with the precision the caller named (the same fit recurs for every
    engine with the same memory policy and every TPOT limit: memoized; ``clear_memos`` empties it). With the
    layout's ``weights_per_gpu`` given, ``fit`` reads the precision only as the label (``prec`` resolves it). ``kv``:
    the KV layout the engine allocates (advisor.physics.kv_policy)."""
    return fit(m, gpu, gpus, precision, ctx, kv_precision, memory, kv_replication=kv_replication, weights_per_gpu=weights_per_gpu, kv=kv)


def layouts_for(m: ModelSpec, gpu: GpuSpec, gpus: int, supported: tuple[str, ...] = LAYOUTS) -> tuple[Parallelism, ...]:
    """The layouts worth searching for ``m`` on ``gpus`` GPUs among ``supported`` (an engine's list):
    expert layouts only for MoE models whose experts divide over the GPUs; pipeline only when the GPUs span
    nodes or tensor parallelism cannot divide the attention heads. Never empty: plain TP is the fallback."""
    return _layouts_for(m, gpu, gpus, tuple(supported))


@lru_cache(maxsize=16384)
def _layouts_for(m: ModelSpec, gpu: GpuSpec, gpus: int, supported: tuple[str, ...]) -> tuple[Parallelism, ...]:
    if gpus <= 1:
        return (make_layout(m, gpu, 1, "tp"),)
    out = []
    tp = make_layout(m, gpu, gpus, "tp")
    if "tp" in supported and tp.tp_divides_heads:
        out.append(tp)
    if m.is_moe and m.n_routed_experts % gpus == 0:
        for name in ("tp_ep", "dep"):
            lay = make_layout(m, gpu, gpus, name)
            if name in supported and lay.tp_divides_heads:
                out.append(lay)
    if "pp" in supported and (gpus > gpu.gpus_per_node or not tp.tp_divides_heads):
        pp = make_layout(m, gpu, gpus, "pp")
        if pp.tp_divides_heads and m.num_hidden_layers >= pp.pipeline_parallel:
            out.append(pp)
    return tuple(out) or (tp,)


def weights_per_gpu(non_expert_bytes: float, expert_bytes: float, lay: Parallelism) -> int:
    """Weight bytes on each GPU (formulas in the module docstring)."""
    shards = lay.tensor_parallel * lay.pipeline_parallel
    if lay.layout == "dep":
        return math.ceil(non_expert_bytes / lay.pipeline_parallel + expert_bytes / lay.expert_parallel)
    return math.ceil((non_expert_bytes + expert_bytes) / shards)


def batch_cap(engine_max_batch: int, lay: Parallelism) -> int:
    """Concurrent sequences the engine schedules: its cap per scheduler, one scheduler per DP rank."""
    return int(engine_max_batch) * lay.data_parallel


def comm_bytes_per_gpu(m: ModelSpec, lay: Parallelism, tokens: float) -> tuple[float, int]:
    """(bytes each GPU sends per step, collectives per step) for ``tokens`` tokens in the step over the whole
    deployment (pipeline layouts: over one stage, for its ``tokens`` micro-batch and its L/P layers)."""
    h, a, k = m.hidden_size, ACTIVATION_BYTES, m.num_experts_per_tok
    layers = m.num_hidden_layers / lay.pipeline_parallel
    moe_layers = m.moe_layers / lay.pipeline_parallel
    if lay.layout == "dep":
        n = lay.expert_parallel
        a2a = (n - 1) / n * (tokens / n) * k * h * a
        gather = (n - 1) / n * tokens * h * a
        return 2.0 * moe_layers * min(a2a, gather), int(round(2 * moe_layers))
    t = lay.tensor_parallel
    byts, coll = 0.0, 0
    if t > 1:
        byts += 2.0 * layers * 2.0 * (t - 1) / t * tokens * h * a
        coll += int(round(2 * layers))
    if lay.pipeline_parallel > 1:
        byts += tokens * h * a
        coll += 1
    return byts, coll


def passed_over(layout: str, tokens_per_s: float, ttft_ms: float, target_ms: float, chosen: str, gpus: int) -> str:
    """The warning of a layout search that kept ``chosen`` over a faster ``layout`` whose unloaded TTFT misses the target."""
    why = f" (attention data parallelism prefills a prompt on one of its {gpus} ranks)" if layout == "dep" else ""
    return (f"{layout} would carry {tokens_per_s:,.0f} output tokens/s, but its unloaded TTFT is {ttft_ms:,.0f} ms, over the "
            f"{target_ms:,.0f} ms target{why}: {chosen} instead")


def check_request(gpus: int, input_tokens: int, output_tokens: int, tpot_limit_ms: float | None, layout: str | None,
                  cached: int = 0) -> None:
    """The arguments of one estimate, each refused with an error naming it."""
    if gpus < 1:
        raise InputError("gpus", f"must be at least 1, got {gpus}")
    if input_tokens < 1 or output_tokens < 1:
        raise InputError("input_tokens/output_tokens", "must be at least 1")
    if not 0 <= cached < input_tokens:
        raise InputError("cached_input_tokens", f"must be at least 0 and under input_tokens ({input_tokens:,}), got {cached:,}")
    if tpot_limit_ms is not None and tpot_limit_ms <= 0:
        raise InputError("tpot_limit_ms", f"must be positive, got {tpot_limit_ms}")
    if layout is not None and layout not in LAYOUTS:
        raise InputError("layout", f"must be one of {', '.join(LAYOUTS)}, got {layout!r}")
