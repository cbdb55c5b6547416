"""User trial 18, the command line: the engine an estimate assumes and why (against how `recommend` picks), the
warnings `recommend` gives for an engine the user names, the breakdown's engine line and KV precision, typos in a
workload file, a provider error that names the file, `estimate --gpus` capped, AMD's runtime named in launch files, a
cost-only report diff, and Qwen2.5-72B's config source."""

from __future__ import annotations

import json

import pytest

from advisor import api
from advisor.cli import main
from advisor.common.text import nearest


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------- estimate's engine, recommend's engine


def test_estimate_without_engine_says_which_and_why_and_that_recommend_searches(capsys):
    """llama-4-scout fp8 on one H200: recommend ranks the row on vLLM, estimate assumes NVIDIA's default, TensorRT-LLM;
    estimate says why and how to see vLLM's figure."""
    w = api.workload(models=["llama-4-scout"], gpu_types=["h200"], precisions=["fp8"], self_hosting="required",
                     requests_per_day=40_000, min_quality=0)
    ranked = api.recommend(w).candidates[0]
    code, out, _ = run(capsys, "estimate", "llama-4-scout", "h200", "--precision", "fp8", "--gpus", ranked.gpus)
    assert code == 0
    line = next(ln for ln in out.splitlines() if ln.strip().startswith("engine choice"))
    used = next(ln for ln in out.splitlines() if ln.strip().startswith("engine, layout")).split()[2].rstrip(",")
    assert used == "trtllm" and "the default on NVIDIA GPUs" in line
    assert "recommend searches" in line
    if ranked.engine != used:  # they legitimately differ: the flag that shows the ranked row's engine is named
        assert f"--engine {ranked.engine}" in line


def test_estimate_names_why_not_the_vendor_default(capsys):
    """deepseek-v4-flash on mi300x: the vLLM recipe refuses the GPU, so estimate (as recommend) assumes SGLang, and
    says so; on mi325x, which the recipe verifies, vLLM is the default."""
    code, out, _ = run(capsys, "estimate", "deepseek-v4-flash", "mi300x", "--gpus", "8")
    line = next(ln for ln in out.splitlines() if "engine choice" in ln)
    assert code == 0 and line.split()[2] == "sglang:" and "not vllm" in line and "marks this GPU unsupported" in line
    code, out, _ = run(capsys, "estimate", "deepseek-v4-flash", "mi325x", "--gpus", "8")
    line = next(ln for ln in out.splitlines() if "engine choice" in ln)
    assert code == 0 and line.split()[2] == "vllm:" and "the default on AMD GPUs" in line and "unsupported" not in out


def test_estimate_with_an_engine_the_recipe_refuses_warns_as_recommend_does(capsys):
    code, out, _ = run(capsys, "estimate", "deepseek-v4-flash", "mi300x", "--gpus", "8", "--engine", "vllm")
    warnings = [ln for ln in out.splitlines() if ln.strip().startswith("warning:")]
    assert code == 0 and any("the vLLM recipe marks this GPU unsupported" in w and "recommend does not rank vllm here" in w
                             for w in warnings)
    # recommend's rows on that GPU carry the same recipe line
    w = api.workload(models=["deepseek-v4-flash"], gpu_types=["mi300x"], self_hosting="required", min_quality=0)
    row = api.recommend(w).candidates[0]
    assert row.engine != "vllm" and any("the vLLM recipe marks this GPU unsupported" in r.message for r in row.reasons)
    code, out, _ = run(capsys, "estimate", "deepseek-v4-flash", "mi300x", "--gpus", "8", "--engine", "vllm", "--format", "json")
    assert any("marks this GPU unsupported" in w for w in json.loads(out)["warnings"])
    code, out, _ = run(capsys, "estimate", "deepseek-v4-flash", "mi325x", "--gpus", "8", "--engine", "vllm")
    assert code == 0 and "unsupported" not in out


def test_recommend_breakdown_names_engine_layout_and_kv_precision(capsys):
    code, out, _ = run(capsys, "recommend", "--preset", "steady-latency", "--top", "2", "--details", "1")
    assert code == 0
    rec = api.recommend(api.preset("steady-latency"))
    c = rec.candidates[0]
    assert f"  engine      {c.engine}, layout {c.layout} ({c.parallelism})" in out
    assert f"KV cache ({c.kv_precision}) " in out


def test_estimate_memory_lines_name_the_kv_precision(capsys):
    code, out, _ = run(capsys, "estimate", "deepseek-v3", "h200", "--gpus", "8")
    assert code == 0
    assert "+ KV cache (fp8) " in next(ln for ln in out.splitlines() if "memory per GPU" in ln)
    assert any(ln.startswith("  KV cache (fp8)") for ln in out.splitlines())


