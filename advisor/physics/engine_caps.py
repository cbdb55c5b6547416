"""The batch limits an engine runs with when nobody sets them: TensorRT-LLM's benchmark heuristic and its per-rank
request cap under attention data parallelism.

trtllm-bench (the tool behind TensorRT-LLM's published throughput tables) picks ``max_batch_size`` and
``max_num_tokens`` itself when they are not given (tensorrt_llm/bench/build/tuning.py, ``calc_engine_setting`` and
``finetune_setting``, in https://github.com/NVIDIA/TensorRT-LLM; read 2026-12-04):

    KV bytes/token      2 x layers x max(TP, num_key_value_heads) x head_size x KV bytes   (FP8 KV: 1, else 2)
                        head_size = config.json head_dim, else hidden_size / num_attention_heads
    engine size         parameters x weight bytes (NVFP4 0.5, FP8 1, else 2)
    requests            (N x GPU memory - engine size) x kv_cache_free_gpu_mem_fraction (0.90, the throughput
                        command's default) / (KV bytes/token x (ISL + OSL))
    raw batch           min(requests, 4096) / PP
    max_batch_size      raw < 256: max(64, 32 x ceil(raw / 32)); raw < 1024: 128 x ceil(raw / 128); else 256 x ceil(raw / 256)
    max_num_tokens      t = min(raw x (1 + ISL / OSL), 32768); t < 4096: max(2048, 256 x ceil(t / 256));
                        t < 8192: 512 x ceil(t / 512); else 1024 x ceil(t / 1024); without chunked prefill (the
                        default) at least ISL + max_batch_size (tensorrt_llm/bench/benchmark/utils/general.py)
    other quantizations (INT4, MXFP4, W4A8): the build defaults, 2048 and 8192 (tensorrt_llm/bench/build/build.py)

The KV formula is the GQA one for every model. For MLA models (DeepSeek-V3/R1, Kimi K2) it counts 128 (64) "KV
heads" of hidden / heads = 56 (112) dimensions, 14,336 values per layer and token where the latent cache holds 576:
25x, so trtllm-bench sizes their batch 25x below what the cache holds (DeepSeek-R1 NVFP4 on 8x B200 at 804/4,043
tokens: 384 sequences), while for GQA models the heuristic lands at or above the KV capacity the estimate computes
(no binding cap).

Under attention DP every rank schedules its own requests with the same settings (tensorrt_llm/_torch/pyexecutor/
py_executor.py: ``max_num_active_requests = model_engine.get_max_num_sequences()`` per rank, tightened by
``derive_attention_dp_per_rank_request_cap`` to ``max_num_tokens // (1 + draft tokens)``): the per-rank cap is
min(max_batch_size, max_num_tokens), and trtllm-bench's max_batch_size, computed for the whole deployment, becomes
each rank's cap.
"""

from __future__ import annotations

import math
from functools import lru_cache

from advisor.domain.serving import ServingProfile
from advisor.domain.specs import GpuSpec, ModelSpec
from advisor.physics.layouts import Parallelism, batch_cap
from advisor.physics.sizing import param_breakdown

BENCH_KV_FRACTION = 0.90
"""trtllm-bench throughput's default --kv_cache_free_gpu_mem_fraction."""
BENCH_MAX_REQUESTS = 4096
BUILD_DEFAULTS = (2048, 8192)
"""BuildConfig's max_batch_size and max_num_tokens, used for quantizations the heuristic does not tune."""
_WEIGHT_BYTES = {"bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "nvfp4": 0.5, "fp4": 0.5}


def _round_up(raw: float, floor: int, tiers: tuple[tuple[float, int], ...]) -> int:
    """``raw`` rounded up to the step of the first tier whose limit it is under (the last tier has no limit), at least
    ``floor``: trtllm-bench's rounding of max_batch_size and max_num_tokens."""
    step = next(step for limit, step in tiers if raw < limit)
    return max(floor, step * math.ceil(raw / step))


def _round_batch(raw: float) -> int:
    return _round_up(raw, 64, ((256, 32), (1024, 128), (math.inf, 256)))


def _round_tokens(raw: float) -> int:
    return _round_up(raw, 2048, ((4096, 256), (8192, 512), (math.inf, 1024)))


def bench_kv_bytes_per_token(m: ModelSpec, tp: int, kv_precision: str) -> float:
    """KV bytes per token as trtllm-bench's heuristic counts them (GQA formula, MLA included)."""
    kv_bytes = 1.0 if kv_precision == "fp8" else 2.0
    if m.attention in ("mla", "csa"):
        head_size = m.hidden_size / m.num_attention_heads  # MLA configs carry no head_dim
    else:
        head_size = m.head_dim or m.hidden_size / m.num_attention_heads
    heads = max(tp, m.num_key_value_heads or m.num_attention_heads)
    return 2.0 * m.num_hidden_layers * heads * head_size * kv_bytes


@lru_cache(maxsize=4096)
def trtllm_bench_settings(m: ModelSpec, gpu: GpuSpec, tp: int, pp: int, precision: str, kv_precision: str,
                          input_tokens: int, output_tokens: int) -> tuple[int, int]:
    """(max_batch_size, max_num_tokens) trtllm-bench picks for ``m`` on ``tp`` x ``pp`` GPUs (module docstring)."""
    wbytes = _WEIGHT_BYTES.get(precision)
    if wbytes is None:
        return BUILD_DEFAULTS
    gib = 2.0 ** 30
    engine = param_breakdown(m).total * wbytes / gib
    available = gpu.memory_gib * tp * pp - engine
    per_request = bench_kv_bytes_per_token(m, tp, kv_precision) / gib * (input_tokens + output_tokens)
    requests = max(0.0, available * BENCH_KV_FRACTION / per_request)
    raw = min(requests, BENCH_MAX_REQUESTS) / pp
    batch = _round_batch(raw)
    tokens = _round_tokens(min(raw * (1.0 + input_tokens / output_tokens), 32768))
    return batch, max(tokens, input_tokens + batch)


def attention_dp_rank_cap(max_batch_size: int, max_num_tokens: int, draft_tokens: int = 0) -> int:
    """Requests one attention-DP rank schedules: min(max_batch_size, max_num_tokens // (1 + draft tokens))."""
    return min(int(max_batch_size), int(max_num_tokens) // (1 + max(0, draft_tokens)))


def engine_cap(m: ModelSpec, gpu: GpuSpec, gpus: int, precision: str, kv_precision: str, engine: ServingProfile,
               lay: Parallelism, input_tokens: int, output_tokens: int) -> int:
    """Sequences ``engine`` schedules at once over the deployment: its cap per scheduler, one scheduler per
    attention-DP rank (``layouts.batch_cap``). TensorRT-LLM's cap is the max_batch_size trtllm-bench picks for the
    deployment and request shape (the tool its published tables are measured with), per rank under attention DP and
    at most max_num_tokens there; the other engines' is their documented default (``max_batch``)."""
    if engine.id != "trtllm":
        return batch_cap(engine.efficiency.max_batch, lay)
    pp = lay.pipeline_parallel
    b, t = trtllm_bench_settings(m, gpu, max(1, gpus // pp), pp, precision, kv_precision, input_tokens, output_tokens)
    if lay.data_parallel > 1:
        b = attention_dp_rank_cap(b, t)
    return batch_cap(b, lay)
