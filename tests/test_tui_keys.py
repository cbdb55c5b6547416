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
        await settle(pilot)  # the ranking of that edit comes back before the app closes


def footer_keys(screen) -> tuple[list[str], int]:
    """The keys the screen's footer shows (``^q`` ...), and how many columns they and the palette key overlap or
    run past the screen's right edge (0 when every key shows whole)."""
    from textual.widgets._footer import FooterKey

    keys = list(screen.query(FooterKey))
    palette = [k for k in keys if k.has_class("-command-palette")]
    others = [k for k in keys if not k.has_class("-command-palette")]
    edge = palette[0].region.x if palette else screen.size.width
    past = max([0] + [k.region.right - edge for k in others] + [k.region.right - screen.size.width for k in palette])
    return [k.key_display for k in others], past


async def shown_keys(pilot, screen_type) -> list[str]:
    await until(pilot, lambda: isinstance(pilot.app.screen, screen_type) and footer_keys(pilot.app.screen)[0])
    await pilot.pause(0.1)
    keys, past = footer_keys(pilot.app.screen)
    assert past <= 0, (screen_type.__name__, keys, past)
    return keys


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_at_80x24_each_screen_shows_its_own_keys_help_and_quit_whole(size):
    """Textual's footer let the edge cut its keys mid-word at 80 columns (``f3 Reje`` on the breakdown, ``^q Qui``
    and no f1 on the deploy files, ``f2 P`` and no ctrl+r with the ranking focused); every screen now shows its own
    keys, then help, quit and the app's keys that fit, each whole."""
    from advisor.tui.screens.breakdown import BreakdownScreen, CompareScreen
    from advisor.tui.screens.deploy import DeployScreen
    from advisor.tui.screens.help import HelpScreen
    from advisor.tui.screens.main import MainScreen
    from advisor.tui.screens.prices import PricesScreen
    from advisor.tui.screens.rejected import RejectedScreen

    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        app_keys = {"^q", "f1", "^s", "f2", "f3", "^r", "^b"}
        assert set(await shown_keys(pilot, MainScreen)) == app_keys  # the questions focused: every app key
        await pilot.press("ctrl+r")
        table_keys = await shown_keys(pilot, MainScreen)
        assert {"⏎", "c", "s", "d", "f1", "^q", "^r"} <= set(table_keys)  # ^r: back to the questions it hides
        assert table_keys[:4] == ["⏎", "c", "s", "d"]
        if size[0] >= 120:
            assert app_keys <= set(table_keys)
        await pilot.press("enter")
        assert {"esc", "d", "f1", "^q", "f3"} <= set(await shown_keys(pilot, BreakdownScreen))
        await pilot.press("d")
        assert {"esc", "1", "2", "3", "4", "e", "f1", "^q"} <= set(await shown_keys(pilot, DeployScreen))
        await pilot.press("escape", "escape")
        await pilot.press("c", "down", "c")
        assert {"esc", "x", "f1", "^q"} <= set(await shown_keys(pilot, CompareScreen))
        await pilot.press("escape", "f2")
        prices = set(await shown_keys(pilot, PricesScreen))
        assert {"esc", "r", "f1", "^q", "^s"} <= prices and "f2" not in prices  # not the key of the screen shown
        await pilot.press("f2")  # it does nothing there
        assert len(app.screen_stack) == 2
        await pilot.press("escape", "f3")
        rejected = set(await shown_keys(pilot, RejectedScreen))
        assert {"esc", "f1", "^q"} <= rejected and "f3" not in rejected
        await pilot.press("f3")  # the same screen is not opened again on top of itself
        await pilot.pause(0.1)
        assert len(app.screen_stack) == 2
        await pilot.press("escape", "f1")
        assert await shown_keys(pilot, HelpScreen) == ["esc"]  # the keys below do not work behind the dialog


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_preset_keys_are_never_split_across_lines(size):
    """Under the Preset field, "← → another preset" is one line whole for every preset, at 80 and 120 columns
    (after the description it wrapped as ``steady traffic · ←`` above ``→ another preset``)."""
    from test_tui_review_fixes import burst

    app = make_app(workload=PRESETS["bursty-app"])
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        form = app.main.form
        hint = form.query_one("#hint-preset")
        seen = set()
        for _ in PRESETS:
            name = form.query_one("#preset").value
            seen.add(name)
            await pilot.pause(0.1)
            lines = [hint.render_line(y).text.strip() for y in range(hint.size.height)]
            keys = [line for line in lines if "←" in line or "→" in line]
            assert len(keys) == 1 and keys[0].endswith("← → another preset"), (name, lines)
            burst(app, ["right"])
            await until(pilot, lambda name=name: form.query_one("#preset").value != name)
            await settle(pilot)
        assert seen == set(PRESETS)
