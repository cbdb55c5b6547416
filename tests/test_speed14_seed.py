"""A self-hosted search seeded with the last winner's bill (``SelfHostedBackend._seed``) finds what an unseeded search
finds: the same candidates, bills and reasons, for volumes the winner changes with and for a stale or impossible seed."""

from __future__ import annotations

import dataclasses

import pytest

from advisor.common.serialize import dumps_json
from advisor.domain.workload import PRESETS
from advisor.prices.book import from_catalog
from advisor.ranking import self_hosted
from advisor.ranking.context import clear_memos, shared_memo
from advisor.ranking.rank import recommend_with


def _unseeded(w, cat, book, monkeypatch) -> str:
    with monkeypatch.context() as m:
        m.setattr(self_hosted.SelfHostedBackend, "_seed", lambda *args: None)
        return dumps_json(recommend_with(w, cat, book))


@pytest.mark.parametrize("preset,scales", [("batch-pipeline", (1.0, 1.3, 0.2, 9.0)), ("bursty-app", (1.0, 2.5, 0.4, 30.0))])
def test_a_seeded_search_ranks_as_an_unseeded_one(cat, monkeypatch, preset, scales):
    book = from_catalog(cat)
    base = PRESETS[preset]
    clear_memos()
    seeded, used = {}, []
    real = self_hosted.SelfHostedBackend._seed

    def seed(*args):
        found = real(*args)
        used.append(found is not None)
        return found

    monkeypatch.setattr(self_hosted.SelfHostedBackend, "_seed", seed)
    for scale in scales:  # one after another: each search seeded by the last volume's winner
        w = dataclasses.replace(base, requests_per_day=base.requests_per_day * scale)
        seeded[scale] = dumps_json(recommend_with(w, cat, book))
    monkeypatch.undo()
    assert sum(used) > 100, "no search was seeded: the test checks nothing"
    for scale in scales:
        clear_memos()
        w = dataclasses.replace(base, requests_per_day=base.requests_per_day * scale)
        assert seeded[scale] == _unseeded(w, cat, book, monkeypatch), scale


def test_a_stale_or_impossible_seed_changes_nothing(cat, monkeypatch):
    """Seeds naming an engine that is not allowed, a GPU count that does not fit or is over the limit, and the
    costliest count: each search still finds the cheapest."""
    book = from_catalog(cat)
    w = PRESETS["long-context"]
    clear_memos()
    want = _unseeded(w, cat, book, monkeypatch)
    for bad in (("no-such-engine", 1), ("vllm", 3), ("vllm", 1), ("vllm", 512), ("sglang", 8), ("trtllm", 2)):
        clear_memos()
        memo = shared_memo(w, cat, book)
        recommend_with(w, cat, book)  # the winners' keys
        keys = [k for k in memo if isinstance(k, tuple) and k[0] == self_hosted._WON]
        assert keys
        for k in keys:
            memo[k] = bad
        assert dumps_json(recommend_with(w, cat, book)) == want, bad
