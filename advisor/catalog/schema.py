"""Catalog validation: a TOML table -> a domain object, or a CatalogError naming file, entry and field.

One rule set for every way data comes in: the bundled and user catalog files, plugin entries, plugin
price sources and the live price cache.
"""

from __future__ import annotations

import dataclasses
import datetime
import typing
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from advisor.domain.precision import PRECISIONS
from advisor.domain.prices import PRICING_KINDS, ApiPrice, GpuPrice
from advisor.domain.serving import (ENGINE_IDS, KV_ADMISSION, LORA_MOE, MEMORY_POLICIES, ChunkedAttention, Efficiency, FitStats,
                                    GpuMultipliers, HardwareSupport, LoraSupport, MemoryPolicy, ServingProfile, SlidingWindowKv, VendorOverride)
from advisor.domain.specs import GpuSpec, ModelSpec, QualityScore
from advisor.errors import CatalogError


def _check_type(value: Any, typ: type) -> bool:
    if typ is bool:
        return isinstance(value, bool)
    if typ is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if typ is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if typ is Decimal:
        return isinstance(value, (str, int, float)) and not isinstance(value, bool)
    return isinstance(value, typ)


_TYPE_NAMES = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", Decimal: "a decimal string"}

# Fields whose value must be > 0 (sizes); others numeric must be >= 0.
_POSITIVE_FIELDS = {"num_hidden_layers", "hidden_size", "num_attention_heads", "num_key_value_heads", "head_dim", "vocab_size",
                    "max_position_embeddings", "memory_gib", "hbm_tbps", "bf16_tflops", "interconnect_gbps", "gpus_per_node",
                    "internode_gbps", "moe_layer_step", "gpus_per_instance"}
_CHOICES = {"pricing": PRICING_KINDS, "billing_increment_s": (1, 60, 3600), "modes": ("reasoning", "non-reasoning"),
            "nvfp4_attention_precision": ("nvfp4", "bf16", "fp8")}
"""Fields whose value must be one of a fixed set."""
_NONNEG_MONEY = {"usd_per_gpu_hour", "input_usd_per_mtok", "output_usd_per_mtok", "cached_input_usd_per_mtok"}
MAX_MONEY = Decimal(100_000)
"""No GPU hour or million tokens costs more; a larger figure is a typo or an attack (``"1e999999999"``)."""
MIN_MONEY = Decimal("1e-9")
"""A non-zero price below this is noise that only overflows the arithmetic (``"1e-999999"``)."""
_MAX_FIELD = {"memory_gib": 65_536, "score": 100, "hbm_tbps": 1_000, "bf16_tflops": 1e6, "interconnect_gbps": 1e6, "internode_gbps": 1e6,
              "cluster_gbps": 1e6, "storage_gbps": 1e6, "gpus_per_node": 4096, "gpus_per_instance": 4096, "minimum_billed_s": 31 * 86400,
              "start_minute_utc": 1439, "end_minute_utc": 1440, "input_multiplier": 100, "output_multiplier": 100, "cached_input_multiplier": 100,
              **dict.fromkeys(("num_hidden_layers", "num_attention_heads", "num_key_value_heads"), 4_096), "vocab_size": 1 << 24,
              **dict.fromkeys(("hidden_size", "head_dim", "intermediate_size", "moe_intermediate_size", "shared_expert_intermediate_size",
                               "n_routed_experts", "num_experts_per_tok", "n_shared_experts"), 1 << 22), "max_position_embeddings": 1 << 30}
"""Upper bounds of catalog numbers (1e300 GiB, a model of 1e14 layers: a typo); others are capped at ``_MAX_NUMBER``."""
_MIN_FIELD = {"memory_gib": 1}
"""Lower bounds above zero: no accelerator serving an LLM has less than 1 GiB (1e-9 GiB is a typo)."""
_MAX_NUMBER = 1e15
_DATE = __import__("re").compile(r"\d{4}-\d{2}(-\d{2})?([T ][0-9:.]+Z?)?")


def check_as_of(value: str, file: str, entry: str, key: str = "as_of") -> None:
    """An ``as_of`` is an ISO date (``2026-11-22``, ``2026-11`` or a timestamp), not in the future."""
    if value in _GOOD_DATES:
        return
    _check_as_of(value, file, entry, key)
    if len(_GOOD_DATES) < 4096:
        _GOOD_DATES.add(value)


