"""The advisor: the questions on the left, the ranking (updated as you type) on the right."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, Static

from advisor.common import fmt
from advisor.domain.recommendation import Candidate, Recommendation
from advisor.tui import services
from advisor.tui.screens.base import AdvisorScreen
from advisor.tui.widgets.ranking_table import RankingTable
from advisor.tui.widgets.workload_form import WorkloadForm
from advisor.domain.workload import Workload

SEVERITY_MARK = {"decisive": ("!", "bold"), "warning": ("~", "yellow"), "info": ("-", "")}


class MainScreen(AdvisorScreen):
    """Form | status, ranking table, highlighted candidate. The app runs the ranking and calls ``show_*``."""


    def __init__(self, workload: Workload, *, cursor_blink: bool = True) -> None:
        super().__init__(id="main")
        self._workload = workload
        self._cursor_blink = cursor_blink

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with Horizontal(id="main-body"):
            yield WorkloadForm(self._workload, cursor_blink=self._cursor_blink, id="form")
            with Vertical(id="results"):
                yield Static("", id="workload-line")
                yield Static("", id="status")
                yield RankingTable(id="ranking")
                yield Static("", id="detail")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#preset").focus()  # one keystroke (← →) loads a preset

    @property
    def form(self) -> WorkloadForm:
        return self.query_one(WorkloadForm)

    @property
    def table(self) -> RankingTable:
        return self.query_one(RankingTable)

    # ------------------------------------------------------------------ what the app calls

    def show_pending(self, w: Workload) -> None:
        self.form.clear_errors()
        self._show_workload(w)
        self.query_one("#status", Static).update(Text("ranking…", "bold"))
        self.query_one("#results").add_class("-pending")

    def show_invalid(self, field: str | None, message: str) -> None:
        self.form.show_error(field, message)
        if field is not None and field in self.form.errors:
            text = Text.assemble(("✗ ", "bold red"), (f"check {field.replace('_', ' ')}", "bold red"),
                                 " (the reason is under the field); the ranking is for the last valid answers")
        else:
            text = Text.assemble(("✗ ", "bold red"), (message, "red"))
        self.query_one("#status", Static).update(text)
        self.query_one("#results").add_class("-pending")

    def show_ranking(self, rec: Recommendation) -> None:
        self.form.clear_errors()
        self.query_one("#results").remove_class("-pending")
        n, r = len(rec.candidates), len(rec.rejected)
        if rec.candidates:
            best = rec.candidates[0]
            line = (f"{n} ranked, {r} rejected (f3: why) · best {fmt.usd(best.usd_per_mtok, 3)}/M tok, "
                    f"{fmt.usd(best.monthly_cost_usd)}/month")
        else:
            line = f"No feasible option: all {r} were rejected. Press f3 to see why, then relax a constraint."
        self._show_workload(rec.workload)
        self.query_one("#status", Static).update(Text(line, "bold"))
        self.table.show(rec)
        if not rec.candidates:
            self.show_candidate(None)

    def _show_workload(self, w: Workload) -> None:
        title = w.name if w.name != "custom" else "custom workload"
        self.query_one("#workload-line", Static).update(Text.assemble((title, "bold"), ": ", services.workload_summary(w)))

    def show_candidate(self, c: Candidate | None) -> None:
        detail = self.query_one("#detail", Static)
        rec = self.table.recommendation
        if c is None:
            notes = list(rec.notes) if rec else []
            detail.update(Text("\n".join(f"note: {n}" for n in notes)))
            return
        head = Text.assemble((f"#{c.rank} {c.label}", "bold"), "  ",
                             f"{fmt.usd(c.usd_per_mtok, 3)}/M tok · {fmt.usd(c.monthly_cost_usd)}/month",
                             f" · quality {fmt.num(c.quality, 1)}" if c.quality is not None else "")
        lines = [head]
        for reason in [r for r in c.reasons if r.severity in ("decisive", "warning")][:3]:
            mark, style = SEVERITY_MARK.get(reason.severity, ("-", ""))
            lines.append(Text.assemble((f"{mark} ", style), reason.message))
        lines.append(Text("enter: full breakdown · c: mark to compare · s: sort", style="dim"))
        detail.update(Text("\n").join(lines))

    # ------------------------------------------------------------------ events

    def on_ranking_table_highlighted(self, event: RankingTable.Highlighted) -> None:
        self.show_candidate(event.candidate)
