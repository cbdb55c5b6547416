"""Engine launch files for an ``EnginePlan``: the ``vllm serve`` and ``python -m sglang.launch_server`` command
lines and ``trtllm-serve`` with its LLM-API options YAML. Flags are those documented for the versions in
``advisor.deploy.VERSIONS`` (docs/deploy.md names the pages); a flag a version lacks is never emitted.

Parallel sizes per engine multiply to its GPUs (vLLM: DP x TP x PP; SGLang and TensorRT-LLM: TP x PP, with
attention DP and EP inside the TP group); engines per replica x GPUs per engine = the candidate's GPUs."""

from __future__ import annotations

from advisor.common import fmt
from advisor.deploy import VERSIONS, support
from advisor.deploy.plan import EnginePlan, runtime_words
from advisor.ranking.engine_support import release_note

PORT = 8000
OPTIONS_FILE = "trtllm-options.yaml"

VLLM_LORA_RANKS = (1, 8, 16, 32, 64, 128, 256, 320, 512)
"""The ranks ``--max-lora-rank`` accepts (vllm/config/lora.py, ``MaxLoRARanks``)."""
SGLANG_LORA_TARGETS = {"attention": ("q_proj", "k_proj", "v_proj", "o_proj"), "all": ("all",)}
"""``--lora-target-modules`` values (sglang python/sglang/srt/utils/common.py: SUPPORTED_LORA_TARGET_MODULES q/k/v/o,
gate/up/down_proj, and LORA_TARGET_ALL_MODULES ``all``); the flag sizes the adapter memory pool when the adapters
are loaded after start."""
TRTLLM_LORA_TARGETS = {"attention": ("attn_q", "attn_k", "attn_v", "attn_dense"),
                       "all": ("attn_q", "attn_k", "attn_v", "attn_dense", "mlp_h_to_4h", "mlp_4h_to_h", "mlp_gate")}
"""TensorRT-LLM module names of q/k/v/o_proj and gate/down/up_proj (tensorrt_llm/_torch/peft/lora/config.py,
``get_default_trtllm_modules_to_hf_modules``); ``lora_target_modules`` is required when ``lora_dir`` is empty
(LoraConfig, https://nvidia.github.io/TensorRT-LLM/llm-api/reference/LoraConfig.html)."""
LORA_LOADING = {
    "vllm": "name them with --lora-modules NAME=PATH ... (or load them at run time: VLLM_ALLOW_RUNTIME_LORA_UPDATING=True "
            "and POST /v1/load_lora_adapter; https://docs.vllm.ai/en/latest/features/lora.html)",
    "sglang": "add --lora-paths NAME=PATH ... for them (https://docs.sglang.io/advanced_features/lora.html)",
    "trtllm": f"list their directories in lora_config.lora_dir of {OPTIONS_FILE} "
              "(https://nvidia.github.io/TensorRT-LLM/features/lora.html)",
}

MEMORY_TERMS = {
    "vllm": ("--gpu-memory-utilization", "weights, adapters, activations, the {context} and the planned KV cache over GPU memory"),
    "sglang": ("--mem-fraction-static",
               "weights, adapters and the planned KV cache over GPU memory; activations and {graphs} use the rest"),
    "trtllm": ("free_gpu_memory_fraction",
               "the planned KV cache over the memory free after weights, adapters and the runtime reserve"),
}
"""Engine -> (its memory flag, what the flag's fraction covers); ``memory_terms`` names the vendor's runtime in it."""


def memory_terms(engine: str, vendor: str) -> tuple[str, str]:
    flag, what = MEMORY_TERMS[engine]
    return flag, what.format(**runtime_words(vendor))


def vllm_lora_rank(rank: int) -> int:
    """The smallest rank vLLM accepts that holds ``rank``."""
    return next((r for r in VLLM_LORA_RANKS if r >= rank), VLLM_LORA_RANKS[-1])


def _cmd(argv: list[str], prefix: str = "", background: bool = False) -> str:
    """One command: the program (and positional model) on the first line, then one flag with its values a line."""
    n = 2 if argv[0] == "trtllm-serve" else 3
    head, rest, lines, j = " ".join(argv[:n]), argv[n:], [], 0
    while j < len(rest):
        end = j + 1
        while end < len(rest) and not rest[end].startswith(("--", "${")):
            end += 1
        lines.append(" ".join(rest[j:end]))
        j = end
    return prefix + head + "".join(f" \\\n  {ln}" for ln in lines) + (" &" if background else "")


