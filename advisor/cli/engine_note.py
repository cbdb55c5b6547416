"""`estimate`'s engine: which one it assumed and why, set beside how `recommend` picks (each row on the cheapest of the
engines that serve the model's weights on that GPU), and the warnings `recommend` gives for an engine the user names."""

from __future__ import annotations

from advisor.domain.specs import GpuSpec, ModelSpec

VENDOR_DEFAULTS = "TensorRT-LLM on NVIDIA, vLLM on AMD"


def searched(cat, model: ModelSpec, gpu: GpuSpec, precision: str) -> tuple[str, ...]:
    """The engines `recommend` costs ``precision`` of ``model`` on ``gpu`` (the default engine first): those that run on
    the GPU's vendor and serve the precision, less those its screens drop (vLLM's recipe refusing the GPU, an engine
    release too old for the model, TensorRT-LLM or SGLang for a checkpoint they cannot load), as
    ``engine_support.estimate_engine``."""
    from advisor.physics.engines import engines_for
    from advisor.ranking.engine_support import for_precision, screen

    left = screen(model, gpu, engines_for(cat, gpu, (), precision), "", "self-hosted")[0]
    return tuple(p.id for p in for_precision(model, gpu, precision, left))


def _why_not(cat, model: ModelSpec, gpu: GpuSpec, precision: str, engine: str) -> str:
    """Why `recommend` does not cost ``precision`` on ``engine`` here ("" where it does)."""
    from advisor.deploy.support import vllm_support
    from advisor.physics.engines import engines_for
    from advisor.ranking.engine_support import sglang_cannot

    if engine not in {p.id for p in engines_for(cat, gpu, (), precision)}:
        return f"{engine} does not serve {precision} weights on {gpu.id}"
    if engine == "vllm":
        status, line = vllm_support(model.id, gpu.id)
        if status == "unsupported":
            return line
    if clause := _release_clause(model, gpu, engine):
        return clause
    if engine == "trtllm":
        how = ("no FP8 checkpoint of it is published, and vLLM and SGLang quantize to FP8 at load time" if precision == "fp8"
               else "its published checkpoints in this precision are GPTQ/AWQ, which vLLM and SGLang load")
        return f"TensorRT-LLM loads no {precision} checkpoint of {model.id} ({how})"
    if engine == "sglang" and (why := sglang_cannot(model, gpu, precision)):
        return f"SGLang cannot serve {model.id}'s {precision} checkpoint on {gpu.id}: {why}"
    return ""


def engine_lines(cat, model: ModelSpec, gpu: GpuSpec, precision: str, used: str, named: bool) -> tuple[str, list[str]]:
    """(the ``engine choice`` line, warnings) for an estimate on ``used``: ``named`` when the user passed ``--engine``.
    Without it, the line says why ``used`` (the vendor's default, or why not that default) and that `recommend`
    searches the other engines it would cost here, with the flag to compare them. With it, a warning where `recommend`
    would not rank that engine here (the vLLM recipe marks the GPU unsupported, a release too old for the model)."""
    from advisor.physics.engines import default_engine

    costed = searched(cat, model, gpu, precision)
    others = [e for e in costed if e != used]
    why_not = _why_not(cat, model, gpu, precision, used) if used not in costed else ""
    stale = _stale(model, gpu, used) if used in costed else ""
    compare = (f"recommend searches {', '.join(costed)} here and ranks each row on the cheapest; pass "
               f"{' or '.join(f'--engine {e}' for e in others)} to compare" if others
               else f"{used} is the only engine recommend costs {precision} weights on here" if costed == (used,) else "")
    if named:
        warnings = [f"{why_not}; recommend does not rank {used} here" + (f" (it ranks {', '.join(costed)})" if costed else "")
                    ] if why_not else [stale] if stale else []
        return f"{used} (--engine)" + (f"; {compare}" if compare and not why_not else ""), warnings
    default = default_engine(cat, gpu).id
    vendor = {"nvidia": "NVIDIA", "amd": "AMD"}.get(gpu.vendor, gpu.vendor)
    if used == default:
        why = f"the default on {vendor} GPUs ({VENDOR_DEFAULTS})"
    else:
        why = (f"not {default}, the default on {vendor} GPUs ({VENDOR_DEFAULTS}): "
               f"{_why_not(cat, model, gpu, precision, default) or 'recommend does not cost it here'}")
    return f"{used}: {why}" + (f"; {compare}" if compare else ""), [w for w in (why_not, stale) if w]


def _release_clause(model: ModelSpec, gpu: GpuSpec, engine: str) -> str:
    """The first clause of the release note where the release the launch files pin cannot load the model ("" where it
    can); `deploy` gives its sources and what to install."""
    from advisor.ranking.engine_support import release_note, too_old

    if not too_old(model.id, engine, gpu.vendor):
        return ""
    clause = release_note(model.id, engine, gpu.vendor).split(": ", 1)[0]
    return clause.replace("these files are written for", "the launch files pin").replace("these files run", "the launch files pin")


def _stale(model: ModelSpec, gpu: GpuSpec, engine: str) -> str:
    """Where `recommend` costs ``engine`` here only because no other engine is left, though its pinned release cannot
    load the model: the warning its rows carry."""
    clause = _release_clause(model, gpu, engine)
    return f"{clause}; recommend ranks it after the rows known to launch" if clause else ""
