"""Robustness review 12, files: measurements, traffic logs, benchmark results and big reports go through the one
bounded reader (regular files only, a size cap, a BOM accepted); a bad one is one line naming the file and the
line, never a hang, a traceback or a blame on the flags; a report the tool writes is one the tool reads."""

from __future__ import annotations

import dataclasses
import os
import threading
from pathlib import Path

import pytest

from advisor import api
from advisor.cli import main
from advisor.common import tomlio
from advisor.errors import InputError
from advisor.measure import store
from advisor.measure.results import read_result
from advisor.reports import dumps_report, export, load_report, write_report

HEADER = "timestamp,requests,input_tokens,output_tokens\n"


def finishes(fn, seconds: float = 5.0):
    """``fn()``'s result or exception, or a test failure when it is still running after ``seconds`` (a FIFO read
    blocks until a writer opens it: before the fix this never returned)."""
    box: dict = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            box["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert box, f"still running after {seconds} s (blocked on a FIFO?)"
    return box


def one_line_error(capsys, argv: list[str], name: str) -> str:
    box = finishes(lambda: main(argv), 30)
    assert box.get("value") == 2, box
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and name in err, err
    assert "Traceback" not in err and "internal error" not in err and "flags:" not in err, err
    return err


# --------------------------------------------------------------------------- 1: measurements.toml


@pytest.fixture
def catdir(isolated_user_dirs):
    store.forget()
    (d := isolated_user_dirs / "catalogs").mkdir(parents=True, exist_ok=True)
    yield d
    store.forget()


def test_1_a_fifo_measurements_file_is_refused_not_hung(catdir):
    os.mkfifo(catdir / store.FILE_NAME)
    box = finishes(store.load)
    assert isinstance(box.get("error"), InputError) and "not a regular file" in str(box["error"]), box
    assert store.FILE_NAME in str(box["error"])
    store.forget()
    assert finishes(lambda: store.correction_for("m", "g", 1, "fp8", "vllm", "tp"))["value"] is None


def test_1_measurements_read_is_bounded_and_takes_a_bom(catdir, monkeypatch):
    p = catdir / store.FILE_NAME
    p.write_bytes(b"\xef\xbb\xbf" + store.dumps(()).encode())  # saved by an editor that writes a BOM
    assert store.load() == ()
    store.forget()
    p.write_text("# " + "x" * 5000 + "\n")
    monkeypatch.setenv(tomlio.MAX_BYTES_ENV, "1000")
    with pytest.raises(InputError, match="too large"):
        store.load()
    store.forget()
    monkeypatch.delenv(tomlio.MAX_BYTES_ENV)
    p.write_text("x = " + "[" * 500 + "]" * 500 + "\n")
    with pytest.raises(InputError, match="nested deeper"):
        store.load()
    store.forget()
    p.write_text("correction = 5\n")
    with pytest.raises(InputError, match=r"\[\[correction\]\]"):
        store.load()


# --------------------------------------------------------------------------- 3: a written report is readable


def test_3_a_report_of_thousands_of_candidates_is_written_so_the_tool_reads_it(tmp_path):
    rec = api.recommend(api.preset("bursty-app"))
    assert len(rec.candidates) > 10
    many = (rec.candidates * (export.MAX_CANDIDATES // len(rec.candidates) + 3))[: export.MAX_CANDIDATES + 300]
    many = tuple(dataclasses.replace(c, rank=i + 1) for i, c in enumerate(many))
    big = dataclasses.replace(rec, candidates=many, rejected=(rec.rejected * 2000)[: export.MAX_REJECTED + 50])
    path = write_report(big, tmp_path / "big.toml")
    loaded = load_report(path)  # was: "too large (... the limit is 8,388,608)"
    assert len(loaded.recommendation.candidates) == export.MAX_CANDIDATES
    assert len(loaded.recommendation.rejected) == export.MAX_REJECTED
    notes = " ".join(loaded.recommendation.notes)
    assert f"best {export.MAX_CANDIDATES:,} of {len(many):,} ranked candidates" in notes and "rejected options" in notes
    text = path.read_text()
    assert dumps_report(loaded.recommendation, loaded.created_at) == text  # re-exported as the same text


def test_3_a_report_over_the_reader_limit_is_written_with_fewer_candidates(tmp_path, monkeypatch):
    rec = api.recommend(api.preset("bursty-app"))
    monkeypatch.setenv(tomlio.MAX_BYTES_ENV, str(300_000))
    path = write_report(rec, tmp_path / "r.toml")
    assert path.stat().st_size <= 300_000
    loaded = load_report(path)
    assert 0 < len(loaded.recommendation.candidates) < len(rec.candidates)
    assert loaded.recommendation.candidates[0].label == rec.candidates[0].label


# --------------------------------------------------------------------------- 5: --traffic CSV


def test_5_traffic_fifo_and_device_are_refused_not_hung(tmp_path, capsys):
    fifo = tmp_path / "traffic.csv"
    os.mkfifo(fifo)
    err = one_line_error(capsys, ["recommend", "--preset", "bursty-app", "--traffic", str(fifo)], "traffic.csv")
    assert "not a regular file" in err
    if Path("/dev/zero").exists():
        assert "not a regular file" in one_line_error(capsys, ["recommend", "--traffic", "/dev/zero"], "/dev/zero")


@pytest.mark.parametrize("rows, expect", [
    # naive and +00:00 timestamps: was "internal error: TypeError" (they cannot be compared)
    ("2026-01-01T00:00:00,5,100,10\n2026-01-01T01:00:00+00:00,5,100,10\n2026-01-01T02:00:00,5,100,10\n",
     "line 2: timestamp without a UTC offset while line 3 has one"),
    # was OverflowError (the token mean is inf)
    ("0,5,1e308,10\n3600,5,100,10\n", "line 2: a count of 1e+308"),
    # was "flags: hourly_profile ... got nan"
    ("0,1e308,100,10\n3600,5,100,10\n", "line 2: a count of 1e+308"),
    # was "flags: requests_per_day: 8.64e+12"
    ("0.000001,5,100,10\n0.000002,5,100,10\n0.000003,5,100,10\n", "requests/day, beyond any single deployment"),
    ("1e308,5,100,10\n3600,5,100,10\n", "line 2: timestamp '1e308' is out of range"),
    ("0,5,20000000000,10\n3600,5,100,10\n", "input tokens per request, beyond any model's context"),
])
def test_5_bad_traffic_rows_name_the_file_and_line(tmp_path, capsys, rows, expect):
    p = tmp_path / "log.csv"
    p.write_text(HEADER + rows)
    err = one_line_error(capsys, ["recommend", "--preset", "bursty-app", "--traffic", str(p)], "log.csv")
    assert expect in err and "traffic" in err, err


def test_5_a_traffic_file_over_the_cap_is_refused_unread(tmp_path, monkeypatch, capsys):
    p = tmp_path / "huge.csv"
    p.write_text(HEADER + "".join(f"{h * 3600},5,100,10\n" for h in range(200)))
    monkeypatch.setenv(tomlio.MAX_BYTES_ENV, "1000")
    assert "too large" in one_line_error(capsys, ["recommend", "--traffic", str(p)], "huge.csv")


# --------------------------------------------------------------------------- 12: calibrate RESULT.json


def test_12_calibrate_refuses_fifos_devices_and_huge_files(tmp_path, monkeypatch, capsys):
    fifo = tmp_path / "result.json"
    os.mkfifo(fifo)
    box = finishes(lambda: read_result(fifo))
    assert isinstance(box.get("error"), InputError) and "not a regular file" in str(box["error"]), box
    big = tmp_path / "big.json"
    big.write_text('{"completed": 1}' + " " * 5000)
    monkeypatch.setenv(tomlio.MAX_BYTES_ENV, "1000")
    with pytest.raises(InputError, match="too large"):
        read_result(big)
    monkeypatch.delenv(tomlio.MAX_BYTES_ENV)
    if Path("/dev/zero").exists():  # was: read until the OOM killer stopped it
        assert "not a regular file" in one_line_error(capsys, ["calibrate", "/dev/zero", "--dry-run"], "/dev/zero")
    nested = tmp_path / "nested.json"
    nested.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError, match="nested"):
        read_result(nested)
