"""The interactive advisor, driven with Textual's Pilot (App.run_test) over the real engine and catalogs.

Flows: answer the questions, watch the ranking change, open a breakdown, compare, export (with the
overwrite confirmation), refresh prices with a failing source, quit with an unsaved recommendation.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

pytest.importorskip("textual")

from textual.widgets import DataTable, Input, Static  # noqa: E402

from advisor.tui.app import AdvisorApp  # noqa: E402
from advisor.tui.messages import RankingReady  # noqa: E402
from advisor.tui.services import RefreshRow, Services  # noqa: E402
from advisor.tui.widgets.choice import Choice  # noqa: E402
from advisor.tui.widgets.ranking_table import RankingTable  # noqa: E402
from advisor.domain.workload import PRESETS, Workload  # noqa: E402

SIZE = (120, 40)


def _settled(app) -> bool:
    """The app has taken in the answers now in the form, and ranked them (or marked them invalid)."""
    main = app.main
    return (main.form.complete and app._last_values is not None and app._last_values == main.form.values()
            and not app.pending)


async def settle(pilot, timeout_s: float = 60.0) -> None:
    """Wait until the answers in the form are ranked and on screen (debounce, worker, message)."""
    app = pilot.app
    for _ in range(int(timeout_s / 0.02)):
        await pilot.pause(0.02)
        if _settled(app):
            break
    await app.workers.wait_for_complete()
    await pilot.pause()
    workers = [(w.name, w.group, w.state.name) for w in app.workers]
    assert not app.pending, f"the ranking did not finish: generation {app._generation}, workers {workers}"


async def until(pilot, condition, timeout_s: float = 10.0) -> None:
    """Let the app run until ``condition()`` holds (messages hop widget -> screen -> app)."""
    for _ in range(int(timeout_s / 0.02)):
        if condition():
            return
        await pilot.pause(0.02)
    assert condition()


async def type_into(pilot, field: str, text: str) -> None:
    """Replace a field's text by typing, as a user would."""
    inp = pilot.app.screen.query_one(f"#{field}", Input)
    inp.focus()
    await pilot.pause()
    inp.value = ""
    await pilot.press(*text)


def plain(widget: Static, width: int = 120) -> str:
    """What a Static shows, as plain text (it may hold a Rich renderable)."""
    from rich.console import Console

    console = Console(width=width, record=True, file=__import__("io").StringIO())
    console.print(widget.content)
    return console.export_text()


async def paste_into(pilot, field: str, text: str) -> None:
    """Replace a field's text in one change (a paste)."""
    inp = pilot.app.screen.query_one(f"#{field}", Input)
    inp.focus()
    inp.value = text
    await pilot.pause()


def hint(app, field: str) -> Static:
    return app.screen.query_one(f"#hint-{field}", Static)


def make_app(**kw) -> AdvisorApp:
    return AdvisorApp(cursor_blink=False, **kw)


# --------------------------------------------------------------------------- start and the headless core


