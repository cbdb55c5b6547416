"""Throughput corrections from the team's own measurements, kept in ``measurements.toml`` in the user catalog
directory (written atomically; one ``[[correction]]`` table per measured deployment and request shape).

A correction is ``measured output tokens/s / estimated output tokens/s`` of one deployment (model, GPU, GPUs
per engine, weight precision, engine, layout) at the measured request shape and concurrency. The estimate
multiplies its throughput by ``correction_for(...)``: the correction measured at the nearest request shape
(log distance of input and output lengths) of the same deployment; other deployments get ``None``."""

from __future__ import annotations

import contextlib
import contextvars
import functools
import math
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from advisor.measure.checks import check_measurements

FILE_NAME = "measurements.toml"

_DISABLED: contextvars.ContextVar[bool] = contextvars.ContextVar("moe_advisor_corrections_disabled", default=False)


@dataclass(frozen=True)
class Correction:
    model: str
    gpu: str
    gpus: int
    """GPUs of the measured engine."""
    precision: str
    engine: str
    layout: str
    input_tokens: int
    output_tokens: int
    concurrency: int
    measured_tokens_per_s: float
    estimated_tokens_per_s: float
    """The uncorrected estimate at the same shape and concurrency."""
    ratio: float
    source: str
    """The result file it came from."""
    measured_on: str = ""
    """The date the benchmark ran (from the file), ``YYYY-MM-DD``."""
    recorded_on: str = ""
    kv_precision: str = ""
    mean_ttft_ms: float = 0.0
    mean_tpot_ms: float = 0.0

    @property
    def key(self) -> tuple:
        return (self.model, self.gpu, self.gpus, self.precision, self.engine, self.layout)


def path(directory: Path | None = None) -> Path:
    from advisor.common.paths import user_catalog_dir

    return _file_in(directory or user_catalog_dir())


@functools.lru_cache(maxsize=64)
def _file_in(directory: Path) -> Path:
    return directory / FILE_NAME


RECHECK_S = 1.0
"""How long a read of the file is trusted before its modification time is checked again: an estimate asks
for corrections once per layout, thousands of times in one ranking. ``save`` forgets the read at once."""

_cache: dict[Path, tuple[int, float, tuple[Correction, ...]]] = {}


def load(directory: Path | None = None) -> tuple[Correction, ...]:
    """Every stored correction (none when the file is absent; a malformed file raises InputError)."""
    p = path(directory)
    hit = _cache.get(p)
    now = time.monotonic()
    if hit and now - hit[1] < RECHECK_S:
        return hit[2]
    try:
        mtime = p.stat().st_mtime_ns
    except OSError:
        _cache[p] = (-1, now, ())
        return ()
    if hit and hit[0] == mtime:
        _cache[p] = (mtime, now, hit[2])
        return hit[2]
    # Imported only when a measurements file exists (most starts have none).
    from advisor.common import tomlio
    from advisor.errors import InputError

    try:  # bounded, regular files only: a FIFO named measurements.toml hung every command
        data = tomlio.load(p, str(p))
    except tomlio.TomlFileError as exc:
        raise InputError("measurements", exc.reason, str(p)) from None
    check_measurements(data, str(p))
    rows = data.get("correction", [])
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise InputError("measurements", "'correction' must be [[correction]] tables", str(p))
    names = {f.name for f in fields(Correction)}
    out = []
    for i, row in enumerate(rows):
        try:
            out.append(Correction(**{k: v for k, v in row.items() if k in names}))
        except TypeError as exc:
            raise InputError("measurements", f"correction {i + 1}: {exc}", str(p)) from None
    result = tuple(out)
    _cache[p] = (mtime, now, result)
    return result


def forget() -> None:
    """Read the file again on the next ``load`` (after editing it by hand)."""
    _cache.clear()


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else "0.0"
    s = str(v).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f'"{s}"'


def dumps(corrections: tuple[Correction, ...]) -> str:
    lines = ["# moe-advisor measurements: throughput corrections from `moe-advisor calibrate` (safe to edit or delete)",
             'catalog = "measurements"', "schema_version = 1", ""]
    for c in corrections:
        lines.append("[[correction]]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in asdict(c).items()]
        lines.append("")
    return "\n".join(lines)


def save(correction: Correction, directory: Path | None = None) -> Path:
    """Add ``correction`` (replacing one of the same deployment, shape and concurrency) and write atomically."""
    from advisor.common.files import atomic_write

    p = path(directory)
    p.parent.mkdir(parents=True, exist_ok=True)
    same = (correction.key, correction.input_tokens, correction.output_tokens, correction.concurrency)
    kept = tuple(c for c in load(directory) if (c.key, c.input_tokens, c.output_tokens, c.concurrency) != same)
    atomic_write(p, dumps(kept + (correction,)).encode("utf-8"))
    _cache.pop(p, None)
    return p


@contextlib.contextmanager
def corrections_disabled():
    """Inside this block ``correction_for`` returns None (calibration compares with the raw estimate)."""
    token = _DISABLED.set(True)
    try:
        yield
    finally:
        _DISABLED.reset(token)


def correction_for(model: str, gpu: str, gpus: int, precision: str, engine: str, layout: str,
                   input_tokens: int | None = None, output_tokens: int | None = None,
                   directory: Path | None = None) -> float | None:
    """The factor to multiply the estimated throughput of this deployment by, or None when the team has not
    measured it. Among several measurements of the deployment, the one at the nearest request shape."""
    if _DISABLED.get():
        return None
    try:
        rows = load(directory)
    except Exception:  # a broken measurements file never breaks an estimate (`validate --mine` reports it)
        return None
    key = (model, gpu, int(gpus), precision, engine, layout)
    match = [c for c in rows if c.key == key and c.ratio > 0]
    if not match:
        return None
    if input_tokens and output_tokens:
        def dist(c: Correction) -> float:
            return abs(math.log(input_tokens / max(1, c.input_tokens))) + abs(math.log(output_tokens / max(1, c.output_tokens)))
        match.sort(key=lambda c: c.recorded_on, reverse=True)  # newest first among equally near shapes
        return min(match, key=dist).ratio
    return max(match, key=lambda c: c.recorded_on).ratio
