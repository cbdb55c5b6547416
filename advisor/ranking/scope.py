"""What a workload's filters leave out before anything is costed, said where the ranking's reader looks.

A preset or a flag that narrows the GPU types or providers makes "the cheapest option" the cheapest within the
filter: ``filtered_out`` gives one rejection line for the GPU types and one for the providers the price book sells
but the filter removed, so a reader of the output (or of a colleague's report) sees that a cheaper option may sit
outside it. ``unscored_api_models`` names the models that have prices but no score on the workload's benchmark, which
a quality floor can never admit, and how to give them one. ``no_quality_floor`` says that a workload without a floor
is ranked on cost alone, and what the next steps up in quality cost. ``thin_coverage`` says, for a provider the workload
names, how few of its GPU offers the price catalog holds, so a pricey answer is not read as the provider's best.
"""

from __future__ import annotations

from advisor.catalog.load import Catalog
from advisor.common import fmt
from advisor.domain.recommendation import Reason, Rejection
from advisor.domain.constraints import constraint_origin, listed
from advisor.domain.workload import Workload
from advisor.prices.book import PriceBook, provider_allowed
from advisor.ranking.rows import offers_allowed_by


def filtered_out(w: Workload, catalog: Catalog, prices: PriceBook) -> list[Rejection]:
    """One ``filtered`` rejection for the GPU types with an allowed offer that ``gpu_types`` leaves out, one for the
    providers that would sell something here that ``providers`` leaves out; none where the workload sets neither."""
    out: list[Rejection] = []
    hosted = w.self_hosting != "not-wanted"
    if w.gpu_types and hosted:
        gone = sorted(g for g in catalog.gpus if g not in w.gpu_types and prices.gpu_offers(g, w.providers, w.pricing_kinds))
        if gone:
            out.append(Rejection(model="*", deployment="filtered", reasons=(Reason(
                "filtered-gpu-types", f"not in the allowed GPU types ({constraint_origin(w, 'gpu_types')})", "decisive",
                {"field": "gpu_types", "left_out": gone}),)))
    if w.providers:
        sellers = {p.provider for p in prices.gpu_prices if hosted and p.pricing in w.pricing_kinds
                   and (not w.gpu_types or p.gpu in w.gpu_types)}
        if w.self_hosting != "required":
            sellers |= {p.provider for p in prices.api_prices if not p.retired_on and (not w.models or p.model in w.models)}
        gone = sorted(p for p in sellers if not provider_allowed(p, w.providers))
        if gone:
            out.append(Rejection(model="*", deployment="filtered", reasons=(Reason(
                "filtered-providers", f"not in the allowed providers ({constraint_origin(w, 'providers')})", "decisive",
                {"field": "providers", "left_out": gone}),)))
    return out


THIN_COVERAGE = 4
"""A named provider with this many GPU price rows or fewer gets ``thin_coverage``'s note (the hyperscalers' catalogs
hold 2-4 instance types each: their 8-GPU training instances, not every shape they sell)."""


def thin_coverage(w: Workload, prices: PriceBook) -> list[str]:
    """One note per provider the workload names whose GPU offers in the catalog are few: which instance types are
    there, and that the shapes it sells beyond them are not ranked (a user catalog adds them)."""
    if not w.providers or w.self_hosting == "not-wanted":
        return []
    out = []
    for name in w.providers:
        rows = [p for p in prices.gpu_prices if provider_allowed(p.provider, (name,)) and p.pricing in w.pricing_kinds]
        if not rows or len(rows) > THIN_COVERAGE:
            continue
        held = ", ".join(sorted({f"{p.sku or p.gpu} ({'/'.join(map(str, p.shapes))}x {p.gpu})" for p in rows}))
        out.append(f"{name}: the price catalog holds {len(rows)} of its GPU offers ({held}); instance types it sells "
                   f"that are not listed (other GPUs, smaller shapes) are not ranked: add them to a user catalog prices "
                   f"file (`moe-advisor paths` shows the folder) to compare them")
    return out


def unscored_api_models(w: Workload, catalog: Catalog, prices: PriceBook) -> list[str]:
    """A note naming the models sold by an allowed API that have no score on the workload's benchmark, where a quality
    floor rejects them ('quality-unknown' or 'not comparable'), and how to rank them: a user catalog score."""
    if w.min_quality <= 0 or w.self_hosting == "required":
        return []
    names = []
    for m in catalog.models.values():
        q = catalog.quality.get(m.id)
        if (w.models and m.id not in w.models) or catalog.quality_modes.get(m.id) or (q is not None and q.benchmark == w.quality_benchmark):
            continue
        if prices.api_offers(m.id, w.providers):
            names.append(m.id)
    if not names:
        return []
    they = "it" if len(names) == 1 else "them"
    return [(f"{listed(tuple(names), 16)} {'has' if len(names) == 1 else 'have'} API prices but no {w.quality_benchmark} score, so the "
            f"quality floor of {w.min_quality:g} rejects {they}: to rank {they}, give a score you trust in a user catalog "
            f"quality.toml ([quality.<model id>] with benchmark = \"{w.quality_benchmark}\", score, source, as_of; "
            f"`moe-advisor paths` shows the folder)")]