def test_headless_core_never_imports_textual():
    """Every module outside advisor.tui (and advisor.tui.services) imports without Textual."""
    code = (
        "import importlib, pkgutil, sys, advisor\n"
        "names = [m.name for m in pkgutil.walk_packages(advisor.__path__, 'advisor.')\n"
        "         if not m.name.startswith('advisor.tui') and m.name != 'advisor.__main__']\n"
        "names.append('advisor.tui.services')\n"
        "for n in names: importlib.import_module(n)\n"
        "bad = [m for m in sys.modules if m == 'textual' or m.startswith('textual.')]\n"
        "print(len(names), bad); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_no_command_without_a_terminal_prints_the_summary():
    code = ("import sys\nfrom advisor.cli import main\nrc = main([])\n"
            "print('TEXTUAL' if 'textual' in sys.modules else 'LIGHT', rc)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    assert "moe-advisor recommend" in proc.stdout and proc.stdout.rstrip().endswith("LIGHT 0")


async def test_first_screen_shows_questions_and_a_ranking():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(RankingTable)
        assert table.row_count == len(app.recommendation.candidates) > 0
        assert [str(c.label) for c in table.columns.values()][:4] == ["#", "$/M tok", "monthly", "model"]
        assert app.focused is app.screen.query_one("#preset", Choice)
        status = str(app.screen.query_one("#status", Static).render())
        assert "ranked" in status and "rejected" in status


# --------------------------------------------------------------------------- answering the questions


async def test_ranking_changes_when_traffic_changes():
    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = app.recommendation
        assert before.workload.requests_per_day == 40_000
        await type_into(pilot, "requests_per_day", "4000000")
        await settle(pilot)
        after = app.recommendation
        assert after.workload.requests_per_day == 4_000_000
        assert after.candidates[0].monthly_cost_usd > before.candidates[0].monthly_cost_usd
        table = app.screen.query_one(RankingTable)
        assert table.recommendation is after and table.row_count == len(after.candidates)


async def test_typing_is_debounced_and_stale_results_are_dropped():
    calls: list[Workload] = []

    class Counting(Services):
        def recommend(self, w):
            calls.append(w)
            return super().recommend(w)

    app = make_app(services=Counting(), debounce_s=2.0)  # generous: a loaded test machine types slowly
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = len(calls)
        await type_into(pilot, "requests_per_day", "123456")
        await until(pilot, lambda: app.pending and app._last_values["requests_per_day"] == "123456")
        assert len(calls) == first, "nothing ranked while typing"
        await settle(pilot)
        assert len(calls) - first == 1, "one ranking for a burst of keystrokes"
        assert calls[-1].requests_per_day == 123_456
        current = app.recommendation
        late = dataclasses.replace(current, evaluated=-1)
        app.post_message(RankingReady(app._generation - 1, late))  # an older answer arriving late
        await pilot.pause()
        await pilot.pause()
        assert app.recommendation is current


async def test_a_preset_fills_the_form_in_one_keystroke():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#preset", Choice).focus()
        await pilot.press("right")
        await settle(pilot)
        name = app.screen.query_one("#preset", Choice).value
        preset = PRESETS[name]
        assert app.screen.query_one("#requests_per_day", Input).value == f"{preset.requests_per_day:.0f}"
        assert app.screen.query_one("#peak_to_mean", Input).value == f"{preset.peak_to_mean:g}"
        assert app.recommendation.workload == preset


async def test_invalid_input_is_marked_at_the_field_with_the_reason():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        good = app.recommendation
        await paste_into(pilot, "input_tokens", "12k")  # typed slowly, "1" and "12" would be ranked on the way
        await until(pilot, lambda: hint(app, "input_tokens").has_class("-error"))
        assert "whole number" in str(hint(app, "input_tokens").render())
        assert app.screen.query_one("#label-input_tokens").has_class("-error")
        status = str(app.screen.query_one("#status", Static).render())
        assert "check Input tokens" in status
        assert f"the ranking is for the last valid answers (Input tokens {good.workload.input_tokens:,})" in status  # which value
        assert app.recommendation is good  # the last valid ranking stays
        await type_into(pilot, "input_tokens", "1200")
        await settle(pilot)
        assert not hint(app, "input_tokens").has_class("-error")
        assert app.recommendation.workload.input_tokens == 1200


async def test_cross_field_and_catalog_errors_name_their_field():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_into(pilot, "context_max_tokens", "500")
        await until(pilot, lambda: hint(app, "context_typical_tokens").has_class("-error"))  # typical 2,000 > max 500
        assert "exceeds" in str(hint(app, "context_typical_tokens").render())
        await type_into(pilot, "context_typical_tokens", "400")
        await until(pilot, lambda: hint(app, "context_max_tokens").has_class("-error"))
        assert not hint(app, "context_typical_tokens").has_class("-error")
        assert "shorter than a mean request" in str(hint(app, "context_max_tokens").render())
        await type_into(pilot, "context_max_tokens", "8192")
        await type_into(pilot, "gpu_types", "h1000")
        await settle(pilot)
        await until(pilot, lambda: hint(app, "gpu_types").has_class("-error"))
        assert "unknown gpu 'h1000'" in str(hint(app, "gpu_types").render())
        await type_into(pilot, "precisions", "fp9")
        await until(pilot, lambda: hint(app, "precisions").has_class("-error"))


async def test_batch_latency_swaps_the_targets_for_a_deadline():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not app.screen.query_one("#row-ttft_ms").has_class("-off")
        assert app.screen.query_one("#row-deadline_hours").has_class("-off")
        app.screen.query_one("#latency", Choice).focus()
        await pilot.press("right")
        await settle(pilot)
        assert app.screen.query_one("#row-ttft_ms").has_class("-off")
        assert not app.screen.query_one("#row-deadline_hours").has_class("-off")
        assert app.recommendation.workload.latency == "batch"


async def test_shape_sets_its_peak_to_mean():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#traffic_shape", Choice).focus()
        await pilot.press("right", "right")  # steady -> diurnal -> bursty
        await settle(pilot)
        assert app.screen.query_one("#peak_to_mean", Input).value == "6"
        assert app.recommendation.workload.traffic_shape == "bursty"


# --------------------------------------------------------------------------- the ranking, breakdown, compare


async def test_sorting_the_ranking():
    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(RankingTable)
        table.focus()
        await pilot.press("s")  # rank -> $/M tokens
        assert table.sort_key == "usd_per_mtok"
        await pilot.press("s", "s", "s")  # -> monthly -> model -> quality (best first): the columns' order
        assert table.sort_key == "quality"
        first = table.get_row_at(0)
        qualities = [c.quality for c in app.recommendation.candidates if c.quality is not None]
        assert float(str(first[4])) == max(qualities)
        await pilot.press("S")
        assert table.sort_reverse
        assert float(str(table.get_row_at(0)[4])) == min(qualities)
        table.sort_by("rank", reverse=False)
        assert str(table.get_row_at(0)[0]) == "1"


async def test_ctrl_r_jumps_between_questions_and_ranking():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#input_tokens").focus()
        await pilot.press("ctrl+r")
        assert isinstance(app.focused, RankingTable)
        await pilot.press("ctrl+r")
        assert app.focused is app.screen.query_one("#input_tokens")


async def test_ctrl_b_gives_the_ranking_the_full_width():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        form = app.screen.query_one("#form")
        before = app.screen.query_one(RankingTable).size.width
        await pilot.press("ctrl+b")
        await until(pilot, lambda: not form.display)
        assert isinstance(app.focused, RankingTable)
        assert app.screen.query_one(RankingTable).size.width > before
        await pilot.press("ctrl+b")
        await until(pilot, lambda: form.display)


async def test_breakdown_of_a_self_hosted_candidate():
    from advisor.tui.screens.breakdown import BreakdownScreen
    from advisor.tui.widgets.cost_plot import CostPlot
    from advisor.tui.widgets.memory_bar import MemoryBar

    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one(RankingTable).focus()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, BreakdownScreen))
        screen = app.screen
        assert isinstance(screen, BreakdownScreen)
        best = app.recommendation.candidates[0]
        assert screen.candidate == best and best.deployment == "self-hosted"
        assert screen.query_one(MemoryBar).memory == best.memory
        plot = screen.query_one(CostPlot)
        assert plot.curve is not None and abs(plot.curve.point_utilization_pct - best.utilization * 100) < 1e-9
        # the API line is the break-even's comparator; no per-token API serves this preset's LoRA-tuned model
        assert plot.curve.api_usd_per_mtok is None and not best.break_even_vs
        reasons = str(screen.query_one("#bd-reasons", Static).render())
        assert best.reasons[0].message in reasons.replace("\n", " ")
        targets = screen.query_one("#bd-targets", Static)
        assert "TTFT" in str(app.screen.query_one("#bd-targets").render()) or targets is not None
        from advisor.tui.screens.deploy import DeployScreen

        await pilot.press("d")  # the launch configs of the candidate shown, from its breakdown too
        await until(pilot, lambda: isinstance(app.screen, DeployScreen))
        assert app.screen.candidate == best
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, BreakdownScreen))
        await pilot.press("escape")
        assert not isinstance(app.screen, BreakdownScreen)


