"""Engine launch files for an ``EnginePlan``: the ``vllm serve`` and ``python -m sglang.launch_server`` command
lines and ``trtllm-serve`` with its LLM-API options YAML. Flags are those documented for the versions in
``advisor.deploy.VERSIONS`` (docs/deploy.md names the pages); a flag a version lacks is never emitted.

Parallel sizes per engine multiply to its GPUs (vLLM: DP x TP x PP; SGLang and TensorRT-LLM: TP x PP, with
attention DP and EP inside the TP group); engines per replica x GPUs per engine = the candidate's GPUs."""

from __future__ import annotations

from advisor.deploy import VERSIONS
from advisor.deploy.plan import EnginePlan

PORT = 8000
OPTIONS_FILE = "trtllm-options.yaml"


def _cmd(argv: list[str], prefix: str = "", background: bool = False) -> str:
    """One command: the program (and positional model) on the first line, then one flag with its value a line."""
    n = 2 if argv[0] == "trtllm-serve" else 3
    head, rest, lines, j = " ".join(argv[:n]), argv[n:], [], 0
    while j < len(rest):
        if j + 1 < len(rest) and not rest[j + 1].startswith("--"):
            lines.append(f"{rest[j]} {rest[j + 1]}")
            j += 2
        else:
            lines.append(rest[j])
            j += 1
    return prefix + head + "".join(f" \\\n  {ln}" for ln in lines) + (" &" if background else "")


def kv_dtype(engine: str, kv_precision: str) -> str:
    if kv_precision != "fp8":
        return "auto"
    return "fp8_e4m3" if engine == "sglang" else "fp8"


def _devices(p: EnginePlan, i: int) -> str:
    var = "HIP_VISIBLE_DEVICES" if p.vendor == "amd" else "CUDA_VISIBLE_DEVICES"
    ids = ",".join(str(i * p.gpus_per_engine + g) for g in range(p.gpus_per_engine))
    return f"{var}={ids} "


def _separate(p: EnginePlan, engine: str) -> bool:
    """Several engines per replica as separate processes (expert layouts: EP spans one engine only; TensorRT-LLM
    always). vLLM and SGLang fold plain TP/PP engines into one server's data parallelism."""
    return p.engines > 1 and (engine == "trtllm" or p.layout in ("tp_ep", "dep"))


def notes(p: EnginePlan, engine: str) -> list[str]:
    out = []
    if engine != p.engine:
        out.append(f"the estimate assumed {p.engine}; these {VERSIONS[engine]} settings keep its layout, memory and batch")
    if p.prequantized:
        out.append(f"{p.precision} weights: the published checkpoint {p.checkpoint} (of {p.hf_repo})")
    elif p.upcast and not p.prequantized:
        out.append(f"{p.precision} weights of a {p.native_precision} checkpoint: an upcast (same quality, more memory); point the "
                   f"model at a {p.precision} (dequantized) copy of {p.hf_repo}, or serve the published {p.native_precision} "
                   f"checkpoint, which needs fewer GPUs")
    elif p.needs_prequantized or (engine == "trtllm" and p.precision != p.native_precision):
        out.append(f"{p.precision} weights: point the model at a {p.precision} checkpoint of {p.hf_repo} "
                   f"(no quantization flag is emitted for it)")
    if p.nodes > 1:
        how = {"vllm": "start a Ray cluster over the nodes first (--distributed-executor-backend ray)",
               "sglang": "run the command on every node with its --node-rank",
               "trtllm": "launch with mpirun over the nodes (trtllm-llmapi-launch)"}[engine]
        out.append(f"one replica spans {p.nodes} nodes of {p.gpus_per_node} GPUs: {how}")
    if _separate(p, engine):
        out.append(f"{p.engines} engines of {p.gpus_per_engine} GPUs per instance on ports {PORT + 1}-{PORT + p.engines}: "
                   f"put a load balancer on port {PORT} in front of them")
    out.append(f"KV cache: the workload needs {p.kv_need_bytes / 2**30:,.1f} GiB of the {p.kv_capacity_bytes / 2**30:,.1f} GiB "
               f"a replica holds (memory breakdown); batch {p.batch} per engine")
    return out


