"""Each quoted p90 error says which calibration rows it is the 90th percentile of: all rows (the latency margins) or
the low-concurrency ones (the speed risk of a row running a small batch), so a row quoting both is not ambiguous."""

from __future__ import annotations

import re

from advisor import api
from advisor.physics.calibration import LOW_CONCURRENCY, LOW_CONCURRENCY_P90_ERROR


def test_every_quoted_p90_names_its_population_and_the_small_batch_one_names_the_batch():
    w = api.workload(requests_per_day=3000, input_tokens=200_000, output_tokens=800, latency="interactive", ttft_ms=20_000,
                     context_max_tokens=210_000, self_hosting="required")
    rec = api.recommend(w)
    small = 0
    for c in rec.candidates[:15]:
        for r in c.reasons:
            if "p90" not in r.message:
                continue
            for quote in re.findall(r"p90[^),;]*", r.message):
                assert quote.startswith(("p90 over all calibration rows", f"p90 over the calibration rows at <= {LOW_CONCURRENCY}")), quote
            if r.code == "speed-risk" and c.batch <= LOW_CONCURRENCY:
                small += 1
                assert f"{LOW_CONCURRENCY_P90_ERROR:.0%} less than estimated" in r.message
                assert f"at <= {LOW_CONCURRENCY} concurrent requests, like this row's batch of {c.batch}" in r.message
            elif r.code == "speed-risk":
                assert "p90 over all calibration rows" in r.message
    assert small


def test_the_low_concurrency_p90_is_named_as_every_other_quote_names_it():
    """The 8 in the quoted population is the calibration's own bound."""
    from advisor.ranking.explain import LOW_ROWS

    assert LOW_ROWS == f"p90 over the calibration rows at <= {LOW_CONCURRENCY} concurrent requests"
