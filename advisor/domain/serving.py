"""The serving profile: how the serving engine behaves, as the throughput model sees it.

One frozen, validated value built from ``catalogs/engine.toml`` (and a user override over it): the fitted
efficiency factors, the engine's memory policy, per-GPU multipliers and per-vendor overrides (AMD GPUs
run vLLM on ROCm, with vLLM's memory policy). A factor missing from the catalog is a catalog error, never
a silent default. Imports nothing from the rest of the advisor.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar

KV_ADMISSION = ("average", "max")
MEMORY_POLICIES = ("free_fraction", "total_fraction")


@dataclass(frozen=True)
class Efficiency:
    """Fitted efficiency factors of the roofline model (``[factors]``)."""

    eff_bw: float
    """Achieved share of the HBM bandwidth in decode."""
    eff_decode: float
    """Achieved share of the dense tensor peak in decode."""
    eff_prefill: float
    """Achieved share of the dense tensor peak in prefill."""
    eff_link: float
    """Achieved share of the interconnect bandwidth."""
    step_overhead_us: float
    """Fixed time per decode step (scheduling, sampling, launch)."""
    layer_overhead_us: float
    """Extra fixed time per layer per step."""
    allreduce_latency_us: float
    """Latency of one collective on the scale-up link (doubled across nodes)."""
    max_batch: int
    """The engine's cap on concurrent sequences."""
    routing_skew: float
    """1 = uniform expert routing; > 1 concentrates tokens on popular experts."""
    kv_admission: str
    """``average`` admits sequences by their mean context, ``max`` by input + output."""
    engine_speed: float
    """Multiplier on every throughput term (an engine relative to the one the factors were fitted on)."""
    eff_moe: float = 0.7
    """Grouped-GEMM (routed experts) compute efficiency relative to a dense GEMM, at many tokens per expert."""
    moe_half_tokens: float = 8.0
    """Routed tokens per activated expert at which the grouped GEMM reaches half of ``eff_moe``."""
    moe_layer_overhead_us: float = 30.0
    """Fixed time per MoE layer per step (router, top-k, permute and finalize launches)."""
    ep_imbalance: float = 1.0
    """Multiplier on the statistical max-over-mean load of expert-parallel ranks (1 = uniform routing)."""
    eff_kv: float = 1.0
    """Decode attention's share of ``eff_bw`` when it streams the KV cache (aiconfigurator-core 0.12.0 decode
    attention reaches 0.4-0.8 of HBM bandwidth against 0.6-0.85 for weight-streaming GEMMs)."""
    kernel_floor_us: float = 0.0
    """Fixed time of every kernel a decode step launches (ramp, tail, inter-kernel gap under CUDA graphs), times the
    kernels per layer counted from the architecture (advisor.physics.performance.kernels_per_step)."""


@dataclass(frozen=True)
class MemoryPolicy:
    """How the engine splits GPU memory (``[memory]``)."""

    policy: str
    """``free_fraction`` (TensorRT-LLM: KV gets a share of what is free after weights and workspace) or
    ``total_fraction`` (vLLM's gpu_memory_utilization: the engine uses at most a share of the GPU)."""
    kv_cache_fraction: float
    max_batched_tokens: int
    """Tokens in one forward pass (prefill chunk): sizes the activation workspace."""
    fixed_overhead_gib: float
    """CUDA context, CUDA graphs, communication buffers per GPU."""


@dataclass(frozen=True)
class GpuMultipliers:
    """Per-GPU multipliers on the fitted efficiencies (``[per_gpu.<id>]``)."""

    eff_decode: float = 1.0
    eff_prefill: float = 1.0
    eff_bw: float = 1.0
    rows: int = 0
    """Calibration rows the multiplier was fitted on."""