_GOOD_DATES: set[str] = set()
"""as_of values already accepted (a million price rows share a handful of dates)."""


def _check_as_of(value: str, file: str, entry: str, key: str) -> None:
    text = value.strip()
    if not _DATE.fullmatch(text):
        raise CatalogError(file, f"must be an ISO date like 2026-11-22, got {value!r}", entry=entry, field=key)
    try:
        day = datetime.date.fromisoformat(text[:10] if len(text) >= 10 else text[:7] + "-01")
    except ValueError:
        raise CatalogError(file, f"not a calendar date: {value!r}", entry=entry, field=key) from None
    if day > datetime.date.today() + datetime.timedelta(days=2):
        raise CatalogError(file, f"is in the future: {value!r}", entry=entry, field=key)


def check_money(value: Decimal, file: str, entry: str, key: str) -> Decimal:
    """A price: finite, non-negative, at most ``MAX_MONEY``, zero or at least ``MIN_MONEY``."""
    if not value.is_finite() or (key in _NONNEG_MONEY and value < 0):
        raise CatalogError(file, f"must be a non-negative amount, got {value}", entry=entry, field=key)
    if value.copy_abs() > MAX_MONEY:
        raise CatalogError(file, f"out of range: {value} is above {MAX_MONEY} USD", entry=entry, field=key)
    if value and value.copy_abs() < MIN_MONEY:
        raise CatalogError(file, f"out of range: {value} is below {MIN_MONEY} USD (write 0 for free)", entry=entry, field=key)
    return value


@lru_cache(maxsize=None)
def _field_types(cls: type) -> dict[str, tuple[type, bool]]:
    """name -> (type, required) from a dataclass, skipping fields filled by the loader."""
    hints = typing.get_type_hints(cls)
    out: dict[str, tuple[type, bool]] = {}
    for f in dataclasses.fields(cls):
        typ = hints[f.name]
        origin = typing.get_args(typ)
        if origin:  # Optional[X] / X | None
            typ = next(a for a in origin if a is not type(None))
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        out[f.name] = (typ, required)
    return out


@lru_cache(maxsize=None)
def _tuple_fields(cls: type) -> dict[str, type]:
    """name -> element type of the ``tuple[X, ...]`` fields of a dataclass (a list in TOML)."""
    hints = typing.get_type_hints(cls)
    out = {}
    for f in dataclasses.fields(cls):
        typ = hints[f.name]
        if typing.get_origin(typ) is tuple:
            out[f.name] = typing.get_args(typ)[0]
    return out


def _list_field(value: Any, elem: type, file: str, entry: str, key: str) -> tuple:
    if not isinstance(value, (list, tuple)):
        raise CatalogError(file, f"must be a list, got {value!r}", entry=entry, field=key)
    out = []
    for i, v in enumerate(value):
        if dataclasses.is_dataclass(elem):
            if isinstance(v, elem):
                v = dataclasses.asdict(v)
            out.append(_build(elem, v, file, f"{entry}.{key}[{i}]", {}))
        elif not _check_type(v, elem) or (elem is int and v <= 0) or (key in _CHOICES and v not in _CHOICES[key]):
            what = ", ".join(map(str, _CHOICES[key])) if key in _CHOICES else _TYPE_NAMES.get(elem, elem.__name__)
            raise CatalogError(file, f"must be a list of {'positive integers' if elem is int else what}, got {value!r}", entry=entry, field=key)
        else:
            out.append(v)
    return tuple(out)


