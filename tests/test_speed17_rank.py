"""A re-rank does less around the self-hosted search: the built-in backends' rows are re-labelled in place (nothing else
holds them). It gives the rows a fresh ranking gives."""

from __future__ import annotations

import dataclasses

from advisor.domain.recommendation import Candidate
from advisor.domain.workload import PRESETS
from advisor.prices.book import from_catalog
from advisor.ranking import guard, modes
from advisor.ranking.api_backend import ApiBackend
from advisor.ranking.context import Context, clear_memos
from advisor.ranking.rank import recommend_with
from advisor.ranking.self_hosted import SelfHostedBackend


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
