"""Serving engines as a choice: which engine profiles run on a GPU, the default one, and the engine x layout
pairs worth estimating for a deployment.

Profiles come from catalogs/engine.toml ``[engines.<id>]`` (ids ``trtllm``, ``vllm``, ``sglang``). Defaults:
the catalog's ``engine`` (TensorRT-LLM) on NVIDIA GPUs, vLLM on GPUs the default engine does not run on (AMD).
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from typing import Iterable

from advisor.catalog.load import Catalog
from advisor.domain.precision import PRECISIONS, resolve_precision, scheme
from advisor.domain.serving import ServingProfile
from advisor.domain.specs import GpuSpec, ModelSpec
from advisor.errors import InputError
from advisor.physics.layouts import Parallelism, layouts_for

FALLBACK_ORDER = ("vllm", "sglang", "trtllm")


def _profiles(source: Catalog | ServingProfile | dict) -> tuple[ServingProfile, dict[str, ServingProfile]]:
    if isinstance(source, ServingProfile):
        return source, {source.id: source}
    if isinstance(source, dict):
        first = next(iter(source.values()))
        return first, dict(source)
    return source.engine, dict(source.engines) or {source.engine.id: source.engine}


def native_formats(gpu: GpuSpec, precision: str) -> tuple[str, ...]:
    """The low-precision tensor-core formats (``fp8``, ``fp4``) ``precision``'s matmuls need and ``gpu`` lacks
    (its catalog entry gives no rate for them): empty when the GPU computes the precision natively."""
    s = scheme(resolve_precision(precision, gpu.vendor))
    rates = {"fp8": gpu.fp8_tflops, "fp4": gpu.fp4_tflops}
    return tuple(sorted({f.compute for f in (s.linear, s.experts) if f.compute in rates and not rates[f.compute]}))


def precision_support(profile: ServingProfile, gpu: GpuSpec, precision: str) -> str:
    """How ``profile`` serves ``precision`` on ``gpu``: ``native`` (the GPU has the tensor cores, or the catalog
    records no hardware need), ``weight-only`` (stored in the format, computed at the BF16 rate), or "" (not
    served: the engine does not list the precision, or needs tensor cores the GPU lacks)."""
    if not profile.serves(precision):
        return ""
    need = profile.precision_need(precision)
    if not need or not native_formats(gpu, precision):
        return "native"
    return "weight-only" if need == "weight-only" else ""


def unsupported_reason(profile: ServingProfile, gpu: GpuSpec, precision: str) -> str:
    """Why ``profile`` cannot serve ``precision`` on ``gpu`` ("" when it can), naming engine, GPU and source."""
    if precision_support(profile, gpu, precision):
        return ""
    if not profile.serves(precision):
        return f"{profile.engine} does not serve {precision} weights"
    lacks = "/".join(f.upper() for f in native_formats(gpu, precision))
    src = f" ({profile.hardware.source})" if profile.hardware is not None else ""
    return f"{profile.engine} needs {lacks} tensor cores for {precision} weights, which {gpu.id} lacks{src}"


@lru_cache(maxsize=256)
def _on_gpu(profile: ServingProfile, gpu: GpuSpec) -> ServingProfile:
    """``profile`` with ``precisions`` narrowed to those it serves on ``gpu`` (memoized)."""
    listed = profile.precisions or tuple(PRECISIONS)
    served = tuple(p for p in listed if precision_support(profile, gpu, p))
    return profile if served == profile.precisions else dataclasses.replace(profile, precisions=served or ("none",))


def engines_for(source: Catalog | ServingProfile | dict, gpu: GpuSpec, allowed: Iterable[str] = (),
                precision: str | None = None) -> tuple[ServingProfile, ...]:
    """Engine profiles that run on ``gpu``'s vendor, resolved for it (``for_vendor``, and ``precisions`` narrowed
    to those the engine serves on this GPU: ``precision_support``), restricted to the ids in ``allowed`` (empty:
    all) and, given ``precision``, to the engines that serve it here. The default engine comes first."""
    default, profiles = _profiles(source)
    allowed = tuple(allowed)
    out = []
    order = [default.id] + [i for i in profiles if i != default.id]
    for eid in order:
        p = profiles.get(eid, default if eid == default.id else None)
        if p is None or (allowed and eid not in allowed) or not p.runs_on(gpu.vendor):
            continue
        out.append(p.for_vendor(gpu.vendor))
    if not out and not allowed and not profiles:
        out.append(default.for_vendor(gpu.vendor))
    out = [_on_gpu(p, gpu) for p in out]
    return tuple(p for p in out if precision is None or p.serves(precision))


def precision_rejection(source: Catalog | ServingProfile | dict, gpu: GpuSpec, precision: str,
                        allowed: Iterable[str] = ()) -> str:
    """The reason no allowed engine serves ``precision`` on ``gpu`` ("" when one does): each engine's reason."""
    allowed = tuple(allowed)
    if engines_for(source, gpu, allowed, precision):
        return ""
    default, profiles = _profiles(source)
    why = [unsupported_reason(p.for_vendor(gpu.vendor), gpu, precision) for eid, p in profiles.items()
           if (not allowed or eid in allowed) and p.runs_on(gpu.vendor)]
    return f"no allowed engine serves {precision} on {gpu.id}: " + ("; ".join(w for w in why if w) or "no engine runs on it")


