"""A SkyPilot service YAML for a self-hosted candidate, and the OpenAI-compatible snippet for an API one.

SkyPilot task YAML (docs.skypilot.co, reference/yaml-spec and serving/service-yaml-spec): ``resources.infra``
(the cloud, where SkyPilot supports the provider), ``resources.accelerators`` ``NAME:COUNT`` per node,
``num_nodes``, ``setup``/``run``; ``service.readiness_probe`` and ``service.replica_policy`` (``min_replicas``,
``max_replicas``, ``target_qps_per_replica``; ``min_replicas: 0`` scales to zero) or ``service.replicas`` for a
fixed count."""

from __future__ import annotations

import math

from advisor.deploy import VERSIONS, release, sky_names, support
from advisor.deploy.engines import (
    OPTIONS_FILE,
    PORT,
    notes,
    one_server,
    serve_script,
    trtllm_options,
)
from advisor.deploy.plan import EnginePlan
from advisor.domain.recommendation import Candidate
from advisor.domain.workload import Workload

SKYPILOT_INFRA = {"aws": "aws", "gcp": "gcp", "azure": "azure", "lambda": "lambda", "runpod": "runpod",
                  "nebius": "nebius", "digitalocean": "do"}
"""Catalog provider -> SkyPilot infra name (providers SkyPilot has no cloud for are left to the user)."""
NO_SPOT = {"do": "sky/clouds/do.py: 'Spot instances are not supported in DO.', and no region offers an instance with use_spot"}
"""SkyPilot clouds of ``SKYPILOT_INFRA`` that rent no spot instances, with where SkyPilot says so (its source on GitHub,
skypilot-org/skypilot, read 2026-12-06): ``use_spot: true`` there finds no resources."""


def spot_refused(c: Candidate) -> str:
    """Why the SkyPilot file of a spot-priced row cannot launch as written ("" where it can): trial 32's nightly job
    ranked DigitalOcean spot rows first, and the file asked SkyPilot for spot on a cloud it rents none on."""
    infra = SKYPILOT_INFRA.get(c.provider)
    if c.pricing_kind != "spot" or infra not in NO_SPOT:
        return ""
    return (f"the row is priced on {c.provider}'s spot rate, and SkyPilot rents no spot instances on {infra} ({NO_SPOT[infra]}): "
            f"`use_spot: true` finds no resources; rent the spot capacity outside SkyPilot, or rank without spot prices "
            f"(--pricing on-demand, the TUI's Price kinds, or pricing = [\"on-demand\"] in a workload file) for a row SkyPilot "
            f"can launch: the catalog may hold no on-demand price for this GPU at {c.provider}")
SETUP = {e: f'pip install "{pkg}=={release(e)[1]}.*"'
         for e, pkg in (("vllm", "vllm"), ("sglang", "sglang[all]"), ("trtllm", "tensorrt_llm"))}
"""CUDA installs of the base versions (``VERSIONS``; vLLM's is raised to the model's minimum: ``setup_for``).
TensorRT-LLM's is not used: ``TRTLLM_IMAGE`` replaces it."""
TRTLLM_IMAGE = "nvcr.io/nvidia/tensorrt-llm/release:1.0.0"
"""NVIDIA's TensorRT-LLM 1.0.0 release container. The pip wheel needs the CUDA Toolkit with ``CUDA_HOME`` set,
``libopenmpi-dev`` and, on Blackwell, PyTorch built for CUDA 12.8 installed first ("Install prerequisites",
https://nvidia.github.io/TensorRT-LLM/1.0.0/installation/linux.html, which points to the NGC container instead); the
container carries all of it, and its tag is the ``tensorrt_llm.__version__`` it holds ("x.y.z corresponds to the
TensorRT-LLM container version", https://nvidia.github.io/TensorRT-LLM/installation/containers.html). Both read
2026-12-04."""


