"""One candidate, explained: cost, memory, GPU configuration, speed against the targets, $/M tokens
against utilization, and the reasons in plain sentences."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Header, Static

from advisor.common import fmt
from advisor.domain.candidate_text import break_even_text, hourly_text, per_mtok_text
from advisor.domain.recommendation import Candidate, Recommendation
from advisor.domain.workload import Workload
from advisor.tui import services
from advisor.tui.screens.base import AdvisorScreen
from advisor.tui.widgets.cost_plot import CostPlot
from advisor.tui.widgets.key_footer import KeyFooter
from advisor.tui.widgets.memory_bar import MemoryBar, adapter_bytes
from advisor.tui.widgets.ranking_table import arch_label, candidate_label, where

MARKS = {"decisive": ("!", "bold"), "warning": ("~", "yellow"), "info": ("·", "")}


def reasons_text(c: Candidate, limit: int | None = None) -> Text:
    lines = []
    for r in c.reasons[:limit]:
        mark, style = MARKS.get(r.severity, ("·", ""))
        lines.append(Text.assemble((f"{mark} ", style or "dim"), (r.message, style if r.severity == "warning" else "")))
    return Text("\n").join(lines) if lines else Text("(no reasons recorded)", style="dim")


def cost_text(c: Candidate) -> Text:
    t = Text()
    t.append(f"{fmt.usd(c.monthly_total_usd)}/month", "bold")
    if c.fine_tuning_monthly_usd:
        t.append(f" (serving {fmt.usd(c.monthly_cost_usd)} + fine-tuning {fmt.usd(c.fine_tuning_monthly_usd)})")
    t.append(f" · {per_mtok_text(c)}")
    if c.hourly_usd is not None:
        t.append(f" · {hourly_text(c)}")
    if c.deployment == "api" and c.api_input_usd_per_mtok is not None:
        t.append(f"\n{fmt.usd(c.api_input_usd_per_mtok)}/M input, {fmt.usd(c.api_output_usd_per_mtok)}/M output")
    if c.billed_gpu_hours_per_month is not None:
        t.append(f"\nbilled: {fmt.hours(c.billed_gpu_hours_per_month)} GPU-h/month × {fmt.usd_rate(c.usd_per_gpu_hour)} "
                 f"({c.scaling}, {c.pricing_kind}, {c.replica_range})")
    t.append(f"\nprice: {c.provider}, as of {c.price_as_of or '?'}", "dim")
    return t


def engines(c: Candidate) -> int:
    """Serving engines in one replica (``4 engines x TP2 (data parallel)`` -> 4)."""
    import re

    found = re.match(r"\s*(\d+) engines", c.parallelism or "")
    return int(found.group(1)) if found else 1


def config_text(c: Candidate) -> Text:
    if c.deployment == "api":
        return Text(f"per-token API from {c.provider}; no GPUs to run")
    total = (c.replicas_peak or c.replicas) * c.gpus
    t = Text(f"{c.replica_range} × {c.gpus} {c.gpu} ({total:,} GPU{'s' if total != 1 else ''} at peak); {c.parallelism}")
    extra = [x for x in (f"engine {c.engine}" if c.engine else "", f"layout {c.layout}" if c.layout else "",
                         f"{c.instance_gpus}-GPU instances" if c.instance_gpus else "") if x]
    t.append(f"\n{c.precision} weights, {c.kv_precision} KV cache; {c.provider}" + (f"; {', '.join(extra)}" if extra else ""))
    t.append(f"\n{fmt.REPLICA_LEGEND}; a replica is one sold instance, which may run several engines", "dim")
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
    point = operating_point(c, rec.workload)
    return Group(table, Text(point, style="dim")) if point else Group(table)


def operating_point(c: Candidate, w: Workload | None = None) -> str:
    """The batch behind the speed figures, told apart from the sequences the KV cache holds. Batch work has no TPOT
    target: its batch is the throughput-optimal one."""
    if c.deployment == "api" or c.batch is None:
        return ""
    n = engines(c)
    per = " per engine" if n > 1 else ""
    timed = c.tpot_ms and (w is None or w.tpot_limit_ms)
    limit = "the largest batch within the TPOT target" if timed else "the throughput-optimal batch: batch work has no TPOT target"
    held = ""
    if c.memory is not None and c.memory.concurrency:
        held = f"; the KV cache holds the {fmt.mean_count(c.memory.concurrency / n, 'sequence')}{per} in flight at peak"
        if w is not None and (why := fmt.admitted(c.memory.kv_context_tokens, w.input_tokens, w.output_tokens, c.engine)):
            held += f", {c.memory.kv_context_tokens:,} tokens each{why}"
    return f"speed at batch {c.batch:,}{per} ({limit}; TPOT {fmt.num(c.tpot_ms, 1)} ms, {c.bound}-bound){held}"


def utilization_text(c: Candidate) -> Text:
    if not c.utilization_table:
        return Text("")
    t = Text("$/M tokens at ", style="")
    t.append(", ".join(f"{p.utilization:.0%}: {fmt.usd(p.usd_per_mtok, 3)}" for p in c.utilization_table))
    if c.single_stream_usd_per_mtok is not None:
        t.append(f"; one user alone: {fmt.usd(c.single_stream_usd_per_mtok, 3)}")
    if c.break_even_vs:
        t.append(f"\nbreak-even with {c.break_even_vs}: {break_even_text(c)}")
    return t


def section(title: str) -> Static:
    return Static(title, classes="section-title")


class BreakdownScreen(AdvisorScreen):
    """``BreakdownScreen(candidate, recommendation)``."""

    BINDINGS = [Binding("escape,q", "app.pop_screen", "Back", tooltip="Back to the ranking"),
                Binding("d", "deploy", "Deploy", tooltip="Launch configs for this candidate (vLLM, SGLang, TRT-LLM, SkyPilot)")]

    def action_deploy(self) -> None:
        from advisor.tui.screens.deploy import DeployScreen

        self.app.push_screen(DeployScreen(self.candidate, self.recommendation))

    def __init__(self, candidate: Candidate, rec: Recommendation) -> None:
        super().__init__(classes="detail-screen")
        self.candidate = candidate
        self.recommendation = rec

    def compose(self) -> ComposeResult:
        c, rec = self.candidate, self.recommendation
        yield Header(icon="◆")
        with VerticalScroll(id="breakdown"):
            arch = arch_label(c.architecture, long=True)
            quality = f" · quality {fmt.num(c.quality, 1)} {c.quality_benchmark}" if c.quality is not None else ""
            yield Static(Text.assemble((f"#{c.rank} {c.model_name}", "bold"), f"  {arch} · {where(c)}{quality}"),
                         id="bd-title")
            with Horizontal(id="bd-columns"):
                with Vertical(id="bd-left"):
                    yield section("Cost")
                    yield Static(cost_text(c), id="bd-cost")
                    yield section("GPU configuration")
                    yield Static(config_text(c), id="bd-config")
                    if c.memory is not None:
                        yield section(f"Memory per replica ({fmt.GB_LEGEND})")
                        yield MemoryBar(c.memory, gpus=c.gpus or 1, adapters=adapter_bytes(c), engines=c.engines_per_replica or 1,
                                        id="bd-memory")
                    yield section("Throughput and latency against the targets")
                    yield Static(targets_table(c, rec), id="bd-targets")
                with Vertical(id="bd-right"):
                    curve = None
                    if c.deployment != "api":
                        api_usd, api_label = self.app.services.cheapest_api(c, rec)  # type: ignore[attr-defined]
                        curve = services.cost_curve(c, api_usd, api_label)
                    if curve is not None:
                        yield section("$/M tokens against utilization")
                        yield CostPlot(curve, id="bd-plot")
                        yield Static(utilization_text(c), id="bd-utilization")
                    else:  # an API costs the same per token at any volume: one line, no empty plot
                        yield section("$/M tokens against utilization")
                        yield Static(Text("the same at any utilization: the API bills per token", style="dim"),
                                     id="bd-utilization")
            yield section("Why")
            yield Static(reasons_text(c), id="bd-reasons")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = candidate_label(self.candidate)


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
                        yield section(f"#{c.rank} {candidate_label(c)}")
                        yield MemoryBar(c.memory, gpus=c.gpus or 1, adapters=adapter_bytes(c), engines=c.engines_per_replica or 1)
                        yield Static(reasons_text(c, limit=6), classes="cmp-reasons")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = f"#{self.first.rank} vs #{self.second.rank}"

    def action_swap(self) -> None:
        self.app.switch_screen(CompareScreen(self.second, self.first, self.recommendation))

    def _table(self) -> Group:
        a, b = self.first, self.second
        w = self.recommendation.workload
        table = Table(box=None, padding=(0, 1), expand=True, show_edge=False)
        table.add_column("", style="dim", no_wrap=True)
        table.add_column(f"#{a.rank} {a.model}", ratio=1)  # the better value of a row is in bold green
        table.add_column(f"#{b.rank} {b.model}", ratio=1)

        def row(label: str, va, vb, text, better: str | None = None) -> None:
            ta, tb = Text(text(a, va)), Text(text(b, vb))
            if better and va is not None and vb is not None and va != vb:
                win = ta if ((va < vb) == (better == "low")) else tb
                win.stylize("bold green")
            table.add_row(label, ta, tb)

        row("architecture", a.architecture, b.architecture, lambda c, v: arch_label(v, long=True))
        row("deployment", a.deployment, b.deployment, lambda c, v: f"{v} ({c.provider})")
        row("configuration", None, None, lambda c, v: where(c))
        row("engine, layout", None, None, lambda c, v: f"{c.engine}, {c.layout}" if c.engine else "-")  # (trial 33)
        row("$/M tokens", a.usd_per_mtok, b.usd_per_mtok, lambda c, v: fmt.usd(v, 3), "low")
        row("monthly", a.monthly_total_usd, b.monthly_total_usd, lambda c, v: fmt.usd(v), "low")
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
        row("break-even", None, None, lambda c, v: f"{break_even_text(c)} (vs {c.break_even_vs})" if c.break_even_vs else "-")
        diff = b.monthly_total_usd - a.monthly_total_usd
        word = "more" if diff > 0 else "less"
        summary = Text(f"#{b.rank} costs {fmt.usd(abs(diff))}/month {word} than #{a.rank}" if diff else
                       f"#{a.rank} and #{b.rank} cost the same per month", style="bold")
        return Group(summary, Text(""), table)
