"""Fixes from a newcomer's review of the interactive advisor, driven in tmux at 120x40 and 80x24: fast typing
that raced the ranking, the summary and the table describing different workloads, and text cut without a sign."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from test_tui import make_app, settle, until
from textual import events
from textual.widgets import Input

from advisor.domain.workload import PRESETS


def burst(app, keys: str | list[str]) -> None:
    """Keys as a terminal delivers them when typed quickly: all queued before the app handles any."""
    for key in keys:
        char = {"ctrl+a": "\x01", "ctrl+k": "\x0b", "minus": "-"}.get(key, key if len(key) == 1 else None)
        app.post_message(events.Key(key, char))


async def test_fast_typing_after_ctrl_a_ctrl_k_keeps_what_was_typed():
    """ctrl+a ctrl+k then "-3" at once: the field reads "-3", never empty (the editing keys ran after the typed
    ones when they were bindings handled on the way up through busy message queues)."""
    app = make_app(workload=PRESETS["heavy-fine-tuning"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        field = app.main.query_one("#max_gpus", Input)
        field.focus()
        field.value = "5"
        await settle(pilot)
        for _ in range(5):
            burst(app, ["ctrl+a", "ctrl+k", "minus", "3"])
            await until(pilot, lambda: not app.pending and app._last_values == app.main.form.values())
            await pilot.pause(0.05)
            assert field.value == "-3"
            burst(app, ["ctrl+a", "ctrl+k", "5"])
            await settle(pilot)
            assert field.value == "5"