def vllm_argv(p: EnginePlan, port: int = PORT, engines: int = 1) -> list[str]:
    dp = p.data_parallel * engines
    a = ["vllm", "serve", p.repo, "--host", "0.0.0.0", "--port", str(port),
         "--tensor-parallel-size", str(p.tensor_parallel)]
    if p.pipeline_parallel > 1:
        a += ["--pipeline-parallel-size", str(p.pipeline_parallel)]
    if dp > 1:
        a += ["--data-parallel-size", str(dp)]
    if p.expert_parallel > 1:
        a += ["--enable-expert-parallel"]
    if p.nodes > 1:
        a += ["--distributed-executor-backend", "ray"]
    a += ["--max-model-len", str(p.max_model_len), "--kv-cache-dtype", kv_dtype("vllm", p.kv_precision),
          "--gpu-memory-utilization", f"{p.memory_fraction:.2f}" if p.memory_policy == "total_fraction" else f"{p.static_fraction:.2f}",
          "--max-num-seqs", str(p.per_rank_batch), "--max-num-batched-tokens", str(p.max_batched_tokens)]
    if p.quantize_online:
        a += ["--quantization", p.precision]
    return a


def sglang_argv(p: EnginePlan, port: int = PORT, engines: int = 1) -> list[str]:
    a = ["python", "-m", "sglang.launch_server", "--model-path", p.repo, "--host", "0.0.0.0", "--port", str(port),
         "--tp-size", str(p.tensor_parallel * p.data_parallel)]
    if p.pipeline_parallel > 1:
        a += ["--pp-size", str(p.pipeline_parallel)]
    if p.data_parallel > 1:
        a += ["--dp-size", str(p.data_parallel), "--enable-dp-attention"]
    elif engines > 1:
        a += ["--dp-size", str(engines)]
    if p.expert_parallel > 1:
        a += ["--ep-size", str(p.expert_parallel)]
    if p.nodes > 1:
        a += ["--nnodes", str(p.nodes), "--node-rank", "$NODE_RANK", "--dist-init-addr", "$HEAD_ADDR:5000"]
    a += ["--context-length", str(p.max_model_len), "--kv-cache-dtype", kv_dtype("sglang", p.kv_precision),
          "--mem-fraction-static", f"{p.static_fraction:.2f}", "--max-running-requests", str(p.batch * engines),
          "--chunked-prefill-size", str(p.max_batched_tokens)]
    if p.quantize_online:
        a += ["--quantization", p.precision]
    return a


def trtllm_options(p: EnginePlan) -> str:
    lines = [f"# {VERSIONS['trtllm']} LLM-API options for trtllm-serve --extra_llm_api_options",
             f"tensor_parallel_size: {p.tensor_parallel * p.data_parallel}",
             f"pipeline_parallel_size: {p.pipeline_parallel}"]
    if p.expert_parallel > 1:
        lines.append(f"moe_expert_parallel_size: {p.expert_parallel}")
    lines += [f"enable_attention_dp: {'true' if p.data_parallel > 1 else 'false'}",
              f"max_batch_size: {p.per_rank_batch}", f"max_num_tokens: {p.max_batched_tokens}",
              f"max_seq_len: {p.max_model_len}", "kv_cache_config:",
              f"  dtype: {kv_dtype('trtllm', p.kv_precision)}",
              f"  free_gpu_memory_fraction: {p.memory_fraction if p.memory_policy == 'free_fraction' else 0.9:.2f}"]
    return "\n".join(lines) + "\n"


def trtllm_argv(p: EnginePlan, port: int = PORT) -> list[str]:
    return ["trtllm-serve", p.repo, "--host", "0.0.0.0", "--port", str(port), "--extra_llm_api_options", OPTIONS_FILE]


def serve_script(p: EnginePlan, engine: str) -> str:
    """The shell lines that start one replica's engines."""
    argv = {"vllm": vllm_argv, "sglang": sglang_argv, "trtllm": lambda q, port=PORT, engines=1: trtllm_argv(q, port)}[engine]
    if not _separate(p, engine):
        return _cmd(argv(p, PORT, p.engines)) + "\n"
    cmds = [_cmd(argv(p, PORT + 1 + i), prefix=_devices(p, i), background=True) for i in range(p.engines)]
    return "\n".join(cmds) + "\nwait\n"


def engine_files(p: EnginePlan, engine: str, header: list[str]) -> dict[str, str]:
    """``{file name: text}`` for ``engine``: ``serve.sh`` (and the TensorRT-LLM options file)."""
    head = "".join(f"# {h}\n" for h in header + notes(p, engine))
    files = {"serve.sh": "#!/usr/bin/env bash\n" + head + "set -euo pipefail\n" + serve_script(p, engine)}
    if engine == "trtllm":
        files[OPTIONS_FILE] = trtllm_options(p)
    return files
