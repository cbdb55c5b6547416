"""A row the ranking copied takes its fine-tuning and checkpoint notes in that copy (``rows.evolved``); a row a
backend returned is never changed in place: a backend may keep it between rankings."""

from __future__ import annotations

import copy
from decimal import Decimal

from advisor import api
from advisor.domain.recommendation import Candidate, Reason
from advisor.prices.book import from_catalog
from advisor.ranking.api_backend import ApiBackend
from advisor.ranking.rank import recommend_with
from advisor.ranking.rows import evolved, with_fine_tuning
from advisor.ranking.self_hosted import SelfHostedBackend


def _row() -> Candidate:
    return Candidate.make(model="m", model_name="M", architecture="moe", deployment="api", provider="p", gpu=None, gpus=0,
                          replicas=0, precision=None, monthly_cost_usd=Decimal("10.00"), usd_per_mtok=Decimal("1.000000"),
                          utilization=None, quality=None, quality_benchmark=None, reasons=(Reason("a", "first"),))


def test_an_own_row_is_changed_in_place_and_a_backend_row_is_copied():
    ft = (Decimal("2.5"), Decimal("2.50"), (Reason("fine-tuning", "runs"),))
    theirs = _row()
    before = dict(vars(theirs))
    copied = with_fine_tuning(theirs, ft)
    assert copied is not theirs and vars(theirs) == before  # not ours: left as it was
    mine = _row()
    same = with_fine_tuning(mine, ft, own=True)
    assert same is mine and vars(same) == vars(copied)  # the same fields either way
    assert (mine.total_monthly_usd, [r.code for r in mine.reasons]) == (Decimal("12.50"), ["a", "fine-tuning"])
    assert evolved(mine, True, rank=3) is mine and mine.rank == 3


class _Keeping:
    """A backend that hands out rows and keeps them, as a caching backend may."""

    def __init__(self, inner):
        self.inner, self.name, self.deployment, self.kept = inner, inner.name, inner.deployment, []

    def evaluate(self, ctx, model):
        out = list(self.inner.evaluate(ctx, model))
        self.kept += [(r, copy.copy(vars(r))) for r in out if isinstance(r, Candidate)]
        return out


def test_a_ranking_with_fine_tuning_leaves_the_backends_rows_as_they_were():
    cat = api.catalog()
    backends = (_Keeping(SelfHostedBackend()), _Keeping(ApiBackend()))
    rec = recommend_with(api.preset("heavy-fine-tuning"), cat, from_catalog(cat), backends=backends)
    kept = [k for b in backends for k in b.kept]
    assert kept and rec.candidates and any(c.fine_tuning_monthly_usd is not None for c in rec.candidates)
    assert all(vars(r) == before for r, before in kept)
    assert not {id(r) for r, _ in kept} & {id(c) for c in rec.candidates}