async def test_breakdown_of_an_api_candidate_has_no_memory_or_curve():
    from advisor.tui.widgets.cost_plot import CostPlot

    from advisor.tui.screens.breakdown import BreakdownScreen

    app = make_app(workload=Workload())  # the bare defaults: APIs rank first
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        best = app.recommendation.candidates[0]
        assert best.deployment == "api"
        app.open_breakdown(best)
        await until(pilot, lambda: isinstance(app.screen, BreakdownScreen))
        await pilot.pause()
        assert not app.screen.query(CostPlot)  # no half screen of empty plot (#9)
        assert not app.screen.query("#bd-memory")
        assert "the same at any utilization" in plain(app.screen.query_one("#bd-utilization", Static))


async def test_compare_two_candidates():
    from advisor.tui.screens.breakdown import CompareScreen

    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(RankingTable)
        table.focus()
        await pilot.press("c")
        assert table.marked == 1
        await pilot.press("down", "down", "c")
        await until(pilot, lambda: isinstance(app.screen, CompareScreen))
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        assert (screen.first.rank, screen.second.rank) == (1, 3)
        text = plain(screen.query_one("#cmp-table", Static))
        assert "$/M tokens" in text and "quality" in text and "#1 " in text and "#3 " in text
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, CompareScreen) and app.screen.first.rank == 3)
        assert (app.screen.first.rank, app.screen.second.rank) == (3, 1)


