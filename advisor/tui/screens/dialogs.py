"""Modal dialogs with typed results: the export path, overwrite confirmation, quit without exporting."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from advisor.tui.widgets.field_input import FieldInput


class ExportDialog(ModalScreen[Path | None]):
    """Ask where to write the TOML report. Dismisses with the path, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, default: Path, *, error: str | None = None, cursor_blink: bool = True) -> None:
        super().__init__(classes="dialog-screen")
        self.default = default
        self.error = error
        self._cursor_blink = cursor_blink

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="export-dialog"):
            yield Label("Export the recommendation to TOML", classes="dialog-title")
            yield Static("Path of the report file: typing replaces it, ← → edit it (relative paths are from the current directory):", classes="hint")
            inp = FieldInput(str(self.default), placeholder="report.toml", id="export-path")
            inp.cursor_blink = self._cursor_blink
            yield inp
            yield Static(f"✗ {self.error}" if self.error else "", id="export-error", classes="error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export (enter)", variant="primary", id="export-ok")
                yield Button("Cancel (esc)", id="export-cancel")

    def on_mount(self) -> None:
        inp = self.query_one(Input)
        inp.focus()
        inp.select_all()  # typing replaces the suggested path (it was added to its end: trial 34); ← or → keeps it
        self._error_for = inp.value
        """The path the error line is about: it goes once the path is edited to another name."""

    @on(Input.Changed, "#export-path")
    def _edited(self, event: Input.Changed) -> None:
        if event.value.strip() and event.value != self._error_for:
            self._error_for = event.value
            self.query_one("#export-error", Static).update("")

    @on(Input.Submitted)
    @on(Button.Pressed, "#export-ok")
    def _submit(self) -> None:
        text = self.query_one(Input).value.strip()
        if not text:
            self._error_for = self.query_one(Input).value
            self.query_one("#export-error", Static).update("✗ give a file name, e.g. report.toml")
            return
        self.dismiss(Path(text).expanduser())

    @on(Button.Pressed, "#export-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question. Dismisses with True only for the confirming button."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("y", "confirm", "Yes", show=False),
                Binding("n", "cancel", "No", show=False)]

    def __init__(self, title: str, message: str, confirm: str = "Overwrite", cancel: str = "Cancel") -> None:
        super().__init__(classes="dialog-screen")
        self.title_text, self.message, self.confirm_label, self.cancel_label = title, message, confirm, cancel

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="confirm-dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(self.message)
            yield Static(f"y: {self.confirm_label.lower()} · n or escape: {self.cancel_label.lower()}", classes="hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.confirm_label} (y)", variant="warning", id="confirm-yes")
                yield Button(f"{self.cancel_label} (n)", variant="primary", id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed, "#confirm-yes")
    def action_confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def action_cancel(self) -> None:
        self.dismiss(False)


QuitChoice = Literal["export", "quit", "cancel"]


class QuitDialog(ModalScreen[QuitChoice]):
    """Quitting with a recommendation that was never exported: export first, quit anyway, or stay."""

    BINDINGS = [Binding("escape,s", "choose('cancel')", "Stay", priority=True),
                Binding("e", "choose('export')", "Export", show=False, priority=True),
                Binding("q", "choose('quit')", "Quit", show=False, priority=True)]
    """Priority: the app runs the choice before it hands on the keys typed after it (as a button's binding, ``e`` ran
    once it had bubbled back up, and the path typed at once behind it went to the button: trial 34)."""

    def __init__(self, workload_name: str, exported: bool = False) -> None:
        super().__init__(classes="dialog-screen")
        self.workload_name = workload_name
        self.exported = exported

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="quit-dialog"):
            yield Label("Quit without exporting?", classes="dialog-title")
            why = "has changed since it was last exported" if self.exported else "has not been exported"
            yield Static(f"The recommendation for '{self.workload_name}' {why}. Export it to TOML first?")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export… (e)", variant="primary", id="quit-export")
                yield Button("Quit (q)", variant="error", id="quit-quit")
                yield Button("Stay (esc)", id="quit-cancel")

    def on_mount(self) -> None:
        self.query_one("#quit-export", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        choice = {"quit-export": "export", "quit-quit": "quit"}.get(event.button.id or "", "cancel")
        self.dismiss(choice)  # type: ignore[arg-type]

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)  # type: ignore[arg-type]