@dataclass(frozen=True)
class VendorOverride:
    """What changes on another vendor's GPUs (``[per_vendor.<vendor>]``)."""

    engine: str
    engine_speed: float | None = None
    pairs: tuple[str, ...] = ()
    """The measurement pairs the speed comes from."""
    source: str = ""
    memory: tuple[tuple[str, Any], ...] = ()
    """Memory-policy fields replaced on this vendor's GPUs (field, value)."""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"engine": self.engine}
        if self.engine_speed is not None:
            out["engine_speed"] = self.engine_speed
        if self.pairs:
            out["pairs"] = list(self.pairs)
        if self.source:
            out["source"] = self.source
        if self.memory:
            out["memory"] = dict(self.memory)
        return out


@dataclass(frozen=True)
class FitStats:
    """How well the factors fit the calibration set (``[fit]``), as recorded by the fit."""

    rows: int
    median_abs_error: float
    p90_abs_error: float
    median_signed_error: float
    method: str


LORA_MOE = ("experts", "attention", "none")
"""What an engine's LoRA serving adapts on an MoE: the expert projections too, the attention (and shared
layers) only, or nothing."""


@dataclass(frozen=True)
class LoraSupport:
    """Multi-LoRA serving of an engine (``[engines.<id>.lora]``): where it serves adapters, and its flags."""

    dense: bool
    """Serves LoRA adapters on dense decoder models."""
    moe: str
    """One of ``LORA_MOE``."""
    flags: str
    """The launch flags that turn it on and size it (e.g. ``--enable-lora --max-loras N --max-lora-rank R``)."""
    source: str
    """The engine's documentation page (and the pull request that added MoE support, where one did)."""
    as_of: str
    notes: str = ""

    def serves(self, is_moe: bool, experts_targeted: bool) -> bool:
        if not is_moe:
            return self.dense
        return self.moe == "experts" or (self.moe == "attention" and not experts_targeted)


PRECISION_NEEDS = ("native", "weight-only")
"""What an engine needs of a GPU to serve a precision: its tensor cores for that format (``native``), or nothing
(``weight-only``: the weights are stored in the format and dequantized to BF16 for the matmuls, e.g. vLLM's FP8
Marlin W8A16 on Ampere)."""


@dataclass(frozen=True)
class HardwareSupport:
    """``[engines.<id>.hardware]``: what each listed precision needs of the GPU; unlisted precisions run wherever
    the engine runs."""

    needs: tuple[tuple[str, str], ...]
    """(precision, one of ``PRECISION_NEEDS``)."""
    source: str
    as_of: str
    notes: str = ""

    def need(self, precision: str) -> str:
        """The need of ``precision`` ("" when the catalog says nothing about it)."""
        return next((n for p, n in self.needs if p == precision), "")

    @classmethod
    def from_table(cls, raw: dict[str, Any], precisions: tuple[str, ...] = ()) -> HardwareSupport:
        """From ``{<precision> = "native" | "weight-only", source, as_of, notes}``; ValueError(field, message)."""
        text = _sourced(raw)
        needs = tuple((k, v) for k, v in raw.items() if k not in text)
        for key, value in needs:
            if value not in PRECISION_NEEDS:
                raise ValueError(key, f"must be one of {', '.join(PRECISION_NEEDS)}, got {value!r}")
            if precisions and key not in precisions:
                raise ValueError(key, "names a precision the engine does not list in precisions")
        return cls(needs=needs, **text)


CHUNKED_KV = ("full", "chunked")
"""How an engine keeps the KV cache of chunked-attention layers (Llama 4): for the whole context, or one chunk."""

SLIDING_KV = ("window", "pool", "full")
"""How an engine keeps the KV cache of sliding-window layers (gpt-oss, Gemma 3): the window only (a paged manager
that frees the blocks behind the window), a separate pool sized as a fixed share of the full layers' (SGLang's SWA
pool), or the whole context (one pool for every layer; the kernel still reads only the window)."""