async def test_rejected_options_show_why():
    from advisor.tui.screens.rejected import RejectedScreen

    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, RejectedScreen))
        assert isinstance(app.screen, RejectedScreen)
        assert app.screen.query_one(DataTable).row_count == len(app.recommendation.rejected)
        first = app.screen.rejections[0]
        assert first.reasons[0].message in str(app.screen.query_one("#rejected-detail", Static).render()).replace("\n", " ")
        # A mode's reason starts with "[reasoning]": shown as written, not read as markup and dropped
        table = app.screen.query_one(DataTable)
        i = next(i for i, r in enumerate(app.screen.rejections) if r.reasons and r.reasons[0].message.startswith("["))
        cell = table.get_row_at(i)[1]
        from rich.text import Text

        shown = cell if isinstance(cell, Text) else Text.from_markup(cell)  # a str cell is drawn as markup
        assert shown.plain.startswith(app.screen.rejections[i].reasons[0].message[:12])


# --------------------------------------------------------------------------- export


async def test_export_writes_toml_and_confirms_before_overwriting(tmp_path):
    from advisor.tui.screens.dialogs import ConfirmDialog, ExportDialog

    target = tmp_path / "plan.toml"
    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog))
        assert isinstance(app.screen, ExportDialog)
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert target.exists()
        data = tomllib.loads(target.read_text())
        assert data["workload"]["requests_per_day"] == 40_000
        assert app.exported_path == target.resolve()
        assert any(str(target.resolve()) in n.message for n in app._notifications)
        first_text = target.read_text()

        # again: the file exists, so it asks; "n" keeps the file and returns to the path dialog
        await type_into(pilot, "requests_per_day", "50000")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog))
        assert isinstance(app.screen, ExportDialog) and app.screen.query_one(Input).value == str(target.resolve())
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog))
        assert isinstance(app.screen, ExportDialog)
        assert "kept as it is" in str(app.screen.query_one("#export-error", Static).render())
        assert target.read_text() == first_text
        # confirm this time
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert tomllib.loads(target.read_text())["workload"]["requests_per_day"] == 50_000
        assert not app.unsaved


async def test_export_to_a_bad_path_shows_the_reason_in_the_dialog(tmp_path):
    from advisor.tui.screens.dialogs import ExportDialog

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog))
        app.screen.query_one(Input).value = str(tmp_path / "missing" / "r.toml")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog)
                    and "does not exist" in str(app.screen.query_one("#export-error", Static).render()))
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ExportDialog))
        assert app.exported_path is None and app.is_running


# --------------------------------------------------------------------------- quit


async def test_quit_asks_before_losing_an_unexported_recommendation(tmp_path):
    from advisor.tui.screens.dialogs import QuitDialog

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_into(pilot, "requests_per_day", "777")
        await settle(pilot)
        assert app.unsaved
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, QuitDialog))
        assert isinstance(app.screen, QuitDialog)
        await pilot.press("escape")  # stay
        await until(pilot, lambda: not isinstance(app.screen, QuitDialog))
        assert app.is_running
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, QuitDialog))
        await pilot.click("#quit-quit")
        await pilot.pause()
    assert app.return_code == 0


async def test_ctrl_q_again_at_the_question_quits():
    """User trial 24: a newcomer presses ctrl+q twice; the second did nothing (only q quit)."""
    from advisor.tui.screens.dialogs import QuitDialog

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_into(pilot, "requests_per_day", "777")
        await settle(pilot)
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, QuitDialog))
        await pilot.press("ctrl+q")
        await until(pilot, lambda: not app.is_running)
    assert app.return_code == 0


async def test_quit_without_changes_does_not_ask():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not app.unsaved
        await pilot.press("ctrl+q")
        await until(pilot, lambda: not app.is_running)


# --------------------------------------------------------------------------- prices and plugins


async def test_prices_screen_lists_sources_and_plugins():
    from advisor.tui.screens.prices import PricesScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await app.workers.wait_for_complete()
        await until(pilot, lambda: isinstance(app.screen, PricesScreen))
        screen = app.screen
        assert isinstance(screen, PricesScreen)
        sources = screen.query_one("#sources", DataTable)
        assert sources.row_count > 5
        assert screen.query_one("#plugins", DataTable).row_count > 5
        status = str(screen.query_one("#sources-status", Static).render())
        assert "sources" in status
        from advisor.prices.book import STALE_AFTER_DAYS

        # the threshold is on screen, stale or not: "none stale (oldest 107 days; stale after 120)" or "older than 120 days"
        assert f"stale after {STALE_AFTER_DAYS})" in status or f"older than {STALE_AFTER_DAYS} days" in status


