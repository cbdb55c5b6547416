"""A ranked row that bills exactly what the row above it bills says it ties with that row, not only how far it is from
#1 (two APIs at the same list price: #3 read "$1,460 more than #1" beside an equal #2)."""

from advisor import api


def test_a_row_billing_the_same_as_the_row_above_names_the_tie():
    w = api.workload(requests_per_day=250_000, input_tokens=12_000, output_tokens=600, context_max_tokens=65_536,
                     latency="interactive", ttft_ms=2_500, output_tokens_per_s_per_user=40, peak_to_mean=2.5, min_quality=70)
    rows = api.recommend(w).candidates[:40]
    ties = [i for i in range(2, len(rows)) if rows[i].monthly_cost_usd == rows[i - 1].monthly_cost_usd]
    assert ties, "the workload was chosen for two equal bills in its top rows"
    for i in range(1, len(rows)):
        rank = next(r.message for r in rows[i].reasons if r.code == "rank")
        said = f"tied with #{i} ({rows[i - 1].label})" in rank
        assert said == (i in ties), (i + 1, rank)
