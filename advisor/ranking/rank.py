"""The recommendation engine: candidates from every backend, ranked by monthly cost, explained.

Ranking key and near ties: ``advisor.ranking.ties``. The Pareto front over (cost, quality) is marked so a reader
sees the trade-off, not only the cheapest row.
"""

from __future__ import annotations

import dataclasses
import gc
import math
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from functools import partial

from advisor import cost
from advisor.catalog.load import Catalog
from advisor.common import fmt, memo_store
from advisor.cost.money import break_even_of_replica, workload_tokens_per_day
from advisor.domain.recommendation import (
    Candidate,
    Reason,
    Recommendation,
    Rejection,
    known_reasons,
    led_by,
)
from advisor.domain.candidate_text import per_mtok_text
from advisor.domain.workload import HOURS_PER_MONTH, Workload, validate
from advisor.errors import UnknownIdError
from advisor.physics.training import method_for
from advisor.prices.book import STALE_AFTER_DAYS, PriceBook, age_days, from_catalog
from advisor.ranking import engine_support, guard, modes, results as answered, scope
from advisor.ranking.api_backend import ApiBackend
from advisor.ranking.context import (
    Context,
    CostBackend,
    cached_tokens,
    keep_shared,
    memo_estimate,
    per_shape,
    shared_memo,
)
from advisor.ranking.explain import checkpoint_reasons, stale_price_reason
from advisor.ranking.modes import answers_late as _answers_late
from advisor.ranking.api_wait import bounded_wait as _bounded_wait
from advisor.ranking.api_wait import unverified_latency_note
from advisor.ranking.rows import fine_tuning as _fine_tuning
from advisor.ranking.rows import fine_tuning_reason as _fine_tuning_reason
from advisor.ranking.rows import untrained_reason as _untrained_reason
from advisor.ranking.rows import with_fine_tuning
from advisor.ranking.self_hosted import SelfHostedBackend
from advisor.ranking.ties import (DENSE_FIRST_UP_TO, better_quality_within_error, demotion_note, extrapolated_note, fragile_first, launch_unsure,
                                  heavy_ft_cheaper_note, heavy_ft_keys, none_meets_ttft, on_no_front, unbilled_training_note,
                                  unverified_cheaper_note)
from advisor.ranking.ties import dense_first_in_a_tie as _dense_first_in_a_tie
from advisor.ranking.api_tie import tie_for as _tie_for
from advisor.ranking.ties import rank_key as _rank_key
from advisor.ranking.ties import same_cost_why as _same_cost_why
from advisor.ranking.ties import total as _total

DEFAULT_BACKENDS: tuple[CostBackend, ...] = (SelfHostedBackend(), ApiBackend())


DETAILED_TOP = 15
"""Candidates that get the costlier extras (single-stream $/M tokens)."""


ROW_MEMO_MOST = 16384
"""Entries of a relabelling memo past which it starts afresh (a reasoning row's sentence is kept per bill and volume)."""


def _row_memos(shared: dict) -> tuple[dict, dict]:
    """The memos ``modes.relabel`` and the checkpoint notes of the rankings of one workload shape write (``per_shape``).
    What they keep reads the shape, the catalog and the answering mode (each entry holds its mode and is checked by
    identity), and a reasoning row's bill where it reads one (in its key), never the volume alone: a traffic edit
    re-uses every entry, where a memo per run worked each out again on every keystroke."""
    relabel = per_shape(shared, "relabel")
    if len(relabel) > ROW_MEMO_MOST:
        relabel.clear()
    return relabel, per_shape(shared, "checkpoint-notes")


