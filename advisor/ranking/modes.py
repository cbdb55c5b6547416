"""Answering modes and quantization quality: each model ranked once per mode (reasoning rows costed for the
tokens they generate), and each quantized candidate's expected quality change.

The workload's ``output_tokens`` are the visible answer. A reasoning mode generates ``output_multiplier`` times
as many tokens (catalogs/quality.toml ``[modes.*]``): both backends cost the row on a workload whose output
(and context) is that much longer, so the API bill and the GPU time include the reasoning tokens, and its
$/M tokens is then stated per visible token of the workload.
"""

from __future__ import annotations

import dataclasses
import math

from advisor import cost
from advisor.common import fmt
from advisor.domain.precision import QUANTIZED_4BIT, is_upcast, resolve_precision
from advisor.domain.quality import ModeQuality, QuantizationDelta
from advisor.domain.recommendation import Candidate, Reason, Rejection
from advisor.domain.workload import Workload

BASELINE_PRECISIONS = ("bf16", "fp16")


def modes_of(catalog, model) -> list[ModeQuality | None]:
    """The model's answering modes (non-reasoning first), or ``[None]`` when the catalog lists none."""
    modes = catalog.quality_modes.get(model.id, {})
    return [modes[m] for m in ("non-reasoning", "reasoning") if m in modes] or [None]


def scaled_workload(w: Workload, mq: ModeQuality | None) -> Workload:
    """``w`` with each request generating ``output_multiplier`` times its visible output; the extra tokens also
    occupy the context (they sit in the KV cache until the answer ends)."""
    mult = mq.output_multiplier if mq else None
    if not mult or mult == 1.0:
        return w
    out = math.ceil(w.output_tokens * mult)
    extra = out - w.output_tokens
    return dataclasses.replace(w, output_tokens=out, context_max_tokens=w.context_max_tokens + extra,
                               context_typical_tokens=w.context_typical_tokens + extra)


def mode_rejection(w: Workload, model, mq: ModeQuality) -> Rejection | None:
    """A mode that cannot be ranked: its reasoning tokens are unmeasured, or its score is under the floor."""
    def rej(code: str, msg: str, numbers: dict | None = None) -> Rejection:
        return Rejection(model=model.id, deployment="any", reasons=(Reason(code, f"[{mq.mode}] {msg}", "decisive", numbers or {}),))

    if mq.output_multiplier is None:
        return rej("reasoning-tokens-unmeasured", f"{mq.label or mq.mode} scores {mq.benchmark} {mq.score:g}, but no published token "
                   f"count says how many tokens it generates per answer: it cannot be costed ({mq.source})")
    if w.min_quality <= 0:
        return None
    if mq.benchmark != w.quality_benchmark:
        return rej("quality-not-comparable", f"scored {mq.score:g} on {mq.benchmark}, not {w.quality_benchmark}: the floor of "
                   f"{w.min_quality:g} cannot be checked ({mq.source})", {"score": mq.score})
    if mq.score < w.min_quality:
        return rej("quality-floor", f"{mq.benchmark} {mq.score:g} is below the floor of {w.min_quality:g}",
                   {"score": mq.score, "floor": w.min_quality})
    return None


