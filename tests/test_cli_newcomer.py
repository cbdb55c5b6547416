"""CLI points a newcomer tripped on (issue 14, item 14; units and formats of items 8, 10 and 12)."""

from __future__ import annotations

import json
import re

import pytest

from advisor.cli import main


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("command", ["paths", "summary"])
def test_every_command_takes_format_json(capsys, command):
    code, out, _ = run(capsys, command, "--format", "json")
    assert code == 0
    assert isinstance(json.loads(out), dict)


def test_estimate_names_tokens_like_recommend_and_keeps_the_old_flags(capsys):
    code, new, _ = run(capsys, "estimate", "llama-3.3-70b", "h100-sxm", "--precision", "fp8", "--input-tokens", "1e3",
                       "--output-tokens", "200", "--format", "json")
    assert code == 0
    data = json.loads(new)
    assert (data["input_tokens"], data["output_tokens"]) == (1000, 200)  # 1e3 parses as recommend's flags do
    code, old, _ = run(capsys, "estimate", "llama-3.3-70b", "h100-sxm", "--precision", "fp8", "--input", "1,000",
                       "--output", "200", "--format", "json")
    assert code == 0 and json.loads(old) == data


def test_estimate_says_which_count_is_which(capsys):
    code, out, _ = run(capsys, "estimate", "llama-3.3-70b", "h100-sxm", "--precision", "fp8")
    assert code == 0
    assert "room for" in out and "at their full" in out  # the KV line: sequences that fit at full length
    assert "concurrent sequences" in out


def test_a_negative_top_is_refused(capsys):
    code, out, err = run(capsys, "recommend", "--preset", "steady-latency", "--top", "-1")
    assert code == 2 and out == ""
    assert err == "moe-advisor recommend: error: --top must be 0 or more, got -1 (`moe-advisor recommend --help` lists the options)\n"


def test_a_bad_flag_is_one_line_naming_the_subcommand(capsys):
    """User trial 24: `recommend --bogus` printed 29 lines of usage before the error; one line names the command, the
    flag and where the options are listed."""
    code, _, err = run(capsys, "estimate", "llama-3.3-70b", "h100-sxm", "--bogus")
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("moe-advisor estimate: error: unrecognized arguments: --bogus") and "`moe-advisor estimate --help`" in err
    code, _, err = run(capsys, "report", "show", "x.toml", "--bogus")
    assert code == 2 and err.startswith("moe-advisor report show: error: unrecognized arguments: --bogus") and err.count("\n") == 1


def test_a_bad_flag_with_no_command_does_not_name_a_tui_never_typed(capsys):
    """`moe-advisor --bogus` is read as the interactive advisor's options: the error says so and where they are listed,
    in one line, instead of "moe-advisor tui: error" for a command the user never typed; `tui --bogus` keeps its own."""
    code, _, err = run(capsys, "--bogus")
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("moe-advisor: error: unrecognized arguments: --bogus (with no command")
    assert "`moe-advisor tui --help`" in err and "moe-advisor tui:" not in err
    code, _, err = run(capsys, "tui", "--bogus")
    assert code == 2 and err.startswith("moe-advisor tui: error: unrecognized arguments: --bogus (`moe-advisor tui --help`")


def test_size_warns_past_the_models_context_limit(capsys):
    code, out, err = run(capsys, "size", "llama-3.3-70b", "--context", "10000000")
    assert code == 0 and "past llama-3.3-70b's limit of 131,072 tokens" in err
    code, _, err = run(capsys, "size", "llama-3.3-70b", "--context", "8192")
    assert "limit" not in err


def test_estimate_warns_past_the_models_context_limit_and_says_what_the_shortfall_is(capsys):
    code, out, err = run(capsys, "estimate", "llama-3.3-70b", "h100-sxm", "--input", "1e6")
    assert code == 3 and "past llama-3.3-70b's limit of 131,072 tokens" in err
    assert "1,000,000 in / 256 out" in out and "KV for one 1,000,256-token sequence" in out
    # past any model's context, refused as `recommend` refuses it (user trial 21b: 1e30 printed 31 digits)
    code, out, err = run(capsys, "estimate", "llama-3.3-70b", "h100-sxm", "--input", "1e9")
    assert code == 2 and "--input-tokens: 1,000,000,000 tokens is beyond any model's context (max 10,000,000)" in err
    code, out, err = run(capsys, "estimate", "llama-3.3-70b", "h100-sxm", "--gpus", "2", "--precision", "fp8")
    assert code == 0 and "limit" not in err and "1,024 in / 256 out" in out


def test_recommend_details_word_a_missing_break_even_with_its_numbers(capsys):  # item 5, in the CLI too
    code, out, _ = run(capsys, "recommend", "--requests-per-day", "2000", "--input-tokens", "800", "--output-tokens", "600",
                       "--shape", "bursty", "--peak-to-mean", "6", "--ttft-ms", "800", "--tokens-per-s-per-user", "60",
                       "--min-quality", "80", "--self-hosting", "required", "--top", "3", "--details", "3")
    flat = " ".join(out.split())
    assert code == 0 and "break-even not reached" in flat and "one replica costs $" in flat
    assert "break-even never" not in flat


def test_gpu_memory_is_in_decimal_gb_everywhere(capsys):
    code, out, _ = run(capsys, "list", "gpus")
    assert code == 0 and "GiB" not in out and "85.9 GB" in out and "GB = 10⁹ bytes" in out


def test_gpu_hour_prices_have_two_to_four_decimals(capsys):
    import re

    code, out, _ = run(capsys, "prices")
    assert code == 0
    for price in re.findall(r"\$([0-9.,]+)/GPU-h", out):
        assert 2 <= len(price.split(".")[1]) <= 4, price


def test_recommend_keeps_the_replica_count_with_a_legend(capsys):
    code, out, _ = run(capsys, "recommend", "--preset", "batch-pipeline", "--top", "3", "--details", "1")
    assert code == 0
    assert "configuration: R × G gpu = R replicas" in out
    assert re.search(r"\s\d+(-\d+)? × \d+ [a-z0-9-]+ ", out)  # R (a range when it scales) × G gpu
