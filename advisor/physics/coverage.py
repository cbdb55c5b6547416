"""How far the calibration reaches: the largest concurrency at which an engine's scored rows of a model kind (MoE or
dense) were measured, so that an estimate at a larger batch can say it extrapolates (``calibrated_max_concurrency``).

Why it matters: the scored vLLM MoE rows (GPUStack performance lab, ``vllm bench serve --max-concurrency 4``) are
all at 4 concurrent requests and the SGLang MoE rows (sgl-cookbook) at 1-100, while a max-throughput estimate runs
hundreds to 1,024 sequences. The burst rows (1,000 requests at once, ``scored = engine-ratio``) are not scored: their
throughput is the burst's (prefill of every prompt, then a drain whose tail is set by the longest outputs), not the
steady state the estimate models, so they do not calibrate the large-batch step. TensorRT-LLM's rows are its
max-throughput tables (concurrency not pinned: the estimate's own batch, up to the engine's cap): no bound.
"""

from __future__ import annotations

import csv
import math
from functools import lru_cache


@lru_cache(maxsize=1)
def _reach() -> dict[tuple[str, bool], float]:
    """(engine, MoE) -> the largest pinned concurrency of its scored rows; inf where a row is unpinned (max throughput).
    Reads catalogs/calibration.csv as ``calibration.load_rows`` does (scored = yes; concurrency "max" or empty =
    unpinned), without importing it (it imports this module's user, advisor.physics.performance)."""
    import tomllib  # here: a start whose estimates are all kept (``memo_store``) never reads this

    from advisor.common.paths import bundled_catalog_dir

    with (bundled_catalog_dir() / "models.toml").open("rb") as fh:
        models = tomllib.load(fh).get("models", {})
    reach: dict[tuple[str, bool], float] = {}
    with (bundled_catalog_dir() / "calibration.csv").open(newline="") as fh:
        for row in csv.DictReader(fh):
            if row["scored"] != "yes":
                continue
            conc = row.get("concurrency") or "max"
            key = (row["engine"], bool(models.get(row["model"], {}).get("n_routed_experts", 0)))
            reach[key] = max(reach.get(key, 0.0), math.inf if conc == "max" else float(conc.split()[-1]))
            _SCORED_LAYOUTS.add(row.get("layout") or "")
    return reach


_SCORED_LAYOUTS: set[str] = set()
"""The layouts the scored calibration rows ran, filled by ``_reach`` as it reads them: ``tp`` alone today."""
LAYOUT_NAMES = {"tp": "tensor parallelism", "tp_ep": "tensor-parallel attention with expert-parallel experts",
                "dep": "data-parallel attention with expert-parallel experts", "pp": "pipeline parallelism"}


def layout_head(layout: str) -> str:
    """How ``layout_warning`` starts (``ranking.ties.extrapolated_note`` reads a row's warnings by it)."""
    return f"no scored calibration row ran the {layout} layout, {LAYOUT_NAMES.get(layout, layout)}"


def layout_warning(layout: str | None) -> str | None:
    """What an estimate says where its layout is one no scored calibration row ran (trial 33: the attention-DP +
    expert-parallel layout won the ranking at 1.7-2.1x tensor parallelism's throughput, and every scored row is
    tensor-parallel): its terms are the layout physics, unmeasured, and the speed estimate's error does not bound it."""
    _reach()
    if not layout or layout in _SCORED_LAYOUTS:
        return None
    return (f"{layout_head(layout)}: its per-rank batches, expert dispatch and replicated weights are modelled, not "
            f"measured, so the speed estimate's error does not bound it; benchmark this layout before you size on it")


def calibrated_max_concurrency(engine_id: str, moe: bool) -> float:
    """Largest number of concurrent requests at which ``engine_id``'s scored calibration rows of MoE (``moe``) or dense
    models were measured: math.inf where some are max-throughput runs (TensorRT-LLM's tables), 0 where the engine has
    no scored row of that kind (catalogs/calibration.csv, ``scored = yes``). Today: vLLM MoE 4, SGLang MoE 100,
    TensorRT-LLM inf, vLLM and SGLang dense 0. Read once per process."""
    return _reach().get((engine_id, bool(moe)), 0.0)


def reach_warning(engine_id: str, moe: bool, batch: int) -> str | None:
    """What an estimate at ``batch`` concurrent requests says about the calibration behind it: nothing within the reach
    of ``engine_id``'s scored rows of the model kind; past it, that the step is extrapolated; with no scored row of the
    kind at all (``calibrated_max_concurrency`` 0: vLLM and SGLang dense today), that the estimate is uncalibrated for
    that engine, rather than a reach of "0 concurrent requests" that reads as rows measured at zero."""
    reach = calibrated_max_concurrency(engine_id, moe)
    kind = "MoE" if moe else "dense"
    if reach <= 0:
        return f"{uncalibrated_head(engine_id, moe)}: this estimate is uncalibrated for {engine_id}"
    if batch > reach:
        return f"{engine_id}'s {kind} calibration rows reach {reach:g} concurrent requests: at batch {batch} the step is extrapolated"
    return None


