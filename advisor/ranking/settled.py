"""Searches settled for higher volumes: a self-hosted search (``SelfHostedBackend._search``) whose answer a re-rank at a
higher traffic volume can give without searching again.

Why the answer holds: every configuration's bill rises with the volume (more replicas, more replica-hours, longer jobs;
an autoscaled day's scale-ups cost less than an hour each, so losing some never outweighs the replica-hours that removed
them), so a configuration that lost to the winner's bill loses to the same bill at a higher volume. Where the winner
bills exactly the same there (the same fixed replicas), it still wins, with the ties the search breaks the same way.

Two failures are not monotone: a plan that does not exist (an autoscaled day with the same replicas every hour, which a
higher volume makes differ) and a KV cache short for the sequences in flight (more replicas hold fewer each). A search
that saw either (``failed``) is not kept, nor one of interactive work that may not run fixed replicas (``monotone``):
where fixed replicas are allowed, an autoscaled day that appears at a higher volume bills at least the floor's replicas
every hour, no less than the fixed plan it replaces (the peak's replicas, no more than the floor when every hour ran it).

At a lower volume other configurations' bills fall too: the search runs. ``tests/test_speed_settled.py`` ranks rising,
falling and mixed volumes against each volume ranked alone."""

from __future__ import annotations

from advisor.ranking.context import Context, per_shape
from advisor.ranking.costed import Costed

_FAILS = "volume-fails"
"""``Context.memo`` key: how many configurations of this run failed for the volume (no plan, or a KV cache short for the
sequences in flight)."""
_LATENCY = ("too-slow", "ttft")
"""Rejections a search drops once it has a winner."""


def monotone(w) -> bool:
    """Whether a configuration's bill can only rise with the volume, given it has a plan and fits: batch work, or
    interactive work that may run fixed replicas."""
    return w.latency == "batch" or "fixed" in w.scaling_policies


def failed(ctx: Context) -> None:
    """A configuration failed for the volume: the search costing it is not kept."""
    ctx.memo[_FAILS] = ctx.memo.get(_FAILS, 0) + 1


def fails(ctx: Context) -> int:
    return ctx.memo.get(_FAILS, 0)


def record(ctx: Context, key: tuple) -> tuple | None:
    """The kept search of ``key`` (the search's sizing key): (volume, bill, engine id, GPU count, KV precision, rejections,
    the first engine's smallest count where it is costed to explain it or None); None where none is kept."""
    return per_shape(ctx.shared, "settled").get(key)


def keep(backend, ctx: Context, key: tuple, model, gpu, precision: str, sized: list, best: Costed) -> None:
    """Keep a full search's answer (it saw no failure for the volume): its winner, its bill, the first engine's volume-free
    rejections, and which count ``answer`` costs again to explain the first engine (its message reads the volume; none
    where it is the winner or works at any volume)."""
    w = ctx.workload
    if not monotone(w):
        return
    eng0, (kv0, fitting0, static0, _) = sized[0]
    why = None if fitting0 is None or (eng0 is best.eng and fitting0 == best.n) or backend._sure(
        ctx, model, gpu, fitting0, precision, kv0, eng0) else (eng0, fitting0, kv0)
    per_shape(ctx.shared, "settled")[key] = (w.requests_per_day, best.plan.monthly_usd, best.eng.id, best.n, best.kv_prec,
                                             tuple(r for r in static0 if r.reasons[0].code not in _LATENCY), why)


def answer(backend, ctx: Context, model, gpu, precision: str, price, sized: list, seed: Costed | None, kept: tuple) -> list | None:
    """The search's answer from ``kept`` at a volume at least its own, where its winner bills the same now; else None (then
    the search runs). ``seed``: the winner costed at this volume where the search has it."""
    volume, bill, eng_id, n, kv_prec, rejections, why = kept
    if ctx.workload.requests_per_day < volume:
        return None
    if seed is not None and seed.eng.id == eng_id and seed.n == n:
        k = seed
    else:
        eng = next((e for e, _ in sized if e.id == eng_id), None)
        if eng is None:
            return None
        k = backend._cost(ctx, model, gpu, n, precision, kv_prec, price, eng)
    if not isinstance(k, Costed) or k.plan.monthly_usd != bill:
        return None
    out = list(rejections)
    if why is not None:
        r = backend._cost(ctx, model, gpu, why[1], precision, why[2], price, why[0])
        if isinstance(r, Costed):
            if r.plan.monthly_usd <= bill:  # cannot be (its bill then was above the winner's): the search decides
                return None
        elif r.reasons[0].code not in _LATENCY:
            out.append(r)
    return out + [backend._build(ctx, k)]
