"""MoE kernel terms: which experts a batch reads, how unevenly they load the expert-parallel ranks, and how
efficient grouped GEMMs are at a few tokens per expert.

Expert reads      E x (1 - (1 - k/E)^(B/skew))                     (``experts_touched``)
EP max load       a rank's share of B k routed tokens is a binomial with mean mu = B k / n; the busiest of n
                  ranks carries about mu + sqrt(2 ln n x mu) (Gaussian max of n draws), so the step waits on
                  1 + imbalance x sqrt(2 ln n / mu) times the mean (``ep_max_load``, capped at n).
Grouped GEMM      efficiency relative to the dense GEMM fit = eff_moe x t / (t + t_half), t = routed tokens per
                  activated expert (``grouped_gemm_efficiency``): aiconfigurator-core 0.12.0's fused-MoE tables
                  reach 0.6-0.85 of HBM bandwidth at 0.5-4 tokens per expert and 0.1-0.5 of peak FLOPs at 16k
                  tokens for fine-grained experts (DeepSeek, Qwen3) against 0.4-0.8 for wide ones (Mixtral, Llama 4).
Routing           permute + finalize move every routed token's activation twice (read + write, bf16):
                  8 x h bytes per token per top-k copy per MoE layer (``permute_bytes``), plus a fixed
                  ``moe_layer_overhead_us`` per MoE layer per step for the router, top-k and the extra launches.
"""

from __future__ import annotations

import math


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


def grouped_gemm_efficiency(tokens_per_expert: float, half_tokens: float, eff_moe: float) -> float:
    """Grouped-GEMM compute efficiency relative to a dense GEMM of the same precision."""
    t = max(tokens_per_expert, 1e-9)
    return eff_moe * t / (t + half_tokens)


def permute_bytes(routed_tokens_on_rank: float, hidden: int) -> float:
    """Bytes the permute and finalize kernels move on one rank in one MoE layer."""
    return 8.0 * routed_tokens_on_rank * hidden
