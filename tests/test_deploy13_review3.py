"""deploy, review 3 (findings 13, 14, 15, 15b): the written scripts are run by bash with the engines replaced by stubs
that record their argv, so what is asserted is what the shell would start: one server on the SkyPilot service port,
distinct internal ports for engines side by side, no ModelOpt checkpoint on an AMD GPU, and the MODEL / LORA_MODULES
variables a team fills in."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess

import pytest

from advisor import api
from advisor.deploy.engines import SGLANG_DIST_PORT, one_server, serve_script
from advisor.deploy.plan import plan_for
from advisor.deploy.skypilot import render, service_plan, skypilot_yaml
from advisor.deploy.support import rocm_loads

BASH = shutil.which("bash")
pytestmark = pytest.mark.skipif(BASH is None, reason="bash runs the written scripts")
STUB = """#!/bin/sh
rec=$(printf 'ENGINE %s\\n' "$(basename "$0")"; printf 'DEVICES %s\\n' "${CUDA_VISIBLE_DEVICES:-}${HIP_VISIBLE_DEVICES:-}"
  for a in "$@"; do printf 'ARG %s\\n' "$a"; done; printf 'END')
printf '%s\\n' "$rec" >> "$STUB_LOG"
"""
"""Engines started with ``&`` run at once: each writes its whole record in one write, so records never interleave."""


def run_script(script: str, tmp_path, **env) -> list[dict]:
    """Runs ``script`` with bash; every engine it starts is a stub. Returns one {engine, devices, argv} per start."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    for name in ("vllm", "python", "trtllm-serve"):
        (bindir / name).write_text(STUB)
        (bindir / name).chmod(0o755)
    log = tmp_path / "starts.log"
    log.write_text("")
    (tmp_path / "serve.sh").write_text(script)
    full_env = {"PATH": f"{bindir}:{os.environ.get('PATH', '')}", "STUB_LOG": str(log), **env}
    done = subprocess.run([BASH, str(tmp_path / "serve.sh")], check=False, cwd=tmp_path, env=full_env, capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 0, done.stderr
    starts, cur = [], None
    for ln in log.read_text().splitlines():
        kind, _, val = ln.partition(" ")
        if kind == "ENGINE":
            cur = {"engine": val, "devices": "", "argv": []}
        elif kind == "DEVICES":
            cur["devices"] = val
        elif kind == "ARG":
            cur["argv"].append(val)
        else:
            starts.append(cur)
    return sorted(starts, key=lambda s: (s["engine"], s["devices"]))  # background starts finish in any order


def flag(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


@pytest.fixture(scope="module")
def r1():
    """deepseek-r1 on 8x h200 in fp8: one engine, layout dep (TP1 DP8 EP8)."""
    w = api.workload(models=["deepseek-r1"], gpu_types=["h200"], precisions=["fp8"], self_hosting="required")
    c = api.recommend(w).candidates[0]
    p = plan_for(c, w, api.catalog())
    assert (p.engines, p.layout, p.data_parallel, p.gpus_per_node) == (1, "dep", 8, 8)
    return w, c, p


def side_by_side(p, layout="dep", k=2):
    """``p``'s 8 GPUs as ``k`` engines of 8/k side by side (what the ranking writes when an instance holds several)."""
    n = p.gpus_per_node // k
    if layout == "dep":
        return dataclasses.replace(p, engines=k, gpus_per_engine=n, data_parallel=n, expert_parallel=n, batch=p.batch // k)
    return dataclasses.replace(p, engines=k, gpus_per_engine=n, layout=layout, tensor_parallel=n, data_parallel=1,
                               expert_parallel=n if layout == "tp_ep" else 1, batch=p.batch // k)


# finding 14: engines side by side on one host get their own internal ports

def test_two_vllm_dp_servers_get_distinct_ports_and_devices(r1, tmp_path):
    p = side_by_side(r1[2])
    starts = run_script("set -euo pipefail\n" + serve_script(p, "vllm"), tmp_path)
    assert len(starts) == 2
    for key in ("--port", "--data-parallel-rpc-port"):
        assert len({flag(s["argv"], key) for s in starts}) == 2, key
    assert [s["devices"] for s in starts] == ["0,1,2,3", "4,5,6,7"]
    assert all(flag(s["argv"], "--data-parallel-size") == "4" for s in starts)


def test_two_sglang_dp_attention_servers_do_not_share_their_tcp_port_ranges(r1, tmp_path):
    """SGLang with --enable-dp-attention binds dist_init_port .. +5 + its DP ranks; without --dist-init-addr that range
    starts at --port + 233, so 8001 and 8002 would overlap."""
    p = side_by_side(r1[2])
    starts = run_script(serve_script(p, "sglang"), tmp_path)
    assert len(starts) == 2 and all("--enable-dp-attention" in s["argv"] for s in starts)
    ranges = []
    for s in starts:
        base = int(flag(s["argv"], "--dist-init-addr").rsplit(":", 1)[1])
        dp = int(flag(s["argv"], "--dp-size"))
        ranges.append(set(range(base, base + 6 + dp)) | {int(flag(s["argv"], "--nccl-port")), int(flag(s["argv"], "--port"))})
    assert not ranges[0] & ranges[1]
    assert SGLANG_DIST_PORT <= min(min(r - {8001, 8002}) for r in ranges) and max(max(r) for r in ranges) < 32768


# finding 13: a SkyPilot replica serves on its one port

@pytest.mark.parametrize("engine", ["vllm", "sglang", "trtllm"])
def test_skypilot_folds_dep_engines_into_one_server_on_the_service_port(r1, engine, tmp_path):
    w, c, p = r1
    two = side_by_side(p)
    one = one_server(two, engine)
    assert one is not None and one.engines == 1 and one.gpus_per_engine == 8 and one.per_rank_batch == two.per_rank_batch
    text = skypilot_yaml(c, w, two, engine, [])
    run = text.split("run: |\n", 1)[1].split("\n\nservice:", 1)[0]
    body = "\n".join(ln[2:] for ln in run.splitlines())
    if engine == "trtllm":
        assert "tensor_parallel_size: 8" in body and "moe_expert_parallel_size: 8" in body and "enable_attention_dp: true" in body
    starts = run_script(body, tmp_path)
    assert len(starts) == 1 and flag(starts[0]["argv"], "--port") == "8000"
    if engine == "vllm":
        assert flag(starts[0]["argv"], "--data-parallel-size") == "8" and "--enable-expert-parallel" in starts[0]["argv"]
    if engine == "sglang":
        assert (flag(starts[0]["argv"], "--tp-size"), flag(starts[0]["argv"], "--dp-size"), flag(starts[0]["argv"], "--ep-size")) == ("8", "8", "8")
    assert "  ports: 8000" in text and "    path: /health" in text and "accelerators: H200-SXM:8" in text  # RunPod sells it as H200 SXM (sky_names)
    assert "8001" not in text and "load balancer" not in text


def test_skypilot_tp_ep_engines_keep_their_attention_layout_in_one_server(r1):
    two = side_by_side(r1[2], layout="tp_ep")
    v = one_server(two, "vllm")
    assert (v.tensor_parallel, v.data_parallel, v.expert_parallel, v.gpus_per_engine) == (4, 2, 8, 8)
    s = one_server(two, "sglang")
    from advisor.deploy.engines import sglang_argv

    a = sglang_argv(s)
    assert (flag(a, "--tp-size"), flag(a, "--dp-size"), flag(a, "--ep-size")) == ("8", "2", "8") and "--enable-dp-attention" in a
    assert one_server(two, "trtllm") is None  # TensorRT-LLM's data parallelism is attention DP over every GPU


def test_skypilot_runs_one_tensorrt_llm_engine_per_replica_where_it_cannot_fold(r1, tmp_path):
    w, c, p = r1
    four = side_by_side(p, layout="tp", k=4)
    sky, per, why = service_plan(four, "trtllm")
    assert per == 4 and sky.gpus_per_node == 2 and sky.engines == 1 and any("WARNING" in x for x in why)
    text = skypilot_yaml(c, w, four, "trtllm", [])
    assert "accelerators: H200-SXM:2" in text and "--port 8000" in text.replace(" \\\n    ", " ")
    fixed = dataclasses.replace(c, scaling="fixed")
    assert f"  replicas: {(c.replicas_peak or c.replicas) * 4}" in skypilot_yaml(fixed, w, four, "trtllm", [])


# finding 15: AMD rows do not load NVIDIA ModelOpt checkpoints

def test_amd_fp8_row_quantizes_the_bf16_repo_instead_of_nvidias_modelopt_checkpoint(tmp_path):
    w = api.workload(models=["llama-4-scout"], gpu_types=["mi300x"], precisions=["fp8"], self_hosting="required")
    c = api.recommend(w).candidates[0]
    files = render(c, w, api.catalog(), "vllm")
    starts = run_script(files["serve.sh"], tmp_path)
    argv = starts[0]["argv"]
    assert argv[1] == api.catalog().model("llama-4-scout").hf_repo and flag(argv, "--quantization") == "fp8"
    assert not argv[1].startswith("nvidia/") and starts[0]["devices"] in ("", "0")
    sky = render(c, w, api.catalog(), "skypilot")["service.yaml"]
    image = sky.split("image_id: docker:", 1)[1].split()[0]
    assert image.startswith("vllm/vllm-openai-rocm:") and f"the image {image}" in files["serve.sh"]
    assert "nvidia/Llama-4-Scout" in files["serve.sh"]  # named once, as the checkpoint left out and why


def test_nvidia_fp8_row_keeps_the_published_checkpoint():
    w = api.workload(models=["llama-4-scout"], gpu_types=["h100-sxm"], precisions=["fp8"], self_hosting="required")
    c = api.recommend(w).candidates[0]
    p = plan_for(c, w, api.catalog())
    assert p.checkpoint == "nvidia/Llama-4-Scout-17B-16E-Instruct-FP8" and p.prequantized and not p.skipped_checkpoint
    assert not rocm_loads(p.checkpoint) and rocm_loads("Qwen/Qwen3-235B-A22B-FP8")


# finding 15b: fine-tuned weights and adapters

def _heavy(model: str):
    w = api.workload(models=[model], gpu_types=["h100-sxm"], precisions=["fp8"], self_hosting="required", fine_tuning="heavy",
                     fine_tune_tokens=200e6, fine_tunes_per_month=2)
    return w, api.recommend(w).candidates[0]


def test_full_fine_tune_serves_the_model_variable(tmp_path):
    w, c = _heavy("phi-4")
    script = render(c, w, api.catalog(), "vllm")["serve.sh"]
    assert "your fine-tuned copy of microsoft/phi-4" in script and "quality of the quantized fine-tune is not measured" in script
    assert run_script(script, tmp_path)[0]["argv"][1] == "microsoft/phi-4"
    started = run_script(script, tmp_path, MODEL="/models/phi-4-ours")[0]["argv"]
    assert started[1] == "/models/phi-4-ours" and flag(started, "--quantization") == "fp8"


def test_full_fine_tune_of_a_prequantized_row_says_how_to_serve_a_bf16_fine_tune():
    w, c = _heavy("llama-3.3-70b")
    script = render(c, w, api.catalog(), "vllm")["serve.sh"]
    assert 'MODEL="${MODEL:-nvidia/Llama-3.3-70B-Instruct-FP8}"' in script
    assert "point MODEL at your bf16 fine-tune and add --quantization fp8" in script


def test_lora_adapters_come_from_the_variable_and_are_left_out_while_it_is_empty(tmp_path):
    w = api.preset("steady-latency")
    c = api.recommend(w).candidates[0]
    for engine, name in (("vllm", "--lora-modules"), ("sglang", "--lora-paths")):
        script = render(c, w, api.catalog(), engine)["serve.sh"]
        assert name not in run_script(script, tmp_path)[0]["argv"]
        argv = run_script(script, tmp_path, LORA_MODULES="sql=/a/sql support=/a/support")[0]["argv"]
        i = argv.index(name)
        assert argv[i + 1:i + 3] == ["sql=/a/sql", "support=/a/support"]
    assert "MODEL" not in render(c, w, api.catalog(), "vllm")["serve.sh"].replace("LORA_MODULES", "")