@dataclass(frozen=True)
class _WindowKvTable:
    """A sourced engine table naming the engine's default KV policy for one kind of windowed layer."""

    kv: str
    """One of the subclass's ``CHOICES``."""
    source: str
    as_of: str
    notes: str = ""
    CHOICES: ClassVar[tuple[str, ...]] = ()
    EXTRA: ClassVar[tuple[str, ...]] = ()
    """Fields of the table besides ``kv`` and the sourcing ones."""

    @classmethod
    def _checked(cls, raw: dict[str, Any]) -> dict[str, str]:
        """``kv`` and the sourcing fields of ``raw``; ValueError(field, message) on an unknown field or ``kv``."""
        text = _sourced(raw)
        for key in raw:
            if key not in text and key != "kv" and key not in cls.EXTRA:
                raise ValueError(key, "unknown field")
        if raw.get("kv") not in cls.CHOICES:
            raise ValueError("kv", f"must be one of {', '.join(cls.CHOICES)}, got {raw.get('kv')!r}")
        return {**text, "kv": raw["kv"]}


@dataclass(frozen=True)
class ChunkedAttention(_WindowKvTable):
    """``[engines.<id>.chunked_attention]``: the engine's default KV policy for chunked-attention layers."""

    CHOICES: ClassVar[tuple[str, ...]] = CHUNKED_KV

    @classmethod
    def from_table(cls, raw: dict[str, Any], precisions: tuple[str, ...] = ()) -> ChunkedAttention:
        """From ``{kv = "full" | "chunked", source, as_of, notes}``; ValueError(field, message)."""
        return cls(**cls._checked(raw))


@dataclass(frozen=True)
class SlidingWindowKv(_WindowKvTable):
    """``[engines.<id>.sliding_window]``: the engine's default KV policy for sliding-window layers."""

    pool_ratio: float = 0.0
    """``pool``: tokens a sliding-window layer's pool holds per token of a full layer's (SGLang's
    ``swa_full_tokens_ratio``)."""
    full_for: tuple[str, ...] = ()
    """Model ids the engine keeps in full all the same (it turns its windowed pool off for their architecture)."""
    CHOICES: ClassVar[tuple[str, ...]] = SLIDING_KV
    EXTRA: ClassVar[tuple[str, ...]] = ("pool_ratio", "full_for")

    def kv_for(self, model_id: str) -> str:
        """The policy for ``model_id``: ``full`` where the engine makes an exception for it, else ``kv``."""
        return "full" if model_id in self.full_for else self.kv

    @classmethod
    def from_table(cls, raw: dict[str, Any], precisions: tuple[str, ...] = ()) -> SlidingWindowKv:
        """From ``{kv = "window" | "pool" | "full", pool_ratio, full_for, source, as_of, notes}``; ValueError(field,
        message). ``pool`` needs a ``pool_ratio`` in (0, 1]."""
        checked = cls._checked(raw)
        ratio = raw.get("pool_ratio", 0.0)
        if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0.0 <= ratio <= 1.0:
            raise ValueError("pool_ratio", f"must be a number in [0, 1], got {ratio!r}")
        if raw["kv"] == "pool" and not ratio:
            raise ValueError("pool_ratio", "kv = 'pool' needs the pool's share (0 < pool_ratio <= 1)")
        full_for = raw.get("full_for", [])
        if not isinstance(full_for, list) or not all(isinstance(x, str) for x in full_for):
            raise ValueError("full_for", "must be a list of model ids")
        return cls(pool_ratio=float(ratio), full_for=tuple(full_for), **checked)


def _sourced(raw: dict[str, Any]) -> dict[str, str]:
    """``source`` (the public https:// page), ``as_of`` (ISO date) and optional ``notes`` of an engine-support table."""
    for key in ("source", "as_of", "notes"):
        value = raw.get(key, "")
        if not isinstance(value, str) or (key != "notes" and not value.strip()):
            raise ValueError(key, "must be a string" if key in raw else "missing required field")
    if not raw["source"].startswith("https://"):
        raise ValueError("source", "must be the public page's https:// URL")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw["as_of"]):
        raise ValueError("as_of", f"must be an ISO date (YYYY-MM-DD), got {raw['as_of']!r}")
    return {k: raw.get(k, "") for k in ("source", "as_of", "notes")}


