"""$/M tokens against utilization for a self-hosted candidate (textual-plotext), with the workload's point
and the cheapest API price as a line."""

from __future__ import annotations

import math

from textual_plotext import PlotextPlot

from advisor.common import fmt
from advisor.tui.services import CostCurve


def log_ticks(lo: float, hi: float) -> list[float]:
    """1-2-5 ticks covering [lo, hi] for a log axis."""
    lo, hi = max(lo, 1e-6), max(hi, lo * 1.01)
    out = []
    for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1):
        for m in (1, 2, 5):
            t = m * 10.0 ** e
            if lo / 1.5 <= t <= hi * 1.5:
                out.append(round(t, 12))
    return out or [lo, hi]


class CostPlot(PlotextPlot):
    """``CostPlot(curve)``; ``curve`` comes from ``services.cost_curve``."""

    def __init__(self, curve: CostCurve | None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.curve = curve

    def on_mount(self) -> None:
        self.replot()

    def show(self, curve: CostCurve | None) -> None:
        self.curve = curve
        self.replot()

    def render(self):  # plotext cannot lay a log axis out in a very small area: say so instead of crashing
        try:
            return super().render()
        except (ValueError, ZeroDivisionError, IndexError):
            from rich.text import Text

            return Text("(too little room for the cost plot: enlarge the terminal)", style="dim")

    def replot(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        curve = self.curve
        if curve is None:
            plt.title("per-token price: the same at any utilization")
            self.refresh()
            return
        plt.title("$/M tokens vs utilization (one replica)")
        # A log axis drawn by hand: plotext's own log scale fails on some layouts (math domain error).
        lg = lambda v: math.log10(max(v, 1e-9))  # noqa: E731
        plt.plot(list(curve.utilization_pct), [lg(y) for y in curve.usd_per_mtok], label="self-hosted", marker="braille",
                 color="blue")
        values = list(curve.usd_per_mtok) + [curve.point_usd_per_mtok]
        if curve.api_usd_per_mtok is not None and curve.api_usd_per_mtok > 0:
            xs = [curve.utilization_pct[0], 100.0]
            plt.plot(xs, [lg(curve.api_usd_per_mtok)] * 2, label=f"API {curve.api_label}: {fmt.usd(curve.api_usd_per_mtok, 3)}",
                     marker="braille", color="red")
            values.append(curve.api_usd_per_mtok)
        plt.scatter([curve.point_utilization_pct], [lg(curve.point_usd_per_mtok)],
                    label=f"you: {fmt.pct(curve.point_utilization_pct / 100)} → {fmt.usd(curve.point_usd_per_mtok, 3)}", marker="●",
                    color="green")
        ticks = log_ticks(min(values), max(values))
        plt.yticks([lg(t) for t in ticks], [f"${t:g}" for t in ticks])
        plt.xlim(0, 100)
        plt.xlabel("utilization %")
        plt.ylabel("$/M tok")
        self.refresh()
