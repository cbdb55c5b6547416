"""A row's changes on its way through one ranking, in as few copies of its 60 fields as it needs (and the month's
fine-tuning runs a model's rows add: ``fine_tuning``, or the warning that none is billed: ``untrained_reason``): a row this
ranking copied (re-labelled for its mode or precision, its wait bounded) is its own until it is ranked, so the
month's fine-tuning and the checkpoint notes are written into that copy, not into another one."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from advisor import cost
from advisor.common import fmt
from advisor.domain.recommendation import Candidate, Reason
from advisor.domain.workload import Workload
from advisor.physics.training import method_for, training_run
from advisor.ranking.context import Context


def evolved(c: Candidate, own: bool, **changes: Any) -> Candidate:
    """``c.evolve(**changes)``, or, when ``own`` (a copy this ranking made and nothing else holds yet: no memo, no
    other row, no reader), ``c`` itself with ``changes``: the same fields, one copy fewer. A backend's row is never
    ``own`` (a backend may keep it between rankings)."""
    if not own:
        return c.evolve(**changes)
    c.__dict__.update(changes)
    return c


def with_fine_tuning(c: Candidate, ft, own: bool = False, notes: tuple = ()) -> Candidate:
    """``c`` with ``ft``: (the month's fine-tuning USD, it rounded as shown, its reason as a tuple), once per model, or
    none (None); then the row's checkpoint ``notes`` (``explain.checkpoint_reasons``), in the same copy."""
    if not ft:
        return evolved(c, own, reasons=c.reasons + notes) if notes else c
    monthly, shown, why = ft
    return evolved(c, own, fine_tuning_monthly_usd=shown, total_monthly_usd=cost.money(c.monthly_cost_usd + monthly),
                   reasons=c.reasons + (why + notes if notes else why))


def fine_tuning(ctx: Context, model, memo: dict):
    """(USD per month, run, price, GPUs paid for, billed hours per run, its reason) of the workload's fine-tuning runs of
    ``model`` on the cheapest GPU offer that holds them, in an instance shape the provider sells: a run that
    needs fewer GPUs than the smallest instance uses all of them (data parallel, the same GPU-hours in less
    time), and each run is billed in the offer's increments and minimum. None when no run is planned,
    nothing can hold it, or the model is API-only (no published weights to train: its backends reject it)."""
    from advisor.cost.billing import billed_seconds, training_start_s
    from advisor.physics.sizing import param_breakdown

    w = ctx.workload
    method = method_for(w.fine_tuning, w.fine_tuning_method)
    if model.api_only or not method or not w.fine_tune_tokens or not w.fine_tunes_per_month:
        return None
    memo = ctx.shared.setdefault("fine-tuning", memo)  # it does not depend on the traffic volume
    if model.id not in memo:
        best = None
        for gpu in ctx.catalog.gpus.values():
            if not gpu.bf16_tflops or (w.gpu_types and gpu.id not in w.gpu_types):  # trained on the GPUs the workload allows
                continue
            run = training_run(model, gpu, method, w.fine_tune_tokens)
            if run.gpus > 64:
                continue
            offer = ctx.prices.gpu_offer(gpu.id, run.gpus, w.providers)
            if offer is None:
                continue
            price, paid, _ = offer
            start = training_start_s(param_breakdown(model).total * 2, price, method == "full")  # bf16 base weights
            hours = billed_seconds(max(run.hours, 1 / 60) * run.gpus / paid * 3600.0 + start, price) / 3600.0
            per_run = price.usd_per_gpu_hour * Decimal(str(paid * hours))
            if best is None or per_run < best[0]:
                best = (per_run, run, price, paid, hours, start)
        ft = None if best is None else (best[0] * Decimal(str(w.fine_tunes_per_month)),) + best[1:]
        if best is None:
            memo[("untrainable", model.id)] = True  # said once in the notes (``scope.untrainable_note``)
        memo[model.id] = None if ft is None else ft + (fine_tuning_reason(ft, w.fine_tunes_per_month),)
    return memo[model.id]


def untrained_reason(ctx: Context, model) -> tuple[Reason, ...]:
    """The warning on each row of a model whose planned fine-tuning runs no allowed GPU offer holds (``fine_tuning``
    found none): its bill is serving only, less than the plan costs. The run notes say it once for the ranking
    (``scope.untrainable_note``); a reader of one row (the TUI's reasons, a report's row) saw nothing (user trial 26)."""
    if ("untrainable", model.id) not in (ctx.shared.get("fine-tuning") or ()):
        return ()
    w = ctx.workload
    return (Reason("fine-tuning-unbilled", f"training not billed: no GPU offer allowed by {offers_allowed_by(w)} holds a "
                   f"{method_for(w.fine_tuning, w.fine_tuning_method)} fine-tuning run of {model.id} (at most 64 GPUs), so "
                   f"this bill is serving only and leaves out the {w.fine_tunes_per_month:g} runs a month the plan needs",
                   "warning"),)


def fine_tuning_reason(ft, runs: float = 0.0) -> Reason:
    """The month's fine-tuning runs in a sentence: the same for every row of the model, so written once per ``ft``
    (the tuple ``fine_tuning`` keeps for the workload shape, which holds it)."""
    if len(ft) > 6:
        return ft[6]
    monthly, run, price, paid, hours, start = ft
    each = f"{runs:g} run{'' if runs == 1 else 's'} a month x {fmt.usd_rate(monthly / Decimal(str(runs)), '')} = " if runs else ""
    on = f"{run.gpus}x {run.gpu}" if paid == run.gpus else (
        f"{paid}x {run.gpu} (needs {run.gpus}; {price.provider} sells {paid} at a time, so the run uses them all)")
    r = Reason("fine-tuning", f"{run.method} fine-tunes: {run.tokens / 1e6:,.0f}M tokens a run on {on} "
               f"({run.memory_bytes_per_param:.1f} bytes/parameter before activations, {run.hours * run.gpus / paid:,.2f} h "
               f"at {run.mfu:.0%} MFU, and {start / 60:,.0f} min to start{' and save the weights' if run.method == 'full' else ''}: "
               f"billed {hours:,.2f} h, {price.provider} ${price.usd_per_gpu_hour}/GPU-h): "
               f"{each}{fmt.usd(monthly)}/month, "
               f"on top of serving"
               + ("; " + "; ".join(run.notes) if run.notes else ""), "info",
               {"fine_tuning_monthly_usd": str(cost.money(monthly)), "training_gpus": paid, "training_hours": hours,
                "training_start_s": start})
    return r


def offers_allowed_by(w: Workload) -> str:
    """What limits the GPU offers a workload may use, in words: ``gpu_types h100-sxm and providers runpod``, or ``the
    catalog``."""
    return " and ".join(x for x in (f"gpu_types {', '.join(w.gpu_types)}" if w.gpu_types else "",
                                    f"providers {', '.join(w.providers)}" if w.providers else "") if x) or "the catalog"