def kv_dtype(engine: str, kv_precision: str) -> str:
    if kv_precision != "fp8":
        return "auto"
    return "fp8_e4m3" if engine == "sglang" else "fp8"


def _devices(p: EnginePlan, i: int) -> str:
    var = "HIP_VISIBLE_DEVICES" if p.vendor == "amd" else "CUDA_VISIBLE_DEVICES"
    ids = ",".join(str(i * p.gpus_per_engine + g) for g in range(p.gpus_per_engine))
    return f"{var}={ids} "


def _moe_backend(p: EnginePlan) -> str:
    return support.trtllm_moe_backend(p.model_id, p.gpu, p.precision, p.native_precision)


def _separate(p: EnginePlan, engine: str) -> bool:
    """Several engines per replica as separate processes: expert layouts, TensorRT-LLM, and vLLM's MoE (its DP ranks run in
    step, the experts one TP group of DP x TP GPUs: docs.vllm.ai/en/latest/serving/data_parallel_deployment, trial 39)."""
    return p.engines > 1 and (engine == "trtllm" or p.layout in ("tp_ep", "dep") or (engine == "vllm" and p.moe))


def missing_weights(p: EnginePlan, engine: str) -> str:
    """Why ``engine`` cannot load the weights the row was costed with ("" when it can): the precision is neither the
    checkpoint's own, nor a published checkpoint's (models.toml ``checkpoints``), nor one the engine quantizes to at
    load time. vLLM and SGLang quantize a wider checkpoint to FP8 with ``--quantization fp8``
    (https://docs.vllm.ai/en/latest/features/quantization/fp8.html, "Online Dynamic Quantization";
    https://docs.sglang.io/advanced_features/quantization.html, "Online Quantization"; both read 2026-12-04); no
    engine makes 4-bit weights at load time, and TensorRT-LLM runs quantized models only from pre-quantized ModelOpt
    checkpoints ("Running Pre-quantized Models", https://nvidia.github.io/TensorRT-LLM/1.0.0/features/quantization.html,
    read 2026-12-04). Serving the wider checkpoint instead would need more memory than was costed, so the files are
    refused rather than written. An upcast (a 4-bit checkpoint costed wider) is not refused: the published weights
    need less memory than planned, and the notes say so."""
    if p.precision == p.native_precision or p.prequantized or p.upcast:
        return ""
    if p.quantize_online and engine != "trtllm":
        return ""
    how = ("TensorRT-LLM loads only pre-quantized (ModelOpt) checkpoints; --target vllm or sglang quantize to "
           f"{p.precision} at load time" if p.quantize_online
           else f"no engine quantizes to {p.precision} at load time")
    return (f"the row is costed with {p.precision} weights and no {p.precision} checkpoint of {p.hf_repo} is known "
            f"(catalog models.toml checkpoints): {how}; add the checkpoint to a user catalog or rank with --precisions "
            f"{p.native_precision}")


