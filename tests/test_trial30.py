"""User trial 30 (a newcomer in the TUI and a serving engineer's own workload): a break-even compared the whole
workload with one replica's; a near tie quoted one error beside a bill priced at another; End slid the ranking sideways
instead of going to the last row."""

from __future__ import annotations

import re

from advisor import api

W = dict(requests_per_day=300_000, output_tokens_per_s_per_user=60, ttft_ms=800, self_hosting="required")


def _reason(c, code):
    return next(r for r in c.reasons if r.code == code)


def test_a_break_even_is_compared_per_replica():
    rec = api.recommend(api.workload(**W))
    seen = 0
    for c in rec.candidates[:10]:
        r = next((x for x in c.reasons if x.code == "break-even" and "break_even_tokens_per_day" in x.numbers), None)
        if r is None or c.scaling != "fixed":
            continue
        n = c.replicas_peak or c.replicas
        each = r.numbers["workload_tokens_per_day"] / n
        assert ("(above)" in r.message) == (each >= r.numbers["break_even_tokens_per_day"])
        if n > 1:
            seen += 1
            assert f"per replica over its {n}" in r.message
    assert seen


def test_a_near_tie_says_each_bill_is_at_its_own_error():
    rec = api.recommend(api.workload(**W))
    for c in rec.candidates[:5]:
        tie = next((r for r in c.reasons if r.code == "near-tie" and "monthly_usd_at_error" in r.numbers), None)
        if tie is not None:
            assert "were each engine slower by its own speed estimate's error" in tie.message
            assert not re.search(r"were each engine \d+% slower", tie.message)


async def test_end_and_home_go_to_the_last_and_first_row():
    from test_tui import make_app, settle

    from advisor.tui.widgets.ranking_table import RankingTable

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.query_one(RankingTable)
        table.focus()
        await pilot.pause()
        assert table.row_count > 5
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_row == table.row_count - 1 and table.scroll_x == 0
        await pilot.press("home")
        await pilot.pause()
        assert table.cursor_row == 0


def test_the_footnote_says_which_rows_leave_the_fine_tuning_out(capsys):
    """Trial 30: "monthly includes the fine-tuning runs" above rows whose model no allowed offer can train (DeepSeek-V3,
    Kimi K2 on H100/H200 under heavy fine-tuning), whose bills are serving only."""
    from advisor.cli import main

    argv = ["recommend", "--preset", "heavy-fine-tuning", "--gpu-types", "h100-sxm,h200", "--context-max", "32768", "--top", "200"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "monthly includes the fine-tuning runs (not on rows whose model no allowed offer can train" in out
    assert main(["recommend", "--preset", "heavy-fine-tuning", "--top", "3"]) == 0
    assert "no allowed offer can train" not in capsys.readouterr().out.split("$/M tok: serving only")[1].splitlines()[0]


async def test_the_tui_note_says_which_rows_leave_the_fine_tuning_out():
    from test_tui import make_app, settle

    from advisor.tui.widgets.clamped import ClampedText

    w = api.workload(preset="heavy-fine-tuning", gpu_types=["h100-sxm", "h200"], context_max_tokens=32768)
    app = make_app(workload=w)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        notes = app.screen.query_one("#notes", ClampedText).text.plain
        assert "monthly includes the fine-tuning runs (not on rows whose model no allowed offer can train" in notes


async def test_rejected_labels_are_never_cut_alike_at_80_columns():
    """Trial 30: "deepseek-v4-flash on 8x h10…" stood for h100-sxm and h100-pcie alike in the rejected list."""
    from textual.widgets import DataTable
    from test_tui import make_app, settle

    from advisor.tui.screens.rejected import RejectedScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        for _ in range(100):
            if isinstance(app.screen, RejectedScreen):
                break
            await pilot.pause(0.05)
        screen = app.screen
        table = screen.query_one(DataTable)
        shown = {}
        for i, r in enumerate(screen.rejections):
            cell = str(table.get_row(str(i))[0])
            assert shown.setdefault(cell, r.label) == r.label, (cell, r.label, shown[cell])
        assert any(str(table.get_row(str(i))[0]) != r.label for i, r in enumerate(screen.rejections))  # some were cut
