"""User trial 34, the TUI after the form gained its constraint fields: keys typed right after Export… at the quit
question lost, the suggested report path added to instead of replaced, the form scrolled away from Mode by a
re-check of another field, and the notes that named file keys the form edits."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from test_tui import make_app, paste_into, settle, until  # noqa: E402
from test_tui_review_fixes import burst  # noqa: E402

from advisor.domain.workload import PRESETS  # noqa: E402


async def test_export_chosen_at_the_quit_question_takes_the_keys_typed_after_it(tmp_path):
    """ctrl+q, e, a path and enter typed in one burst after an edit: the report is written there and the app quits.
    The question and then the export dialog were pushed by workers a moment after their keys, and every key after
    ``e`` was lost (the dialog opened with its suggestion; nothing was written)."""
    target = tmp_path / "on-quit.toml"
    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await paste_into(pilot, "requests_per_day", "5000000")
        await settle(pilot)
        assert app.unsaved
        burst(app, ["ctrl+q", "e", *str(target), "enter"])
        await until(pilot, lambda: target.exists() or app.return_code is not None, timeout_s=20)
        await pilot.pause(0.2)
        assert target.exists(), "the keys after e did not reach the export dialog"
        assert "requests_per_day = 5000000" in target.read_text() or "5000000" in target.read_text()
    assert app.return_code == 0


async def test_typing_a_path_replaces_the_suggested_one(tmp_path):
    """ctrl+s and a path typed at once (no ctrl+a ctrl+k first): the report goes to that path. The suggestion was
    kept with the cursor at its end, so the typed path was appended ("…custom.toml/tmp/…/a.toml": no such
    directory). → keeps the suggestion for editing."""
    from advisor.tui.screens.dialogs import ExportDialog

    target = tmp_path / "typed.toml"
    app = make_app(workload=PRESETS["batch-pipeline"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        burst(app, ["ctrl+s", *str(target), "enter"])
        await until(pilot, lambda: target.exists() or (isinstance(app.screen, ExportDialog)
                                                       and "✗" in str(app.screen.query_one("#export-error").render())))
        await app.workers.wait_for_complete()
        assert target.exists() and app.exported_path == target.resolve()

        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog))
        field = app.screen.query_one("#export-path")
        assert field.value == str(target.resolve())
        await pilot.press("right", "backspace", "backspace", "backspace", "backspace", "x")  # an arrow ends the
        assert field.value == str(target.resolve())[:-4] + "x"  # selection: the suggestion is edited, not replaced
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ExportDialog))


async def test_changing_mode_while_another_field_is_invalid_keeps_mode_in_view():
    """Min replicas left at "abc", then Mode changed with ← →: the form jumped down to Min replicas' reason at every
    re-check, taking the focused Mode out of view. The reason is scrolled to when it is new at the field being edited."""
    from advisor.tui.widgets.workload_form import WorkloadForm

    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        form = app.screen.query_one(WorkloadForm)
        await paste_into(pilot, "min_replicas", "abc")
        await until(pilot, lambda: "min_replicas" in form.errors)
        await pilot.pause()
        assert form.scroll_y > 0  # the reason under the field being edited is scrolled into view
        mode = app.screen.query_one("#latency")
        mode.focus()
        await until(pilot, lambda: form.scrollable_content_region.contains_region(mode.region))  # focus scrolls to it
        for key in ("right", "left", "right", "left"):
            await pilot.press(key)
            await settle(pilot)
            await pilot.pause(0.3)  # a scroll to the reason, were there one, lands after a refresh
            assert "min_replicas" in form.errors or app.main.form.values()["latency"] != "interactive"
            assert form.scrollable_content_region.contains_region(mode.region), key  # Mode still in view
        assert mode.has_focus


def test_the_advice_names_the_settings_as_the_form_and_the_cli_do():
    """The notes sent a TUI user to "the workload file" for the fine-tuning volume, and to ``--min-replicas`` for
    replicas, both fields of the form now; a zero Tokens a run was said as both settings missing."""
    import dataclasses

    from advisor import api
    from advisor.common import fmt
    from advisor.tui.widgets.workload_form import FIELDS

    labels = {f.name: f.label for f in FIELDS}
    assert all(labels[key] == label for key, (label, _) in fmt.SETTINGS.items())
    w = dataclasses.replace(PRESETS["heavy-fine-tuning"], fine_tune_tokens=0, fine_tunes_per_month=4)
    (note,) = [n for n in api.recommend(w).notes if "no training cost" in n]
    assert "Tokens a run (fine_tune_tokens) 0" in note and "Runs a month" not in note and "workload file" not in note
    w = dataclasses.replace(w, fine_tunes_per_month=0)
    (note,) = [n for n in api.recommend(w).notes if "no training cost" in n]
    assert "Tokens a run (fine_tune_tokens) and Runs a month (fine_tunes_per_month) 0" in note and "set both" in note
    single = api.workload(requests_per_day=50_000, input_tokens=3_000, output_tokens=400, latency="interactive",
                          min_quality=70, self_hosting="required")
    (r,) = [r for r in api.recommend(single).candidates[0].reasons if r.code == "single-replica"]
    assert "/month more: Min replicas 2 (--min-replicas 2)" in r.message


def test_the_break_even_cell_says_it_is_per_replica_running_all_month():
    """The compare view's break-even cell read "752M tokens/day" beside a 62M tokens/day batch job already 2.5x cheaper
    than the API: the figure is a replica running all month's, and a scale-to-zero row pays only for its hours."""
    from advisor import api
    from advisor.domain.candidate_text import break_even_text

    rec = api.recommend(PRESETS["batch-pipeline"])
    rows = [c for c in rec.candidates if c.break_even_tokens_per_day]
    assert rows
    for c in rows:
        text = break_even_text(c)
        assert text.startswith(f"{fmt_short(c.break_even_tokens_per_day)} tokens/day per replica running all month"), text
        if c.scaling not in (None, "fixed"):
            api_price = next(r.numbers["api_usd_per_mtok"] for r in c.reasons if r.code == "break-even")
            side = "below" if float(c.usd_per_mtok) < api_price else "not below"
            assert f"billed {c.scaling}, only for its hours" in text and f"here, {side} the API's" in text
    assert any(c.scaling == "scale-to-zero" for c in rows)