def _quality_rejection(ctx: Context, model) -> Rejection | None:
    w = ctx.workload
    if w.min_quality <= 0:
        return None
    q = ctx.catalog.quality.get(model.id)
    if q is None:
        return Rejection(model=model.id, deployment="any", reasons=(Reason(
            "quality-unknown", f"no {w.quality_benchmark} score in the catalog, so the quality floor of {w.min_quality:g} cannot be checked",
            "decisive"),))
    if q.benchmark != w.quality_benchmark:
        return Rejection(model=model.id, deployment="any", reasons=(Reason(
            "quality-not-comparable", f"scored {q.score:g} on {q.benchmark}, not {w.quality_benchmark}: the floor of {w.min_quality:g} "
            f"cannot be checked ({q.source})", "decisive", {"score": q.score}),))
    if q.score < w.min_quality:
        return Rejection(model=model.id, deployment="any", reasons=(Reason(
            "quality-floor", f"{q.benchmark} {q.score:g} is below the floor of {w.min_quality:g}", "decisive",
            {"score": q.score, "floor": w.min_quality}),))
    return None


def _one_quality_axis(c: Candidate, w: Workload) -> Candidate:
    """Only the workload's benchmark is a quality figure; another benchmark's score is a label."""
    if c.quality is None or c.quality_benchmark == w.quality_benchmark:
        return c
    return c.evolve(quality=None, quality_benchmark=w.quality_benchmark,
                               other_quality=f"{c.quality_benchmark} {c.quality:g}")


def _pareto(cands: Sequence[Candidate], off: set[int]) -> set[int]:
    """Indices not dominated on (monthly cost lower, quality higher), among the rows that meet the latency targets
    and run on an engine known to serve them (a reasoning row that answers after the TTFT target, or a row on an
    unverified engine, ranks late and is on no front): ``off`` holds their ids (``ties.on_no_front``)."""
    front: set[int] = set()
    best_q = None
    order = sorted((i for i in range(len(cands)) if id(cands[i]) not in off),
                   key=lambda i: (_total(cands[i]), -(cands[i].quality or 0)))
    for i in order:
        q = cands[i].quality
        if q is None:
            continue
        if best_q is None or q > best_q:
            front.add(i)
            best_q = q
    return front


def _break_even(c: Candidate, side: list, visible: Workload) -> tuple[float | None, str | None, tuple | None]:
    """Daily token volume where self-hosting this configuration costs what the cheapest API for the same model costs;
    None when no API offers the model, or when the API stays cheaper even at 100%. The third is what the reason is
    written from (``_break_even_reason``), when it is read. ``side``: [the row's context, its ``_api_side`` or None
    until a row asks], one per (model, mode) and run."""
    if c.deployment != "self-hosted" or not c.output_tokens_per_s_per_replica:
        return None, None, None
    api = side[1]
    if api is None:  # the API side, the same for every row of the model and mode
        api = side[1] = _api_side(side[0], c.model, visible)
    if not api:
        return None, None, None
    api_usd_per_mtok, r, shown, vs, kept, now, w = api
    key = (float(c.hourly_usd), c.replicas, c.output_tokens_per_s_per_replica, api_usd_per_mtok)  # no Decimal to hash
    hit = kept.get(key)
    if hit is None:
        hit = kept[key] = break_even_of_replica(*key[:3], w, api_usd_per_mtok)
    per_day, full = hit
    if r != 1.0:  # a reasoning row's: stated per visible token, every field scaled
        per_day, full, now = per_day and per_day * r, full / r, now * r
    return per_day, vs, (per_day, full, now, vs, shown)


def _api_side(ctx: Context, model: str, visible: Workload) -> tuple:
    """(the cheapest API's $/M tokens as a float, all ``break_even_of_replica`` reads of it, the row's generated over
    visible tokens, that price per visible token, the ``break_even_vs`` text, the break-evens kept for the row's
    workload, its tokens/day, that workload) for ``model`` in ``ctx``'s mode; () when no API serves the workload. A
    break-even (tokens/day, $/M at full) reads the workload's shape, not its volume: kept per replica between edits."""
    cheapest = ApiBackend().cheapest(ctx, ctx.catalog.models[model])  # mode, context, latency, fine-tuning, rate limits
    if cheapest is None:
        return ()
    api, api_usd_per_mtok = cheapest
    r = visible.tokens_per_month / ctx.workload.tokens_per_month
    shown = api_usd_per_mtok if r == 1.0 else (api_usd_per_mtok / Decimal(str(r))).quantize(Decimal("0.000001"))
    batch = " (batch API)" if cost.batch_api_applies(api, ctx.workload) else ""
    kept = per_shape(ctx.shared, "break-even")
    if len(kept) > ROW_MEMO_MOST:
        kept.clear()
    return (float(api_usd_per_mtok), r, shown, f"{api.provider}{batch} at {fmt.usd(shown, 3)}/M", kept,
            workload_tokens_per_day(ctx.workload), ctx.workload)