def notes(p: EnginePlan, engine: str) -> list[str]:
    out = []
    if engine != p.engine:
        kept = "layout and memory; the batch is capped (see the WARNING)" if p.capped else "layout, memory and batch"
        out.append(f"the estimate assumed {p.engine}; these {VERSIONS[engine].rsplit(' ', 1)[0]} settings keep its {kept}")
    if p.vendor == "amd" and engine in ("vllm", "sglang"):
        image = p.vllm_image if engine == "vllm" else support.SGLANG_ROCM_IMAGE
        out.append(f"{p.gpu} is an AMD GPU: run this in the engine's ROCm build, the image {image} (the SkyPilot file's "
                   f"image_id); pip's {engine} wheel is the CUDA build and does not run on ROCm")
    if p.skipped_checkpoint:
        out.append(f"not NVIDIA's ModelOpt checkpoint {p.skipped_checkpoint}: vLLM's ROCm build loads no modelopt format "
                   f"({support.ROCM_QUANTIZATION_SOURCE}, supported_quantization), "
                   f"and SGLang's ROCm build is not known to load it either: these files serve {p.hf_repo}")
    if support.gated(p.repo):
        out.append(f"{p.repo} is a gated Hugging Face repository: accept its license on https://huggingface.co/{p.repo} "
                   f"and export HF_TOKEN (a token of that account) before this runs, or the download is refused"
                   + (" (it is MODEL's default: your fine-tuned copy needs the token only if it is in a gated repository "
                      "too)" if p.full_fine_tune else ""))
    if p.prequantized:
        out.append(f"{p.precision} weights: the published checkpoint {p.checkpoint} (of {p.hf_repo})")
    elif p.upcast and not p.prequantized:
        out.append(f"{p.precision} weights of the {p.native_precision} checkpoint {p.hf_repo}, an upcast: " + support.upcast_step(
            p.precision, p.native_precision, p.hf_repo))
    elif p.quantize_online and engine != "trtllm":
        who = VERSIONS[engine].split()[0]  # the engine by name: the header names the release these files install or need
        out.append(f"{p.precision} weights: {who} quantizes the {p.native_precision} checkpoint {p.hf_repo} "
                   f"at load time (--quantization {p.precision}; no {p.precision} checkpoint of it that loads here is known)")
        if p.streaming_fp8 and engine == "vllm":
            out.append(f"its bf16 weights are {p.load_peak_bytes / 1e9:,.1f} GB per GPU, more than a {p.gpu} holds: vLLM >= "
                       f"{support.version_text(support.STREAMING_FP8_VLLM)} quantizes each weight as it is read (pull request "
                       f"31914), older releases load them all first and run out of memory, so at least that is installed "
                       f"({'the image above' if p.vendor == 'amd' else p.vllm_pin})")
    if p.nodes > 1:
        how = {"vllm": "start a Ray cluster over the nodes first (--distributed-executor-backend ray)",
               "sglang": "run the command on every node with its --node-rank",
               "trtllm": "launch with mpirun over the nodes (trtllm-llmapi-launch)"}[engine]
        out.append(f"one replica spans {p.nodes} nodes of {p.gpus_per_node} GPUs: {how}")
    if _separate(p, engine):
        out.append(f"{p.engines} engines of {p.gpus_per_engine} GPUs per instance on ports {PORT + 1}-{PORT + p.engines}: "
                   f"put a load balancer on port {PORT} in front of them")
    out.append(f"KV cache: the workload needs {fmt.gb(p.kv_need_bytes)} of the {fmt.gb(p.kv_capacity_bytes)} "
               f"a replica holds (memory breakdown); batch {p.batch} per engine"
               + (f", {p.per_rank_batch} per attention data-parallel rank ({p.batch} over DP{p.data_parallel}, the "
                  f"per-rank cap {'SGLang splits --max-running-requests into' if engine == 'sglang' else 'set below'})"
                  if p.data_parallel > 1 else ""))
    mem = p.memory_setting(engine)
    if p.memory:
        what = memory_terms(engine, p.vendor)
        need = f"{mem.need:.2f}" if mem.need >= 0.005 else "under 0.01"  # (a KV cache of a few sequences: not "0.00")
        if mem.note:  # the need is over the engine's ceiling: the WARNING below says what to do
            out.append(f"{what[0]} {mem.value:.2f}, the most this file writes: the plan needs {need} ({what[1]}), "
                       "so the engine gets less KV cache than planned (see the WARNING)")
        else:
            out.append(f"{what[0]} {mem.value:.2f}: the plan needs {need} ({what[1]}); the engine's default or more, "
                       "the surplus going to KV cache (advisor.deploy.plan.GpuMemory)")
    if p.max_model_len > p.visible_context:
        out.append(f"{p.mode or 'reasoning'} row: context {p.max_model_len:,} = the workload's {p.visible_context:,} tokens plus "
                   f"{p.max_model_len - p.visible_context:,} for thinking (up to 4x the mean the row was costed for, "
                   "within the model's limit): a long answer is not cut off")
    if p.lora:
        where = ("all on the GPUs as costed" if p.lora.on_gpu == p.lora.adapters else f"{p.lora.on_gpu} of them on the GPUs at once as "
                 "costed (the sequences in flight at the peak name no more) and the rest in host memory")
        out.append(f"{p.lora.adapters} LoRA adapter(s) of rank {p.lora.rank} ({p.lora.targets} projections), {where}: " + LORA_LOADING[engine])
    if p.trust_remote_code:
        flag = "trust_remote_code: true" if engine == "trtllm" else "--trust-remote-code"
        out.append(f"{flag}: {p.hf_repo} needs code from its own repository to load (catalog models.toml trust_remote_code); "
                   "the engine runs that code, so pin a revision you have read")
    out += reasoning_notes(p, engine)
    if tools := support.TOOL_CALLING.get(p.model_id, ({}, ""))[0].get(engine):
        out.append(f"tool use: add {tools} to the command ({support.TOOL_CALLING[p.model_id][1]})")
    if backend := (_moe_backend(p) if engine == "trtllm" else ""):
        g = support.TRTLLM_GUIDES[p.model_id]
        out.append(f"moe_config.backend {backend}: the model's TensorRT-LLM deployment guide names it for {p.gpu}'s "
                   f"generation ({g.why}; {g.url})")
    if engine == "vllm" and support.vllm_minimum(p.model_id) > support.BASE_VLLM:
        r = support.VLLM_RECIPES[p.model_id]
        out.append(f"{p.model_id} needs vLLM >= {support.version_text(r.min_vllm)} ({r.url}): install at least "
                   f"that ({p.vllm_pin}; the SkyPilot file pins it)")
    if engine == "vllm" and p.chunked_kv and support.vllm_minimum(p.model_id, p.streaming_fp8) < support.CHUNKED_KV_VLLM:
        out.append(f"the KV cache is sized with one chunk on {p.model_id}'s chunked-attention layers, as vLLM keeps it from "
                   f"{support.version_text(support.CHUNKED_KV_VLLM)} on (0.10.1-0.13 keep full KV on them by default, and the "
                   f"costed batch would not fit): at least that is installed ({'the image above' if p.vendor == 'amd' else p.vllm_pin})")
    return out + ["WARNING: " + x for x in warnings(p, engine)]


