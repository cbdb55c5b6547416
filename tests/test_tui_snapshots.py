"""Snapshot tests of the main screens (pytest-textual-snapshot, SVGs in tests/__snapshots__/).

Deterministic by construction: the app runs on canned services (a fixed recommendation, fixed price
sources, a fixed refresh result), a fixed workload, no cursor blink, no clock, pinned Textual. So a
snapshot changes only when the TUI's look changes, not when the engine or the catalogs do.
Regenerate with ``pytest tests/test_tui_snapshots.py --snapshot-update`` and review the SVGs.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest

pytest.importorskip("pytest_textual_snapshot")

from advisor.domain.recommendation import Candidate, MemoryBreakdown, Reason, Recommendation, Rejection, UtilizationPoint  # noqa: E402
from advisor.tui.app import AdvisorApp  # noqa: E402
from advisor.tui.services import PluginRow, PriceSource, RefreshRow, Services  # noqa: E402
from advisor.domain.workload import Workload  # noqa: E402

WORKLOAD = Workload(
    name="custom", requests_per_day=40_000, input_tokens=1_200, output_tokens=350, traffic_shape="steady",
    peak_to_mean=1.5, latency="interactive", ttft_ms=1_000, output_tokens_per_s_per_user=25, fine_tuning="light",
    context_typical_tokens=2_000, context_max_tokens=16_384, min_quality=70, self_hosting="allowed",
    precisions=("bf16", "fp8"), max_gpus=8,
)

GB = 1_000_000_000


def _self_hosted(rank, model, name, arch, gpu, gpus, provider, monthly, per_mtok, util, quality, weights_gb, kv_gb,
                 reserve_gb, capacity_gb, tok_s, batch, ttft, tpot, reasons, pareto=False) -> Candidate:
    k = Decimal(str(per_mtok)) * Decimal(str(util))
    return Candidate(
        model=model, model_name=name, architecture=arch, deployment="self-hosted", provider=provider, gpu=gpu, gpus=gpus,
        replicas=1, precision="fp8", monthly_cost_usd=Decimal(str(monthly)), usd_per_mtok=Decimal(str(per_mtok)),
        utilization=util, quality=quality, quality_benchmark="MMLU-Pro", hourly_usd=Decimal(str(monthly)) / 730,
        price_source="https://example.test/prices", price_as_of="2026-05-28",
        memory=MemoryBreakdown(capacity_bytes=int(capacity_gb * GB), weights_bytes=int(weights_gb * GB),
                               kv_cache_bytes=int(kv_gb * GB), reserve_bytes=int(reserve_gb * GB),
                               kv_capacity_bytes=int((capacity_gb - weights_gb - reserve_gb) * GB), concurrency=10.0),
        output_tokens_per_s_per_replica=tok_s, batch=batch, ttft_ms=ttft, tpot_ms=tpot, bound="memory bandwidth",
        kv_precision="fp8", parallelism="single GPU" if gpus == 1 else f"tensor parallel over {gpus} GPUs (NVLink)",
        utilization_table=tuple(UtilizationPoint(u, (k / Decimal(str(u))).quantize(Decimal("0.0001"))) for u in (0.9, 0.4, 0.1)),
        single_stream_usd_per_mtok=Decimal("6.7481"), break_even_vs="openrouter at $0.181/M", reasons=reasons, rank=rank,
        pareto=pareto,
    )


def _api(rank, model, name, arch, provider, monthly, per_mtok, quality, reasons, pareto=False) -> Candidate:
    return Candidate(
        model=model, model_name=name, architecture=arch, deployment="api", provider=provider, gpu=None, gpus=0, replicas=1,
        precision=None, monthly_cost_usd=Decimal(str(monthly)), usd_per_mtok=Decimal(str(per_mtok)), utilization=None,
        quality=quality, quality_benchmark="MMLU-Pro", price_source="https://example.test/api", price_as_of="2026-08-25",
        api_input_usd_per_mtok=Decimal("0.04"), api_output_usd_per_mtok=Decimal("0.15"), reasons=reasons, rank=rank,
        pareto=pareto,
    )


CANDIDATES = (
    _api(1, "gemma-3-27b", "Gemma 3 27B", "dense", "openrouter", "117.18", "0.063", 67.5, (
        Reason("rank", "cheapest feasible option at $117.18/month ($0.063/M tokens); beats #2 by $85.54/month", "decisive"),
        Reason("api-price", "pay per token: $0.04/M input, $0.15/M output: $0.063/M blended for 1,200 in / 350 out"),
        Reason("api-latency", "provider latency and rate limits are not modelled", "warning"),
    ), pareto=True),
    _api(2, "deepseek-v4-flash", "DeepSeek V4 Flash", "moe", "deepinfra", "202.72", "0.109", 86.2, (
        Reason("rank", "#2: $202.72/month, $85.54 more than #1 (gemma-3-27b via openrouter)", "decisive"),
    ), pareto=True),
    _self_hosted(3, "qwen2.5-72b", "Qwen2.5 72B", "dense", "h200", 1, "digitalocean", "2511.20", "1.3316", 0.3598, 71.1,
                 75.2, 3.2, 11.0, 151.4, 450.4, 18, 179.0, 39.97, (
                     Reason("rank", "#3: $2,511.20/month, $2,394.02 more than #1 (gemma-3-27b via openrouter)", "decisive"),
                     Reason("break-even", "never beats openrouter at $0.181/M for qwen2.5-72b: even at 100% utilization "
                            "one replica costs $0.479/M tokens"),
                     Reason("capacity", "one replica (1x h200, single GPU) sustains 450 output tokens/s at batch 18 "
                            "(memory bandwidth-bound); 1 replica for the peak of 243 output tokens/s"),
                     Reason("latency", "TPOT 40.0 ms at batch 18 (target 40.0 ms); TTFT 179 ms (target 1,000 ms)"),
                     Reason("estimate", "qwen2.5-72b is not in the calibration set (dense model): the estimate "
                            "extrapolates the fitted factors", "warning"),
                 )),
    _self_hosted(4, "llama-4-scout", "Llama 4 Scout 17B-16E", "moe", "h200", 1, "digitalocean", "2511.20", "1.3316", 0.2794,
                 74.3, 109.9, 1.9, 6.5, 151.4, 580.1, 23, 83.0, 39.7, (
                     Reason("rank", "#4: $2,511.20/month, $2,394.02 more than #1 (gemma-3-27b via openrouter)", "decisive"),
                     Reason("moe-idle-experts", "MoE at 28% utilization: you pay for 96.7 GB of resident experts that "
                            "mostly sit idle; a decode step at batch 23 reads 12 of 16 experts per layer", "decisive"),
                     Reason("lora-moe", "LoRA adapters on an MoE: supported by fewer serving engines", "warning"),
                 )),
    _self_hosted(5, "qwen2.5-72b", "Qwen2.5 72B", "dense", "h100-sxm", 2, "runpod", "3927.40", "2.0826", 0.1101, 71.1,
                 75.2, 3.2, 5.5, 171.8, 1471.9, 64, 95.0, 39.9, (
                     Reason("rank", "#5: $3,927.40/month, $3,810.22 more than #1 (gemma-3-27b via openrouter)", "decisive"),
                 )),
)

REJECTED = (
    Rejection(model="deepseek-r1", deployment="self-hosted", provider="runpod", gpu="h100-sxm", gpus=8, precision="fp8",
              shortfall_bytes=int(1.0 * GB), reasons=(Reason(
                  "does-not-fit", "does not fit on 8x h100-sxm in fp8: needs 86.9 GB per GPU (weights 84.1 GB, runtime "
                  "reserve 2.2 GB, one 16,384-token sequence of KV) but a GPU has 85.9 GB: short by 1.0 GB per GPU",
                  "decisive"),)),
    Rejection(model="llama-3.1-8b", deployment="any", reasons=(Reason(
        "quality", "scores 48.3 on MMLU-Pro, below the floor of 70", "decisive"),)),
    Rejection(model="llama-3.1-405b", deployment="self-hosted", provider="runpod", gpu="h200", gpus=8, precision="bf16",
              reasons=(Reason("too-slow", "one stream alone takes 45.5 ms per output token on 8x h200 (bf16): slower "
                              "than the 25 tokens/s per user target (40.0 ms)", "decisive"),)),
)


class CannedServices(Services):
    """Fixed answers: the snapshots show the TUI, not today's catalogs."""

    def recommend(self, w: Workload) -> Recommendation:
        return Recommendation(workload=w, candidates=CANDIDATES, rejected=REJECTED, assumptions={}, evaluated=42)

    def check_ids(self, w: Workload) -> None:
        return None

    def cheapest_api(self, c, rec):
        return 0.181, f"{c.model} via openrouter"

    def default_report_path(self, w: Workload) -> Path:
        return Path("reports") / f"moe-advisor-{w.name}.toml"

    def write_report(self, rec, path, force=False):
        from advisor.reports import ReportExistsError

        if not force:
            raise ReportExistsError(Path(path))
        return Path(path)

    def price_sources(self):
        return [
            PriceSource("azure", "gpu", "azure", "live cache 2026-11-20T08:00:00Z", 4, "2026-11-20", 2, False, True),
            PriceSource("runpod", "gpu", "runpod", "bundled snapshot", 14, "2026-03-10", 257, True, False),
            PriceSource("openrouter", "api", "openrouter", "bundled snapshot", 17, "2026-01-24", 302, True, True),
            PriceSource("together", "api", "together", "bundled snapshot", 17, "2026-08-21", 93, False, False),
        ]

    def plugins(self):
        return [
            PluginRow("backends", "0.1.0", "register_cost_backends", "ok"),
            PluginRow("openrouter", "0.1.0", "register_api_price_sources", "ok"),
            PluginRow("acme-prices", "2.0.1", "", "failed", "import failed: ModuleNotFoundError: No module named 'acme'"),
        ]

    def refresh_prices(self, progress):
        progress("azure", 0, 2)
        progress("azure", 1, 2)
        progress("openrouter", 1, 2)
        progress("openrouter", 2, 2)
        return [
            RefreshRow("azure", "ok", 4, "4 prices from https://prices.azure.com/api/retail/prices", "live"),
            RefreshRow("openrouter", "failed", 0, "HTTP 503 from https://openrouter.ai/api/v1/models; using the bundled "
                       "snapshot (as of 2026-01-24, 302 days old)", "snapshot"),
        ]


