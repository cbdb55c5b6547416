"""With part of the input cached, an API row's price line shows the input, cached-input and output prices and the
blend with its numbers, and says where the provider has no cached-input price (cached tokens pay the full price)."""

from __future__ import annotations

import re
from decimal import Decimal

from advisor import api


def test_api_rows_show_the_cached_price_and_a_blend_that_reproduces_the_row():
    w = api.workload(requests_per_day=2000, input_tokens=20_000, output_tokens=800, cached_input_fraction=0.5,
                     self_hosting="not-wanted")
    rows = [c for c in api.recommend(w).candidates if c.deployment == "api" and c.pricing_kind == "per-token"]
    seen = {True: 0, False: 0}
    for c in rows[:30]:
        line = next(r for r in c.reasons if r.code == "price" or r.message.startswith("pay per token"))
        if "time-of-day" in line.message or "read as UTC" in line.message:
            continue
        has = c.api_cached_input_usd_per_mtok is not None
        seen[has] += 1
        if has:
            assert f"${c.api_cached_input_usd_per_mtok}/M cached input (50% of input tokens)" in line.message
        else:
            assert "no cached-input price (the 50% of input tokens cached are billed at the full input price)" in line.message
        m = re.search(r"blend: \(20,000 x 50% x \$([\d.]+) \+ 20,000 x 50% x \$([\d.]+) \+ 800 x \$([\d.]+)\) / 20,800 tokens",
                      line.message)
        assert m, line.message
        fresh, cached, out = map(Decimal, m.groups())
        blended = (20_000 * Decimal("0.5") * fresh + 20_000 * Decimal("0.5") * cached + 800 * out) / 20_800
        assert abs(blended - Decimal(line.numbers["usd_per_mtok"])) < Decimal("1e-9")
    assert seen[True] and seen[False]


def test_no_cached_fraction_no_cached_words():
    w = api.workload(requests_per_day=2000, input_tokens=20_000, output_tokens=800, self_hosting="not-wanted")
    c = next(c for c in api.recommend(w).candidates if c.deployment == "api")
    line = next(r for r in c.reasons if r.message.startswith("pay per token"))
    assert "cached" not in line.message and "blend:" not in line.message
