"""deploy: the launch files of the batch-pipeline preset's #1 and of deepseek-r1 on 8x h200 in fp8, parsed back:
parallel sizes multiply to the candidate's GPUs, memory/context/batch settings match the breakdown."""

from __future__ import annotations

import dataclasses
import math
import shlex

import pytest

from advisor import api
from advisor.cli import main
from advisor.deploy import VERSIONS
from advisor.deploy.plan import engines_of
from advisor.deploy.skypilot import render
from advisor.errors import InputError

WORKLOADS = {
    "batch-pipeline": lambda: api.preset("batch-pipeline"),
    "deepseek-r1-h200-fp8": lambda: api.workload(models=["deepseek-r1"], gpu_types=["h200"], precisions=["fp8"], self_hosting="required"),
}


def _case(name):
    w = WORKLOADS[name]()
    return w, api.recommend(w).candidates[0]


def _commands(script: str) -> list[list[str]]:
    """Each command of a serve script as argv (env prefix and trailing & dropped)."""
    body = "\n".join(ln for ln in script.splitlines() if not ln.startswith("#") and ln.strip() not in ("set -euo pipefail", "wait"))
    out = []
    for cmd in body.replace("\\\n", " ").splitlines():
        argv = [a for a in shlex.split(cmd) if a != "&"]
        while argv and "=" in argv[0] and not argv[0].startswith("-"):
            argv.pop(0)
        if argv:
            out.append(argv)
    return out


def _flag(argv, name, default=None):
    return argv[argv.index(name) + 1] if name in argv else default


def _yaml(text: str) -> dict:
    """A tiny parser for the flat / one-level-nested YAML the options file uses (PyYAML is optional)."""
    out, cur = {}, None
    for ln in text.splitlines():
        if not ln.strip() or ln.lstrip().startswith("#"):
            continue
        key, _, val = ln.strip().partition(":")
        val = val.strip()
        if ln.startswith("  ") and cur is not None:
            out[cur][key] = val
        elif val == "":
            cur = key
            out[key] = {}
        else:
            out[key], cur = val, None
    return out


def _kv_mem(c):
    return c.memory.weights_bytes, c.memory.kv_cache_bytes, c.memory.capacity_bytes


def _context(c, w):
    """The launch context: the one the row was costed at, and for a reasoning row (workload scaled by its mode) the
    workload's context plus REASONING_TAIL x its mean thinking tokens, within the model's limit."""
    from advisor.deploy.plan import REASONING_TAIL
    from advisor.ranking.modes import scaled_workload

    costed = scaled_workload(w, api.catalog().quality_modes.get(c.model, {}).get(c.mode)).context_max_tokens
    if costed == w.context_max_tokens:
        return costed
    limit = api.catalog().model(c.model).max_position_embeddings
    return min(limit, w.context_max_tokens + REASONING_TAIL * (costed - w.context_max_tokens))


@pytest.mark.parametrize("name", list(WORKLOADS))
def test_vllm_sizes_multiply_to_the_gpus(name):
    w, c = _case(name)
    cmds = _commands(render(c, w, api.catalog(), "vllm")["serve.sh"])
    total = 0
    for argv in cmds:
        assert argv[:2] == ["vllm", "serve"]
        tp, dp, pp = (int(_flag(argv, f, 1)) for f in ("--tensor-parallel-size", "--data-parallel-size", "--pipeline-parallel-size"))
        total += tp * dp * pp
        assert int(_flag(argv, "--max-model-len")) == _context(c, w)
        assert _flag(argv, "--kv-cache-dtype") == ("fp8" if c.kv_precision == "fp8" else "auto")
        per_rank = math.ceil(c.batch / dp) if c.layout == "dep" else c.batch
        assert int(_flag(argv, "--max-num-seqs")) == per_rank
        assert 0.5 <= float(_flag(argv, "--gpu-memory-utilization")) <= 0.95
        if c.layout in ("tp_ep", "dep"):
            assert "--enable-expert-parallel" in argv
    assert total == c.gpus


@pytest.mark.parametrize("name", list(WORKLOADS))
def test_sglang_sizes_and_memory_match_the_breakdown(name):
    w, c = _case(name)
    cmds = _commands(render(c, w, api.catalog(), "sglang")["serve.sh"])
    total = 0
    weights, kv_need, cap = _kv_mem(c)
    for argv in cmds:
        assert argv[:3] == ["python", "-m", "sglang.launch_server"]
        tp, pp = int(_flag(argv, "--tp-size")), int(_flag(argv, "--pp-size", 1))
        dp = int(_flag(argv, "--dp-size", 1))
        total += tp * pp * (1 if "--enable-dp-attention" in argv else dp)
        assert int(_flag(argv, "--context-length")) == _context(c, w)
        frac = float(_flag(argv, "--mem-fraction-static"))
        assert (weights + kv_need) / cap <= frac <= 0.95  # the static pool holds the weights and the planned KV cache
        if c.layout == "dep":
            assert "--enable-dp-attention" in argv and int(_flag(argv, "--ep-size")) == tp
    assert total == c.gpus