def with_mode(c: Candidate, mq: ModeQuality | None, w: Workload, scaled: Workload) -> Candidate:
    """The backend's candidate for ``scaled`` as a row of mode ``mq``: its score, multiplier, and $/M per visible token."""
    if mq is None:
        return c
    mult = mq.output_multiplier or 1.0
    changes: dict = {"mode": mq.mode, "output_multiplier": mult, "quality": mq.score, "quality_benchmark": mq.benchmark}
    if mult == 1.0:
        r = Reason("mode", f"non-reasoning mode ({mq.label or 'no thinking'}): {mq.benchmark} {mq.score:g} ({mq.source}); "
                   f"{w.output_tokens:,} output tokens a request", "info", {"output_multiplier": 1.0})
    else:
        per_visible = cost.usd_per_mtok_of_volume(c.monthly_cost_usd, w.tokens_per_month)
        changes["usd_per_mtok"] = per_visible
        r = Reason("reasoning-tokens", f"reasoning mode ({mq.label or 'thinking'}): {mult:g}x output tokens per visible answer token "
                   f"({mq.multiplier_source}): {scaled.output_tokens:,} tokens generated a request for {w.output_tokens:,} visible, "
                   f"billed and served for all of them; {fmt.usd(per_visible, 3)}/M visible tokens; {mq.benchmark} {mq.score:g} ({mq.source})",
                   "decisive", {"output_multiplier": mult, "generated_output_tokens": scaled.output_tokens,
                                "usd_per_mtok_visible": str(per_visible)})
    reasons = [r]
    thinking = scaled.output_tokens - w.output_tokens
    if mult != 1.0 and w.latency == "interactive" and c.deployment == "self-hosted" and c.tpot_ms and c.ttft_ms is not None:
        wait_ms = c.ttft_ms + thinking * c.tpot_ms
        if wait_ms > w.ttft_ms:
            reasons.append(Reason("reasoning-latency", f"the visible answer starts after about {wait_ms / 1000:,.1f} s (TTFT plus "
                                  f"{thinking:,} reasoning tokens at {c.tpot_ms:.1f} ms), over the "
                                  f"{w.ttft_ms:,.0f} ms time-to-first-token target", "warning", {"visible_wait_ms": wait_ms}))
    elif mult != 1.0 and w.latency == "interactive" and c.deployment == "api":
        measured = next((r.numbers for r in c.reasons if r.code == "api-latency" and r.numbers.get("output_tokens_per_s")), None)
        if measured:
            wait_ms = (measured.get("ttft_ms") or 0.0) + thinking * 1000.0 / measured["output_tokens_per_s"]
            if wait_ms > w.ttft_ms:
                reasons.append(Reason("reasoning-latency", f"the visible answer starts after about {wait_ms / 1000:,.1f} s (the measured "
                                      f"TTFT plus {thinking:,} reasoning tokens at {measured['output_tokens_per_s']:,.0f} tokens/s), over "
                                      f"the {w.ttft_ms:,.0f} ms time-to-first-token target", "warning", {"visible_wait_ms": wait_ms}))
        else:
            reasons.append(Reason("reasoning-wait", f"thinks for about {thinking:,} tokens before the visible answer; the provider's "
                                  f"speed is not measured, so that wait is unknown (at 100 tokens/s: {thinking / 100:,.1f} s, against "
                                  f"the {w.ttft_ms:,.0f} ms time-to-first-token target)", "warning", {"reasoning_tokens": thinking}))
    return c.evolve(reasons=c.reasons + tuple(reasons), **changes)


def upcast_line(native: str) -> str:
    """What a precision wider than a model's 4-bit native checkpoint changes (``Candidate.quality_delta_source``
    of such a row): the same weights in more bytes."""
    return f"upcast from the native {native} checkpoint: same quality, more memory"


def _resolved(catalog, c: Candidate) -> str:
    gpu = catalog.gpus.get(c.gpu) if c.gpu else None
    return resolve_precision(c.precision or "", gpu.vendor if gpu else "")


def _worst_4bit(catalog, architecture: str) -> QuantizationDelta | None:
    """The measured 4-bit checkpoint that lost the most (relative), of the architecture where one exists."""
    four = [q for q in catalog.quantization if q.precision in QUANTIZED_4BIT and not q.native]
    same = [q for q in four if q.architecture == architecture] or four
    return min(same, key=lambda q: q.ratio) if same else None


