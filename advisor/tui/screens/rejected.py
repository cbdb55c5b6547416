"""Options that were ruled out, each with why (the first reason in the table, all of them below)."""

from __future__ import annotations

import re

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from advisor.tui.screens.base import AdvisorScreen
from textual.widgets import DataTable, Header, Static

from advisor.domain.recommendation import Recommendation, Rejection, near_misses_first
from advisor.tui.widgets.key_footer import KeyFooter
from advisor.tui.widgets.names import distinct_cuts
from advisor.tui.widgets.row_table import RowTable

REASON_WIDTH = 60

SHORTFALL = re.compile(r"(?:short by|just short:) [\d.,]+ [kMGT]?B per GPU")
"""The figure a memory rejection turns on, kept when its reason is cut."""


def form_names(text: str) -> str:
    """A reason with the form's names for the workload fields it cites (``(max_gpus is 8)`` -> ``(GPU limit is 8)``,
    ``the workload's gpu_types`` -> ``the workload's GPU types``). Only the snake_case names: ``latency`` or
    ``providers`` are also plain words in a reason."""
    import re

    from advisor.tui.widgets.workload_form import LABELS

    names = sorted((n for n in LABELS if "_" in n), key=len, reverse=True)
    return re.sub(rf"\b({'|'.join(names)})\b", lambda m: LABELS[m.group(1)], text) if names else text


def short_reason(text: str, width: int = REASON_WIDTH) -> str:
    """A reason that fits ``width``, keeping its conclusion: ``does not fit on 8x h100-sxm in fp8 … short by
    1.0 GB per GPU`` (the first clause, then the last one, which carries the number)."""
    if len(text) <= width:
        return text
    head, _, _ = text.partition(":")
    tail = text.rsplit(": ", 1)[-1] if ": " in text else ""
    if tail and len(head) + len(tail) + 3 > width and (found := SHORTFALL.findall(text)):
        # The last clause is too long to keep (vLLM's memory flag value that would make it fit, after the shortfall):
        # the shortfall instead, which decides the rejection, marked as followed by more.
        tail = found[-1] + ("" if text.endswith(found[-1]) else " …")
    if tail and tail != text and len(head) + len(tail) + 3 <= width:
        return f"{head} … {tail}"
    room = width - len(tail) - 3
    if tail and tail != text and room >= 12:
        return f"{head[:room].rsplit(' ', 1)[0]} … {tail}"
    return text[: width - 1] + "…"


class RejectedScreen(AdvisorScreen):
    BINDINGS = [Binding("escape,q", "app.pop_screen", "Back", tooltip="Back to the ranking")]

    def __init__(self, rec: Recommendation) -> None:
        super().__init__(classes="detail-screen")
        self.recommendation = rec
        # As the CLI lists them: what the filters left out, then the near misses by margin (a latency miss against
        # this workload's targets), API rejections, and last the models without a score.
        self.rejections: list[Rejection] = near_misses_first(rec.rejected, rec.workload)

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        yield Static(f"{len(self.rejections)} options rejected; the highlighted one's reasons are below the table.",
                     id="rejected-status")
        yield RowTable(id="rejected-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="rejected-detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = "rejected options"
        table = self.query_one(DataTable)
        table.add_column("option", key="option")
        table.add_column("why", key="why")
        # Both columns in the screen's width: the option gets at most 40% of it (the list of GPU types a filter left
        # out ran 115 characters and pushed "why" off an 80-column screen), cut with a sign; the whole label and
        # every reason are under the table.
        room = self.app.size.width - 8  # the cells' padding and the scrollbar
        label_width = min(max((len(r.label) for r in self.rejections), default=10), max(24, room * 2 // 5))
        width = max(20, room - label_width)
        # Two labels never cut alike (trial 30 at 80x24: "… on 8x h10…" read the same for h100-sxm and h100-pcie).
        labels = distinct_cuts({r.label for r in self.rejections}, label_width)
        for i, r in enumerate(self.rejections):
            first = form_names(r.reasons[0].message) if r.reasons else ""
            label = labels[r.label]
            table.add_row(Text(label), Text(short_reason(first, width)), key=str(i))  # plain text: '[reasoning] …' is no markup
        if self.rejections:
            self._show(0)
        table.focus()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self._show(int(event.row_key.value))

    def _show(self, i: int) -> None:
        r = self.rejections[i]
        text = Text(r.label, style="bold")
        for reason in r.reasons:
            text.append("\n✗ ", "red")
            text.append(form_names(reason.message))
        self.query_one("#rejected-detail", Static).update(text)
