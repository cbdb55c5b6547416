"""A text field whose editing keys act in the order they are typed (the questions and the export dialog)."""

from __future__ import annotations

from textual import events
from textual.widgets import Input


async def run_own_binding(widget, event: events.Key, printable_too: bool = False) -> None:
    """Run ``widget``'s own binding for ``event`` now, when the key reaches it, rather than once the key has bubbled up
    to the app (where a focus change typed after it may already have moved the focus): ``FieldInput``'s editing keys,
    ``Choice``'s ← → space."""
    bindings = widget._bindings.key_to_bindings.get(event.key)
    if bindings and (printable_too or not event.is_printable):
        event.stop()
        event.prevent_default()  # the widget's default key handling is not run either: the key is handled
        await widget.run_action(bindings[0].action)


class FieldInput(Input):
    """An Input whose editing keys (ctrl+a, ctrl+k, ←, backspace, …) act in the order they were typed.

    Textual runs a widget's key bindings only after the key has bubbled up to the app through every ancestor's
    message queue, while a printable key is inserted at once by the widget itself (``Input._on_key``). With the app
    busy (a ranking coming back, a field marked invalid), ``ctrl+a ctrl+k - 3`` typed quickly inserted "-3" first
    and then cleared it: the field ended empty, about half the time. Here the widget's own bindings run when the key
    reaches it, before the keys typed after it."""

    async def _on_key(self, event: events.Key) -> None:
        await run_own_binding(self, event)
