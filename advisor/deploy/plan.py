"""What one replica of a candidate runs: how many engines, each on how many GPUs, in which parallel layout,
with which memory, context and batch settings (all from the candidate and its memory breakdown)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from advisor.catalog.load import Catalog
from advisor.domain.recommendation import Candidate
from advisor.domain.workload import Workload
from advisor.errors import InputError

QUANTIZED_ONLINE = ("fp8",)
"""Weight precisions vLLM and SGLang quantize a higher-precision checkpoint to at load time (``--quantization fp8``);
others need a pre-quantized checkpoint."""


@dataclass(frozen=True)
class EnginePlan:
    model_id: str
    hf_repo: str
    """The model's main repository (its native precision)."""
    gpu: str
    vendor: str
    engine: str
    """The engine the estimate assumed."""
    layout: str
    engines: int
    """Engines per replica (one sold instance may run several side by side)."""
    gpus_per_engine: int
    tensor_parallel: int
    pipeline_parallel: int
    data_parallel: int
    """Attention data-parallel ranks inside one engine (layout ``dep``)."""
    expert_parallel: int
    precision: str
    native_precision: str
    kv_precision: str
    max_model_len: int
    batch: int
    """Concurrent sequences of one engine (all its DP ranks) the estimate admits."""
    max_batched_tokens: int
    memory_policy: str
    memory_fraction: float
    """The engine profile's memory fraction (vLLM gpu_memory_utilization, TensorRT-LLM free_gpu_memory_fraction)."""
    static_fraction: float
    """(weights + KV capacity) / GPU memory from the breakdown (SGLang mem_fraction_static)."""
    kv_need_bytes: int
    kv_capacity_bytes: int
    nodes: int
    """Instances (nodes) one replica spans."""
    gpus_per_node: int
    checkpoint: str = ""
    """The repository the engine loads: the model's published checkpoint of ``precision`` (models.toml
    ``checkpoints``), else ``hf_repo``."""

    @property
    def prequantized(self) -> bool:
        """A published checkpoint already holds ``precision`` weights (no quantization flag, no hand-picked repo)."""
        return bool(self.checkpoint) and self.checkpoint != self.hf_repo

    @property
    def repo(self) -> str:
        return self.checkpoint or self.hf_repo

    @property
    def per_rank_batch(self) -> int:
        return max(1, math.ceil(self.batch / max(1, self.data_parallel)))

    @property
    def upcast(self) -> bool:
        """The row serves a 4-bit published checkpoint in a wider precision: the engine needs a dequantized copy (no
        quantization flag turns MXFP4 weights into FP8 or BF16 at load time)."""
        from advisor.domain.precision import is_upcast

        return is_upcast(self.precision, self.native_precision)

    @property
    def quantize_online(self) -> bool:
        return (self.precision != self.native_precision and self.precision in QUANTIZED_ONLINE and not self.prequantized
                and not self.upcast)

    @property
    def needs_prequantized(self) -> bool:
        return self.precision != self.native_precision and not self.prequantized and (
            self.precision not in QUANTIZED_ONLINE or self.upcast)


def engines_of(c: Candidate) -> int:
    m = re.match(r"^(\d+) engines x ", c.parallelism or "")
    return int(m.group(1)) if m else 1


def plan_for(c: Candidate, w: Workload, cat: Catalog) -> EnginePlan:
    """The engine-level plan of a self-hosted candidate (InputError for an API candidate)."""
    if c.deployment != "self-hosted" or not c.gpu:
        raise InputError("candidate", f"{c.label} is an API: there is no engine to launch")
    from advisor.domain.precision import resolve_precision
    from advisor.physics.engines import engine_profile
    from advisor.physics.layouts import make_layout

    m, g = cat.models[c.model], cat.gpus[c.gpu]
    k = engines_of(c)
    n = max(1, c.gpus // k)
    lay = make_layout(m, g, n, c.layout or "tp")
    profile = engine_profile(cat, g, c.engine).for_vendor(g.vendor)
    mem = c.memory
    cap = mem.capacity_bytes if mem else g.memory_bytes * c.gpus
    static = (mem.weights_bytes + mem.kv_capacity_bytes) / cap if mem and cap else profile.memory.kv_cache_fraction
    inst = c.instance_gpus or min(c.gpus, g.gpus_per_node)
    prec = c.precision or "bf16"
    return EnginePlan(
        model_id=m.id, hf_repo=m.hf_repo, gpu=g.id, vendor=g.vendor, engine=c.engine or profile.id, layout=lay.layout,
        engines=k, gpus_per_engine=n, tensor_parallel=lay.tensor_parallel, pipeline_parallel=lay.pipeline_parallel,
        data_parallel=lay.data_parallel, expert_parallel=lay.expert_parallel, precision=c.precision or "bf16",
        native_precision=m.native_precision, kv_precision=c.kv_precision or "bf16", max_model_len=w.context_max_tokens,
        batch=int(c.batch or 1), max_batched_tokens=int(profile.memory.max_batched_tokens),
        memory_policy=profile.memory.policy, memory_fraction=float(profile.memory.kv_cache_fraction),
        static_fraction=math.floor(static * 100) / 100, kv_need_bytes=mem.kv_cache_bytes if mem else 0,
        kv_capacity_bytes=mem.kv_capacity_bytes if mem else 0, nodes=max(1, math.ceil(c.gpus / inst)),
        gpus_per_node=min(c.gpus, inst),
        checkpoint=m.checkpoint(prec) or m.checkpoint(resolve_precision(prec, g.vendor)) or m.hf_repo,
    )
