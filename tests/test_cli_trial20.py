"""User trial 19, validation: `--output-tokens 1e7` was refused naming input_tokens; `--context-max 100` was refused
naming context_typical_tokens, a field the user never set; a 1e9 ms TTFT was taken (11.6 days, printed on every
screen); a 36 s batch deadline was met by a scale-to-zero job whose cold start alone takes 9 minutes."""

from __future__ import annotations

import re

import pytest

from advisor import api
from advisor.cli import main
from advisor.cost.billing import job_replicas


def _error(capsys, *argv: str) -> str:
    assert main(["recommend", *argv]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    return err


def test_a_request_past_any_context_names_the_flag_that_made_it_so(capsys):
    err = _error(capsys, "--output-tokens", "1e7")
    assert "--output-tokens:" in err and "input_tokens" not in err and "--input-tokens" not in err, err
    err = _error(capsys, "--input-tokens", "1e7")
    assert "--input-tokens:" in err, err


def test_a_short_context_max_is_refused_for_the_request_not_for_a_default_typical_context(capsys):
    err = _error(capsys, "--context-max", "100")
    assert "--context-max:" in err and "shorter than a mean request" in err and "typical" not in err, err
    assert main(["recommend", "--context-max", "1500", "--top", "1", "--details", "0"]) == 0
    assert "1,500 typical / 1,500 max" in capsys.readouterr().out
    err = _error(capsys, "--preset", "long-context", "--context-max", "20000")  # the preset's typical is 31,000
    assert "--context-max: 20,000 is shorter than a mean request" in err and "typical" not in err, err


def test_a_ttft_target_past_an_hour_is_refused_naming_the_flag(capsys):
    err = _error(capsys, "--ttft-ms", "1e9")
    assert "--ttft-ms:" in err and "an hour" in err, err
    assert main(["recommend", "--ttft-ms", "3600000", "--top", "1", "--details", "0"]) == 0
    capsys.readouterr()


def test_flags_on_a_preset_are_named_as_flags_and_file_fields_as_fields(capsys, tmp_path):
    err = _error(capsys, "--preset", "bursty-app", "--ttft-ms", "-1")
    assert "preset bursty-app + flags: --ttft-ms:" in err, err
    wl = tmp_path / "w.toml"
    wl.write_text("[workload]\nrequests_per_day = 1000\nttft_ms = -1\n")
    err = _error(capsys, "--workload", str(wl))
    assert "ttft_ms:" in err and "--ttft-ms" not in err and str(wl) in err, err


def test_a_scale_to_zero_job_ends_within_its_deadline_cold_start_included():
    work, cold = 3600.0, 600.0
    assert job_replicas(work, cold, 0.5, spot=False, peak=1) == 3  # 3600 / 3 + 600 = 1800 s: just in time
    assert work / 3 + cold <= 1800 < work / 2 + cold
    assert job_replicas(work, cold, 24, spot=False, peak=1) == 1
    assert job_replicas(work, cold, 600 / 3600, spot=False, peak=1) == 0  # no longer than a cold start: no job
    assert job_replicas(work, cold, 0.5, spot=True, peak=1) == 6  # room for one restart: 3600 / 6 + 2 x 600 = 1800 s
    assert job_replicas(work, cold, 1000 / 3600, spot=True, peak=1) == 9  # no count leaves room for a restart: on time


def _runs(c) -> float:
    billing = next(r.message for r in c.reasons if r.code == "billing")
    return float(re.search(r"the job runs ([0-9.]+) h a day", billing).group(1))


@pytest.mark.parametrize("hours", [0.5, 2.0])
def test_every_scale_to_zero_row_finishes_its_day_within_the_deadline(hours):
    w = api.workload(requests_per_day=200_000, input_tokens=1_000, output_tokens=300, latency="batch",
                     deadline_hours=hours, self_hosting="required")
    rec = api.recommend(w)
    jobs = [c for c in rec.candidates[:60] if c.scaling == "scale-to-zero"]
    assert jobs
    assert all(_runs(c) <= hours + 0.05 for c in jobs), [(c.label, _runs(c)) for c in jobs if _runs(c) > hours]


def test_a_deadline_shorter_than_a_cold_start_keeps_replicas_running_and_says_why():
    w = api.workload(requests_per_day=10_000, input_tokens=1_000, output_tokens=300, latency="batch",
                     deadline_hours=0.01, self_hosting="required")
    rec = api.recommend(w)
    assert rec.candidates and not any(c.scaling == "scale-to-zero" for c in rec.candidates)
    why = next(r for r in rec.candidates[0].reasons if r.code == "cold-start")
    assert "longer than the 36 s deadline" in why.message and why.severity == "warning", why.message


def test_a_number_takes_the_article_it_is_read_with():
    from advisor.common.fmt import a_number

    assert [a_number(t) for t in ("800", "8,000", "2,000", "11", "18,000", "1,100", "180")] == [
        "an 800", "an 8,000", "a 2,000", "an 11", "an 18,000", "a 1,100", "a 180"]
