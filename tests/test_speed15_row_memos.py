"""A re-rank keeps what relabelling a row, its checkpoint notes and the engine screens read between traffic edits
(``context.per_shape``: ``rank._row_memos``, the self-hosted backend's screens per model, GPU and provider): a row must
read as the one worked out afresh, whatever the volumes ranked before it."""

from __future__ import annotations

import dataclasses

import pytest

from advisor.common.serialize import dumps_json
from advisor.domain.recommendation import known_reasons
from advisor.domain.workload import PRESETS
from advisor.prices.book import from_catalog
from advisor.ranking import context, modes
from advisor.ranking.context import clear_memos
from advisor.ranking.explain import checkpoint_reasons
from advisor.ranking.rank import recommend_with

VOLUMES = (1.0, 40.0, 0.01, 1.07)
"""A volume that keeps most replica counts, one that multiplies them (a row's GPU count may move), one at the minimum."""


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_kept_row_memos_give_the_rows_worked_out_afresh(cat, preset, monkeypatch):
    """Each volume after the others, with the memos kept, reads as the same volume ranked with every memo started empty
    (the relabelling's even within the run): the JSON (every row, every reason)."""
    book = from_catalog(cat)
    base = PRESETS[preset]
    clear_memos()
    kept = {}
    for scale in VOLUMES:
        kept[scale] = dumps_json(recommend_with(dataclasses.replace(base, requests_per_day=base.requests_per_day * scale), cat, book))
    kept_memos = [m for shared, memos in context._PER_SHAPE.values() for m in memos.values()]
    assert kept_memos and all(kept_memos), "nothing was kept"
    real = modes.relabel_rows
    monkeypatch.setattr(modes, "relabel_rows", lambda rows, mq, w, scaled, catalog, memo, own=False: [  # each row from nothing kept
        real([c], mq, w, scaled, catalog, {}, own)[0] for c in rows])
    for scale in VOLUMES:
        clear_memos()  # the checkpoint notes' memo too
        fresh = dumps_json(recommend_with(dataclasses.replace(base, requests_per_day=base.requests_per_day * scale), cat, book))
        assert kept[scale] == fresh, scale


@pytest.mark.parametrize("preset", ["long-context", "batch-pipeline", "bursty-app"])
def test_each_rows_checkpoint_notes_are_its_own(cat, preset):
    """A row's ``checkpoint`` reasons are the ones its own model, precision, GPU, engine and GPU count give (the load peak
    reads the GPUs of one engine), after edits that move rows between GPU counts."""
    book = from_catalog(cat)
    base = PRESETS[preset]
    clear_memos()
    checked = 0
    for scale in VOLUMES:
        rec = recommend_with(dataclasses.replace(base, requests_per_day=base.requests_per_day * scale), cat, book)
        for c in rec.candidates:
            if c.deployment != "self-hosted":
                continue
            notes = [r for r in known_reasons(c.reasons) if r.code == "checkpoint"]
            assert notes == checkpoint_reasons(c, cat), c.label
            checked += bool(notes)
    assert checked, "no row had a checkpoint note: the test checks nothing"
