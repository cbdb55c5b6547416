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
from decimal import Decimal

from advisor import cost
from advisor.common import fmt
from advisor.domain.precision import QUANTIZED_4BIT, is_upcast, resolve_precision
from advisor.domain.quality import ModeQuality, QuantizationDelta
from advisor.domain.quality import mode_name
from advisor.domain.recommendation import Candidate, Reason, Rejection, known_reasons
from advisor.domain.workload import Workload
from advisor.ranking.rows import evolved

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
        return Rejection(model=model.id, deployment="any", reasons=(Reason(code, f"[{mode_name(mq.mode)}] {msg}", "decisive",
                                                                           {**(numbers or {}), "mode": mq.mode}),))

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


_TABLES: dict[tuple[int, Decimal], tuple[tuple, tuple]] = {}
"""(id of a backend's utilization table, k) -> (that table, it scaled by k): a self-hosted backend hands the same
table to every row that bills the same replica, and keeps it between traffic edits, so a reasoning row's table is
scaled once, not point by point for every row on every edit. The table is held, so its id is not re-used."""


def _scaled_table(table: tuple, k: Decimal) -> tuple:
    key = (id(table), k)
    hit = _TABLES.get(key)
    if hit is None or hit[0] is not table:
        if len(_TABLES) > 4096:
            _TABLES.clear()
        hit = _TABLES[key] = (table, tuple(dataclasses.replace(p, usd_per_mtok=cost.money(p.usd_per_mtok * k, cost.MICRO))
                                           for p in table))
    return hit[1]


def with_mode(c: Candidate, mq: ModeQuality | None, w: Workload, scaled: Workload, memo: dict | None = None) -> Candidate:
    """The backend's candidate for ``scaled`` as a row of mode ``mq``: its score, multiplier, and $/M per visible token.
    ``memo`` (one ranking's): the non-reasoning sentence, the same for every row of the mode, written once."""
    if mq is None:
        return c
    changes, reasons = _mode_changes(c, mq, w, scaled, memo)
    return c.evolve(reasons=c.reasons + reasons, **changes)


def relabel(c: Candidate, mq: ModeQuality | None, w: Workload, scaled: Workload, catalog, memo: dict,
            own: bool = False) -> Candidate | Rejection:
    """``with_quantization(with_mode(c, mq, w, scaled, memo), catalog, w, memo)`` in one copy of the row, not two; in
    none when ``own`` (a row nothing else holds: ``rows.evolved``)."""
    return relabel_rows([c], mq, w, scaled, catalog, memo, own)[0]


def _in_mode(r: Rejection, mq: ModeQuality) -> Rejection:
    """A configuration refused in one answering mode says which (``[thinking] does not fit …``), as ``mode_rejection``'s
    do: a model's two modes' rows read alike in the rejected list (trial 34). Its message is written when read."""
    first, tag = r.reasons[0], f"[{mode_name(mq.mode)}] "
    if "message" in first.__dict__ and first.message.startswith("["):
        return r
    return dataclasses.replace(r, reasons=(Reason.deferred(first.code, first.severity, lambda: (tag + first.message, first.numbers)),
                                           *r.reasons[1:]))


