"""The interactive advisor (``moe-advisor`` with no arguments).

The app coordinates; widgets only display. Everything slow runs in a worker declared here
(ranking, export, price loading and refresh) with ``exit_on_error=False``; results come back as
typed messages, and ``on_worker_state_changed`` is the one place worker errors become notifications.
"""

from __future__ import annotations

import asyncio
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.timer import Timer
from textual.widget import Widget
from textual.worker import Worker, WorkerState

from advisor.errors import AdvisorError
from advisor.domain.recommendation import Recommendation
from advisor.tui import services as svc
from advisor.tui.commands import AdvisorCommands
from advisor.tui.messages import PricesLoaded, RankingFailed, RankingReady, RefreshFinished, RefreshProgress
from advisor.tui.screens.main import MainScreen
from advisor.tui.widgets.ranking_table import RankingTable
from advisor.tui.widgets.workload_form import FIELD_NAMES, WorkloadForm, hidden_fields
from advisor.domain.workload import Workload

DEBOUNCE_S = 0.0
"""A pause in typing before a ranking starts: none by default, because rankings never pile up (while one runs,
only the newest answers wait, and they rank the moment it is done) and a re-rank takes tens of milliseconds.
A timer here cost 60-110 ms a keystroke on a 2-core machine (it fires late while the screen repaints)."""
DEFAULT_PRESET = "steady-latency"
WORKER_TITLES = {"ranking": "Ranking failed", "export": "Export failed", "prices": "Prices", "refresh": "Price refresh failed"}


