"""User trial 34, the TUI after the form gained its constraint fields: keys typed right after Export… at the quit
question lost, the suggested report path added to instead of replaced, the form scrolled away from Mode by a
re-check of another field, and the notes that named file keys the form edits."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from test_tui import make_app, paste_into, settle, until  # noqa: E402
from test_tui_review_fixes import burst  # noqa: E402

from advisor.domain.workload import PRESETS  # noqa: E402


async def test_export_chosen_at_the_quit_question_takes_the_keys_typed_after_it(tmp_path):
    """ctrl+q, e, a path and enter typed in one burst after an edit: the report is written there and the app quits.
    The question and then the export dialog were pushed by workers a moment after their keys, and every key after
    ``e`` was lost (the dialog opened with its suggestion; nothing was written)."""
    target = tmp_path / "on-quit.toml"
    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await paste_into(pilot, "requests_per_day", "5000000")
        await settle(pilot)
        assert app.unsaved
        burst(app, ["ctrl+q", "e", *str(target), "enter"])
        await until(pilot, lambda: target.exists() or app.return_code is not None, timeout_s=20)
        await pilot.pause(0.2)
        assert target.exists(), "the keys after e did not reach the export dialog"
        assert "requests_per_day = 5000000" in target.read_text() or "5000000" in target.read_text()
    assert app.return_code == 0


async def test_typing_a_path_replaces_the_suggested_one(tmp_path):
    """ctrl+s and a path typed at once (no ctrl+a ctrl+k first): the report goes to that path. The suggestion was
    kept with the cursor at its end, so the typed path was appended ("…custom.toml/tmp/…/a.toml": no such
    directory). → keeps the suggestion for editing."""
    from advisor.tui.screens.dialogs import ExportDialog

    target = tmp_path / "typed.toml"
    app = make_app(workload=PRESETS["batch-pipeline"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        burst(app, ["ctrl+s", *str(target), "enter"])
        await until(pilot, lambda: target.exists() or (isinstance(app.screen, ExportDialog)
                                                       and "✗" in str(app.screen.query_one("#export-error").render())))
        await app.workers.wait_for_complete()
        assert target.exists() and app.exported_path == target.resolve()

        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog))
        field = app.screen.query_one("#export-path")
        assert field.value == str(target.resolve())
        await pilot.press("right", "backspace", "backspace", "backspace", "backspace", "x")  # an arrow ends the
        assert field.value == str(target.resolve())[:-4] + "x"  # selection: the suggestion is edited, not replaced
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ExportDialog))
