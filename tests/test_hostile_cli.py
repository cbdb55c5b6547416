"""Hostile input at the command line (issue 15): escape sequences from files stripped, non-finite numbers
refused in one line, unknown refresh sources a non-zero exit, report diff linear."""

from __future__ import annotations

import dataclasses
import time

import pytest

from advisor import api
from advisor.cli import main
from advisor.common import checks
from advisor.common.text import clean
from advisor.errors import InputError

EVIL = "\x1b]0;pwned\x07\x1b[2J\x1b[31mred\x9b1A\rover\x08"


def test_clean_strips_every_kind_of_escape():
    assert clean(EVIL) == "redover"
    assert clean("a\tb\nc") == "a\tb\nc"


def test_escape_sequences_from_a_workload_and_a_report_are_not_printed(tmp_path, capsys):
    w = tmp_path / "w.toml"
    w.write_text(f'[workload]\nname = "{EVIL.encode("unicode_escape").decode()}"\nrequests_per_day = 1000\n'.replace("\\x", "\\u00"))
    rep = tmp_path / "r.toml"
    assert main(["recommend", "--workload", str(w), "--top", "2", "--details", "1", "--output", str(rep)]) == 0
    out, err = capsys.readouterr()
    assert "\x1b" not in out + err and "\x07" not in out + err and "\x9b" not in out + err
    assert "\x1b" in api.load_workload(w).name  # the data is kept; only printing strips it
    assert main(["report", "show", str(rep)]) == 0
    out, err = capsys.readouterr()
    assert "\x1b" not in out + err and "\x07" not in out + err and "\x9b" not in out + err


def test_prices_refresh_unknown_source_exits_non_zero(capsys):
    assert main(["prices", "refresh", "--source", "nosuch"]) != 0
    assert "no such price source" in capsys.readouterr().out


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e999"])
def test_non_finite_tpot_limit_is_one_line(capsys, value):
    with pytest.raises(SystemExit) as exc:
        main(["estimate", "llama-3.3-70b", "h100-sxm", f"--tpot-limit-ms={value}"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "must be a finite number" in err and "Traceback" not in err


def test_gpus_must_be_whole_at_the_cli(capsys):
    with pytest.raises(SystemExit):
        main(["estimate", "llama-3.3-70b", "h100-sxm", "--gpus", "1.5"])
    assert "must be a whole number of GPUs, got '1.5'" in capsys.readouterr().err


def test_a_gpu_type_given_to_gpus_says_where_it_goes(capsys):
    """``--gpu h200`` abbreviates ``--gpus``: the error says the GPU type is the second argument."""
    with pytest.raises(SystemExit):
        main(["estimate", "llama-4-maverick", "--gpu", "h200"])
    err = capsys.readouterr().err
    assert "got 'h200'" in err and "estimate MODEL GPU --gpus N" in err and "Traceback" not in err


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "abc", None, True])
def test_finite_check_for_api_arguments(value):
    with pytest.raises(InputError, match="tpot_limit_ms"):
        checks.finite("tpot_limit_ms", value)
    assert checks.finite("tpot_limit_ms", None, allow_none=True) is None
    assert checks.finite("tpot_limit_ms", "12.5") == 12.5


@pytest.mark.parametrize("value", [1.5, float("nan"), "2.5", True, 0])
def test_whole_check_refuses_fractional_gpus(value):
    with pytest.raises(InputError, match="gpus"):
        checks.whole("gpus", value, minimum=1)
    assert checks.whole("gpus", 2.0) == 2


def test_report_diff_is_linear(tmp_path):
    """diff of a 100x report took 25.8 s (quadratic); 4x the rows must take well under 16x the time."""
    from advisor.reports import diff_reports, dumps_report, loads_report

    rec = api.recommend(api.preset("bursty-app"))
    base = list(rec.candidates)[:60]

    def scaled(k: int):
        cands = tuple(dataclasses.replace(c, model=c.model, provider=f"{c.provider}-{i}", rank=n + 1)
                      for n, (i, c) in enumerate((i, c) for i in range(k) for c in base))
        return loads_report(dumps_report(dataclasses.replace(rec, candidates=cands, rejected=rec.rejected[:20] * k)), "r.toml")

    def timed(k: int) -> float:
        a, b = scaled(k), scaled(k)
        t = time.perf_counter()
        diff_reports(a, b).text()
        return time.perf_counter() - t

    small, large = timed(2), timed(8)
    assert large < 16 * max(small, 0.01), (small, large)
