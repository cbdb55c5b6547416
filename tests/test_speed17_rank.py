"""A re-rank does less around the self-hosted search: the built-in backends' rows are re-labelled in place (nothing else
holds them), and an API offer's verdict, price and row fields (all but the bill and the two reasons that name the
volume) are worked out once per workload shape and mode. Each gives the rows a fresh ranking gives."""

from __future__ import annotations

import dataclasses

import pytest

from advisor import api, cost
from advisor.domain.recommendation import Candidate
from advisor.domain.workload import PRESETS
from advisor.prices.book import from_catalog
from advisor.ranking import guard, modes
from advisor.ranking.api_backend import ApiBackend, peak_rates
from advisor.ranking.context import Context, clear_memos, shared_memo
from advisor.ranking.rank import recommend_with
from advisor.ranking.self_hosted import SelfHostedBackend
from advisor.ranking.ties import RANKED_AFTER, rank_key, weight_bytes


def _rows(rec) -> list:
    """Every field of every row, reasons written out."""
    return [(dataclasses.asdict(dataclasses.replace(c, reasons=())), [(r.code, r.severity, r.message, r.numbers)
                                                                      for r in c.reasons]) for c in rec.candidates]


class _Wrapped:
    """A backend outside the built-in modules: its rows may be kept, so the ranking copies them."""

    def __init__(self, inner):
        self.inner, self.name, self.deployment = inner, inner.name, inner.deployment

    def evaluate(self, ctx, model):
        return self.inner.evaluate(ctx, model)


def test_only_the_built_in_backends_rows_are_changed_in_place(cat):
    assert guard.fresh_rows(SelfHostedBackend()) and guard.fresh_rows(ApiBackend())
    assert not guard.fresh_rows(_Wrapped(ApiBackend()))
    book = from_catalog(cat)
    for name in ("bursty-app", "heavy-fine-tuning"):
        w = PRESETS[name]
        clear_memos()
        in_place = _rows(recommend_with(w, cat, book))
        clear_memos()
        copied = _rows(recommend_with(w, cat, book, backends=(_Wrapped(SelfHostedBackend()), _Wrapped(ApiBackend()))))
        assert in_place == copied and len(in_place) > 100


def test_relabel_in_place_gives_the_copys_fields(cat):
    w = PRESETS["bursty-app"]
    rec = recommend_with(w, cat, from_catalog(cat))
    mq = next(m for m in cat.quality_modes[next(c.model for c in rec.candidates if c.mode == "reasoning")].values()
              if m.mode == "reasoning")
    mw = modes.scaled_workload(w, mq)
    row = next(c for c in SelfHostedBackend().evaluate(Context(workload=mw, catalog=cat, prices=from_catalog(cat), engine=cat.engine),
                                                      cat.models[mq.model]) if isinstance(c, Candidate))
    twin = row.evolve()
    copied = modes.relabel(twin, mq, w, mw, cat, {})
    same = modes.relabel(row, mq, w, mw, cat, {}, own=True)
    assert copied is not twin and same is row and same.mode == "reasoning"
    assert {k: v for k, v in vars(same).items() if k != "reasons"} == {k: v for k, v in vars(copied).items() if k != "reasons"}
    assert [(r.code, r.message) for r in same.reasons] == [(r.code, r.message) for r in copied.reasons]