def setup_for(p: EnginePlan, engine: str) -> tuple[str | None, str]:
    """(SkyPilot ``image_id`` or None, the ``setup`` line). NVIDIA: pip installs (vLLM pinned at least to the model's
    recipe minimum). AMD: the CUDA wheels do not run on ROCm, so the engine's ROCm image is the ``image_id``
    (``resources.image_id: docker:<image>``, https://docs.skypilot.co/en/latest/examples/docker-containers.html).
    TensorRT-LLM: NVIDIA's release container (``TRTLLM_IMAGE``) the same way."""
    if p.vendor != "amd":
        if engine == "trtllm":
            return TRTLLM_IMAGE, "python -c 'import tensorrt_llm; print(tensorrt_llm.__version__)'  # TensorRT-LLM from the image"
        if engine == "sglang":  # a release within the pinned series that first has the model (trial 33: DeepSeek-V4 needs 0.5.20)
            from advisor.ranking.engine_support import RELEASES

            need = RELEASES.get(p.model_id, {}).get("sglang", ("", ""))[0]
            if need.count(".") >= 2 and need.startswith(f"{release('sglang')[1]}."):
                return None, SETUP["sglang"][:-1] + f',>={need}"'
        return None, f'pip install "{p.vllm_pin}"' if engine == "vllm" else SETUP[engine]
    if engine == "vllm":
        return p.vllm_image, "python -c 'import vllm; print(vllm.__version__)'  # vLLM from the image"
    if engine == "sglang":
        return support.SGLANG_ROCM_IMAGE, "python -c 'import sglang; print(sglang.__version__)'  # SGLang from the image"
    return None, f"# TensorRT-LLM does not run on {p.gpu}: deploy with --target vllm or sglang"

API_ENDPOINTS = {
    "openrouter": ("https://openrouter.ai/api/v1", "OPENROUTER_API_KEY"),
    "together": ("https://api.together.xyz/v1", "TOGETHER_API_KEY"),
    "fireworks": ("https://api.fireworks.ai/inference/v1", "FIREWORKS_API_KEY"),
    "deepinfra": ("https://api.deepinfra.com/v1/openai", "DEEPINFRA_API_KEY"),
    "groq": ("https://api.groq.com/openai/v1", "GROQ_API_KEY"),
    "cerebras": ("https://api.cerebras.ai/v1", "CEREBRAS_API_KEY"),
    "deepseek": ("https://api.deepseek.com", "DEEPSEEK_API_KEY"),
}


def _block(text: str, indent: str = "  ") -> str:
    return "".join(f"{indent}{ln}\n" if ln else "\n" for ln in text.rstrip("\n").split("\n"))


def planned_load(c: Candidate) -> float:
    """The share of a replica's capacity the plan runs it at (the autoscaler's target): the ``headroom`` reason's
    utilization cap, or less where the TTFT target caps the prefill load; 1 for work without one (batch)."""
    h = next((r.numbers for r in c.reasons if r.code == "headroom"), None)
    if not h:
        return 1.0
    cap = float(h["max_utilization"])
    if h.get("prefill_utilization") and h.get("max_prefill_utilization"):
        cap = min(cap, float(h["planned_utilization"]) * float(h["max_prefill_utilization"]) / float(h["prefill_utilization"]))
    return max(0.01, min(1.0, cap))


def replica_policy(c: Candidate, w: Workload, per_instance: int = 1) -> list[str]:
    """The ``service:`` replica lines for the candidate's scaling policy; ``per_instance`` SkyPilot replicas stand for one
    of the candidate's (one engine each, ``skypilot_yaml``), each taking that share of its load."""
    peak = (c.replicas_peak or c.replicas) * per_instance
    if c.scaling in (None, "fixed"):
        return [f"  replicas: {peak}"]
    if c.scaling == "scale-to-zero":  # a daily job: billed as its replicas started together and run until it is done
        return ["  # a daily job, billed as these replicas running together until the batch is answered: `sky serve up` when it",
                "  # starts, `sky serve down` when it is done (SkyServe's QPS autoscaler scales up gradually from zero, so the",
                "  # replicas would come late and the deadline slip: https://docs.skypilot.co/en/stable/serving/autoscaling.html)",
                f"  replicas: {peak}"]
    low = (c.replicas_min or 0) * per_instance  # 0: Min replicas 0, none in the hours without traffic (trial 40: was 1)
    zero = (["  # min_replicas 0: SkyServe scales every replica down when no traffic comes and starts one at the next request,",
             "  # which waits its cold start (https://github.com/skypilot-org/skypilot/pull/2938); the bill has none in the hours",
             "  # (and days) without traffic"] if not low else [])
    spare = ([f"  # spare_replicas {w.spare_replicas}: the plan runs {w.spare_replicas} replica(s) beyond each hour's need; SkyServe's "
              "QPS autoscaler has no", "  # spare count, and the target below (the peak's requests/s over the peak's replicas, "
              "spare included) keeps a like share spare"] if w.spare_replicas else [])
    return zero + spare + ["  replica_policy:", f"    min_replicas: {low}", f"    max_replicas: {max(peak, low, 1)}",
                    f"    target_qps_per_replica: {max(target_qps(c, w) / per_instance, 0.001):.3f}"]