async def test_refresh_prices_with_a_failing_source(monkeypatch):
    """Real advisor.refresh.refresh loop (progress, one result per source), with the network replaced:
    the first live source answers, the second fails. The failure is shown with its error, the
    app keeps going and ranks again."""
    from advisor.prices import refresh
    from advisor.tui.screens.prices import PricesScreen

    seen: list[str] = []

    def fake_refresh_source(src, catalog, **kw):
        seen.append(src.name)
        if len(seen) == 1:
            return refresh.RefreshResult(source=src.name, status="ok", prices=12, message="12 prices from example.test",
                                      now_using="live")
        return refresh.RefreshResult(source=src.name, status="failed", error="HTTP 503 from example.test",
                                  message="HTTP 503 from example.test; using the bundled snapshot", now_using="snapshot")

    monkeypatch.setattr(refresh, "refresh_source", fake_refresh_source)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = app._generation
        await pilot.press("f2")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await until(pilot, lambda: app.screen.query_one("#refresh-results", DataTable).row_count >= 2)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PricesScreen) and len(seen) >= 2
        results = screen.query_one("#refresh-results", DataTable)
        rows = [results.get_row_at(i) for i in range(results.row_count)]
        assert [str(r[1]) for r in rows][:2] == ["✓ updated", "✗ failed"]
        assert "HTTP 503" in str(rows[1][3])
        status = str(screen.query_one("#refresh-status", Static).render())
        assert f"1 of {len(seen)} sources refreshed" in status and f"✗ {seen[1]}: HTTP 503" in status
        assert app.is_running and app._generation > before  # ranked again with the new prices
        assert not screen.refreshing


async def test_the_palette_refresh_opens_prices_and_refreshes():
    from advisor.tui.screens.prices import PricesScreen

    class Canned(Services):
        def refresh_prices(self, progress):
            progress("azure", 0, 1)
            progress("azure", 1, 1)
            return [RefreshRow("azure", "ok", 4, "4 prices from example.test", "live")]

    app = make_app(services=Canned())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.run_action("prices(True)")
        await until(pilot, lambda: isinstance(app.screen, PricesScreen)
                    and any(t.row_count == 1 for t in app.screen.query("#refresh-results").results(DataTable)))
        assert "1 of 1 sources refreshed" in str(app.screen.query_one("#refresh-status", Static).render())


async def test_a_refresh_that_raises_is_reported_not_fatal():
    from advisor.tui.screens.prices import PricesScreen

    class Broken(Services):
        def refresh_prices(self, progress):
            progress("openrouter", 0, 1)
            raise RuntimeError("proxy refused the connection")

    app = make_app(services=Broken())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await until(pilot, lambda: "proxy refused" in str(app.screen.query_one("#refresh-status", Static).render()))
        assert isinstance(app.screen, PricesScreen) and app.is_running
        assert any(n.severity == "error" and "proxy refused" in n.message for n in app._notifications)


async def test_a_ranking_that_raises_is_a_notification():
    class Broken(Services):
        def recommend(self, w):
            raise RuntimeError("engine exploded")

    app = make_app(services=Broken())
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(100):
            await pilot.pause(0.02)
            if app._notifications:
                break
        assert app.is_running
        assert any(n.severity == "error" and "engine exploded" in n.message for n in app._notifications)
        assert not app.pending


# --------------------------------------------------------------------------- help and the command palette


async def test_help_lists_the_keys():
    from advisor.tui.screens.help import HelpScreen, key_rows

    from advisor.tui.app import AdvisorApp

    rows = dict(key_rows(AdvisorApp.BINDINGS))
    keys = {k for group in rows.values() for k, _ in group}
    assert {"f1 / ?", "ctrl+s", "f2", "f3", "ctrl+r", "ctrl+b", "ctrl+q", "enter", "c", "s", "S", "x", "r"} <= keys
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, HelpScreen))
        assert not isinstance(app.screen, HelpScreen)


async def test_command_palette_offers_the_main_actions():
    from textual.command import CommandPalette

    from advisor.tui.screens.prices import PricesScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"prices and plugins")
        for _ in range(50):
            await pilot.pause(0.02)
        await pilot.press("enter")
        await pilot.pause()
        await until(pilot, lambda: isinstance(app.screen, PricesScreen))
        assert isinstance(app.screen, PricesScreen)