def relabel_rows(rows: list, mq: ModeQuality | None, w: Workload, scaled: Workload, catalog, memo: dict,
                 own: bool = False) -> list:
    """``relabel`` of each Candidate of one backend's ``rows`` for a model in mode ``mq`` (a Rejection passes as it is),
    what reads the mode alone read once for all of them, and a reasoning row's bill once per distinct bill."""
    if mq is None:
        return [with_quantization(c, catalog, w, memo, own) if isinstance(c, Candidate) else c for c in rows]
    billed, scored, bills, out = (mq.output_multiplier or 1.0) != 1.0, mq.score is not None, {}, []
    for c in rows:
        if not isinstance(c, Candidate):
            out.append(_in_mode(c, mq) if isinstance(c, Rejection) and c.reasons else c)
            continue
        row = None
        if c.deployment == "self-hosted" and c.precision and scored:
            # A self-hosted row: its fields and reasons read only the mode and the (model, precision, GPU), the same for
            # every provider and volume, and a reasoning row's its TTFT and TPOT (``reasoning-latency``) besides what its
            # bill sets (``_billed``): worked out once per workload shape.
            row = (("relabel", id(mq), c.model, c.precision, c.gpu, c.ttft_ms, c.tpot_ms) if billed else
                   ("relabel", id(mq), c.model, c.precision, c.gpu))
            hit = memo.get(row)
            if hit is not None and hit[0] is mq:
                _, fields, reasons, floor = hit
                if floor is not None:
                    out.append(_floor_rejection(c.evolve(**fields), *floor))
                elif billed:
                    more, r = _billed(c, mq, w, scaled, memo, bills)
                    out.append(evolved(c, own, reasons=c.reasons + ((r,) + reasons), **fields, **more))
                else:
                    out.append(evolved(c, own, reasons=c.reasons + reasons, **fields))
                continue
        out.append(_relabelled(c, mq, w, scaled, catalog, memo, own, row, billed, bills))
    return out


def _relabelled(c: Candidate, mq: ModeQuality, w: Workload, scaled: Workload, catalog, memo: dict, own: bool, row: tuple | None,
                billed: bool, bills: dict) -> Candidate | Rejection:
    """``relabel_rows``'s row worked out (an API row's, or a self-hosted row's first), kept under ``row`` if one."""
    changes, reasons = _mode_changes(c, mq, w, scaled, memo, bills)
    if row is None:
        return evolved(c, own, reasons=c.reasons + reasons, **changes)
    key = (c.model, c.precision, c.gpu, mq.score, mq.benchmark)
    change = memo.get(key)
    if change is None:
        change = memo[key] = _quantization_change(c.evolve(**changes), catalog, w)
    kept = ({k: v for k, v in changes.items() if k not in BILLED}, reasons[1:]) if billed else (changes, reasons)
    if change is _UNCHANGED:
        memo[row] = (mq, *kept, None)
        return evolved(c, own, reasons=c.reasons + reasons, **changes)
    more, r = change
    if isinstance(more, str):  # under the floor
        memo[row] = (mq, kept[0], kept[1], (more, r))
        return _floor_rejection(c.evolve(**changes), more, r)
    memo[row] = (mq, {**kept[0], **more}, kept[1] + (r,) if r is not None else kept[1], None)
    fields, reasons = {**changes, **more}, (reasons + (r,) if r is not None else reasons)
    return evolved(c, own, reasons=c.reasons + reasons, **fields)


BILLED = ("usd_per_mtok", "utilization_table")
"""The fields of a reasoning row that its bill sets (``_billed``), not its mode alone."""


