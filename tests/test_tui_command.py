"""`moe-advisor tui --workload F | --preset P | --from REPORT`: the interactive advisor opened on a workload, read by
the CLI's own options and errors; without a terminal it says so."""

from __future__ import annotations

import advisor.__main__ as entry
from advisor import api
from advisor.cli import main as cli_main


def test_without_a_terminal_tui_says_it_needs_one(capsys):
    assert cli_main(["tui", "--preset", "long-context"]) == 2
    err = capsys.readouterr().err
    assert "needs a terminal" in err and "moe-advisor recommend" in err


def test_the_workload_it_opens_on_comes_from_the_same_options_as_recommend(tmp_path, capsys):
    assert entry._tui_workload([]) is None  # the default preset
    w = entry._tui_workload(["--preset", "long-context", "--requests-per-day", "5000"])
    assert w.requests_per_day == 5000 and w.context_max_tokens == api.preset("long-context").context_max_tokens
    f = tmp_path / "w.toml"
    f.write_text('[workload]\nname = "voice"\nrequests_per_day = 200000\nttft_ms = 300\n')
    assert entry._tui_workload(["--workload", str(f)]).name == "voice"
    f.write_text("min_quality = 0.7\n")
    assert entry._tui_workload(["--workload", str(f)]) == 2
    assert "did you mean 70" in capsys.readouterr().err


def test_a_terminal_opens_the_app_on_that_workload(monkeypatch):
    import advisor.tui as tui

    seen = {}
    monkeypatch.setattr(tui, "run", lambda workload=None: seen.setdefault("w", workload) and 0)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True, raising=False)
    entry.main(["tui", "--preset", "batch-pipeline"])
    assert seen["w"].name == "batch-pipeline"


def test_in_a_terminal_tui_may_be_left_out(monkeypatch, tmp_path):
    """`moe-advisor --preset bursty-app` and `moe-advisor my.toml` open the app on them (they were refused as
    "invalid choice"); a command word still runs that command."""
    import advisor.tui as tui

    seen = []
    monkeypatch.setattr(tui, "run", lambda workload=None: seen.append(workload) or 0)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True, raising=False)
    assert entry.main(["--preset", "bursty-app", "--requests-per-day", "9000"]) == 0
    assert seen[-1].name == "bursty-app" and seen[-1].requests_per_day == 9000
    f = tmp_path / "voice.toml"
    f.write_text('[workload]\nname = "voice"\nrequests_per_day = 200000\n')
    assert entry.main([str(f)]) == 0 and seen[-1].name == "voice"
    assert entry.main(["paths"]) == 0 and len(seen) == 2
