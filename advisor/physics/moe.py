"""MoE kernel terms: which experts a batch reads, how unevenly they load the expert-parallel ranks, and how
efficient grouped GEMMs are at a few tokens per expert.

Expert reads      E x (1 - (1 - k/E)^(B/skew))                     (``experts_touched``)
EP max load       a rank's share of B k routed tokens is a binomial with mean mu = B k / n; the busiest of n
                  ranks carries about mu + sqrt(2 ln n x mu) (Gaussian max of n draws), so the step waits on
                  1 + imbalance x sqrt(2 ln n / mu) times the mean (``ep_max_load``, capped at n); for the compute-bound
                  grouped GEMMs at least the routing floor, 1 + 0.45 ln(n) / ln 8 (``ep_routing_floor``, ``ep_compute_load``:
                  skewed routing does not average out).
Grouped GEMM      compute efficiency relative to the dense GEMM fit (``grouped_gemm_efficiency``):
                      eff_moe x t / (t / (s x r_fmt) + t_half),   s = N / (N + N_half)
                  i.e. the grouped GEMM's time is FLOPs / (dense rate x eff_moe) x (1 / (s x r_fmt) + t_half / t): a
                  throughput part, slowed by the expert's shape and the format, plus a per-expert part (t_half / t: tile
                  ramp and padding at a few tokens per expert) that neither changes -- the tables show no shape effect
                  at a few tokens per expert. t = routed tokens per activated expert; N = the expert's intermediate size (the gate/up GEMM's N/2
                  and the down GEMM's K): fine-grained experts carry more of the fused op's per-token work (routing,
                  permute, activation, finalize) per GEMM FLOP (``expert_shape_efficiency``, N_half = EXPERT_N_HALF); r_fmt = the
                  grouped kernels' rate in the experts' format relative to the dense kernels the per-GPU factors are
                  fitted on (``grouped_format_rate``): NVFP4 grouped GEMMs on Blackwell reach about the FP8 rate, not
                  the 2x a dense FP4 GEMM gets, and block-scaled FP8 (DeepSeek-style 128x128 scales) is slower than
                  per-tensor FP8 in Hopper's grouped GEMMs (free on Blackwell and in dense GEMMs). Both terms are
                  measured on aiconfigurator-core 0.12.0's TensorRT-LLM 1.3.0rc20 fused-MoE and GEMM tables (EXPERT_N_HALF,
                  GROUPED_FORMAT_RATE); memory-bound expert reads are unaffected.
Weight-only       W4A16 / W8A16 experts (``weight_only``: stored under 2 bytes, multiplied at the BF16 rate) instead:
                      eff_moe x t / (max(t, 16) + t x N_half / N)            (``weight_only_gemm_efficiency``)
                  each expert padded to a 16-row tile (Marlin-style kernels), so bound by the weight reads at few
                  tokens per expert and by the BF16 rate x eff_moe x shape at many.
Routing           permute + finalize move every routed token's activation twice (read + write, bf16):
                  8 x h bytes per token per top-k copy per MoE layer (``permute_bytes``), plus a fixed
                  ``moe_layer_overhead_us`` per MoE layer per step for the router, top-k and the extra launches.
"""

from __future__ import annotations

import math
from functools import lru_cache


def experts_touched(n_experts: int, top_k: int, tokens: float, skew: float = 1.0) -> float:
    """Expected distinct experts hit when ``tokens`` tokens each pick ``top_k`` of ``n_experts``.

    Uniform routing gives E x (1 - (1 - k/E)^B); a skew > 1 (popular experts) concentrates picks, which
    we model as B/skew independent tokens.
    """
    if n_experts <= 0 or tokens <= 0:
        return 0.0
    eff = tokens / max(1.0, skew)
    return n_experts * (1.0 - (1.0 - top_k / n_experts) ** eff)


def ep_max_load(routed_tokens: float, ranks: int, imbalance: float = 1.0) -> float:
    """Busiest rank's load over the mean when ``routed_tokens`` token-expert pairs spread over ``ranks``."""
    if ranks <= 1 or routed_tokens <= 0:
        return 1.0
    mu = routed_tokens / ranks
    return min(float(ranks), 1.0 + imbalance * math.sqrt(2.0 * math.log(ranks) / mu))


