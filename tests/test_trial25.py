"""User trial 25: the flows after the ranking (deploy from a saved report, an API row's launch files, the Python API)."""

from __future__ import annotations

import pytest

from advisor import api
from advisor.cli import main

from test_hostile_files import PRICE as _PRICE  # a user catalog's price file, filled in

PRICE = _PRICE.format(usd="0.50", pricing="on-demand", as_of="2026-11-01")  # provider "me": a contract rate


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_deploying_a_report_whose_row_ranks_otherwise_today_says_so(isolated_user_dirs, tmp_path, capsys):
    """`deploy REPORT.toml` ranks the report's workload again: with a contract price gone, its #1 is another provider's,
    and the files written were another row's without a word."""
    from advisor import runtime

    user = isolated_user_dirs / "catalogs"
    user.mkdir(parents=True, exist_ok=True)
    (user / "my_prices.toml").write_text(PRICE)
    runtime.reset_cache()
    report = tmp_path / "plan.toml"
    code, _, err = run(capsys, "recommend", "--preset", "steady-latency", "--top", "3", "--details", "0", "-o", report)
    assert code == 0, err
    code, _, err = run(capsys, "deploy", report, "--target", "vllm")
    assert code == 0 and "ranked again" not in err  # the same #1 today
    (user / "my_prices.toml").unlink()
    runtime.reset_cache()
    code, _, err = run(capsys, "deploy", report, "--target", "vllm")
    assert code == 0, err
    line = next(x for x in err.splitlines() if "ranked again" in x)
    assert ", me)" in line.split(";")[0] and ", me)" not in line.split(";")[1]  # then the contract's row, now another
    assert f"{report} ranked" in line and "these are its files" in line


def test_a_target_on_an_api_row_says_it_does_not_apply(capsys):
    code, out, err = run(capsys, "deploy", "--preset", "bursty-app", "--target", "vllm")
    assert code == 0 and "openai" in out.lower()  # the client snippet
    note = next(x for x in err.splitlines() if "does not apply" in x)
    assert "--target vllm" in note and "--rank" in note


@pytest.mark.parametrize("bad", ["bursty-app", None, {"requests_per_day": 1000}])
def test_the_api_names_a_workload_of_the_wrong_type(bad):
    from advisor.errors import InputError

    with pytest.raises(InputError, match="workload"):
        api.recommend(bad)


def test_an_api_clients_max_tokens_holds_the_longest_answer_and_the_thinking():
    """The client snippet capped answers at the workload's mean output (300): half the answers cut, and a reasoning
    model's thinking counts against max_tokens, so most R1 replies stopped mid-thought."""
    import re

    from advisor.deploy.plan import REASONING_TAIL
    from advisor.deploy.skypilot import api_snippet

    w = api.workload(models=["deepseek-r1"], self_hosting="not-wanted")
    c = api.recommend(w).candidates[0]
    assert c.deployment == "api" and (c.output_multiplier or 1) > 1
    text = api_snippet(c, w, None, None)
    limit = int(re.search(r"max_tokens=(\d+)", text).group(1))
    thinking = round(REASONING_TAIL * (c.output_multiplier - 1) * w.output_tokens)
    assert limit == w.context_max_tokens - w.input_tokens + thinking > w.output_tokens
    assert "thinking counts against max_tokens" in text
    plain = api.recommend(api.workload(models=["llama-3.3-70b"], self_hosting="not-wanted")).candidates[0]
    assert f"max_tokens={w.context_max_tokens - w.input_tokens}," in api_snippet(plain, w, None, None)


def test_a_report_path_under_a_file_says_it_is_a_file(tmp_path, capsys):
    (tmp_path / "plan.toml").write_text("x")
    code, _, err = run(capsys, "recommend", "--preset", "steady-latency", "--top", "1", "-o", tmp_path / "plan.toml" / "x.toml")
    assert code != 0 and "plan.toml is a file, not a directory" in err and "does not exist" not in err
