"""The TUI says what the core says: the workload's filters on the ranking's summary line (wrapped, never cropped, at
120x40 and 80x24), the rejected list in the CLI's order (near misses by their margin against this workload's
targets), and a tiny non-zero $/M as ``<$0.001`` rather than ``$0.000``."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal

import pytest

pytest.importorskip("textual")
pytest.importorskip("pytest_textual_snapshot")

from test_tui import make_app, settle, until
from test_tui_fit import frame, row_line, still
from test_tui_snapshots import CANDIDATES, GB, WORKLOAD, CannedServices, settled

from advisor.domain.recommendation import Reason, Recommendation, Rejection
from advisor.domain.workload import PRESETS
from advisor.tui.widgets.ranking_table import RankingTable, per_mtok_cell

SIZES = [(120, 40), (80, 24)]


def ranking_pane_text(app) -> str:
    """The ranking pane's visible text in one string: each frame line right of the questions (when they show), its
    borders removed, the lines joined with the wrapping undone (runs of spaces as one)."""
    lines = [ln.split("││")[-1].strip("│╭╮╰╯ ") for ln in frame(app)]
    return re.sub(r"\s+", " ", " ".join(lines))


# --------------------------------------------------------------------------- 1. the filters on the summary line


@pytest.mark.parametrize("size", SIZES)
async def test_a_presets_gpu_filter_shows_on_the_summary_line_even_sorted(size):
    """steady-latency keeps only two GPU types: the summary line names them, whole, at both sizes, also once the
    sort suffix has made the line longer (the line wraps; it used to be cut at two lines)."""
    preset = PRESETS["steady-latency"]
    assert preset.gpu_types, "the preset this test relies on no longer filters GPU types"
    expected = "only GPU types " + ", ".join(preset.gpu_types)
    app = make_app(workload=preset)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await still(pilot)
        assert expected in ranking_pane_text(app), frame(app)
        table = app.screen.query_one(RankingTable)
        table.focus()
        await pilot.press("s")  # sorted by $/M: " · sorted by $/M tok ▲ lowest first (not rank)" is appended
        await until(pilot, lambda: table.sort_key != "rank")
        await still(pilot)
        status = str(app.screen.query_one("#status").render())
        assert "sorted by" in status and expected in status
        assert expected in ranking_pane_text(app), frame(app)


async def test_a_workload_without_filters_adds_nothing_to_the_summary_line():
    preset = PRESETS["bursty-app"]
    assert not preset.gpu_types and not preset.providers and not preset.models
    app = make_app(workload=preset)
    async with app.run_test(size=SIZES[0]) as pilot:
        await settle(pilot)
        status = str(app.screen.query_one("#status").render())
        assert "ranked" in status and "only " not in status


# --------------------------------------------------------------------------- 2. the rejected list's order


def _reason(code: str, message: str, **numbers) -> tuple[Reason, ...]:
    return (Reason(code, message, "decisive", numbers=numbers),)


FILTERED = Rejection(model="(filter)", deployment="filtered", reasons=_reason(
    "filtered", "GPU types a100 left out by the workload's gpu_types", left_out=("a100",)))
SLOW_10PCT = Rejection(model="llama-3.1-405b", deployment="self-hosted", provider="runpod", gpu="h200", gpus=8,
                       precision="bf16", reasons=_reason("too-slow", "one stream takes 44.0 ms per output token",
                                                         tpot_ms=44.0))
SHORT_25PCT = Rejection(model="deepseek-r1", deployment="self-hosted", provider="runpod", gpu="h100-sxm", gpus=8,
                        precision="fp8", shortfall_bytes=int(20 * GB),
                        reasons=_reason("does-not-fit", "does not fit: short by 20.0 GB per GPU",
                                        gpu_capacity_bytes=80 * GB))
API = Rejection(model="gpt-oss-120b", deployment="api", provider="groq", reasons=_reason(
    "api-context", "the provider's context window is shorter than 16,384 tokens"))
NO_SCORE = Rejection(model="mystery-7b", deployment="any", reasons=_reason(
    "quality-unknown", "no MMLU-Pro score: add one in a user catalog quality.toml"))


class RejectingServices(CannedServices):
    def recommend(self, w):
        return Recommendation(workload=w, candidates=CANDIDATES, rejected=(NO_SCORE, API, SHORT_25PCT, SLOW_10PCT,
                                                                            FILTERED), assumptions={}, evaluated=42)


async def test_the_rejected_screen_orders_near_misses_against_the_workloads_targets():
    """A 44 ms token against the workload's 40 ms target (25 tokens/s a user) misses by 10%, nearer than a GPU 20 GB
    short of 80 GB (25%): it comes first after the filter; without the target it sorted after every memory miss.
    The API rejection follows, the model without a score is last."""
    from advisor.tui.app import AdvisorApp
    from advisor.tui.screens.rejected import RejectedScreen

    assert WORKLOAD.tpot_limit_ms == pytest.approx(40.0)
    assert SLOW_10PCT.sort_key() > SHORT_25PCT.sort_key()  # the order this test tells apart from the old one
    app = AdvisorApp(services=RejectingServices(), workload=WORKLOAD, cursor_blink=False)
    async with app.run_test(size=SIZES[0]) as pilot:
        await settled(pilot)
        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, RejectedScreen))
        await still(pilot)
        assert app.screen.rejections == [FILTERED, SLOW_10PCT, SHORT_25PCT, API, NO_SCORE]
        labels = [r.label for r in app.screen.rejections]
        rows = [next(i for i, ln in enumerate(frame(app)) if label in ln) for label in labels]
        assert rows == sorted(rows), frame(app)  # the table shows them in that order


# --------------------------------------------------------------------------- 3. a tiny $/M


def test_the_per_mtok_cell_tells_a_tiny_bill_from_a_true_zero():
    c = CANDIDATES[0]
    tiny = dataclasses.replace(c, usd_per_mtok=Decimal("0.0000"), monthly_cost_usd=Decimal("0.35"))
    free = dataclasses.replace(c, usd_per_mtok=Decimal(0), monthly_cost_usd=Decimal(0))
    assert per_mtok_cell(tiny) == "<$0.001"
    assert per_mtok_cell(free) == "$0.000"
    assert per_mtok_cell(c) == "$0.063"
    assert per_mtok_cell(dataclasses.replace(c, usd_per_mtok=Decimal("150.7"))) == "$151"  # 7 characters at most


class TinyServices(CannedServices):
    def recommend(self, w):
        tiny = dataclasses.replace(CANDIDATES[0], usd_per_mtok=Decimal("0.0000"), monthly_cost_usd=Decimal("0.35"))
        return Recommendation(workload=w, candidates=(tiny, *CANDIDATES[1:]), rejected=(), assumptions={}, evaluated=5)


@pytest.mark.parametrize("size", SIZES)
async def test_a_tiny_per_mtok_reads_less_than_a_tenth_of_a_cent(size):
    """$0.35 a month for 62M tokens a day is $0.0000/M at the core's four decimals: the row, the summary line and the
    detail line say <$0.001, not $0.000 (which would read as free)."""
    from advisor.tui.app import AdvisorApp

    app = AdvisorApp(services=TinyServices(), workload=WORKLOAD, cursor_blink=False)
    async with app.run_test(size=size) as pilot:
        await settled(pilot)
        await still(pilot)
        if size[0] < 100:  # beside the questions the table has no $/M column: the full width (ctrl+b) has it
            assert "$0.000" not in row_line(app, 1)
            await pilot.press("ctrl+b")
            await still(pilot)
        assert "<$0.001" in row_line(app, 1) and "$0.000" not in row_line(app, 1)
        assert "$0.063" not in row_line(app, 1)
        text = ranking_pane_text(app)
        assert "best <$0.001/M tok" in text and "$0.000" not in text, frame(app)

