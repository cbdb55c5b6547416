"""The pause a running stream sees while another prompt is prefilled in chunks beside it (``decode_stall``): the mean
TPOT counts it spread over every token (``Model.cycle``), so it is said on its own, with the chunk size that would keep
it short."""

from __future__ import annotations

import math
from dataclasses import dataclass

from advisor.cost.queueing import prefill_ms, queue_count
from advisor.domain.workload import Workload

STALL_FACTOR = 2.0
"""A prefill chunk's step is flagged when it holds a running stream's next token longer than this many TPOT targets:
a pause of two or more tokens' time shows as a stutter in a stream (a chosen threshold, not a measured one)."""
NOTICEABLE_PAUSE_MS = 250.0
"""...and only when the pause is long enough to notice in streamed text: above the 0.1 s that feels instantaneous
(https://www.nngroup.com/articles/response-times-3-important-limits/); a chosen threshold, like ``STALL_FACTOR``. At
2x TPOT alone most rows of a chat workload were flagged (369 of 521 in bursty-app: 150 ms pauses of a 1,000-token
prefill on one GPU), which hid the stalls that matter (a 32k-token prompt's 8k chunks: 330-370 ms)."""
MIN_CHUNK_TOKENS = 2048
"""The smallest prefill chunk suggested: vLLM's tuning guide gives 2048 as the small, ITL-friendly budget; below
it a chunk's GEMMs fall under the GPUs' compute/bandwidth crossover and prefill throughput drops
(https://docs.vllm.ai/en/latest/configuration/optimization.html, "Chunked Prefill", read 2026-12-04)."""
CHUNK_FLAGS = {"vllm": "--max-num-batched-tokens", "sglang": "--chunked-prefill-size", "trtllm": "max_num_tokens"}
"""The flag that sets the prefill chunk (each engine's per-step token budget; the names deploy writes)."""


@dataclass(frozen=True)
class DecodeStall:
    """A running stream's inter-token gap while another prompt is prefilled in chunks beside it."""

    chunk_tokens: int
    chunks: int
    """Chunks one prompt is prefilled in."""
    stall_ms: float
    """One step holding a chunk: the chunk's prefill work plus the decode step beside it."""
    stalled_ms: float
    """The whole prefill of one prompt, chunk steps end to end: the prefill work plus a decode step per chunk."""
    prefills_per_stream: float
    """Other prompts prefilled on the engine while a stream runs, on average at the peak (``λ × stream time``)."""
    suggested_chunk_tokens: int
    """The largest power-of-two chunk (at least ``MIN_CHUNK_TOKENS``) whose step is within ``STALL_FACTOR`` TPOT
    targets; ``MIN_CHUNK_TOKENS`` when none is; ``chunk_tokens`` (no change) when the prompt fits in one such chunk."""
    suggested_stall_ms: float
    ranks: int = 1
    """Attention ranks whose prefills stall every stream (``dep``: the ranks run each step in lockstep); 1 otherwise."""
    prompt_tokens: int = 0
    """Prompt tokens prefilled (the uncached part): fewer than ``chunk_tokens`` where the prompt fits one chunk."""
    stalled_share: float = 0.0
    """Share of a stream's time that another prompt's chunk holds it at the peak: ``1 − (1 − ρ)^ranks`` with ``ρ`` one rank's
    prefill share (``λ / ranks × S``), the ranks' prefills falling independently (engines that hold prefills to run them
    together across ranks stall less); ``ρ`` for one rank."""


def decode_stall(e, w: Workload, chunk_tokens: int, engines: int, peak_to_mean: float) -> DecodeStall | None:
    """The stall a running stream sees when another user's prompt is prefilled, or None when it is not large against
    the TPOT target (``STALL_FACTOR``) and noticeable (``NOTICEABLE_PAUSE_MS``), or the workload has none. Chunked prefill (vLLM, SGLang, TensorRT-LLM) runs a
    prompt as ``ceil(new tokens / chunk)`` steps of ``chunk`` prompt tokens plus every running stream's decode token:
    each such step takes about the chunk's share of the prefill work (``prefill_ms`` x chunk / new tokens: an average,
    later chunks attend to more context) plus the decode step, and a running stream gets one token per step. The mean
    TPOT averages these gaps away; a stream sees ``λ × (TTFT + output x TPOT)`` other prompts' prefills in its life."""
    if w.latency != "interactive" or not w.tpot_limit_ms or getattr(e, "step", None) is None or chunk_tokens <= 0:
        return None
    new = max(1, e.input_tokens - (getattr(e, "cached_input_tokens", 0) or 0))
    step_ms, work_ms = e.step.total_s * 1000.0, prefill_ms(e)

    def stall(chunk: int) -> float:
        return work_ms * min(1.0, chunk / new) + step_ms

    gap = stall(chunk_tokens)
    if gap < max(STALL_FACTOR * w.tpot_limit_ms, NOTICEABLE_PAUSE_MS):
        return None
    rate = w.mean_requests_per_s * peak_to_mean / max(1, engines)
    stream_s = (e.ttft_ms + w.output_tokens * e.tpot_ms) / 1000.0
    chunk = MIN_CHUNK_TOKENS
    while chunk * 2 < chunk_tokens and stall(chunk * 2) <= STALL_FACTOR * w.tpot_limit_ms:
        chunk *= 2
    if chunk >= new:  # the prompt fits one suggested chunk: smaller chunks do not shorten its step
        chunk = chunk_tokens
    chunks, ranks = math.ceil(new / chunk_tokens), queue_count(e)
    busy = min(1.0, rate / ranks * work_ms / 1000.0)  # one rank's share of time prefilling
    return DecodeStall(chunk_tokens=chunk_tokens, chunks=chunks, stall_ms=gap, stalled_ms=work_ms + chunks * step_ms,
                       prefills_per_stream=rate * stream_s, suggested_chunk_tokens=min(chunk, chunk_tokens),
                       suggested_stall_ms=stall(min(chunk, chunk_tokens)), ranks=ranks, prompt_tokens=new, stalled_share=1 - (1 - busy) ** ranks)
