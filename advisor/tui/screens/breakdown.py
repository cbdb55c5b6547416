"""One candidate, explained: cost, memory, GPU configuration, speed against the targets, $/M tokens
against utilization, and the reasons in plain sentences."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Header, Static

from advisor.common import fmt
from advisor.domain.recommendation import Candidate, Recommendation
from advisor.tui import services
from advisor.tui.screens.base import AdvisorScreen
from advisor.tui.widgets.cost_plot import CostPlot
from advisor.tui.widgets.memory_bar import MemoryBar

MARKS = {"decisive": ("!", "bold"), "warning": ("~", "yellow"), "info": ("·", "")}


def reasons_text(c: Candidate, limit: int | None = None) -> Text:
    lines = []
    for r in c.reasons[:limit]:
        mark, style = MARKS.get(r.severity, ("·", ""))
        lines.append(Text.assemble((f"{mark} ", style or "dim"), (r.message, style if r.severity == "warning" else "")))
    return Text("\n").join(lines) if lines else Text("(no reasons recorded)", style="dim")


def cost_text(c: Candidate) -> Text:
    t = Text()
    t.append(f"{fmt.usd(c.monthly_cost_usd)}/month", "bold")
    t.append(f" · {fmt.usd(c.usd_per_mtok, 3)}/M tokens")
    if c.hourly_usd is not None:
        t.append(f" · {fmt.usd(c.hourly_usd)}/hour")
    if c.deployment == "api" and c.api_input_usd_per_mtok is not None:
        t.append(f"\n{fmt.usd(c.api_input_usd_per_mtok)}/M input, {fmt.usd(c.api_output_usd_per_mtok)}/M output")
    if c.billed_gpu_hours_per_month is not None:
        t.append(f"\nbilled: {c.billed_gpu_hours_per_month:,.0f} GPU-h/month × {fmt.usd(c.usd_per_gpu_hour, 2)} "
                 f"({c.scaling}, {c.pricing_kind}, {c.replica_range})")
    t.append(f"\nprice: {c.provider}, as of {c.price_as_of or '?'}", "dim")
    return t


def config_text(c: Candidate) -> Text:
    if c.deployment == "api":
        return Text(f"per-token API from {c.provider}; no GPUs to run")
    reps = f"{c.replicas} replicas × " if c.replicas > 1 else "1 replica × "
    t = Text(f"{reps}{c.gpus}x {c.gpu} ({c.parallelism}); {c.precision} weights, {c.kv_precision} KV cache; "
             f"{c.provider}")
    return t


def targets_table(c: Candidate, rec: Recommendation) -> Group:
    table = Table(box=None, padding=(0, 1), show_edge=False, expand=False)
    table.add_column("", style="dim")
    table.add_column("estimate")
    table.add_column("target")
    table.add_column("")
    for check in services.target_checks(c, rec.workload):
        ok = {True: Text("✓", "green"), False: Text("✗", "red"), None: Text("")}[check.ok]
        table.add_row(check.metric, check.estimate, check.target, ok)
    point = services.operating_point(c)
    return Group(table, Text(point, style="dim")) if point else Group(table)


def utilization_text(c: Candidate) -> Text:
    if not c.utilization_table:
        return Text("")
    t = Text("$/M tokens at ", style="")
    t.append(", ".join(f"{p.utilization:.0%}: {fmt.usd(p.usd_per_mtok, 3)}" for p in c.utilization_table))
    if c.single_stream_usd_per_mtok is not None:
        t.append(f"; one user alone: {fmt.usd(c.single_stream_usd_per_mtok, 3)}")
    if c.break_even_vs:
        be = f"{fmt.num(c.break_even_tokens_per_day / 1e6, 1)}M tokens/day" if c.break_even_tokens_per_day else "never"
        t.append(f"\nbreak-even with {c.break_even_vs}: {be}")
    return t


def section(title: str) -> Static:
    return Static(title, classes="section-title")


class BreakdownScreen(AdvisorScreen):
    """``BreakdownScreen(candidate, recommendation)``."""

    BINDINGS = [Binding("escape,q", "app.pop_screen", "Back", tooltip="Back to the ranking")]

    def __init__(self, candidate: Candidate, rec: Recommendation) -> None:
        super().__init__(classes="detail-screen")
        self.candidate = candidate
        self.recommendation = rec

    def compose(self) -> ComposeResult:
        c, rec = self.candidate, self.recommendation
        yield Header(icon="◆")
        with VerticalScroll(id="breakdown"):
            arch = "MoE" if c.architecture == "moe" else "dense"
            quality = f" · quality {fmt.num(c.quality, 1)} {c.quality_benchmark}" if c.quality is not None else ""
            yield Static(Text.assemble((f"#{c.rank} {c.model_name}", "bold"), f"  {arch} · {c.deployment}{quality}"),
                         id="bd-title")
            with Horizontal(id="bd-columns"):
                with Vertical(id="bd-left"):
                    yield section("Cost")
                    yield Static(cost_text(c), id="bd-cost")
                    yield section("GPU configuration")
                    yield Static(config_text(c), id="bd-config")
                    yield section("Memory per replica")
                    yield MemoryBar(c.memory, gpus=c.gpus or 1, id="bd-memory")
                    yield section("Throughput and latency against the targets")
                    yield Static(targets_table(c, rec), id="bd-targets")
                with Vertical(id="bd-right"):
                    api_usd, api_label = self.app.services.cheapest_api(c, rec)  # type: ignore[attr-defined]
                    yield CostPlot(services.cost_curve(c, api_usd, api_label), id="bd-plot")
                    yield Static(utilization_text(c), id="bd-utilization")
            yield section("Why")
            yield Static(reasons_text(c), id="bd-reasons")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.candidate.label


class CompareScreen(AdvisorScreen):
    """Two candidates side by side: the numbers in one table (better value in green), then each one's reasons."""

    BINDINGS = [Binding("escape,q", "app.pop_screen", "Back", tooltip="Back to the ranking"),
                Binding("x", "swap", "Swap", tooltip="Swap the two columns")]

    def __init__(self, first: Candidate, second: Candidate, rec: Recommendation) -> None:
        super().__init__(classes="detail-screen")
        self.first, self.second, self.recommendation = first, second, rec

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with VerticalScroll(id="compare"):
            yield Static(self._table(), id="cmp-table")
            with Horizontal(id="cmp-columns"):
                for i, c in enumerate((self.first, self.second)):
                    with Vertical(classes="cmp-column", id=f"cmp-{i}"):
                        yield section(f"#{c.rank} {c.label}")
                        yield MemoryBar(c.memory, gpus=c.gpus or 1)
                        yield Static(reasons_text(c, limit=6), classes="cmp-reasons")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"#{self.first.rank} vs #{self.second.rank}"

    def action_swap(self) -> None:
        self.app.switch_screen(CompareScreen(self.second, self.first, self.recommendation))

    def _table(self) -> Group:
        a, b = self.first, self.second
        w = self.recommendation.workload
        table = Table(box=None, padding=(0, 1), expand=True, show_edge=False)
        table.add_column("", style="dim", no_wrap=True)
        table.add_column(f"#{a.rank} {a.model}", ratio=1)
        table.add_column(f"#{b.rank} {b.model}", ratio=1)

        def row(label: str, va, vb, text, better: str | None = None) -> None:
            ta, tb = Text(text(a, va)), Text(text(b, vb))
            if better and va is not None and vb is not None and va != vb:
                win = ta if ((va < vb) == (better == "low")) else tb
                win.stylize("bold green")
            table.add_row(label, ta, tb)

        row("architecture", a.architecture, b.architecture, lambda c, v: "MoE" if v == "moe" else "dense")
        row("deployment", a.deployment, b.deployment, lambda c, v: f"{v} ({c.provider})")
        row("configuration", None, None, lambda c, v: services.config_text(c))
        row("$/M tokens", a.usd_per_mtok, b.usd_per_mtok, lambda c, v: fmt.usd(v, 3), "low")
        row("monthly", a.monthly_cost_usd, b.monthly_cost_usd, lambda c, v: fmt.usd(v), "low")
        row("utilization", a.utilization, b.utilization, lambda c, v: fmt.pct(v) if v is not None else "-", "high")
        row("quality", a.quality, b.quality,
            lambda c, v: f"{fmt.num(v, 1)} {c.quality_benchmark}" if v is not None else "-", "high")
        if w.latency == "interactive":
            row("TTFT", a.ttft_ms, b.ttft_ms, lambda c, v: f"{fmt.num(v)} ms" if v is not None else "provider's", "low")
            row("TPOT", a.tpot_ms, b.tpot_ms, lambda c, v: f"{fmt.num(v, 1)} ms" if v is not None else "provider's", "low")
        row("tokens/s per replica", a.output_tokens_per_s_per_replica, b.output_tokens_per_s_per_replica,
            lambda c, v: f"{fmt.num(v)} out" if v is not None else "-", "high")
        free_a = a.memory.free_bytes if a.memory else None
        free_b = b.memory.free_bytes if b.memory else None
        row("free GPU memory", free_a, free_b, lambda c, v: fmt.gb(v) if v is not None else "-", "high")
        row("break-even", None, None, lambda c, v: (
            (f"{fmt.num(c.break_even_tokens_per_day / 1e6, 1)}M tok/day" if c.break_even_tokens_per_day else "never")
            + f" vs {c.break_even_vs}") if c.break_even_vs else "-")
        diff = b.monthly_cost_usd - a.monthly_cost_usd
        word = "more" if diff > 0 else "less"
        summary = Text(f"#{b.rank} costs {fmt.usd(abs(diff))}/month {word} than #{a.rank}" if diff else
                       f"#{a.rank} and #{b.rank} cost the same per month", style="bold")
        return Group(summary, Text(""), table)