class AdvisorApp(App[None]):
    """``AdvisorApp(services=None, workload=None, cursor_blink=True)``; tests pass fake services and no blink."""

    CSS_PATH = "app.tcss"
    TITLE = "moe-advisor"
    SUB_TITLE = "how to serve an LLM"
    COMMANDS = App.COMMANDS | {AdvisorCommands}
    BINDINGS = [
        Binding("f1,question_mark", "help", "Help", tooltip="This list of keys"),
        Binding("ctrl+s", "export", "Export", priority=True, tooltip="Export the recommendation to TOML"),
        Binding("f2", "prices", "Prices", tooltip="Prices and plugins: sources, dates, live refresh"),
        Binding("f3", "rejected", "Rejected", tooltip="Options ruled out, and why"),
        Binding("ctrl+r", "toggle_focus", "Ranking", tooltip="Jump between the questions and the ranking"),
        Binding("ctrl+b", "toggle_form", "Wide", tooltip="Hide or show the questions: the ranking gets the full width"),
        Binding("ctrl+q", "quit", "Quit", priority=True, tooltip="Quit (asks first when the answers changed since the start or the last export)"),
    ]

    def __init__(self, services: svc.Services | None = None, workload: Workload | None = None, *,
                 cursor_blink: bool = True, debounce_s: float = DEBOUNCE_S) -> None:
        super().__init__()
        self.services = services or svc.Services()
        self.initial_workload = workload or svc.presets()[DEFAULT_PRESET]
        """Opens on a preset with a quality floor, so the first screen shows a real decision (MoE against dense)."""
        self.cursor_blink = cursor_blink
        self.debounce_s = debounce_s
        self.recommendation: Recommendation | None = None
        self.saved_workload: Workload | None = None
        """The workload of the last export (or the one the app opened with): quitting with another one asks."""
        self.exported_path: Path | None = None
        self.pending = False
        """A ranking is asked for and not back yet (tests wait on this)."""
        self._generation = 0
        self._last_values: dict[str, str] | None = None
        self._debounce: Timer | None = None
        self._last_field: Widget | None = None
        self._ranking_busy = False
        """A ranking thread is running (at most one at a time)."""
        self._ranking_next: tuple[Workload, int] | None = None
        """The newest answers asked for while a ranking ran: they rank when it is done."""
        self._invalid: tuple[str | None, str] | None = None
        """(field, reason) when the answers now in the form are refused: the table is for the last valid ones."""

    # ------------------------------------------------------------------ start

    def get_default_screen(self) -> MainScreen:
        return MainScreen(self.initial_workload, cursor_blink=self.cursor_blink)

    @property
    def main(self) -> MainScreen:
        return next(s for s in self.screen_stack if isinstance(s, MainScreen))

    def _no_main_screen(self) -> bool:
        """No main screen left (the app is shutting down): a ranking that ends now has nowhere to go."""
        return not any(isinstance(s, MainScreen) for s in self.screen_stack)

    # ------------------------------------------------------------------ ranking

    def on_mount(self) -> None:
        self.call_after_refresh(self._first_ranking)

    def _first_ranking(self) -> None:
        """The first ranking starts once the first frame is drawn, with the answers the form shows (its later
        sections wait for this ranking: ``WorkloadForm.mount_rest``). Started before the first frame, the thread
        loading the catalog, plugins and price book slowed that frame down as much as it sped up the ranking."""
        if self._last_values is not None:
            return  # the user was quicker
        values = svc.form_values(self.initial_workload, FIELD_NAMES)  # what the form will show
        try:
            w = svc.build_workload(values, base=self.initial_workload, hidden=hidden_fields(values))
        except AdvisorError:
            self.main.form.mount_rest()  # the form marks the field once it is ready (on_workload_form_ready)
            return
        self._last_values = values
        self._generation += 1
        self.pending = True
        self._start(w, self._generation)

    def on_workload_form_ready(self, message: WorkloadForm.Ready) -> None:
        # The same answers as the ranking started at mount are not ranked again; answers typed since were.
        self.request_ranking(message.form.values(), immediate=True)

    def on_workload_form_changed(self, message: WorkloadForm.Changed) -> None:
        self.request_ranking(message.values)

    def on_workload_form_preset_chosen(self, message: WorkloadForm.PresetChosen) -> None:
        self.action_preset(message.name)

    def request_ranking(self, values: dict[str, str], immediate: bool = False, force: bool = False) -> None:
        """Validate now (marks the field at once); rank after a pause in typing, in a thread.

        The same answers as the last request are not ranked again (widgets post Changed on mount)."""
        if values == self._last_values and not force:
            return
        if self._last_values is None and not immediate:
            return  # widgets announcing their initial values before the screen asks for the first ranking
        self._last_values = dict(values)
        try:
            w = svc.build_workload(values, base=self.main.form.base, hidden=hidden_fields(values))
        except AdvisorError as exc:
            # No new generation: the ranking of the last valid answers, running or queued, still lands, so the
            # table always shows the workload the summary describes (an invalid answer dropped it, and the table
            # kept an older ranking under the summary of answers it never showed).
            self._invalid = (svc.error_field(exc), svc.error_text(exc))
            self.main.show_invalid(*self._invalid, ranking=self.pending)
            return
        self._invalid = None
        self._generation += 1
        generation = self._generation
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
        self.pending = True
        self.main.show_pending(w)
        if immediate or self.debounce_s <= 0:
            self._start(w, generation)
        else:
            self._debounce = self.set_timer(self.debounce_s, lambda: self._start(w, generation))

    def _start(self, w: Workload, generation: int) -> None:
        """Rank now, or, while a ranking runs, keep these answers as the next to rank (older waiting ones are
        dropped): a burst of keystrokes costs at most two rankings, never a queue of threads."""
        if self._ranking_busy:
            self._ranking_next = (w, generation)
            return
        self._ranking_busy = True
        self._rank(w, generation)

    def _ranking_done(self) -> None:
        self._ranking_busy = False
        queued, self._ranking_next = self._ranking_next, None
        if queued is not None and queued[1] == self._generation:
            self._start(*queued)

    @work(group="ranking", exit_on_error=False)
    async def _rank(self, w: Workload, generation: int) -> None:
        """Rank in a daemon thread (plugins run there: one that hangs cannot stop ctrl+q)."""
        def rank() -> Recommendation:
            self.services.check_ids(w)
            return self.services.recommend(w)

        try:
            rec = await svc.in_daemon_thread(rank)
        except AdvisorError as exc:  # the user's answers (an unknown id, ...): shown at the field
            self.post_message(RankingFailed(generation, svc.error_field(exc), svc.error_text(exc)))
            return
        finally:
            self._ranking_done()
        self.post_message(RankingReady(generation, rec))

    def on_ranking_ready(self, message: RankingReady) -> None:
        if message.generation != self._generation:
            return  # an older request finished after a newer one was made
        if self._no_main_screen():
            return  # the app is closing: no screen to show it on
        if not self.main.is_mounted:  # the first ranking came back before the screen was up
            self.call_after_refresh(self.on_ranking_ready, message)
            return
        self.pending = False
        self.recommendation = message.recommendation
        if self.saved_workload is None:
            self.saved_workload = message.recommendation.workload
        self.main.show_ranking(message.recommendation)
        self.call_after_refresh(svc.release_results)  # the rankings the worker's cache pushed out, freed once it is on screen
        if self._invalid is not None:  # answers refused since these were asked for: still marked at their field
            self.main.show_invalid(*self._invalid)
        self.main.form.mount_rest()

    def on_ranking_failed(self, message: RankingFailed) -> None:
        if message.generation != self._generation or self._no_main_screen():
            return
        if not (self.main.is_mounted and self.main.form.complete):
            self._last_values = None  # the first ranking, refused before the field was mounted: it is asked
            self.main.form.mount_rest()  # again when the form is ready, and the field is marked then
            return
        self.pending = False
        if self.recommendation is not None:  # the title and summary back on the ranking shown (trial 34: an unknown GPU
            self.main._show_workload(self.recommendation.workload)  # left "custom, edited from …" over the preset's rows)
        self.main.show_invalid(*(self._invalid or (message.field, message.message)))

    # ------------------------------------------------------------------ one place for worker errors

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state != WorkerState.ERROR:
            return
        error = worker.error
        title = WORKER_TITLES.get(worker.group, "Error")
        message = str(error) if isinstance(error, AdvisorError) else f"{type(error).__name__}: {error}"
        if worker.group == "ranking" and not self._no_main_screen():
            self.pending = False
            self.main.form.mount_rest()
            self.main.show_invalid(None, f"the ranking failed ({message}); the table is for the last answers that ranked")
        if worker.group == "refresh":
            from advisor.tui.screens.prices import PricesScreen

            for screen in self.screen_stack:
                if isinstance(screen, PricesScreen):
                    screen.refresh_failed(message)
        self.notify(message, title=title, severity="error", timeout=8)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys that only make sense on the main screen are hidden elsewhere, and the key of the screen shown (f2 on the
        prices, f3 on the rejected options): it would do nothing, or open the same screen again, and at 80 columns it
        takes the footer's room from a key that works there."""
        if action in ("toggle_focus", "toggle_form") and not isinstance(self.screen, MainScreen):
            return False
        if action in ("prices", "rejected") and not parameters:  # ``prices(True)`` (the palette) refreshes the shown one
            return type(self.screen).__name__ != {"prices": "PricesScreen", "rejected": "RejectedScreen"}[action]
        return True

    # ------------------------------------------------------------------ presets and focus

    def action_preset(self, name: str) -> None:
        presets = svc.presets()
        if name not in presets:
            return
        while len(self.screen_stack) > 1 and not isinstance(self.screen, MainScreen):
            self.pop_screen()
        self.main.table.reset_sort()  # another workload: its #1 first, not the last one's sort
        self.main.form.load(presets[name], preset=name)

    def action_toggle_focus(self) -> None:
        """From a question to the ranking, and back to the same question."""
        main = self.main
        if self.screen is not main:
            return
        if main.table.has_focus:
            main.remove_class("-form-hidden")
            field = self._last_field if self._last_field is not None and self._last_field.is_attached else None
            (field or main.query_one("#preset", Widget)).focus()
        else:
            focused = self.focused
            self._last_field = focused if focused is not None and main.form in focused.ancestors else None
            main.table.focus()

    def action_toggle_form(self) -> None:
        if self.screen is self.main:
            self.main.toggle_class("-form-hidden")
            if self.main.has_class("-form-hidden"):
                self.main.table.focus()

    # ------------------------------------------------------------------ screens

    def action_help(self) -> None:
        from advisor.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def _need_ranking(self) -> Recommendation | None:
        if self.recommendation is None:
            self.notify("No ranking yet: answer the questions first.", title="Nothing to show", severity="warning")
        return self.recommendation

    def action_breakdown(self) -> None:
        cand = self.main.table.current
        if cand is not None and self._need_ranking():
            self.open_breakdown(cand)

    def on_ranking_table_chosen(self, message: RankingTable.Chosen) -> None:
        self.open_breakdown(message.candidate)

    def open_breakdown(self, candidate) -> None:
        from advisor.tui.screens.breakdown import BreakdownScreen

        rec = self.main.table.recommendation or self.recommendation
        if rec is not None:
            self.push_screen(BreakdownScreen(candidate, rec))

    def on_ranking_table_compare_requested(self, message: RankingTable.CompareRequested) -> None:
        self.open_compare(message.first, message.second)

    def action_compare_top(self) -> None:
        rec = self._need_ranking()
        if rec is None:
            return
        if len(rec.candidates) < 2:
            self.notify("Fewer than two candidates to compare.", title="Compare", severity="warning")
            return
        self.open_compare(rec.candidates[0], rec.candidates[1])

    def open_compare(self, first, second) -> None:
        from advisor.tui.screens.breakdown import CompareScreen

        rec = self.main.table.recommendation or self.recommendation
        if rec is not None:
            self.clear_notifications()  # the "marked" hint is done with
            self.push_screen(CompareScreen(first, second, rec))

    def action_rejected(self) -> None:
        from advisor.tui.screens.rejected import RejectedScreen

        rec = self._need_ranking()
        if rec is not None:
            self.push_screen(RejectedScreen(rec))

    def action_prices(self, refresh: bool = False) -> None:
        from advisor.tui.screens.prices import PricesScreen

        if isinstance(self.screen, PricesScreen):
            if refresh:
                self.screen.action_refresh()
            return
        self.push_screen(PricesScreen(refresh=refresh))

    # ------------------------------------------------------------------ prices workers

    @work(exclusive=True, group="prices", exit_on_error=False)
    async def load_prices(self, screen: Widget) -> None:
        sources, plugins = await svc.in_daemon_thread(lambda: (self.services.price_sources(), self.services.plugins()))
        screen.post_message(PricesLoaded(sources, plugins))

    @work(exclusive=True, group="refresh", exit_on_error=False)
    async def refresh_prices(self, screen: Widget) -> None:
        """Plugin fetchers run in a daemon thread, like the ranking."""
        def progress(source: str, done: int, total: int) -> None:
            screen.post_message(RefreshProgress(source, done, total))

        def refresh() -> tuple:
            results = self.services.refresh_prices(progress)
            return results, self.services.price_sources(), self.services.plugins()

        results, sources, plugins = await svc.in_daemon_thread(refresh)
        screen.post_message(RefreshFinished(results))
        screen.post_message(PricesLoaded(sources, plugins))
        if any(r.ok for r in results):  # nothing new: the ranking stands
            self._rerank()

    def _rerank(self) -> None:
        self.request_ranking(self.main.form.values(), immediate=True, force=True)

    # ------------------------------------------------------------------ export

    async def action_export(self, then_quit: bool = False) -> None:
        """The dialog is up, its field focused, before the app takes the next key: keys typed right after ctrl+s are
        the dialog's, in order (pushed by the worker a moment later, they went to the question behind it: trial 31).
        ``then_quit``: Export… chosen at the quit question; the app quits once the report is written."""
        from textual.screen import ModalScreen

        from advisor.tui.screens.dialogs import ExportDialog

        if any(isinstance(s, ModalScreen) for s in self.screen_stack):  # a dialog (an Overwrite? question, Quit, help)
            return  # is answered first: a priority ctrl+s over it cancelled the export waiting on it (review of trial 31)
        rec = self._need_ranking()
        if rec is None or self.main.export_refused():
            return
        first: asyncio.Future[Path | None] = asyncio.get_running_loop().create_future()
        path = self.exported_path or self.services.default_report_path(rec.workload)
        await self.push_screen(ExportDialog(path, cursor_blink=self.cursor_blink), callback=first.set_result)
        self.export_report(first, then_quit)

    @work(exclusive=True, group="export", exit_on_error=False)
    async def export_report(self, first: asyncio.Future[Path | None] | None = None, then_quit: bool = False) -> Path | None:
        """Ask for a path (``first``: the answer to the dialog on screen), confirm before overwriting, write in a thread,
        say where it went. A path that cannot be written brings the dialog back with the reason; declining to
        overwrite brings it back to choose another name."""
        from advisor.tui.screens.dialogs import ConfirmDialog, ExportDialog

        rec = self.recommendation
        if rec is None or (first is None and self.main.export_refused()):
            return None
        exists_error = self.services.report_exists_error()
        path: Path | None = self.exported_path or self.services.default_report_path(rec.workload)
        error: str | None = None
        while True:
            path = await first if first is not None else await self.push_screen_wait(
                ExportDialog(path, error=error, cursor_blink=self.cursor_blink))
            first = None
            if path is None:
                return None
            try:
                written = await asyncio.to_thread(self.services.write_report, rec, path, False)
            except exists_error:
                overwrite = await self.push_screen_wait(
                    ConfirmDialog("Overwrite?", f"{path} already exists. Replace it with this recommendation?"))
                if not overwrite:
                    error = f"{path} was kept as it is: choose another name, or cancel"
                    continue
                try:
                    written = await asyncio.to_thread(self.services.write_report, rec, path, True)
                except AdvisorError as exc:
                    error = str(exc)
                    continue
            except AdvisorError as exc:
                error = str(exc)
                continue
            break
        written = Path(written).resolve()
        self.exported_path = written
        self.saved_workload = rec.workload
        self.notify(f"Written to {written}", title="Report exported", timeout=8)
        if then_quit:
            self.exit()
        return written

    # ------------------------------------------------------------------ quit

    @property
    def unsaved(self) -> bool:
        """The current recommendation is for a workload that was changed since the start or the last export."""
        rec = self.recommendation
        return rec is not None and self.saved_workload is not None and rec.workload != self.saved_workload

    async def action_quit(self) -> None:
        """Quit, asking first when the answers changed since the start or the last export. The question is up before
        the app takes the next key, and Export… chosen there opens its dialog the same way: keys typed at once after
        ``e`` are the path's (the dialog came from a worker a moment later and they were lost: trial 34)."""
        from advisor.tui.screens.dialogs import QuitDialog

        if any(isinstance(s, QuitDialog) for s in self.screen_stack):
            self.exit()  # ctrl+q again at the question: the user means it
            return
        if not self.unsaved:
            self.exit()
            return
        rec = self.recommendation
        await self.push_screen(QuitDialog(rec.workload.name if rec else "workload", exported=self.exported_path is not None),
                               callback=self._quit_answered)

    async def _quit_answered(self, choice: str | None) -> None:
        if choice == "quit":
            self.exit()
        elif choice == "export":
            await self.action_export(then_quit=True)