def _mode_changes(c: Candidate, mq: ModeQuality, w: Workload, scaled: Workload, memo: dict | None,
                  bills: dict | None = None) -> tuple[dict, tuple[Reason, ...]]:
    """The fields and reasons ``with_mode`` gives ``c`` (``bills``: ``_billed``'s)."""
    mult = mq.output_multiplier or 1.0
    changes: dict = {"mode": mq.mode, "output_multiplier": mult, "quality": mq.score, "quality_benchmark": mq.benchmark}
    if mult == 1.0:
        key = ("mode", id(mq), w.output_tokens)
        r = memo.get(key) if memo is not None else None
        if r is None or r[0] is not mq:
            r = (mq, Reason("mode", f"{mode_name(mq.mode)} mode{f' ({mq.label})' if mq.label else ''}: {mq.benchmark} {mq.score:g} ({mq.source}); "
                        f"{w.output_tokens:,} output tokens a request", "info", {"output_multiplier": 1.0}))
            if memo is not None:
                memo[key] = r
        r = r[1]
    else:
        more, r = _billed(c, mq, w, scaled, memo, bills)
        changes.update(more)
    reasons = [r]
    thinking = scaled.output_tokens - w.output_tokens
    if mult != 1.0 and w.latency == "interactive" and c.deployment == "self-hosted" and c.tpot_ms and c.ttft_ms is not None:
        key = ("late", id(mq), c.ttft_ms, c.tpot_ms, thinking, w.ttft_ms)  # no volume in it: the same at every edit
        late = memo.get(key) if memo is not None else None
        if late is None or late[0] is not mq:
            late = (mq, _reasoning_latency(c.ttft_ms, c.tpot_ms, thinking, w))
            if memo is not None:
                memo[key] = late
        if late[1] is not None:
            reasons.append(late[1])
    elif mult != 1.0 and w.latency == "interactive" and c.deployment == "api":
        measured = next((r.numbers for r in c.reasons if r.code == "api-latency" and r.numbers.get("output_tokens_per_s")), None)
        if measured:
            wait_ms = (measured.get("ttft_ms") or 0.0) + thinking * 1000.0 / measured["output_tokens_per_s"]
            if wait_ms > w.ttft_ms:
                reasons.append(Reason("reasoning-latency", f"the visible answer starts after about {wait_ms / 1000:,.1f} s (the measured "
                                      f"TTFT plus {thinking:,} reasoning tokens at {measured['output_tokens_per_s']:,.0f} tokens/s), over "
                                      f"the {w.ttft_ms:,.0f} ms time-to-first-token target", "decisive", {"visible_wait_ms": wait_ms}))
        else:
            need = thinking * 1000.0 / w.ttft_ms  # trial 31: the speed that decides it, not a wait at one assumed speed
            reasons.append(Reason("reasoning-wait", f"thinks for about {thinking:,} tokens before the visible answer; the provider's "
                                  f"speed is not measured, so that wait is unknown: it starts within the {w.ttft_ms:,.0f} ms "
                                  f"time-to-first-token target only if the provider generates faster than {need:,.0f} tokens/s, "
                                  f"its TTFT not counted (at 100 tokens/s: {thinking / 100:,.1f} s)", "warning",
                                  {"reasoning_tokens": thinking, "needed_tokens_per_s": need}))
    return changes, tuple(reasons)


def _billed(c: Candidate, mq: ModeQuality, w: Workload, scaled: Workload, memo: dict | None,
            bills: dict | None = None) -> tuple[dict, Reason]:
    """(the ``BILLED`` fields, the ``reasoning-tokens`` reason) of a reasoning row: its $/M tokens per visible token, and
    its $/M-by-utilization curve on the same visible-token basis. ``bills``: the rows of one mode, workload and volume
    (``relabel_rows``'s), by monthly bill: rows that bill the same month share one sentence."""
    bills = {} if bills is None else bills
    hit = bills.get(c.monthly_cost_usd)
    if hit is None:
        hit = bills[c.monthly_cost_usd] = _reasoning_tokens(c.monthly_cost_usd, mq, w, scaled, w.tokens_per_month, memo)
    per_visible, k, r = hit
    if c.utilization_table:
        return {"usd_per_mtok": per_visible, "utilization_table": _scaled_table(c.utilization_table, k)}, r
    return {"usd_per_mtok": per_visible}, r


