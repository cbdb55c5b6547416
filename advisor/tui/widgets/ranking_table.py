"""The ranked candidates: a sortable table (click a header or press s / S), one row per candidate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.message import Message

from advisor.common import fmt
from advisor.domain.recommendation import Candidate, Recommendation, known_reasons
from advisor.tui.widgets.cells import (MODE_TAGS, MODEL_MIN, MODEL_WIDTH, NAME_ROOM, NARROW_MIN, CompactCells,
                                       model_cell, model_cuts, narrow_label, natural_key, where, where_cell)
from advisor.tui.widgets.names import cut as _cut
from advisor.tui.widgets.row_table import RowTable


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    cell: Callable[[Candidate], Any]
    sort: Callable[[Candidate], Any]
    """The value sorted on, ascending; ``None`` (no value) always sorts last."""
    right: bool = False
    high_first: bool = False
    """Best first is the highest value first (quality, utilization): the order ``s`` picks for this column."""


def quality_cell(c: Candidate) -> str:
    """The score on the workload's benchmark; a quantized row adds its expected change, ``(-0.4)``, or ``(?)`` where
    the change is unmeasured and a 4-bit warning says what it could be (the breakdown names the source)."""
    if c.quality is None:
        return "-"
    q = fmt.num(c.quality, 1)
    if c.quality_delta:
        return f"{q} ({c.quality_delta:+.1f})"
    if c.quality_delta_source == "unmeasured" and any(r.code == "quantization-quality" and r.severity == "warning"
                                                      for r in known_reasons(c.reasons)):  # the ranking's own: no row is explained
        return f"{q} (?)"
    return q


def arch_label(architecture: str, long: bool = False) -> str:
    """``MoE``, ``dense``, or for an API-only model ``closed`` (``long``: ``API-only (closed weights)``)."""
    if architecture == "closed":
        return "API-only (closed weights)" if long else "closed"
    return "MoE" if architecture == "moe" else "dense"


def candidate_label(c: Candidate) -> str:
    """The candidate in one phrase, replica count included (``Candidate.label`` leaves it out)."""
    return f"{c.model} · {where(c)}"


def _compact(usd, places: int) -> str:
    """Money in at most 7 characters, so the fixed columns fit 80 columns: $/M from $100 without cents; monthly
    to the dollar below $10,000, above it in three significant figures on one scale: ``$78.6k``, ``$105k``,
    ``$1.49M`` (never ``$1,489k``; the breakdown has the exact figure)."""
    if places and usd >= 100:
        return fmt.usd(usd, 0)
    if places or float(usd) < 10_000:
        return fmt.usd(usd, places)
    for unit, scale in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if float(usd) >= scale * 0.9995:
            value = float(usd) / scale
            digits = 0 if value >= 99.95 else 1 if value >= 9.995 else 2
            return f"${value:,.{digits}f}{unit}"
    return fmt.usd(usd, 0)


def per_mtok_cell(c: Candidate) -> str:
    """$/M tokens in the table: ``fmt.per_mtok`` (3 decimals; a figure stored as 0, it is rounded to $0.0001, of a bill
    above zero reads ``<$0.001``, not ``$0.000``), from $100 without cents as ``_compact`` keeps it to 7 characters."""
    return _compact(c.usd_per_mtok, 3) if c.usd_per_mtok >= 100 else fmt.per_mtok(c.usd_per_mtok, c.monthly_cost_usd)


COLUMNS: tuple[Column, ...] = (
    Column("rank", "#", lambda c: str(c.rank), lambda c: c.rank, right=True),
    Column("usd_per_mtok", "$/M tok", per_mtok_cell, lambda c: c.usd_per_mtok, right=True),
    Column("monthly", "monthly", lambda c: _compact(c.monthly_total_usd, 0), lambda c: c.monthly_total_usd, right=True),
    Column("model", "model", model_cell, lambda c: (c.model, natural_key(where(c)))),
    Column("quality", "quality", quality_cell, lambda c: c.quality, right=True, high_first=True),
    Column("gpus", "where (R × G gpu)", where_cell, lambda c: natural_key(where_cell(c))),
    Column("arch", "arch", lambda c: arch_label(c.architecture), lambda c: c.architecture),
    Column("utilization", "util.", lambda c: fmt.pct(c.utilization) if c.utilization is not None else "-",
           lambda c: c.utilization, right=True, high_first=True),
)
"""Cost first (the rank, $/M tokens, monthly and the model stay fixed while the table scrolls sideways), then what
the row is: model, quality and where it runs (at 120 columns its replicas, GPUs and precision
show next to the questions: what tells two rows of one model apart), then architecture and utilization. At 80 columns the fixed
columns and the model stay visible next to the questions; the rest scroll (or ctrl+b hides the questions)."""
MAX_ROWS = 200
"""Rows drawn at once: a table of thousands of rows costs seconds to rebuild on every keystroke. The rows are
the first ``MAX_ROWS`` in the current sort order (all candidates are sorted); a last row says how many more
there are and where to see them."""
MORE_KEY = "more"
FIXED_COLUMNS = 4
"""The rank, the two cost columns and the model stay in view while the table scrolls sideways (narrow: the rank,
monthly and the model column): sorted by arch or util., scrolled to, the model column scrolled out of view and the rows
read ``16↓ $2.544 $4,815 think 82.6 …``; the model is what tells them apart."""
SORT_CYCLE = tuple(c.key for c in COLUMNS)
"""``s`` moves to the next column as the table shows them, left to right, and back to the rank (a narrow table
keeps the order: its $/M column, not shown, is still sorted on, as the border says)."""


class RankingTable(RowTable):
    """Candidates of one recommendation. Enter opens the breakdown; c marks two candidates to compare."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Breakdown", tooltip="Open the highlighted candidate's breakdown"),
        Binding("c", "compare", "Compare", tooltip="Mark this candidate; press c on a second one to compare"),
        Binding("s", "cycle_sort", "Sort", tooltip="Sort by the next column"),
        Binding("d", "deploy", "Deploy", tooltip="Launch configs for the highlighted candidate (vLLM, SGLang, TRT-LLM, SkyPilot)"),
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

    class Sorted(Message):
        """The rows were sorted again (the screen says by which column)."""

    class Highlighted(Message):
        def __init__(self, candidate: Candidate | None) -> None:
            super().__init__()
            self.candidate = candidate

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True, fixed_columns=FIXED_COLUMNS)
        self.recommendation: Recommendation | None = None
        self.sort_key = "rank"
        self.sort_reverse = False
        self.marked: int | None = None
        """Rank of the candidate marked for comparison."""
        self._by_rank: dict[int, Candidate] = {}
        self._down: set[int] = set()
        self._laid_out_width: int | None = None
        self.shown: tuple[str, ...] = SORT_CYCLE
        """The keys of the columns shown, left to right (narrow: no $/M column)."""
        self.hidden = 0
        """Candidates past ``MAX_ROWS`` in the current order (not drawn; the last row says so)."""

    # ------------------------------------------------------------------ data

    def show(self, rec: Recommendation) -> None:
        """Show a new ranking with #1 highlighted (and scrolled into view), so its reasons show below."""
        self.recommendation = rec
        self._by_rank = {c.rank: c for c in rec.candidates}
        from advisor.ranking.ties import demoted_ranks

        self._down = demoted_ranks(rec.candidates, rec.workload)
        """The ranks a rule puts after rows that may cost more (``ties.demoted``): ``↓`` beside the rank."""
        if self.marked is not None and self.marked not in self._by_rank:
            self.marked = None
        self._rebuild(keep_rank=1)

    @property
    def current(self) -> Candidate | None:
        if not self._by_rank or self.row_count == 0:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:
            return None
        if key.value is None or key.value == MORE_KEY:
            return None
        return self._by_rank.get(int(key.value))

    def sort_by(self, key: str, reverse: bool | None = None) -> None:
        if reverse is None:
            reverse = not self.sort_reverse if key == self.sort_key else False
        self.sort_key = key
        self.sort_reverse = reverse
        self._rebuild(keep_rank=None)
        self.call_after_refresh(self._scroll_to_sorted_column)
        self.post_message(self.Sorted())

    @property
    def descending(self) -> bool:
        """The rows go from the highest value down (▼): a best-first column sorted best first, or a low-first one
        reversed. ``sort_reverse`` is against the column's best-first order."""
        col = next(c for c in COLUMNS if c.key == self.sort_key)
        return col.high_first != self.sort_reverse

    @property
    def sort_label(self) -> str:
        """``quality ▼ highest first``: the column the rows are sorted by and which way; ▲ is always the lowest
        value first and ▼ the highest, whatever the column (the status line and the pane's border say it)."""
        col = next(c for c in COLUMNS if c.key == self.sort_key)
        label = "rank" if col.key == "rank" else col.label.split(" (")[0]
        if col.key in ("model", "gpus", "arch"):
            way = "Z-A" if self.descending else "A-Z"
        else:
            way = "highest first" if self.descending else "lowest first"
        return f"{label} {'▼' if self.descending else '▲'} {way}"

    def _scroll_to_sorted_column(self) -> None:
        """Bring the sorted column into view when it is scrolled off to the right."""
        if self.sort_key not in self.shown or (index := self.shown.index(self.sort_key)) < self.fixed_columns:
            return
        widths = [col.get_render_width(self) for col in self.ordered_columns]
        fixed = sum(widths[:self.fixed_columns])
        x = sum(widths[:index])
        visible = self.scrollable_content_region.width
        if x - self.scroll_x < fixed or x + widths[index] - self.scroll_x > visible:
            self.scroll_to(x=max(0, x - fixed), animate=False, immediate=True)

    def _widths(self, cands: list[Candidate], width: int | None = None) -> tuple[int, int | None, bool]:
        """The model and "where" columns' widths (``None``: whole) in the width the table has, and whether the
        table is narrow. Both whole when they fit; else "where" gets all but ``MODEL_MIN`` (the provider cut with a
        sign) and the model what "where" does not use, so the configuration shows whole and the ids are cut as
        little as the width allows. Where even the header of "where" does not fit beside the model (80 columns
        beside the questions) the table is narrow: no $/M column, and the model column, all the width the rank and
        monthly leave, holds the model and where it runs (``CompactCells``), so rows of one model read apart."""
        width = width or self.scrollable_content_region.width or self.size.width
        arrow = {self.sort_key} if self.sort_key != "rank" or self.sort_reverse else set()

        mark = 1 if any(x.rank in self._down for x in cands) else 0  # the rank's ``↓``

        def used(keys) -> int:
            return sum(max(len(c.label) + (2 if c.key in arrow else 0),
                           *(len(str(c.cell(x))) + (mark if c.key == "rank" else 0) for x in cands)) + 2
                       for c in COLUMNS if c.key in keys)
        room = width - used({"rank", "usd_per_mtok", "monthly", "quality"}) - 4
        model_need = max(len(model_cell(x, 10**3)) for x in cands)
        where_full = max(len(where_cell(x)) for x in cands)
        tags = max((len(MODE_TAGS.get(x.mode, x.mode)) + 1 for x in cands if x.mode), default=0)
        model_min = min(model_need, max(MODEL_MIN, NAME_ROOM + tags))  # a mode tag does not eat the id's room
        model_cap = min(model_need, max(MODEL_WIDTH, model_min))
        if width <= 0:  # not laid out yet: the resize that follows lays it out
            return MODEL_WIDTH, None, False
        if room - MODEL_MIN < len(COLUMNS[5].label):
            return max(NARROW_MIN, width - used({"rank", "monthly"}) - 2), None, True
        if model_cap + where_full <= room:
            return min(model_need, room - where_full), None, False
        where_w = max(len(COLUMNS[5].label), room - model_min)
        where_w = max(len(COLUMNS[5].label), *(len(where_cell(x, where_w)) for x in cands))  # what the cuts use
        return min(model_need, room - where_w), where_w, False

    def on_resize(self, event) -> None:
        """Another width (the terminal, or ctrl+b): the model and "where" columns share it again, measured from the
        event (the region the table reads may still be the old one while the layout settles)."""
        if self.recommendation is not None and event.size.width != self._laid_out_width:
            gutter = max(0, self.size.width - self.scrollable_content_region.width)
            self._laid_out_width = event.size.width
            cur = self.current
            self._rebuild(keep=cur.label if cur else None, width=event.size.width - gutter)

    def _rebuild(self, keep: str | None = None, keep_rank: int | None = None, width: int | None = None) -> None:
        """``keep``: the label to highlight; ``keep_rank``: the rank to highlight; neither: the first row."""
        col = next(c for c in COLUMNS if c.key == self.sort_key)
        arrow = " ▼" if self.descending else " ▲"
        cands = list(self._by_rank.values())
        valued = [c for c in cands if col.sort(c) is not None]  # no value (an API's utilization): always last
        valued.sort(key=lambda c: (col.sort(c), c.rank if not self.descending else -c.rank), reverse=self.descending)
        cands = valued + sorted((c for c in cands if col.sort(c) is None), key=lambda c: c.rank)
        model_w, where_w, narrow = self._widths(cands, width) if cands else (MODEL_WIDTH, None, False)
        cuts = model_cuts(cands, model_w)
        cell = {"model": lambda c: model_cell(c, model_w, cuts), "gpus": lambda c: where_cell(c, where_w)}
        columns = [c for c in COLUMNS if not (narrow and c.key == "usd_per_mtok")]
        self.shown = tuple(c.key for c in columns)
        self.fixed_columns = self.shown.index("model") + 1  # the model stays in view with the costs
        labels = [c.label + (arrow if c.key == self.sort_key and (c.key != "rank" or self.sort_reverse) else "")
                  for c in columns]
        self.hidden = max(0, len(cands) - MAX_ROWS)
        if self.hidden:
            kept = next((c for c in cands[MAX_ROWS:] if (keep is not None and c.label == keep)
                         or (keep_rank is not None and c.rank == keep_rank)), None)
            cands = cands[:MAX_ROWS - 1] + [kept] if kept is not None else cands[:MAX_ROWS]
        if narrow:  # laid out for the rows drawn: one separator and one cut of each id for them all
            cell["model"] = CompactCells(cands, model_w).cell
            labels = [narrow_label(cands, model_w) if c.key == "model" else x for c, x in zip(columns, labels)]
        cursor_row, rows = 0, []
        for i, cand in enumerate(cands):
            cells = []
            for c in columns:
                value = cell.get(c.key, c.cell)(cand)
                if c.key == "rank" and cand.rank == self.marked:
                    value = f"◆{value}"
                if c.key == "rank" and cand.rank in self._down:
                    value = f"{value}{fmt.DEMOTED}"
                cells.append(Text(value, justify="right") if c.right else value)
            rows.append((cells, str(cand.rank)))
            if (keep is not None and cand.label == keep) or (keep_rank is not None and cand.rank == keep_rank):
                cursor_row = i
        if self.hidden:
            # Each part within its column's width: a long text in the model column would widen it and push
            # the columns after it off screen for every row; the how goes in "where", the widest column.
            more = Text(_cut(f"… {self.hidden:,} more", model_w), style="dim italic")
            how = Text("in this order: s sorts by another column, ctrl+s exports them all", style="dim italic")
            rows.append(([{"model": more, "gpus": how}.get(c.key, "") for c in columns], MORE_KEY))
        # Each column's width is set here, from every cell, not measured later: the table measures new rows when it is
        # next idle, and a frame painted before that (a busy app: keys arriving, a ranking landing) drew the rows at
        # their header's width and kept them so (its render cache is not cleared when the widths change). At 80x24
        # that left "phi-4 1-4×1 r" under "model · where", with the quality and "where" columns beside it (trial 31).
        widths = [max([cell_len(label), *(cell_len(str(row[j])) for row, _ in rows)]) for j, label in enumerate(labels)]
        self.clear(columns=True)
        for c, label, w in zip(columns, labels, widths):
            self.add_column(Text(label, justify="right") if c.right else label, key=c.key, width=w)
        for cells, key in rows:
            self.add_row(*cells, key=key)
        if cands:
            self.move_cursor(row=cursor_row, animate=False, scroll=True)
        self.post_message(self.Highlighted(self.current))

    # ------------------------------------------------------------------ events and actions

    def on_data_table_header_selected(self, event: RowTable.HeaderSelected) -> None:
        event.stop()
        self.sort_by(str(event.column_key.value))

    def on_data_table_row_highlighted(self, event: RowTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.Highlighted(self.current))

    def on_data_table_row_selected(self, event: RowTable.RowSelected) -> None:
        event.stop()
        if self.current is not None:
            self.post_message(self.Chosen(self.current))

    def action_deploy(self) -> None:
        cand, rec = self.current, self.recommendation
        if cand is not None and rec is not None:
            from advisor.tui.screens.deploy import DeployScreen

            self.app.push_screen(DeployScreen(cand, rec))

    def reset_sort(self) -> None:
        """Back to the ranking's own order (a new preset: its #1 first); the next ``show`` draws it."""
        self.sort_key, self.sort_reverse = "rank", False

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
