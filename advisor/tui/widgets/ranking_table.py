"""The ranked candidates: a sortable table (click a header or press s / S), one row per candidate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from advisor.common import fmt
from advisor.domain.recommendation import Candidate, Recommendation


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    cell: Callable[[Candidate], Any]
    sort: Callable[[Candidate], Any]
    right: bool = False


def _gpus(c: Candidate) -> str:
    if c.deployment == "api":
        return "-"
    reps = f"{c.replicas}×" if c.replicas > 1 else ""
    return f"{reps}{c.gpus}x {c.gpu}"


def _none_last(x: float | None, reverse_sign: bool = False) -> tuple[int, float]:
    if x is None:
        return (1, 0.0)
    return (0, -x if reverse_sign else x)


def _where(c: Candidate) -> str:
    """What tells two rows of one model apart: the API provider, or GPUs x type and precision."""
    if c.deployment == "api":
        return c.provider
    reps = f"{c.replicas}×" if c.replicas > 1 else ""
    return f"{reps}{c.gpus}×{c.gpu} {c.precision}"


def _model_cell(c: Candidate) -> Text:
    return Text.assemble(c.model, " ", (_where(c), "dim"))


COLUMNS: tuple[Column, ...] = (
    Column("rank", "#", lambda c: str(c.rank), lambda c: c.rank, right=True),
    Column("usd_per_mtok", "$/M tok", lambda c: fmt.usd(c.usd_per_mtok, 3), lambda c: c.usd_per_mtok, right=True),
    Column("model", "model · where", _model_cell, lambda c: (c.model, _where(c))),
    Column("monthly", "monthly", lambda c: fmt.usd(c.monthly_cost_usd), lambda c: c.monthly_cost_usd, right=True),
    Column("utilization", "util.", lambda c: fmt.pct(c.utilization) if c.utilization is not None else "-",
           lambda c: _none_last(c.utilization, reverse_sign=True), right=True),
    Column("quality", "quality", lambda c: fmt.num(c.quality, 1) if c.quality is not None else "-",
           lambda c: _none_last(c.quality, reverse_sign=True), right=True),
    Column("arch", "arch", lambda c: "MoE" if c.architecture == "moe" else "dense", lambda c: c.architecture),
    Column("deployment", "deployment", lambda c: f"{'API' if c.deployment == 'api' else 'self'} · {c.provider}",
           lambda c: (c.deployment, c.provider)),
    Column("gpus", "GPUs", _gpus, lambda c: (c.gpus * c.replicas, c.gpu or "")),
    Column("precision", "prec.", lambda c: c.precision or "-", lambda c: c.precision or ""),
)
"""Cost first, then what the row is (model and where it runs): at 80 columns these stay visible next to
the questions; the rest scroll (or ctrl+b hides the questions). """
"""Sorting by utilization or quality puts the highest first (ascending = best first for every column)."""
SORT_CYCLE = ("rank", "usd_per_mtok", "monthly", "quality", "utilization", "gpus", "model")


class RankingTable(DataTable):
    """Candidates of one recommendation. Enter opens the breakdown; c marks two candidates to compare."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Breakdown", tooltip="Open the highlighted candidate's breakdown"),
        Binding("c", "compare", "Compare", tooltip="Mark this candidate; press c on a second one to compare"),
        Binding("s", "cycle_sort", "Sort", tooltip="Sort by the next column"),
        Binding("S", "reverse_sort", "Reverse", show=False, tooltip="Reverse the sort order"),
    ]

    class Chosen(Message):
        """Enter on a candidate: open its breakdown."""

        def __init__(self, candidate: Candidate) -> None:
            super().__init__()
            self.candidate = candidate

    class CompareRequested(Message):
        def __init__(self, first: Candidate, second: Candidate) -> None:
            super().__init__()
            self.first = first
            self.second = second

    class Highlighted(Message):
        def __init__(self, candidate: Candidate | None) -> None:
            super().__init__()
            self.candidate = candidate

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True, fixed_columns=2)
        self.recommendation: Recommendation | None = None
        self.sort_key = "rank"
        self.sort_reverse = False
        self.marked: int | None = None
        """Rank of the candidate marked for comparison."""
        self._by_rank: dict[int, Candidate] = {}

    # ------------------------------------------------------------------ data

    def show(self, rec: Recommendation) -> None:
        """Show a new ranking, keeping the highlighted model/configuration when it is still there."""
        current = self.current
        self.recommendation = rec
        self._by_rank = {c.rank: c for c in rec.candidates}
        if self.marked is not None and self.marked not in self._by_rank:
            self.marked = None
        self._rebuild(keep=current.label if current else None)

    @property
    def current(self) -> Candidate | None:
        if not self._by_rank or self.row_count == 0:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:
            return None
        return self._by_rank.get(int(key.value)) if key.value is not None else None

    def sort_by(self, key: str, reverse: bool | None = None) -> None:
        if reverse is None:
            reverse = not self.sort_reverse if key == self.sort_key else False
        self.sort_key = key
        self.sort_reverse = reverse
        current = self.current
        self._rebuild(keep=current.label if current else None)

    def _rebuild(self, keep: str | None) -> None:
        col = next(c for c in COLUMNS if c.key == self.sort_key)
        arrow = " ▼" if self.sort_reverse else " ▲"
        self.clear(columns=True)
        for c in COLUMNS:
            label = c.label + (arrow if c.key == self.sort_key and (c.key != "rank" or self.sort_reverse) else "")
            self.add_column(Text(label, justify="right") if c.right else label, key=c.key)
        cands = list(self._by_rank.values())
        cands.sort(key=lambda c: (col.sort(c), c.rank), reverse=self.sort_reverse)
        cursor_row = 0
        for i, cand in enumerate(cands):
            cells = []
            for c in COLUMNS:
                value = c.cell(cand)
                if c.key == "rank" and cand.rank == self.marked:
                    value = f"◆{value}"
                cells.append(Text(value, justify="right") if c.right else value)
            self.add_row(*cells, key=str(cand.rank))
            if keep is not None and cand.label == keep:
                cursor_row = i
        if cands:
            self.move_cursor(row=cursor_row, animate=False, scroll=True)
        self.post_message(self.Highlighted(self.current))

    # ------------------------------------------------------------------ events and actions

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.sort_by(str(event.column_key.value))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.Highlighted(self.current))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self.current is not None:
            self.post_message(self.Chosen(self.current))

    def action_cycle_sort(self) -> None:
        i = SORT_CYCLE.index(self.sort_key) if self.sort_key in SORT_CYCLE else -1
        self.sort_by(SORT_CYCLE[(i + 1) % len(SORT_CYCLE)], reverse=False)

    def action_reverse_sort(self) -> None:
        self.sort_by(self.sort_key, reverse=not self.sort_reverse)

    def action_compare(self) -> None:
        cur = self.current
        if cur is None:
            return
        if self.marked is None or self.marked == cur.rank or self.marked not in self._by_rank:
            self.marked = None if self.marked == cur.rank else cur.rank
            self._rebuild(keep=cur.label)
            if self.marked is not None:
                self.notify(f"#{cur.rank} marked: highlight another candidate and press c to compare.", title="Compare",
                            timeout=4)
            return
        first = self._by_rank[self.marked]
        self.marked = None
        self._rebuild(keep=cur.label)
        self.post_message(self.CompareRequested(first, cur))