@pytest.mark.parametrize("name", list(WORKLOADS))
def test_trtllm_options_yaml(name):
    w, c = _case(name)
    if api.catalog().gpus[c.gpu].vendor != "nvidia":  # TensorRT-LLM files for an AMD GPU are refused
        with pytest.raises(InputError, match="NVIDIA GPUs only"):
            render(c, w, api.catalog(), "trtllm")
        w = dataclasses.replace(w, gpu_types=("h200",))
        c = api.recommend(w).candidates[0]
    files = render(c, w, api.catalog(), "trtllm")
    opts = _yaml(files["trtllm-options.yaml"])
    try:
        import yaml
    except ImportError:
        pass
    else:

        assert yaml.safe_load(files["trtllm-options.yaml"])["kv_cache_config"]["dtype"] == opts["kv_cache_config"]["dtype"]
    cmds = _commands(files["serve.sh"])
    assert all(argv[0] == "trtllm-serve" and _flag(argv, "--extra_llm_api_options") == "trtllm-options.yaml" for argv in cmds)
    assert int(opts["tensor_parallel_size"]) * int(opts["pipeline_parallel_size"]) * len(cmds) == c.gpus
    assert int(opts["max_seq_len"]) == _context(c, w)
    assert (opts.get("enable_chunked_prefill") == "true") == (int(opts["max_seq_len"]) > int(opts["max_num_tokens"]))
    assert opts["kv_cache_config"]["dtype"] == ("fp8" if c.kv_precision == "fp8" else "auto")
    assert opts["enable_attention_dp"] == ("true" if c.layout == "dep" else "false")
    dp = int(opts["tensor_parallel_size"]) if c.layout == "dep" else 1
    assert int(opts["max_batch_size"]) == math.ceil(c.batch / dp)
    if c.layout in ("tp_ep", "dep"):
        assert int(opts["moe_expert_parallel_size"]) == int(opts["tensor_parallel_size"])


def test_deepseek_r1_exact_lines():
    w, c = _case("deepseek-r1-h200-fp8")
    assert (c.gpus, c.layout, engines_of(c)) == (8, "dep", 1)
    text = render(c, w, api.catalog(), "vllm")["serve.sh"]
    assert "vllm serve deepseek-ai/DeepSeek-R1 \\\n" in text
    for line in ("  --tensor-parallel-size 1 \\", "  --data-parallel-size 8 \\", "  --enable-expert-parallel \\",
                 f"  --max-model-len {_context(c, w)} \\", "  --kv-cache-dtype fp8 \\", f"  --max-num-seqs {math.ceil(c.batch / 8)} \\"):
        assert line in text.splitlines()
    assert "--quantization" not in text  # DeepSeek-R1 ships FP8 weights
    assert c.mode == "reasoning" and _context(c, w) > w.context_max_tokens  # the thinking tokens fit too
    assert VERSIONS["vllm"] in text


@pytest.mark.parametrize("name", list(WORKLOADS))
def test_skypilot_service_follows_the_scaling_policy(name):
    w, c = _case(name)
    y = render(c, w, api.catalog(), "skypilot")["service.yaml"]
    lines = y.splitlines()
    acc = next(ln for ln in lines if ln.startswith(("  accelerators: ", "  # accelerators: ")))
    named = not acc.startswith("  #")  # SkyPilot's catalog for the cloud has no name for the GPU: commented, warned
    assert named or "  # WARNING: SkyPilot's" in lines[lines.index(acc) - 1]
    count = int(acc.rsplit(":", 1)[1])
    nodes = int(next((ln.split(":")[1] for ln in lines if ln.startswith("num_nodes:")), "1"))
    assert count * nodes == c.gpus
    assert "service:" in lines and "    path: /health" in lines
    if c.scaling in ("fixed", "scale-to-zero"):  # a batch job's replicas start together, as billed: no QPS ramp from zero
        assert f"  replicas: {c.replicas_peak or c.replicas}" in lines and "replica_policy:" not in y
        assert (c.scaling == "scale-to-zero") == ("sky serve down" in y)
    else:
        low = c.replicas_min or 0  # 0: scales to zero in the hours without traffic, as billed (trial 40: was 1)
        assert f"    min_replicas: {low}" in lines and f"    max_replicas: {max(c.replicas_peak, low, 1)}" in lines
        target = float(next(ln for ln in lines if ln.startswith("    target_qps_per_replica: ")).split(":")[1])
        full = c.output_tokens_per_s_per_replica / (w.output_tokens * (c.output_multiplier or 1.0))  # requests/s: tokens generated
        assert target <= w.max_utilization * full + 1e-3  # the autoscaler scales at the planned load, never at full capacity
    assert any(ln.strip().startswith(("vllm serve", "python -m sglang", "trtllm-serve")) or " vllm serve " in ln
               or " trtllm-serve " in ln for ln in lines)
    try:
        import yaml
    except ImportError:
        return
    doc = yaml.safe_load(y)
    assert doc["resources"].get("accelerators") == (acc.split(": ", 1)[1] if named else None)


