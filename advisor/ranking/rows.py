"""A row's changes on its way through one ranking, in as few copies of its 60 fields as it needs: a row this
ranking copied (re-labelled for its mode or precision, its wait bounded) is its own until it is ranked, so the
month's fine-tuning and the checkpoint notes are written into that copy, not into another one."""

from __future__ import annotations

from typing import Any

from advisor import cost
from advisor.domain.recommendation import Candidate


def evolved(c: Candidate, own: bool, **changes: Any) -> Candidate:
    """``c.evolve(**changes)``, or, when ``own`` (a copy this ranking made and nothing else holds yet: no memo, no
    other row, no reader), ``c`` itself with ``changes``: the same fields, one copy fewer. A backend's row is never
    ``own`` (a backend may keep it between rankings)."""
    if not own:
        return c.evolve(**changes)
    c.__dict__.update(changes)
    return c


def with_fine_tuning(c: Candidate, ft, own: bool = False, notes: tuple = ()) -> Candidate:
    """``c`` with ``ft``: (the month's fine-tuning USD, it rounded as shown, its reason as a tuple), once per model, or
    none (None); then the row's checkpoint ``notes`` (``explain.checkpoint_reasons``), in the same copy."""
    if not ft:
        return evolved(c, own, reasons=c.reasons + notes) if notes else c
    monthly, shown, why = ft
    return evolved(c, own, fine_tuning_monthly_usd=shown, total_monthly_usd=cost.money(c.monthly_cost_usd + monthly),
                   reasons=c.reasons + (why + notes if notes else why))
