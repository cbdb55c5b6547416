"""Start-up order of the interactive advisor: the first ranking starts with the first frame, runs once, and the
form's later sections wait for it (or for a short fallback, when the ranking hangs)."""

from __future__ import annotations

import dataclasses
import threading

import pytest

pytest.importorskip("textual")

from test_tui import SIZE, until
from textual.widgets import Input, Static

from advisor.domain.workload import PRESETS, Workload
from advisor.tui.app import AdvisorApp
from advisor.tui.screens.main import MainScreen
from advisor.tui.services import Services
from advisor.tui.widgets.workload_form import FIELDS, FIRST_SECTIONS

LATER = [f.name for f in FIELDS if f.section not in FIRST_SECTIONS]


def mounted(app: AdvisorApp, field: str) -> bool:
    return bool(app.main.query(f"#{field}"))


async def test_the_first_ranking_runs_once_before_the_later_sections_mount(monkeypatch):
    calls: list[Workload] = []
    at_show: list[tuple[bool, bool]] = []

    class Counting(Services):
        def recommend(self, w):
            calls.append(w)
            return super().recommend(w)

    show = MainScreen.show_ranking

    def recording(self, rec):
        at_show.append((self.form.complete, mounted(self.app, LATER[-1])))
        show(self, rec)

    monkeypatch.setattr(MainScreen, "show_ranking", recording)
    # the 0.5 s fallback would mount the rest first on a loaded machine (a ranking slower than 0.5 s): not this test's case
    import advisor.tui.widgets.workload_form as form_module

    monkeypatch.setattr(form_module, "REST_AFTER_S", 60.0)
    app = AdvisorApp(services=Counting(), cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.main.form.complete and app.recommendation is not None and not app.pending, 60)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert at_show[0] == (False, False), "the first table was drawn before the later sections were mounted"
        assert len(calls) == 1, "the form being ready does not rank the same answers again"
        assert calls[0] == app.recommendation.workload == PRESETS["steady-latency"]
        assert all(mounted(app, name) for name in LATER)
        assert app._last_values == app.main.form.values()
        assert app.main.table.row_count == min(len(app.recommendation.candidates), 200)


async def test_a_starting_workload_refused_by_the_catalog_marks_its_field():
    """gpu_types is in a later section: the refusal comes back before it is mounted, and still marks it."""
    start = dataclasses.replace(PRESETS["steady-latency"], gpu_types=("h1000",))
    app = AdvisorApp(workload=start, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        def hint() -> list[Static]:
            return list(app.main.query("#hint-gpu_types").results(Static))

        await until(pilot, lambda: any(h.has_class("-error") for h in hint()), 60)
        assert "unknown gpu 'h1000'" in str(hint()[0].render())
        assert app.main.query_one("#gpu_types", Input).value == "h1000"
        assert app.recommendation is None and not app.pending


async def test_a_first_ranking_that_hangs_does_not_hold_the_form_back():
    release = threading.Event()

    class Hanging(Services):
        def recommend(self, w):
            release.wait(60)
            return super().recommend(w)

    app = AdvisorApp(services=Hanging(), cursor_blink=False)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.main.form.complete, 30)
            assert app.pending and app.recommendation is None
            assert all(mounted(app, name) for name in LATER)
            release.set()
            await until(pilot, lambda: app.recommendation is not None and not app.pending, 60)
    finally:
        release.set()


async def test_tab_from_the_preset_goes_to_the_first_field_while_the_later_sections_mount(monkeypatch):
    """Focus follows position; fields mounted and not laid out yet sit at the top, and took the Tab."""
    from advisor.tui.widgets.workload_form import WorkloadForm

    tabbed: list[str | None] = []
    mount_rest = WorkloadForm._mount_rest

    async def then_tab(self):
        await mount_rest(self)
        tabbed.append(self.screen.focus_next().id)  # a Tab before the new fields are laid out

    monkeypatch.setattr(WorkloadForm, "_mount_rest", then_tab)
    app = AdvisorApp(cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: bool(tabbed), 60)
        assert tabbed == ["requests_per_day"]
        await until(pilot, lambda: app.recommendation is not None and not app.pending, 60)
