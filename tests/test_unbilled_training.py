"""A fine-tuning plan without the run's size bills serving only and says so up front, in #1's rank reason; an adapter
count with no fine-tunes a month is said to be assumed, not "the default count"."""

from __future__ import annotations

import pytest

from advisor import api


def _rank(c):
    return next(r for r in c.reasons if r.code == "rank")


@pytest.mark.parametrize("plan,method", [("heavy", "full"), ("light", "lora")])
def test_a_plan_without_token_counts_says_in_the_first_reason_that_training_is_not_billed(plan, method):
    w = api.workload(requests_per_day=20_000, input_tokens=1000, output_tokens=300, fine_tuning=plan, self_hosting="required")
    top = api.recommend(w).candidates[0]
    assert not top.fine_tuning_monthly_usd
    first = top.reasons[0]
    assert first.code == "rank"
    assert (f"training not billed: fine_tuning '{plan}' plans {method} fine-tunes but fine_tune_tokens and "
            f"fine_tunes_per_month are not set, so this bill is serving only") in first.message


def test_a_plan_with_token_counts_bills_the_runs_and_says_nothing_of_it():
    w = api.workload(requests_per_day=20_000, input_tokens=1000, output_tokens=300, fine_tuning="heavy",
                     fine_tune_tokens=50e6, fine_tunes_per_month=1, self_hosting="required")
    top = api.recommend(w).candidates[0]
    assert top.fine_tuning_monthly_usd and "training not billed" not in _rank(top).message
    w0 = api.workload(requests_per_day=20_000, input_tokens=1000, output_tokens=300, fine_tuning="heavy",
                      fine_tune_tokens=50e6, fine_tunes_per_month=0, self_hosting="required")
    assert "but fine_tunes_per_month is not set" in _rank(api.recommend(w0).candidates[0]).message


def test_no_fine_tunes_a_month_makes_one_assumed_adapter_not_the_default_count():
    w = api.workload(requests_per_day=20_000, input_tokens=1000, output_tokens=300, fine_tuning="light",
                     fine_tunes_per_month=0, self_hosting="required")
    lora = next(r for r in api.recommend(w).candidates[0].reasons if r.code == "multi-lora")
    assert "1 adapter of rank" in lora.message and "default count" not in lora.message
    assert "one assumed: neither lora_adapters nor fine_tunes_per_month is set" in lora.message
