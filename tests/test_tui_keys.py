"""Keys typed quickly (a burst, as a terminal delivers them) and the key hints the footer shows at 80x24."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from test_tui import make_app, settle, until
from test_tui_review_fixes import burst
from textual.widgets import Input

from advisor.domain.workload import PRESETS


async def test_digits_typed_right_after_tab_land_in_the_next_field():
    """Tab then "71" in one burst: the digits go to the field Tab moved to, never to the one it left (Tab was a
    screen binding run once the key had bubbled back up to the app, after the digits were already handed to the
    field still focused; in tmux, `send-keys Tab 72` wrote 72 into the previous field four times out of four)."""
    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        form = app.main.form
        order = ["requests_per_day", "input_tokens", "output_tokens"]
        before = {name: form.query_one(f"#{name}", Input).value for name in order}
        assert app.focused.id == "preset"
        for i, name in enumerate(order):
            burst(app, ["tab", "7", str(i)])
            await until(pilot, lambda name=name, i=i: form.query_one(f"#{name}", Input).value == f"7{i}", timeout_s=3)
            assert app.focused.id == name
        await settle(pilot)
        values = {name: form.query_one(f"#{name}", Input).value for name in order}
        assert values == {name: f"7{i}" for i, name in enumerate(order)}, before

        # shift+tab the same way: back to the previous field, which gets the digits.
        burst(app, ["shift+tab", "9"])
        await until(pilot, lambda: form.query_one("#input_tokens", Input).value == "9", timeout_s=3)
        assert form.query_one("#output_tokens", Input).value == "72"
