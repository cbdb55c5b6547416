"""User trial 26 and the leftovers of trial 24/25 fixed in session 25."""

from __future__ import annotations

import pytest

from advisor import api


async def test_a_preset_opened_with_flags_that_change_it_says_edited():
    """`moe-advisor --preset bursty-app --requests-per-day 5000` opened on a Preset field reading plain 'bursty-app'
    beside answers that are not the preset's. It now reads 'bursty-app (edited)' with 'edited from bursty-app' under
    it; stepping away and back keeps the flags' answers, and typing the preset's own answer back is the preset."""
    pytest.importorskip("textual")
    import argparse

    from advisor.cli import build_parser
    from advisor.cli.recommend import build_workload
    from advisor.tui.app import AdvisorApp
    from advisor.tui.widgets.choice import Choice
    from test_tui import settle, type_into

    args = build_parser("tui").parse_args(["tui", "--preset", "bursty-app", "--requests-per-day", "5000"])
    w = build_workload(argparse.Namespace(**{"from_report": None, "workload": None, **vars(args)}))
    preset = api.preset("bursty-app")
    assert w.name == "bursty-app" and w.requests_per_day == 5000 != preset.requests_per_day
    app = AdvisorApp(cursor_blink=False, workload=w)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        choice = app.screen.query_one("#preset", Choice)
        assert choice.value == "bursty-app (edited)"
        assert "edited from bursty-app" in str(app.screen.query_one("#hint-preset").render())
        assert app.screen.query_one("#requests_per_day").value == "5000"
        assert app.recommendation.workload.requests_per_day == 5000
        assert app.recommendation.workload.name == "custom" and app.sub_title == "custom, edited from bursty-app"
        await type_into(pilot, "requests_per_day", "6000")  # still edited, not the preset
        await settle(pilot)
        assert choice.value == "bursty-app (edited)" and app.recommendation.workload.requests_per_day == 6000
        await type_into(pilot, "requests_per_day", f"{preset.requests_per_day:g}")
        await settle(pilot)
        assert choice.value == "bursty-app"


async def test_a_preset_opened_as_it_is_reads_plain():
    pytest.importorskip("textual")
    from advisor.tui.app import AdvisorApp
    from advisor.tui.widgets.choice import Choice
    from test_tui import settle

    app = AdvisorApp(cursor_blink=False, workload=api.preset("long-context"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        choice = app.screen.query_one("#preset", Choice)
        assert choice.value == "long-context" and "long-context (edited)" not in choice.options


def test_a_write_through_a_symbolic_link_keeps_the_link(tmp_path):
    """Leftover of trial 24: an atomic write renamed its temporary file over a symbolic link, turning a user's link
    (reports/latest.toml -> reports/2026-12-06.toml) into a plain file and leaving the file it pointed to unchanged."""
    from advisor.common.files import atomic_write

    real = tmp_path / "store" / "real.toml"
    real.parent.mkdir()
    real.write_bytes(b"old")
    link = tmp_path / "latest.toml"
    link.symlink_to(real)
    atomic_write(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new" and link.read_bytes() == b"new"
    assert not list(tmp_path.glob(".*.tmp")) and not list(real.parent.glob(".*.tmp"))
    dangling = tmp_path / "next.toml"
    dangling.symlink_to(tmp_path / "store" / "made.toml")
    atomic_write(dangling, b"made")  # a link to a file not written yet: the file is made where it points
    assert dangling.is_symlink() and (tmp_path / "store" / "made.toml").read_bytes() == b"made"
    with pytest.raises(FileExistsError):  # without overwrite a link is a file that exists, as before
        atomic_write(link, b"x", overwrite=False)
    assert real.read_bytes() == b"new"


def test_a_report_exported_over_a_link_with_force_writes_the_linked_file(tmp_path):
    from advisor.reports import load_report
    from advisor.reports.export import write_report

    rec = api.recommend(api.preset("steady-latency"))
    real = tmp_path / "r.toml"
    real.write_text("old")
    link = tmp_path / "latest.toml"
    link.symlink_to(real)
    write_report(rec, link, force=True)
    assert link.is_symlink() and load_report(real).workload.name == "steady-latency"
