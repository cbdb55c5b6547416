"""The part of a self-hosted configuration that never depends on traffic: the GPU counts tried, and for a model,
GPU, precision and engine the KV precision, the smallest count that holds the model at the context and the memory
rejections a user would ask about. Memoized in the process and kept between processes."""

from __future__ import annotations

import math
from functools import lru_cache

from advisor.common import fmt, memo_store
from advisor.common.memo_store import spec_key
from advisor.domain.precision import resolve_precision
from advisor.domain.recommendation import Reason, Rejection
from advisor.domain.serving import ServingProfile
from advisor.domain.specs import GpuSpec, ModelSpec
from advisor.physics import lora
from advisor.physics.performance import default_kv_precision, parallelism
from advisor.physics.sizing import weight_bytes
from advisor.ranking.context import memo_fit, memoized

GPU_COUNTS = (1, 2, 4, 8, 16)


@memoized
@lru_cache(maxsize=65536)
def _sizing(deployment: str, model: ModelSpec, gpu: GpuSpec, precision: str, eng: ServingProfile, context: int, max_gpus: int,
            provider: str, plan: lora.LoraPlan | None = None) -> tuple[str, int | None, tuple[Rejection, ...]]:
    """The part of a configuration that never depends on traffic, memoized so a traffic edit re-uses it: the KV
    precision, the smallest GPU count that holds the model at the context (None when none does) and the memory
    rejections a user would ask about (the next smaller count; a 3-way split that does not divide the heads).
    With LoRA adapters planned, each count is fitted with the resident adapters taken from its KV room. Kept
    between processes too (``advisor.common.memo_store``)."""
    key = (deployment, spec_key(model), spec_key(gpu), precision, spec_key(eng), context, max_gpus, provider,
           None if plan is None else spec_key(plan))
    return memo_store.get("sizing", key, lambda: _sizing_of(deployment, model, gpu, precision, eng, context, max_gpus, provider, plan))


def _sizing_of(deployment: str, model: ModelSpec, gpu: GpuSpec, precision: str, eng: ServingProfile, context: int,
               max_gpus: int, provider: str, plan: lora.LoraPlan | None) -> tuple[str, int | None, tuple[Rejection, ...]]:
    def prof(n: int) -> ServingProfile:
        return eng if plan is None else lora.profile_for(eng, model, n, plan)

    kv_prec = default_kv_precision(precision, gpu, model)
    weights = weight_bytes(model, resolve_precision(precision, gpu.vendor)).total  # fp4: NVFP4 on NVIDIA, MXFP4 on AMD
    cap = gpu.memory_bytes
    fitting = None
    last_fail = None
    for n in (n for n in GPU_COUNTS if n <= max_gpus):
        if weights / n >= cap:  # cannot hold even the weights: skip the full check
            last_fail = (n, None)
            continue
        par, f = memo_fit(model, gpu, n, precision, context, kv_prec, prof(n))
        if not par.tp_divides_heads:
            continue
        if f.fits:
            fitting = n
            break
        last_fail = (n, f)
    if fitting is None:
        if last_fail is None:
            return kv_prec, None, ()
        n, f = last_fail
        if f is None:
            f = memo_fit(model, gpu, n, precision, context, kv_prec, prof(n))[1]
        rej = _memory_rejection(deployment, model, gpu, precision, provider, n, f, weights, plan, prof(n))
        if n >= max_gpus and n < max(GPU_COUNTS):
            reason = rej.reasons[0]
            rej = Rejection(**{**rej.__dict__, "reasons": (Reason(reason.code, reason.message + f" (max_gpus is {max_gpus})",
                                                                    reason.severity, reason.numbers),)})
        return kv_prec, None, (rej,)
    out: list[Rejection] = []
    if last_fail is not None:
        # The next smaller configuration is the one people try first: say why it does not work.
        n_fail, f_fail = last_fail
        if f_fail is None:
            f_fail = memo_fit(model, gpu, n_fail, precision, context, kv_prec, prof(n_fail))[1]
        out.append(_memory_rejection(deployment, model, gpu, precision, provider, n_fail, f_fail, weights, plan, prof(n_fail)))
    if fitting > 2 and 3 <= max_gpus and model.num_attention_heads % 3:
        _par3, f3 = memo_fit(model, gpu, 3, precision, context, kv_prec, prof(3))
        if f3.fits and "pp" in eng.layouts and model.num_hidden_layers >= 3:
            return kv_prec, PIPELINE_GPUS, tuple(out)  # costed as PP3 x TP1 on one node (PIPELINE_FOR_UNEVEN_COUNTS)
        if f3.fits:
            out.append(Rejection(model=model.id, deployment=deployment, provider=provider, gpu=gpu.id, gpus=3,
                                 precision=precision, reasons=(Reason(
                                     "tensor-parallel", f"3x {gpu.id} would hold the {fmt.gb(weights)} of weights, but 3-way "
                                     f"tensor parallelism does not divide {model.num_attention_heads} attention heads "
                                     f"(serving engines refuse it), and {eng.id} is not costed with pipeline parallelism: "
                                     f"use {fitting} GPUs", "decisive", {"attention_heads": model.num_attention_heads}),)))
    return kv_prec, fitting, tuple(out)