def _reasoning_tokens(monthly, mq: ModeQuality, w: Workload, scaled: Workload, tokens: float,
                      memo: dict | None = None) -> tuple[Decimal, Decimal, Reason]:
    """($/M visible tokens, the generated over visible tokens as a Decimal, the ``reasoning-tokens`` reason) of a
    reasoning row that bills ``monthly`` for ``tokens`` visible tokens a month. The sentence is written when read
    (``Reason.deferred``): a re-rank bills each reasoning row anew, and a reader reads the reasons of a few; the ratio
    is worked out once per (visible, generated) month."""
    mult = mq.output_multiplier or 1.0
    per_visible = cost.usd_per_mtok_of_volume(monthly, tokens)
    ratio_key = ("generated/visible", w.requests_per_day, w.input_tokens, scaled.output_tokens, w.output_tokens)
    ratio = memo.get(ratio_key) if memo is not None else None
    if ratio is None:
        ratio = Decimal(str(scaled.tokens_per_month / tokens))
        if memo is not None:
            memo[ratio_key] = ratio

    def write() -> tuple[str, dict]:
        message = (f"{mode_name(mq.mode)} mode{f' ({mq.label})' if mq.label else ''}: {mult:g}x output tokens per visible answer token "
                   f"({mq.multiplier_source}): {scaled.output_tokens:,} tokens generated a request for {w.output_tokens:,} "
                   f"visible, billed and served for all of them; {fmt.usd(per_visible, 3)}/M visible tokens; {mq.benchmark} "
                   f"{mq.score:g} ({mq.source})")
        return message, {"output_multiplier": mult, "generated_output_tokens": scaled.output_tokens,
                         "usd_per_mtok_visible": str(per_visible)}
    return per_visible, ratio, Reason.deferred("reasoning-tokens", "decisive", write)


def _reasoning_latency(ttft_ms: float, tpot_ms: float, thinking: int, w: Workload) -> Reason | None:
    """The ``reasoning-latency`` warning of a self-hosted reasoning row whose visible answer starts after the TTFT target
    (TTFT plus its thinking tokens at its TPOT), or None when it starts in time."""
    wait_ms = ttft_ms + thinking * tpot_ms
    if wait_ms <= w.ttft_ms:
        return None
    return Reason("reasoning-latency", f"the visible answer starts after about {wait_ms / 1000:,.1f} s (TTFT plus "
                  f"{thinking:,} reasoning tokens at {tpot_ms:.1f} ms), over the "
                  f"{w.ttft_ms:,.0f} ms time-to-first-token target", "decisive", {"visible_wait_ms": wait_ms})


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


def with_quantization(c: Candidate, catalog, w: Workload, memo: dict | None = None, own: bool = False) -> Candidate | Rejection:
    """A self-hosted candidate with its precision's expected quality change applied (and the floor re-checked
    with it), or a Rejection when the change takes it under the workload's floor. ``memo`` (one ranking's): the
    change of a (model, precision, score), the same for every row that shares them, worked out once. ``own``: ``c``
    itself takes the change (``rows.evolved``)."""
    if c.deployment != "self-hosted" or not c.precision or c.quality is None:
        return c
    key = (c.model, c.precision, c.gpu, c.quality, c.quality_benchmark)
    change = memo.get(key) if memo is not None else None
    if change is None:
        change = _quantization_change(c, catalog, w)
        if memo is not None:
            memo[key] = change
    if change is _UNCHANGED:
        return c
    changes, r = change
    if isinstance(changes, str):  # under the floor
        return _floor_rejection(c, changes, r)
    return evolved(c, own, **changes, reasons=c.reasons + (r,)) if r is not None else evolved(c, own, **changes)


_UNCHANGED = object()