def _build(cls: type, raw: dict, file: str, entry: str, injected: dict[str, Any]) -> Any:
    """Validate ``raw`` against ``cls`` and build it; raises CatalogError naming the field."""
    if not isinstance(raw, dict):
        raise CatalogError(file, "must be a table", entry=entry)
    types = _field_types(cls)
    lists = _tuple_fields(cls)
    values: dict[str, Any] = dict(injected)
    for key, value in raw.items():
        if key in injected or key not in types:
            hint = ""
            if isinstance(value, dict):
                hint = f" (an id with a dot must be quoted: [section.\"{entry}.{key}\"])"
            raise CatalogError(file, f"unknown field{hint}", entry=entry, field=key)
        if key in lists:
            values[key] = _list_field(value, lists[key], file, entry, key)
            continue
        typ, _ = types[key]
        if typ is dict:  # {precision = "owner/repo"} (ModelSpec.checkpoints)
            if not isinstance(value, dict) or not all(k in PRECISIONS and isinstance(v, str) and "/" in v for k, v in value.items()):
                raise CatalogError(file, f"must map precisions to owner/repo strings, got {value!r}", entry=entry, field=key)
            value = dict(value)
        elif key in _CHOICES and value not in _CHOICES[key]:
            raise CatalogError(file, f"must be one of {', '.join(map(str, _CHOICES[key]))}, got {value!r}", entry=entry, field=key)
        if not _check_type(value, typ):
            raise CatalogError(file, f"must be {_TYPE_NAMES.get(typ, typ.__name__)}, got {value!r}", entry=entry, field=key)
        if typ is Decimal:
            try:
                value = Decimal(str(value))
            except InvalidOperation:
                raise CatalogError(file, f"not a decimal number: {value!r}", entry=entry, field=key) from None
            value = check_money(value, file, entry, key)
        elif typ in (int, float):
            _in_range(value, file, entry, key, key in _POSITIVE_FIELDS, _MAX_FIELD.get(key, _MAX_NUMBER))
            if typ is float:
                value = float(value)
        elif typ is str and key in ("source", "as_of") and not value.strip():
            raise CatalogError(file, "must not be empty", entry=entry, field=key)
        elif typ is str and key == "as_of":
            check_as_of(value, file, entry)
        values[key] = value
    for key, (_, required) in types.items():
        if required and key not in values:
            raise CatalogError(file, "missing required field", entry=entry, field=key)
    return cls(**values)


def _check_model(m: ModelSpec, file: str) -> None:
    """Cross-field checks that a single-field check cannot see."""
    def bad(fld: str, msg: str) -> CatalogError:
        return CatalogError(file, msg, entry=m.id, field=fld)

    if m.attention not in ("gqa", "mla", "csa"):
        raise bad("attention", f"must be 'gqa', 'mla' or 'csa', got {m.attention!r}")
    if m.attention == "mla" and (m.kv_lora_rank <= 0 or m.qk_rope_head_dim <= 0 or m.v_head_dim <= 0):
        raise bad("kv_lora_rank", "MLA needs kv_lora_rank, qk_rope_head_dim and v_head_dim > 0")
    if m.attention == "gqa" and m.num_attention_heads % m.num_key_value_heads:
        raise bad("num_key_value_heads", "must divide num_attention_heads")
    if m.attention == "csa" and m.compress_ratio <= 0:
        raise bad("compress_ratio", "CSA attention needs compress_ratio > 0")
    if m.sliding_window_layers and not m.sliding_window:
        raise bad("sliding_window", "sliding_window_layers is set, so sliding_window must be > 0")
    if m.chunked_layers and not m.attention_chunk_size:
        raise bad("attention_chunk_size", "chunked_layers is set, so attention_chunk_size must be > 0")
    if m.sliding_window_layers + m.chunked_layers > m.num_hidden_layers:
        raise bad("sliding_window_layers", "windowed layers exceed num_hidden_layers")
    if m.n_routed_experts:
        if not 0 < m.num_experts_per_tok <= m.n_routed_experts:
            raise bad("num_experts_per_tok", "must be between 1 and n_routed_experts")
        if m.moe_intermediate_size <= 0:
            raise bad("moe_intermediate_size", "an MoE model needs moe_intermediate_size > 0")
    if m.dense_layers and m.intermediate_size <= 0:
        raise bad("intermediate_size", f"{m.dense_layers} dense FFN layers need intermediate_size > 0")
    if m.fp8_kv_precision not in ("fp8", "bf16"):
        raise bad("fp8_kv_precision", f"must be 'fp8' or 'bf16', got {m.fp8_kv_precision!r}")
    if m.native_precision not in ("bf16", "fp16", "fp8", "mxfp4-experts"):
        raise bad("native_precision", f"unknown precision {m.native_precision!r}")
    if m.non_expert_precision not in ("bf16", "fp8"):
        raise bad("non_expert_precision", f"must be 'bf16' or 'fp8', got {m.non_expert_precision!r}")


def _check_gpu(g: GpuSpec, file: str) -> None:
    if g.vendor not in ("nvidia", "amd", "intel", "google"):
        raise CatalogError(file, f"unknown vendor {g.vendor!r}", entry=g.id, field="vendor")