def canned_app(workload: Workload = WORKLOAD) -> AdvisorApp:
    return AdvisorApp(services=CannedServices(), workload=workload, cursor_blink=False)


async def settled(pilot) -> None:
    app = pilot.app
    for _ in range(500):
        await pilot.pause(0.02)
        main = app.main
        if (main.form.complete and app._last_values == main.form.values() and not app.pending
                and app.recommendation is not None):
            break
    await app.workers.wait_for_complete()
    await pilot.pause()


def test_main_screen_120x40(snap_compare):
    assert snap_compare(canned_app(), terminal_size=(120, 40), run_before=settled)


def test_main_screen_80x24(snap_compare):
    assert snap_compare(canned_app(), terminal_size=(80, 24), run_before=settled)


def test_main_screen_with_an_invalid_field(snap_compare):
    async def run_before(pilot):
        await settled(pilot)
        inp = pilot.app.screen.query_one("#input_tokens")
        inp.focus()
        inp.value = "12k"
        await pilot.pause()

    assert snap_compare(canned_app(), terminal_size=(120, 40), run_before=run_before)


def test_breakdown_120x40(snap_compare):
    async def run_before(pilot):
        await settled(pilot)
        pilot.app.open_breakdown(CANDIDATES[2])
        await pilot.pause()

    assert snap_compare(canned_app(), terminal_size=(120, 40), run_before=run_before)


