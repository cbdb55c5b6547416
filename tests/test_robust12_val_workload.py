"""Robustness review 12, items 9, 10 and 20 (workload values): an hourly profile whose sum overflows, request
rates below one request a month, and a bad tokens_per_day are one line naming the field as given."""

from __future__ import annotations

import pytest

from advisor import api
from advisor.cli import main
from advisor.domain.workload import MIN_REQUESTS_PER_DAY, from_mapping
from advisor.errors import InputError


def _run(capsys, *flags):
    code = main(["recommend", "--preset", "steady-latency", "--top", "2", "--details", "0", *flags])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err, err
    return code, out, err


def test_an_hourly_profile_summing_past_a_float_is_refused_up_front(capsys):
    code, _, err = _run(capsys, "--hourly-profile", ",".join(["1e308"] * 24))
    assert code == 2 and "--hourly-profile" in err and "summing to inf" in err, err
    # one huge hour alone: finite sum, but 24 times it is not
    with pytest.raises(InputError, match="hourly_profile"):
        from_mapping({"hourly_profile": [1e308] + [0.0] * 23})


def test_a_large_but_finite_hourly_profile_still_ranks():
    w = from_mapping({"hourly_profile": [1e300] * 24}, base=api.preset("bursty-app"))
    assert api.recommend(w).candidates


@pytest.mark.parametrize("flag", ["--requests-per-day", "--tokens-per-day"])
def test_a_vanishing_rate_is_refused_naming_the_flag_given(capsys, flag):
    code, _, err = _run(capsys, flag, "1e-300")
    assert code == 2 and f"{flag}:" in err and "one request a month" in err, err  # the flag as typed
    other = "--tokens-per-day" if flag == "--requests-per-day" else "--requests-per-day"
    assert other not in err and "_per_day" not in err, err


def test_tokens_per_day_that_is_not_a_number_is_named_as_given(capsys):
    code, _, err = _run(capsys, "--tokens-per-day", "abc")
    assert code == 2 and "--tokens-per-day: must be a number" in err and "requests" not in err, err


def test_one_request_a_month_ranks_with_real_figures(capsys):
    code, out, _ = _run(capsys, "--requests-per-day", f"{MIN_REQUESTS_PER_DAY:.6f}")
    assert code == 0 and "0.0329 requests/day" in out and "$0.000" not in out, out
    with pytest.raises(InputError, match="requests_per_day"):
        from_mapping({"requests_per_day": MIN_REQUESTS_PER_DAY / 2})