SIZE_VARIABLES = ("COLUMNS", "LINES")


@contextmanager
def terminal_size_from_the_terminal():
    """``COLUMNS`` and ``LINES`` left out of the environment while the app runs, when the terminal can tell its size.

    Textual's drivers read the size (at start and on every resize) with ``shutil.get_terminal_size``, which takes
    ``COLUMNS``/``LINES`` *before* it asks the terminal (https://docs.python.org/3/library/shutil.html, read
    2026-12-04). An exported ``COLUMNS=200`` (a common way to widen a CLI's output) laid the app out 200 columns wide
    in an 80-column terminal: every line was cut at the terminal's edge, text wrapped at the wrong width, and the
    terminal repeated the last column's character. Textual pull request 6153 (open, read 2026-12-04:
    https://github.com/Textualize/textual/pull/6153) proposes the same order: the terminal first, the variables only
    when it cannot answer (output piped, no terminal), and then they stay."""
    answered = False
    for stream in (sys.__stdout__, sys.__stderr__):  # shutil asks stdout; the Linux driver draws on stderr
        try:
            answered = answered or os.get_terminal_size(stream.fileno()).columns > 0
        except (AttributeError, ValueError, OSError):
            continue
    saved = {name: os.environ.pop(name) for name in SIZE_VARIABLES if answered and name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def run(workload: Workload | None = None) -> int:
    """The interactive advisor, on ``workload`` (the default preset when None)."""
    with terminal_size_from_the_terminal():
        app = AdvisorApp(workload=workload)  # its Rich console copies the environment when it is made
        app.run()
    return app.return_code or 0
