"""Robustness review 12, item 18: a report's money above any bill a ranking writes, and a ``created_at`` years
ahead, are refused with one line naming the key (a 1e308 figure rendered a 400-character column)."""

from __future__ import annotations

import dataclasses
import datetime
import tomllib

import pytest
import tomli_w

from advisor import api
from advisor import reports as rp
from advisor.cli import main
from advisor.reports.load import MAX_REPORT_USD


@pytest.fixture(scope="module")
def report_data():
    rec = api.recommend(dataclasses.replace(api.preset("bursty-app"), models=("llama-3.3-70b",)))
    return tomllib.loads(rp.dumps_report(rec))


def _write(tmp_path, data, edit):
    data = tomllib.loads(tomli_w.dumps(data))  # a copy
    edit(data)
    path = tmp_path / "r.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("edit, words", [
    (lambda d: d["candidates"][0].__setitem__("monthly_cost_usd", 1e308), ("candidates[0].monthly_cost_usd", "above 1e+18")),
    (lambda d: d["candidates"][0].__setitem__("monthly_cost_usd", "1e999999999"), ("candidates[0].monthly_cost_usd", "above")),
    (lambda d: d["candidates"][0].__setitem__("usd_per_mtok", str(MAX_REPORT_USD * 10)), ("candidates[0].usd_per_mtok", "above")),
    (lambda d: d["report"].__setitem__("created_at", datetime.datetime(2999, 1, 1, tzinfo=datetime.UTC)),
     ("report.created_at", "in the future")),
    (lambda d: d["report"].__setitem__("created_at", "2999-01-01T00:00:00"), ("report.created_at", "in the future")),
], ids=["float-1e308", "text-1e999999999", "ten-times-the-cap", "created-2999", "created-2999-naive"])
def test_absurd_report_values_are_one_line_in_show_and_diff(tmp_path, capsys, report_data, edit, words):
    path = _write(tmp_path, report_data, edit)
    for argv in (["report", "show", str(path)], ["report", "diff", str(path), str(path)]):
        assert main(argv) == 2, argv
        out, err = capsys.readouterr()
        assert not out and len(err.strip().splitlines()) == 1 and str(path) in err, err
        assert all(w in err for w in words), err


def test_a_report_written_now_reads_back(tmp_path, report_data):
    path = _write(tmp_path, report_data, lambda d: None)
    assert rp.load_report(path).recommendation.candidates
