"""The TUI shows what a decision rests on besides cost: a reasoning row's mode and output multiplier, a quantized
row's expected quality change, and the multi-LoRA adapters' memory and overhead."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from textual.widgets import Static  # noqa: E402

from advisor import api  # noqa: E402
from advisor.domain.workload import PRESETS, Workload  # noqa: E402
from advisor.tui.widgets.ranking_table import MODEL_WIDTH, NAME_ROOM, RankingTable, model_cell, quality_cell, where  # noqa: E402
from test_tui import make_app, plain, settle, until  # noqa: E402

MODES = Workload(models=("deepseek-r1", "qwen3-235b-a22b"), self_hosting="allowed", requests_per_day=5000)


async def _open_breakdown(pilot, rank: int):
    from advisor.tui.screens.breakdown import BreakdownScreen

    app = pilot.app
    table = app.screen.query_one(RankingTable)
    table.focus()
    table.move_cursor(row=table.get_row_index(str(rank)))
    await pilot.pause()
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, BreakdownScreen))
    return app.screen


async def test_reasoning_rows_name_their_mode_and_multiplier_in_the_table_and_the_breakdown():
    app = make_app(workload=MODES)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        rec = app.recommendation
        thinking = next(c for c in rec.candidates if c.mode == "reasoning")
        plain_row = next(c for c in rec.candidates if c.mode == "non-reasoning" and c.model == thinking.model)
        table = app.screen.query_one(RankingTable)
        cells = {str(table.get_row(str(c.rank))[3]): c for c in (thinking, plain_row)}
        assert len(cells) == 2  # the two modes of one model are told apart in the model column itself
        assert all(len(cell) <= max(MODEL_WIDTH, NAME_ROOM + len(" no-think")) for cell in cells)
        assert model_cell(thinking).endswith("think") and model_cell(plain_row).endswith("no-think")
        screen = await _open_breakdown(pilot, thinking.rank)
        title = plain(screen.query_one("#bd-title", Static))
        assert f"thinking ×{thinking.output_multiplier:g}" in title
        assert "reasoning" in plain(screen.query_one("#bd-reasons", Static)).replace("\n", " ")


async def test_the_breakdown_shows_the_adapters_memory_and_overhead():
    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        best = app.recommendation.candidates[0]
        r = next(r for r in best.reasons if r.code == "multi-lora")
        screen = await _open_breakdown(pilot, best.rank)
        shown = plain(screen.query_one("#bd-reasons", Static), width=400)
        assert "multi-LoRA" in shown and "taken from the KV cache" in shown and "uncalibrated" in shown
        assert f"{r.numbers['lora_adapters']} adapters of rank {r.numbers['lora_rank']}" in shown


def test_a_quantized_row_carries_its_expected_quality_change():
    rec = api.recommend(api.workload(precisions=["bf16", "fp8", "int4"], self_hosting="required", min_quality=0,
                                     models=["llama-3.1-8b", "qwen3-30b-a3b"]))
    measured = next(c for c in rec.candidates if c.quality_delta)
    assert quality_cell(measured) == f"{measured.quality:.1f} ({measured.quality_delta:+.1f})"
    unmeasured = next(c for c in rec.candidates if c.quality_delta_source == "unmeasured" and c.precision == "int4")
    assert quality_cell(unmeasured).endswith("(?)")
    bf16 = next(c for c in rec.candidates if c.precision == "bf16")
    assert quality_cell(bf16) == f"{bf16.quality:.1f}"
    assert "thinking" not in where(bf16)
