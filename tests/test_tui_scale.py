"""The TUI at catalog sizes far past the bundled one, and under a burst of keystrokes: the table draws a bounded
number of rows (the rest are a sort away), and rankings never pile up behind each other."""

from __future__ import annotations

import dataclasses
import threading
import time

import pytest

pytest.importorskip("textual")

from textual.widgets import Static  # noqa: E402

from advisor.domain.workload import PRESETS  # noqa: E402
from advisor.tui.services import Services  # noqa: E402
from advisor.tui.widgets.ranking_table import MAX_ROWS, MODEL_WIDTH, MORE_KEY, NAME_ROOM, RankingTable  # noqa: E402

from test_tui import SIZE, make_app, settle, type_into, until  # noqa: E402


def _huge(rec, n: int):
    """``rec`` with ``n`` candidates (copies of its own under new model names, ranked after them); the last
    copy has a quality no shown row has."""
    base = rec.candidates
    out = []
    for i in range(n):
        c = base[i % len(base)]
        changes = {"rank": i + 1}
        if i >= len(base):
            changes["model"] = f"{c.model}-copy{i}"
        if i == n - 1:
            changes["quality"] = 99.5
        out.append(c.evolve(**changes))
    return dataclasses.replace(rec, candidates=tuple(out))


class Huge(Services):
    """The real ranking, grown to 5,000 candidates (a catalog about 100 times the bundled one)."""

    size = 5000

    def recommend(self, w):
        return _huge(super().recommend(w), self.size)


async def test_a_ranking_of_thousands_draws_a_bounded_table_and_says_so():
    app = make_app(services=Huge(), workload=PRESETS["steady-latency"])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(RankingTable)
        assert len(app.recommendation.candidates) == Huge.size
        assert table.row_count == MAX_ROWS + 1
        assert table.hidden == Huge.size - MAX_ROWS
        last = table.coordinate_to_cell_key((table.row_count - 1, 0)).row_key.value
        assert last == MORE_KEY
        more = str(table.get_row_at(table.row_count - 1)[3])
        assert f"{Huge.size - MAX_ROWS:,} more" in more
        assert "ctrl+s" in str(table.get_row_at(table.row_count - 1)[[c.key.value for c in table.ordered_columns].index("gpus")])
        # The "more" row does not widen the model column: the columns other than "where" fit beside it.
        widths = {col.key.value: col.get_render_width(table) for col in table.ordered_columns}
        assert widths["model"] <= max(MODEL_WIDTH, NAME_ROOM + len(" no-think")) + 2  # a mode tag's row: trial 18
        assert sum(w for k, w in widths.items() if k != "gpus") <= table.scrollable_content_region.width
        status = str(app.screen.query_one("#status", Static).render())
        assert f"{Huge.size:,} ranked" in status and f" · {MAX_ROWS} shown" in status
        # The cursor on the "more" row is no candidate (enter does nothing there)
        table.move_cursor(row=table.row_count - 1)
        await pilot.pause()
        assert table.current is None


async def test_sorting_reaches_candidates_that_were_not_drawn():
    app = make_app(services=Huge(), workload=PRESETS["steady-latency"])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(RankingTable)
        hidden_best = app.recommendation.candidates[-1]
        drawn = {table.coordinate_to_cell_key((r, 0)).row_key.value for r in range(table.row_count)}
        assert str(hidden_best.rank) not in drawn
        table.sort_by("quality")
        await pilot.pause()
        assert table.current is not None and table.current.rank == hidden_best.rank
        assert table.row_count == MAX_ROWS + 1


class Slow(Services):
    """The real ranking, 0.6 s slower (or held until ``gate`` opens), counting calls and how many run at once."""

    def __init__(self, gate: threading.Event | None = None) -> None:
        super().__init__()
        self.gate = gate
        self.calls: list[float] = []
        self.running = 0
        self.most = 0
        self._lock = threading.Lock()

    def recommend(self, w):
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
            self.calls.append(w.requests_per_day)
        try:
            if self.gate is None:
                time.sleep(0.6)
            else:
                self.gate.wait(timeout=30.0)
            return super().recommend(w)
        finally:
            with self._lock:
                self.running -= 1


async def test_a_burst_of_keystrokes_never_queues_rankings():
    services = Slow()
    app = make_app(services=services, workload=PRESETS["steady-latency"], debounce_s=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = len(services.calls)
        await type_into(pilot, "requests_per_day", "1234567")
        await settle(pilot)
        assert services.most == 1, "two rankings ran at once"
        burst = services.calls[first:]
        assert burst[-1] == 1_234_567 and app.recommendation.workload.requests_per_day == 1_234_567
        # Seven keystrokes; each ranking takes 0.6 s, so while one runs the keys typed meanwhile collapse into
        # the newest: far fewer rankings than keystrokes (one per key would be 7).
        assert len(burst) < 7, burst
        await until(pilot, lambda: not app._ranking_busy)


async def test_a_slow_ranking_says_ranking_and_a_finished_one_never_does():
    # The ranking is held until the test has seen "ranking…": on a loaded machine a keystroke can take longer to
    # deliver than any fixed delay, and the ranking would already be back.
    gate = threading.Event()
    gate.set()
    services = Slow(gate)
    app = make_app(services=services, workload=PRESETS["steady-latency"], debounce_s=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        status = app.screen.query_one("#status", Static)
        results = app.screen.query_one("#results")
        gate.clear()
        try:
            await type_into(pilot, "requests_per_day", "7")
            await until(pilot, lambda: "ranking…" in str(status.render()))  # held past the 150 ms grace
            assert results.has_class("-pending")
        finally:
            gate.set()
        await settle(pilot)
        await pilot.pause(0.3)  # a late timer callback must not bring "ranking…" back
        assert "ranked" in str(status.render()) and "ranking…" not in str(status.render())
        assert not results.has_class("-pending")
