"""Serving engines as a choice: which engine profiles run on a GPU, the default one, and the engine x layout
pairs worth estimating for a deployment.

Profiles come from catalogs/engine.toml ``[engines.<id>]`` (ids ``trtllm``, ``vllm``, ``sglang``). Defaults:
the catalog's ``engine`` (TensorRT-LLM) on NVIDIA GPUs, vLLM on GPUs the default engine does not run on (AMD).
"""

from __future__ import annotations

from typing import Iterable

from advisor.catalog.load import Catalog
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


def engines_for(source: Catalog | ServingProfile | dict, gpu: GpuSpec, allowed: Iterable[str] = ()) -> tuple[ServingProfile, ...]:
    """Engine profiles that run on ``gpu``'s vendor, resolved for it (``for_vendor``), restricted to the ids
    in ``allowed`` (empty: all). The default engine comes first."""
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
    return tuple(out)


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


def engine_profile(source: Catalog | ServingProfile | dict, gpu: GpuSpec, engine: str | None = None) -> ServingProfile:
    """The profile of engine id ``engine`` on ``gpu`` (the default engine when None); InputError when the id is
    unknown or the engine does not run on that GPU's vendor."""
    if engine is None:
        return default_engine(source, gpu)
    _, profiles = _profiles(source)
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
