"""``bounds.least_run`` is kept per workload shape: the same pair ``priced_out`` works out, read once per GPU."""
from __future__ import annotations

import dataclasses

from advisor import api
from advisor.domain.workload import HOURS_PER_MONTH
from advisor.prices.book import from_catalog
from advisor.ranking import bounds
from advisor.ranking.context import Context


def _ctx(w):
    cat = api.catalog()
    return Context(workload=w, catalog=cat, prices=from_catalog(cat), engine=cat.engine)


def test_least_run_is_the_interactive_floor_and_kept_per_shape():
    w = dataclasses.replace(api.preset("bursty-app"), min_replicas=3, scaling=("autoscale",))
    ctx = _ctx(w)
    gpu = ctx.catalog.gpus["h100-sxm"]
    unit, hours = bounds.least_run(ctx, gpu)
    cheapest = min(float(o.usd_per_gpu_hour) for o in bounds.offers_of(ctx, gpu))
    assert (unit, hours) == (cheapest, 3 * HOURS_PER_MONTH)
    # min_replicas is the floor of a fixed plan too: with every policy allowed, 3 replicas still run every hour.
    assert bounds.least_run(_ctx(dataclasses.replace(w, scaling=())), gpu) == (cheapest, 3 * HOURS_PER_MONTH)
    assert bounds.least_run(_ctx(dataclasses.replace(w, scaling=(), min_replicas=1)), gpu) == (cheapest, HOURS_PER_MONTH)
    assert bounds.least_run(ctx, gpu) is bounds.least_run(ctx, gpu)  # kept: one lookup a read
    # priced_out reads the same pair: 3 replicas every hour at the cheapest rate bills at least this much.
    floor = unit * 2 * hours
    assert bounds.priced_out(ctx, gpu, 2, floor) and not bounds.priced_out(ctx, gpu, 2, floor * 1.5)


def test_least_run_is_zero_for_batch_work():
    ctx = _ctx(api.preset("batch-pipeline"))
    assert bounds.least_run(ctx, ctx.catalog.gpus["h100-sxm"]) == (0.0, 0.0)
    assert not bounds.priced_out(ctx, ctx.catalog.gpus["h100-sxm"], 1, 1e-9)
