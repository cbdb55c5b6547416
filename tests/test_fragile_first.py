"""#1 is called a fragile near tie, not a first choice, where its own p95 TTFT misses the workload's target or its bill at the speed
estimate's error exceeds #2's: it is a fragile near tie, and the reason names the number that decides it."""

from __future__ import annotations

import re

from decimal import Decimal

from advisor import api
from advisor.common import fmt
from advisor.ranking.ties import fragile_first, total


def _rank(c):
    return next(r for r in c.reasons if r.code == "rank")


def test_a_first_row_missing_the_ttft_target_at_p95_where_the_next_meets_it_better_is_a_fragile_near_tie():
    """Legal RAG, 200k tokens in: the two cheapest both miss the 20 s target at p95. #1 misses it by less, so its order does
    not rest on that number (its headroom note says the p95 misses); had #2 the lower p95, #1 would be a fragile tie."""
    w = api.workload(requests_per_day=3000, input_tokens=200_000, output_tokens=800, latency="interactive", ttft_ms=20_000,
                     context_max_tokens=210_000, self_hosting="required")
    rec = api.recommend(w)
    top, runner = rec.candidates[0], rec.candidates[1]

    def p95(c):
        return next(r for r in c.reasons if r.code == "headroom").numbers["ttft_p95_at_peak_ms"]
    assert w.ttft_ms < p95(top) < p95(runner)  # the constructed workload: both miss at p95, #1 by less
    assert "p95 TTFT" not in fragile_first(top, runner, w)
    swapped = fragile_first(runner, top, w)  # a #1 whose p95 is the worse of the two
    assert re.search(r"a fragile (near tie with|lead over) #2", swapped) and top.label in swapped
    assert f"p95 TTFT at the peak is {p95(runner):,.0f} ms against your 20,000 ms target; #2's is {p95(top):,.0f} ms" in swapped
    rank = _rank(top)
    assert ("fragile" in rank.message) == bool(fragile_first(top, runner, w))
    assert rank.numbers.get("fragile", False) == bool(fragile_first(top, runner, w))


def test_a_first_row_whose_bill_at_the_speed_error_exceeds_the_runners_is_fragile_and_names_both_bills():
    w = api.workload(requests_per_day=3000, input_tokens=2000, output_tokens=300, ttft_ms=60_000, self_hosting="required")
    rec = api.recommend(w)
    rows = [c for c in rec.candidates if c.deployment == "self-hosted"]

    def at_error(c):  # the speed-risk bill, fine-tuning included
        r = next((r for r in c.reasons if r.code == "speed-risk"), None)
        usd = None if r is None else r.numbers.get("monthly_usd_at_error")
        return None if usd is None else Decimal(usd) + (c.fine_tuning_monthly_usd or 0)

    pair = next(((a, b) for a, b in zip(rows, rows[1:]) if at_error(a) is not None and at_error(b) is not None
                 and at_error(a) > at_error(b) and total(a) <= total(b)), None)
    assert pair is not None  # some row's bill would grow past the next one's were its engine slower
    a, b = pair
    text = fragile_first(a, b, w)
    assert re.search(r"a fragile (near tie with|lead over) #2", text) and "before you choose" in text and f"{fmt.usd(at_error(a))}/month" in text and f"{fmt.usd(at_error(b))}/month" in text
    same = [(x, y) for x, y in zip(rows, rows[1:]) if at_error(x) is not None and at_error(y) is not None
            and at_error(x) <= at_error(y)]
    assert any(fragile_first(x, y, w) == "" for x, y in same)  # a robust order keeps its "first choice"
    assert "would bill" not in fragile_first(b, a, w)  # a #1 already dearer than #2 does not rest on its speed