def default_engine(source: Catalog | ServingProfile | dict, gpu: GpuSpec) -> ServingProfile:
    """The engine assumed on ``gpu`` when none is chosen: the catalog's default where it runs, else vLLM."""
    default, profiles = _profiles(source)
    if default.runs_on(gpu.vendor):
        return default.for_vendor(gpu.vendor)
    for eid in FALLBACK_ORDER:
        p = profiles.get(eid)
        if p is not None and p.runs_on(gpu.vendor):
            return p.for_vendor(gpu.vendor)
    return default.for_vendor(gpu.vendor)


ENGINE_ALIASES = {"tensorrt-llm": "trtllm", "tensorrt_llm": "trtllm", "trt-llm": "trtllm", "trt_llm": "trtllm"}
"""Other spellings of the engine ids a caller may pass (the project's own name, its Python package's name)."""


def engine_profile(source: Catalog | ServingProfile | dict, gpu: GpuSpec, engine: str | None = None) -> ServingProfile:
    """The profile of engine id ``engine`` on ``gpu`` (the default engine when None); InputError when the id is
    unknown or the engine does not run on that GPU's vendor."""
    if engine is None:
        return default_engine(source, gpu)
    _, profiles = _profiles(source)
    engine = ENGINE_ALIASES.get(engine.strip().lower(), engine.strip().lower()) if isinstance(engine, str) else engine
    if engine not in profiles:
        raise InputError("engine", f"unknown engine {engine!r}; one of {', '.join(profiles)}")
    p = profiles[engine]
    if not p.runs_on(gpu.vendor):
        raise InputError("engine", f"{engine} does not run on {gpu.vendor} GPUs ({gpu.id})")
    return p.for_vendor(gpu.vendor)


def deployments(source: Catalog | ServingProfile | dict, m: ModelSpec, gpu: GpuSpec, gpus: int, precision: str,
                allowed: Iterable[str] = ()) -> tuple[tuple[ServingProfile, Parallelism], ...]:
    """Every (engine profile, layout) worth estimating for ``m`` on ``gpus`` x ``gpu`` in ``precision``: the
    engines of ``engines_for`` that serve the precision, each with the layouts it supports for this model."""
    out = []
    for p in engines_for(source, gpu, allowed):
        if not p.serves(precision):
            continue
        for lay in layouts_for(m, gpu, gpus, p.layouts):
            out.append((p, lay))
    return tuple(out)