def reasoning_notes(p: EnginePlan, engine: str) -> list[str]:
    """What the files do with thinking tokens: the parser that separates them (``support.REASONING_PARSERS``), or, for a
    reasoning row without one, that they arrive in ``content``; a non-reasoning row of a model that thinks by default
    must turn thinking off per request."""
    parser = support.reasoning_parser(p.model_id, engine)
    if parser:
        out = [(f"reasoning parser {parser}: thinking tokens go to the response's reasoning field, not content "
                "(the row is costed per visible answer token)")]
    elif p.mode == "reasoning" and engine == "vllm" and p.model_id.startswith("gpt-oss"):
        out = ["vLLM separates gpt-oss's analysis (thinking) channel from the answer itself: no reasoning parser flag"]
    elif p.mode == "reasoning" and engine == "trtllm" and p.model_id.startswith("gpt-oss"):
        out = [("trtllm-serve reads gpt-oss's Harmony channels itself (its harmony adapter: github NVIDIA/TensorRT-LLM pull "
                "request 7261, merged 2025-08-27), so the analysis (thinking) channel goes to the reasoning field, not "
                "content: no reasoning parser flag; a release without the adapter returns it in content (strip it "
                "client-side: the row is costed per visible answer token)")]
    elif p.mode == "reasoning":
        out = [(f"no {engine} reasoning parser is recorded for {p.model_id}: its thinking tokens arrive in "
                "content with the answer; strip them client-side (the row is costed per visible answer token)")]
    else:
        out = []
    if p.mode == "non-reasoning" and support.reasoning_parser(p.model_id, "vllm") == "qwen3":
        where = ("https://docs.vllm.ai/en/v0.11.2/features/reasoning_outputs/" if engine == "vllm" else  # the chat template's switch
                 "the model card's 'Switching Between Thinking and Non-Thinking Mode', https://huggingface.co/Qwen/Qwen3-235B-A22B")
        out.append('non-reasoning row: Qwen3 thinks by default; send chat_template_kwargs {"enable_thinking": false} with '
                   f"each request ({where}), or the row's cost undercounts")
    return out