def _break_even_reason(c: Candidate, be: tuple) -> Reason:
    """The ``break-even`` reason from ``_break_even``'s third: (tokens/day, $/M at full, the workload's tokens/day, the
    ``break_even_vs`` text, the API's $/M tokens as the row states it)."""
    be, vs, api_usd_per_mtok = cost.BreakEven(*be[:3]), be[3], be[4]
    if be.tokens_per_day is None:
        full = be.usd_per_mtok_at_full
        if full < float(api_usd_per_mtok):
            avg = (f"; this workload averages {fmt.pct(c.utilization)} ({'reached' if c.utilization >= full / float(api_usd_per_mtok) else 'not reached'})"
                   if c.utilization is not None else "")
            msg = (f"breaks even with {vs} only above {full / float(api_usd_per_mtok):.0%} utilization of every replica (fully "
                   f"used, one replica costs {fmt.usd(full, 3)}/M against {fmt.usd(api_usd_per_mtok, 3)}/M){avg}")
        else:
            msg = f"does not break even with {vs} for {c.model}: fully used, one replica costs {fmt.usd(full, 3)}/M tokens"
        return Reason("break-even", msg, "info", {"usd_per_mtok_at_full": full, "api_usd_per_mtok": float(api_usd_per_mtok)})
    per_day, now = be.tokens_per_day, be.workload_tokens_per_day
    # The break-even is one replica's: the workload's volume is compared per replica (trial 30: 390M "above" a 303M
    # break-even over 2 replicas, 195M each, while the API was cheaper), over the replicas it runs on average.
    fixed = c.scaling in (None, "fixed")
    n = (c.replicas_peak or c.replicas or 1) if fixed else max(1.0, (c.billed_gpu_hours_per_month or 0) / (HOURS_PER_MONTH * (c.gpus or 1)))
    each = now / n
    side = "above" if each >= per_day else "below"
    spread = f", {fmt.short(each)} per replica over its {fmt.num(n, 0 if fixed else 1)}{'' if fixed else ' on average'}" if n > 1 else ""
    billed = "" if fixed else f"; billed {c.scaling}, it pays only for the hours it runs"
    return Reason("break-even", f"break-even with {vs}: {fmt.short(per_day)} tokens/day per replica "
                  f"running all month; this workload is {fmt.short(now)} tokens/day{spread} ({side}){billed}", "info",
                  {"break_even_tokens_per_day": per_day, "workload_tokens_per_day": now,
                   "api_usd_per_mtok": float(api_usd_per_mtok)})


FLOOR_MARGIN = 1.0
"""Points of the quality benchmark under which #1's lead over the workload's floor is said to be too thin to rest on: one
model's published MMLU-Pro scores differ by more between evaluation harnesses (Qwen3-235B-A22B non-thinking: 75.2 in
Qwen's own card, 77.3 in Kimi K2's; catalogs/quality.toml), and a precision's effect is often unmeasured."""


