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
from advisor.domain.recommendation import Candidate, Recommendation, known_reasons


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    cell: Callable[[Candidate], Any]
    sort: Callable[[Candidate], Any]
    right: bool = False


MODEL_WIDTH = 17
"""Model ids longer than this end in … (the breakdown has the full name)."""


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _gpus(c: Candidate) -> str:
    """``R × G gpu`` (replicas × GPUs per replica; peak replicas when the count follows the traffic)."""
    if c.deployment == "api":
        return "-"
    reps = c.replicas_peak if c.replicas_peak is not None else c.replicas
    text = fmt.replicas_gpus(reps, c.gpus, c.gpu)
    if c.replicas_min is not None and c.replicas_min != reps:
        text = f"{c.replicas_min}-" + text
    return text


def _none_last(x: float | None, reverse_sign: bool = False) -> tuple[int, float]:
    if x is None:
        return (1, 0.0)
    return (0, -x if reverse_sign else x)


MODES = {"reasoning": "thinking", "non-reasoning": "no thinking"}
"""How a row of a model ranked once per answering mode is named (``Candidate.mode``)."""
MODE_TAGS = {"reasoning": "think", "non-reasoning": "no-think"}
"""The same, short enough for the model column."""


def mode_text(c: Candidate) -> str:
    """``thinking ×5.65`` (the generated tokens per visible one), ``no thinking``, or "" without modes."""
    if not c.mode:
        return ""
    mult = c.output_multiplier or 1.0
    return MODES.get(c.mode, c.mode) + (f" ×{mult:g}" if mult != 1.0 else "")


def where(c: Candidate) -> str:
    """What tells two rows of one model apart: the API provider, or replicas × GPUs, precision and provider, and
    the answering mode where the model is ranked once per mode."""
    return where_cell(c) + (f" · {mode_text(c)}" if c.mode else "")


def where_cell(c: Candidate) -> str:
    """``where`` in the table: the answering mode is left out (the model column's tag says it)."""
    if c.deployment == "api":
        return f"API · {c.provider}"
    return f"{_gpus(c)} {c.precision} · {c.provider}"


def model_cell(c: Candidate) -> str:
    """The model id in ``MODEL_WIDTH`` characters, its mode tag kept whole (``deepseek-r1 think``)."""
    tag = MODE_TAGS.get(c.mode or "", c.mode or "")
    if not tag:
        return _cut(c.model, MODEL_WIDTH)
    return f"{_cut(c.model, MODEL_WIDTH - len(tag) - 1)} {tag}"


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
    """Money in at most 7 characters, so the fixed columns fit 80 columns: $/M from $100 without cents,
    monthly from $100k in thousands (the breakdown has the exact figure)."""
    if places and usd >= 100:
        return fmt.usd(usd, 0)
    if not places and usd >= 100_000:
        return f"${usd / 1000:,.0f}k"
    return fmt.usd(usd, places)


COLUMNS: tuple[Column, ...] = (
    Column("rank", "#", lambda c: str(c.rank), lambda c: c.rank, right=True),
    Column("usd_per_mtok", "$/M tok", lambda c: _compact(c.usd_per_mtok, 3), lambda c: c.usd_per_mtok, right=True),
    Column("monthly", "monthly", lambda c: _compact(c.monthly_total_usd, 0), lambda c: c.monthly_total_usd, right=True),
    Column("model", "model", model_cell, lambda c: (c.model, where(c))),
    Column("quality", "quality", quality_cell,
           lambda c: _none_last(c.quality, reverse_sign=True), right=True),
    Column("gpus", "where (R × G gpu)", where_cell, lambda c: ((c.replicas_peak or c.replicas) * c.gpus, c.gpu or "")),
    Column("arch", "arch", lambda c: arch_label(c.architecture), lambda c: c.architecture),
    Column("utilization", "util.", lambda c: fmt.pct(c.utilization) if c.utilization is not None else "-",
           lambda c: _none_last(c.utilization, reverse_sign=True), right=True),
)
"""Cost first (the rank, $/M tokens and monthly stay fixed while the table scrolls sideways), then what
the row is: model, quality and where it runs (at 120 columns its replicas, GPUs and precision
show next to the questions: what tells two rows of one model apart), then architecture and utilization. At 80 columns the fixed
columns and the model stay visible next to the questions; the rest scroll (or ctrl+b hides the questions)."""
MAX_ROWS = 200
"""Rows drawn at once: a table of thousands of rows costs seconds to rebuild on every keystroke. The rows are
the first ``MAX_ROWS`` in the current sort order (all candidates are sorted); a last row says how many more
there are and where to see them."""
MORE_KEY = "more"
FIXED_COLUMNS = 3
"""Sorting by utilization or quality puts the highest first (ascending = best first for every column)."""
SORT_CYCLE = ("rank", "usd_per_mtok", "monthly", "quality", "utilization", "gpus", "model")