def test_packaging_includes_the_stylesheet_and_subpackages():
    data = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert data["tool"]["setuptools"]["packages"]["find"]["include"] == ["advisor", "advisor.*"]
    for sub in ("", "screens", "widgets"):
        assert (Path(__file__).parents[1] / "advisor" / "tui" / sub / "__init__.py").is_file()
    assert data["tool"]["setuptools"]["package-data"]["advisor.tui"] == ["*.tcss"]
    assert (Path(__file__).parents[1] / "advisor" / "tui" / "app.tcss").exists()


# --------------------------------------------------------------------------- what a newcomer tripped on (issue 14)


class _Canned(Services):
    """The real engine, with one answer changed by ``edit(rec)``."""

    def __init__(self, edit) -> None:
        self.edit = edit

    def recommend(self, w: Workload):
        return self.edit(super().recommend(w))


async def test_after_a_preset_a_focused_field_is_replaced_not_appended_to():  # 1
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.action_preset("batch-pipeline")
        await settle(pilot)
        inp = app.screen.query_one("#requests_per_day", Input)
        assert inp.value == "1000000" and inp.cursor_position == len(inp.value)
        await pilot.press("tab")  # from the preset to the first question, as a user would
        assert app.focused is inp
        await pilot.press("2")
        assert inp.value == "2"  # not 10000002 or 10002000
        inp.value = "1000000"
        await settle(pilot)
        app.action_preset("steady-latency")  # a preset loaded while the field has the focus selects its new text
        await pilot.pause()
        await pilot.press("3")
        assert inp.value == "3"


async def test_a_new_ranking_or_a_sort_shows_the_first_row_and_why():  # 2
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(RankingTable)
        table.focus()
        await pilot.press("down", "down", "down")
        assert table.current.rank == 4
        app.action_preset("batch-pipeline")
        await settle(pilot)
        assert table.current.rank == 1 and table.cursor_row == 0
        detail = app.screen.query_one("#detail")
        assert "#1 " in detail.text.plain and "more than #1" not in detail.text.plain
        await pilot.press("down", "down", "s")  # rank -> $/M tok: back to the top row
        assert table.cursor_row == 0
        await pilot.press("s", "s", "s")  # -> monthly -> model -> quality, off screen at 80 columns: scrolled into view
        await pilot.pause()
        assert table.sort_key == "quality"
        keys = [c.key.value for c in table.ordered_columns]
        widths = [c.get_render_width(table) for c in table.ordered_columns]
        x = sum(widths[: keys.index("quality")]) - table.scroll_x
        assert x + widths[keys.index("quality")] <= table.scrollable_content_region.width
        assert "sorted by quality" in str(app.screen.query_one("#status", Static).render())


async def test_refresh_shows_feedback_and_says_when_nothing_was_refreshed():  # 3
    class AllFail(Services):
        def refresh_prices(self, progress):
            progress("openrouter", 0, 1)
            return [RefreshRow("openrouter", "failed", 0, "HTTP 503; using the bundled snapshot", "snapshot")]

    from advisor.tui.screens.prices import PricesScreen

    app = make_app(services=AllFail())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, PricesScreen))
        await app.workers.wait_for_complete()
        generation = app._generation
        await pilot.press("r")
        status = app.screen.query_one("#refresh-status", Static)
        assert any("Refreshing" in str(n.message) or "Refreshing" in n.title for n in app._notifications)
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = str(status.render())
        assert "No source refreshed" in text and "keeps the prices it had" in text
        assert "redone" not in text and app._generation == generation  # nothing new: no re-rank
        assert 0 <= status.region.y < 24  # on screen at 80x24
        sources = app.screen.query_one("#sources", DataTable)
        note = str(sources.get_cell("openrouter", "note"))
        assert "refresh failed" in note and "not refreshed yet" not in note


async def test_a_mistyped_provider_gets_did_you_mean():  # 4
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await paste_into(pilot, "providers", "runpd")
        await until(pilot, lambda: hint(app, "providers").has_class("-error"), timeout_s=30)
        assert "unknown provider 'runpd'. Did you mean: runpod?" in str(hint(app, "providers").render())
        assert "check Providers" in str(app.screen.query_one("#status", Static).render())
        await paste_into(pilot, "providers", "nope")
        await until(pilot, lambda: "'nope'" in str(hint(app, "providers").render()), timeout_s=30)