@dataclass(frozen=True)
class ServingProfile:
    """The serving engine as the throughput model sees it."""

    engine: str
    """What the factors describe (e.g. TensorRT-LLM-class kernels)."""
    source: str
    as_of: str
    efficiency: Efficiency
    memory: MemoryPolicy
    per_gpu: tuple[tuple[str, GpuMultipliers], ...] = ()
    per_vendor: tuple[tuple[str, VendorOverride], ...] = ()
    calibrated_models: tuple[str, ...] | None = None
    """Models in the calibration set (None: not recorded, so no extrapolation warning)."""
    calibrated_gpus: tuple[str, ...] = ()
    fit: FitStats | None = None
    kv_precision_for_fp8: str = "fp8"
    """KV precision the calibration rows in FP8 ran with."""
    vendor: str = ""
    """The vendor this profile was resolved for ("" until ``for_vendor``)."""
    serving_engine: str = ""
    """The engine on that vendor's GPUs (from its override), "" when the default applies."""
    id: str = "trtllm"
    """Engine id: ``trtllm``, ``vllm`` or ``sglang``."""
    vendors: tuple[str, ...] = ()
    """GPU vendors the engine runs on (empty: any)."""
    layouts: tuple[str, ...] = ("tp", "tp_ep", "dep", "pp")
    """Parallel layouts the engine supports (advisor.physics.layouts)."""
    precisions: tuple[str, ...] = ()
    """Weight precisions the engine serves (empty: any)."""
    notes: str = ""
    """Where the engine's defaults and relative speed come from (or "uncalibrated")."""
    lora: LoraSupport | None = None
    """Multi-LoRA serving (None: not recorded, so not served)."""
    hardware: HardwareSupport | None = None
    """What precisions need of the GPU (None: not recorded, so every listed precision runs on every GPU)."""
    chunked_attention: ChunkedAttention | None = None
    """KV policy for chunked-attention layers (None: not recorded; the estimate caps their KV at the chunk)."""
    sliding_window: SlidingWindowKv | None = None
    """KV policy for sliding-window layers (None: not recorded; the estimate caps their KV at the window)."""
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __hash__(self) -> int:  # memo keys hash the profile often: compute it once
        h = self._hash
        if not h:
            h = hash(tuple(getattr(self, f.name) for f in dataclasses.fields(self) if f.compare))
            object.__setattr__(self, "_hash", h)
        return h

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without its hash: a string's hash differs from process to process (advisor.common.memo_store)."""
        return {**self.__dict__, "_hash": 0}

    def gpu_multiplier(self, gpu_id: str, key: str, like: str = "") -> float:
        """``gpu_id``'s fitted multiplier ``key``; a GPU with none of its own takes ``like``'s (its
        ``GpuSpec.calibrated_as``: the calibrated GPU of the same architecture and serving software), else 1.0."""
        return float(getattr(self.gpu_multipliers(gpu_id, like) or GpuMultipliers(), key))

    def gpu_multipliers(self, gpu_id: str, like: str = "") -> GpuMultipliers | None:
        """``gpu_id``'s own fitted multipliers, else ``like``'s, else None."""
        return self.own_multipliers(gpu_id) or (self.own_multipliers(like) if like else None)

    def own_multipliers(self, gpu_id: str) -> GpuMultipliers | None:
        for gid, mult in self.per_gpu:  # a few entries: a loop, not a dict built per call (every estimate asks)
            if gid == gpu_id:
                return mult
        return None

    def vendor_override(self, vendor: str) -> VendorOverride | None:
        return next((v for name, v in self.per_vendor if name == vendor), None)

    def for_vendor(self, vendor: str) -> ServingProfile:
        """This profile on ``vendor``'s GPUs: the vendor's memory policy and speed applied (memoized)."""
        if self.vendor == vendor:
            return self
        return _for_vendor(self, vendor)

    def runs_on(self, vendor: str) -> bool:
        return not self.vendors or vendor in self.vendors

    def serves(self, precision: str) -> bool:
        return not self.precisions or precision in self.precisions

    def precision_need(self, precision: str) -> str:
        """What ``precision`` needs of the GPU on this engine: ``native``, ``weight-only`` or "" (not recorded)."""
        return self.hardware.need(precision) if self.hardware is not None else ""

    @property
    def chunked_attention_kv(self) -> str | None:
        """``full`` or ``chunked`` where the catalog records the engine's policy, else None."""
        return self.chunked_attention.kv if self.chunked_attention is not None else None

    def sliding_window_kv(self, model_id: str = "") -> str | None:
        """``window``, ``pool`` or ``full`` for ``model_id``'s sliding-window layers where the catalog records the
        engine's policy, else None."""
        return self.sliding_window.kv_for(model_id) if self.sliding_window is not None else None

    def factors_dict(self, gpu_id: str = "", like: str = "") -> dict[str, Any]:
        """The efficiency factors; for ``gpu_id`` (``like``: its ``calibrated_as``) also the GPU's fitted multipliers on
        them (``gpu_eff_bw`` ...: the effective bandwidth is ``eff_bw x gpu_eff_bw``) and, where borrowed, whose."""
        return {**_factors(self.efficiency), **_gpu_factors(self, gpu_id, like)} if gpu_id else dict(_factors(self.efficiency))

    def assumptions(self) -> dict[str, Any]:
        """The profile as a recommendation states its assumptions."""
        return {
            "engine": self.engine,
            "engine_id": self.id,
            "layouts": list(self.layouts),
            "efficiency_factors": dict(sorted(self.factors_dict().items())),
            "per_vendor": {name: v.as_dict() for name, v in self.per_vendor},
            "memory": dataclasses.asdict(self.memory),
        }