_ENTRY_TYPES: dict[str, tuple[type, str]] = {"models": (ModelSpec, "id"), "gpus": (GpuSpec, "id"), "quality": (QualityScore, "model")}


def build_entry(kind: str, entry_id: str, raw: Any, label: str) -> ModelSpec | GpuSpec | QualityScore:
    """Validate one catalog entry given as a dict in the TOML schema (raises CatalogError)."""
    if kind not in _ENTRY_TYPES:
        raise CatalogError(label, f"unknown entry kind {kind!r} (expected one of {', '.join(_ENTRY_TYPES)})", entry=str(entry_id))
    if not isinstance(entry_id, str) or not entry_id.strip():
        raise CatalogError(label, f"entry id must be a non-empty string, got {entry_id!r}")
    cls, id_field = _ENTRY_TYPES[kind]
    from advisor.catalog.models import api_only_fields  # an API-only model's empty architecture, else {}

    obj = _build(cls, raw, label, entry_id, {id_field: entry_id, **(api_only_fields(entry_id, raw, label) if kind == "models" else {})})
    if kind == "models" and not obj.api_only:
        _check_model(obj, label)
    elif kind == "gpus":
        _check_gpu(obj, label)
    return obj


def build_price(kind: str, raw: Any, label: str, entry: str = "price", provider: str | None = None) -> GpuPrice | ApiPrice:
    """Validate one price row given as a dict in the price-file schema (``provider`` may be in the
    dict or passed here); ``kind`` is ``gpu`` or ``api``. Raises CatalogError naming the field."""
    if kind not in ("gpu", "api"):
        raise CatalogError(label, f"price kind must be 'gpu' or 'api', got {kind!r}", entry=entry)
    if not isinstance(raw, dict):
        raise CatalogError(label, f"must be a table, got {type(raw).__name__}", entry=entry)
    raw = dict(raw)
    provider = raw.pop("provider", provider)
    if not isinstance(provider, str) or not provider.strip():
        raise CatalogError(label, "missing required field", entry=entry, field="provider")
    return _build(GpuPrice if kind == "gpu" else ApiPrice, raw, label, entry, {"provider": provider})


def check_price(p: Any, kind: str, label: str, entry: str = "price") -> GpuPrice | ApiPrice:
    """Re-validate a price object (or dict) from a plugin through the same rules as the TOML files."""
    cls = GpuPrice if kind == "gpu" else ApiPrice
    if isinstance(p, (GpuPrice, ApiPrice)) and not isinstance(p, cls):
        raise CatalogError(label, f"a {type(p).__name__} where a {cls.__name__} was expected", entry=entry)
    if isinstance(p, cls):
        raw = {f.name: getattr(p, f.name) for f in dataclasses.fields(p)}
        raw = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in raw.items() if v is not None}
        return build_price(kind, raw, label, entry)
    if isinstance(p, dict):
        return build_price(kind, p, label, entry)
    raise CatalogError(label, f"expected a {cls.__name__} or a dict, got {type(p).__name__}", entry=entry)


# --------------------------------------------------------------------------- the serving profile

_PROFILE_TABLES = ("factors", "memory", "per_gpu", "per_vendor", "fit", "calibration", "engines")
PROFILE_KEYS = ("engine", "source", "as_of", "calibrated_models", "calibrated_gpus") + _PROFILE_TABLES


def _section(raw: dict, key: str, label: str, required: bool = True) -> dict:
    value = raw.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise CatalogError(label, "missing table" if value is None else f"must be a table, got {value!r}", entry=key)
    return value


def _number(value: Any, label: str, entry: str, name: str, typ: type = float, positive: bool = False) -> Any:
    if not _check_type(value, typ) or (typ is float and isinstance(value, str)):
        raise CatalogError(label, f"must be {_TYPE_NAMES[typ]}, got {value!r}", entry=entry, field=name)
    _in_range(value, label, entry, name, positive, _ENGINE_MAX.get(name, _MAX_NUMBER))
    return typ(value)


