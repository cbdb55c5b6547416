"""Every self-hosted row says how much of its bill rests on the speed estimate: priced again, the same offer and shape,
for the throughput less the estimate's p90 error (``speed-risk``)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from advisor import api
from advisor.ranking.explain import speed_error


@pytest.mark.parametrize("preset", ["steady-latency", "long-context", "batch-pipeline"])
def test_each_self_hosted_row_prices_the_estimate_error(preset):
    rec = api.recommend(api.preset(preset))
    profile = api.catalog().engine
    rows = [c for c in rec.candidates if c.deployment == "self-hosted"][:40]
    assert rows
    grew = held = 0
    for c in rows:
        r = [x for x in c.reasons if x.code == "speed-risk"]
        assert len(r) == 1, c.label
        n = r[0].numbers
        assert n["estimate_error"] == speed_error(c.batch, profile)
        at_error = Decimal(n["monthly_usd_at_error"])
        assert at_error >= c.monthly_cost_usd  # less capacity never bills less
        assert n["replicas_peak_at_error"] >= c.replicas_peak
        if at_error > c.monthly_cost_usd:
            grew += 1
            assert f"{at_error / c.monthly_cost_usd - 1:+.0%}" in r[0].message
        else:
            held += 1
            assert "the bill holds" in r[0].message
        if c.scaling == "fixed" and n["replicas_peak_at_error"] == c.replicas_peak:
            assert at_error == c.monthly_cost_usd  # a fixed month at the same replicas is the same bill
    assert grew or held


def test_a_bill_set_by_the_capacity_grows_by_about_the_error():
    # Batch work under scale-to-zero bills the job's hours, which follow the capacity: 1 / (1 - error) more.
    rec = api.recommend(api.preset("batch-pipeline"))
    c = next(x for x in rec.candidates if x.deployment == "self-hosted" and x.scaling == "scale-to-zero")
    r = next(x for x in c.reasons if x.code == "speed-risk")
    ratio = float(Decimal(r.numbers["monthly_usd_at_error"]) / c.monthly_cost_usd)
    assert ratio == pytest.approx(1 / (1 - r.numbers["estimate_error"]), rel=0.05)