PIPELINE_GPUS = 3


def pipeline_sold(model: ModelSpec, gpu: GpuSpec, precision: str, deployment: str, provider: str, offers,
                  static: tuple[Rejection, ...]) -> tuple[int, tuple[Rejection, ...]]:
    """(the fewest GPUs to search, the static rejections) where the fewest that hold the model are 3 as PP3: kept
    where any allowed offer of the GPU sells exactly 3 GPUs (a larger instance would bill GPUs the pipeline leaves
    idle; the bill spreads over every allowed offer, not only ``provider``'s, the cheapest one's); else the search starts
    at 4, with a rejection saying why 3 is not offered."""
    if any((s := o.shape_for(PIPELINE_GPUS)) is not None and s[0] * s[1] == PIPELINE_GPUS for o in offers):
        return PIPELINE_GPUS, static
    nxt = next(c for c in GPU_COUNTS if c > PIPELINE_GPUS)
    why = Rejection(model=model.id, deployment=deployment, provider=provider, gpu=gpu.id, gpus=PIPELINE_GPUS,
                    precision=precision, reasons=(Reason(
                        "tensor-parallel", f"3x {gpu.id} would hold the "
                        f"{fmt.gb(weight_bytes(model, resolve_precision(precision, gpu.vendor)).total)} of weights as three "
                        f"pipeline stages (3-way tensor "
                        f"parallelism does not divide {model.num_attention_heads} attention heads), but no allowed "
                        f"provider sells 3 {gpu.id} GPUs: use {nxt}", "decisive",
                        {"attention_heads": model.num_attention_heads}),))
    return nxt, (*static, why)


PIPELINE_FOR_UNEVEN_COUNTS = (
    "vLLM: 'if the model fits in a single node with multiple GPUs, but the number of GPUs cannot divide the model size "
    "evenly, you can use pipeline parallelism, which splits the model along layers and supports uneven splits. In this "
    "case, the tensor parallel size should be 1 and the pipeline parallel size should be the number of GPUs' "
    "(https://docs.vllm.ai/en/v0.8.3/serving/distributed_serving.html, read 2026-12-04); TensorRT-LLM takes "
    "pipeline_parallel_size in its LLM API options")
"""Why a GPU count tensor parallelism cannot divide (3 GPUs for 32, 40 or 64 attention heads) is costed as one
pipeline stage per GPU on one node, on the engines whose catalog layouts include ``pp`` (vLLM, TensorRT-LLM; not
SGLang as catalogued). Only 3 is tried, and only where 3 GPUs hold the model and 2 do not (the fewest that fit would
otherwise be 4): a cheap addition to the search."""


MEMORY_FRACTION_FLAGS = {"vllm": "--gpu-memory-utilization", "sglang": "--mem-fraction-static"}
"""The launch flag of an engine that caps its memory at a share of the GPU (``total_fraction``)."""


def need_and_capacity(need: int, cap: int) -> tuple[str, str, str] | None:
    """``need``, ``cap`` and their difference in GB, to as many decimals (1 or 2) as tell the two apart, so that the
    shortfall is what a reader subtracts from the figures beside it (trial 34: 102.8 - 102.6 said as 0.3 GB, the
    difference of the unrounded bytes rounded up); None past a TB."""
    if need >= 1e12 or need <= cap:
        return None
    for d in (1, 2):
        a, b = round(need / 1e9, d), round(cap / 1e9, d)
        if a > b:
            return f"{a:.{d}f} GB", f"{b:.{d}f} GB", f"{a - b:.{d}f} GB"
    return fmt.gb(need), fmt.gb(cap), fmt.gb(need - cap)  # under 5 MB: the same GB figures, a shortfall in MB or kB


def shortfall_text(short: int, gpu: GpuSpec, eng: ServingProfile | None, amount: str | None = None) -> tuple[str, dict]:
    """The shortfall per GPU in a sensible unit ("just short" under 1% of the GPU's memory, to 0.1 GB; ``amount``:
    as ``need_and_capacity`` shows it), and, where the engine's default share of the GPU (vLLM's
    gpu_memory_utilization 0.9) leaves more unused than is missing, the flag value that makes it fit; with the
    numbers for the reason."""
    cap = gpu.memory_bytes
    amount = amount or (fmt.gb(short) if short >= 1e9 else f"{max(0.1, math.ceil(short / 1e8) / 10):.1f} GB")
    text = (f"just short: {amount} per GPU (under 1% of its memory)" if short < 0.01 * cap else f"short by {amount} per GPU")
    if eng is None or eng.memory.policy != "total_fraction":
        return text, {}
    frac = float(eng.memory.kv_cache_fraction)
    need = math.ceil((frac + short / cap) * 100 - 1e-9) / 100
    if need > 0.98 or short > int(cap * (1 - frac)):
        return text, {}
    flag = MEMORY_FRACTION_FLAGS.get(eng.id, "its GPU memory share")
    return (f"{text}, within the {1 - frac:.0%} of the GPU {eng.id} leaves unused at its default {flag} {frac:g}: "
            f"{flag} {need:.2f} would make it fit (less room for activation spikes)"), {"memory_fraction_to_fit": need}


