"""A user trial of the ranking table at 120x40 and 80x24: sorted by arch or util. the model column scrolled out of view;
beside the questions the model ids were cut to ``dee…f``/``gpt…1``, the `` · `` came and went from row to row and a
model's thinking row read like its no-think one; the status touched the pane's left border; sorted by "where ▲ A-Z"
the rows were not in the order of the text shown."""

from __future__ import annotations

import dataclasses
import re

import pytest

pytest.importorskip("textual")

from test_tui import make_app, settle  # noqa: E402
from test_tui_fit import frame, still  # noqa: E402

from advisor.domain.workload import PRESETS  # noqa: E402
from advisor.tui.widgets.cells import (NAME_MIN, THINK_MARK, CompactCells, natural_key, where_cell,  # noqa: E402
                                       where_short)
from advisor.tui.widgets.ranking_table import RankingTable  # noqa: E402


def _pane(app) -> list[str]:
    """The ranking pane's lines (right of the questions when they show)."""
    return [ln.split("││")[-1] for ln in frame(app)]


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
@pytest.mark.parametrize("key", ["arch", "utilization"])
async def test_sorted_by_a_column_past_the_right_edge_the_model_stays_in_view(size, key):
    """``s`` to arch (six presses) or util. (seven) scrolls the table to that column; the model column scrolled out
    with the others and the rows read ``16↓ $2.544 $4,815 think 82.6 …``. Now it is fixed with the costs."""
    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")  # the ranking focused (at 80 columns it takes the full width)
        await still(pilot)
        table = app.screen.query_one(RankingTable)
        assert table.has_focus
        await pilot.press(*"s" * (6 if key == "arch" else 7))
        await still(pilot)
        assert table.sort_key == key
        lines = _pane(app)
        header = next(ln for ln in lines if "monthly" in ln and "#" in ln)
        assert "model" in header and ("arch ▲" if key == "arch" else "util. ▼") in header, header
        model = [c.key.value for c in table.ordered_columns].index("model")
        for i in range(5):
            cell = str(table.get_row_at(i)[model])
            assert any(f"  {cell}" in ln for ln in lines), (cell, lines)


def test_the_narrow_cells_keep_a_readable_id_one_separator_and_the_thinking_sign():
    """The batch preset's rows at the 24 columns beside the questions: ``dee…f 0-1×1 mi350x mxfp…``, ``gpt…1``,
    ``lla…s · 0-1×8 mi350x fp8`` (the `` · `` in one row, not the next), and the thinking tag dropped."""
    from test_tui_snapshots import CANDIDATES

    base = next(x for x in CANDIDATES if x.deployment != "api")

    def row(model, gpus, gpu, precision, mode=None, lo=0):
        return dataclasses.replace(base, model=model, replicas=1, replicas_peak=1, replicas_min=lo, gpus=gpus, gpu=gpu,
                                   precision=precision, mode=mode, provider="digitalocean")

    rows = [row("deepseek-v4-flash", 1, "mi350x", "mxfp4-experts", "non-reasoning"),
            row("gpt-oss-120b", 1, "mi350x", "mxfp4-experts", "reasoning"),
            row("llama-4-scout", 8, "mi350x", "fp8"), row("llama-4-maverick", 8, "mi350x", "fp8"),
            row("qwen3-235b-a22b", 2, "h100-sxm", "fp8", "reasoning", lo=1),
            row("qwen3-235b-a22b", 2, "h100-sxm", "fp8", "non-reasoning", lo=1),
            row("gpt-oss-20b", 1, "h100-sxm", "bf16", "reasoning", lo=1),
            row("deepseek-v4-pro", 8, "h200", "fp8", "non-reasoning")]
    layout = CompactCells(rows, 24)
    cells = [layout.cell(r) for r in rows]
    assert all(len(x) <= 24 for x in cells), cells
    assert layout.sep == " " and all(" · " not in x for x in cells)  # one separator for every row
    names = [x.split(" ")[0] for x in cells]
    assert all(len(n.rstrip(THINK_MARK)) >= min(NAME_MIN, len(r.model)) for n, r in zip(names, rows)), names
    assert len({n.rstrip(THINK_MARK) for n in names}) == 7  # seven models, seven names
    assert names[0].endswith("flash") and names[7].endswith("pro") and "120b" in names[1] and "20b" in names[6]
    assert cells[4] != cells[5] and names[4] == names[5] + THINK_MARK  # the thinking row, signed
    assert cells[5] == f"{names[5]} 1×2 h100 fp8" and cells[0].startswith(f"{names[0]} 0-1×1 mi350x"), cells
    assert where_short(row("gpt-oss-20b", 1, "h200", "mxfp4-experts", lo=1)) == "1×1 h200 mxfp4e"
    # Room for every row whole: `` · `` in every row, the provider where it fits.
    wide = CompactCells(rows, 60)
    assert wide.sep == " · " and all(" · " in wide.cell(r) for r in rows)
    assert wide.cell(rows[2]) == "llama-4-scout · 0-1×8 mi350x fp8 · digitalocean"