def release_header(p: EnginePlan, engine: str) -> str:
    """The engine release the files install (SkyPilot) or need, for the header: vLLM's is raised above the 0.12 series
    whose flags are written where the model's recipe or the streaming FP8 load needs it (``support.vllm_minimum``), and
    on AMD it is the ROCm image's; the flags used are documented from vLLM 0.12 on."""
    if engine == "vllm":
        if p.vendor == "amd":
            image = p.vllm_image
            tag = image.rsplit(":", 1)[1]
            installed = f"vLLM {tag.lstrip('v')}" if tag != "latest" else "the newest vLLM"
            return f"{installed} (image {image}), flags documented since vLLM 0.12"
        need = support.vllm_minimum(p.model_id, p.streaming_fp8, p.chunked_kv)
        if need[:2] == support.BASE_VLLM:
            return f"{VERSIONS['vllm']} flags ({p.vllm_pin})"
        return (f"vLLM {support.version_text(need)} ({p.vllm_pin}), "
                "flags documented since vLLM 0.12")
    if engine == "sglang" and p.vendor == "amd":
        return (f"SGLang {support.version_text(support.SGLANG_ROCM_VERSION)} (image {support.SGLANG_ROCM_IMAGE}), "
                f"{VERSIONS['sglang']} flags")
    from advisor.ranking.engine_support import RELEASES, too_old

    need = RELEASES.get(p.model_id, {}).get(engine)
    if need and need[0] and too_old(p.model_id, engine, p.vendor):  # the pinned series cannot load it (the WARNING)
        name = VERSIONS[engine].rsplit(" ", 1)[0]
        return f"{VERSIONS[engine]} flags, for {name} {need[0]} or later ({p.model_id} needs it: see the WARNING)"
    return f"{VERSIONS[engine]} flags"


def warnings(p: EnginePlan, engine: str) -> list[str]:
    """What may keep these files from serving the plan: a memory setting that cannot hold it, adapters the engine
    is not known to serve on this model, vLLM support on this GPU unverified or refused by the vLLM recipe (or below the
    GPU generation it names), TensorRT-LLM support unverified by the model's deployment guide."""
    out = [p.capped] if p.capped else []
    mem = p.memory_setting(engine)
    if mem.note:
        out.append(mem.note)
    if p.lora and not p.lora_served.get(engine, True):
        out.append(f"{engine} is not known to serve these LoRA adapters on {p.model_id} (catalog engine.toml lora table): "
                   "adapters on the attention layers only keep them off the experts (lora_targets = \"attention\" in the "
                   "workload, then rank and deploy again)")
    if engine == "vllm":
        status, line = support.vllm_support(p.model_id, p.gpu)
        if status != "verified":
            out.append(line)
    elif engine == "trtllm" and support.trtllm_support(p.model_id, p.gpu)[0] == "unverified":
        out.append(support.trtllm_support(p.model_id, p.gpu)[1])
    if engine == "sglang" and p.streaming_fp8:
        out.append(f"SGLang quantizes to {p.precision} after loading every bf16 weight ({p.load_peak_bytes / 1e9:,.1f} GB per "
                   f"GPU, more than a {p.gpu} holds: https://github.com/sgl-project/sglang/issues/2895): expect it to run out "
                   f"of memory at start; deploy with --target vllm, or quantize the weights offline first")
    if engine != "vllm":
        out.extend(release_warning(p.model_id, engine, p.vendor))
    return out


def release_warning(model: str, engine: str, vendor: str = "") -> list[str]:
    """For TensorRT-LLM or SGLang: the release to install where one is recorded (``engine_support.RELEASES``); else,
    for a model whose vLLM recipe needs a vLLM newer than the one these files are written for (so it came out after
    the pinned releases), that its support on the pinned ``engine`` release is not established."""
    if note := release_note(model, engine, vendor):  # the pinned release cannot load it, or a release in its series is needed
        return [note]
    if support.vllm_minimum(model) > support.BASE_VLLM:  # newer than these flags' releases
        return [(f"{model} needs vLLM >= {support.version_text(support.vllm_minimum(model))} (its vLLM recipe), newer than "
                f"the vLLM 0.12 era {VERSIONS[engine]} these files are written for, and no {VERSIONS[engine]} release "
                f"is recorded to serve it: use a {engine} release that lists this model")]
    return []