def test_estimate_gpus_capped_at_the_nodes_a_replica_may_span(capsys):
    code, out, err = run(capsys, "estimate", "llama-3.3-70b", "h100-sxm", "--gpus", "1000")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "--gpus" in err and "at most 256 for h100-sxm" in err and "1,000" in err
    code, _, err = run(capsys, "estimate", "llama-3.3-70b", "gh200", "--gpus", "64")  # one GPU a node
    assert code == 2 and "at most 32 for gh200" in err
    assert run(capsys, "estimate", "mixtral-8x7b", "h100-sxm", "--gpus", "16", "--precision", "fp8")[0] == 0


# --------------------------------------------------------------------------- workload files


def test_a_typo_of_a_long_field_suggests_that_field(tmp_path, capsys):
    path = tmp_path / "w.toml"
    path.write_text("[workload]\nrequets = 1000\n", encoding="utf-8")
    code, out, err = run(capsys, "recommend", path)
    assert code == 2 and err.count("\n") == 1 and "requets: unknown workload field (did you mean requests_per_day?)" in err
    names = ["requests_per_day", "preset", "input_tokens", "ttft_ms", "max_gpus", "gpu_types", "latency"]
    assert nearest("requets", names) == "requests_per_day"
    assert nearest("input_token", names) == "input_tokens" and nearest("ttft", names) == "ttft_ms"
    assert nearest("prest", names) == "preset" and nearest("latncy", names) == "latency"
    assert nearest("xyz", names) is None


def test_a_provider_error_names_the_file_and_field(tmp_path, capsys):
    path = tmp_path / "w.toml"
    path.write_text('[workload]\nrequests_per_day = 1000\nproviders = ["runpd"]\n', encoding="utf-8")
    code, out, err = run(capsys, "recommend", "--workload", path)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert f"{path}: providers: unknown provider 'runpd'" in err and "runpod" in err


def test_an_empty_workload_file_is_one_line_naming_it(tmp_path, capsys):
    path = tmp_path / "empty.toml"
    path.write_text("", encoding="utf-8")
    code, out, err = run(capsys, "recommend", "--workload", path)
    assert code == 2 and out == "" and err.count("\n") == 1 and str(path) in err and "no fields" in err


# --------------------------------------------------------------------------- deploy, report diff, catalog


@pytest.mark.parametrize("target", ["vllm", "sglang"])
def test_deploy_on_amd_names_rocm_not_cuda(capsys, target):
    code, out, _ = run(capsys, "deploy", "--target", target, "--preset", "steady-latency", "--gpu-types", "mi300x",
                       "--min-quality", "0", "--models", "llama-3.3-70b")
    assert code == 0 and "CUDA context" not in out and "CUDA graphs" not in out
    assert ("ROCm/HIP context" if target == "vllm" else "HIP graphs") in out
    code, out, _ = run(capsys, "deploy", "--target", "vllm", "--preset", "steady-latency", "--min-quality", "0",
                       "--models", "llama-3.3-70b")
    assert code == 0 and "CUDA context" in out and "ROCm" not in out.split("gpu-memory-utilization", 1)[1].split("\n")[0]


def test_report_diff_of_a_cost_only_change_says_costs_changed(tmp_path, capsys):
    """The same API rows in the same order at twice the volume: costs changed, the ranking did not."""
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    base = ["recommend", "--preset", "bursty-app", "--self-hosting", "not-wanted"]
    assert run(capsys, *base, "-o", a)[0] == 0
    assert run(capsys, *base, "--requests-per-day", "6000", "-o", b)[0] == 0
    from advisor.common import fmt
    from advisor.reports import load_report

    old, new = load_report(a).recommendation.candidates, load_report(b).recommendation.candidates
    assert [(c.model, c.provider, c.mode) for c in old] == [(c.model, c.provider, c.mode) for c in new]  # same order
    code, out, _ = run(capsys, "report", "diff", a, b)
    assert "Ranking changed" not in out
    first = f"{fmt.usd(old[0].monthly_cost_usd)} -> {fmt.usd(new[0].monthly_cost_usd)}/month"
    assert "Costs changed, same place in the ranking" in out and first in out


def test_qwen25_72b_config_source_is_qwens_own_repository():
    m = api.catalog().models["qwen2.5-72b"]
    assert m.source.startswith("https://huggingface.co/Qwen/Qwen2.5-72B-Instruct/blob/main/config.json")
    assert "FuturisticVibes" not in m.source
    assert (m.num_hidden_layers, m.hidden_size, m.intermediate_size, m.num_attention_heads, m.num_key_value_heads,
            m.vocab_size, m.max_position_embeddings) == (80, 8192, 29568, 64, 8, 152064, 32768)
