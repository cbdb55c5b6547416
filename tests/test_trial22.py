"""User trial 22: what a serving engineer tripped on, each checked where it was seen."""

from __future__ import annotations

import threading

import pytest

from advisor import api
from advisor.reports.diff import diff_reports
from advisor.reports.load import load_report
from advisor.reports.export import write_report
from advisor.tui.widgets.names import cut, distinct_cuts


def test_scale_to_zero_compares_with_the_fixed_fleet_it_prices():
    """'costs 66% less than the same replicas fixed all month ($64,648.80)' priced 36 replicas against a job of 38."""
    w = api.workload(requests_per_day=20e6, input_tokens=3000, output_tokens=250, latency="batch", deadline_hours=8,
                     min_quality=70)
    rows = [c for c in api.recommend(w).candidates[:30] if c.scaling == "scale-to-zero"]
    said = [(c, r) for c in rows for r in c.reasons if r.code == "scaling"]
    assert said
    for c, r in said:
        fixed = r.numbers["fixed_replicas"]
        if fixed != c.replicas:
            assert f"{fixed} replica" in r.message and "same replicas" not in r.message
        else:
            assert "the same replicas fixed all month" in r.message
    assert any(r.numbers["fixed_replicas"] != c.replicas for c, r in said)


def test_spot_on_an_interactive_service_is_an_outage_not_a_retried_job():
    w = api.workload(requests_per_day=100_000, pricing=["spot"], self_hosting="required")
    spot = [r for c in api.recommend(w).candidates[:10] for r in c.reasons if r.code == "spot"]
    assert spot
    for r in spot:
        assert "checkpoint and retry" not in r.message and "requests in flight are lost" in r.message
    batch = api.workload(requests_per_day=100_000, latency="batch", pricing=["spot"], self_hosting="required")
    assert any("checkpoint and retry" in r.message for c in api.recommend(batch).candidates[:5] for r in c.reasons
               if r.code == "spot")


def test_report_diff_shows_the_monthly_the_ranking_compares(tmp_path):
    """The TUI showed $2,648 (fine-tuning included) where the diff said $2,620.70 (serving only) for the same row."""
    base = api.preset("steady-latency")
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    write_report(api.recommend(base), a)
    write_report(api.recommend(api.workload(preset="steady-latency", requests_per_day=base.requests_per_day * 40)), b)
    d = diff_reports(load_report(a), load_report(b))
    assert d.with_fine_tuning and "serving plus the fine-tuning runs" in d.text()
    new = {c.label: c for c in load_report(b).recommendation.candidates}
    moved = [c for c in d.rank_changes if c.label in new]
    assert moved
    for c in moved:
        assert c.new_monthly_cost_usd == new[c.label].monthly_total_usd
        assert new[c.label].fine_tuning_monthly_usd  # the figure differs from the serving-only one
        assert c.new_monthly_cost_usd != new[c.label].monthly_cost_usd


@pytest.mark.parametrize("width", range(5, 11))
def test_a_model_id_is_never_cut_inside_its_number(width):
    """'qwen2.5-7…' (80x24) read as a 7B model; it was qwen2.5-72b."""
    ids = {"qwen2.5-72b", "qwen2.5-7b", "llama-3.3-70b", "llama-3.1-8b", "qwen3-235b-a22b", "qwen3-30b-a3b"}
    for name, short in [*distinct_cuts(ids, width).items(), *((n, cut(n, width)) for n in ids)]:
        assert len(short) <= width
        if short == name:
            continue
        head, _, tail = short.partition("…")
        # what is kept of a number is all of it: the character after a kept start, or before a kept end, is no digit
        # of the same number
        if head and head[-1].isdigit():
            assert not name[len(head)].isdigit(), (name, short)
        if tail and name.endswith(tail) and tail[0].isdigit():
            assert not name[len(name) - len(tail) - 1].isdigit() and name[len(name) - len(tail) - 1] != ".", (name, short)
    assert distinct_cuts({"qwen2.5-72b", "qwen2.5-7b"}, 9) == {"qwen2.5-72b": "qwen…72b", "qwen2.5-7b": "qwen…7b"}