LORA_MODULES_FLAG = {"vllm": "--lora-modules", "sglang": "--lora-paths"}
"""The flag that names adapters as NAME=PATH at start (``LORA_LOADING``); TensorRT-LLM's is ``lora_config.lora_dir``."""
VLLM_DP_RPC_PORT = 29550
"""vLLM's default ``--data-parallel-rpc-port`` (``ParallelConfig.data_parallel_rpc_port``), moved by 100 per engine side by
side. On one host vLLM hands its DP engines their handshake over IPC and picks free ports for the DP process groups
(``launch_core_engines``, ``ParallelConfig.__post_init__``: ``get_open_ports_list``, https://github.com/vllm-project/vllm/
blob/00193b82b0e2d4faea5d3b4ea4f6c4c2bd9d057a/vllm/config/parallel.py, read 2026-12-04), so the fixed port is only met
when a deployment spans hosts; distinct ports keep two servers apart there too. ``VLLM_DP_MASTER_PORT`` is read only
without ``--data-parallel-size`` (offline SPMD), so it is not set."""
SGLANG_DIST_PORT = 20000
"""First ``--dist-init-addr`` port of SGLang engines side by side, 100 apart (below Linux's ephemeral range, 32768+).
With ``--enable-dp-attention`` SGLang binds TCP ports for its tokenizer, detokenizer, RPC, metrics and per-DP-rank
scheduler sockets from ``--port + 233`` upward unless ``--dist-init-addr`` is given (``PortArgs.init_new``,
``ZMQ_TCP_PORT_DELTA = 233`` in python/sglang/srt/server_args.py, github sgl-project/sglang, read 2026-12-04): servers on
ports 8001 and 8002 would claim overlapping ranges. ``--nccl-port`` likewise replaces a random pick near ``--port``."""


def model_arg(p: EnginePlan) -> str:
    """The repository the command loads: ``$MODEL`` (set in ``variables``) for a fully fine-tuned model, and for an
    upcast row, whose costed weights are a dequantized copy the team makes first."""
    return '"$MODEL"' if p.full_fine_tune or _dequantized(p) else p.repo


def _dequantized(p: EnginePlan) -> bool:
    return p.upcast and not p.prequantized


def lora_modules_arg(p: EnginePlan, engine: str) -> list[str]:
    """The adapters' NAME=PATH list, from ``$LORA_MODULES`` when it is set (the flag is left out while it is empty)."""
    return [f"${{LORA_MODULES:+{LORA_MODULES_FLAG[engine]} $LORA_MODULES}}"] if p.lora else []


def variables(p: EnginePlan, engine: str) -> str:
    """Shell variables the team fills in, each with what it stands for: ``MODEL`` for a fully fine-tuned model (the row
    was costed for the team's fine-tuned copy, not the vendor's weights) and ``LORA_MODULES`` for adapters."""
    out = []
    if p.full_fine_tune:
        out += [(f"# MODEL: the row was costed for your fine-tuned copy of {p.hf_repo} (full fine-tunes): set MODEL to it "
                "(a Hugging Face repository or a local directory); the default serves the vendor's weights")]
        if p.precision != p.native_precision:
            how = ("each fine-tune needs its own ModelOpt export" if engine == "trtllm"
                   else "point MODEL at your bf16 fine-tune and add --quantization fp8" if p.prequantized
                   else "the engine quantizes it at load time")
            out += [(f"# {p.precision} row: every new fine-tune is served quantized to {p.precision} ({how}); the quality of "
                    "the quantized fine-tune is not measured here: evaluate it before switching traffic")]
        out += [f'MODEL="${{MODEL:-{p.repo}}}"']
    elif _dequantized(p):
        out += [(f"# MODEL: the row was costed with {p.precision} weights, a dequantized copy of the published "
                 f"{p.native_precision} checkpoint {p.hf_repo} (the same values in more bytes; see the note above for the "
                 f"step): set MODEL to that copy's directory. The default serves the published {p.native_precision} "
                 f"checkpoint itself, which fits in fewer GPUs than these files give it and was not the row costed"),
                f'MODEL="${{MODEL:-{p.repo}}}"']
    if p.lora and engine in LORA_MODULES_FLAG:
        out += [(f"# LORA_MODULES: your {p.lora.adapters} adapter(s) as NAME=PATH ... (the row was costed for rank "
                f"{p.lora.rank}, {p.lora.targets} projections); empty starts the server with none loaded"),
                'LORA_MODULES="${LORA_MODULES:-}"']
    return "".join(ln + "\n" for ln in out)


def side_by_side_args(p: EnginePlan, engine: str, i: int) -> list[str]:
    """Internal ports of engine ``i`` of several on one host (``VLLM_DP_RPC_PORT``, ``SGLANG_DIST_PORT``). TensorRT-LLM
    1.0 starts its ranks with MPI and binds no fixed port of its own (none is documented for trtllm-serve)."""
    if engine == "vllm" and p.data_parallel > 1:
        return ["--data-parallel-rpc-port", str(VLLM_DP_RPC_PORT + 100 * i)]
    if engine == "sglang":
        base = SGLANG_DIST_PORT + 100 * i
        return ["--dist-init-addr", f"127.0.0.1:{base}", "--nccl-port", str(base + 50)]
    return []