def target_qps(c: Candidate, w: Workload) -> float:
    """Requests a second a replica is planned to answer (``planned_load`` of its capacity): its output tokens/s over the
    tokens each request generates, a reasoning row's thinking included (``output_multiplier``; the workload's
    ``output_tokens`` counts the visible answer only); at most the peak's requests/s over the peak's replicas, so the
    autoscaler reaches the count the plan costs where the TTFT target, a slot wait or ``spare_replicas`` set it below the
    load cap (trial 37: 0.898 requests/s a replica settled at 13 replicas, whose p95 TTFT the row said misses the target)."""
    from advisor.domain.traffic import day_profile

    generated = max(1, w.output_tokens) * (c.output_multiplier or 1.0)
    planned = (c.output_tokens_per_s_per_replica or 0.0) / generated * planned_load(c)
    peak = c.replicas_peak or c.replicas
    return min(planned, w.mean_requests_per_s * day_profile(w).peak_to_mean / peak) if peak else planned


def service_plan(p: EnginePlan, engine: str) -> tuple[EnginePlan, int, list[str]]:
    """(what one SkyPilot replica runs, SkyPilot replicas per candidate replica, why, as comment lines). SkyPilot sends a
    replica's traffic and its readiness probe to one port (``resources.ports``; https://docs.skypilot.co/en/latest/serving/
    service-yaml-spec.html, read 2026-12-04), so engines that would run side by side on ports 8001.. become one server
    on that port (``engines.one_server``), or, where no engine option does that, one SkyPilot replica each."""
    k = p.engines
    one = one_server(p, engine)
    if one is p:
        return p, 1, []
    if one is not None:
        return one, 1, [(f"one server on port {PORT} for the row's {k} engines of {p.gpus_per_engine} GPUs (SkyPilot routes and "
                        f"probes one port a replica): its {one.data_parallel} data-parallel ranks are balanced by the engine's own "
                        f"front end, each with the batch it was costed with; expert parallelism spans the {one.gpus_per_engine} "
                        f"GPUs instead of {p.gpus_per_engine} (each GPU holds 1/{k} of the expert weights it was costed with)")]
    import dataclasses

    return dataclasses.replace(p, engines=1, gpus_per_node=p.gpus_per_engine), k, [
        (f"one {p.gpus_per_engine}-GPU engine per SkyPilot replica, {k} replicas for each {p.gpus_per_node}-GPU instance the "
        f"row was costed on: SkyPilot routes and probes one port a replica, and {VERSIONS[engine]} has no option that "
        "balances separate engines"), "WARNING: " + split_warning(p)]


def split_warning(p: EnginePlan) -> str:
    return (f"this service asks SkyPilot for {p.gpus_per_engine}-GPU {p.gpu} instances, and the row was costed on "
            f"{p.gpus_per_node}-GPU ones: where {p.gpu} is not sold {p.gpus_per_engine} GPU(s) at a time SkyPilot finds no "
            "resources, and the price may differ from the row's")


