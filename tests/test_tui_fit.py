"""The TUI fits the terminal it runs in: the size comes from the terminal, not from a stale COLUMNS; the ranking's
columns share the width so rows stay told apart; sorting says what it does (Pilot at 120x40 and 80x24)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("textual")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _size_in_a_pty(columns: int, lines: int, env_columns: str) -> str:
    """Run Textual's own size reading (the Linux driver's) in a pseudo-terminal of ``columns`` x ``lines`` with
    ``COLUMNS``/``LINES`` exported, inside and after ``terminal_size_from_the_terminal``."""
    import fcntl
    import pty
    import struct
    import termios

    code = textwrap.dedent("""
        import os
        from textual.drivers.linux_driver import LinuxDriver
        from advisor.tui.app import terminal_size_from_the_terminal
        before = LinuxDriver._get_terminal_size(None)
        with terminal_size_from_the_terminal():
            inside = LinuxDriver._get_terminal_size(None)
        print("SIZES", before, inside, os.environ.get("COLUMNS"), flush=True)
    """)
    pid, fd = pty.fork()
    if pid == 0:  # the child: its stdin, stdout and stderr are the pseudo-terminal
        os.environ.update(COLUMNS=env_columns, LINES="60", PYTHONPATH=ROOT)
        os.execv(sys.executable, [sys.executable, "-c", code])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    out = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.waitpid(pid, 0)
    return out.decode(errors="replace")


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_an_exported_columns_does_not_size_the_app_when_the_terminal_can():
    """``COLUMNS=200`` in an 80-column terminal: Textual alone reads 200 (shutil takes the variable first), so the
    app drew 200 columns and the terminal cut every line; while the app runs it reads the terminal's 80."""
    out = _size_in_a_pty(80, 24, "200")
    assert "SIZES (200, 60) (80, 24) 200" in out, out


def test_without_a_terminal_columns_is_kept():
    """Output piped: the terminal cannot answer, so ``COLUMNS`` stays (it is then the only size there is)."""
    code = ("import os\nfrom advisor.tui.app import terminal_size_from_the_terminal\n"
            "with terminal_size_from_the_terminal():\n    print(os.environ.get('COLUMNS'))")
    proc = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, env={**os.environ, "COLUMNS": "200", "PYTHONPATH": ROOT})
    assert proc.stdout.strip() == "200", proc.stderr


# --------------------------------------------------------------------------- what the frame shows (Pilot)

from test_tui import make_app, settle, type_into

from advisor.domain.workload import PRESETS
from advisor.tui.widgets.cells import gpu_short
from advisor.tui.widgets.names import distinct_cuts
from advisor.tui.widgets.ranking_table import RankingTable, _compact


def frame(app) -> list[str]:
    """The lines the terminal is sent for the current screen (the compositor's own strips)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def still(pilot) -> None:
    """Until two frames in a row are the same (a width change re-lays the table out after a refresh)."""
    before = None
    for _ in range(50):
        await pilot.pause(0.05)
        now = frame(pilot.app)
        if now == before:
            return
        before = now


def row_line(app, rank: int) -> str:
    """The frame's line showing the ranking's row ``rank``."""
    panes = [ln.split("││")[-1] for ln in frame(app)]  # the ranking pane (right of the questions when they show)
    lines = [ln for ln in panes if ln.lstrip("│ ").startswith(f"{rank} ") and "$" in ln]
    assert len(lines) == 1, (rank, frame(app))
    return lines[0]


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_every_line_of_the_frame_is_the_terminal_width(size):
    """No line is drawn past the last column (a line wider than the terminal is what a terminal shows as the last
    character repeated): the ranking and the breakdown, at 120x40 and 80x24."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert {s.cell_length for s in app.screen._compositor.render_strips()} == {size[0]}
        await pilot.press("ctrl+r")  # the footer lists the ranking's keys, more than fit at 80 columns
        await still(pilot)
        assert frame(app)[-1].endswith("▏^p palette ")  # nothing of the key under it in the last column
        await pilot.press("enter")
        await still(pilot)
        assert type(app.screen).__name__ == "BreakdownScreen"
        assert {s.cell_length for s in app.screen._compositor.render_strips()} == {size[0]}
        words = " ".join(frame(app)).split()
        legend = "R × G gpu = R replicas (copies of the model) of G GPUs each; a replica is one sold instance,"
        assert [w for w in legend.split() if w not in words] == []  # every word of the wrapped legend, none cut off