def _in_range(value: float, file: str, entry: str, key: str, positive: bool, cap: float) -> None:
    """The one numeric rule of every catalog field: finite, not negative (above zero when ``positive``), at most ``cap``."""
    if value != value or value in (float("inf"), float("-inf")):
        raise CatalogError(file, "must be a finite number", entry=entry, field=key)
    if positive and value <= 0:
        raise CatalogError(file, f"must be greater than zero, got {value}", entry=entry, field=key)
    if value < _MIN_FIELD.get(key, value):
        raise CatalogError(file, f"must be at least {_MIN_FIELD[key]:g}, got {value:g}", entry=entry, field=key)
    if value < 0:
        raise CatalogError(file, f"must not be negative, got {value}", entry=entry, field=key)
    if value > cap:
        raise CatalogError(file, f"out of range: {value:g} is above {cap:g}", entry=entry, field=key)


_ENGINE_MAX = {"eff_bw": 10, "eff_decode": 10, "eff_prefill": 10, "eff_link": 10, "eff_moe": 10, "engine_speed": 100,
               "step_overhead_us": 1e6, "layer_overhead_us": 1e6, "allreduce_latency_us": 1e6, "moe_layer_overhead_us": 1e6,
               "routing_skew": 100, "ep_imbalance": 100, "moe_half_tokens": 1e7, "max_batch": 1e6,
               "max_batched_tokens": 1e8, "kv_cache_fraction": 1, "rows": 1e9, "median_abs_error": 100,
               "p90_abs_error": 100, "median_signed_error": 100}
"""Upper bounds of engine-profile numbers (a 1e300 step overhead or engine speed is not physical)."""


def _typed(cls: type, raw: dict, label: str, entry: str, positive: tuple[str, ...] = (), partial: bool = False) -> dict[str, Any]:
    """``raw`` checked field by field against the dataclass ``cls`` (every field required unless partial)."""
    types = _field_types(cls)
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in types:
            raise CatalogError(label, "unknown field", entry=entry, field=key)
        typ, _ = types[key]
        if typ is str:
            if not isinstance(value, str):
                raise CatalogError(label, f"must be a string, got {value!r}", entry=entry, field=key)
            out[key] = value
        elif typ in (int, float):
            out[key] = _number(value, label, entry, key, typ, positive=key in positive)
        else:
            out[key] = value
    if not partial:
        for key, (_, required) in types.items():
            if required and key not in out:
                raise CatalogError(label, "missing required field", entry=entry, field=key)
    return out


