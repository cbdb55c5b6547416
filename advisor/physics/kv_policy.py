"""What a serving engine ALLOCATES for the KV cache of windowed layers, beside what the architecture needs.

``sizing.kv_layout`` is architecture-exact: a sliding-window layer (gpt-oss, Gemma 3) keeps its window, a
chunked-attention layer (Llama 4, 3 of 4 layers, ``attention_chunk_size`` 8192) one chunk. An engine that does not
exploit the window gives those layers the whole context, so fewer sequences fit. The estimate admits sequences
into what the engine allocates (``KvAllocation.layout``); ``moe-advisor size`` stays architectural.

Per layer kind, each engine's policy is recorded with its sources in catalogs/engine.toml
(``[engines.<id>.sliding_window]``, ``[engines.<id>.chunked_attention]``). Bytes one sequence of ``n`` tokens holds
on ``L`` layers of ``b`` bytes per token and window ``W``:

- ``window``: ``L x b x min(n, W)`` (vLLM's hybrid KV cache manager frees the blocks behind the window; it keeps up
  to one more block, 16 tokens by default, not modelled).
- ``full``: ``L x b x n``: one pool for every layer (the kernel still reads only the window: decode reads stay
  windowed; chunked layers kept in full are read in full too, see ``resolve``).
- ``pool`` (SGLang's SWA pool, ``swa_full_tokens_ratio`` r, default 0.8): the pool of a sliding layer holds r
  tokens per token of a full layer's, sized once at start-up
  (``full_max_total_num_tokens = total_tokens / (r x swa_layers + full_layers)`` in ``set_num_token_hybrid``,
  python/sglang/srt/model_executor/model_runner.py), so a sequence is charged ``L x b x max(r x n, min(n, W))``:
  ``r x n`` once ``n >= W / r`` (exact there), the window for shorter contexts (slightly under the pool's charge
  between ``W`` and ``W / r``).

Worked case (tests/test_kv_policy.py): Llama 4 Maverick, BF16 KV (2 x 8 heads x 128 x 2 B = 4,096 B per layer per
token), 22,000 tokens: windowed 12 x 4096 x 22000 + 36 x 4096 x 8192 = 2.29 GB; full 48 x 4096 x 22000 = 4.33 GB
(1.89x).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache

from advisor.domain.serving import SLIDING_KV, ServingProfile
from advisor.domain.specs import ModelSpec
from advisor.errors import InputError
from advisor.physics.sizing import KvLayout, kv_layout

CHUNKED_KV_ARGS = ("full", "chunked")
"""``chunked_kv`` values a caller may pass (``[engines.<id>.chunked_attention].kv``)."""


@dataclass(frozen=True)
class KvAllocation:
    """An engine's KV policy for windowed layers, resolved for one model."""

    sliding: str = "window"
    """One of ``SLIDING_KV``."""
    pool_ratio: float = 0.0
    """``pool``: sliding-layer pool tokens per full-layer token."""
    chunked: str = "chunked"
    """``chunked`` or ``full`` (Llama 4's chunked-attention layers)."""
    engine: str = ""

    def layout(self, m: ModelSpec, kv_precision: str) -> KvLayout:
        """The per-sequence KV layout the engine allocates for ``m`` (``m`` already resolved by ``resolve``)."""
        return allocated_layout(kv_layout(m, kv_precision), self.sliding, self.pool_ratio)

    def label(self, m: ModelSpec) -> str:
        """What the memory line says of the policy ("" when the model has no windowed layers)."""
        parts = []
        if m.sliding_window_layers:
            parts.append({"window": f"sliding-window layers keep their {m.sliding_window:,}-token window",
                          "full": "sliding-window layers hold the whole context",
                          "pool": f"sliding-window layers in a pool of {self.pool_ratio:g}x the full layers' tokens"}[self.sliding])
        if m.chunked_layers or self.chunked == "full":
            parts.append("chunked-attention layers hold the whole context" if self.chunked == "full"
                         else f"chunked-attention layers keep one {m.attention_chunk_size:,}-token chunk")
        return (f"{self.engine}: " if self.engine and parts else "") + "; ".join(parts)


def resolve(m: ModelSpec, engine: ServingProfile, chunked_kv: str | None = None,
            sliding_kv: str | None = None) -> tuple[ModelSpec, KvAllocation]:
    """(model as the engine runs it, its KV allocation): explicit ``chunked_kv`` / ``sliding_kv`` win over the
    engine's catalog policy; none recorded means windowed. Chunked layers kept in full are also read in full in
    decode (TensorRT-LLM applies chunked attention to context requests only), so the model itself loses its
    chunks; sliding layers kept in full are still read over the window only (vLLM's own warning when its hybrid
    manager is off: "The compute of layers like sliding window is still saved")."""
    if chunked_kv not in (None, *CHUNKED_KV_ARGS):
        raise InputError("chunked_kv", f"must be 'full' or 'chunked', got {chunked_kv!r}")
    if sliding_kv not in (None, *SLIDING_KV):
        raise InputError("sliding_kv", f"must be one of {', '.join(SLIDING_KV)}, got {sliding_kv!r}")
    chunked = chunked_kv or engine.chunked_attention_kv or "chunked"
    had_chunks = bool(m.chunked_layers)
    if chunked == "full" and had_chunks:
        m = dataclasses.replace(m, chunked_layers=0, attention_chunk_size=0)
    sliding = sliding_kv or engine.sliding_window_kv(m.id) or "window"
    ratio = engine.sliding_window.pool_ratio if engine.sliding_window is not None else 0.0
    if sliding == "pool" and not ratio:
        ratio = 0.8  # SGLang's default swa_full_tokens_ratio (python/sglang/srt/server_args.py)
    return m, KvAllocation(sliding=sliding, pool_ratio=ratio, chunked=chunked if had_chunks else "chunked", engine=engine.id)


@lru_cache(maxsize=4096)
def allocated_layout(layout: KvLayout, sliding: str, pool_ratio: float = 0.0) -> KvLayout:
    """``layout`` with its sliding-window groups as ``sliding`` allocates them (module docstring)."""
    if sliding == "window" or not any(g.kind == "sliding window" for g in layout.groups):
        return layout
    groups = tuple(g if g.kind != "sliding window" else
                   dataclasses.replace(g, window_tokens=0, kind="sliding window, kept in full") if sliding == "full" else
                   dataclasses.replace(g, pool_fraction=pool_ratio, kind=f"sliding window, pool {pool_ratio:g}x")
                   for g in layout.groups)
    note = ("; the engine keeps sliding-window layers for the whole context" if sliding == "full" else
            f"; the engine's sliding-window pool holds {pool_ratio:g} token per full-layer token")
    return dataclasses.replace(layout, groups=groups, formula=layout.formula + note)
