"""The advisor: the questions on the left, the ranking (updated as you type) on the right."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Header, Static

from advisor.common import fmt
from advisor.domain.candidate_text import per_mtok_text, usd_per_mtok_all_in
from advisor.domain.recommendation import Candidate, Recommendation
from advisor.tui import services
from advisor.tui.screens.base import AdvisorScreen, apply_breakpoints
from advisor.tui.widgets.clamped import ClampedText
from advisor.tui.widgets.key_footer import KeyFooter
from advisor.tui.widgets.ranking_table import RankingTable, where
from advisor.tui.widgets.workload_form import WorkloadForm, field_label, hidden_fields, user_text
from advisor.domain.constraints import constraint_text
from advisor.domain.workload import Workload

SEVERITY_MARK = {"decisive": ("!", "bold"), "warning": ("~", "yellow"), "info": ("-", "")}
SEVERITY_ORDER = {"decisive": 0, "warning": 1, "info": 2}


SUBTITLE = "enter: breakdown · s: sort"
SERVING_ONLY = "$/M tok: serving only; monthly includes the fine-tuning runs"
"""The CLI's footnote under its table (``advisor.cli.render``), word for word."""
SERVING_ONLY_NARROW = "monthly includes the fine-tuning runs"
"""The same where the narrow table has no $/M column (the highlighted row's line says $/M serving and with them)."""
PENDING_AFTER_S = 0.15
"""How long a re-rank may take before the screen says "ranking…"."""