EP_ROUTING_FLOOR = 1.45
"""Busiest expert-parallel rank's share of the routed tokens over the mean, at least, for the compute-bound part of
the grouped GEMMs, at EP8 (``ep_routing_floor`` scales it to other rank counts). The binomial term of ``ep_max_load``
vanishes at large batches (1.03 at 4,096 tokens per rank), as if routing were uniform; skewed routing does not average
out. Measured on aiconfigurator-core 0.12.0's TensorRT-LLM 1.3.0rc20 fused-MoE tables (moe_perf.parquet, H100/H200/B200,
EP8, the throughput kernels moe_torch_flow(_cutlass) and deepgemm, 125 combinations of shape and format with >= 128
experts, DeepSeek-V3, Kimi K2, Qwen3, gpt-oss and Maverick shapes among them): the tables' power-law routing (exponent
1.01) over their balanced routing takes 1.0x (median) the time at <= 256 tokens (memory-bound: the floor does not apply
there), 1.21x at 1-4k and 1.46x (quartiles 1.37-1.58) at >= 4k tokens, where the op is compute-bound and the ratio is
the busiest rank's load. The power law is the tables' assumption about routing, not a measurement of these models'
routing (none is published for the calibration runs); no calibration row runs expert-parallel, so the value is not
fitted on them. Mixtral's 8 experts are not in the 125 (the same power law gives them 2-3.5x); Maverick's top-1 of 128
is, and scatters (0.9-7x)."""

EP_ROUTING_SLOPE = EP_ROUTING_FLOOR - 1.0
"""Growth of the routing floor per natural log of the EP rank count over ln 8 (``ep_routing_floor``)."""


@lru_cache(maxsize=256)  # a handful of rank counts, asked once per expert-parallel step evaluation
def ep_routing_floor(ranks: int) -> float:
    """Busiest rank's load over the mean under skewed routing, at least, for ``ranks`` expert-parallel ranks:
    1 + (EP_ROUTING_FLOOR - 1) x ln(ranks) / ln 8, i.e. 1.15 at EP2, 1.30 at EP4, 1.45 at EP8, 1.60 at EP16, 1.75 at EP32
    (1.0 without expert parallelism).

    The busiest of n ranks under a fixed skew of the experts' popularity departs from the mean by a term that grows
    with the spread of n draws, ~ln n for the heavy-tailed loads of a power law. Measured on aiconfigurator-core
    0.12.0's TensorRT-LLM 1.3.0rc20 fused-MoE tables (moe_perf.parquet on H100/H200/B200, moe_tp 1, >= 64 experts,
    the throughput kernels; median of power-law-1.01 over balanced time at > 4k tokens, where the op is compute-bound,
    ~500 shape x format x GPU points per rank count, ``scripts/kernel_table_check.py`` and docs/measurements/): 1.17 at
    EP2, 1.29 at EP4, 1.47 at EP8, 1.71 at EP16, 1.95 at EP32 (EP1 1.09: the busiest expert within one rank, not
    modelled). A single EP8 floor charged EP2 and EP4 layouts 1.45 where the tables give 1.17 and 1.29: the composed
    step of Qwen3-30B-A3B on 2x H200 (attention TP2 + EP2) had its experts at 1.6x the tables' power-law time."""
    if ranks <= 1:
        return 1.0
    return 1.0 + EP_ROUTING_SLOPE * math.log(ranks) / math.log(8.0)


def ep_compute_load(routed_tokens: float, ranks: int, imbalance: float = 1.0, floor: float | None = None) -> float:
    """Busiest rank's routed tokens over the mean for its grouped-GEMM FLOPs: max(``ep_max_load``, ``floor``), at most
    ``ranks`` (1 without expert parallelism); ``floor`` defaults to ``ep_routing_floor(ranks)``."""
    if ranks <= 1 or routed_tokens <= 0:
        return 1.0
    if floor is None:
        floor = ep_routing_floor(ranks)
    return min(float(ranks), max(ep_max_load(routed_tokens, ranks, imbalance), floor))


