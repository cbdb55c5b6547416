"""What a workload's filters leave out before anything is costed, said where the ranking's reader looks.

A preset or a flag that narrows the GPU types or providers makes "the cheapest option" the cheapest within the
filter: ``filtered_out`` gives one rejection line for the GPU types and one for the providers the price book sells
but the filter removed, so a reader of the output (or of a colleague's report) sees that a cheaper option may sit
outside it. ``unscored_api_models`` names the models that have prices but no score on the workload's benchmark, which
a quality floor can never admit, and how to give them one.
"""

from __future__ import annotations

from advisor.catalog.load import Catalog
from advisor.domain.recommendation import Reason, Rejection
from advisor.domain.workload import Workload, constraint_origin, listed
from advisor.prices.book import PriceBook, provider_allowed


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
