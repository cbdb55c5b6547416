"""The public, headless API: what the CLI, the TUI, plugins and external checks call.

Names here are a contract; keep them (or keep an alias) when refactoring.
"""

from __future__ import annotations

from advisor.common import dataclass_code

dataclass_code.install()  # before the imports below: their dataclasses' methods compiled once, kept between processes

from dataclasses import dataclass

from advisor.catalog.load import Catalog
from advisor.domain.specs import GpuSpec, ModelSpec
from advisor.runtime import default_catalog
from advisor.physics.performance import Estimate
from advisor.physics.sizing import KvLayout, ParamBreakdown, WeightBytes

__all__ = ["Sizing", "Estimate", "size", "estimate", "catalog", "models", "gpus"]


@dataclass(frozen=True)
class Sizing:
    """Memory sizing of one model in one precision, from its architecture."""

    model: str
    architecture: str
    """``moe`` or ``dense`` (an API-only model is never sized: ``size`` refuses it)."""
    precision: str
    kv_precision: str
    context_tokens: int
    total_params: int
    active_params: int
    """Active parameters per token in the publisher's accounting (see ``active_compute_params``)."""
    active_compute_params: int
    """Parameters multiplied per token, excluding the input-embedding lookup (drives FLOPs)."""
    params: ParamBreakdown
    weights_bytes: int
    weights: WeightBytes
    kv_bytes_per_token: int
    """KV bytes per token summed over the full-attention layers."""
    kv_bytes_for_context: int
    """KV bytes of one sequence at ``context_tokens`` (windowed layers capped at their window)."""
    kv_layout: KvLayout

    def kv_bytes(self, context_tokens: int) -> int:
        """KV bytes of one sequence at ``context_tokens`` tokens."""
        return self.kv_layout.bytes_for_context(context_tokens)


def catalog() -> Catalog:
    """The loaded catalog (bundled + user, cached)."""
    return default_catalog()


def models() -> list[ModelSpec]:
    return list(catalog().models.values())


def gpus() -> list[GpuSpec]:
    return list(catalog().gpus.values())


def _model(model: str | ModelSpec) -> ModelSpec:
    return model if isinstance(model, ModelSpec) else catalog().named_model(model, architecture=True)[0]


def _named_precision(model: str | ModelSpec) -> str:
    """The weight precision a model's name implies when it names a published checkpoint ("nvidia/DeepSeek-R1-NVFP4":
    nvfp4), else ""."""
    return "" if isinstance(model, ModelSpec) else catalog().named_model(model, architecture=True)[1]


def _open_weights(model: str | ModelSpec, what: str) -> ModelSpec:
    """``model`` when its weights are published; an API-only (closed-weights) model is an ``InputError`` naming it
    and why, never a result of zeros."""
    from advisor.errors import InputError

    m = _model(model)
    if m.api_only:
        raise InputError("model", f"{m.id} ({m.name}) is API-only: {m.vendor or 'its vendor'} has not published its weights or "
                         f"architecture, so there is nothing to {what}; its per-token API offers are ranked by recommend()")
    return m


def _gpu(gpu: str | GpuSpec) -> GpuSpec:
    return gpu if isinstance(gpu, GpuSpec) else catalog().gpu(gpu)


def size(model: str | ModelSpec, precision: str | None = None, context_tokens: int = 8192, kv_precision: str = "bf16") -> Sizing:
    """Parameters, weight bytes and KV cache of ``model`` in ``precision`` (default: its published checkpoint's,
    ``ModelSpec.native_precision``: fp8 for DeepSeek-V3, mxfp4-experts for gpt-oss, bf16 for most). An API-only
    (closed-weights) model raises ``InputError``: it has no published architecture to size."""
    from advisor.physics.sizing import active_params, kv_layout, param_breakdown, weight_bytes

    from advisor.common import checks

    context_tokens = checks.whole("context_tokens", context_tokens, minimum=0)
    m = _open_weights(model, "size")
    precision = precision or _named_precision(model) or m.native_precision
    p = param_breakdown(m)
    w = weight_bytes(m, precision)
    layout = kv_layout(m, kv_precision)
    return Sizing(
        model=m.id, architecture=m.architecture, precision=precision, kv_precision=kv_precision,
        context_tokens=context_tokens, total_params=p.total, active_params=active_params(m),
        active_compute_params=p.active_compute, params=p, weights_bytes=w.total, weights=w,
        kv_bytes_per_token=layout.bytes_per_token_full, kv_bytes_for_context=layout.bytes_for_context(context_tokens),
        kv_layout=layout,
    )