@lru_cache(maxsize=256)
def _gpu_factors(profile: ServingProfile, gpu_id: str, like: str) -> dict[str, Any]:
    """``factors_dict``'s per-GPU part, once per profile and GPU."""
    m = profile.gpu_multipliers(gpu_id, like) or GpuMultipliers()
    borrowed = {"gpu_factors_from": like} if like and profile.own_multipliers(gpu_id) is None and m.rows else {}
    return {"gpu_eff_bw": m.eff_bw, "gpu_eff_decode": m.eff_decode, "gpu_eff_prefill": m.eff_prefill, **borrowed}


@lru_cache(maxsize=64)
def _factors(efficiency: Efficiency) -> dict[str, Any]:
    """``dataclasses.asdict`` of the factors, once per profile (every estimate records them)."""
    return dataclasses.asdict(efficiency)


@lru_cache(maxsize=64)
def _for_vendor(profile: ServingProfile, vendor: str) -> ServingProfile:
    override = profile.vendor_override(vendor)
    if override is None:
        return dataclasses.replace(profile, vendor=vendor)
    efficiency = profile.efficiency
    if override.engine_speed is not None:
        efficiency = dataclasses.replace(efficiency, engine_speed=override.engine_speed)
    out = dataclasses.replace(profile, memory=dataclasses.replace(profile.memory, **dict(override.memory)),
                              efficiency=efficiency, vendor=vendor, serving_engine=override.engine)
    if override.engine in ENGINE_IDS and not profile.runs_on(vendor):
        out = dataclasses.replace(out, id=override.engine, vendors=(), engine=profile.engine if profile.id == override.engine else override.engine)
    return out


ENGINE_IDS = ("trtllm", "vllm", "sglang")
