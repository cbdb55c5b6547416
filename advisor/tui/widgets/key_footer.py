"""The key hints at the bottom of every screen, cut by importance rather than by position.

Textual's ``Footer`` lays its keys out left to right and the terminal's edge cuts whatever does not fit, mid-word:
at 80 columns the breakdown showed ``f3 Reje``, the deploy files ``^q Qui`` and no ``f1 Help``, the ranking
``f2 P``. This footer shows the keys that fit, chosen in order of importance (the screen's and the focused
widget's own keys, then help, quit, ...), each whole and in the order Textual gives them; a key left out still
works, and f1 lists them all."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

APP_KEYS = ("help", "quit", "toggle_focus", "rejected", "prices", "export", "toggle_form")
"""The app's own actions, most important first; every other key shown (the screen's, the focused widget's) comes
before them. ctrl+r is the way back from the ranking to the questions, which it hides below 110 columns; f3 comes
after it because the ranking's status line names it ("70 rejected (f3: why)")."""
GAP = 1
"""Columns between two keys (the compact footer's margin)."""
PALETTE_EXTRA = 1
"""The command palette's key is docked right behind a one-column rule."""


def key_width(key_display: str, description: str) -> int:
    """Columns one compact key takes: ``^q Quit`` and the gap after it."""
    return Text(key_display).cell_len + (1 + Text(description).cell_len if description else 0) + GAP


def importance(action: str, of_app: bool) -> int:
    """Sort key: screen and widget actions (0) before the app's (``of_app``), which go in ``APP_KEYS`` order (the
    deploy screen's own ``export`` is the screen's, not the app's)."""
    name = action.removeprefix("app.")
    return APP_KEYS.index(name) + 1 if of_app and name in APP_KEYS else 0


def fitting(keys: list[tuple[int, int]], width: int) -> set[int]:
    """Indexes of ``keys`` ((importance, columns) in display order) to show in ``width`` columns: the most important
    first (stable: among equals, the first shown), each added only while the total fits."""
    shown: set[int] = set()
    used = 0
    for index in sorted(range(len(keys)), key=lambda i: keys[i][0]):
        if used + keys[index][1] <= width:
            shown.add(index)
            used += keys[index][1]
    return shown


class KeyFooter(Footer):
    """A compact ``Footer`` that shows the keys that fit whole, the most important ones first (see module doc)."""

    def __init__(self) -> None:
        super().__init__(compact=True)
        self._width = 0

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        active = self.screen.active_bindings
        bindings, seen = [], set()
        for node, binding, enabled, tooltip in active.values():
            if binding.show and binding.action not in seen:  # one key per action, as Footer shows
                seen.add(binding.action)
                bindings.append((binding, enabled, tooltip, node is self.app))
        palette = None
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        width = self.app.size.width
        if palette is not None:
            width -= key_width(self.app.get_key_display(palette.binding), palette.binding.description) + PALETTE_EXTRA
        self._width = self.app.size.width
        sizes = [(importance(b.action, of_app), key_width(self.app.get_key_display(b), b.description))
                 for b, _, _, of_app in bindings]
        shown = fitting(sizes, width)
        for index, (binding, enabled, tooltip, _) in enumerate(bindings):
            if index in shown:
                yield FooterKey(binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                                disabled=not enabled, tooltip=tooltip).data_bind(compact=Footer.compact)
        if palette is not None:
            _, binding, enabled, _ = palette
            yield FooterKey(binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                            classes="-command-palette", disabled=not enabled,
                            tooltip=binding.tooltip or binding.description)

    def on_resize(self) -> None:
        if self._bindings_ready and self.app.size.width != self._width:
            self.call_after_refresh(self.recompose)