class RankingTable(DataTable):
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
        self.hidden = 0
        """Candidates past ``MAX_ROWS`` in the current order (not drawn; the last row says so)."""

    # ------------------------------------------------------------------ data

    def show(self, rec: Recommendation) -> None:
        """Show a new ranking with #1 highlighted (and scrolled into view), so its reasons show below."""
        self.recommendation = rec
        self._by_rank = {c.rank: c for c in rec.candidates}
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
    def sort_label(self) -> str:
        """``quality ▼``: the column the rows are sorted by (the status line says it)."""
        col = next(c for c in COLUMNS if c.key == self.sort_key)
        label = "rank" if col.key == "rank" else col.label.split(" (")[0]
        return f"{label} {'▼' if self.sort_reverse else '▲'}"

    def _scroll_to_sorted_column(self) -> None:
        """Bring the sorted column into view when it is scrolled off to the right."""
        keys = [c.key for c in COLUMNS]
        index = keys.index(self.sort_key)
        if index < FIXED_COLUMNS:
            return
        widths = [col.get_render_width(self) for col in self.ordered_columns]
        fixed = sum(widths[:FIXED_COLUMNS])
        x = sum(widths[:index])
        visible = self.scrollable_content_region.width
        if x - self.scroll_x < fixed or x + widths[index] - self.scroll_x > visible:
            self.scroll_to(x=max(0, x - fixed), animate=False, immediate=True)

    def _rebuild(self, keep: str | None = None, keep_rank: int | None = None) -> None:
        """``keep``: the label to highlight; ``keep_rank``: the rank to highlight; neither: the first row."""
        col = next(c for c in COLUMNS if c.key == self.sort_key)
        arrow = " ▼" if self.sort_reverse else " ▲"
        self.clear(columns=True)
        for c in COLUMNS:
            label = c.label + (arrow if c.key == self.sort_key and (c.key != "rank" or self.sort_reverse) else "")
            self.add_column(Text(label, justify="right") if c.right else label, key=c.key)
        cands = list(self._by_rank.values())
        cands.sort(key=lambda c: (col.sort(c), c.rank), reverse=self.sort_reverse)
        self.hidden = max(0, len(cands) - MAX_ROWS)
        if self.hidden:
            kept = next((c for c in cands[MAX_ROWS:] if (keep is not None and c.label == keep)
                         or (keep_rank is not None and c.rank == keep_rank)), None)
            cands = cands[:MAX_ROWS - 1] + [kept] if kept is not None else cands[:MAX_ROWS]
        cursor_row = 0
        for i, cand in enumerate(cands):
            cells = []
            for c in COLUMNS:
                value = c.cell(cand)
                if c.key == "rank" and cand.rank == self.marked:
                    value = f"◆{value}"
                cells.append(Text(value, justify="right") if c.right else value)
            self.add_row(*cells, key=str(cand.rank))
            if (keep is not None and cand.label == keep) or (keep_rank is not None and cand.rank == keep_rank):
                cursor_row = i
        if self.hidden:
            # Each part within its column's width: a long text in the model column would widen it and push
            # the columns after it off screen for every row; the how goes in "where", the widest column.
            more = Text(_cut(f"… {self.hidden:,} more", MODEL_WIDTH), style="dim italic")
            how = Text("in this order: s sorts by another column, ctrl+s exports them all", style="dim italic")
            cells = {"model": more, "gpus": how}
            self.add_row(*(cells.get(c.key, "") for c in COLUMNS), key=MORE_KEY)
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

    def action_deploy(self) -> None:
        cand, rec = self.current, self.recommendation
        if cand is not None and rec is not None:
            from advisor.tui.screens.deploy import DeployScreen

            self.app.push_screen(DeployScreen(cand, rec))

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