def fmt_short(x: float) -> str:
    from advisor.common import fmt

    return fmt.short(x)


def test_a_shortfall_is_the_difference_of_the_figures_beside_it():
    """"needs 102.8 GB per GPU ... but a GPU has 102.6 GB: just short: 0.3 GB": the shortfall was the unrounded bytes'
    difference rounded up. Now a reader subtracting the two figures shown gets the shortfall shown."""
    import re
    from decimal import Decimal

    from advisor import api

    seen = 0
    for name in ("bursty-app", "long-context", "heavy-fine-tuning"):
        for r in api.recommend(PRESETS[name]).rejected:
            msg = r.reasons[0].message
            if tiny := re.search(r"needs ([\d.]+) GB per GPU .* but a GPU has ([\d.]+) GB: just short: [\d.]+ [kM]B per GPU", msg):
                assert tiny.group(1) == tiny.group(2), msg  # under 5 MB short: the same figures, the shortfall in MB
                continue
            m = re.search(r"needs ([\d.]+) GB per GPU .* but a GPU has ([\d.]+) GB: (?:just short:|short by) ([\d.]+) GB", msg)
            if m:
                need, cap, short = (Decimal(g) for g in m.groups())
                assert need - cap == short, r.reasons[0].message
                seen += 1
    assert seen >= 10


async def test_the_status_names_the_answers_the_table_was_ranked_for():
    """Trial 35: Input tokens 3 ranked, then a backspace and 200000 typed at once (refused: longer than Max context).
    The keys landed before the form read them, so no answer in between was ranked, and the table stayed on 3 input
    tokens while the status named "Max context 16,384", read as a ranking for the last number that fitted. It names the
    ranked answers the form no longer shows."""
    from test_tui_review_fixes import burst

    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await paste_into(pilot, "input_tokens", "3")
        await until(pilot, lambda: app.recommendation.workload.input_tokens == 3 and not app.pending)
        field = app.screen.query_one("#input_tokens")
        field.focus()
        await pilot.pause()
        burst(app, ["ctrl+a", "ctrl+k", *"200000"])
        await until(pilot, lambda: field.value == "200000" and app.main.invalid is not None)
        await settle(pilot)
        await pilot.pause(0.3)
        status = str(app.screen.query_one("#status").render())
        ranked = app.recommendation.workload.input_tokens
        assert f"Input tokens {ranked:,}" in status, status
        assert "Max context" not in status.split("last valid answers")[-1]