def floor_margin_note(c: Candidate, candidates: Sequence[Candidate], w: Workload) -> str:
    """For #1 ``c``: where its score clears the workload's quality floor by less than ``FLOOR_MARGIN`` (trial 32: 70.4
    against 70, its FP8 change unmeasured), the words saying so and the first option in the ranking that clears it by
    more, with its bill: the floor decided the ranking, and the score that passed it is within its own noise."""
    if not w.min_quality or c.quality is None or c.quality - w.min_quality >= FLOOR_MARGIN:
        return ""
    unmeasured = f", and {c.precision}'s effect on it is unmeasured" if c.quality_delta_source and c.quality_delta is None else ""
    clear = next(((i, x) for i, x in enumerate(candidates) if x.quality is not None and x.quality - w.min_quality >= FLOOR_MARGIN
                  and not _answers_late(x, w) and not launch_unsure(x)), None)
    more = ""
    if clear is not None:
        i, x = clear
        gap = _total(x) - _total(c)  # a cheaper row ranked after #1 by a rule (a LoRA plan's dense first, heavy fine-tuning)
        more = (f": the first option clearing it by more is #{i + 1}, {x.label} ({fmt.num(x.quality, 1)}), "
                + (f"{fmt.usd(gap)}/month more" if gap >= 0 else f"{fmt.usd(-gap)}/month less, ranked after this one by a rule "
                   f"(its rank reason says which)"))
    margin = math.floor(round((c.quality - w.min_quality) * 100, 6)) / 100  # 0.97 is not "1.0 points, less than" a point
    lead = (f"meets the {w.min_quality:g} floor with no margin, while" if margin <= 0 else
            f"clears the {w.min_quality:g} floor by {margin:g} points, less than")
    return (f"; its {c.quality_benchmark} {fmt.num(c.quality, 1)} {lead} one model's published scores differ between "
            f"evaluation harnesses{unmeasured}{more}")


