"""$/M tokens against utilization for a self-hosted candidate (textual-plotext), with the workload's point
and the cheapest API price as a line."""

from __future__ import annotations

from textual_plotext import PlotextPlot

from advisor.tui.services import CostCurve


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
        plt.plot(list(curve.utilization_pct), list(curve.usd_per_mtok), label="self-hosted", marker="braille",
                 color="blue")
        if curve.api_usd_per_mtok is not None:
            xs = [curve.utilization_pct[0], 100.0]
            plt.plot(xs, [curve.api_usd_per_mtok] * 2, label=f"API {curve.api_label}: ${curve.api_usd_per_mtok:.3f}",
                     marker="braille", color="red")
        plt.scatter([curve.point_utilization_pct], [curve.point_usd_per_mtok],
                    label=f"you: {curve.point_utilization_pct:.0f}% → ${curve.point_usd_per_mtok:.3f}", marker="●",
                    color="green")
        plt.yscale("log")
        plt.xlim(0, 100)
        plt.xlabel("utilization %")
        plt.ylabel("$/M tok")
        self.refresh()