def _strings(value: Any, label: str, entry: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CatalogError(label, f"must be a list of strings, got {value!r}", entry=entry)
    return tuple(value)


def build_serving_profile(raw: dict, label: str) -> ServingProfile:
    """Validate the engine catalog (``catalog = "engine"``) into a ServingProfile; raises CatalogError
    naming the table and field. Every efficiency factor must be present."""
    for key in raw:
        if key not in PROFILE_KEYS:
            raise CatalogError(label, "unknown field", field=key)
    return build_engine_profiles(raw, label)[0]


_ENGINE_KEYS = ("name", "vendors", "layouts", "precisions", "notes", "factors", "memory", "lora", "hardware", "chunked_attention", "sliding_window")


def build_engine_profiles(raw: dict, label: str) -> tuple[ServingProfile, dict[str, ServingProfile]]:
    """(default profile, {engine id: profile}) from the engine catalog. The global ``[factors]`` are the
    physics every engine shares; ``[engines.<id>]`` lists what the engine supports and overrides single
    factors (its speed, batch cap, admission) and memory-policy fields. Top-level ``engine`` names the
    default engine id (``engine = "vllm"`` in a user catalog switches it); an older free-text ``engine``
    describes a single profile."""
    base = _base_profile(raw, label)
    engines: dict[str, ServingProfile] = {}
    for eid, e in _section(raw, "engines", label, required=False).items():
        where = f"engines.{eid}"
        if eid not in ENGINE_IDS:
            raise CatalogError(label, f"unknown engine id (one of {', '.join(ENGINE_IDS)})", entry=where)
        if not isinstance(e, dict):
            raise CatalogError(label, "must be a table", entry=where)
        for key in e:
            if key not in _ENGINE_KEYS or (key in ("name", "notes") and not isinstance(e[key], str)):
                raise CatalogError(label, f"must be a string, got {e[key]!r}" if key in _ENGINE_KEYS else "unknown field", entry=where, field=key)
        eff = _typed(Efficiency, _section(e, "factors", label, required=False), label, f"{where}.factors", partial=True,
                     positive=("eff_bw", "eff_decode", "eff_prefill", "max_batch", "engine_speed"))
        mem = _check_memory(_typed(MemoryPolicy, _section(e, "memory", label, required=False), label, f"{where}.memory",
                                   partial=True, positive=("kv_cache_fraction", "max_batched_tokens")), label, f"{where}.memory")
        layouts = _strings(e["layouts"], label, f"{where}.layouts") if "layouts" in e else base.layouts
        for lay in layouts:
            if lay not in ("tp", "tp_ep", "dep", "pp"):
                raise CatalogError(label, f"unknown layout {lay!r} (tp, tp_ep, dep, pp)", entry=where, field="layouts")
        engines[eid] = dataclasses.replace(
            base, id=eid, engine=str(e.get("name", eid)), notes=str(e.get("notes", "")),
            vendors=_strings(e["vendors"], label, f"{where}.vendors") if "vendors" in e else (),
            precisions=_strings(e["precisions"], label, f"{where}.precisions") if "precisions" in e else (),
            layouts=layouts, efficiency=dataclasses.replace(base.efficiency, **eff),
            memory=dataclasses.replace(base.memory, **mem), lora=_lora(e, label, f"{where}.lora"),
            hardware=_support(e, "hardware", label, where, HardwareSupport.from_table),
            **{k: _support(e, k, label, where, t.from_table) for k, t in (("chunked_attention", ChunkedAttention), ("sliding_window", SlidingWindowKv))})
    default_id = raw.get("engine", "")
    if default_id in ENGINE_IDS:
        if default_id not in engines:
            raise CatalogError(label, f"names engine {default_id!r}, which has no [engines.{default_id}] table", field="engine")
        return engines[default_id], engines
    return base, engines


def _support(e: dict, key: str, label: str, where: str, build) -> Any:
    """``[engines.<id>.<key>]`` built by ``build(table, the engine's precisions)`` (None when absent); its
    ValueError(field, message) becomes a CatalogError naming the table and field."""
    raw = _section(e, key, label, required=False)
    try:
        return build(raw, tuple(e.get("precisions") or ())) if raw else None
    except ValueError as exc:
        raise CatalogError(label, exc.args[1], entry=f"{where}.{key}", field=exc.args[0]) from None


def _lora(e: dict, label: str, where: str) -> LoraSupport | None:
    """``[engines.<id>.lora]``: where the engine serves LoRA adapters, with its flags, source URL and date."""
    raw = _section(e, "lora", label, required=False)
    if not raw:
        return None
    if not isinstance(raw.get("dense"), bool):
        raise CatalogError(label, f"must be true or false, got {raw.get('dense')!r}", entry=where, field="dense")
    fields_ = _typed(LoraSupport, {k: v for k, v in raw.items() if k != "dense"}, label, where, partial=True)
    for key in ("moe", "flags", "source", "as_of"):
        if not str(fields_.get(key, "")).strip():
            raise CatalogError(label, "missing required field", entry=where, field=key)
    if fields_["moe"] not in LORA_MOE:
        raise CatalogError(label, f"must be one of {', '.join(LORA_MOE)}, got {fields_['moe']!r}", entry=where, field="moe")
    try:
        fields_["flags"].format(adapters=1, rank=16, served=1)
    except (KeyError, IndexError, ValueError):
        raise CatalogError(label, "may name only {adapters}, {served} and {rank}", entry=where, field="flags") from None
    if not fields_["source"].startswith("https://"):
        raise CatalogError(label, "must be the public page's https:// URL", entry=where, field="source")
    return LoraSupport(dense=raw["dense"], **fields_)


def _base_profile(raw: dict, label: str) -> ServingProfile:
    text = {k: raw.get(k, "") for k in ("engine", "source", "as_of")}
    for k, v in text.items():
        if not isinstance(v, str) or not v.strip():
            raise CatalogError(label, "must be a non-empty string" if v else "missing required field", field=k)
    eff = _typed(Efficiency, _section(raw, "factors", label), label, "factors",
                 positive=("eff_bw", "eff_decode", "eff_prefill", "eff_link", "max_batch", "routing_skew", "engine_speed"))
    if eff["kv_admission"] not in KV_ADMISSION:
        raise CatalogError(label, f"must be one of {', '.join(KV_ADMISSION)}, got {eff['kv_admission']!r}", entry="factors",
                           field="kv_admission")
    for key in ("eff_bw", "eff_decode", "eff_prefill", "eff_link"):
        if eff[key] > 1.5:
            raise CatalogError(label, f"an efficiency above 1.5 of the hardware peak is not physical, got {eff[key]}",
                               entry="factors", field=key)
    memory = _check_memory(_typed(MemoryPolicy, _section(raw, "memory", label), label, "memory",
                                  positive=("kv_cache_fraction", "max_batched_tokens")), label, "memory")
    per_gpu = []
    for gpu_id, mult in sorted(_section(raw, "per_gpu", label, required=False).items()):
        if not isinstance(mult, dict):
            raise CatalogError(label, "must be a table", entry=f"per_gpu.{gpu_id}")
        per_gpu.append((gpu_id, GpuMultipliers(**_typed(GpuMultipliers, mult, label, f"per_gpu.{gpu_id}", partial=True,
                                                        positive=("eff_decode", "eff_prefill", "eff_bw")))))
    per_vendor = []
    for vendor, ov in _section(raw, "per_vendor", label, required=False).items():
        where = f"per_vendor.{vendor}"
        if not isinstance(ov, dict):
            raise CatalogError(label, "must be a table", entry=where)
        ov = dict(ov)
        mem = ov.pop("memory", {})
        if not isinstance(mem, dict):
            raise CatalogError(label, "must be a table", entry=where, field="memory")
        mem = _check_memory(_typed(MemoryPolicy, mem, label, f"{where}.memory", partial=True,
                                   positive=("kv_cache_fraction", "max_batched_tokens")), label, f"{where}.memory")
        fields_ = _typed(VendorOverride, {k: v for k, v in ov.items() if k not in ("pairs", "memory")}, label, where,
                         positive=("engine_speed",), partial=True)
        if "engine" not in fields_:
            raise CatalogError(label, "missing required field", entry=where, field="engine")
        pairs = _strings(ov["pairs"], label, f"{where}.pairs") if "pairs" in ov else ()
        per_vendor.append((vendor, VendorOverride(pairs=pairs, memory=tuple(mem.items()), **fields_)))
    fit_raw = _section(raw, "fit", label, required=False)
    signed = fit_raw.get("median_signed_error") if fit_raw else None
    if isinstance(signed, (int, float)) and not isinstance(signed, bool) and -10 < signed < 0:
        fit_raw = {**fit_raw, "median_signed_error": -signed}  # checked as a magnitude: a signed error may be negative
    fit = FitStats(**_typed(FitStats, fit_raw, label, "fit")) if fit_raw else None
    if fit is not None and signed is not None and signed < 0:
        fit = dataclasses.replace(fit, median_signed_error=float(signed))
    calibration = _section(raw, "calibration", label, required=False)
    kv_fp8 = calibration.get("kv_precision_for_fp8", "fp8")
    if kv_fp8 not in ("fp8", "bf16"):
        raise CatalogError(label, f"must be 'fp8' or 'bf16', got {kv_fp8!r}", entry="calibration", field="kv_precision_for_fp8")
    models = _strings(raw["calibrated_models"], label, "calibrated_models") if "calibrated_models" in raw else None
    gpus = _strings(raw["calibrated_gpus"], label, "calibrated_gpus") if "calibrated_gpus" in raw else ()
    return ServingProfile(engine=text["engine"], source=text["source"], as_of=text["as_of"], efficiency=Efficiency(**eff),
                          memory=MemoryPolicy(**memory), per_gpu=tuple(per_gpu), per_vendor=tuple(per_vendor),
                          calibrated_models=models, calibrated_gpus=gpus, fit=fit, kv_precision_for_fp8=kv_fp8)


def _check_memory(mem: dict, label: str, entry: str) -> dict:
    if "policy" in mem and mem["policy"] not in MEMORY_POLICIES:
        raise CatalogError(label, f"must be one of {', '.join(MEMORY_POLICIES)}, got {mem['policy']!r}", entry=entry, field="policy")
    if mem.get("kv_cache_fraction", 0.5) > 1:
        raise CatalogError(label, f"must be at most 1, got {mem['kv_cache_fraction']}", entry=entry, field="kv_cache_fraction")
    if mem.get("fixed_overhead_gib", 0) > 64:
        raise CatalogError(label, f"must be at most 64 GiB, got {mem['fixed_overhead_gib']}", entry=entry, field="fixed_overhead_gib")
    return mem