async def test_at_80_columns_the_status_keeps_a_space_from_the_border():
    """Beside the questions the status read ``││56 ranked`` and alone ``│56 ranked`` (120: ``││ 56 ranked``)."""
    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await still(pilot)
        assert any(re.search(r"││ \d+ ranked", ln) for ln in frame(app)), frame(app)
        await pilot.press("ctrl+r")  # the ranking alone
        await still(pilot)
        assert not any("Questions" in ln for ln in frame(app))
        assert any(re.match(r"│ \d+ ranked", ln) for ln in frame(app)), frame(app)


async def test_beside_the_questions_a_thinking_row_reads_apart_from_its_no_think_one():
    """A model's thinking and no-think rows on one configuration read alike once the tag gave way to the id."""
    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await still(pilot)
        table = app.screen.query_one(RankingTable)
        header = next(ln for ln in _pane(app) if "monthly" in ln and "#" in ln)
        assert f"model · where ({THINK_MARK}think)" in header
        shown = {c.rank: str(table.get_row(str(c.rank))[2]) for c in app.recommendation.candidates[:199]}
        seps = {" · " in cell for cell in shown.values()}
        assert len(seps) == 1, shown
        seen: dict[str, set] = {}
        for c in app.recommendation.candidates[:199]:
            seen.setdefault(shown[c.rank], set()).add((c.model, c.mode))
            name = shown[c.rank].split(" ")[0]
            assert name.endswith(THINK_MARK) == (c.mode == "reasoning"), (shown[c.rank], c.mode)
            assert len(name.rstrip(THINK_MARK)) >= min(NAME_MIN, len(c.model)), shown[c.rank]
        assert all(len(x) == 1 for x in seen.values()), {k: v for k, v in seen.items() if len(v) > 1}
        modes = {(c.model, c.mode) for c in app.recommendation.candidates}
        assert any((m, "reasoning") in modes and (m, "non-reasoning") in modes for m, _ in modes)  # the case


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_sorted_by_where_the_rows_follow_the_text_shown(size):
    """``where ▲ A-Z`` went by GPU count, then GPU: ``… h100-sxm fp8``, ``… bf16``, ``… mxfp4-…``, ``… fp8``. Now A-Z on
    the text, its numbers by value; ``S`` reverses it."""
    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        table = app.screen.query_one(RankingTable)
        table.focus()
        await pilot.press(*"sssss")
        await still(pilot)
        assert table.sort_key == "gpus" and "where ▲ A-Z" in table.sort_label
        by_rank = {str(c.rank): c for c in app.recommendation.candidates}
        order = [where_cell(by_rank[row.key.value]) for row in table.ordered_rows]
        assert order == sorted(order, key=natural_key), order[:8]
        assert order[0].startswith("1 × 1 h100-sxm bf16")
        await pilot.press("S")
        await still(pilot)
        order = [where_cell(by_rank[row.key.value]) for row in table.ordered_rows]
        assert order == sorted(order, key=natural_key, reverse=True)


def test_natural_key_reads_numbers_by_value():
    texts = ["2 × 1 h100-sxm fp8", "1 × 10 b200 fp8", "API · groq", "1 × 2 h200 fp8", "0-1 × 1 mi350x fp8",
             "1 × 2 h100-sxm fp8", "1 × 2 h100-pcie fp8"]
    assert sorted(texts, key=natural_key) == ["0-1 × 1 mi350x fp8", "1 × 2 h100-pcie fp8", "1 × 2 h100-sxm fp8",
                                              "1 × 2 h200 fp8", "1 × 10 b200 fp8", "2 × 1 h100-sxm fp8", "API · groq"]


def test_two_qwen3_ids_never_cut_to_a_start_both_read_as():
    """At 80x24 qwen3-235b-a22b read ``qwen3-…`` beside qwen3-30b-a3b's ``qwen3-30…``: which one was it?"""
    from advisor.tui.widgets.names import distinct_cuts

    ids = {"qwen3-235b-a22b", "qwen3-30b-a3b", "qwen3-235b-a22b-instruct-2507", "phi-4"}
    for width in range(NAME_MIN, 14):
        cuts = distinct_cuts(ids, width)
        for name, short in cuts.items():
            assert _read_as(short, ids) == {name} and len(short) <= width, (width, cuts)


async def test_at_80_columns_no_shown_id_reads_as_two_models():
    app = make_app(workload=PRESETS["bursty-app"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await still(pilot)
        shown = {c.model: str(app.screen.query_one(RankingTable).get_row(str(c.rank))[2]).split(" ")[0].rstrip(THINK_MARK)
                 for c in app.recommendation.candidates[:199]}
    assert {"qwen3-235b-a22b", "qwen3-30b-a3b"} <= set(shown)  # the case
    assert all(_read_as(name, set(shown)) == {model} for model, name in shown.items()), shown


def _read_as(short: str, ids: set[str]) -> set[str]:
    """The ids a shown cut could stand for: its start and its end (or, for ``lla…4-mav``, a part after the start)."""
    head, sign, tail = short.partition("…")
    if not sign:
        return {short}
    return ({n for n in ids if n.startswith(head) and n.endswith(tail)}
            or {n for n in ids if n.startswith(head) and tail in n[len(head):]})