def uncalibrated_head(engine_id: str, moe: bool) -> str:
    """How ``reach_warning`` starts where ``engine_id`` has no scored row of the model's kind: a ranked row's estimate
    warning is read by its first words (``ranking.ties.extrapolated_note``), without reading the calibration file."""
    return f"{engine_id} has no scored {'MoE' if moe else 'dense'} calibration row"


BANDS = {"low": "at most 8 concurrent requests", "mid": "9-64 concurrent requests",
         "high": "over 64 concurrent requests or at the engine's own batch"}
"""Bands of concurrency a family's known error is told apart by (``concurrency_band``): a single stream's error says
little of a batch of hundreds (DeepSeek-R1 on 8x B200 with SGLang: +2% to +5% at one request, +35% at 100)."""


def concurrency_band(batch: float) -> str:
    """``low`` (up to ``calibration.LOW_CONCURRENCY``, 8: fixed costs dominate), ``mid`` (up to 64) or ``high``."""
    return "low" if batch <= 8 else "mid" if batch <= 64 else "high"


def known_error(model_id: str, gpu_id: str, engine_id: str, layout: str, batch: float) -> tuple[int, float, str] | None:
    """(scored rows, the estimate's median signed error on them, what they ran) for the family ``model_id`` on
    ``gpu_id`` with ``engine_id`` in ``layout`` at the band of concurrency of ``batch`` (``advisor.physics.family_error``),
    or None where no scored row of the family measured that layout and band."""
    from advisor.physics.family_error import FAMILIES

    return FAMILIES.get((model_id, gpu_id, engine_id, layout, concurrency_band(batch)))


def known_error_warning(model_id: str, gpu_id: str, engine, layout: str, batch: float) -> str | None:
    """What an estimate at ``batch`` in ``layout`` says where the published measurements of its own family (model, GPU,
    engine) in that layout and band of concurrency (``BANDS``) sit further from the estimate, at the median, than the speed estimate's
    90th-percentile error over all rows (``engine``'s fit, a ServingProfile; 0.2 unfitted): the error every speed-risk
    and near-tie line quotes understates it there (trial 33: DeepSeek-R1 on 8x B200 with SGLang, +35% at 100 requests,
    its family's +4% median carried by single streams). Where the estimate ran high, the row's throughput and a bill
    priced on it may be that much optimistic; where it ran low, conservative. The words name what those runs were
    (precision, GPU count, concurrency). None within the p90, or with no scored row of the family in the layout and band
    (the calibration's reach and ``layout_warning`` say so instead)."""
    engine_id, p90 = engine.id, engine.fit.p90_abs_error if engine.fit else 0.2
    known = known_error(model_id, gpu_id, engine_id, layout, batch)
    if known is None or abs(known[1]) <= p90:
        return None
    n, m, ran = known
    rows = f"{n} published measurements" if n != 1 else "one published measurement"
    band = f"{BANDS[concurrency_band(batch)]} in the {layout} layout"
    how = f"{'their runs' if n != 1 else 'its run'} ({ran}; {'median, ' if n != 1 else ''}the estimate {m:+.0%})"
    if m > 0:
        return (f"the {rows} of {model_id} on {gpu_id} with {engine_id} at {band} ran {1 - 1 / (1 + m):.0%} below the "
                f"estimate for {how}, past the {p90:.0%} p90 error over all rows: this throughput, and a bill priced on it, "
                f"may be that optimistic (moe-advisor validate --rows)")
    return (f"the {rows} of {model_id} on {gpu_id} with {engine_id} at {band} ran {1 / (1 + m) - 1:.0%} above the "
            f"estimate for {how}, past the {p90:.0%} p90 error over all rows: this throughput may be that conservative "
            f"(moe-advisor validate --rows)")


def borrowed_factor_note(engine, gpu) -> str:
    """The tail of an uncalibrated GPU's warning when it takes a calibrated sibling's fitted per-GPU factor
    (``GpuSpec.calibrated_as``): which GPU's and how large, so a B300 row does not read as B200 x spec ratios
    alone; "" where it has none to take (its factor stays 1.0)."""
    like = gpu.calibrated_as
    mult = engine.gpu_multipliers(gpu.id, like) if like and like != gpu.id else None
    if mult is None or engine.own_multipliers(gpu.id) is not None:
        return ""
    return (f", with {like}'s fitted per-GPU factor x{mult.eff_bw:.2f} on its bandwidth and compute efficiency "
            f"(the same architecture and serving software; {like}'s {mult.rows} rows measured that much below its spec sheet)")