def untrainable_note(shared: dict, w: Workload, candidates) -> list[str]:
    """The note that no allowed GPU (``gpu_types``, ``providers``) can hold the planned fine-tuning runs of a ranked
    model, whose rows then bill serving only."""
    from advisor.physics.training import method_for

    memo = shared.get("fine-tuning") or {}
    held = {k[1] for k in memo if isinstance(k, tuple) and k[0] == "untrainable"}  # a few keys, not a pass over the rows
    models = sorted(held & {c.model for c in candidates}) if held else ()
    if not models:
        return []
    return [f"no GPU offer allowed by {offers_allowed_by(w)} can hold a {method_for(w.fine_tuning, w.fine_tuning_method)} fine-tuning run of "
            f"{', '.join(models)}: the training is not billed for {'it' if len(models) == 1 else 'them'} (allow a larger GPU "
            f"in gpu_types to cost the runs)"]


FLOOR_STEPS = 3
"""How many steps up the cost/quality front ``no_quality_floor`` names."""


def no_quality_floor(w: Workload, ranked) -> list[str]:
    """For a workload with no quality floor: that the ranking is by cost alone (the smallest model that meets the
    targets wins, however it scores), #1's score, and the first rows of the cost/quality front that score higher, with
    their bills, so the reader sees what a floor would buy; none where a floor is set or nothing scores higher."""
    from advisor.common.fmt import usd
    from advisor.ranking.ties import total

    if w.min_quality > 0 or not ranked or ranked[0].quality is None:
        return []
    top, best, steps = ranked[0], ranked[0].quality, []
    for c in ranked[1:]:
        if c.pareto and c.quality is not None and c.quality > best:
            best = c.quality
            steps.append(f"{c.model} {c.quality:.1f} at {usd(total(c))}/month (#{c.rank})")
            if len(steps) == FLOOR_STEPS:
                break
    if not steps:
        return []
    return [f"no quality floor is set (min_quality, --min-quality): the ranking is by cost alone, and #1, {top.model}, "
            f"scores {top.quality:.1f} on {w.quality_benchmark}; up the cost/quality front (* in the table): "
            f"{'; '.join(steps)}; set the floor your task needs to rank only models good enough for it"]


def api_outside_providers(w: Workload, ranked, rank_apis) -> list[str]:
    """A note, where the workload's ``providers`` filter leaves per-token APIs out, naming the cheapest one outside it
    when it costs less than #1 (trial 32: a chatbot kept to RunPod ranked 2x RTX 4090 at $496/month with no word of an
    API at $55): ``rank_apis(workload)`` ranks the API rows alone (None where no API backend ranks), here of the
    workload without the filter. A row that answers after the TTFT target (it thinks first) is not offered."""
    if not w.providers or w.self_hosting == "required" or not ranked:
        return []
    import dataclasses

    from advisor.ranking.modes import answers_late
    from advisor.ranking.ties import total

    top = ranked[0]
    rec = rank_apis(dataclasses.replace(w, providers=(), self_hosting="not-wanted"))
    best = next((c for c in (rec.candidates if rec is not None else ()) if c.deployment == "api" and not answers_late(c, w)
                 and not provider_allowed(c.provider, w.providers) and (top.quality is None or (c.quality or 0.0) >= top.quality)), None)
    if best is None or total(best) >= total(top):
        return []
    score = f", {best.quality_benchmark} {fmt.num(best.quality, 1)} against #1's {fmt.num(top.quality, 1)}" if top.quality is not None else ""
    return [f"outside the allowed providers ({listed(w.providers)}), the cheapest per-token API scoring at least #1 is "
            f"{best.label} at {fmt.usd(total(best))}/month against #1's {fmt.usd(total(top))}{score}: add {best.provider} "
            f"to the providers to rank it"]