async def test_the_form_sets_the_cached_share_of_the_prompts():
    """Trial 35: a coding assistant whose 45k-token prompts are 85% repository context could not say so in the form
    (the API bill with the cache discount was $1,168 from a file, $2,743 typed in the form, nothing on screen saying
    caching was taken as none)."""
    app = make_app(workload=PRESETS["long-context"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.main.form.values()["cached_input_fraction"] == "0"
        await paste_into(pilot, "cached_input_fraction", "0.85")
        await until(pilot, lambda: app.recommendation.workload.cached_input_fraction == 0.85 and not app.pending)
        hosted = next(c for c in app.recommendation.candidates if c.deployment == "self-hosted")
        assert any(r.code == "prefix-cache" for r in hosted.reasons)
        await paste_into(pilot, "cached_input_fraction", "1.5")
        await until(pilot, lambda: "cached_input_fraction" in app.main.form.errors)


def test_the_billing_line_names_the_instance_size_billed():
    """"spot at gcp (a3-highgpu-1g Spot)" on a replica of 2 H100s billed as 2-GPU instances: the row is priced per GPU
    over the 1/2/4/8 sizes, and names its 1-GPU one."""
    from advisor import api

    w = api.workload(preset="steady-latency", providers=["gcp"], gpu_types=["h100-sxm"], pricing=["spot"],
                     self_hosting="required", models=["qwen2.5-72b", "llama-3.3-70b"], precisions=["bf16"])
    rows = [c for c in api.recommend(w).candidates if c.gpus == 2]
    assert rows
    for c in rows:
        (b,) = [r for r in c.reasons if r.code == "billing"]
        assert "a3-highgpu-2g Spot" in b.message and "a3-highgpu-1g" not in b.message, b.message


def test_a_cheaper_second_row_is_marked_and_first_ranks_above_it_not_beats_it():
    """``recommend --preset steady-latency --min-quality 71``: #1 Qwen2.5 72B "beats #2, llama-4-scout …: $25.91/month
    dearer" (a near tie the LoRA plan breaks), and the table marked nothing on #2, cheaper and better-scoring."""
    import dataclasses

    from advisor import api
    from advisor.cli.render import candidates_table
    from advisor.common.fmt import DEMOTED

    rec = api.recommend(dataclasses.replace(PRESETS["steady-latency"], min_quality=71))
    top, second = rec.candidates[:2]
    assert second.monthly_total_usd < top.monthly_total_usd
    (rank,) = [r for r in top.reasons if r.code == "rank"]
    assert f"ranks above #2, {second.label}" in rank.message and "beats #2" not in rank.message
    table = candidates_table(list(rec.candidates[:5]), rec.workload)
    line = next(x for x in table.splitlines() if x.startswith("2 "))
    assert line.rstrip().endswith(DEMOTED) and f"{DEMOTED} = ranked after dearer rows by a rule" in table


async def test_a_refused_id_leaves_the_title_on_the_ranking_shown():
    """GPU types = x (refused when ranked: no such GPU) turned the title into "custom, edited from steady-latency" over
    the preset's ranking, where Min replicas = abc (refused at once) left it "steady-latency"."""
    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.sub_title == "steady-latency"
        await paste_into(pilot, "gpu_types", "x")
        await until(pilot, lambda: "gpu_types" in app.main.form.errors and not app.pending)
        await settle(pilot)
        assert app.sub_title == "steady-latency" and app.recommendation.workload.name == "steady-latency"
    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await paste_into(pilot, "min_replicas", "abc")
        await until(pilot, lambda: "min_replicas" in app.main.form.errors)
        assert app.sub_title == "steady-latency"


def test_a_configuration_refused_in_one_answering_mode_says_which():
    """f3 listed "qwen3-235b-a22b on 4x h100-sxm (bf16)" twice, 35.6 and 35.7 GB short, with nothing telling the thinking
    row from the other."""
    from advisor import api

    rec = api.recommend(PRESETS["bursty-app"])
    rows = [r for r in rec.rejected if r.label == "qwen3-235b-a22b on 4x h100-sxm (bf16)"]
    assert len(rows) >= 2
    assert {r.reasons[0].message.split("]")[0] + "]" for r in rows} >= {"[thinking]", "[no thinking]"}
