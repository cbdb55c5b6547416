"""The keys, read from the bindings themselves so the list cannot drift from what the keys do."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from advisor.tui.widgets.key_footer import KeyFooter

EXTRA = {
    "Everywhere": [("tab / shift+tab", "next / previous field"), ("ctrl+p", "command palette: every action, every preset")],
    "Questions": [("← → (space)", "change a choice; on Preset, load the next preset"),
                  ("type", "edit a field: the ranking follows after a short pause; a bad value is marked at the field")],
    "Ranking": [("↑ ↓ pgup pgdn", "move through the candidates"), ("home end", "the first, the last candidate"), ("click a header", "sort by that column (again: reverse)"),
                ("12↓ (a rank)", "a rule ranks the row after rows that cost more: not known to launch as costed, thinks "
                 "past the TTFT target, or MoE under heavy fine-tuning; its first reason says which")],
    "Deploy (d)": [("← → ↑ ↓", "scroll the files (long lines scroll sideways, never wrap)")],
    "Rejected (f3)": [("↑ ↓", "move through the options: the highlighted one's reasons show below the table")],
}


def _key(key: str) -> str:
    from textual.keys import format_key

    names = [k.strip() for k in key.split(",")]
    return " / ".join("enter" if k == "enter" else format_key(k) for k in names)


def key_rows(app_bindings: Sequence[Binding | tuple]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The keys of the app (``app_bindings``), then of each screen and widget, grouped by where they work."""
    from advisor.tui.screens.breakdown import BreakdownScreen, CompareScreen
    from advisor.tui.screens.deploy import DeployScreen
    from advisor.tui.screens.prices import PricesScreen
    from advisor.tui.screens.rejected import RejectedScreen
    from advisor.tui.widgets.ranking_table import RankingTable

    groups = [("Everywhere", app_bindings), ("Questions", ()), ("Ranking", RankingTable), ("Breakdown", BreakdownScreen),
              ("Compare", CompareScreen), ("Deploy (d)", DeployScreen), ("Rejected (f3)", RejectedScreen),
              ("Prices and plugins", PricesScreen)]
    out = []
    for title, cls in groups:
        rows = []
        for b in (cls if isinstance(cls, (list, tuple)) else cls.BINDINGS):
            if isinstance(b, Binding) and b.description:
                rows.append((_key(b.key), b.tooltip or b.description))
        rows.extend(EXTRA.get(title, []))
        out.append((title, rows))
    return out


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,f1,question_mark", "dismiss", "Close")]

    def __init__(self) -> None:
        super().__init__(classes="dialog-screen")

    def compose(self) -> ComposeResult:
        table = Table(box=None, padding=(0, 2, 0, 0), show_header=False, expand=True)
        table.add_column("key", style="bold", no_wrap=True)
        table.add_column("does")
        for title, rows in key_rows(self.app.BINDINGS):
            table.add_row(Text(title, style="bold underline"), "")
            for key, does in rows:
                table.add_row(key, does)
            table.add_row("", "")
        with VerticalScroll(classes="dialog", id="help-dialog"):
            yield Static("Keys", classes="dialog-title")
            yield Static(table)
            yield Static("Every field explains itself in the line under it; an invalid value is marked at the field "
                         "with the reason. The ranking updates as you type. Press escape to close.", classes="hint")
        yield KeyFooter()  # its own keys (esc closes): the footer of the screen below listed keys that do not work here