def skypilot_yaml(c: Candidate, w: Workload, p: EnginePlan, engine: str, header: list[str]) -> str:
    weights_gb = (c.memory.weights_bytes / max(1, p.engines) / 1e9) if c.memory else 100.0
    disk = max(256, math.ceil(weights_gb * 1.5 / 128.0) * 128)
    p, per_instance, why = service_plan(p, engine)
    lines = [f"# {h}" for h in header + why + notes(p, engine)]
    infra = SKYPILOT_INFRA.get(c.provider)
    if not infra:
        lines.append(f"# {c.provider} is not a SkyPilot cloud: set resources.infra yourself (e.g. k8s for your own cluster)")
    for warned in (spot_refused(c), prefix_routing(c, w), serverless_endpoint(c, w)):
        if warned:
            lines.append(f"# WARNING: {warned}")
    lines += [f"name: {c.model}-{p.gpu}".replace(".", "-"), "", "resources:"]
    if infra:
        lines.append(f"  infra: {infra}")
    lines += sky_names.resource_lines(p.gpu, infra, p.gpus_per_node)
    lines += [f"  use_spot: {'true' if c.pricing_kind == 'spot' else 'false'}", f"  ports: {PORT}", f"  disk_size: {disk}"]
    image, setup = setup_for(p, engine)
    if image:
        what = "NVIDIA's TensorRT-LLM release container" if engine == "trtllm" else "the engine's ROCm build (advisor.deploy.support)"
        lines.append(f"  image_id: docker:{image}  # {what}")
    if p.nodes > 1:
        lines.append(f"num_nodes: {p.nodes}")
    run = serve_script(p, engine)
    if '"$MODEL"' in run:  # the script reads MODEL (a fine-tuned or dequantized copy): `sky serve up --env MODEL=...`
        lines += ["", "envs:", f"  MODEL: {p.repo}  # your copy's path or repository (the notes above say which)"]
    if support.gated(p.repo):  # SkyPilot refuses to launch until it is given: `--secret HF_TOKEN`
        lines += ["", "secrets:", "  HF_TOKEN: null  # gated weights: sky serve up service.yaml --secret HF_TOKEN"]
    lines += ["", "setup: |", f"  {setup}"]
    if engine == "trtllm":
        run = f"cat > {OPTIONS_FILE} <<'EOF'\n{trtllm_options(p)}EOF\n" + run
    if p.nodes > 1 and engine == "sglang":
        run = 'NODE_RANK=$SKYPILOT_NODE_RANK\nHEAD_ADDR=$(echo "$SKYPILOT_NODE_IPS" | head -n1)\n' + run
    lines += ["", "run: |", _block(run).rstrip("\n"), "", "service:", "  readiness_probe:",
              "    path: /health", "    initial_delay_seconds: 1800"]
    lines += replica_policy(c, w, per_instance)
    return "\n".join(lines) + "\n"


def api_snippet(c: Candidate, w: Workload, provider_model: str | None, hf_repo: str | None) -> str:
    base, key = API_ENDPOINTS.get(c.provider, (f"https://<{c.provider} OpenAI-compatible base URL>/v1", f"{c.provider.upper()}_API_KEY"))
    model = provider_model or hf_repo or c.model
    # A hybrid model that thinks by default (Qwen3) costed in its no-thinking mode: thinking off per request, as the
    # self-hosted files say (engines.reasoning_notes), or the bill undercounts the tokens it generates.
    off = ("    # no-thinking row: Qwen3 thinks by default; this turns it off (a vLLM-served endpoint's chat template switch)\n"
           '    extra_body={"chat_template_kwargs": {"enable_thinking": False}},\n'
           if c.mode == "non-reasoning" and support.reasoning_parser(c.model, "vllm") == "qwen3" else "")
    limit, why = answer_limit(c, w)
    return (f"# {c.label}: the provider's OpenAI-compatible endpoint (pip install openai)\n"
            "import os\n\nfrom openai import OpenAI\n\n"
            f'client = OpenAI(base_url="{base}", api_key=os.environ["{key}"])\n'
            f'resp = client.chat.completions.create(\n    model="{model}",\n'
            '    messages=[{"role": "user", "content": "Hello"}],\n'
            f"    # {why}\n"
            f"    max_tokens={limit},\n{off})\nprint(resp.choices[0].message.content)\n")


def answer_limit(c: Candidate, w: Workload) -> tuple[int, str]:
    """(max_tokens, why) for an API row's client: the longest answer the workload's context leaves after a mean prompt
    (at least the mean answer), plus a reasoning row's thinking to its tail (``plan.REASONING_TAIL`` x its mean), as the
    self-hosted files size max_model_len. The mean answer was a cap that cut half the answers, and a reasoning model's
    thinking counts against max_tokens; the bill is per token generated, whatever the cap."""
    from advisor.deploy.plan import REASONING_TAIL

    visible = max(w.output_tokens, w.context_max_tokens - w.input_tokens)
    thinking = round(REASONING_TAIL * ((c.output_multiplier or 1.0) - 1.0) * w.output_tokens)
    why = (f"the longest answer the {w.context_max_tokens:,}-token context leaves after a {w.input_tokens:,}-token prompt"
           + (f", plus {thinking:,} thinking tokens ({REASONING_TAIL}x the mean: thinking counts against max_tokens)" if thinking > 0 else "")
           + "; billed per token generated")
    return visible + max(0, thinking), why


