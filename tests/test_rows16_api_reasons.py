"""An API row's reasons are written when read: the ranking decides on their codes and severities (and on whether
an offer's peak is over its provider's top rate-limit tier), a screen or report reads the sentences of a few rows."""

from __future__ import annotations

from decimal import Decimal

import pytest

from advisor import api
from advisor.common import fmt
from advisor.domain.prices import ApiPrice, RateLimit
from advisor.ranking import api_backend


@pytest.fixture
def rate_calls(monkeypatch):
    calls: list = []
    real = fmt.rate

    def counted(*a, **k):
        calls.append(a)
        return real(*a, **k)
    monkeypatch.setattr(api_backend.fmt, "rate", counted)
    return calls


def _price(*tiers: RateLimit) -> ApiPrice:
    return ApiPrice(provider="examplehost", model="x", input_usd_per_mtok=Decimal(1), output_usd_per_mtok=Decimal(2),
                    source="https://example.com", as_of="2026-01-01", rate_limits=tiers)


def test_the_rate_limit_verdict_is_given_before_its_sentence_is_written(rate_calls):
    w = api.workload(preset="bursty-app", min_quality=0)
    rpm, tpm = api_backend.peak_rates(w)
    low, high = RateLimit("1", rpm / 2, tpm / 2), RateLimit("2", rpm * 2, tpm * 2)
    cases = [(_price(low), "decisive", True, "is over examplehost's highest published tier '1'"),
             (_price(low, high), "warning", False, "needs examplehost's '2' tier or above"),
             (_price(high), "info", False, "needs examplehost's '2' tier or above"),
             (_price(), "warning", False, "rate limits for this model are not in the catalog")]
    for price, severity, over, text in cases:
        reason, rejected = api_backend._rate_limit(price, w)
        assert (reason.code, reason.severity, rejected) == ("api-rate-limits", severity, over) and rate_calls == []
        assert text in reason.message and reason.numbers["peak_requests_per_min"] == rpm and len(rate_calls) == 2
        rate_calls.clear()


def test_a_ranking_writes_no_api_sentence_and_a_read_row_reads_them_all(rate_calls):
    rec = api.recommend(api.workload(preset="bursty-app"))
    rows = [c for c in rec.candidates if c.deployment == "api"]
    assert rows and rate_calls == []  # every offer's peak against its tiers, none of it written
    reasons = rows[0].reasons
    assert {"api-price", "api-no-idle", "api-rate-limits"} <= {r.code for r in reasons}
    assert all(r.message for r in reasons) and rate_calls  # read: the sentences, with the peak rates in them
    assert any("requests/day are billed as they come" in r.message for r in reasons)