class MainScreen(AdvisorScreen):
    """Form | status, ranking table, highlighted candidate. The app runs the ranking and calls ``show_*``."""

    AUTO_FOCUS = "#preset"
    """One keystroke (← →) loads a preset. Focused as the screen first shows, once: focusing another widget first
    and then the preset restyled the whole form twice (``:focus-within``), a tenth of the first screen's time."""

    def __init__(self, workload: Workload, *, cursor_blink: bool = True) -> None:
        super().__init__(id="main")
        self._workload = workload
        self._cursor_blink = cursor_blink
        self._notified_problems: set[str] = set()
        self._notes_shown: tuple | None = None
        """(notes, serving only, the table's $/M column shown) of the notes on screen: a new width may need the other."""
        self._pending_timer = None
        self._pending_token: object | None = None
        self.invalid: tuple[str | None, str] | None = None
        """(field or None, reason) while an answer in the form is invalid: the ranking shown is for the last valid
        answers, so an export would save values the form no longer shows (the app refuses it)."""

    def compose(self) -> ComposeResult:
        apply_breakpoints(self)  # before the children exist: set after mount, the classes restyle every widget
        yield Header(icon="◆")
        with Horizontal(id="main-body"):
            form = WorkloadForm(self._workload, cursor_blink=self._cursor_blink, id="form")
            form.border_title = "Questions"
            yield form
            results = Vertical(id="results")
            results.border_title = "Ranking"
            results.border_subtitle = SUBTITLE
            with results:
                yield Static("", id="workload-line")
                yield Static(Text("ranking…", "bold"), id="status")
                yield ClampedText("", more="f3 and the breakdown list them", id="notes")
                yield RankingTable(id="ranking")
                yield ClampedText("", more="enter: breakdown", id="detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#notes").display = False

    @property
    def form(self) -> WorkloadForm:
        return self.query_one(WorkloadForm)

    @property
    def table(self) -> RankingTable:
        return self.query_one(RankingTable)

    # ------------------------------------------------------------------ what the app calls

    def show_pending(self, w: Workload) -> None:
        """The new answers at once; "ranking…" and the dimmed table only if the ranking is not back within
        PENDING_AFTER_S (restyling the table twice per keystroke cost more than most re-ranks take)."""
        self.form.clear_errors()
        self.invalid = None
        self._show_workload(w)
        self._cancel_pending()
        if self.table.recommendation is None:
            return  # the first ranking: the status already says "ranking…" and there is no table to dim
        token = self._pending_token = object()
        if w.name != self.table.recommendation.workload.name:  # another preset: its first ranking takes longer than the
            self._mark_pending(token)  # timer, which a busy ranking thread also delays: the title must not sit over old rows
            return
        self._pending_timer = self.set_timer(PENDING_AFTER_S, lambda: self._mark_pending(token))

    def _mark_pending(self, token: object) -> None:
        if token is not self._pending_token:
            return  # the ranking arrived after the timer fired but before its callback ran
        self._pending_timer = None
        self.query_one("#status", Static).update(Text("ranking…", "bold"))
        self.query_one("#results").add_class("-pending")

    def _cancel_pending(self) -> None:
        self._pending_token = None
        if self._pending_timer is not None:
            self._pending_timer.stop()
            self._pending_timer = None

    def show_invalid(self, field: str | None, message: str, *, ranking: bool = False) -> None:
        """``ranking``: the last valid answers (those the summary line describes) are still being ranked."""
        self._cancel_pending()
        message = user_text(message, field)
        self.invalid = (field, message)
        self.form.show_error(field, message)
        if field is not None and field in self.form.errors:
            then = "ranking the last valid answers…" if ranking else "the ranking is for the last valid answers"
            last = self.table.recommendation
            if last is not None and not ranking and (ranked := ranked_values(last.workload, self.form.values(), field)):
                then += f" ({ranked})"  # which values the table is for
            text = Text.assemble(("✗ ", "bold red"), (f"check {field_label(field)}", "bold red"),
                                 f" (the reason is under the field); {then}")
        else:
            text = Text.assemble(("✗ ", "bold red"), (message, "red"))
        self.query_one("#status", Static).update(text)
        self.query_one("#results").add_class("-pending")

    def export_refused(self) -> bool:
        """An answer in the form is invalid (the ranking is for the last valid ones): say which, and that nothing was
        exported, rather than save values the form no longer shows."""
        if self.invalid is None:
            return False
        field, message = self.invalid
        what = f"{field_label(field)} is not valid ({message})" if field else f"an answer is not valid ({message})"
        self.app.notify(f"{what}: the ranking shown is for the last valid answers, not the form's. Fix it, then ctrl+s.",
                        title="Not exported", severity="error", timeout=10)
        return True

    def show_ranking(self, rec: Recommendation) -> None:
        self._cancel_pending()
        self.form.clear_errors()
        self.invalid = None
        self.query_one("#results").remove_class("-pending")
        n, r = len(rec.candidates), len(rec.rejected)
        if rec.candidates:
            best = rec.candidates[0]
            all_in = usd_per_mtok_all_in(best)  # the short form: the status line has two lines at 80 columns
            cost = (f"{fmt.per_mtok(best.usd_per_mtok, best.monthly_cost_usd)}/M tok" if all_in is None else
                    f"{fmt.per_mtok(all_in, best.monthly_total_usd)}/M with fine-tuning")
            line = f"{n:,} ranked, {r:,} rejected (f3: why) · best {cost}, {fmt.usd(best.monthly_total_usd)}/month"
        else:
            line = f"No feasible option: all {r:,} were rejected. Press f3 to see why, then relax a constraint."
        only = constraint_text(rec.workload)
        if only:  # a preset's GPU or provider filter, said where the ranking is read (the form may be hidden)
            line += f" · {only}"
        self._show_workload(rec.workload)
        self.query_one("#status", Static).update(Text(line, "bold"))
        self.table.show(rec)
        self._show_notes(rec.notes, serving_only=any(c.fine_tuning_monthly_usd for c in rec.candidates),
                         untrained=fmt.untrained_rows(rec.candidates))
        if self.table.hidden:
            self.query_one("#status", Static).update(Text(line + f" · {len(rec.candidates) - self.table.hidden:,} shown",
                                                          "bold"))
        self.show_sorted()  # a new ranking keeps the sort: say so
        if not rec.candidates:
            self.show_candidate(None)

    def show_sorted(self) -> None:
        """The status line and the pane's bottom border say which column the rows are sorted by, when it is not
        the rank: the border always shows, at any width, the status line's end may not."""
        status = self.query_one("#status", Static)
        base = str(status.content).split(" · sorted by ")[0]
        table = self.table
        ranked = table.sort_key == "rank" and not table.sort_reverse
        suffix = "" if ranked else f" · sorted by {table.sort_label} (not rank)"
        status.update(Text(base + suffix, "bold"))
        self.query_one("#results").border_subtitle = (SUBTITLE if ranked else f"sorted by {table.sort_label} · s")

    def _show_notes(self, notes: tuple[str, ...], serving_only: bool = False, untrained: bool = False) -> None:
        """Run-level notes: problems in a user catalog (entries left out), stale prices, failed plugins; first, with
        fine-tuning, what the cost columns hold (the rows go by monthly, which includes the fine-tuning runs, and
        $/M tok is serving only, so its column is not in order: the CLI's table says the same under it)."""
        box = self.query_one("#notes", ClampedText)
        self._notes_shown = (notes, serving_only, untrained, per_mtok := "usd_per_mtok" in self.table.shown)
        problems = [n for n in notes if n.startswith("catalog: ")]
        others = [n for n in notes if not n.startswith("catalog: ")]
        lines = [Text((SERVING_ONLY if per_mtok else SERVING_ONLY_NARROW) + (fmt.UNTRAINED_ROWS if untrained else ""))] if serving_only else []
        lines += [Text.assemble(("⚠ ", "bold yellow"), ("catalog entry left out: ", "yellow"), p.removeprefix("catalog: "))
                 for p in problems]
        lines += [Text.assemble(("~ ", "yellow"), n) for n in others]
        box.update(Text("\n").join(lines))
        box.display = bool(lines)
        new = [p for p in problems if p not in self._notified_problems]
        if new:
            self._notified_problems.update(new)
            self.notify("\n".join(p.removeprefix("catalog: ") for p in new[:3]),
                        title=f"{len(new)} catalog entr{'y' if len(new) == 1 else 'ies'} left out", severity="warning",
                        timeout=10)

    def _show_workload(self, w: Workload) -> None:
        """The summary line, the Preset field's description and the title, all from one workload."""
        title = w.name if w.name != "custom" else "custom workload"
        self.form.show_description(w)
        edited = w.description if w.name == "custom" and w.description.startswith("edited from ") else ""
        self.app.sub_title = f"{w.name}, {edited}" if edited else w.name
        self.query_one("#workload-line", Static).update(Text.assemble((title, "bold"), ": ", services.workload_summary(w)))

    def show_candidate(self, c: Candidate | None) -> None:
        detail = self.query_one("#detail", ClampedText)
        rec = self.table.recommendation
        if c is None:
            notes = list(rec.notes) if rec else []
            detail.update(Text("\n".join(f"note: {n}" for n in notes)))
            return
        head = Text.assemble((f"#{c.rank} {c.model}", "bold"), " · ", where(c), "\n",
                             f"{_per_mtok(c)} · {fmt.usd(c.monthly_total_usd)}/month",
                             f" · quality {fmt.num(c.quality, 1)}" if c.quality is not None else "")
        lines = [head]
        shown = sorted((r for r in c.reasons if r.severity in ("decisive", "warning")),
                       key=lambda r: SEVERITY_ORDER.get(r.severity, 3))
        for reason in shown:
            mark, style = SEVERITY_MARK.get(reason.severity, ("-", ""))
            lines.append(Text.assemble((f"{mark} ", style), reason.message))
        detail.update(Text("\n").join(lines))

    # ------------------------------------------------------------------ events

    def on_ranking_table_highlighted(self, event: RankingTable.Highlighted) -> None:
        self.show_candidate(event.candidate)
        shown = self._notes_shown  # the table laid out again (a new width): the notes say its columns
        if shown is not None and shown[3] != ("usd_per_mtok" in self.table.shown):
            self._show_notes(*shown[:3])

    def on_ranking_table_sorted(self, event: RankingTable.Sorted) -> None:
        self.show_sorted()

    def on_descendant_focus(self, event) -> None:
        """Below 110 columns the pane holding the focus gets the width: the ranking (ctrl+r, tab) hides the
        questions, so its configuration column shows beside the model; a question shows them again. Beside the
        questions at 80 columns the table has 41 columns: the rank and costs (23) and the model fill them."""
        if not self.has_class("-narrow"):
            return
        if event.widget is self.table:
            self.add_class("-form-hidden")
        elif self.form in event.widget.ancestors:
            self.remove_class("-form-hidden")


