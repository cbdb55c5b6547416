"""One rule for numbers with thousands separators, read the same by a workload file, `recommend`'s flags, the form and
`estimate`: commas only between groups of three digits."""

import pytest

from advisor import api
from advisor.cli import main
from advisor.common.checks import ungrouped
from advisor.domain.workload import from_mapping
from advisor.errors import InputError


@pytest.mark.parametrize("text, plain", [("1,024", "1024"), ("40,000", "40000"), ("1,000,000.5", "1000000.5"),
                                         ("2500", "2500"), ("-1,000", "-1000"), ("1,,024", None), ("10,24", None),
                                         ("1,0240", None), (",100", None), ("1,000.", None)])
def test_the_rule(text, plain):
    assert ungrouped(text) == plain


def test_a_workload_reads_grouped_numbers_and_names_a_bad_one():
    w = from_mapping({"requests_per_day": "40,000", "input_tokens": "1,024", "output_tokens": "256"})
    assert (w.requests_per_day, w.input_tokens) == (40000.0, 1024)
    with pytest.raises(InputError, match=r"input_tokens.*commas between groups of three digits.*'1,,024'"):
        from_mapping({"input_tokens": "1,,024"})


def test_recommend_takes_them_on_the_command_line(capsys):
    assert main(["recommend", "--preset", "steady-latency", "--requests-per-day", "40,000", "--input-tokens", "1,024",
                 "--top", "1", "--details", "0", "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert '"requests_per_day": 40000.0' in out and '"input_tokens": 1024' in out
    assert api.workload(requests_per_day="1,500").requests_per_day == 1500.0