async def test_another_preset_says_ranking_at_once():
    """Three → presses: the title said long-context over batch-pipeline's rows with no 'ranking…' (the ranking thread
    starved the 150 ms timer)."""
    pytest.importorskip("textual")
    from textual.widgets import Static

    from advisor.tui.app import AdvisorApp
    from test_tui import settle, until

    app = AdvisorApp(cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        gate, real = threading.Event(), app.services.recommend
        app.services.recommend = lambda w: (gate.wait(10), real(w))[1]  # the next ranking waits until released
        try:
            app.action_preset("long-context")
            await pilot.pause(0.02)  # well within the 150 ms a typed edit waits before it says so
            assert "ranking…" in str(app.main.query_one("#status", Static).render())
            assert app.main.query_one("#results").has_class("-pending")
        finally:
            gate.set()
        await until(pilot, lambda: app.recommendation is not None and app.recommendation.workload.name == "long-context")
        assert not app.main.query_one("#results").has_class("-pending")


async def test_another_preset_keeps_the_answers_it_replaced():
    """Trial 22: → on the Preset field after typing 5,000,000 requests/day loaded the next preset and the edit was gone.
    Review 22: stepping back onto kept answers must not lose the ones made since."""
    pytest.importorskip("textual")
    from advisor.tui.app import AdvisorApp
    from advisor.tui.widgets.choice import Choice
    from test_tui import settle, type_into

    app = AdvisorApp(cursor_blink=False, workload=api.preset("steady-latency"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_into(pilot, "requests_per_day", "5000000")
        await settle(pilot)
        assert app.recommendation.workload.requests_per_day == 5e6
        choice = app.screen.query_one("#preset", Choice)
        assert choice.value == "steady-latency (edited)"  # trial 24: said at the edit, not only once left
        shown = str(choice.render())
        assert shown.endswith("(edited) ▸") or "(edited) ▸ " in shown  # the preset's name is cut, not what it says
        choice.focus()
        await pilot.press("right")
        await settle(pilot)
        assert app.recommendation.workload.name == "batch-pipeline"
        assert choice.options.index("steady-latency (edited)") == choice.options.index("batch-pipeline") - 1
        await type_into(pilot, "requests_per_day", "7000000")  # batch-pipeline edited too
        await settle(pilot)
        choice.focus()
        assert choice.value == "batch-pipeline (edited)"
        await pilot.press("left", "left")  # past the preset as loaded: the answers the preset replaced
        await settle(pilot)
        assert choice.value == "steady-latency (edited)"
        w = app.recommendation.workload
        assert w.requests_per_day == 5e6 and w.name == "custom" and "steady-latency" in w.description
        assert "batch-pipeline (edited)" in choice.options  # the newer edits, kept in turn
        await pilot.press("right", "right")
        await settle(pilot)
        assert choice.value == "batch-pipeline (edited)" and app.recommendation.workload.requests_per_day == 7e6


def test_a_batch_plan_says_when_the_estimates_error_misses_its_deadline():
    """Trial 22: batch plans ran at 97-99% of the estimated capacity; the speed-risk line priced the slower engine's
    larger fleet but never said the plan as signed would miss the deadline."""
    w = api.workload(preset="batch-pipeline", requests_per_day=5e6)
    late = 0
    for c in api.recommend(w).candidates[:20]:
        r = next(r for r in c.reasons if r.code == "speed-risk")
        err, more = r.numbers["estimate_error"], r.numbers.get("replicas_peak_at_error")
        if more is None or more <= c.replicas_peak:
            assert "past the" not in r.message
            continue
        cap = c.output_tokens_per_s_per_replica * (1 - err) * c.replicas_peak
        cold = next(x for x in c.reasons if x.code == "cold-start").numbers["cold_start_s"] if c.scaling == "scale-to-zero" else 0.0
        generated = w.output_tokens * (c.output_multiplier or 1.0)  # a thinking row generates its reasoning tokens too
        hours = (w.requests_per_day * generated / cap + cold) / 3600
        assert ("past the 24 h deadline" in r.message) == (hours > 24), (c.label, hours, r.message)
        if hours > 24:
            late += 1
            assert r.severity == "warning" and f"would finish in {hours:.1f} h" in r.message
    assert late