def _placing(i: int, c: Candidate, candidates: Sequence[Candidate], w: Workload, profile, front: set[int],
             be: tuple | None, ctx_of: Callable[[Candidate], Context] | None = None) -> list[Reason]:
    """The ranking's reasons for the candidate at ``i`` of the sorted ``candidates``: its rank against #1 (or #2),
    a near tie, the break-even with the cheapest API, the cost/quality front."""
    top = candidates[0]
    runner = candidates[1] if len(candidates) > 1 else None
    extra: list[Reason] = [_break_even_reason(c, be)] if be is not None else []
    total = _total(c)
    plus = (f" (serving {fmt.usd(c.monthly_cost_usd)} + fine-tuning {fmt.usd(c.fine_tuning_monthly_usd)})"
            if c.fine_tuning_monthly_usd else "")
    if i == 0:
        late_cheaper = [x for x in candidates if _total(x) < total and _answers_late(x, w)]
        unsure = unverified_cheaper_note(c, candidates) + heavy_ft_cheaper_note(c, candidates, w)
        late = none_meets_ttft(c, candidates, w)
        fragile = "" if late else fragile_first(c, runner, w)
        lead = (late or ("ranked first" if fragile else
                ("cheapest feasible option" if (not runner or _total(runner) >= total) and not late_cheaper and not unsure
                 else "first choice")))
        msg = f"{lead} at {fmt.usd(total)}/month{plus} ({per_mtok_text(c)}){unbilled_training_note(c, w)}{fragile}{unsure}"
        if late_cheaper and not _answers_late(c, w):
            low = min(late_cheaper, key=_total)
            msg += (f"; {len(late_cheaper):,} cheaper option{'s' if len(late_cheaper) > 1 else ''} (from {fmt.usd(_total(low))}/month, "
                    f"{low.label}) {'think' if len(late_cheaper) > 1 else 'thinks'} first and "
                    f"{'start' if len(late_cheaper) > 1 else 'starts'} the visible answer after the {w.ttft_ms:,.0f} ms TTFT "
                    f"target, so {'they rank' if len(late_cheaper) > 1 else 'it ranks'} after this one")
        if runner:
            diff, ruled = _total(runner) - total, False  # ruled: #2 costs less and a ranking rule puts it after #1
            if diff <= 0 and _answers_late(runner, w) and not _answers_late(c, w):  # at the same cost too: before quality
                thinks = next((r.numbers for r in known_reasons(runner.reasons) if r.code == "reasoning-latency"), {})
                wait = thinks.get("visible_wait_ms", 0.0)  # (not ``late``: #1's own lead, read again below)
                about = f"at least {wait / 1000:,.2f}" if thinks.get("lower_bound") else f"{'likely ' * bool(thinks.get('likely'))}about {wait / 1000:,.1f}"
                why = (f"{f'{fmt.usd(-diff)}/month dearer' if diff else 'the same cost'}, but #2 thinks first: its visible "
                       f"answer starts after {about} s, over the {w.ttft_ms:,.0f} ms TTFT target")
            elif diff < 0 and c.architecture == "dense" and runner.architecture == "moe":
                why = (f"{fmt.usd(-diff)}/month dearer, a near tie that the LoRA plan breaks: adapters on a dense model "
                       f"are the well-trodden path" if w.fine_tuning != "heavy" else f"{fmt.usd(-diff)}/month dearer: heavy "
                       f"fine-tuning ranks MoE after the dense options up to {DENSE_FIRST_UP_TO}x the cheapest dense one")
            elif diff == 0 and not (launch_unsure(runner) and not launch_unsure(c)):  # (the rule comes before quality)
                why = _same_cost_why(c, runner, w)
            elif diff <= 0:  # #2 costs no more and a rule ranks it after #1 (the note before says which)
                rule, ruled = demotion_note(runner, c, w).removeprefix("; ranked after "), True  # each rule's note starts so
                why = (f"{f'{fmt.usd(-diff)}/month dearer' if diff else 'the same cost'}, but #2 ranks after "
                       + (rule or "it by a rule: see #2's rank reason"))
            else:
                why = f"{fmt.usd(diff)}/month cheaper"
            msg += f"; {'ranks above' if ruled or diff < 0 else 'beats'} #2, {runner.label}: {why}"  # not "beats" a cheaper one
        msg += unverified_latency_note(c, candidates, w)
        msg += better_quality_within_error(c, candidates, profile, w) + extrapolated_note(c, ctx_of(c).catalog if ctx_of else None)
        msg += floor_margin_note(c, candidates, w)
        extra.insert(0, Reason("rank", msg, "decisive", {"monthly_cost_usd": str(c.monthly_cost_usd), "total_monthly_usd": str(total),
                                                         **({"misses_ttft": True} if late else {}),
                                                         **({"fragile": True} if fragile else {})}))
    else:
        diff = total - _total(top)
        gap = "the same as" if diff == 0 else f"{fmt.usd(abs(diff))} {'more' if diff > 0 else 'less'} than"
        msg = f"#{i + 1}: {fmt.usd(total)}/month{plus}, {gap} #1 ({top.label})"
        msg += demotion_note(c, top, w) + (f"; tied with #{i} ({prev.label}): the same bill" if i > 1 and _total(prev := candidates[i - 1]) == total else "")
        extra.insert(0, Reason("rank", msg, "decisive", {"monthly_cost_usd": str(c.monthly_cost_usd), "more_than_first_usd": str(diff)}))
    other = top if i else runner
    # A tie on price with a row that answers after the TTFT target while this one does not (or the reverse) is no tie:
    # the rank reason says which misses it (trial 29 review: "quality, latency and the provider may weigh more").
    tie = _tie_for(c, other, candidates, lambda x: _answers_late(x, w), profile, ctx_of)
    if tie is not None:
        extra.insert(1, tie)
    if i in front:
        extra.append(Reason("pareto", _front_text(c, candidates), "info"))
    extra += stale_price_reason(c.provider, c.price_as_of) + engine_support.unlisted_gpu(c)
    return extra


def _front_text(c: Candidate, candidates: Sequence[Candidate]) -> str:
    """A front row's reason. The front leaves out the rows ranked late by a rule (``_pareto``), so one of those may be both
    cheaper and better: then it is named, and the claim is made of the rows the front counts."""
    total, q = _total(c), c.quality or 0.0
    better = next(((i, x) for i, x in enumerate(candidates) if _total(x) < total and (x.quality or 0.0) > q), None)
    if better is None:
        return "on the cost/quality front: no option is both cheaper and better"
    i, x = better
    return (f"on the cost/quality front, which counts the options that launch as costed and answer in time: #{i + 1} "
            f"{x.label}, cheaper and higher-scoring, is not one of them (a rule ranks it later: its rank reason says which)")


