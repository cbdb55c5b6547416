"""The small-batch decode floor of a large MoE: what sets it, and the one engine-specific term it needed.

At a few sequences a decode step reads few bytes per GPU (DeepSeek-R1 FP8, TP8, one sequence: ~4.7 GB per H200,
~1.2 ms) and is made of fixed costs, which ``advisor.physics.performance`` already charges per step:
    kernels      ``kernel_floor_us`` (5 us, calibration.KERNEL_FLOOR_US) x the kernels one step launches, counted from
                 the architecture (``kernels_per_step`` below: DeepSeek-R1 1,199, i.e. ~20 per layer -> 6.0 ms)
    collectives  ``allreduce_latency_us`` (8 us) x 2 per layer under tensor parallelism (DeepSeek-R1 TP8: 1.0 ms)
    per layer    ``layer_overhead_us`` (4 us) x layers; per step ``step_overhead_us`` (200 us: scheduling, sampling)
    expert reads E x (1 - (1 - k/E)^B) distinct experts (``moe.experts_touched``), 1/TP of each under TP or the
                 busiest rank's under EP: 8 of DeepSeek-R1's 256 per layer at one sequence, 30.5 at four.
Published single-stream runs say this floor is right where the engine's MoE path is fused (checked 2026-12-04):
    SGLang 0.5.6.post1, DeepSeek-R1-0528 FP8, 8x B200 TP8, one request (sgl-cookbook DeepSeek-R1.md, 5.1 Speed
      Benchmark, https://github.com/sgl-project/sgl-cookbook/blob/main/docs/autoregressive/DeepSeek/DeepSeek-R1.md):
      TPOT 9.16 / 9.21 / 9.26 ms at 1k/1k, 1k/8k, 8k/1k; the estimate gives 8.98-9.01 ms (+3% to +5% output tokens/s);
    SGLang 0.5.6, Qwen3-235B-A22B BF16, 8x B200 TP8, one request (calibration row sglcb-q235-b200-sgl-tp8-1k1k-c1): +3%;
    vLLM 0.11.0, dense Qwen3-8B BF16, 1x H100, 4 requests (GPUStack performance lab,
      https://docs.gpustack.ai/latest/performance-lab/qwen3-8b/h100-latency, TPOT 7.38 ms, 496.9 tok/s): +3%.
So neither the per-kernel floor, nor the collectives, nor the expert-read count is missing for MoE in general: a
single added per-kernel or per-collective cost would push those rows 15-20% too slow (tried: the activation-quant
kernel of every block-scaled FP8 GEMM, 7 per DeepSeek layer, 421 per step at 5 us, takes the SGLang B200 rows
from +4% to -16%).

What the floor misses is vLLM's MoE layer at a few tokens: the same runs on vLLM are 17-87% faster in the estimate
than measured (GPUStack performance lab, vLLM 0.10.2/0.11.0 ``vllm bench serve --max-concurrency 4``, ShareGPT:
DeepSeek-R1 8x H200 TP8 TPOT 19.4 ms vs 10.8 estimated; gpt-oss-120b 1x H100 8.3 ms vs 6.3; 2x H100 with async
scheduling 6.2 vs 5.3), while vLLM's dense path is not (Qwen3-8B above). vLLM runs these MoE layers through its own
Triton kernels on Hopper (``fused_moe`` for FP8/BF16, ``triton_kernels`` matmul_ogs for MXFP4:
https://github.com/vllm-project/vllm/tree/main/vllm/model_executor/layers/fused_moe), where TensorRT-LLM (whose
fused-MoE op the 5 us kernel floor was set on) and SGLang on Blackwell run CUTLASS / TensorRT-LLM-generated grouped
GEMMs. The runs do not isolate the mechanism (a longer minimum duration of the Triton grouped GEMMs at ~1 token per
expert, the extra launches around them, or host time not overlapped without ``--async-scheduling``). A kernel
measurement supports the first: on an H200 (scripts/kernel_bench.py, docs/measurements/), grouped GEMMs at one token
per expert read weights at 0.24-0.67 of HBM against 0.84-0.89 for dense GEMMs, and DeepSeek-V3's TP8 expert slices in
FP8 at 0.33 (32 active experts, as at four requests: 141 us a layer against the 46 us the roofline gives). Those are
PyTorch's CUTLASS grouped GEMMs, not vLLM's tuned Triton ones, so the difference is not taken over; it is
modelled as a fixed time per MoE layer per step, vLLM's own ``moe_layer_overhead_us`` (``[engines.vllm.factors]``;
0 for the other engines): batch-independent, so it is the whole difference at one sequence and vanishes at the
batches of the max-throughput rows. Fitted by scripts/fit_moe_floor.py (``VLLM_MOE_LAYER_US``).
"""

from __future__ import annotations