def test_api_candidate_gets_a_snippet():
    w = api.workload(self_hosting="not-wanted", models=["deepseek-r1"])
    c = api.recommend(w).candidates[0]
    files = render(c, w, api.catalog(), "skypilot")
    code = files["client.py"]
    compile(code, "client.py", "exec")
    assert "chat.completions.create" in code and "base_url=" in code


def test_cli_deploy_and_rank(capsys, tmp_path):
    assert main(["deploy", "--target", "vllm", "--models", "deepseek-r1", "--gpu-types", "h200", "--precisions", "fp8",
                 "--self-hosting", "required", "-o", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "vllm serve deepseek-ai/DeepSeek-R1" in out and (tmp_path / "serve.sh").is_file()
    assert main(["deploy", "--target", "vllm", "--preset", "batch-pipeline", "--rank", "9999"]) == 2
    assert "rank" in capsys.readouterr().err


def test_an_autoscaled_service_targets_the_planned_load_not_full_capacity():
    rec = api.recommend(api.preset("heavy-fine-tuning"))
    c = next(x for x in rec.candidates if x.scaling == "autoscale")
    w = rec.workload
    y = render(c, w, api.catalog(), "skypilot")["service.yaml"]
    target = float(next(ln for ln in y.splitlines() if ln.startswith("    target_qps_per_replica: ")).split(":")[1])
    full = c.output_tokens_per_s_per_replica / (w.output_tokens * (c.output_multiplier or 1.0))
    assert 0 < target <= w.max_utilization * full + 1e-3 and target < full


def test_an_upcast_row_gets_no_quantization_flag_over_a_4bit_checkpoint():
    """gpt-oss ships MXFP4 experts: an fp8 row is an upcast. No engine turns MXFP4 into FP8 with ``--quantization fp8``;
    the launch notes say it needs a dequantized copy, or the cheaper published checkpoint."""
    w = api.workload(models=["gpt-oss-120b"], gpu_types=["h100-sxm"], precisions=["fp8"], self_hosting="required",
                     requests_per_day=20_000, input_tokens=1000, output_tokens=300)
    rec = api.recommend(w)
    up = next(c for c in rec.candidates if c.precision == "fp8")
    native = next(c for c in rec.candidates if c.precision == "mxfp4-experts")
    for engine in ("vllm", "sglang"):
        text = render(up, w, api.catalog(), engine)["serve.sh"]
        assert "--quantization" not in text
        assert "upcast" in text and "dequantized" in text
        assert "--quantization" not in render(native, w, api.catalog(), engine)["serve.sh"]


def test_a_reasoning_rows_autoscaler_counts_the_tokens_it_thinks():
    """A reasoning row generates ``output_multiplier`` tokens per visible answer token: a replica answers that many times
    fewer requests a second than its output tokens/s over the visible answer, and the service's target says so (trial 29:
    a target 6x too high never scaled to the second replica the peak needs)."""
    w = api.workload(requests_per_day=200_000, input_tokens=2000, output_tokens=800, traffic_shape="diurnal", ttft_ms=2000,
                     output_tokens_per_s_per_user=20, min_quality=84, self_hosting="required", gpu_types=["mi300x"])
    c = api.recommend(w).candidates[0]
    assert c.mode == "reasoning" and c.output_multiplier > 2 and c.scaling == "autoscale"
    y = render(c, w, api.catalog(), "skypilot")["service.yaml"]
    target = float(next(ln for ln in y.splitlines() if ln.startswith("    target_qps_per_replica: ")).split(":")[1])
    peak_rps = w.requests_per_day / 86_400 * w.peak_to_mean
    assert target * c.replicas_peak >= peak_rps * 0.99  # the peak's replicas answer the peak at the planned load
    assert target * (c.replicas_peak - 1) < peak_rps  # ... and one fewer does not: the autoscaler reaches the peak's count