EXPERT_N_HALF = 800.0
"""Expert intermediate size at which a grouped GEMM runs at half the compute efficiency of a very wide expert.
Fitted (least squares on the log of measured / modelled time, one free level per GPU, format and tokens per expert) on
aiconfigurator-core 0.12.0's TensorRT-LLM 1.3.0rc20 fused-MoE tables (moe_perf.parquet, h200_sxm and b200_sxm, EP8,
balanced routing, >= 256 tokens per expert, bf16/fp8/fp8_block/nvfp4) over six shapes: Qwen3-30B-A3B (N 768),
Qwen3-235B-A22B (1536), DeepSeek-V3 (2048), Llama 4 Maverick (8192), Mixtral 8x7B (14336) and 8x22B (16384). The
squared error falls from 8.9 (no shape term) to 2.4 at 800 (2.6 at 600, 2.7 at 1000): at the same tokens per
expert, Qwen3-30B's experts take ~2x Mixtral's time per FLOP and DeepSeek-V3's ~1.4x. The time is not the grouped
GEMM's: measured alone on an H200 (scripts/kernel_bench.py, docs/measurements/), a BF16 grouped GEMM on Qwen3-30B's
768-wide experts runs at 0.87 of the dense GEMM's rate at 1,024 tokens per expert. What the tables add is the fused op's per-token work
around the GEMMs (routing, permute, activation, finalize: tokens x top-k x hidden), i.e. 1/N of the GEMMs' FLOPs --
the same N / (N + N_half) form. Measured unfused on the same H200, those stages take 1.5-2.0x the grouped GEMMs' time
for Qwen3-30B (N_half / N = 1.04) down to 0.05-0.15x for Maverick (0.10): about twice the fused op's, in the same
order."""

GROUPED_FORMAT_RATE = {"fp4": 0.6, "fp8_block_hopper": 0.7}
"""Grouped-GEMM compute rate in a format relative to what the dense fit gives it (aiconfigurator-core 0.12.0, TensorRT-LLM
1.3.0rc20, EP8, balanced routing, 256-1024 tokens per expert, after the shape term):
``fp4``               NVFP4 fused MoE on B200 takes 1.6-1.8x the time the model gives it relative to FP8 on the same
                      GPU (Qwen3-235B EP8 at 512 tokens/expert: 256 us NVFP4 vs 251 us FP8; DeepSeek-V3 at 256: 547 us vs
                      502 us FP8 block-scaled), while a dense NVFP4 GEMM runs 1.65x faster than FP8 (8192^3: 285 vs 471 us),
                      which the B200 rows (dense NVFP4) are fitted on: 1/1.7 = 0.6. Applies to FP4 experts on GPUs with FP4
                      tensor cores (MXFP4 assumed alike: not in the tables).
``fp8_block_hopper``  block-scaled FP8 fused MoE on H200 takes 1.3-1.6x per-tensor FP8's time (Qwen3-235B EP8 at 512 and
                      1024 tokens/expert: 674 vs 379 us, 1338 vs 714 us; Mixtral 8x7B 820 vs 553 us), 1.45x after the shape
                      term: 0.7. Dense block-scaled FP8 GEMMs match per-tensor ones on H200 (8192^3 at m 4096: 482 vs 461 us),
                      and on B200 block scaling costs the fused MoE under 1.2x (not modelled)."""


def expert_shape_efficiency(intermediate_size: float, n_half: float = EXPERT_N_HALF) -> float:
    """N / (N + N_half): grouped-GEMM efficiency of experts of intermediate size N relative to infinitely wide ones."""
    if intermediate_size <= 0:
        return 1.0
    return intermediate_size / (intermediate_size + n_half)


def grouped_format_rate(compute: str, block_scaled: bool, fp4_cores: bool) -> float:
    """Grouped-GEMM rate factor of the experts' ``compute`` format (bf16, fp8, int8, fp4) on a GPU with (``fp4_cores``:
    Blackwell) or without FP4 tensor cores; ``block_scaled``: FP8 with 128x128 block scales (GROUPED_FORMAT_RATE)."""
    if compute == "fp4" and fp4_cores:
        return GROUPED_FORMAT_RATE["fp4"]
    if compute == "fp8" and block_scaled and not fp4_cores:
        return GROUPED_FORMAT_RATE["fp8_block_hopper"]
    return 1.0


WEIGHT_ONLY_TILE_TOKENS = 16.0
"""Rows of the smallest tile a weight-only (W4A16 / W8A16) grouped GEMM computes per expert: an expert with t < 16
routed tokens costs the tensor-core work of 16 rows (``weight_only_gemm_efficiency``). Ampere's BF16 MMA instruction
is m16n8k16 (16 rows), and the Marlin kernels that serve quantized experts weight-only on Ampere (vLLM's Marlin MoE,
the path vLLM's gpt-oss recipe names for A100: https://github.com/vllm-project/recipes/blob/main/OpenAI/GPT-OSS.md,
read 2026-12-04) pad each expert's tokens to blocks of 16 or more rows."""