def single_stream_usd_per_mtok(ctx: Context, c: Candidate) -> Decimal | None:
    """$/M tokens when one user streams alone, all the time (batch 1): the seeds' 'single user' case."""
    if c.deployment != "self-hosted" or not c.gpu:
        return None
    w = ctx.workload
    model, gpu = ctx.catalog.models[c.model], ctx.catalog.gpus[c.gpu]
    e = memo_estimate(model, gpu, c.gpus, c.precision, w.input_tokens, w.output_tokens, c.kv_precision, 1e-6,
                      ctx.profile(gpu), cached_tokens(w))
    if not e.output_tokens_per_s:
        return None
    return cost.usd_per_mtok(c.hourly_usd / c.replicas, e.output_tokens_per_s, w.tokens_per_request / w.output_tokens)


def recommend_with(workload: Workload, catalog: Catalog, prices: PriceBook | None = None,
                   backends: Iterable[CostBackend] | None = None, notes: Sequence[str] = ()) -> Recommendation:
    """Rank every way of serving ``workload`` with the given catalog, prices and backends.

    The cyclic garbage collector is paused while it runs: a ranking allocates hundreds of thousands of
    short-lived objects and creates no cycles worth collecting, and full collections over a 30x catalog's
    memos cost 15% of a re-rank. Reference counting still frees everything as usual."""
    paused = gc.isenabled()
    gc.disable()
    try:
        with memo_store.pinned():  # the kept results' cache directory, looked up once per ranking
            return _recommend_with(workload, catalog, prices, backends, notes)
    finally:
        if paused:
            gc.enable()


def _unsold_kinds(prices: PriceBook, w, name: str) -> list[str]:
    """A provider the user named that sells GPUs here only at price kinds the workload does not allow (TensorWave: only
    committed capacity) and no API: one note saying which kinds it sells and the flag that admits them, not a silent
    "no feasible option"."""
    kinds = {p.pricing for g in {x.gpu for x in prices.gpu_prices} for p in prices.gpu_offers(g, (name,), ())}
    if not kinds or kinds & set(w.pricing_kinds) or any(prices.api_offers(m, (name,)) for m in {x.model for x in prices.api_prices}):
        return []
    flag = sorted({"reserved" if k in ("reserved-1y", "reserved-3y", "committed") else k for k in kinds})
    return [f"{name} sells GPUs here only as {', '.join(sorted(kinds))} capacity, which this workload does not allow "
            f"({', '.join(w.pricing_kinds)}): add --pricing {','.join(flag)} (pricing in a workload file) to rank its offers"]


def _gpu_family(catalog: Catalog, name: str) -> tuple[str, ...]:
    """The GPU ids a workload's ``gpu_types`` entry allows: the id itself, every id of the family it names ("h100"
    allows h100-sxm and h100-pcie, "a100" both A100s: the id followed by "-"), or the id the catalog finds for
    that spelling (``Catalog.gpu``: unknown names raise with close matches)."""
    if name not in catalog.gpus:
        stem = name.strip().lower() + "-"
        family = tuple(g for g in catalog.gpus if g.startswith(stem))
        if family:
            return family
    return (catalog.gpu(name).id,)


