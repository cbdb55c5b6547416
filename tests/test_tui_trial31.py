"""User trial 31, the TUI at 80x24: the narrow ranking drawn at its header's width after edits, keys typed right after
ctrl+s lost by the export dialog, and the narrow "model · where" cells told apart inconsistently."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from test_tui import make_app, settle  # noqa: E402
from test_tui_fit import frame, row_line, still  # noqa: E402

from advisor.domain.workload import PRESETS  # noqa: E402
from advisor.tui.widgets.cells import gpu_short  # noqa: E402
from advisor.tui.widgets.ranking_table import RankingTable  # noqa: E402


async def test_a_frame_painted_before_the_table_is_idle_keeps_the_narrow_layout():
    """A ranking landing while the app is busy: the screen painted the new rows before the table had measured them
    (it does so when next idle), so the model column was drawn at its header's width, "phi-4 1-4×1 r", with the
    quality and a clipped "where" column beside it, and stayed so (the table's render cache outlived the new widths)
    until ctrl+r twice. Now every frame shows the narrow layout whole."""
    app = make_app(workload=PRESETS["heavy-fine-tuning"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await still(pilot)
        rec = app.recommendation
        table = app.screen.query_one(RankingTable)
        first = rec.candidates[0]
        app.main.show_ranking(rec)  # the ranking lands...
        painted = frame(app)  # ...and a frame is drawn before the table's next idle
        await still(pilot)
        for lines in (painted, frame(app)):
            header = next(ln for ln in lines if "monthly" in ln and "#" in ln)
            assert "model · where" in header and "quality" not in header, header
        assert table.shown[:3] == ("rank", "monthly", "model")
        cell = str(table.get_row(str(first.rank))[2])
        assert cell in row_line(app, first.rank) and f"{gpu_short(first.gpu)} {first.precision}" in cell


async def test_keys_typed_right_after_ctrl_s_reach_the_export_dialog_in_order(tmp_path):
    """ctrl+s, then ctrl+a ctrl+k, a path and enter, all in one burst: the report is written there. The dialog
    opened only once the export worker ran, after some of the keys had gone to the question still focused, and its
    field's ctrl+a and ctrl+k ran after the path typed behind them (bindings, handled on the way back up): the field
    ended empty and the dialog said "give a file name"."""
    from advisor.tui.screens.dialogs import ExportDialog
    from test_tui import until
    from test_tui_review_fixes import burst

    target = tmp_path / "fast-export.toml"
    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        before = app.main.form.values()
        burst(app, ["ctrl+s", "ctrl+a", "ctrl+k", *str(target), "enter"])
        await until(pilot, lambda: target.exists() or (isinstance(app.screen, ExportDialog)
                                                       and "✗" in str(app.screen.query_one("#export-error").render())))
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert target.exists() and app.exported_path == target.resolve()
        assert not isinstance(app.screen, ExportDialog)
        assert app.main.form.values() == before  # none of the keys went to the question focused behind the dialog

        # An empty name is refused with a line saying so; editing the name to one takes the stale line away.
        burst(app, ["ctrl+s", "ctrl+a", "ctrl+k", "enter"])
        await until(pilot, lambda: isinstance(app.screen, ExportDialog)
                    and "give a file name" in str(app.screen.query_one("#export-error").render()))
        burst(app, list("r.toml"))
        await until(pilot, lambda: app.screen.query_one("#export-path").value == "r.toml")
        assert str(app.screen.query_one("#export-error").render()).strip() == ""
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ExportDialog))


async def test_a_ranking_with_no_feasible_option_is_laid_out():
    """No candidate (a TTFT of 2 ms): the table is laid out with its headers alone, the status says why."""
    import dataclasses

    app = make_app(workload=dataclasses.replace(PRESETS["heavy-fine-tuning"], ttft_ms=2.0))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.recommendation.candidates == () and app.main.table.row_count == 0
        assert any("No feasible option" in ln for ln in frame(app))


async def test_the_fine_tuning_volume_the_bill_assumes_is_shown_and_edited_in_the_form():
    """The form had only the Plan: the heavy-fine-tuning preset billed its hidden 2 runs x 200M tokens, and a team
    planning one 50M-token run a month could not say so outside a file. Both fields are in the Fine-tuning section."""
    from test_tui import until

    from advisor.tui.widgets.workload_form import WorkloadForm

    app = make_app(workload=PRESETS["heavy-fine-tuning"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        form = app.screen.query_one(WorkloadForm)
        await until(pilot, lambda: form.complete)
        shown = form.values()
        assert (shown["fine_tune_tokens"], shown["fine_tunes_per_month"]) == ("200000000", "2")
        before = app.recommendation.candidates[0].fine_tuning_monthly_usd
        for field, text in (("fine_tune_tokens", "50000000"), ("fine_tunes_per_month", "1")):
            app.screen.query_one(f"#{field}").focus()
            await pilot.pause()
            await pilot.press("ctrl+a", "ctrl+k", *text)
        await until(pilot, lambda: app.recommendation.workload.fine_tunes_per_month == 1
                    and app.recommendation.workload.fine_tune_tokens == 50e6)
        after = app.recommendation.candidates[0].fine_tuning_monthly_usd
        assert after and before and after < before / 4  # an eighth of the tokens: under a quarter of the bill, start-up included
        assert app.recommendation.workload.name == "custom"


async def test_ctrl_s_over_an_open_question_leaves_the_export_waiting_on_it(tmp_path):
    """ctrl+s, a priority key, opened a second export dialog over the Overwrite? question (and over the Quit dialog),
    and the export worker it started cancelled the one waiting on that question: its "y" then did nothing. A dialog on
    screen is answered first."""
    from advisor.tui.screens.dialogs import ConfirmDialog, ExportDialog
    from test_tui import until
    from test_tui_review_fixes import burst

    target = tmp_path / "exists.toml"
    target.write_text("x\n", encoding="utf-8")
    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(app, ["ctrl+s", "ctrl+a", "ctrl+k", *str(target), "enter"])
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog) and not any(isinstance(s, ExportDialog) for s in app.screen_stack)
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert target.read_text(encoding="utf-8") != "x\n" and app.exported_path == target.resolve()


async def test_min_replicas_and_price_kinds_are_in_the_form():
    """Trial 32: a chatbot that needs two replicas for redundancy could not say so in the TUI (the breakdown told the
    user to set min_replicas, which only a file or a flag could), nor allow spot prices for a nightly job."""
    from test_tui import until

    from advisor.tui.widgets.workload_form import WorkloadForm

    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        form = app.screen.query_one(WorkloadForm)
        await until(pilot, lambda: form.complete)
        assert form.values()["min_replicas"] == "1" and form.values()["pricing"] == ""
        for field, text in (("min_replicas", "2"), ("pricing", "on-demand, spot")):
            app.screen.query_one(f"#{field}").focus()
            await pilot.pause()
            await pilot.press("ctrl+a", "ctrl+k", *text)
        await until(pilot, lambda: app.recommendation.workload.min_replicas == 2
                    and app.recommendation.workload.pricing == ("on-demand", "spot"))
        assert all((c.replicas_min or c.replicas) >= 2 for c in app.recommendation.candidates if c.deployment == "self-hosted")


async def test_the_rankings_the_workers_cache_pushes_out_are_freed_once_the_new_one_is_on_screen():
    """Freeing a pushed-out ranking (``advisor.ranking.results``) moved from the worker, before the new ranking reaches
    the screen, to the UI thread after it has: the app releases them when it shows a ranking."""
    from test_tui import type_into, until

    from advisor.ranking import results

    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for volume in ("41000", "42000", "43000", "44000", "45000", "46000"):
            await type_into(pilot, "requests_per_day", volume)
            await until(pilot, lambda v=volume: app.recommendation.workload.requests_per_day == float(v))
            await pilot.pause()
            await pilot.pause()
            assert not results._DROPPED, volume


async def test_the_fine_tuning_volume_shows_only_with_a_plan():
    """Trial 32: with Plan = none the form still showed a preset's "Tokens a run 20000000" and "Runs a month 4", read as
    billed. They show with a plan (light or heavy) and hide with none, as the latency fields follow the mode."""
    from test_tui import until

    from advisor.tui.widgets.choice import Choice
    from advisor.tui.widgets.workload_form import WorkloadForm

    app = make_app(workload=PRESETS["heavy-fine-tuning"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        form = app.screen.query_one(WorkloadForm)
        await until(pilot, lambda: form.complete)

        def hidden(field: str) -> bool:
            return any(w.has_class("-off") for w in app.screen.query(".mode-tuned") if w.query(f"#{field}") or w.id == f"hint-{field}")

        assert not hidden("fine_tune_tokens") and not hidden("fine_tunes_per_month")
        plan = app.screen.query_one("#fine_tuning", Choice)
        plan.value = "none"
        await until(pilot, lambda: app.recommendation.workload.fine_tuning == "none")
        assert hidden("fine_tune_tokens") and hidden("fine_tunes_per_month")
        plan.value = "light"
        await until(pilot, lambda: app.recommendation.workload.fine_tuning == "light")
        assert not hidden("fine_tune_tokens")


def test_a_field_the_form_hides_neither_counts_nor_blocks_the_ranking():
    """Review of trial 32: 'abc' typed in Min replicas, then Mode set to batch: the field was hidden and its error
    still blocked every ranking; a valid hidden value was carried into the workload (and the report)."""
    from advisor import api
    from advisor.errors import InputError
    from advisor.tui import services
    from advisor.tui.widgets.workload_form import FIELD_NAMES, hidden_fields

    base = api.preset("steady-latency")
    values = {**services.form_values(base, FIELD_NAMES), "min_replicas": "abc", "latency": "batch", "ttft_ms": "-5"}
    w = services.build_workload(values, base=base, hidden=hidden_fields(values))
    assert w.latency == "batch" and w.min_replicas == base.min_replicas and w.ttft_ms == base.ttft_ms
    with pytest.raises(InputError, match="min_replicas"):
        services.build_workload(v := {**values, "latency": "interactive"}, base=base, hidden=hidden_fields(v))
    v = {**values, "latency": "interactive", "min_replicas": "3", "ttft_ms": "900"}
    shown = services.build_workload(v, base=base, hidden=hidden_fields(v))
    assert shown.min_replicas == 3 and shown.ttft_ms == 900
    v = {**values, "fine_tuning": "none", "fine_tune_tokens": "lots"}
    none = services.build_workload(v, base=base, hidden=hidden_fields(v))
    assert none.fine_tuning == "none" and none.fine_tune_tokens == base.fine_tune_tokens
    assert set(hidden_fields({**dict.fromkeys(FIELD_NAMES, ""), "latency": "batch", "fine_tuning": "none"})) >= {
        "ttft_ms", "ttft_percentile", "output_tokens_per_s_per_user", "min_replicas", "fine_tune_tokens", "fine_tunes_per_month"}


async def test_a_refused_answer_in_a_field_the_mode_hides_does_not_block_the_ranking():
    from test_tui import type_into, until

    from advisor.tui.widgets.choice import Choice
    from advisor.tui.widgets.workload_form import WorkloadForm

    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        form = app.screen.query_one(WorkloadForm)
        await until(pilot, lambda: form.complete)
        await type_into(pilot, "min_replicas", "abc")
        await until(pilot, lambda: app.main.invalid is not None)
        app.screen.query_one("#latency", Choice).value = "batch"
        await until(pilot, lambda: app.recommendation.workload.latency == "batch")
        assert app.recommendation.workload.min_replicas == PRESETS["steady-latency"].min_replicas
