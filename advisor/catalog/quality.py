"""Validation of the quality extras: answering modes (``[modes.<model>.<mode>]`` in the quality catalog) and
measured quantization deltas (``catalogs/quantization.toml``). Same rules and errors as every catalog entry."""

from __future__ import annotations

from typing import Any

from advisor.catalog.schema import _build
from advisor.domain.quality import MODES, QUANT_PRECISIONS, ModeQuality, QuantizationDelta
from advisor.errors import CatalogError

MAX_MULTIPLIER = 100.0
"""No reasoning mode generates more than 100 tokens per visible answer token in the catalog's sources."""


def build_mode(model: str, mode: str, raw: Any, label: str) -> ModeQuality:
    """One ``[modes.<model>.<mode>]`` table -> ModeQuality, or CatalogError naming the field."""
    entry = f"modes.{model}.{mode}"
    if mode not in MODES:
        raise CatalogError(label, f"unknown mode (one of {', '.join(MODES)})", entry=entry)
    m = _build(ModeQuality, raw, label, entry, {"model": model, "mode": mode})
    mult = m.output_multiplier
    if mode == "non-reasoning":
        if mult not in (None, 1.0):
            raise CatalogError(label, f"a non-reasoning mode generates its answer only: the multiplier is 1, got {mult:g}",
                               entry=entry, field="output_multiplier")
        return ModeQuality(**{**m.__dict__, "output_multiplier": 1.0})
    if mult is not None:
        if not 1.0 <= mult <= MAX_MULTIPLIER:
            raise CatalogError(label, f"must be between 1 and {MAX_MULTIPLIER:g} (generated tokens per answer token), got {mult:g}",
                               entry=entry, field="output_multiplier")
        if not m.multiplier_source.strip():
            raise CatalogError(label, "a reasoning multiplier needs its source", entry=entry, field="multiplier_source")
    return m


def build_modes(table: Any, label: str) -> tuple[dict[str, dict[str, ModeQuality]], list[str]]:
    """The ``modes`` table of a quality file: ({model: {mode: ModeQuality}}, problems)."""
    out: dict[str, dict[str, ModeQuality]] = {}
    problems: list[str] = []
    if not isinstance(table, dict):
        return out, [str(CatalogError(label, "'modes' must be a table of models"))]
    for model, modes in table.items():
        if not isinstance(modes, dict):
            problems.append(str(CatalogError(label, "must be a table of modes", entry=f"modes.{model}")))
            continue
        for mode, raw in modes.items():
            try:
                out.setdefault(model, {})[mode] = build_mode(model, mode, raw, label)
            except (CatalogError, ValueError, TypeError) as exc:
                problems.append(str(exc) if isinstance(exc, CatalogError) else
                                str(CatalogError(label, f"unusable value ({type(exc).__name__})", entry=f"modes.{model}.{mode}")))
    return out, problems


def build_quantization(entry_id: str, raw: Any, label: str) -> QuantizationDelta:
    """One ``[quantization.<id>]`` table -> QuantizationDelta, or CatalogError naming the field."""
    entry = f"quantization.{entry_id}"
    q = _build(QuantizationDelta, raw, label, entry, {"id": entry_id})
    if q.precision not in QUANT_PRECISIONS:
        raise CatalogError(label, f"unknown precision (one of {', '.join(QUANT_PRECISIONS)})", entry=entry, field="precision")
    if q.architecture not in ("moe", "dense"):
        raise CatalogError(label, f"must be 'moe' or 'dense', got {q.architecture!r}", entry=entry, field="architecture")
    if q.native:
        return q
    if q.recovery is None and (q.baseline_score is None or q.quantized_score is None):
        raise CatalogError(label, "needs baseline_score and quantized_score, a recovery, or native = true", entry=entry)
    if q.recovery is None and not q.baseline_score:
        raise CatalogError(label, "must be greater than zero", entry=entry, field="baseline_score")
    if not 0.5 <= q.ratio <= 1.5:
        raise CatalogError(label, f"quantized/baseline of {q.ratio:.3f} is not a plausible recovery (0.5-1.5)", entry=entry,
                           field="recovery" if q.recovery is not None else "quantized_score")
    return q
