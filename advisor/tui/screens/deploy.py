"""`d` on a candidate: its launch files (vLLM, SGLang, TensorRT-LLM, SkyPilot; the client snippet for an API),
with export to a folder."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.widgets import Header, Static

from advisor.domain.recommendation import Candidate, Recommendation
from advisor.tui.screens.base import AdvisorScreen
from advisor.tui.widgets.key_footer import KeyFooter

class DeployScreen(AdvisorScreen):
    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back", tooltip="Back to the ranking"),
        Binding("1", "target('vllm')", "vLLM", tooltip="The vLLM launch files (self-hosted rows)"),
        Binding("2", "target('sglang')", "SGLang", tooltip="The SGLang launch files (self-hosted rows)"),
        Binding("3", "target('trtllm')", "TRT", tooltip="The TensorRT-LLM launch files (self-hosted rows)"),
        Binding("4", "target('skypilot')", "SkyPilot", tooltip="The SkyPilot launch files (self-hosted rows)"),
        Binding("e", "export", "Export", tooltip="Write these files into ./deploy-<model>-<target>/"),
    ]

    def __init__(self, candidate: Candidate, rec: Recommendation) -> None:
        super().__init__(classes="detail-screen")
        self.candidate, self.recommendation = candidate, rec
        self.api = candidate.deployment == "api"
        """An API candidate has one file, the OpenAI SDK client: no engine to choose (1-4 are hidden)."""
        self.target = "skypilot" if self.api else (candidate.engine or "vllm")
        self.files: dict[str, str] = {}
        self.targets = _targets(candidate)
        """The targets offered: those whose engine runs on the row's GPU (not TensorRT-LLM on AMD)."""

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        yield Static("", id="deploy-status")
        with ScrollableContainer(id="deploy-scroll"):  # files as written: long lines scroll sideways, never wrap
            yield Static("", id="deploy-files")
        yield KeyFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.sub_title = f"deploy {self.candidate.label}"
        self._show()

    def _show(self) -> None:
        from advisor import api
        from advisor.deploy.skypilot import render
        from advisor.errors import AdvisorError

        rank = self.candidate.rank or (list(self.recommendation.candidates).index(self.candidate) + 1)
        try:
            self.files = render(self.candidate, self.recommendation.workload, api.catalog(), self.target, rank=rank)
        except AdvisorError as exc:
            self.files = {}
            self.query_one("#deploy-status", Static).update(f"{self.target}: no files (below why) · {self._keys()}")
            self.query_one("#deploy-files", Static).update(Text(str(exc)))
            return
        body = "\n".join(f"──── {name}\n{text}" for name, text in self.files.items())
        wide = max((len(line) for line in body.splitlines()), default=0) > self.app.size.width - 2
        head = (f"API client ({self.candidate.provider or 'the provider'}'s OpenAI-compatible endpoint) · e export"
                if self.api else f"{self.target}: {self._keys()} · e export")
        self.query_one("#deploy-status", Static).update(head + (" · ← → long lines" if wide else ""))
        self.query_one("#deploy-files", Static).update(Text(body, no_wrap=True, overflow="ignore"))

    def _keys(self) -> str:
        names = {"vllm": "1 vLLM", "sglang": "2 SGLang", "trtllm": "3 TRT-LLM", "skypilot": "4 SkyPilot"}
        return " · ".join(names[t] for t in self.targets)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The engine keys only where there are engines to choose (not for an API's client file); one this row's GPU
        does not run (TensorRT-LLM off NVIDIA), pressed, says why (``action_target``): a key that did nothing was seen
        as broken (user trial 22)."""
        return not (action == "target" and self.api)

    def action_target(self, target: str) -> None:
        if self.api:
            return
        if target not in self.targets:
            names = {"vllm": "vLLM", "sglang": "SGLang", "trtllm": "TensorRT-LLM", "skypilot": "SkyPilot"}
            keys = {"vllm": "1", "sglang": "2", "trtllm": "3", "skypilot": "4"}
            others = ", ".join(f"{names.get(t, t)} ({keys.get(t, '?')})" for t in self.targets)
            why = ": it runs on NVIDIA GPUs only" if target == "trtllm" else ""
            self.notify(f"{names.get(target, target)} has no launch files for {self.candidate.gpu}{why}. This row has {others}.",
                        severity="warning")
            return
        self.target = target
        self._show()

    def action_export(self) -> None:
        from advisor.common.files import atomic_write

        if not self.files:
            self.notify(f"Nothing to export for {self.target}: see why on screen.", severity="warning")
            return
        out = Path(f"deploy-{self.candidate.model}-{'api' if self.api else self.target}")
        try:
            out.mkdir(parents=True, exist_ok=True)
            for name, text in self.files.items():
                atomic_write(out / name, text.encode("utf-8"), executable=name.endswith(".sh"))
        except OSError as exc:
            self.notify(str(exc), title="Export failed", severity="error")
            return
        self.notify(f"{len(self.files)} file(s) in {out}/", title="Exported")


def _targets(c: Candidate) -> tuple[str, ...]:
    from advisor import api
    from advisor.deploy import targets_for

    return targets_for(c, api.catalog())
