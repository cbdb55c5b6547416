"""User trial 21b (files, hostile input, deploy): an API client that left Qwen3's thinking on for a no-thinking row;
`deploy` without `--format json`; `estimate` taking 1e30 tokens; `precisions = []` meaning "none" where every other
empty list means "all"; an error naming a typical context the file never set; a vLLM pin that allowed the release
before the one the recipe needs; `--details -2` taken as 0."""

from __future__ import annotations

import json

import pytest

from advisor import api
from advisor.cli import main
from advisor.deploy import support
from advisor.deploy.engines import reasoning_notes
from advisor.deploy.plan import plan_for
from advisor.deploy.skypilot import api_snippet
from advisor.errors import InputError


def _qwen3_api_rows():
    w = api.workload(requests_per_day=100_000, input_tokens=2_000, output_tokens=500, models=["qwen3-235b-a22b"],
                     self_hosting="not-wanted")
    return w, api.recommend(w).candidates


def test_a_no_thinking_row_of_a_model_that_thinks_by_default_turns_thinking_off_in_its_api_client():
    w, rows = _qwen3_api_rows()
    plain = next(c for c in rows if c.mode == "non-reasoning")
    text = api_snippet(plain, w, None, "Qwen/Qwen3-235B-A22B")
    compile(text, "client.py", "exec")
    assert '"enable_thinking": False' in text
    think = next((c for c in rows if c.mode == "reasoning"), None)
    if think is not None:
        assert "enable_thinking" not in api_snippet(think, w, None, "Qwen/Qwen3-235B-A22B")
    # a model that does not think by default gets no switch
    other = api.recommend(api.workload(requests_per_day=100_000, models=["llama-3.3-70b"], self_hosting="not-wanted")).candidates[0]
    assert "enable_thinking" not in api_snippet(other, w, None, None)


def test_deploy_takes_format_json(capsys):
    assert main(["deploy", "--preset", "steady-latency", "--format", "json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["rank"] == 1 and got["target"] == got["engine"] and got["files"] and all(isinstance(t, str) for t in got["files"].values())
    c = api.recommend(api.preset("steady-latency")).candidates[0]
    assert got["label"] == c.label and got["layout"] == c.layout


def test_estimate_refuses_a_request_past_any_context_naming_the_flag(capsys):
    assert main(["estimate", "llama-3.3-70b", "h100-sxm", "--input-tokens", "1e30"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--input-tokens: 1e+30 tokens is beyond any model's context" in err, err
    assert main(["estimate", "llama-3.3-70b", "h100-sxm", "--output-tokens", "2e7"]) == 2
    assert "--output-tokens: 20,000,000 tokens" in capsys.readouterr().err
    with pytest.raises(InputError, match="input_tokens"):
        api.estimate("llama-3.3-70b", "h100-sxm", input_tokens=10**12)


def test_an_empty_precision_list_is_refused_not_read_as_none(tmp_path, capsys):
    f = tmp_path / "w.toml"
    f.write_text('[workload]\nrequests_per_day = 1000\nprecisions = []\n', encoding="utf-8")
    assert main(["recommend", str(f)]) == 2
    err = capsys.readouterr().err
    assert "precisions: an empty list allows no precision" in err and "only precisions none" not in err
    # APIs only: nothing is self-hosted, so no precision is needed
    assert api.workload(requests_per_day=1000, precisions=[], self_hosting="not-wanted").precisions == ()


def test_a_short_context_max_in_a_file_is_refused_for_the_request_not_for_a_typical_context_never_set(tmp_path, capsys):
    f = tmp_path / "w.toml"
    f.write_text('[workload]\nrequests_per_day = 1000\ncontext_max_tokens = 100\ninput_tokens = 5000\n', encoding="utf-8")
    assert main(["recommend", str(f)]) == 2
    err = capsys.readouterr().err
    assert "context_max_tokens: 100 is shorter than a mean request (5,000 input" in err and "context_typical_tokens" not in err, err
    # a typical context the file does set is still checked against the maximum
    f.write_text('[workload]\ncontext_max_tokens = 4000\ncontext_typical_tokens = 6000\n', encoding="utf-8")
    assert main(["recommend", str(f)]) == 2
    assert "context_typical_tokens" in capsys.readouterr().err


def test_a_recipes_patch_release_is_pinned_and_said_as_such():
    assert support.vllm_pin("gemma-4-26b-a4b") == "vllm~=0.19.1"  # >= 0.19.1 in the 0.19 series (PEP 440), not 0.19.0
    assert support.vllm_pin("llama-3.3-70b") == "vllm==0.12.*"
    tag = support.vllm_rocm_image("gemma-4-26b-a4b").rsplit(":v", 1)[1]
    assert support.version_tuple(tag) >= (0, 19, 1)
    w = api.workload(requests_per_day=1000, input_tokens=1000, output_tokens=300, models=["gemma-4-26b-a4b"],
                     self_hosting="required", engines=["vllm"], min_quality=0)
    c = next(c for c in api.recommend(w).candidates if c.mode == "reasoning")
    for line in reasoning_notes(plan_for(c, w, api.catalog()), "vllm"):
        assert "vLLM 0.12" not in line, line


def test_a_negative_details_count_is_refused(capsys):
    with pytest.raises(SystemExit) as exit_:  # argparse's usage error, as for --top -1
        main(["recommend", "--details", "-2"])
    assert exit_.value.code == 2
    assert "--details must be 0 or more, got -2" in capsys.readouterr().err


def test_a_field_the_latency_mode_never_reads_is_said_not_dropped_unseen(tmp_path, capsys):
    f = tmp_path / "w.toml"
    f.write_text('[workload]\nrequests_per_day = 1000\ndeadline_hours = 5\n', encoding="utf-8")
    assert main(["recommend", str(f), "--top", "1", "--details", "0"]) == 0
    err = capsys.readouterr().err
    assert f"{f}: deadline_hours is not used: an interactive workload" in err, err
    assert main(["recommend", "--preset", "batch-pipeline", "--ttft-ms", "100", "--top", "1", "--details", "0"]) == 0
    err = capsys.readouterr().err
    assert "--ttft-ms is not used: a batch workload is sized on its deadline" in err, err
    # the fields a preset carries are not the user's: nothing said
    assert main(["recommend", "--preset", "batch-pipeline", "--top", "1", "--details", "0"]) == 0
    assert "is not used" not in capsys.readouterr().err
