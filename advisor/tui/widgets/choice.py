"""A one-line choice among a few options: ← / → (or space, or a click) step through them.

Lighter than a Select (no overlay), so a form with several of them mounts quickly, and one keystroke
changes the value.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from advisor.tui.widgets.field_input import run_own_binding


class Choice(Widget, can_focus=True):
    """``Choice(options, value=...)``; posts ``Choice.Changed`` when the user (or code) changes the value."""

    DEFAULT_CSS = """
    Choice {
        height: 1;
        width: 1fr;
        background: $boost;
        color: $foreground;
    }
    Choice:focus {
        background: $primary 40%;
        text-style: bold;
    }
    Choice > .choice--arrow {
        color: $accent;
    }
    Choice > .choice--position {
        color: $foreground-muted;
    }
    """
    COMPONENT_CLASSES = {"choice--arrow", "choice--position"}
    BINDINGS = [
        Binding("left", "step(-1)", "Previous", show=False),
        Binding("right,space", "step(1)", "Next", show=False),
    ]

    value: reactive[str] = reactive("", init=False)

    class Changed(Message):
        def __init__(self, choice: Choice, value: str) -> None:
            super().__init__()
            self.choice = choice
            self.value = value

        @property
        def control(self) -> Choice:
            return self.choice

    def __init__(self, options: Sequence[str], value: str | None = None, *, placeholder: str = "",
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.options = tuple(options)
        self.placeholder = placeholder
        self.set_reactive(Choice.value, value if value is not None else (self.options[0] if not placeholder else ""))

    def render(self) -> Text:
        arrow = self.get_component_rich_style("choice--arrow")
        pos = self.get_component_rich_style("choice--position")
        known = self.value in self.options
        label = self.value if known else (self.value or self.placeholder)
        position = f"  {self.options.index(self.value) + 1}/{len(self.options)}" if known else ""
        width = self.size.width or 80
        # Fit one line: the position with one space, then without the position, then shorten the value (a long
        # word would otherwise wrap onto a hidden second line and leave only the arrow).
        if len(label) + 4 + len(position) > width:
            position = position[1:]
        if len(label) + 4 + len(position) > width:
            position = ""
        room = max(1, width - 4)
        if len(label) > room:  # a trailing "(...)" says what the choice is ("steady-latency (edited)"): its head is cut
            head, paren, tail = label.rpartition(" (")
            keep = paren + tail if head and tail.endswith(")") and len(paren + tail) + 2 <= room else ""
            label = label[: max(0, room - 1 - len(keep))] + "…" + keep
        text = Text(no_wrap=True)
        text.append("◂ ", arrow)
        text.append(label, None if known else pos)
        text.append(" ▸", arrow)
        if position:
            text.append(position, pos)
        return text

    async def _on_key(self, event: events.Key) -> None:
        """← → space act when the key reaches this widget, not once it has bubbled up to the app: by then a focus
        change typed after it (shift+tab) had moved the focus, and the app looked the key up on the new field's
        bindings, so the step was lost while a ranking ran (trial 36), as the text fields' editing keys were
        (``FieldInput``)."""
        await run_own_binding(self, event, printable_too=True)  # space is printable

    def action_step(self, delta: int) -> None:
        if not self.options:
            return
        i = self.options.index(self.value) if self.value in self.options else (-1 if delta > 0 else 0)
        self.value = self.options[(i + delta) % len(self.options)]

    def watch_value(self, value: str) -> None:
        self.post_message(self.Changed(self, value))

    def on_click(self, event: events.Click) -> None:
        self.focus()
        self.action_step(-1 if event.x < 2 else 1)
