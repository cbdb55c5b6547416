"""A stacked bar of one replica's GPU memory: weights, KV cache, LoRA adapters, runtime reserve and free, against
capacity."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from advisor.common import fmt
from advisor.domain.recommendation import MemoryBreakdown

SEGMENTS = (("weights", "█"), ("kv", "█"), ("adapters", "█"), ("reserve", "█"), ("free", "░"))


class MemoryBar(Widget):
    """``MemoryBar(memory)``: a one-line bar plus a legend with the sizes. ``adapters``: bytes of LoRA adapters on the
    replica's GPUs, which the breakdown counts in its reserve (the engine's fixed memory): shown as their own term."""

    DEFAULT_CSS = """
    MemoryBar {
        height: auto;
    }
    MemoryBar > .memory-bar--weights { color: $primary; }
    MemoryBar > .memory-bar--kv { color: $success; }
    MemoryBar > .memory-bar--adapters { color: $accent; }
    MemoryBar > .memory-bar--reserve { color: $warning; }
    MemoryBar > .memory-bar--free { color: $foreground-muted; }
    MemoryBar > .memory-bar--over { color: $error; }
    """
    COMPONENT_CLASSES = {"memory-bar--weights", "memory-bar--kv", "memory-bar--adapters", "memory-bar--reserve",
                         "memory-bar--free", "memory-bar--over"}

    def __init__(self, memory: MemoryBreakdown | None, *, gpus: int = 1, adapters: int = 0, engines: int = 1,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.memory = memory
        self.gpus = gpus
        self.adapters = adapters
        self.engines = max(1, engines or 1)
        """Engines side by side on the replica's GPUs, each holding its own copy of the weights."""

    def show(self, memory: MemoryBreakdown | None, gpus: int = 1, adapters: int = 0) -> None:
        self.memory = memory
        self.gpus = gpus
        self.adapters = adapters
        self.refresh(layout=True)

    def render(self) -> Text:
        return self._text(self.size.width)

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self._text(width).wrap(self.app.console, max(1, width)))

    def _text(self, total_width: int) -> Text:
        m = self.memory
        if m is None:
            return Text("no GPU memory: a per-token API", style="italic")
        width = max(10, total_width - 2)
        adapters = min(self.adapters, m.reserve_bytes)
        parts = [("weights", m.weights_bytes), ("kv", m.kv_cache_bytes), ("adapters", adapters),
                 ("reserve", m.reserve_bytes - adapters), ("free", max(0, m.free_bytes))]
        total = max(m.capacity_bytes, sum(v for _, v in parts[:4]))
        cells = _allocate([v for _, v in parts], total, width)
        bar = Text("▕")
        for (name, char), n in zip(SEGMENTS, cells):
            bar.append(char * n, self.get_component_rich_style(f"memory-bar--{name}"))
        bar.append("▏")
        legend = Text()
        labels = (("weights", "weights", m.weights_bytes),
                  ("kv", "KV cache", m.kv_cache_bytes),
                  *((("adapters", "LoRA adapters", adapters),) if adapters else ()),
                  ("reserve", "reserve", m.reserve_bytes - adapters),
                  ("free", "free", m.free_bytes))
        for i, (name, label, value) in enumerate(labels):
            if i:
                legend.append("  ")
            legend.append("■ " if name != "free" else "□ ", self.get_component_rich_style(f"memory-bar--{name}"))
            legend.append(f"{label} {fmt.weights(value, self.engines) if name == 'weights' else fmt.gb(value)}")
        per_gpu = f" ({fmt.gb(m.capacity_bytes / self.gpus)} per GPU)" if self.gpus > 1 else ""
        tokens = f" × {m.kv_context_tokens:,} tokens" if m.kv_context_tokens else ""
        head = Text(f"{fmt.gb(m.capacity_bytes)} on {self.gpus} GPU{'s' if self.gpus > 1 else ''}{per_gpu}; "
                    f"KV cache for the {fmt.mean_count(m.concurrency, 'sequence')} in flight at peak{tokens} "
                    f"(room for {fmt.gb(m.kv_capacity_bytes)})")
        if m.free_bytes < 0:
            head.append("  over capacity", self.get_component_rich_style("memory-bar--over"))
        return Text("\n").join([head, bar, legend])


def adapter_bytes(c) -> int:
    """The LoRA adapters a self-hosted candidate's replica holds on its GPUs, as its multi-LoRA reason states them (the
    ranking's own figure), or 0."""
    return next((int(r.numbers.get("adapter_bytes_per_replica", 0)) for r in c.reasons if r.code == "multi-lora"), 0)


def _allocate(values: list[int], total: int, width: int) -> list[int]:
    """Cells per segment, proportional, every non-zero segment at least one cell, summing to ``width``."""
    if total <= 0:
        return [0] * (len(values) - 1) + [width]
    raw = [max(0, v) / total * width for v in values]
    cells = [int(r) for r in raw]
    for i, v in enumerate(values):
        if v > 0 and cells[i] == 0:
            cells[i] = 1
    # hand out the remainder by largest fractional part, then trim overflow from the largest segment
    rest = width - sum(cells)
    order = sorted(range(len(values)), key=lambda i: raw[i] - int(raw[i]), reverse=True)
    for i in order:
        if rest <= 0:
            break
        if values[i] > 0:
            cells[i] += 1
            rest -= 1
    while sum(cells) > width:
        j = max(range(len(cells)), key=lambda i: cells[i])
        cells[j] -= 1
    return cells