def one_server(p: EnginePlan, engine: str) -> EnginePlan | None:
    """``p`` as ONE server on the replica's GPUs when its engines would otherwise run side by side (``_separate``), for a
    SkyPilot service, which sends a replica's traffic and readiness probe to one port: the engines' data-parallel ranks
    become ranks of one server whose front end balances them (vLLM ``--data-parallel-size``, SGLang and TensorRT-LLM
    attention data parallelism), each rank with the batch and attention layout it was costed with; the expert-parallel
    group then spans all the engines' GPUs, so each GPU holds 1/k of the expert weights it was costed with and the
    planned KV cache still fits. None where no engine option does it (TensorRT-LLM without attention DP: its data
    parallelism is attention DP, one rank per GPU, which is not the costed layout)."""
    import dataclasses

    if not _separate(p, engine):
        return p
    if engine == "trtllm" and p.layout != "dep":
        return None
    k = p.engines
    return dataclasses.replace(p, engines=1, gpus_per_engine=k * p.gpus_per_engine, data_parallel=k * p.data_parallel,
                               expert_parallel=k * p.expert_parallel, batch=k * p.batch)


def vllm_argv(p: EnginePlan, port: int = PORT, engines: int = 1) -> list[str]:
    dp = p.data_parallel * engines
    a = ["vllm", "serve", model_arg(p), "--host", "0.0.0.0", "--port", str(port),
         "--tensor-parallel-size", str(p.tensor_parallel)]
    if p.pipeline_parallel > 1:
        a += ["--pipeline-parallel-size", str(p.pipeline_parallel)]
    if dp > 1:
        a += ["--data-parallel-size", str(dp)]
    if p.expert_parallel > 1:
        a += ["--enable-expert-parallel"]
    if p.nodes > 1:
        a += ["--distributed-executor-backend", "ray"]
    if p.trust_remote_code:
        a += ["--trust-remote-code"]
    a += ["--max-model-len", str(p.max_model_len), "--kv-cache-dtype", kv_dtype("vllm", p.kv_precision),
          "--gpu-memory-utilization", f"{p.memory_setting('vllm').value:.2f}",
          "--max-num-seqs", str(p.per_rank_batch), "--max-num-batched-tokens", str(p.max_batched_tokens)]
    if p.quantize_online:
        a += ["--quantization", p.precision]
    if parser := support.reasoning_parser(p.model_id, "vllm"):
        a += ["--reasoning-parser", parser]
    if p.lora:
        a += ["--enable-lora", "--max-loras", str(p.lora.on_gpu), "--max-lora-rank", str(vllm_lora_rank(p.lora.rank)),
              "--max-cpu-loras", str(p.lora.adapters), *lora_modules_arg(p, "vllm")]
    return a


def sglang_running_cap(p: EnginePlan) -> int:
    """``--max-running-requests`` for one engine's batch: SGLang divides it by ``--dp-size`` (rounding down) only under DP
    attention; without it each data-parallel copy takes the whole value (``max_running_requests // (dp_size if
    enable_dp_attention else 1)``, sglang/srt/managers/tp_worker.py). So the per-rank batch times the ranks (62 over DP8:
    64, 8 a rank; 62 is 7 a rank), else the engine's batch (trial 37: TP4 copies under --dp-size 2 each took 42, not 21)."""
    return p.per_rank_batch * p.data_parallel if p.data_parallel > 1 else p.batch


