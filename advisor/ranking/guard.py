"""The boundary between the ranking and a cost backend (built-in or a plugin's).

``evaluate(backend, ctx, model)`` calls a plugin's backend under a time budget and checks every result before it
reaches the sort (the built-in backends' results are not checked: they are called inline and build their rows
from checked catalog figures): a Candidate or a Rejection, money as finite non-negative Decimals below a sane ceiling,
numbers finite, and model/GPU ids the catalog knows. Bad rows are dropped with one note naming the
backend; a backend that runs over its budget is skipped for the rest of the run.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any, Callable

from advisor.common import budget
from advisor.common.redact import redact, secret_values
from advisor.domain.recommendation import Candidate, Reason, Rejection
from advisor.physics.training import method_for

MAX_MONTHLY_USD = Decimal(10) ** 12
"""No deployment costs a trillion dollars a month: a larger figure is a bug or an attack."""

_MONEY = ("monthly_cost_usd", "usd_per_mtok", "hourly_usd", "single_stream_usd_per_mtok", "usd_per_gpu_hour",
          "api_input_usd_per_mtok", "api_output_usd_per_mtok", "api_cached_input_usd_per_mtok", "fine_tuning_monthly_usd",
          "total_monthly_usd")
_REQUIRED_MONEY = ("monthly_cost_usd", "usd_per_mtok")
_NUMBERS = ("utilization", "quality", "output_tokens_per_s_per_replica", "ttft_ms", "tpot_ms", "break_even_tokens_per_day",
            "billed_gpu_hours_per_month")
_COUNTS = ("gpus", "replicas")


_plugin_of: Callable[[Any], str] = lambda backend: ""
"""Which plugin registered a backend (the plugin manager, a layer above, installs the lookup)."""


def set_plugin_lookup(lookup: Callable[[Any], str]) -> None:
    global _plugin_of
    _plugin_of = lookup


class BackendOutputError(ValueError):
    """One result of a cost backend that cannot be ranked; ``str()`` says which field and why."""


def backend_label(backend: Any) -> str:
    name = getattr(backend, "name", None)
    name = name if isinstance(name, str) and name else type(backend).__name__
    return f"cost backend {name!r}"


def _money(c: Candidate, name: str) -> None:
    v = getattr(c, name, None)
    if v is None:
        if name in _REQUIRED_MONEY:
            raise BackendOutputError(f"{name} is missing")
        return
    if not isinstance(v, Decimal):
        raise BackendOutputError(f"{name} must be a Decimal, got {type(v).__name__} {v!r}")
    if not v.is_finite():
        raise BackendOutputError(f"{name} is not finite ({v})")
    if v < 0:
        raise BackendOutputError(f"{name} is negative ({v})")
    if v.copy_abs() > MAX_MONTHLY_USD:
        raise BackendOutputError(f"{name} is out of range ({v})")


def check_result(r: Any, catalog: Any) -> Candidate | Rejection:
    """``r`` if it can be ranked, else BackendOutputError naming the problem."""
    if not isinstance(r, (Candidate, Rejection)):
        raise BackendOutputError(f"returned a {type(r).__name__}, not a Candidate or a Rejection")
    if not isinstance(r.model, str) or r.model not in catalog.models:
        raise BackendOutputError(f"names model {r.model!r}, which is not in the catalog")
    gpu = getattr(r, "gpu", None)
    if gpu is not None and (not isinstance(gpu, str) or gpu not in catalog.gpus):
        raise BackendOutputError(f"names gpu {gpu!r}, which is not in the catalog")
    if isinstance(r, Rejection):
        if not isinstance(r.reasons, tuple):
            raise BackendOutputError("a Rejection's reasons must be a tuple")
        return r
    for name in _MONEY:
        _money(r, name)
    for name in _NUMBERS:
        v = getattr(r, name, None)
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
            raise BackendOutputError(f"{name} must be a finite non-negative number, got {v!r}")
    for name in _COUNTS:
        v = getattr(r, name, None)
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise BackendOutputError(f"{name} must be a whole number, got {v!r}")
    for name in ("provider", "deployment", "architecture", "label"):
        try:
            v = getattr(r, name, "")
        except Exception as exc:  # noqa: BLE001 - a property that raises
            raise BackendOutputError(f"{name}: {type(exc).__name__}") from None
        if not isinstance(v, str):
            raise BackendOutputError(f"{name} must be a string, got {type(v).__name__}")
    return r


_SKIPPED = " for the rest of this run"

_BUILT_IN = frozenset({"advisor.ranking.self_hosted", "advisor.ranking.api_backend"})
"""Modules of the cost backends that ship with the advisor: tested code, called inline (a daemon thread per
call costs more than the call, and the ranking calls a backend once per model)."""


def _built_in(backend: Any) -> bool:
    return type(backend).__module__ in _BUILT_IN


def fresh_rows(backend: Any) -> bool:
    """Whether every Candidate ``backend`` returns is a new object that nothing else holds, so the ranking may change
    it in place (``rows.evolved``) instead of copying its 60 fields: the built-in backends build each row anew per call
    (the self-hosted one keeps only outcomes that never reached a bill, which hold no row). A plugin's may keep and
    return the same rows."""
    return type(backend).__module__ in _BUILT_IN


def closed_weights(backend: Any, ctx: Any, model: Any) -> Rejection | None:
    """The one rejection of an API-only model by a self-hosted backend (None otherwise): its weights are not
    published, so no GPU, precision or layout can serve it; the backend is not called. A planned fine-tune is
    named too: it cannot run on rented GPUs, and the vendor's own fine-tuning service is not priced here."""
    if not getattr(model, "api_only", False) or getattr(backend, "deployment", "") != "self-hosted":
        return None
    w = ctx.workload
    method = method_for(w.fine_tuning, w.fine_tuning_method)
    vendor = getattr(model, "vendor", "") or "its vendor"
    tune = (f"; the planned {method} fine-tune cannot run on your GPUs either, and {vendor}'s own fine-tuning service "
            f"(where offered) is not priced by moe-advisor" if method else "")
    return Rejection(model=model.id, deployment="self-hosted", reasons=(Reason(
        "weights-not-published", f"{model.name} is API-only: {vendor} has not published its weights, so it cannot be "
        f"self-hosted on any GPU; only its per-token API offers are ranked{tune}", "decisive", {"api_only": True}),))