async def test_at_80_columns_the_ranking_shows_where_each_row_runs():
    """Rows 1 and 2 are one model on one GPU in two precisions: moving to the ranking (ctrl+r) gives it the width
    and the configuration shows in its own column, the provider too."""
    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first, second = app.recommendation.candidates[:2]
        assert first.model == second.model and first.precision != second.precision
        await pilot.press("ctrl+r")
        await still(pilot)
        one, two = row_line(app, 1), row_line(app, 2)
        assert f"{first.gpus} {first.gpu} {first.precision}" in one and f"{second.gpu} {second.precision}" in two
        assert one != two
        await pilot.press("ctrl+r")  # back to the questions: they show again
        await pilot.pause()
        assert any("Questions" in ln for ln in frame(app))


async def test_beside_the_questions_at_80_columns_rows_of_one_model_read_apart():
    """The preset's first four rows are phi-4 on two GPUs in two precisions: beside the questions the table has
    ~41 columns, and showed "1  $1.041  $1,970  phi-4" four times. Now $/M tok gives way and one column holds
    the model and where it runs: every visible row names its GPU and precision and no two read alike; ctrl+b
    (the full width) brings $/M tok and the separate "where" column back."""
    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await still(pilot)
        assert any("Questions" in ln for ln in frame(app))
        cands = app.recommendation.candidates[:5]  # (the status above keeps a space from the border: 5 rows show)
        assert len({c.model for c in cands[:4]}) == 1  # the case: one model, four rows
        lines = [row_line(app, c.rank) for c in cands]
        assert len(set(lines)) == len(lines), lines
        for c, line in zip(cands, lines):
            assert c.model[:5] in line and (c.deployment == "api" or f"{gpu_short(c.gpu)} {c.precision}" in line), line
        header = next(ln for ln in frame(app) if "monthly" in ln and "#" in ln)
        assert "model · where" in header and "$/M tok" not in header
        await pilot.press("ctrl+b")
        await still(pilot)
        header = next(ln for ln in frame(app) if "monthly" in ln and "#" in ln)
        assert "$/M tok" in header and "where (R × G gpu)" in header
        assert f"{cands[0].gpus} {cands[0].gpu} {cands[0].precision}" in row_line(app, 1)


async def test_at_120_columns_the_configuration_shows_whole_beside_the_questions():
    """Replicas, GPUs and the GPU always whole; the precision too, except where a mode-tagged row's id needs the room
    (trial 18: ``…flash no-think`` told no model apart): then it is cut at its end with a sign."""
    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await still(pilot)
        table = app.screen.query_one(RankingTable)
        assert any("Questions" in ln for ln in frame(app))
        tagged = any(c.mode for c in app.recommendation.candidates)
        for c in app.recommendation.candidates[:table.size.height - 2]:
            line = row_line(app, c.rank)
            if c.deployment != "api":
                assert f"{c.gpus} {c.gpu} " in line, line  # replicas x GPUs and the GPU whole
                if f"{c.gpus} {c.gpu} {c.precision}" in line:  # the configuration whole, the provider or a sign
                    assert f"· {c.provider}" in line or "…" in line.split(c.precision)[-1], line
                else:
                    assert tagged and "…" in line.split(f"{c.gpus} {c.gpu} ")[-1], line