def sglang_argv(p: EnginePlan, port: int = PORT, engines: int = 1) -> list[str]:
    a = ["python", "-m", "sglang.launch_server", "--model-path", model_arg(p), "--host", "0.0.0.0", "--port", str(port),
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
    if p.trust_remote_code:
        a += ["--trust-remote-code"]
    a += ["--context-length", str(p.max_model_len), "--kv-cache-dtype", kv_dtype("sglang", p.kv_precision),
          "--mem-fraction-static", f"{p.memory_setting('sglang').value:.2f}", "--max-running-requests", str(sglang_running_cap(p)),
          "--chunked-prefill-size", str(p.max_batched_tokens)]
    if p.quantize_online:
        a += ["--quantization", p.precision]
    if parser := support.reasoning_parser(p.model_id, "sglang"):
        a += ["--reasoning-parser", parser]
    if p.lora:
        a += ["--enable-lora", "--max-loras-per-batch", str(p.lora.on_gpu), "--max-loaded-loras", str(p.lora.adapters),
              "--max-lora-rank", str(p.lora.rank), "--lora-target-modules", *SGLANG_LORA_TARGETS[p.lora.targets],
              *lora_modules_arg(p, "sglang")]
    return a


def trtllm_options(p: EnginePlan) -> str:
    lines = [f"# {VERSIONS['trtllm']} LLM-API options for trtllm-serve --extra_llm_api_options",
             f"tensor_parallel_size: {p.tensor_parallel * p.data_parallel}",
             f"pipeline_parallel_size: {p.pipeline_parallel}"]
    if p.expert_parallel > 1:
        lines.append(f"moe_expert_parallel_size: {p.expert_parallel}")
    lines += [f"enable_attention_dp: {'true' if p.data_parallel > 1 else 'false'}",
              f"max_batch_size: {p.per_rank_batch}", f"max_num_tokens: {p.max_batched_tokens}",
              f"max_seq_len: {p.max_model_len}"]
    if p.max_model_len > p.max_batched_tokens:  # off by default; a prompt over max_num_tokens needs it (the estimate
        # prefills in max_num_tokens chunks; https://nvidia.github.io/TensorRT-LLM/features/long-sequence.html)
        lines.append("enable_chunked_prefill: true")
    if p.trust_remote_code:  # the LLM-API field trtllm-serve's --trust_remote_code sets (BaseLlmArgs.trust_remote_code)
        lines.append("trust_remote_code: true")
    if backend := _moe_backend(p):
        lines += ["moe_config:", f"  backend: {backend}  # the model's TensorRT-LLM deployment guide, for this GPU generation"]
    lines += ["kv_cache_config:",
              f"  dtype: {kv_dtype('trtllm', p.kv_precision)}",
              f"  free_gpu_memory_fraction: {p.memory_setting('trtllm').value:.2f}"]
    if p.lora:
        lines += ["lora_config:", "  lora_dir: []  # one directory per adapter (Hugging Face PEFT); see the notes in serve.sh",
                  f"  lora_target_modules: [{', '.join(TRTLLM_LORA_TARGETS[p.lora.targets])}]",
                  f"  max_lora_rank: {p.lora.rank}", f"  max_loras: {p.lora.on_gpu}", f"  max_cpu_loras: {p.lora.adapters}"]
    return "\n".join(lines) + "\n"


def trtllm_argv(p: EnginePlan, port: int = PORT) -> list[str]:
    """``trtllm-serve``; ``--trust_remote_code`` on the command line too (the flag Moonshot's and the gpt-oss guides pass),
    so the server's own tokenizer load gets it whatever the options file's precedence."""
    a = ["trtllm-serve", model_arg(p), "--host", "0.0.0.0", "--port", str(port)]
    a += ["--trust_remote_code"] if p.trust_remote_code else []
    a += ["--reasoning_parser", parser] if (parser := support.reasoning_parser(p.model_id, "trtllm")) else []
    return a + ["--extra_llm_api_options", OPTIONS_FILE]


def serve_script(p: EnginePlan, engine: str) -> str:
    """The shell lines that start one replica's engines (after ``variables``). Engines side by side on one host get
    their own HTTP port and their own internal ports (``side_by_side_args``)."""
    argv = {"vllm": vllm_argv, "sglang": sglang_argv, "trtllm": lambda q, port=PORT, engines=1: trtllm_argv(q, port)}[engine]
    if not _separate(p, engine):
        return variables(p, engine) + _cmd(argv(p, PORT, p.engines)) + "\n"
    cmds = [_cmd(argv(p, PORT + 1 + i) + side_by_side_args(p, engine, i), prefix=_devices(p, i), background=True)
            for i in range(p.engines)]
    return variables(p, engine) + "\n".join(cmds) + "\nwait\n"


def engine_files(p: EnginePlan, engine: str, header: list[str]) -> dict[str, str]:
    """``{file name: text}`` for ``engine``: ``serve.sh`` (and the TensorRT-LLM options file)."""
    head = "".join(f"# {h}\n" for h in header + notes(p, engine))
    files = {"serve.sh": "#!/usr/bin/env bash\n" + head + "set -euo pipefail\n" + serve_script(p, engine)}
    if engine == "trtllm":
        files[OPTIONS_FILE] = trtllm_options(p)
    return files