def _recommend_with(workload: Workload, catalog: Catalog, prices: PriceBook | None,
                    backends: Iterable[CostBackend] | None, notes: Sequence[str], remember: bool = True) -> Recommendation:
    w = validate(workload)
    # Ids as the catalog spells them ("H100" -> h100-sxm, "Llama-3.3-70B" -> llama-3.3-70b); unknown ids are an
    # error with close matches.
    ids = {"models": tuple(catalog.model(i).id for i in w.models),
           "gpu_types": tuple(dict.fromkeys(g for i in w.gpu_types for g in _gpu_family(catalog, i)))}
    if ids["models"] != w.models or ids["gpu_types"] != w.gpu_types:
        w = dataclasses.replace(w, **ids)
    prices = prices or from_catalog(catalog)
    backends = tuple(backends) if backends is not None else DEFAULT_BACKENDS
    keep = all(type(b) in (SelfHostedBackend, ApiBackend) for b in backends)  # a plugin's may keep anything in ``shared``
    ctx = Context(workload=w, catalog=catalog, prices=prices, engine=catalog.engine, shared=shared_memo(w, catalog, prices, keep))
    if keep and (kept := answered.get(ctx.shared, w, given := tuple(notes))) is not None:  # ranked before: the same answer
        return kept
    run_notes = list(notes)
    if method_for(w.fine_tuning, w.fine_tuning_method) and not (w.fine_tune_tokens and w.fine_tunes_per_month):
        unset = [fmt.setting(k) for k in ("fine_tune_tokens", "fine_tunes_per_month") if not getattr(w, k)]
        run_notes.append(f"fine-tuning plan '{w.fine_tuning}' with {' and '.join(unset)} 0: no training cost is included "
                         f"(set {'both' if len(unset) > 1 else 'it'} above 0 to cost the runs)")
    known = prices.providers()
    for name in w.providers:  # a mistyped provider is an error with close matches, not "no feasible option"
        if known and not prices.knows_provider(name):
            raise UnknownIdError("provider", name, known)
        run_notes += _unsold_kinds(prices, w, name)
    run_notes += scope.thin_coverage(w, prices) + scope.idle_floor(w)
    models = [m for m in catalog.models.values() if not w.models or m.id in w.models]
    candidates: list[Candidate] = []
    rejected: list[Rejection] = []
    run_notes += scope.unscored_api_models(w, catalog, prices)
    ft_memo: dict = {}
    relabel, said = _row_memos(ctx.shared)  # the relabelling's and the checkpoint notes' lookups, kept between edits
    evaluated = 0
    interactive = w.latency == "interactive"
    wanted = {"required": ("self-hosted",), "allowed": ("self-hosted", "api"), "not-wanted": ("api",)}[w.self_hosting]
    ctx_of: dict = {}
    for model in models:
        for mq in modes.modes_of(catalog, model):
            rej = _quality_rejection(ctx, model) if mq is None else modes.mode_rejection(w, model, mq)
            if rej:
                rejected.append(rej)
                continue
            mw = modes.scaled_workload(w, mq)
            mctx = ctx if mw is w else Context(workload=mw, catalog=catalog, prices=prices, engine=catalog.engine,
                                               shared=shared_memo(mw, catalog, prices, keep))
            if mq is not None:  # the same memos, and the mode (an API endpoint may serve one mode only)
                mctx = dataclasses.replace(mctx, mode=mq.mode)
            ctx_of[(model.id, mq.mode if mq else None)] = mctx
            if model.max_position_embeddings < mw.context_max_tokens:
                rejected.append(scope.context_too_long(model, w, mw, catalog))
                continue
            for backend in backends:
                if backend.deployment not in wanted:
                    continue
                results = guard.evaluate(backend, mctx, model, run_notes)
                if not results:
                    continue
                ft = _fine_tuning(ctx, model, ft_memo)
                ft = ft and (ft[0], cost.money(ft[0]), (_fine_tuning_reason(ft),))  # what every row of the model adds
                unbilled = () if ft else _untrained_reason(ctx, model)
                fresh = guard.fresh_rows(backend)  # rows nothing else holds: changed in place (``rows.evolved``)
                evaluated += len(results)
                for got, r in zip(results, modes.relabel_rows(results, mq, w, mw, catalog, relabel, fresh)):
                    if not isinstance(r, Candidate):
                        rejected.append(r)
                        continue
                    if r.quality is not None and r.quality_benchmark != w.quality_benchmark:  # (two calls a row spared)
                        r = _one_quality_axis(r, w)
                    if interactive and r.deployment == "api" and r.mode == "reasoning":
                        r = _bounded_wait(r, w, mctx)
                    notes = ()  # weights no one publishes: said (and ranked after) before the sort
                    if r.deployment == "self-hosted":  # (_load_peak reads the GPUs of one engine)
                        notes = said.get(key := (r.model, r.precision, r.gpu, r.engine, r.gpus, r.engines_per_replica))
                        if notes is None:
                            notes = said[key] = tuple(checkpoint_reasons(r, catalog))
                        notes += unbilled
                    candidates.append(with_fine_tuning(r, ft, fresh or r is not got, notes))  # or a copy this ranking made
    run_notes += scope.untrainable_note(ctx.shared, w, candidates)
    keys = heavy_ft_keys(list(map(_rank_key(w), candidates)), w)  # the ids of the rows on no front, from the keys (``on_no_front``)
    off = {id(c) for c, k in zip(candidates, keys) if on_no_front(k)}
    candidates = [candidates[j] for j in sorted(range(len(candidates)), key=keys.__getitem__)]  # stable: as .sort()
    _dense_first_in_a_tie(candidates, w, catalog.engine)
    front = _pareto(candidates, off)
    ranked: list[Candidate] = []
    sides: dict = {}  # (model, mode) -> [its context, its break-even's API side]: one lookup a row

    def context_of(x: Candidate) -> Context:
        return ctx_of.get((x.model, x.mode), ctx)
    for i, c in enumerate(candidates):
        side = sides.get(k := (c.model, c.mode))
        if side is None:
            side = sides[k] = [ctx_of.get(k, ctx), None]
        cctx = side[0]
        be, vs, be_why = _break_even(c, side, w)
        single = single_stream_usd_per_mtok(cctx, c) if i < DETAILED_TOP else None
        if single is not None and cctx.workload.tokens_per_month != w.tokens_per_month:  # per visible token, as the row
            single = cost.money(single * Decimal(str(cctx.workload.tokens_per_month / w.tokens_per_month)), cost.MICRO)
        # written when read: the table reads none
        placing = partial(_placing, i, c, candidates, w, catalog.engine, front, be_why, context_of)
        ranked.append(c.evolve(rank=i + 1, pareto=i in front, reasons=led_by(placing, c.reasons),
                               break_even_tokens_per_day=be, break_even_vs=vs, single_stream_usd_per_mtok=single))

    # Prices that have aged: say so once.
    stale = sorted({c.provider for c in ranked[:10] if (age_days(c.price_as_of) or 0) > STALE_AFTER_DAYS})
    if stale:
        run_notes.append(f"prices older than {STALE_AFTER_DAYS} days among the top options: {', '.join(stale)} (refresh with `moe-advisor prices refresh`)")
    rejected += scope.filtered_out(w, catalog, prices)  # what the filters left out (listed first: Rejection.sort_key)
    apis = (lambda x: _recommend_with(x, catalog, prices, DEFAULT_BACKENDS[1:], (), False)) if ApiBackend in map(type, backends) else (lambda x: None)
    run_notes += [f"catalog: {p}" for p in catalog.problems] + scope.no_quality_floor(w, ranked) + scope.api_outside_providers(
        w, ranked, apis) + scope.api_without_tuning(w, ranked, apis)
    profile = catalog.engine
    names = {eid: p.engine for eid, p in catalog.engines.items()}
    assumptions = {
        **profile.assumptions(),
        "engines_used": list(dict.fromkeys(names.get(c.engine, c.engine) for c in ranked if c.deployment == "self-hosted" and c.engine)),
        "utilization_model": "replicas are sized for the peak rate (interactive) or the deadline (batch); the cheapest allowed "
                             "policy bills them: fixed (all month), autoscale (hour by hour over the day's profile, scale-ups "
                             "billed for their cold start), scale-to-zero (batch: the job's hours plus start-up, rounded to "
                             "the billing increment) or per-request (serverless workers up while requests hold them, plus an "
                             "idle timeout); utilization = mean demand / average running capacity",
        "hours_per_month": HOURS_PER_MONTH,
        "gpu_pricing": f"the provider's sold instance shapes (a replica spans instances only over a cluster interconnect); "
                       f"price kinds allowed: {', '.join(w.pricing_kinds)}",
        "usd_per_mtok": "monthly cost / monthly input + output tokens",
        "calibration": dataclasses.asdict(profile.fit) if profile.fit else {},
    }
    keep_shared()  # what this ranking added to its shapes' lookups, for the next process
    rec = Recommendation(workload=w, candidates=tuple(ranked), rejected=tuple(rejected), assumptions=assumptions,
                         evaluated=evaluated, catalog_versions=dict(catalog.versions), notes=tuple(run_notes))
    return answered.put(ctx.shared, w, given, rec) if keep and remember else rec  # (not a ranking made for a note)