def weight_only(expert_bytes_per_param: float, compute_rate: float, bf16_rate: float) -> bool:
    """Whether the experts' grouped GEMMs run weight-only: weights stored under 2 bytes a parameter (INT4, MXFP4, FP8)
    and multiplied at the BF16 rate (INT4 everywhere; FP8 and FP4 on GPUs without those tensor cores, e.g. A100): the
    kernel dequantizes each weight tile to BF16 in registers (Marlin-style W4A16 / W8A16)."""
    return expert_bytes_per_param < 2.0 and compute_rate <= bf16_rate


def weight_only_gemm_efficiency(tokens_per_expert: float, eff_moe: float, shape: float = 1.0,
                                tile: float = WEIGHT_ONLY_TILE_TOKENS) -> float:
    """Compute efficiency, relative to a dense BF16 GEMM, of a weight-only grouped GEMM at t tokens per expert:
    eff_moe x t / (max(t, tile) + t x (1 / shape - 1)).

    A W4A16 kernel reads each touched expert's 4-bit weights once and dequantizes them in registers while the next
    tile loads (Marlin, Frantar et al., https://arxiv.org/abs/2408.11743, read 2026-12-04: "batchsizes up to 16-32 can be
    supported with close to maximum (4x) quantization speedup, and larger batchsizes up to 64-128 with gradually
    decreasing" speedup): its time is max(weight bytes / HBM, tensor-core work / rate). The tensor-core work is that of
    max(t, ``tile``) rows per expert at the BF16 rate x eff_moe, plus the fused op's per-token work of the t real tokens
    (t x N_half / N rows: ``expert_shape_efficiency``, whose 1 / shape - 1 = N_half / N), so eff_moe x shape at many
    tokens, as every grouped GEMM here. No format term: the dequantization overlaps the loads, and weight-only has no
    faster format to fall short of. ``grouped_gemm_efficiency``'s per-expert term (``moe_half_tokens`` = 32 tokens of
    work per expert, fitted on Hopper FP8/BF16 CUTLASS kernels) does not apply: on A100's BF16 rate, 6.4x under
    H100's FP8, it made a W4A16 grouped GEMM compute-bound at one token per expert at 8-23 TFLOP/s (Kimi K2 INT4 on 8x
    A100: 30 ms of a 41 ms step), where its 4-bit weight reads take less. At t <= 16 the work of 16 rows at A100's
    decode BF16 rate is under the 4-bit weights' read time (2 x (16 + N_half / N) / (312 TFLOP/s x 0.45 x 0.85) vs
    0.53 B / 1.6 TB/s per weight: 2.8e-13 vs 3.3e-13 s for Kimi K2's experts), so the step is bound by the weight reads
    there and by the BF16 rate above ~20 tokens per expert."""
    t = max(tokens_per_expert, 1e-9)
    return eff_moe * t / (max(t, tile) + t * (1.0 / shape - 1.0))


def grouped_gemm_efficiency(tokens_per_expert: float, half_tokens: float, eff_moe: float, shape: float = 1.0,
                            fmt: float = 1.0, weight_only: bool = False) -> float:
    """Grouped-GEMM compute efficiency relative to a dense GEMM of the same precision:
    eff_moe x t / (t / (shape x fmt) + half_tokens), ``shape`` = ``expert_shape_efficiency``, ``fmt`` =
    ``grouped_format_rate``: eff_moe x shape x fmt at many tokens per expert, eff_moe x t / half_tokens at few.
    ``weight_only`` (``weight_only``): ``weight_only_gemm_efficiency`` instead."""
    if weight_only:
        return weight_only_gemm_efficiency(tokens_per_expert, eff_moe, shape)
    t = max(tokens_per_expert, 1e-9)
    return eff_moe * t / (t / (shape * fmt) + half_tokens)


def permute_bytes(routed_tokens_on_rank: float, hidden: int) -> float:
    """Bytes the permute and finalize kernels move on one rank in one MoE layer."""
    return 8.0 * routed_tokens_on_rank * hidden