async def test_cut_model_names_stay_distinct_at_4m_requests_a_day():
    """The reviewer's table: deepseek-v4-flash and deepseek-v4-pro (both no-think) read "deepsee… no-think"."""
    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_into(pilot, "requests_per_day", "4000000")
        await settle(pilot)
        table = app.screen.query_one(RankingTable)
        model_col = [c.key.value for c in table.ordered_columns].index("model")
        seen: dict[str, set[tuple[str, str]]] = {}
        for c in app.recommendation.candidates:
            shown = str(table.get_row(str(c.rank))[model_col])
            seen.setdefault(shown, set()).add((c.model, c.mode or ""))
        assert all(len(names) == 1 for names in seen.values()), {k: v for k, v in seen.items() if len(v) > 1}
        models = {c.model for c in app.recommendation.candidates}
        assert {"deepseek-v4-flash", "deepseek-v4-pro"} <= models


def test_the_narrow_model_column_cuts_the_provider_then_the_separator_then_the_id_then_the_end():
    """The order the cell gives way in (at 41 columns beside the questions it has ~24): the provider, the `` · `` (for
    one space), then the model id down to ``NAME_MIN``, and only then the configuration's end, with a sign. A row alone
    here: in a table the separator and each id's cut are decided for all its rows (``CompactCells``)."""
    import dataclasses

    from test_tui_snapshots import CANDIDATES

    from advisor.tui.widgets.cells import compact_cell

    c = dataclasses.replace(next(x for x in CANDIDATES if x.deployment != "api"), model="llama-4-maverick", replicas=1,
                            gpus=2, gpu="h100-sxm", precision="fp8", provider="runpod")
    assert compact_cell(c, 60) == "llama-4-maverick · 1×2 h100 fp8 · runpod"  # h100: SXM, the form unless named
    assert compact_cell(c, 38) == "llama-4-maverick · 1×2 h100 fp8"  # the provider first, whole or not at all
    assert compact_cell(c, 30) == "llama-4-maverick 1×2 h100 fp8"  # then the separator
    assert compact_cell(c, 24) == "llama-4-ma… 1×2 h100 fp8"  # then the id
    assert compact_cell(c, 20) == "llama-4-… 1×2 h100 …"  # at NAME_MIN the id stays: the configuration's end goes
    api = dataclasses.replace(next(x for x in CANDIDATES if x.deployment == "api"), model="gemma-3-27b",
                              provider="openrouter")
    assert compact_cell(api, 28) == "gemma-3-27b · API openrouter"
    assert compact_cell(api, 25) == "gemma-3-… API openrouter"  # an API row's provider is where it runs: kept
    think = dataclasses.replace(c, model="gpt-oss-120b", mode="reasoning")
    assert compact_cell(think, 40) == "gpt-oss-120b* · 1×2 h100 fp8 · runpod"
    assert compact_cell(think, 26) == "gpt-oss-120b* 1×2 h100 fp8"
    assert compact_cell(think, 24) == "gpt-oss-…* 1×2 h100 fp8"  # the id cut, its thinking sign kept
    assert all(len(compact_cell(x, w)) <= w for x in (c, think, api) for w in range(20, 61))


def test_the_narrow_tables_cells_never_cut_two_models_alike():
    import dataclasses

    from test_tui_snapshots import CANDIDATES

    from advisor.tui.widgets.cells import CompactCells, compact_cell

    base = next(x for x in CANDIDATES if x.deployment != "api")
    rows = [dataclasses.replace(base, model=m, replicas=1, gpus=4, gpu="mi325x", precision="mxfp4-experts", provider="vultr")
            for m in ("deepseek-v4-flash", "deepseek-v3", "deepseek-r1")]
    for width in range(20, 36):
        plain = {compact_cell(r, width) for r in rows}
        layout = CompactCells(rows, width)
        cells = {layout.cell(r) for r in rows}
        assert len(cells) == 3 and all(len(x) <= width for x in cells), cells
        if width == 24:
            assert len(plain) == 1  # each row alone: "deepseek… 1×4 mi325x…" three times
    assert CompactCells(rows, 60).cell(rows[1]) == compact_cell(rows[1], 60)  # room enough: the same cell


