"""Engines that refuse a model on a GPU: the vLLM project's recipes mark some GPUs unsupported for some models
(``advisor.deploy.support``, with its sources). There vLLM is not ranked; another allowed engine may be, with a warning
that its support is not verified either; with no other engine allowed, the GPU is rejected saying why."""

from __future__ import annotations

from collections.abc import Callable

from advisor.deploy.support import vllm_support
from advisor.domain.precision import QUANTIZED_ONLINE, is_upcast, resolve_precision
from advisor.domain.recommendation import Candidate, Reason, Rejection
from advisor.domain.serving import ServingProfile
from advisor.domain.specs import GpuSpec, ModelSpec

Screen = Callable[[list], list]


def screen(model: ModelSpec, gpu: GpuSpec, profiles: tuple[ServingProfile, ...], provider: str,
           deployment: str) -> tuple[tuple[ServingProfile, ...], Screen]:
    """(the engines left to rank ``model`` on ``gpu``, what to apply to the results ranked with them): results pass
    unchanged where vLLM's recipe does not refuse the GPU (or vLLM is not allowed); else vLLM is dropped and each
    candidate gets an ``engine-support`` warning, and with no engine left the screen gives the rejection."""
    if not any(p.id == "vllm" for p in profiles):
        return profiles, _same
    status, line = vllm_support(model.id, gpu.id)
    if status != "unsupported":
        return profiles, _same
    left = tuple(p for p in profiles if p.id != "vllm")
    if not left:
        refusal = Rejection(model=model.id, deployment=deployment, provider=provider, gpu=gpu.id,
                            reasons=(Reason("engine-unsupported", line, "decisive"),))
        return left, lambda results: [*results, refusal]
    return left, lambda results: [_unverified(c, line) for c in results]


def no_checkpoint(model: ModelSpec, gpu: GpuSpec, precision: str) -> bool:
    """No published checkpoint holds ``model``'s weights in ``precision`` (resolved for the GPU), and the weights are not
    the native ones nor an upcast of them: an engine must quantize them at load time, or someone must first."""
    if model.api_only or precision == model.native_precision or precision in model.checkpoints:
        return False
    return not (model.checkpoint(resolve_precision(precision, gpu.vendor)) or is_upcast(precision, model.native_precision))


def for_precision(model: ModelSpec, gpu: GpuSpec, precision: str,
                  profiles: tuple[ServingProfile, ...]) -> tuple[ServingProfile, ...]:
    """The engines to cost ``precision`` on: where no checkpoint holds it but vLLM or SGLang quantize to it at load time
    (``--quantization fp8``), TensorRT-LLM (pre-quantized ModelOpt checkpoints only) is left out, so the row is costed
    on an engine that launches as costed; with no such engine allowed, every profile stays (the row then carries the
    ``checkpoint`` warning, ``explain.checkpoint_reasons``)."""
    if precision not in QUANTIZED_ONLINE or not any(p.id == "trtllm" for p in profiles):
        return profiles
    online = tuple(p for p in profiles if p.id != "trtllm" and p.serves(precision))
    return online if online and no_checkpoint(model, gpu, precision) else profiles


def _same(results: list) -> list:
    return results


def _unverified(c: Candidate | Rejection, line: str) -> Candidate | Rejection:
    if not isinstance(c, Candidate):
        return c
    return c.evolve(reasons=c.reasons + (Reason(
        "engine-support", f"{line}; ranked on {c.engine or 'another engine'}, whose support for {c.model} on {c.gpu} is not "
        f"verified either: try it before you sign", "warning", {"vllm_recipe": "unsupported"}),))
