"""User trial 18, the TUI: no export while an answer is invalid (it saved the last valid values silently); model ids
cut at their end, not their front (``…flash no-think``), at 80 x 24 and 120 x 40; table rows at 60 x 20."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from test_tui import make_app, paste_into, settle, until  # noqa: E402

from advisor import api  # noqa: E402
from advisor.domain.workload import PRESETS  # noqa: E402
from advisor.tui.widgets.names import distinct_cuts  # noqa: E402
from advisor.tui.widgets.ranking_table import RankingTable  # noqa: E402


async def test_export_is_refused_while_an_answer_is_invalid(tmp_path, monkeypatch):
    from advisor.tui.screens.dialogs import ExportDialog

    monkeypatch.chdir(tmp_path)
    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await paste_into(pilot, "input_tokens", "12k")
        await until(pilot, lambda: app.main.invalid is not None)
        app.screen.query_one(RankingTable).focus()
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        await app.workers.wait_for_complete()
        assert not isinstance(app.screen, ExportDialog) and app.exported_path is None
        said = [n for n in app._notifications if n.title == "Not exported"]
        assert said and "Input tokens is not valid" in said[-1].message and "whole number" in said[-1].message
        assert not list(tmp_path.iterdir())
        # fixed: ctrl+s asks for the path again
        await paste_into(pilot, "input_tokens", "1200")
        await settle(pilot)
        assert app.main.invalid is None
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog))


async def test_quit_then_export_is_refused_too_while_an_answer_is_invalid():
    from advisor.tui.screens.dialogs import QuitDialog

    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await paste_into(pilot, "requests_per_day", "50000")
        await settle(pilot)
        await paste_into(pilot, "input_tokens", "-5")
        await until(pilot, lambda: app.main.invalid is not None)
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, QuitDialog))
        app.screen.dismiss("export")
        await pilot.pause(0.2)
        await app.workers.wait_for_complete()
        assert app.is_running and app.exported_path is None
        assert any(n.title == "Not exported" for n in app._notifications)


def _model_cells(app) -> list[tuple[str, str]]:
    table = app.screen.query_one(RankingTable)
    col = table.shown.index("model")
    out = []
    for c in app.recommendation.candidates[:table.row_count - 1]:
        try:
            out.append((c.model, str(table.get_row(str(c.rank))[col])))
        except Exception:  # past the rows drawn
            continue
    return out


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
@pytest.mark.parametrize("preset", ["bursty-app", "batch-pipeline"])
async def test_model_ids_keep_their_start(size, preset):
    """Every cut id starts as the id does (its family), never with the sign; at 120 x 40 a tagged row's id keeps
    at least 11 characters, so deepseek-v4-flash reads as itself, not ``…flash`` or ``dee…f…``."""
    app = make_app(workload=PRESETS[preset])
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        cells = _model_cells(app)
        assert cells
        for model, cell in cells:
            assert not cell.startswith("…") and cell[:3] == model[:3], (model, cell)
        if size == (120, 40):
            for model, cell in cells:
                name = cell.rsplit(" ", 1)[0] if cell.endswith("think") else cell
                assert name == model or len(name) >= 11, (model, cell)
            flash = [cell for model, cell in cells if model == "deepseek-v4-flash"]
            assert flash and all("flash" in cell or "deepseek-v4" in cell for cell in flash), flash


async def test_at_60x20_the_table_shows_rows():
    app = make_app(workload=PRESETS["bursty-app"])
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(RankingTable)
        assert app.screen.has_class("-cramped")
        assert table.region.height >= 6  # the header and at least five rows (was the header alone)
        assert table.row_count > 5


def test_cut_ids_keep_their_start_and_stay_distinct():
    ids = {m.id for m in api.models()}
    for width in range(6, 18):
        cuts = distinct_cuts(ids, width)
        assert len(set(cuts.values())) == len(ids), width
        assert all(len(v) <= width and v[:2] == k[:2] and not v.startswith("…") for k, v in cuts.items()), width
    cuts = distinct_cuts({"deepseek-v4-flash", "deepseek-v4-pro", "deepseek-v3", "qwen3-30b-a3b"}, 11)
    assert cuts["qwen3-30b-a3b"] == "qwen3-30b-…"  # no clash: cut at the end
    assert cuts["deepseek-v4-flash"].endswith("flash") and cuts["deepseek-v4-pro"].endswith("pro")