def test_distinct_cuts_keep_the_end_that_tells_names_apart():
    cuts = distinct_cuts({"deepseek-v4-flash", "deepseek-v4-pro", "phi-4"}, 10)
    assert cuts["phi-4"] == "phi-4"
    assert cuts["deepseek-v4-flash"].endswith("flash") and cuts["deepseek-v4-pro"].endswith("pro")
    assert all(len(v) <= 10 for v in cuts.values())
    plain = distinct_cuts({"qwen3.5-397b-a17b", "gpt-oss-120b"}, 10)
    # no clash: cut at the end, never inside a number (user trial 22: "qwen2.5-7…" read as a 7B model)
    assert plain == {"qwen3.5-397b-a17b": "qwen3.5-…", "gpt-oss-120b": "gpt-oss-…"}


def test_monthly_money_keeps_one_scale_in_the_column():
    """$78,559 / $105k / $1,489k was one column: above $10,000 three significant figures, k or M."""
    shown = [_compact(x, 0) for x in (1_969.93, 78_559, 105_000, 1_489_000, 3_711_000, 99_960, 999_600)]
    assert shown == ["$1,970", "$78.6k", "$105k", "$1.49M", "$3.71M", "$100k", "$1.00M"]
    assert _compact(1.0412, 3) == "$1.041" and _compact(250.4, 3) == "$250"


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_sorting_says_which_way_and_a_preset_resets_it(size):
    """▲ is the lowest value first and ▼ the highest, for every column; the bottom border says what the rows are
    sorted by (visible at any width); loading a preset puts its #1 first again."""
    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        table = app.screen.query_one(RankingTable)
        table.focus()
        await pilot.press("s")  # $/M tok: cheapest first
        assert "sorted by $/M tok ▲ lowest first" in frame(app)[-2]
        await pilot.press("s", "s", "s")  # monthly, model, quality: highest quality first, shown as ▼
        assert table.sort_key == "quality"
        qualities = [c.quality for c in app.recommendation.candidates if c.quality is not None]
        assert float(str(table.get_row_at(0)[4])) == max(qualities)
        assert "sorted by quality ▼ highest first" in frame(app)[-2]
        assert any("quality ▼" in ln for ln in frame(app)[:8])  # the header, scrolled into view
        await pilot.press("S")  # reversed: lowest first, ▲
        assert float(str(table.get_row_at(0)[4])) == min(qualities)
        assert "sorted by quality ▲ lowest first" in frame(app)[-2]
        await pilot.press("s", "s", "s")  # where, arch, utilization: past the right edge at both sizes, scrolled into view
        await still(pilot)
        assert table.sort_key == "utilization" and "sorted by util. ▼ highest first" in frame(app)[-2]
        assert any("util. ▼" in ln for ln in frame(app)[:8])
        app.action_preset("long-context")
        await settle(pilot)
        assert table.sort_key == "rank" and table.current.rank == 1
        assert "sorted by" not in "\n".join(frame(app))
        assert "enter: breakdown · s: sort" in frame(app)[-2]


async def test_deploy_files_show_as_written_and_long_lines_scroll_sideways():
    """A wrapped comment line of serve.sh would read as a command: lines stay whole, the status says ← → and the
    tail of the longest line comes into view when scrolled."""
    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r", "d")
        await still(pilot)
        assert type(app.screen).__name__ == "DeployScreen"
        longest = max(app.screen.files["serve.sh"].splitlines(), key=len)
        assert len(longest) > 120
        assert "← → long lines" in frame(app)[1]
        lines = frame(app)
        assert any(ln.startswith(longest[:100]) for ln in lines)  # its start, on one line
        assert not any(longest[-30:] in ln for ln in lines)  # its end: off to the right, not on a line below
        scroll = app.screen.query_one("#deploy-scroll")
        scroll.focus()
        scroll.scroll_to(x=scroll.max_scroll_x, animate=False)
        await still(pilot)
        assert any(longest[-30:] in ln for ln in frame(app))
