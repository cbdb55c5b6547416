"""Review 3's advice findings: a #1 that misses the TTFT target says no option meets it (finding 2)."""

from __future__ import annotations

import pytest

from advisor import api
from advisor.cli.render import render


@pytest.fixture(scope="module")
def frontier_floor():
    """Review 3, finding 2: a floor of 86 MMLU-Pro leaves only thinking rows, whose visible answer starts minutes
    after the 2,000 ms TTFT target."""
    w = api.workload(requests_per_day=100_000, input_tokens=2000, output_tokens=800, min_quality=86, self_hosting="allowed")
    return api.recommend(w)


def _wait(c) -> float:
    return next(r.numbers["visible_wait_ms"] for r in c.reasons if r.code == "reasoning-latency")


def test_when_no_row_meets_the_ttft_target_first_place_says_so_and_names_the_closest(frontier_floor):
    rows = frontier_floor.candidates
    assert rows and all(_wait(c) > 2000 for c in rows)  # the premise: every row misses
    rank = next(r for r in rows[0].reasons if r.code == "rank")
    assert rank.severity == "decisive" and rank.numbers.get("misses_ttft") is True
    assert rank.message.startswith("no option meets the 2,000 ms time-to-first-token target")
    assert "cheapest feasible" not in rank.message
    closest = min(rows, key=_wait)
    assert f"(#{closest.rank}, {closest.label})" in rank.message
    for c in rows:  # the miss itself is a decided fact, not a weak-estimate caveat
        assert next(r for r in c.reasons if r.code == "reasoning-latency").severity == "decisive"
    text = render(frontier_floor)
    assert "! no option meets the 2,000 ms" in text
    assert "~ the visible answer starts after" not in text and "! the visible answer starts after" in text


def test_a_row_that_meets_the_target_keeps_the_ordinary_lead():
    w = api.workload(requests_per_day=100_000, input_tokens=2000, output_tokens=800, min_quality=70, self_hosting="allowed")
    rec = api.recommend(w)
    rank = next(r for r in rec.candidates[0].reasons if r.code == "rank")
    assert not rank.message.startswith("no option meets") and "misses_ttft" not in rank.numbers