async def test_break_even_says_not_reached_with_the_numbers_never_never():  # 5
    from advisor import api
    from advisor.tui.screens.breakdown import BreakdownScreen, break_even_text

    # the default preset plans a LoRA fine-tune, which no bundled API serves (break-even needs an API that can)
    app = make_app(workload=api.workload(preset="steady-latency", fine_tuning="none"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        c = next(c for c in app.recommendation.candidates if c.break_even_vs and not c.break_even_tokens_per_day)
        app.open_breakdown(c)
        await until(pilot, lambda: isinstance(app.screen, BreakdownScreen))
        await pilot.pause()
        text = " ".join(plain(app.screen.query_one("#bd-utilization", Static)).split())  # as read, across line wraps
        assert "never" not in text and "not reached: " in text and "one replica costs $" in text
        assert break_even_text(c).startswith("not reached")
    # Cheaper than the API only when busier than peak-provisioned replicas run: the text says so, with the share
    from advisor.domain.recommendation import Reason

    def with_numbers(full, api):
        return c.evolve(break_even_tokens_per_day=None, break_even_vs="openrouter at $0.130/M",
                        reasons=(Reason("break-even", "", "info", {"usd_per_mtok_at_full": full, "api_usd_per_mtok": api}),))

    busier = break_even_text(with_numbers(0.128, 0.130))
    assert busier.startswith("not reached: only above 98% utilization") and "$0.128/M" in busier
    assert break_even_text(with_numbers(0.2, 0.130)) == "not reached: fully used, one replica costs $0.200/M"


async def test_replica_counts_use_one_notation_and_stay_in_summaries():  # 6
    def many_replicas(rec):
        first = next(c for c in rec.candidates if c.deployment == "self-hosted")
        big = dataclasses.replace(first, rank=1, replicas=2868, replicas_peak=2868, replicas_min=2868, gpus=1, gpu="mi300x")
        return dataclasses.replace(rec, candidates=(big,) + tuple(c for c in rec.candidates if c is not first))

    from advisor.tui.screens.breakdown import BreakdownScreen

    app = make_app(services=_Canned(many_replicas))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(RankingTable)
        where = [c.key.value for c in table.ordered_columns].index("gpus")
        assert "2,868 × 1 mi300x" in str(table.get_row_at(0)[where])
        assert "(R × G gpu)" in str(table.columns[table.ordered_columns[where].key].label)  # the legend in the header
        assert "2,868 × 1 mi300x" in app.screen.query_one("#detail").text.plain
        app.open_breakdown(table.current)
        await until(pilot, lambda: isinstance(app.screen, BreakdownScreen) and bool(app.screen.query("#bd-config")))
        config = plain(app.screen.query_one("#bd-config", Static))
        assert "2868 replicas × 1 mi300x" in config and "R replicas" in config


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_nothing_is_cut_without_a_sign(size):  # 7
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        table = app.screen.query_one(RankingTable)
        keys = [c.key.value for c in table.ordered_columns]
        widths = [c.get_render_width(table) for c in table.ordered_columns]
        room = table.scrollable_content_region.width
        last = "quality" if size == (120, 40) else "model"  # at 80 columns: rank, cost, monthly and the model
        if size == (120, 40):  # and where the row runs: "1 × 1 h100-sxm bf16" and its provider or a sign (a mode
            start = sum(widths[: keys.index("gpus")])  # tag's row keeps 11 characters of its id: trial 18)
            assert keys.index("gpus") == keys.index("quality") + 1 and room - start >= len("1 × 1 h100-sxm bf16 …") + 1  # + its left padding
        assert sum(widths[: keys.index(last) + 1]) <= room, (keys, widths, room)
        detail = app.screen.query_one("#detail")
        shown = detail.render().plain
        if detail.hidden_lines:
            assert shown.rstrip().splitlines()[-1].startswith("…") and "more line" in shown
        assert "#1 " in shown  # the head of #1's reasons is never cut away


async def test_bad_user_catalog_entries_are_shown():  # 13
    note = "catalog: /home/me/.config/moe-advisor/gpus.toml, field 'memory_gib': must be a number, got 'lots'"
    app = make_app(services=_Canned(lambda rec: dataclasses.replace(rec, notes=rec.notes + (note,))))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        notes = app.screen.query_one("#notes")
        assert notes.display and "catalog entry left out" in notes.text.plain and "memory_gib" in notes.text.plain
        assert any("left out" in n.title for n in app._notifications)


async def test_opens_on_a_preset_with_a_quality_floor_and_its_description():  # 15
    app = AdvisorApp(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        w = app.recommendation.workload
        assert w.name == "steady-latency" and w.min_quality > 0
        preset_hint = hint(app, "preset")
        assert preset_hint.display and preset_hint.region.height > 0
        assert "Medium steady traffic" in str(preset_hint.render())
        archs = {c.architecture for c in app.recommendation.candidates[:7]}  # the rows the 80x24 table shows
        assert archs == {"moe", "dense"}  # the first screen shows the decision


async def test_focus_is_visible_and_the_quit_dialog_names_its_keys():  # 16
    from textual.widgets import Button

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form, results = app.screen.query_one("#form"), app.screen.query_one("#results")
        assert form.border_title == "Questions" and results.border_title == "Ranking"
        assert form.styles.border_top[1] != results.styles.border_top[1]  # the focused pane stands out
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert form.styles.border_top[1] != results.styles.border_top[1]
        await paste_into(pilot, "output_tokens", "351")
        await settle(pilot)
        await pilot.press("ctrl+q")
        await until(pilot, lambda: type(app.screen).__name__ == "QuitDialog")
        labels = [str(b.label) for b in app.screen.query(Button)]
        assert labels == ["Export… (e)", "Quit (q)", "Stay (esc)"]
        await pilot.press("q")
        await until(pilot, lambda: app.return_code is not None or not app.is_running)


async def test_deploy_screen_says_when_a_target_cannot_serve_the_row():
    from advisor import api
    from advisor.tui.screens.deploy import DeployScreen

    w = api.workload(models=["phi-4"], precisions=["fp8"], gpu_types=["h100-sxm"], self_hosting="required")
    app = make_app(workload=w)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one(RankingTable).focus()
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, DeployScreen))
        await pilot.press("1")  # vLLM quantizes the BF16 checkpoint to FP8 at load time
        assert app.screen.files and "--quantization fp8" in "".join(app.screen.files.values())
        await pilot.press("3")  # TensorRT-LLM needs a pre-quantized checkpoint, which phi-4 has none of
        assert not app.screen.files
        status = str(app.screen.query_one("#deploy-status").render())
        assert status.startswith("trtllm: no files")
        assert "pre-quantized" in str(app.screen.query_one("#deploy-files").render())


def test_an_api_rows_targets_show_the_workloads_targets_and_what_is_measured():
    from advisor import api
    from advisor.tui.services import target_checks

    w = api.workload(requests_per_day=200_000, input_tokens=1500, output_tokens=120, ttft_ms=300,
                     output_tokens_per_s_per_user=40, min_quality=65)
    rec = api.recommend(w)
    unmeasured = next(c for c in rec.candidates if c.deployment == "api"
                      and not any(r.code == "api-latency" and r.numbers.get("ttft_ms") for r in c.reasons))
    checks = {t.metric: t for t in target_checks(unmeasured, rec.workload)}
    assert checks["TTFT"].target == "≤ 300 ms" and checks["TTFT"].estimate == "not measured" and checks["TTFT"].ok is None
    assert checks["per user"].target == "≥ 40 tok/s"
    batch = api.workload(latency="batch", deadline_hours=8)
    assert target_checks(unmeasured, batch)[0].target == "no target (batch)"


def test_the_breakdowns_api_line_is_one_that_can_serve_the_workload():
    """steady-latency plans LoRA adapters no per-token API serves: no API line; without the plan, the line is the
    break-even's comparator at its $/M."""
    from advisor import api
    from advisor.tui.services import Services

    tuned = api.recommend(api.preset("steady-latency"))
    c = next(c for c in tuned.candidates if c.deployment == "self-hosted")
    assert Services().cheapest_api(c, tuned) == (None, None)
    plain = api.recommend(api.workload(preset="steady-latency", fine_tuning="none", self_hosting="allowed"))
    c = next(c for c in plain.candidates if c.deployment == "self-hosted" and c.break_even_vs)
    usd, label = Services().cheapest_api(c, plain)
    assert label.startswith(f"{c.model} via ") and f"${usd:.3f}" in c.break_even_vs


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_every_preset_name_shows_whole_in_the_form(size):
    """The questions pane is narrow (37 columns at 120, 36 at 80): the preset row's short label leaves the choice room
    for the longest preset name, arrows included."""
    longest = max(PRESETS, key=len)
    app = make_app(workload=PRESETS[longest])
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        choice = app.screen.query_one("#preset", Choice)
        assert choice.value == longest
        assert longest in str(choice.render()) and "…" not in str(choice.render())
