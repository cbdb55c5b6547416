"""Prices and plugins: where each price comes from and how old it is, the plugins that are loaded, and a
live refresh (in a worker) that reports per source; a failing source shows its error and the rest go on."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from advisor.tui.screens.base import AdvisorScreen
from textual.widgets import Button, DataTable, Header, ProgressBar, Static

from advisor.prices.book import STALE_AFTER_DAYS
from advisor.tui.messages import PricesLoaded, RefreshFinished, RefreshProgress
from advisor.tui.services import PluginRow, PriceSource, RefreshRow
from advisor.tui.widgets.key_footer import KeyFooter
from advisor.tui.widgets.row_table import RowTable


def fit(text: Text, width: int) -> Text:
    """``text`` in ``width`` cells: whole when it fits, else cut with ``…`` (style kept) after its last whole clause
    (``; ``, ``, ``) or else word, when that keeps at least half the width (``2 rows replaced by genai-prices…``)."""
    if text.cell_len <= width:
        return text
    plain = text.plain
    cut = plain[: width - 1]
    for sep in ("; ", ", ", " "):
        end = plain.rfind(sep, 0, width)  # the separator may start right at the edge
        if end >= width // 2:
            cut = plain[:end].rstrip(",;: ")
            break
    out = text[: len(cut)]
    out.append("…")
    return out


class PricesScreen(AdvisorScreen):
    BINDINGS = [Binding("escape,q", "app.pop_screen", "Back", tooltip="Back to the ranking"),
                Binding("r", "refresh", "Refresh prices", tooltip="Fetch live prices from every source (in the background)")]

    def __init__(self, refresh: bool = False) -> None:
        super().__init__(classes="detail-screen", id="prices")
        self.refreshing = False
        self._refresh_on_open = refresh
        self._refreshed: dict[str, RefreshRow] = {}
        """The last refresh's result per source: the sources table says what it did."""

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with VerticalScroll(id="prices-body"):
            # The refresh comes first: what r does is on screen at any terminal size.
            with Horizontal(id="refresh-row"):
                yield Button("Refresh prices (r)", id="refresh", variant="primary")
                yield ProgressBar(id="refresh-progress", show_eta=False)
            yield Static("Sources with a live endpoint fetch today's prices; the others keep their bundled snapshot.",
                         id="refresh-status", classes="hint")
            yield RowTable(id="refresh-results", cursor_type="row")
            yield Static("Price sources", classes="section-title")
            yield Static("loading…", id="sources-status", classes="hint")
            yield RowTable(id="sources", cursor_type="row", zebra_stripes=True)
            yield Static("Plugins", classes="section-title")
            yield RowTable(id="plugins", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = "prices and plugins"
        sources = self.query_one("#sources", DataTable)
        for key, label in (("source", "source"), ("kind", "kind"), ("used", "prices from"), ("prices", "rows"),
                           ("as_of", "oldest row"), ("age", "age"), ("live", "live"), ("note", "note")):  # a source's rows differ
            sources.add_column(label, key=key)
        plugins = self.query_one("#plugins", DataTable)
        for key in ("name", "version", "hooks", "status", "error"):
            plugins.add_column(key, key=key)
        results = self.query_one("#refresh-results", DataTable)
        for key, label in (("source", "source"), ("result", "result"), ("prices", "rows"), ("message", "what happened")):
            results.add_column(label, key=key)
        self.query_one("#refresh-progress").display = False
        results.display = False
        self.app.load_prices(self)  # type: ignore[attr-defined]
        if self._refresh_on_open:
            self.action_refresh()

    # ------------------------------------------------------------------ data

    def on_prices_loaded(self, message: PricesLoaded) -> None:
        self.show_sources(message.sources)
        self.show_plugins(message.plugins)

    def show_sources(self, rows: list[PriceSource]) -> None:
        table = self.query_one("#sources", DataTable)
        table.clear()
        stale = [r.name for r in rows if r.stale]
        cells = []
        for r in rows:
            age = Text(f"{r.age_days} d" if r.age_days is not None else "-", justify="right")
            if r.stale:
                age = Text.assemble(("⚠ ", "bold yellow"), (f"{r.age_days} d", "yellow"), justify="right")
            used = Text(r.used, "red" if r.used == "none" else ("green" if r.used.startswith("live") else ""))
            note = Text(r.note, "dim")
            done = self._refreshed.get(r.name)
            if done is not None and not done.ok:
                note = Text("✗ refresh failed (why above)", "red")  # kept what "prices from" says
            elif done is not None:
                note = Text("✓ refreshed just now", "green")
            cells.append([Text(r.name), Text(r.kind), used, Text(str(r.prices), justify="right"), Text(r.as_of or "-"),
                          age, Text("yes" if r.refreshable else "-"), note])
        # The note, the last column, in the width the others leave, cut at a word with a sign: it was clipped at
        # the screen's edge mid-word ("kept bundled sn"). Too little room: the table scrolls sideways as before.
        labels = [str(c.label) for c in table.ordered_columns]
        others = sum(max(len(labels[i]), *(row[i].cell_len for row in cells)) + 2 for i in range(len(labels) - 1)) if cells else 0
        room = self.app.size.width - 6 - others  # the note's padding and the scrollbar
        for r, row in zip(rows, cells, strict=True):
            if room >= 16:
                row[-1] = fit(row[-1], room)
            table.add_row(*row, key=r.name)
        live = sum(r.refreshable for r in rows)
        if stale:
            note = (f"{len(rows)} sources; ⚠ {len(stale)} stale (older than {STALE_AFTER_DAYS} days): {', '.join(stale)}. "
                    f"{live} have a live endpoint: press r to refresh them.")
        else:
            oldest = max((r.age_days for r in rows if r.age_days is not None), default=None)
            age = f" (oldest {oldest} days; stale after {STALE_AFTER_DAYS})" if oldest is not None else ""
            note = f"{len(rows)} sources, none stale{age}; {live} have a live endpoint (r refreshes them)."
        self.query_one("#sources-status", Static).update(note)

    def show_plugins(self, rows: list[PluginRow]) -> None:
        table = self.query_one("#plugins", DataTable)
        table.clear()
        rows = sorted(rows, key=lambda r: r.status == "ok")  # a failed plugin first (trial 38: the last of 16 rows, 3 tabs away)
        cells = [[Text(r.name), Text(r.version or "-"), Text(r.hooks or "-"),
                  Text(r.status or "?", {"ok": "green", "failed": "bold red"}.get(r.status, "yellow")), Text(r.error, "red")]
                 for r in rows]
        # The error, the last column, cut at a clause with a sign as the sources' note is (trial 28: "snapshot failed:
        # BudgetE" at the screen's edge); the whole of it is in `moe-advisor plugins`.
        others = sum(max(len(str(c.label)), *(row[i].cell_len for row in cells)) + 2
                     for i, c in enumerate(table.ordered_columns[:-1])) if cells else 0
        room = self.app.size.width - 6 - others
        for r, row in zip(rows, cells, strict=True):
            if room >= 16:
                row[-1] = fit(row[-1], room)
            table.add_row(*row, key=r.name)
        if not rows:
            table.add_row(Text("no plugins loaded", "dim"), "", "", "", "")

    # ------------------------------------------------------------------ refresh

    @on(Button.Pressed, "#refresh")
    def action_refresh(self) -> None:
        if self.refreshing:
            self.notify("A refresh is already running.", title="Prices")
            return
        self.refreshing = True
        bar = self.query_one("#refresh-progress", ProgressBar)
        bar.display = True
        bar.update(total=1, progress=0)
        self.query_one("#refresh", Button).disabled = True
        status = self.query_one("#refresh-status", Static)
        status.update(Text("Refreshing live prices…", "bold"))
        self.query_one("#prices-body", VerticalScroll).scroll_home(animate=False)
        self.notify("Fetching live prices in the background; results appear at the top of this screen.",
                    title="Refreshing prices", timeout=3)
        self.app.refresh_prices(self)  # type: ignore[attr-defined]

    def on_refresh_progress(self, message: RefreshProgress) -> None:
        bar = self.query_one("#refresh-progress", ProgressBar)
        bar.update(total=max(1, message.total), progress=message.done)
        self.query_one("#refresh-status", Static).update(f"Refreshing {message.source} ({message.done}/{message.total})…")

    def on_refresh_finished(self, message: RefreshFinished) -> None:
        self.refreshing = False
        self.query_one("#refresh", Button).disabled = False
        bar = self.query_one("#refresh-progress", ProgressBar)
        bar.update(total=max(1, len(message.results)), progress=max(1, len(message.results)))
        table = self.query_one("#refresh-results", DataTable)
        table.display = True
        table.clear()
        failed = [r for r in message.results if r.status == "failed"]
        # "what happened" in the width left (a failure is whole in the status line above), cut with a sign
        widths = (max((len(r.source) for r in message.results), default=6), len("✓ updated"), len("rows"))
        room = self.app.size.width - 6 - sum(w + 2 for w in widths)
        for r in message.results:
            result = {"ok": Text("✓ updated", "green"), "failed": Text("✗ failed", "bold red")}.get(
                r.status, Text(r.status, "yellow"))
            what = Text(r.message, "red" if r.status == "failed" else "")
            table.add_row(r.source, result, Text(str(r.prices) if r.ok else "-", justify="right"),
                          fit(what, room) if room >= 16 else what, key=r.source)
        ok = sum(r.ok for r in message.results)
        self._refreshed = {r.source: r for r in message.results}
        if not message.results:
            text = Text("No source has a live endpoint: every price stays as bundled.")
        elif ok:
            text = Text(f"✓ {ok} of {len(message.results)} sources refreshed; the ranking is redone with the new prices.")
        else:
            text = Text(f"✗ No source refreshed ({len(failed)} failed): the ranking keeps the prices it had.", "red")
        for r in failed:
            text.append(f"\n✗ {r.source}: {r.message}", "red")
        self.query_one("#refresh-status", Static).update(text)

    def refresh_failed(self, error: str) -> None:
        """The refresh as a whole could not run (the worker raised): say so and allow another try."""
        self.refreshing = False
        self.query_one("#refresh", Button).disabled = False
        self.query_one("#refresh-progress").display = False
        self.query_one("#refresh-status", Static).update(Text(f"✗ refresh failed: {error}", "red"))
