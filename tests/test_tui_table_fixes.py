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