def _quantization_change(c: Candidate, catalog, w: Workload):
    """``(fields, reason or None)`` of ``with_quantization`` for ``c``, ``(message, numbers)`` of its floor rejection, or
    ``_UNCHANGED``: read only the row's model, precision, GPU vendor and score."""
    model = catalog.models[c.model]
    prec = _resolved(catalog, c)
    if is_upcast(prec, model.native_precision):  # a 4-bit checkpoint widened: nothing is re-quantized
        line = upcast_line(model.native_precision)
        r = Reason("quantization-quality", f"{prec} on {c.model}: {line} (its published scores are of the "
                   f"{model.native_precision} checkpoint)", "info", {"quality_delta": 0.0})
        return {"quality_delta": 0.0, "quality_delta_source": line}, r
    if prec in BASELINE_PRECISIONS:
        return _UNCHANGED
    entries = [q for q in catalog.quantization if c.model in q.applies_to and q.precision == prec]
    native = prec == model.native_precision or any(q.native for q in entries)
    floor = w.min_quality if w.min_quality > 0 and c.quality_benchmark == w.quality_benchmark else None
    if native:
        src = next((q.source for q in entries if q.native), "native")
        r = Reason("quantization-quality", f"{prec} is {c.model}'s native checkpoint precision: its published scores are of this "
                   f"checkpoint, no quality is lost ({src})", "info", {"quality_delta": 0.0})
        return {"quality_delta": 0.0, "quality_delta_source": src}, r
    measured = [q for q in entries if not q.native]
    if measured:
        q = min(measured, key=lambda e: e.ratio)
        delta = round(c.quality * (q.ratio - 1.0), 2)
        score = round(c.quality + delta, 2)
        r = Reason("quantization-quality", f"{prec} on {c.model}: expected {delta:+.1f} points ({q.checkpoint} kept {q.ratio:.1%} of its "
                   f"baseline on {q.benchmark}; {q.source}): {c.quality_benchmark} {c.quality:g} -> {score:g}", "info",
                   {"quality_delta": delta, "recovery": q.ratio})
        if floor is not None and score < floor:
            return ((f"{c.quality_benchmark} {c.quality:g} {delta:+.1f} for {prec} = {score:g}, below the floor "
                     f"of {floor:g} ({q.source})"), {"score": score, "floor": floor, "quality_delta": delta})
        return {"quality": score, "quality_delta": delta, "quality_delta_source": q.source}, r
    if prec not in QUANTIZED_4BIT:  # 8-bit, unmeasured: not adjusted (W8A8-FP "effectively lossless", arXiv 2411.02355)
        return {"quality_delta_source": "unmeasured"}, None
    worst = _worst_4bit(catalog, model.architecture)
    if worst is None:
        r = Reason("quantization-quality", f"{prec} on {c.model}: unmeasured, and no 4-bit measurement in the catalog to bound it",
                   "warning")
        return {"quality_delta_source": "unmeasured"}, r
    assumed = round(c.quality * worst.ratio, 2)
    if floor is not None and assumed < floor:
        return ((f"{prec} on {c.model} is unmeasured; assuming the worst measured 4-bit {worst.architecture} loss "
                 f"in the catalog ({worst.checkpoint}: {worst.ratio:.1%} of baseline, {worst.source}) it may score "
                 f"{assumed:g}, below the floor of {floor:g}"), {"assumed_score": assumed, "floor": floor})
    r = Reason("quantization-quality", f"{prec} on {c.model}: unmeasured; the worst measured 4-bit {worst.architecture} checkpoint "
               f"kept {worst.ratio:.1%} of its baseline ({worst.checkpoint}), which would give {assumed:g}"
               + (f", still above the floor of {floor:g}" if floor is not None else "") + "; quality shown unadjusted", "warning",
               {"assumed_score": assumed})
    return {"quality_delta_source": "unmeasured"}, r


def _floor_rejection(c: Candidate, msg: str, numbers: dict) -> Rejection:
    mode = f"[{mode_name(c.mode)}] " if c.mode else ""
    return Rejection(model=c.model, deployment=c.deployment, provider=c.provider, gpu=c.gpu, gpus=c.gpus, precision=c.precision,
                     reasons=(Reason("quality-floor-quantized", mode + msg, "decisive", numbers),))


def answers_late(c: Candidate, w: Workload) -> bool:
    """An interactive workload's reasoning row whose visible answer starts after the TTFT target (it thinks first:
    ``modes.with_mode`` writes the ``reasoning-latency`` warning with the wait where the speed is known, and
    ``bounded_wait`` for an API row whose thinking cannot fit under the target even at an optimistic speed)."""
    if w.latency != "interactive" or c.mode != "reasoning":
        return False
    for r in known_reasons(c.reasons):  # a loop, not any() over a generator: the sort asks it of every row
        if r.code == "reasoning-latency":
            return True
    return False