def prefix_routing(c: Candidate, w: Workload, sky: bool = True) -> str:
    """Where the row is priced with a cached share of each prompt and runs more than one replica: the hits assume each
    request reaches the replica that holds its prefix, which a balancer routing by load alone does not do (trial 37: a
    70% cached share over 18-36 engines, no file naming a router). Cache-aware routers send a request to the replica
    whose past requests share its longest prefix (SGLang's router, policy cache_aware: https://pypi.org/project/sgl-router/;
    vLLM's router the same, per https://docs.gpustack.ai/gpustack-operator/main/docs/modules/model-deployment/routing/,
    read 2026-12-06)."""
    replicas = c.replicas_peak or c.replicas or 1
    if not w.cached_input_fraction or c.deployment != "self-hosted" or replicas < 2:
        return ""
    balancer = "SkyServe's load balancer routes by load, not prefix" if sky else "a load balancer routing by load alone spreads them"
    return (f"the bill prices {w.cached_input_fraction:.0%} of each prompt as a prefix-cache hit, which holds only where a "
            f"session's requests reach the replica that holds its prefix: {balancer}, so over {replicas} replicas put a cache-aware router in front (SGLang's router or vLLM's, policy "
            f"cache_aware), or expect more misses (each a full prefill: the row's prefix-cache line says what one costs)")


def serverless_endpoint(c: Candidate, w: Workload) -> str:
    """Where the row is priced as serverless workers: the endpoint settings its bill assumes (GPUs per worker, active
    workers, max workers, and for a ``per-request`` row its idle timeout), since the files launch the engine on instances
    billed by the hour (RunPod's settings: https://docs.runpod.io/serverless/endpoints/endpoint-configurations)."""
    if c.pricing_kind != "serverless":
        return ""
    numbers = next((r.numbers for r in c.reasons if r.code == "serverless"), {}) or {}
    idle = numbers.get("idle_timeout_s")
    peak = c.replicas_peak or c.replicas or 1
    # always-on workers: a fixed plan's all; a scaling plan's floor (0 for a daily job) (trial 40: a floor of 0 read as the peak)
    active = peak if c.scaling in (None, "fixed") else 0 if c.scaling == "scale-to-zero" else (c.replicas_min or 0)
    return (f"{c.label} is priced as {c.provider} Serverless workers ({c.scaling}): serve it from a serverless endpoint with "
            f"the engine's worker image, {c.gpus} GPU(s) per worker, {active} active worker(s), max workers at least {peak}"
            + (f", idle timeout {idle:g} s" if idle else "") + f"; --target vllm writes {RUNPOD_ENV}, RunPod's vLLM worker's "
            "settings; the serve script starts the engine on an instance billed by the hour, not per request")


def launch_warnings(c: Candidate, w: Workload, cat, target: str) -> list[str]:
    """The warnings the launch files of ``target`` carry (``engines.warnings``), one line each, for the deploy output;
    none for an API candidate."""
    from advisor.deploy.engines import warnings
    from advisor.deploy.plan import plan_for, retarget

    if c.deployment == "api" or target not in VERSIONS:
        return []
    p = plan_for(c, w, cat)
    if target != "skypilot":
        return warnings(retarget(p, target, c, w, cat), target) + [x for x in (prefix_routing(c, w, sky=False),
                                                                               serverless_endpoint(c, w)) if x]
    one, per_instance, _ = service_plan(p, p.engine)
    name = sky_names.missing(p.gpu, SKYPILOT_INFRA.get(c.provider))
    refused = spot_refused(c)
    return warnings(one, p.engine) + ([split_warning(p)] if per_instance > 1 else []) + [
        x for x in (name, refused, prefix_routing(c, w), serverless_endpoint(c, w)) if x]


