"""Rankings answered again: the last few whole results, for a workload ranked before with the same catalog and prices.

A user who types a digit and deletes it, or steps a preset forward and back, asks for a ranking this process has
made. With the built-in backends a ranking is a pure function of the workload (every field, its name included), the
catalog, the price rows and the notes it is given; a workload shape's ``Context.shared`` dict stands for the catalog
and price rows (``context.shared_memo`` hands out one dict per shape, catalog and equal price rows). So the same
workload, notes and shape dict give the same ``Recommendation``, which is frozen and holds rows no later ranking
changes (the final rows are copies made for it: ``rank._recommend_with``), and can be handed out again.

``KEEP`` results are kept, of ``ROWS`` rows and rejections in all, the least recently used dropped first: a ranking of
the whole bundled catalog holds about a thousand, a few MB. ``context.clear_memos`` empties them. A plugin's backend may answer otherwise
from one call to the next: its rankings are never kept (``rank._recommend_with`` asks only with the built-in ones)."""

from __future__ import annotations

import datetime
from collections import OrderedDict

from advisor.domain.recommendation import Recommendation
from advisor.ranking.context import _MEMOS

KEEP = 4
"""Whole results kept: enough for a digit typed and deleted, or a preset and its neighbours."""
ROWS = 20_000
"""At most this many rows and rejections held in all (the bundled catalog's rankings have about 1,100 each): a user
catalog ten times its size keeps one result, thirty times none, so memory stays proportional to one ranking."""


class _Results(OrderedDict):
    """(id(shape dict), workload, notes) -> (the shape dict, the result); the dict is held so its id is not re-used."""

    def cache_clear(self) -> None:
        self.clear()


_RESULTS = _Results()
_MEMOS.append(_RESULTS)  # ``clear_memos`` empties it


class _Dropped(list):
    """Results ``put`` pushed out, not yet freed: a ranking of the bundled catalog is a few thousand objects, and
    freeing one took ~6% of a batch-pipeline re-rank in the TUI's worker (py-spy, 2026-12-06). The app frees them
    when the new ranking is on screen (``release``, on its own thread once idle); a caller that never does has them
    freed by the next ``put`` (at most one result waits)."""

    def cache_clear(self) -> None:
        self.clear()


_DROPPED = _Dropped()
_MEMOS.append(_DROPPED)


def release() -> None:
    """Free the results ``put`` pushed out (the TUI calls it once a ranking is on screen)."""
    _DROPPED.clear()


def _key(shared: dict, workload, notes: tuple) -> tuple:
    return (id(shared), workload, notes, datetime.date.today())  # the day: a price's age, said in the notes, moves with it


def get(shared: dict, workload, notes: tuple) -> Recommendation | None:
    """The result kept for ``workload`` and ``notes`` ranked with the shape dict ``shared``; None where none is."""
    key = _key(shared, workload, notes)
    hit = _RESULTS.get(key)
    if hit is None or hit[0] is not shared:
        return None
    _RESULTS.move_to_end(key)
    return hit[1]


def put(shared: dict, workload, notes: tuple, rec: Recommendation) -> Recommendation:
    """Keep ``rec`` as the result of ``workload`` and ``notes`` with ``shared``; returns it."""
    if _rows(rec) > ROWS:
        return rec
    key = _key(shared, workload, notes)
    _RESULTS[key] = (shared, rec)
    _RESULTS.move_to_end(key)
    _DROPPED.clear()  # what no one released since the last put: freed here
    while len(_RESULTS) > KEEP or sum(_rows(r) for _, r in _RESULTS.values()) > ROWS:
        _DROPPED.append(_RESULTS.popitem(last=False))
    return rec


def _rows(rec: Recommendation) -> int:
    return len(rec.candidates) + len(rec.rejected)