@pytest.mark.parametrize("scale", [1.0, 0.01, 300.0])
def test_the_break_evens_api_is_the_cheapest_offer_that_serves_the_workload(cat, scale):
    """``ApiBackend.cheapest`` (kept offers, the rate limits checked per volume) == the cheapest of the offers
    ``refusal`` passes, for every model with API offers and each mode; the volumes cross providers' top rate-limit tiers."""
    book, backend = from_catalog(cat), ApiBackend()
    w = api.workload(preset="bursty-app", min_quality=0)
    w = dataclasses.replace(w, requests_per_day=w.requests_per_day * scale)
    checked = over = 0
    for model in {p.model for p in book.api_prices}:
        spec = cat.models.get(model)
        for mq in modes.modes_of(cat, spec) if spec else ():
            mw = modes.scaled_workload(w, mq)
            ctx = Context(workload=mw, catalog=cat, prices=book, engine=cat.engine, shared=shared_memo(mw, cat, book),
                          mode=mq.mode if mq else None)
            offers = book.api_offers(model, mw.providers)
            usable = [p for p in offers if backend.refusal(ctx, spec, p)[0] is None]
            rpm, tpm = peak_rates(mw)
            over += sum(1 for p in offers if p.rate_limits and (rpm > p.rate_limits[-1].requests_per_min or tpm > p.rate_limits[-1].tokens_per_min))
            assert backend.cheapest(ctx, spec) == cost.cheapest_api(usable, mw)
            checked += 1
    assert checked > 20 and (over if scale == 300.0 else True)  # past a top tier (a free one only warns: trial 35)


def test_api_rows_at_a_new_volume_read_as_the_ones_worked_out_afresh(cat):
    book = from_catalog(cat)
    base = PRESETS["bursty-app"]
    clear_memos()
    kept = []
    for scale in (1.0, 200.0, 0.05):
        rec = recommend_with(dataclasses.replace(base, requests_per_day=base.requests_per_day * scale), cat, book)
        kept.append(([r for r in _rows(rec) if r[0]["deployment"] == "api"], [x for x in rec.rejected if x.deployment == "api"]))
    for scale, (rows, rejected) in zip((1.0, 200.0, 0.05), kept):
        clear_memos()
        rec = recommend_with(dataclasses.replace(base, requests_per_day=base.requests_per_day * scale), cat, book)
        assert rows == [r for r in _rows(rec) if r[0]["deployment"] == "api"] and rows
        assert rejected == [x for x in rec.rejected if x.deployment == "api"]
    assert any("requests/day are billed as they come" in message for row in kept[1][0] for _, _, message, _ in row[1])


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_the_sort_keys_flags_are_the_ranked_after_rules(cat, name):
    """``rank_key`` writes ``RANKED_AFTER``'s three rules out in one pass over a row's reasons: each flag is its rule."""
    rec = recommend_with(PRESETS[name], cat, from_catalog(cat))
    key, w = rank_key(rec.workload), rec.workload
    flags = [key(c)[:3] for c in rec.candidates]
    assert flags == [tuple(1 if rule(c, w) else 0 for rule, _ in RANKED_AFTER) for c in rec.candidates]
    assert [k[3] for k in map(key, rec.candidates)] == [c.monthly_total_usd for c in rec.candidates]
    assert all(key(c)[6] == -weight_bytes(c) for c in rec.candidates)


def test_fine_tuning_and_checkpoint_notes_go_into_one_copy_in_that_order():
    from decimal import Decimal

    from advisor.domain.recommendation import LazyReasons, Reason
    from advisor.ranking.rows import with_fine_tuning

    row = Candidate.make(model="m", model_name="M", architecture="moe", deployment="self-hosted", provider="p", gpu="g", gpus=1,
                         replicas=1, precision="fp8", monthly_cost_usd=Decimal("10.00"), usd_per_mtok=Decimal("1.000000"),
                         utilization=0.5, quality=None, quality_benchmark=None,
                         reasons=LazyReasons(lambda: [Reason("made", "written when read")], head=(Reason("a", "first"),)))
    ft, notes = (Decimal("2.5"), Decimal("2.50"), (Reason("fine-tuning", "runs"),)), (Reason("checkpoint", "quantize first"),)
    both = with_fine_tuning(row.evolve(), ft, False, notes)
    assert [r.code for r in both.reasons] == ["a", "made", "fine-tuning", "checkpoint"] and both.total_monthly_usd == Decimal("12.50")
    assert [r.code for r in with_fine_tuning(row.evolve(), None, False, notes).reasons] == ["a", "made", "checkpoint"]
    assert with_fine_tuning(row, None) is row and [r.code for r in row.reasons] == ["a", "made"]