def render(c: Candidate, w: Workload, cat, target: str, rank: int = 1, provider_model: str | None = None) -> dict[str, str]:
    """``{file name: text}`` that serves candidate ``c`` with ``target`` (vllm, sglang, trtllm or skypilot)."""
    from advisor.deploy.engines import engine_files
    from advisor.deploy.plan import plan_for, retarget
    from advisor.errors import InputError

    if target not in VERSIONS:
        raise InputError("target", f"must be one of {', '.join(VERSIONS)}, got {target!r}")
    if c.deployment == "api":
        m = cat.models.get(c.model)
        return {"client.py": api_snippet(c, w, provider_model, m.hf_repo if m else None)}
    p = plan_for(c, w, cat)
    engine = p.engine if target == "skypilot" else target
    p = retarget(p, engine, c, w, cat)  # another engine than the row's: its batch at most what that engine holds
    if engine == "trtllm" and p.vendor != "nvidia":
        raise InputError("target", f"TensorRT-LLM runs on NVIDIA GPUs only, and #{rank} ({c.label}) runs on {p.gpu}: use "
                                   "--target vllm or sglang, or --gpu-types an NVIDIA GPU")
    from advisor.deploy.engines import missing_weights, release_header
    from advisor.deploy.int4_formats import sglang_refusal
    from advisor.physics.engines import unsupported_reason

    if engine in cat.engines and (why := unsupported_reason(cat.engines[engine], cat.gpus[p.gpu], p.precision)):
        # the engine catalog's hardware table: files that would fail at the engine's start are not written
        raise InputError("target", f"#{rank} ({c.label}): {why}; the row was costed on {p.engine}: use --target "
                                   f"{p.engine if p.engine != engine else 'another engine'}, or rank with --engines {engine}")
    if why := missing_weights(p, engine):
        raise InputError("precision", f"#{rank} ({c.label}): {why}")
    if engine == "trtllm" and p.precision == "int4" and p.prequantized:  # (engine_support.TRTLLM_LOADS: AutoGPTQ/AWQ not loaded)
        raise InputError("target", f"#{rank} ({c.label}): TensorRT-LLM loads ModelOpt checkpoints, not the int4 checkpoint "
                                   f"{p.checkpoint} (AWQ, GPTQ or compressed-tensors); use --target vllm")
    if engine == "sglang" and p.precision == "int4" and p.prequantized and (
            why := sglang_refusal(p.model_id, p.moe, p.checkpoint, p.vendor)):  # the ranking costs such a row on vLLM
        raise InputError("target", f"#{rank} ({c.label}): the int4 checkpoint {p.checkpoint}: {why}; use --target vllm")
    header = [f"moe-advisor deploy: #{rank} {c.label} - {c.replica_range}, {c.scaling or 'fixed'}",
              release_header(p, engine) + (f", {VERSIONS['skypilot']} service" if target == "skypilot" else "")
              + f"; {p.engines} engine(s) x {p.gpus_per_engine} GPUs ({p.layout}: TP{p.tensor_parallel}"
              + (f" PP{p.pipeline_parallel}" if p.pipeline_parallel > 1 else "") + (f" DP{p.data_parallel}" if p.data_parallel > 1 else "")
              + (f" EP{p.expert_parallel}" if p.expert_parallel > 1 else "") + f") = {c.gpus} GPUs a replica"]
    if target == "skypilot":
        return {"service.yaml": skypilot_yaml(c, w, p, engine, header)}
    # the deploy output's warnings the files carry too (trial 39: the router warning only on stderr)
    files = engine_files(p, engine, header + [f"WARNING: {x}" for x in (prefix_routing(c, w, sky=False), serverless_endpoint(c, w)) if x])
    if engine == "vllm" and c.pricing_kind == "serverless":
        files[RUNPOD_ENV] = runpod_env(p, header)
    return files


RUNPOD_ENV = "runpod-endpoint.env"
RUNPOD_VLLM_IMAGE = "runpod/worker-v1-vllm"
"""RunPod's vLLM worker image (https://github.com/runpod-workers/worker-vllm; pick a release tag there)."""


def runpod_env(p, header: list[str]) -> str:
    """The vLLM worker's environment variables for a serverless endpoint: RunPod's vLLM worker takes vLLM's flags as
    variables, "Convert flag names to uppercase with underscores" (https://docs.runpod.io/serverless/vllm/configuration,
    read 2026-12-06), the model as ``MODEL_NAME``. The serve script's flags, less host and port (the worker's own) and
    any a shell expands (adapters: set them yourself)."""
    from advisor.deploy.engines import vllm_argv

    argv = vllm_argv(p, engines=p.engines)
    out = [f"# {h}" for h in header] + [f"# RunPod Serverless endpoint, image {RUNPOD_VLLM_IMAGE} (a release tag from "
                                        "https://github.com/runpod-workers/worker-vllm): these as its environment variables",
                                        f"MODEL_NAME={argv[2].strip(chr(34))}"]
    i = 3
    while i < len(argv):
        flag = argv[i]
        value = argv[i + 1] if i + 1 < len(argv) and not argv[i + 1].startswith("--") else None
        i += 2 if value is not None else 1
        if not flag.startswith("--") or flag in ("--host", "--port") or "$" in flag + (value or ""):
            continue
        out.append(f"{flag[2:].upper().replace('-', '_')}={value if value is not None else 'true'}")
    return "\n".join(out) + "\n"