def api_without_tuning(w: Workload, ranked, rank_apis) -> list[str]:
    """A note, where a fine-tuning plan leaves every per-token API out (none serves the tuned model) and a self-hosted
    row ranks first, naming the cheapest API of the base model that scores at least #1 when it costs less than #1's
    bill: what the plan costs beyond its runs (trial 35: a LoRA plan turned a $1,168 API into a $7,289 deployment, said
    only by a report diff). ``rank_apis`` as ``api_outside_providers``'s."""
    if w.fine_tuning == "none" or w.self_hosting == "required" or not ranked or ranked[0].deployment == "api":
        return []
    if any(c.deployment == "api" for c in ranked):
        return []
    import dataclasses

    from advisor.ranking.modes import answers_late
    from advisor.ranking.ties import total

    top = ranked[0]
    rec = rank_apis(dataclasses.replace(w, fine_tuning="none", self_hosting="not-wanted"))
    best = next((c for c in (rec.candidates if rec is not None else ()) if c.deployment == "api" and not answers_late(c, w)
                 and (top.quality is None or (c.quality or 0.0) >= top.quality)), None)
    if best is None or total(best) >= total(top):
        return []
    runs = f" (its fine-tuning runs {fmt.usd(top.fine_tuning_monthly_usd)}/month of it)" if top.fine_tuning_monthly_usd else ""
    return [f"the '{w.fine_tuning}' fine-tuning plan leaves out every per-token API (none here serves a tuned model per "
            f"token): without it, {best.label} would serve the base model at {fmt.usd(total(best))}/month against #1's "
            f"{fmt.usd(total(top))}{runs}: the tuned deployment costs {fmt.usd(total(top) - total(best))}/month more than the "
            f"base model by that API"]


def idle_floor(w: Workload) -> list[str]:
    """``min_replicas`` 0 on an interactive workload whose every hour has traffic: it stops replicas only in the hours the
    day's profile gives none (``billing.plans``), so here one runs all day, as with 1 (trial 35: 0 was taken and
    ignored unseen)."""
    idle = sum(1 for x in w.hourly_profile if x == 0)
    if w.latency == "interactive" and w.min_replicas and idle:  # the way to stop them, where the day has idle hours
        return [f"{idle} hours a day have no traffic (hourly_profile), and {fmt.setting('min_replicas', w.min_replicas)} "
                f"keeps {'a replica' if w.min_replicas == 1 else 'that many replicas'} running through them: "
                f"{fmt.setting('min_replicas', 0)} stops autoscaled replicas then (a request in those hours waits a cold start)"]
    if w.latency != "interactive" or w.min_replicas or idle:
        return []
    return [f"{fmt.setting('min_replicas', 0)} stops replicas only in hours with no traffic, and every hour of this "
            f"workload's day has some ({'its hourly_profile' if w.hourly_profile else 'the ' + w.traffic_shape + ' shape'}): "
            f"at least one replica runs all day, as with 1 (an hourly_profile with 0 in the quiet hours schedules them off)"]


def context_too_long(model, w: Workload, mw: Workload, catalog=None) -> Rejection:
    """The ``context-too-long`` rejection of ``model`` whose context is shorter than the workload's ``context_max_tokens``
    (``mw``: the workload of the answering mode, its reasoning tokens added), with the longest max context that admits it,
    or that none does where the request itself, reasoning included, is longer (trial 37: gpt-oss-120b at 131,072); and the
    catalog's later releases of it (ids that extend its id) whose context is long enough (trial 39: Qwen3-235B-A22B
    rejected at 40,960 beside its 2507 release's 262,144)."""
    most, thinking = model.max_position_embeddings, mw.output_tokens - w.output_tokens
    why = f" (with {thinking:,} reasoning tokens)" if thinking else ""
    room = most - (mw.context_max_tokens - w.context_max_tokens)  # the workload's max context that leaves room for them
    admit = (f"; a max context of {room:,} or less admits it (context_max_tokens, --context-max)"
             if room >= w.input_tokens + w.output_tokens else
             f"; no max context admits it: one request{' with its reasoning' if thinking else ''} is "
             f"{mw.input_tokens + mw.output_tokens:,} tokens")
    later = [m for m in (catalog.models.values() if catalog is not None else ()) if m.id.startswith(model.id + "-")
             and m.max_position_embeddings >= mw.context_max_tokens]
    if later:
        admit += "; " + ", ".join(f"{m.id} ({m.max_position_embeddings:,} tokens)" for m in later[:3]) + (
            " in the catalog, a later release of it, is long enough" if len(later) == 1 else " in the catalog, later releases of it, are long enough")
    return Rejection(model=model.id, deployment="any", reasons=(Reason(
        "context-too-long", f"supports {most:,} tokens of context, below the {mw.context_max_tokens:,} needed{why}{admit}",
        "decisive", {"max_position_embeddings": most}),))