from advisor.domain.precision import resolve_precision, scheme
from advisor.domain.specs import GpuSpec, ModelSpec

VLLM_MOE_LAYER_GRID = (0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 35.0, 40.0, 50.0, 60.0, 80.0, 100.0, 120.0)
"""Values scripts/fit_moe_floor.py tries for vLLM's ``moe_layer_overhead_us`` (us per MoE layer per step)."""

VLLM_MOE_LAYER_US = 50.0
"""vLLM's fixed time per MoE layer per decode step (``[engines.vllm.factors] moe_layer_overhead_us``), fitted by
scripts/fit_moe_floor.py on the scored vLLM MoE rows at <= 8 concurrent requests (GPUStack performance lab, vLLM
0.10.2/0.11.0, 4 requests, ShareGPT: DeepSeek-R1 8x H200 TP8, gpt-oss-120b 1x H100, 2x H100 async, 1x A100): among
the values that cost the other rows at most ``calibration.FLOOR_TOLERANCE`` of ``calibration.score`` (all of the grid
here), those with the best score, and of them the lowest median |error| on those rows. Alone, the rows would want 163
(DeepSeek-R1, 58 MoE layers), 58 and 25 (gpt-oss on 1 and 2 H100, 36 MoE layers) and ~70 us (1 A100, Marlin); at 50
us DeepSeek-R1 stays +48% too fast (from +87%), gpt-oss on one H100 +3.5% (from +31%), on two H100 -13% (from +17%),
on one A100 +10% (from +31%; -4% with the old compute-bound expert term and no MoE-layer time). The A100 row pays it too since ``moe.weight_only_gemm_efficiency``: its experts were
compute-bound at one token per expert before (the Hopper-fitted per-expert term at the BF16 rate), which covered
this time; bound by their 4-bit weight reads, they leave vLLM's fixed MoE-layer time to be charged on Marlin as on
Triton."""


def triton_moe_path(gpu: GpuSpec, precision: str) -> bool:
    """False where vLLM serves the experts weight-only through its Marlin MoE kernels instead of the Triton ones:
    quantized experts (under 2 bytes a weight) on a GPU without FP8 tensor cores (Ampere and older; FP8 and MXFP4
    checkpoints run as W8A16 / W4A16 Marlin there: https://docs.vllm.ai/en/stable/features/quantization/fp8/ and the
    engine's hardware notes in catalogs/engine.toml). Both pay ``moe_layer_us`` (see ``VLLM_MOE_LAYER_US``)."""
    return bool(gpu.fp8_tflops) or scheme(resolve_precision(precision, gpu.vendor)).experts.bytes_per_param >= 2.0


def moe_layer_us(engine_us: float, gpu: GpuSpec, precision: str) -> float:
    """The engine's fixed time per MoE layer per step (``moe_layer_overhead_us``) on ``gpu`` for ``precision``'s
    experts, on the Triton and the Marlin path (``triton_moe_path``) alike (``VLLM_MOE_LAYER_US``)."""
    return engine_us


ATTENTION_KERNELS = {"gqa": 5, "mla": 9, "csa": 9}
"""Kernels of one attention block in decode: norm, QKV GEMM, RoPE + KV append, attention, output GEMM; MLA adds
the q/kv down-projection norms and the two weight-absorb BMMs (DeepSeek V3 modelling code in vLLM/SGLang)."""
DENSE_FFN_KERNELS = 4
"""norm, gate/up GEMM, activation, down GEMM."""
MOE_KERNELS = 8
"""norm, router GEMM, top-k, permute/align, grouped GEMM 1, activation, grouped GEMM 2, finalize/unpermute; a
shared expert adds a dense FFN's 3 (its norm is shared)."""


def kernels_per_step(m: ModelSpec) -> int:
    """Kernels one decode step launches over all layers, counted from the architecture (collectives apart: they
    are charged ``allreduce_latency_us`` each). With ``kernel_floor_us`` per kernel this is the per-layer latency
    floor a small batch cannot get under: aiconfigurator-core 0.12.0's fused-MoE op (8 kernels here) takes
    30-40 us per layer at one token on H100/H200 (Qwen3, Maverick, Mixtral; TP8 and EP8) and its decode
    attention kernel 6.5-11 us at batch 1, i.e. ~4-5 us per kernel over the bytes it moves (calibration.KERNEL_FLOOR_US)."""
    att = ATTENTION_KERNELS.get(m.attention, ATTENTION_KERNELS["gqa"])
    moe = m.moe_layers if m.is_moe else 0
    moe_k = MOE_KERNELS + (DENSE_FFN_KERNELS - 1 if m.n_shared_experts else 0)
    return m.num_hidden_layers * att + (m.num_hidden_layers - moe) * DENSE_FFN_KERNELS + moe * moe_k