def test_breakdown_80x24(snap_compare):
    async def run_before(pilot):
        await settled(pilot)
        pilot.app.open_breakdown(CANDIDATES[3])
        await pilot.pause()

    assert snap_compare(canned_app(), terminal_size=(80, 24), run_before=run_before)


def test_compare_120x40(snap_compare):
    async def run_before(pilot):
        await settled(pilot)
        pilot.app.open_compare(CANDIDATES[0], CANDIDATES[2])
        await pilot.pause()

    assert snap_compare(canned_app(), terminal_size=(120, 40), run_before=run_before)


def test_rejected_120x40(snap_compare):
    assert snap_compare(canned_app(), terminal_size=(120, 40), run_before=settled, press=["f3"])


def test_prices_after_a_refresh_with_a_failing_source(snap_compare):
    async def run_before(pilot):
        await settled(pilot)
        await pilot.press("f2")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("r")
        await pilot.app.workers.wait_for_complete()
        await settled(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(canned_app(), terminal_size=(120, 40), run_before=run_before)


def test_help_120x40(snap_compare):
    assert snap_compare(canned_app(), terminal_size=(120, 40), run_before=settled, press=["f1"])


def test_export_dialog(snap_compare):
    assert snap_compare(canned_app(), terminal_size=(100, 30), run_before=settled, press=["ctrl+s"])


def test_overwrite_confirmation(snap_compare):
    assert snap_compare(canned_app(), terminal_size=(100, 30), run_before=settled, press=["ctrl+s", "enter"])


def test_batch_workload_form(snap_compare):
    batch = dataclasses.replace(WORKLOAD, latency="batch", deadline_hours=8, self_hosting="required")
    assert snap_compare(canned_app(batch), terminal_size=(120, 40), run_before=settled)
