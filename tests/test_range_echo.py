"""A range error echoes the value grouped as a person writes it (1,000,000,000,000,000), not as 1e+15, in the CLI and
under the form's field alike."""

from __future__ import annotations

import pytest

from advisor.cli import main
from advisor.common.checks import readable

BIG = "1,000,000,000,000,000 is beyond any single deployment (max 10,000,000,000)"


def test_readable_groups_whole_numbers_and_keeps_fractions():
    assert readable(1e15) == "1,000,000,000,000,000"
    assert readable(1500) == "1,500" and readable(2.5) == "2.5" and readable(-3.0) == "-3"
    assert readable(1e300) == "1e+300" and readable(float("inf")) == "inf"  # no 301-digit echo


@pytest.mark.parametrize("typed", ["1e15", "1000000000000000"])
def test_the_cli_echoes_a_huge_request_rate_grouped(capsys, typed):
    code = main(["recommend", "--preset", "steady-latency", "--requests-per-day", typed])
    err = capsys.readouterr().err
    assert code == 2 and BIG in err and "e+" not in err, err


def test_other_range_errors_echo_grouped_too(capsys):
    code = main(["recommend", "--preset", "steady-latency", "--peak-to-mean", "1e6"])
    err = capsys.readouterr().err
    assert code == 2 and "got 1,000,000" in err and "e+" not in err, err


async def test_the_form_echoes_a_huge_request_rate_grouped():
    pytest.importorskip("textual")
    from test_tui import hint, make_app, paste_into, settle, until

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await paste_into(pilot, "requests_per_day", "1000000000000000")
        await until(pilot, lambda: "requests_per_day" in app.main.form.errors)
        assert BIG in app.main.form.errors["requests_per_day"]
        assert "e+" not in str(hint(app, "requests_per_day").render())
