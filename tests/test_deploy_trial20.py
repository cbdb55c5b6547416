"""User trial 20's first finding: batch-pipeline at 5M requests/day ranks DeepSeek-V4-Flash in FP8 on 8x mi350x, a
dequantized copy of its MXFP4 checkpoint; `recommend` said "`moe-advisor deploy` writes the step", and the launch
files served the published MXFP4 repository by name. An upcast row's files now serve ``$MODEL`` (the copy the team
makes), with the step where a published tool makes it, and `recommend` promises a step only where one is recorded."""

from __future__ import annotations

from advisor import api
from advisor.cli import main
from advisor.deploy.support import upcast_step, upcast_tool
from advisor.ranking.ties import launch_unsure


def test_a_published_tool_is_named_where_one_is_recorded_and_no_step_is_promised_elsewhere():
    assert "fp8_cast_bf16.py" in upcast_tool("bf16", "fp8", "deepseek-ai/DeepSeek-R1")
    assert "Mxfp4Config(dequantize=True)" in upcast_tool("bf16", "mxfp4-experts", "openai/gpt-oss-120b")
    assert upcast_tool("fp8", "mxfp4-experts", "openai/gpt-oss-120b") == ""  # fp8 from MXFP4: nothing published
    assert upcast_tool("fp8", "mxfp4-experts", "deepseek-ai/DeepSeek-V4-Flash") == ""
    assert "no published tool" in upcast_step("fp8", "mxfp4-experts", "deepseek-ai/DeepSeek-V4-Flash")


def _upcast_row(model: str, precision: str, gpu: str = "h200"):
    w = api.workload(requests_per_day=1_000_000, input_tokens=1_500, output_tokens=500, latency="batch",
                     deadline_hours=24, self_hosting="required", models=[model], precisions=[precision],
                     gpu_types=[gpu], min_quality=0)
    rec = api.recommend(w)
    return rec, next(c for c in rec.candidates if c.precision == precision)  # the native checkpoint may rank first


def test_an_upcast_rows_files_serve_the_copy_the_team_makes(tmp_path, capsys):
    rec, top = _upcast_row("deepseek-v4-flash", "fp8")
    reason = next(r for r in top.reasons if r.code == "checkpoint")
    assert "no published tool for this copy is recorded" in reason.message and "writes the step" not in reason.message
    assert launch_unsure(top) and reason.severity == "warning"  # weights no one publishes or makes: ranked after
    assert not launch_unsure(rec.candidates[0]) and rec.candidates[0].precision == "mxfp4-experts"
    report = tmp_path / "r.toml"
    assert main(["recommend", "--workload", _workload_file(tmp_path, "deepseek-v4-flash", "fp8"), "-o", str(report)]) == 0
    out = tmp_path / "out"
    assert main(["deploy", str(report), "--rank", str(top.rank), "--target", "vllm", "--output-dir", str(out)]) == 0
    capsys.readouterr()
    serve = (out / "serve.sh").read_text()
    assert 'vllm serve "$MODEL"' in serve and 'MODEL="${MODEL:-deepseek-ai/DeepSeek-V4-Flash}"' in serve
    assert "dequantized copy of the published mxfp4-experts checkpoint" in serve
    assert "vllm serve deepseek-ai/DeepSeek-V4-Flash" not in serve


def test_a_row_whose_copy_a_published_script_makes_is_told_deploy_writes_the_step():
    _, top = _upcast_row("deepseek-r1", "bf16", "b300")  # FP8 -> BF16: DeepSeek's fp8_cast_bf16.py
    assert top.precision == "bf16"
    reason = next(r.message for r in top.reasons if r.code == "checkpoint")
    assert "writes the step" in reason and "no published tool" not in reason, reason


def _workload_file(tmp_path, model: str, precision: str) -> str:
    p = tmp_path / "w.toml"
    p.write_text(f'[workload]\nrequests_per_day = 1000000\ninput_tokens = 1500\noutput_tokens = 500\nlatency = "batch"\n'
                 f'deadline_hours = 24\nself_hosting = "required"\nmodels = ["{model}"]\nprecisions = ["{precision}"]\n'
                 f'gpu_types = ["h200"]\n')
    return str(p)
