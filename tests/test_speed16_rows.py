"""What a re-rank does per row more cheaply must read as before: a deferred reason reads, compares, prints and pickles
as the one written at once; money of a Decimal rounds as of its text; the break-even kept per replica does not read the
volume; the front is read from the sort's keys."""

from __future__ import annotations

import copy
import dataclasses
import importlib
import pickle
from decimal import Decimal

import pytest

from advisor.domain.recommendation import Reason
from advisor.domain.workload import PRESETS
from advisor.prices.book import from_catalog
from advisor.ranking.modes import answers_late
from advisor.ranking.rank import recommend_with
from advisor.ranking.ties import launch_unsure, on_no_front, rank_key

m = importlib.import_module("advisor.cost.money")  # the module (``advisor.cost.money`` is also its function)


def _deferred(calls: list) -> Reason:
    def write():
        calls.append(1)
        return "3.5x output tokens", {"output_multiplier": 3.5}
    return Reason.deferred("reasoning-tokens", "decisive", write)


def test_a_deferred_reason_is_written_once_on_first_read_and_reads_as_a_written_one():
    calls: list = []
    plain = Reason("reasoning-tokens", "3.5x output tokens", "decisive", {"output_multiplier": 3.5})
    r = _deferred(calls)
    assert (r.code, r.severity) == ("reasoning-tokens", "decisive") and calls == []  # what the ranking decides on
    assert r.numbers == {"output_multiplier": 3.5} and r.message == "3.5x output tokens" and calls == [1]
    assert r == plain and plain == r and repr(r) == repr(plain) and [r] == [plain]
    assert dataclasses.asdict(r) == dataclasses.asdict(plain) and calls == [1]


@pytest.mark.parametrize("copied", [lambda r: pickle.loads(pickle.dumps(r)), copy.copy, copy.deepcopy,
                                    lambda r: dataclasses.replace(r, severity="info")])
def test_a_deferred_reason_unread_copies_and_pickles_as_written(copied):
    calls: list = []
    r = copied(_deferred(calls))
    assert calls == [1] and type(r) is Reason and "_write" not in vars(r)
    assert (r.message, r.numbers["output_multiplier"]) == ("3.5x output tokens", 3.5)


def test_a_reason_without_a_field_still_raises_attribute_error():
    with pytest.raises(AttributeError):
        Reason("x", "y").nothing  # noqa: B018


@pytest.mark.parametrize("x", ["12.345", "-0.005", "0.015", "1234567.891234567", "2E+3", "-0", "0.125"])
def test_money_of_a_decimal_rounds_as_of_its_text(x):
    d = Decimal(x)
    for q in (m.CENT, m.MICRO):
        got, text = m.money(d, q), Decimal(str(d)).quantize(q, rounding="ROUND_HALF_UP")
        assert got == text and str(got) == str(text)


def test_per_mtok_of_volume_is_the_bill_over_the_tokens_rounded():
    monthly = Decimal("12345.678")
    for tokens in (3.1e9, 3.1e9, 7.0, 123456789.123):
        want = (monthly / Decimal(str(tokens)) * m.MILLION).quantize(m.MICRO, rounding="ROUND_HALF_UP")
        assert m.usd_per_mtok_of_volume(monthly, tokens) == want
        assert str(m.usd_per_mtok_of_volume(monthly, tokens)) == str(want)


@pytest.mark.parametrize("preset", ["bursty-app", "batch-pipeline"])
def test_the_break_even_of_a_replica_does_not_read_the_volume(preset):
    """``rank._break_even`` keeps it per replica between traffic edits: it must be the same at any requests/day."""
    w = PRESETS[preset]
    args = (Decimal("12.3456"), 3, 1234.5)
    one = m.break_even_of_replica(*args, w, Decimal("0.6"))
    for f in (0.01, 3.0, 977.0):
        other = dataclasses.replace(w, requests_per_day=w.requests_per_day * f)
        assert m.break_even_of_replica(*args, other, Decimal("0.6")) == one
        be = m.break_even(*args, other, Decimal("0.6"))
        assert (be.tokens_per_day, be.usd_per_mtok_at_full) == one
        assert be.workload_tokens_per_day == pytest.approx(other.tokens_per_month * 12 / 365)


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_the_rows_off_the_front_are_read_from_the_sort_keys(cat, preset):
    w = PRESETS[preset]
    rec = recommend_with(w, cat, from_catalog(cat))
    key = rank_key(rec.workload)
    for c in rec.candidates:
        assert on_no_front(key(c)) == (answers_late(c, rec.workload) or launch_unsure(c))
        if on_no_front(key(c)):
            assert not c.pareto
