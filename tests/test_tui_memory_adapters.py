"""With LoRA adapters planned, the breakdown's memory bar shows them as their own term (the ranking counts them in the
engine's fixed memory, so they used to sit inside "reserve"), with the figure the row's multi-LoRA reason states."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from test_tui import make_app, settle, until

from advisor.common import fmt
from advisor.domain.workload import PRESETS
from advisor.tui.widgets.memory_bar import MemoryBar, adapter_bytes


async def test_the_memory_bar_splits_the_adapters_out_of_the_reserve():
    from advisor.tui.screens.breakdown import BreakdownScreen

    app = make_app(workload=PRESETS["steady-latency"])  # LoRA adapters planned
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        c = next(x for x in app.recommendation.candidates if x.deployment == "self-hosted")
        lora = next(r for r in c.reasons if r.code == "multi-lora")
        assert adapter_bytes(c) == lora.numbers["adapter_bytes_per_replica"] > 0
        app.open_breakdown(c)
        await until(pilot, lambda: isinstance(app.screen, BreakdownScreen) and app.screen.query(MemoryBar))
        await pilot.pause(0.1)
        text = str(app.screen.query_one("#bd-memory", MemoryBar).render())
        assert f"LoRA adapters {fmt.gb(adapter_bytes(c))}" in text
        assert f"reserve {fmt.gb(c.memory.reserve_bytes - adapter_bytes(c))}" in text  # the rest of the reserve


def test_rows_without_adapters_have_none():
    from advisor import api

    rec = api.recommend(api.preset("bursty-app"))
    assert all(adapter_bytes(c) == 0 for c in rec.candidates[:20])