def evaluate(backend: Any, ctx: Any, model: Any, notes: list[str]) -> list:
    """The checked results of ``backend.evaluate(ctx, model)`` ([] when it failed, ran over its budget or ran
    over it earlier in this run: ``notes`` holds that). Each problem is one note naming the backend (and its
    plugin) and the model. An API-only model gets one rejection from a self-hosted backend, which is not
    called (``closed_weights``)."""
    closed = closed_weights(backend, ctx, model)
    if closed is not None:
        return [closed]
    try:
        plugin = _plugin_of(backend)
    except Exception:  # noqa: BLE001
        plugin = ""
    label = backend_label(backend)
    by = f" (plugin {plugin!r})" if plugin else ""
    if any(n.startswith(label) and n.endswith(_SKIPPED) for n in notes):
        return []
    try:
        if _built_in(backend):
            results = list(backend.evaluate(ctx, model))
        else:
            results = budget.call(lambda: list(backend.evaluate(ctx, model)),
                                  budget_s=budget.budget(budget.EVALUATE_BUDGET_S), what=f"{label}{by} on {model.id}")
    except budget.BudgetExceeded as exc:
        notes.append(f"{exc}{_SKIPPED}")
        return []
    except Exception as exc:  # noqa: BLE001 - a plugin backend that raises must not take the ranking down
        notes.append(redact(f"{label} failed on {model.id}: {type(exc).__name__}: {exc}{by}", secret_values()))
        return []
    if _built_in(backend):  # tested code whose fields are typed by construction: checking every row cost 9% of a re-rank
        return results
    good, bad = [], []
    for r in results:
        try:
            good.append(check_result(r, ctx.catalog))
        except BackendOutputError as exc:
            bad.append(str(exc))
    if bad:
        notes.append(redact(f"{label} on {model.id}: {len(bad)} result(s) dropped; first: {bad[0]}{by}", secret_values()))
    return good

