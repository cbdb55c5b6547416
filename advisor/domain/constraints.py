"""A workload's filters in words, for summaries and rejections (``constraints``, ``constraint_text``) and where a filter's
value came from (``constraint_origin``)."""

from __future__ import annotations

from advisor.domain.workload import PRESETS, Workload


def listed(ids: tuple[str, ...], most: int = 6) -> str:  # "a, b, c" or "a, b, c, d, e, f and 3 more"
    return ", ".join(ids[:most]) + (f" and {len(ids) - most} more" if len(ids) > most else "")


def constraints(w: Workload) -> list[str]:
    """The workload's filters that leave options out, one phrase each (``GPU types h100-sxm, h200``); [] when none.
    Precisions and ``max_gpus`` count where they differ from the defaults (bf16/fp8, 8: a summary's "assumes" names
    those); GPU filters only where self-hosting is considered."""
    out = [f"models {listed(w.models)}"] if w.models else []
    if w.self_hosting != "not-wanted":
        out += [f"GPU types {listed(w.gpu_types)}"] if w.gpu_types else []
        out += [f"precisions {', '.join(w.precisions) or 'none'}"] if w.precisions != Workload.precisions else []
        out += [f"engines {', '.join(w.engines)}"] if w.engines else []
        out += [f"at most {w.max_gpus} GPU{'s' if w.max_gpus > 1 else ''} a replica"] if w.max_gpus != Workload.max_gpus else []
        out += [f"price kinds {', '.join(w.pricing)}"] if w.pricing else []
        out += [f"scaling {', '.join(w.scaling)}"] if w.scaling else []
    return out + ([f"providers {listed(w.providers)}"] if w.providers else [])


def constraint_text(w: Workload) -> str:
    """``only GPU types h100-sxm, h200; providers runpod`` (``constraints`` in one phrase for a summary line), or ""."""
    return "only " + "; ".join(constraints(w)) if constraints(w) else ""


def constraint_origin(w: Workload, name: str) -> str:
    """``preset steady-latency`` where field ``name`` holds that preset's own value (also edited from it), else ``the workload's <name>``."""
    at = w.description[len("edited from "):] if w.name == "custom" and w.description.startswith("edited from ") else w.name
    base = PRESETS.get(at)
    return f"preset {at}" if base is not None and getattr(base, name) == getattr(w, name) else f"the workload's {name}"
