"""Catalog validation: a TOML table -> a domain object, or a CatalogError naming file, entry and field.

One rule set for every way data comes in: the bundled and user catalog files, plugin entries, plugin
price sources and the live price cache.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal, InvalidOperation
from typing import Any

from advisor.domain.prices import ApiPrice, GpuPrice
from advisor.domain.specs import GpuSpec, ModelSpec, QualityScore
from advisor.errors import CatalogError


_POSITIVE = "positive"
_NONNEG = "nonneg"


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
_POSITIVE_FIELDS = {
    "num_hidden_layers", "hidden_size", "num_attention_heads", "num_key_value_heads", "head_dim",
    "vocab_size", "max_position_embeddings", "memory_gib", "hbm_tbps", "bf16_tflops",
    "interconnect_gbps", "gpus_per_node", "internode_gbps", "moe_layer_step", "gpus_per_instance",
}
_NONNEG_MONEY = {"usd_per_gpu_hour", "input_usd_per_mtok", "output_usd_per_mtok", "cached_input_usd_per_mtok"}


def _field_types(cls: type) -> dict[str, tuple[type, bool]]:
    """name -> (type, required) from a dataclass, skipping fields filled by the loader."""
    import typing

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


def _build(cls: type, raw: dict, file: str, entry: str, injected: dict[str, Any]) -> Any:
    """Validate ``raw`` against ``cls`` and build it; raises CatalogError naming the field."""
    if not isinstance(raw, dict):
        raise CatalogError(file, "must be a table", entry=entry)
    types = _field_types(cls)
    values: dict[str, Any] = dict(injected)
    for key, value in raw.items():
        if key in injected or key not in types:
            hint = ""
            if isinstance(value, dict):
                hint = f" (an id with a dot must be quoted: [section.\"{entry}.{key}\"])"
            raise CatalogError(file, f"unknown field{hint}", entry=entry, field=key)
        typ, _ = types[key]
        if not _check_type(value, typ):
            raise CatalogError(file, f"must be {_TYPE_NAMES.get(typ, typ.__name__)}, got {value!r}", entry=entry, field=key)
        if typ is Decimal:
            try:
                value = Decimal(str(value))
            except InvalidOperation:
                raise CatalogError(file, f"not a decimal number: {value!r}", entry=entry, field=key) from None
            if not value.is_finite() or (key in _NONNEG_MONEY and value < 0):
                raise CatalogError(file, f"must be a non-negative amount, got {value}", entry=entry, field=key)
        elif typ in (int, float):
            if value != value or value in (float("inf"), float("-inf")):
                raise CatalogError(file, "must be a finite number", entry=entry, field=key)
            if key in _POSITIVE_FIELDS and value <= 0:
                raise CatalogError(file, f"must be greater than zero, got {value}", entry=entry, field=key)
            if value < 0:
                raise CatalogError(file, f"must not be negative, got {value}", entry=entry, field=key)
            if typ is float:
                value = float(value)
        elif typ is str and key in ("source", "as_of") and not value.strip():
            raise CatalogError(file, "must not be empty", entry=entry, field=key)
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
    if m.native_precision not in ("bf16", "fp16", "fp8", "mxfp4-experts"):
        raise bad("native_precision", f"unknown precision {m.native_precision!r}")


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
    obj = _build(cls, raw, label, entry_id, {id_field: entry_id})
    if kind == "models":
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
