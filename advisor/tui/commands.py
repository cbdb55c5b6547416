"""Command palette (ctrl+p): the main actions and every preset."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from advisor.tui import services


class AdvisorCommands(Provider):
    """Actions of the advisor app, found by fuzzy search."""

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        app = self.app
        run = app.run_action
        cmds: list[tuple[str, str, Callable[[], object]]] = [
            ("Export recommendation to TOML", "Write the ranking, breakdowns and workload to a report file",
             partial(run, "export")),
            ("Open breakdown of highlighted candidate", "Memory, throughput, $/M tokens vs utilization, reasons",
             partial(run, "breakdown")),
            ("Deploy the highlighted candidate", "Launch configs: vLLM, SGLang, TensorRT-LLM, SkyPilot (d in a breakdown)",
             self._deploy),
            ("Compare the top two candidates", "#1 and #2 side by side", partial(run, "compare_top")),
            ("Show rejected options", "Every option ruled out, and why", partial(run, "rejected")),
            ("Prices and plugins", "Sources, as-of dates, stale warnings, live refresh", partial(run, "prices")),
            ("Refresh live prices", "Open the prices screen and start a refresh", partial(run, "prices(True)")),
            ("Focus the ranking", "Jump between the questions and the ranked table", partial(run, "toggle_focus")),
            ("Show or hide the questions", "Give the ranking the full width", partial(run, "toggle_form")),
            ("Keys", "Every key binding", partial(run, "help")),
        ]
        for name, w in services.presets().items():
            cmds.append((f"Preset: {name}", w.description.split(" (seed")[0], partial(run, f"preset('{name}')")))
        return cmds

    def _deploy(self) -> None:
        """The launch files of the highlighted row, as ``d`` opens them from its breakdown (trial 27: the palette, which
        the help says holds every action, had none)."""
        app = self.app
        cand = app.main.table.current
        rec = app._need_ranking()
        if cand is not None and rec is not None:
            from advisor.tui.screens.deploy import DeployScreen

            app.push_screen(DeployScreen(cand, app.main.table.recommendation or rec))

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
