"""A user trial of the ranking table at 120x40 and 80x24: sorted by arch or util. the model column scrolled out of view;
beside the questions the model ids were cut to ``dee…f``/``gpt…1``, the `` · `` came and went from row to row and a
model's thinking row read like its no-think one; the status touched the pane's left border; sorted by "where ▲ A-Z"
the rows were not in the order of the text shown."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("textual")

from test_tui import make_app, settle  # noqa: E402
from test_tui_fit import frame, still  # noqa: E402

from advisor.domain.workload import PRESETS  # noqa: E402
from advisor.tui.widgets.cells import natural_key, where_cell  # noqa: E402
from advisor.tui.widgets.ranking_table import RankingTable  # noqa: E402


def _pane(app) -> list[str]:
    """The ranking pane's lines (right of the questions when they show)."""
    return [ln.split("││")[-1] for ln in frame(app)]


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
@pytest.mark.parametrize("key", ["arch", "utilization"])
async def test_sorted_by_a_column_past_the_right_edge_the_model_stays_in_view(size, key):
    """``s`` to arch (six presses) or util. (seven) scrolls the table to that column; the model column scrolled out
    with the others and the rows read ``16↓ $2.544 $4,815 think 82.6 …``. Now it is fixed with the costs."""
    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")  # the ranking focused (at 80 columns it takes the full width)
        await still(pilot)
        table = app.screen.query_one(RankingTable)
        assert table.has_focus
        await pilot.press(*"s" * (6 if key == "arch" else 7))
        await still(pilot)
        assert table.sort_key == key
        lines = _pane(app)
        header = next(ln for ln in lines if "monthly" in ln and "#" in ln)
        assert "model" in header and ("arch ▲" if key == "arch" else "util. ▼") in header, header
        model = [c.key.value for c in table.ordered_columns].index("model")
        for i in range(5):
            cell = str(table.get_row_at(i)[model])
            assert any(f"  {cell}" in ln for ln in lines), (cell, lines)


async def test_at_80_columns_the_status_keeps_a_space_from_the_border():
    """Beside the questions the status read ``││56 ranked`` and alone ``│56 ranked`` (120: ``││ 56 ranked``)."""
    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await still(pilot)
        assert any(re.search(r"││ \d+ ranked", ln) for ln in frame(app)), frame(app)
        await pilot.press("ctrl+r")  # the ranking alone
        await still(pilot)
        assert not any("Questions" in ln for ln in frame(app))
        assert any(re.match(r"│ \d+ ranked", ln) for ln in frame(app)), frame(app)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_sorted_by_where_the_rows_follow_the_text_shown(size):
    """``where ▲ A-Z`` went by GPU count, then GPU: ``… h100-sxm fp8``, ``… bf16``, ``… mxfp4-…``, ``… fp8``. Now A-Z on
    the text, its numbers by value; ``S`` reverses it."""
    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        table = app.screen.query_one(RankingTable)
        table.focus()
        await pilot.press(*"sssss")
        await still(pilot)
        assert table.sort_key == "gpus" and "where ▲ A-Z" in table.sort_label
        by_rank = {str(c.rank): c for c in app.recommendation.candidates}
        order = [where_cell(by_rank[row.key.value]) for row in table.ordered_rows]
        assert order == sorted(order, key=natural_key), order[:8]
        assert order[0].startswith("1 × 1 h100-sxm bf16")
        await pilot.press("S")
        await still(pilot)
        order = [where_cell(by_rank[row.key.value]) for row in table.ordered_rows]
        assert order == sorted(order, key=natural_key, reverse=True)


def test_natural_key_reads_numbers_by_value():
    texts = ["2 × 1 h100-sxm fp8", "1 × 10 b200 fp8", "API · groq", "1 × 2 h200 fp8", "0-1 × 1 mi350x fp8",
             "1 × 2 h100-sxm fp8", "1 × 2 h100-pcie fp8"]
    assert sorted(texts, key=natural_key) == ["0-1 × 1 mi350x fp8", "1 × 2 h100-pcie fp8", "1 × 2 h100-sxm fp8",
                                              "1 × 2 h200 fp8", "1 × 10 b200 fp8", "2 × 1 h100-sxm fp8", "API · groq"]