def estimate(model: str | ModelSpec, gpu: str | GpuSpec, gpus: int = 1, precision: str | None = None,
             input_tokens: int = 1024, output_tokens: int = 256, kv_precision: str | None = None,
             tpot_limit_ms: float | None = None, engine: str | None = None, layout: str | None = None,
             concurrency: int | None = None, cached_input_tokens: int = 0, ttft_limit_ms: float | None = None) -> Estimate:
    """Fit, throughput and latency of ``model`` on ``gpus`` x ``gpu`` in ``precision`` (default: its published
    checkpoint's, as ``size``), served by ``engine``
    (``trtllm``, ``vllm``, ``sglang``; default: TensorRT-LLM on NVIDIA, vLLM on AMD, and vLLM or SGLang where the default
    cannot load the weights as the ranking costs them: ``engine_support.estimate_engine``) in ``layout`` (``tp``,
    ``tp_ep``, ``dep``, ``pp``; default: the best layout the engine supports); ``concurrency`` pins the
    concurrent sequences instead of the throughput-optimal batch; ``cached_input_tokens`` of each prompt are reused
    from the KV cache (prefix caching: held in the cache, not prefilled); with ``ttft_limit_ms`` the layout search
    prefers the layouts whose unloaded TTFT meets it (as the ranking does for an interactive workload). An API-only (closed-weights) model raises
    ``InputError``: it cannot be self-hosted, so there is nothing to estimate."""
    from advisor.common import checks
    from advisor.physics.engines import engine_profile
    from advisor.physics.performance import estimate_for

    gpus = checks.whole("gpus", gpus, minimum=1, maximum=MAX_GPUS)  # the cap a workload's max_gpus has
    input_tokens = checks.whole("input_tokens", input_tokens, minimum=1, maximum=MAX_TOKENS)
    output_tokens = checks.whole("output_tokens", output_tokens, minimum=1, maximum=MAX_TOKENS)
    tpot_limit_ms = checks.finite("tpot_limit_ms", tpot_limit_ms, minimum=0, allow_none=True)
    ttft_limit_ms = checks.finite("ttft_limit_ms", ttft_limit_ms, minimum=0, allow_none=True)
    if concurrency is not None:
        concurrency = checks.whole("concurrency", concurrency, minimum=1)
    cached_input_tokens = checks.whole("cached_input_tokens", cached_input_tokens, minimum=0)
    m = _open_weights(model, "estimate")
    precision = precision or _named_precision(model) or m.native_precision
    g = _gpu(gpu)
    if engine is None:  # the engine the ranking costs this precision on (TensorRT-LLM loads no INT4 GPTQ/AWQ, ...)
        from advisor.ranking.engine_support import estimate_engine

        profile = estimate_engine(catalog(), m, g, precision)
    else:
        profile = engine_profile(catalog(), g, engine)
    return estimate_for(m, g, gpus, precision, input_tokens, output_tokens,
                        kv_precision=kv_precision, tpot_limit_ms=tpot_limit_ms, engine=profile, layout=layout,
                        concurrency=concurrency, cached_input_tokens=cached_input_tokens, ttft_limit_ms=ttft_limit_ms)


# --------------------------------------------------------------------------- recommendation

from advisor.domain.recommendation import Candidate, MemoryBreakdown, Reason, Recommendation, Rejection  # noqa: E402
from advisor.domain.workload import MAX_GPUS, MAX_TOKENS, PRESETS, Workload  # noqa: E402

__all__ += ["Workload", "Recommendation", "Candidate", "Rejection", "Reason", "MemoryBreakdown", "PRESETS",
            "preset", "load_workload", "workload", "recommend"]


def preset(name: str) -> Workload:
    """A named workload preset: bursty-app, steady-latency, batch-pipeline, heavy-fine-tuning, long-context."""
    from advisor.domain.workload import preset as _preset

    return _preset(name)


def load_workload(path) -> Workload:
    """Read a workload TOML file (fields at the top level or under [workload])."""
    from advisor.domain.workload_file import load_workload as _load

    return _load(path)


def workload(**fields) -> Workload:
    """Build a validated workload from keyword fields (``preset=`` starts from a preset)."""
    from advisor.domain.workload import from_mapping

    return from_mapping(fields)


def recommend(workload: Workload) -> Recommendation:
    """Rank every way to serve ``workload`` with the loaded catalogs, prices and cost backends.

    Prices and cost backends come from the plugins (``advisor.plugins``): each price source's last good
    live refresh or its bundled snapshot, the user catalog's price files merged over them. A plugin that
    failed is left out and named in ``Recommendation.notes``."""
    from advisor import plugin_manager
    from advisor.prices import resolve
    from advisor.ranking.rank import recommend_with

    if not isinstance(workload, Workload):  # a preset's name, a dict: what to call instead
        from advisor.errors import InputError

        raise InputError("workload", f"must be a Workload (api.workload(...) or api.preset(name)), got {type(workload).__name__} "
                                     f"{workload!r:.60}")
    cat = catalog()
    prices = resolve.price_book(cat)
    backends = plugin_manager.cost_backends()
    return recommend_with(workload, cat, prices=prices, backends=backends, notes=resolve.notes())


def with_price_sources(rec: Recommendation) -> Recommendation:
    """``rec`` with ``price_sources`` stamped into its ``catalog_versions``, as a report written now records them."""
    import dataclasses

    return dataclasses.replace(rec, catalog_versions={**rec.catalog_versions, **price_sources()})


def price_sources() -> dict[str, str]:
    """Where each price source's prices come from now, keyed ``prices:<source>`` (``bundled snapshot 2026-08-19 (plugin
    runpod)``, ``live cache 2026-12-05T... (plugin runpod)``, ``none (plugin eurogpu)`` for one that failed): stamped into a
    report's ``catalog_versions`` when it is written, so ``report diff`` names a price source added, dropped or refreshed."""
    from advisor.prices import resolve

    out = {}
    for s in resolve.source_status(catalog()):
        when = s.fetched_at or s.as_of
        out[f"prices:{s.name}"] = f"{s.used}{' ' + when if when else ''} (plugin {s.plugin})"
    return out