def _unused(f, eng: ServingProfile | None) -> str:
    """Where the reserve holds the share of the GPU the engine's memory flag leaves unused (vLLM's 10%), that it does:
    a need over the GPU's memory then reads as what it is, not as more than the card holds (user trial 27)."""
    if eng is None or eng.memory.policy != "total_fraction" or not f.reserve.headroom_bytes:
        return ""
    flag = MEMORY_FRACTION_FLAGS.get(eng.id, "its GPU memory share")
    return f" with the {fmt.gb(f.reserve.headroom_bytes)} its {flag} {float(eng.memory.kv_cache_fraction):g} leaves unused"


def _memory_rejection(deployment: str, model: ModelSpec, gpu: GpuSpec, precision: str, provider: str, n: int, f,
                      weights: int, plan: lora.LoraPlan | None = None, eng: ServingProfile | None = None) -> Rejection:
    """Why ``n`` GPUs do not hold the model, term by term: the LoRA adapters on the GPUs are their own term (they sit
    in the profile's fixed overhead, ``lora.profile_for``, so they are taken back out of the runtime reserve). The
    runtime reserve and the KV layout are the engine's (``eng``), so the reason names it: another engine may fit."""
    per_seq = math.ceil(f.kv_bytes_per_sequence * parallelism(model, gpu, n).kv_replication / n)
    need = f.weights_bytes_per_gpu + f.reserve.total + per_seq
    adapters = lora.bytes_per_gpu(model, plan, n) if plan is not None else 0
    slots = "" if plan is None else (f"LoRA adapters {fmt.gb(adapters)} ({plan.on_gpu} of {plan.adapters} on the GPUs"
                                     + (f", {plan.default_note}" if plan.defaulted else "") + "), ")
    need = max(need, gpu.memory_bytes + f.shortfall_bytes)  # the fit's own sum where its KV term is larger (chunked layers)
    shown = need_and_capacity(need, gpu.memory_bytes) or (fmt.gb(need), fmt.gb(gpu.memory_bytes), None)
    short, fix = shortfall_text(f.shortfall_bytes, gpu, eng, shown[2])
    on = f" on {eng.id}" if eng is not None else ""
    msg = (f"does not fit on {n}x {gpu.id} in {precision}{on}: needs {shown[0]} per GPU (weights {fmt.gb(f.weights_bytes_per_gpu)}, "
           f"{eng.id + ' ' if eng is not None else ''}runtime reserve {fmt.gb(f.reserve.total - adapters)}{_unused(f, eng)}, {slots}KV for one "
           f"{f.context_tokens:,}-token sequence {fmt.gb(per_seq)}{_kv_kind(eng, model)}) but a GPU has {shown[1]}: {short}")
    return Rejection(model=model.id, deployment=deployment, provider=provider, gpu=gpu.id, gpus=n,
                     precision=precision, shortfall_bytes=f.shortfall_bytes,
                     reasons=(Reason("does-not-fit", msg, "decisive", {"shortfall_bytes_per_gpu": f.shortfall_bytes,
                                                                         "weights_bytes": weights, "gpu_capacity_bytes": gpu.memory_bytes,
                                                                         "lora_adapter_bytes_per_gpu": adapters,
                                                                         **({"engine": eng.id} if eng is not None else {}), **fix}),))


def min_gpus_at(model: ModelSpec, gpu: GpuSpec, precision: str, kv_prec: str, context: int, key: ServingProfile) -> int | None:
    """The fewest GPUs (of ``GPU_COUNTS``) whose tensor parallelism divides the heads and that hold the model with one
    ``context``-token sequence."""
    for n in GPU_COUNTS:
        par, f = memo_fit(model, gpu, n, precision, context, kv_prec, key)
        if par.tp_divides_heads and f.fits:
            return n
    return None


def _kv_kind(eng: ServingProfile | None, model: ModelSpec) -> str:
    """Where the engine keeps a chunked-attention model's KV for the whole context (TensorRT-LLM, Llama 4): said in the
    KV term, since an engine that keeps one chunk (vLLM's hybrid KV cache manager) needs far less."""
    if eng is None or not model.chunked_layers or eng.chunked_attention_kv != "full":
        return ""
    return f", {eng.id} keeping the chunked-attention layers' KV for the whole context"
