"""What every advisor screen shares: breakpoint classes that are right from the first frame."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.screen import Screen


def apply_breakpoints(screen: Screen) -> None:
    """Set the screen's breakpoint classes for the current terminal size.

    Textual sets them on a Resize; a screen pushed (or resumed) after the last resize would otherwise
    keep none (or stale ones) until the terminal changes size."""
    app = screen.app
    width, height = app.size
    for breakpoints, size in ((screen.HORIZONTAL_BREAKPOINTS if screen.HORIZONTAL_BREAKPOINTS is not None
                               else app.HORIZONTAL_BREAKPOINTS, width),
                              (screen.VERTICAL_BREAKPOINTS if screen.VERTICAL_BREAKPOINTS is not None
                               else app.VERTICAL_BREAKPOINTS, height)):
        if not breakpoints:
            continue
        active = [name for minimum, name in sorted(breakpoints) if size >= minimum][-1:]
        for _, name in breakpoints:
            screen.set_class(name in active, name)
    screen.set_class(width < CRAMPED[0] or height < CRAMPED[1], "-cramped")


CRAMPED = (72, 22)
"""Below this many columns or rows a screen is ``-cramped`` as well as narrow or short: the main screen's lines around
the ranking (status, notes, the highlighted row's reasons) give their room to the table's rows, which at 60 x 20
had none left."""


class AdvisorScreen(Screen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "app.focus_next", "Next field", show=False, priority=True),
        Binding("shift+tab", "app.focus_previous", "Previous field", show=False, priority=True)]
    """Tab moves the focus as the app receives it, before it hands the next key to the focused widget. Textual's
    own Tab is a screen binding, run only once the key has gone to the focused field and bubbled back up to the
    app: digits typed right after it (tmux ``send-keys Tab 72``) had already been given to the field Tab left, and
    landed there. No widget on these screens uses Tab itself."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]

    def on_mount(self) -> None:
        apply_breakpoints(self)

    def on_resize(self) -> None:
        apply_breakpoints(self)  # Textual sets its breakpoint classes on a resize, not ``-cramped``

    def on_screen_resume(self) -> None:
        apply_breakpoints(self)