def with_quantization(c: Candidate, catalog, w: Workload) -> Candidate | Rejection:
    """A self-hosted candidate with its precision's expected quality change applied (and the floor re-checked
    with it), or a Rejection when the change takes it under the workload's floor."""
    if c.deployment != "self-hosted" or not c.precision or c.quality is None:
        return c
    model = catalog.models[c.model]
    prec = _resolved(catalog, c)
    if is_upcast(prec, model.native_precision):  # a 4-bit checkpoint widened: nothing is re-quantized
        line = upcast_line(model.native_precision)
        r = Reason("quantization-quality", f"{prec} on {c.model}: {line} (its published scores are of the "
                   f"{model.native_precision} checkpoint)", "info", {"quality_delta": 0.0})
        return c.evolve(quality_delta=0.0, quality_delta_source=line, reasons=c.reasons + (r,))
    if prec in BASELINE_PRECISIONS:
        return c
    entries = [q for q in catalog.quantization if c.model in q.applies_to and q.precision == prec]
    native = prec == model.native_precision or any(q.native for q in entries)
    floor = w.min_quality if w.min_quality > 0 and c.quality_benchmark == w.quality_benchmark else None
    if native:
        src = next((q.source for q in entries if q.native), "native")
        r = Reason("quantization-quality", f"{prec} is {c.model}'s native checkpoint precision: its published scores are of this "
                   f"checkpoint, no quality is lost ({src})", "info", {"quality_delta": 0.0})
        return c.evolve(quality_delta=0.0, quality_delta_source=src, reasons=c.reasons + (r,))
    measured = [q for q in entries if not q.native]
    if measured:
        q = min(measured, key=lambda e: e.ratio)
        delta = round(c.quality * (q.ratio - 1.0), 2)
        score = round(c.quality + delta, 2)
        r = Reason("quantization-quality", f"{prec} on {c.model}: expected {delta:+.1f} points ({q.checkpoint} kept {q.ratio:.1%} of its "
                   f"baseline on {q.benchmark}; {q.source}): {c.quality_benchmark} {c.quality:g} -> {score:g}", "info",
                   {"quality_delta": delta, "recovery": q.ratio})
        if floor is not None and score < floor:
            return _floor_rejection(c, f"{c.quality_benchmark} {c.quality:g} {delta:+.1f} for {prec} = {score:g}, below the floor "
                                       f"of {floor:g} ({q.source})", {"score": score, "floor": floor, "quality_delta": delta})
        return c.evolve(quality=score, quality_delta=delta, quality_delta_source=q.source, reasons=c.reasons + (r,))
    if prec not in QUANTIZED_4BIT:  # 8-bit, unmeasured: not adjusted (W8A8-FP "effectively lossless", arXiv 2411.02355)
        return c.evolve(quality_delta_source="unmeasured")
    worst = _worst_4bit(catalog, model.architecture)
    if worst is None:
        r = Reason("quantization-quality", f"{prec} on {c.model}: unmeasured, and no 4-bit measurement in the catalog to bound it",
                   "warning")
        return c.evolve(quality_delta_source="unmeasured", reasons=c.reasons + (r,))
    assumed = round(c.quality * worst.ratio, 2)
    if floor is not None and assumed < floor:
        return _floor_rejection(c, f"{prec} on {c.model} is unmeasured; assuming the worst measured 4-bit {worst.architecture} loss "
                                   f"in the catalog ({worst.checkpoint}: {worst.ratio:.1%} of baseline, {worst.source}) it may score "
                                   f"{assumed:g}, below the floor of {floor:g}", {"assumed_score": assumed, "floor": floor})
    r = Reason("quantization-quality", f"{prec} on {c.model}: unmeasured; the worst measured 4-bit {worst.architecture} checkpoint "
               f"kept {worst.ratio:.1%} of its baseline ({worst.checkpoint}), which would give {assumed:g}"
               + (f", still above the floor of {floor:g}" if floor is not None else "") + "; quality shown unadjusted", "warning",
               {"assumed_score": assumed})
    return c.evolve(quality_delta_source="unmeasured", reasons=c.reasons + (r,))


def _floor_rejection(c: Candidate, msg: str, numbers: dict) -> Rejection:
    mode = f"[{c.mode}] " if c.mode else ""
    return Rejection(model=c.model, deployment=c.deployment, provider=c.provider, gpu=c.gpu, gpus=c.gpus, precision=c.precision,
                     reasons=(Reason("quality-floor-quantized", mode + msg, "decisive", numbers),))