def _per_mtok(c: Candidate) -> str:
    """``$0.076/M tok``; with fine-tuning in the monthly, the serving and the all-in $/M told apart."""
    return f"{fmt.per_mtok(c.usd_per_mtok, c.monthly_cost_usd)}/M tok" if usd_per_mtok_all_in(c) is None else per_mtok_text(c)


DERIVED = frozenset({"context_typical_tokens", "peak_to_mean"})
"""Fields the workload raises from others (a typical context to input + output, a peak to an hourly profile's busiest
hour): their ranked value is not an answer the form "no longer shows" (trial 36: "Usual context 2,750" never typed)."""


def ranked_values(w: Workload, values: dict[str, str], field: str) -> str:
    """The ranked workload's numbers where the form now says otherwise (``Input tokens 3``), the refused field's where
    none differs: keys typed at once (a backspace, then 200000) leave the table on an older answer than the
    intermediate ones a reader assumes were ranked (trial 35: "Max context 65,536" beside a ranking for 3 input
    tokens)."""
    def number(x) -> bool:
        return isinstance(x, (int, float)) and not isinstance(x, bool)

    def text(x: float) -> str:
        return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"

    shown, hidden = [], hidden_fields(values)
    for name, typed in values.items():
        if name not in hidden and (name == field or name not in DERIVED) and number(ranked := getattr(w, name, None)):
            try:
                same = float(typed.replace(",", "")) == float(ranked)
            except ValueError:
                same = name != field  # an empty or unreadable answer: its default, or the refused field itself
            if not same:
                shown.append(f"{field_label(name)} {text(ranked)}")
    if not shown and number(value := getattr(w, field, None)):
        shown.append(f"{field_label(field)} {text(value)}")
    return ", ".join(shown[:3])

