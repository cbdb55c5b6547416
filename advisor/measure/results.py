"""Benchmark result files as the engines write them.

vLLM ``vllm bench serve --save-result`` (vllm/benchmarks/serve.py; the older benchmarks/benchmark_serving.py
writes the same keys): one JSON object with ``date``, ``backend``, ``model_id``, ``tokenizer_id``,
``num_prompts``, ``request_rate``, ``burstiness``, ``max_concurrency``, any ``--metadata KEY=VALUE`` pairs at
the top level, then the metrics: ``duration``, ``completed``, ``total_input_tokens``, ``total_output_tokens``,
``request_throughput``, ``output_throughput``, ``total_token_throughput``, ``mean_ttft_ms``, ``mean_tpot_ms``,
``mean_itl_ms``, ``mean_e2el_ms`` (with median/std/pNN variants).

SGLang ``python -m sglang.bench_serving --output-file`` appends one JSON object per run (JSON lines) with the
same metric names (``output_throughput``, ``total_input_tokens``, ``total_output_tokens``, ``completed``,
``duration``, ``max_concurrency``, ``mean_ttft_ms``, ``mean_tpot_ms``); the last line is read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from advisor.errors import InputError

METADATA_KEYS = ("model", "gpu", "gpus", "engine", "layout", "precision", "kv_precision")
"""Keys a team can save with ``vllm bench serve --metadata gpu=h200 gpus=8 engine=vllm layout=dep precision=fp8``."""


@dataclass(frozen=True)
class BenchResult:
    source: str
    format: str
    """``vllm`` or ``sglang``."""
    model_id: str
    completed: int
    total_input_tokens: int
    total_output_tokens: int
    output_tokens_per_s: float
    max_concurrency: int | None
    num_prompts: int
    duration_s: float
    mean_ttft_ms: float | None = None
    mean_tpot_ms: float | None = None
    date: str = ""
    """``YYYY-MM-DD`` (from the file's ``date``; empty when absent)."""
    metadata: dict = field(default_factory=dict)

    @property
    def input_tokens(self) -> int:
        return max(1, round(self.total_input_tokens / self.completed))

    @property
    def output_tokens(self) -> int:
        return max(1, round(self.total_output_tokens / self.completed))


def _date(raw) -> str:
    s = str(raw or "")
    digits = s.replace("-", "")[:8]
    if len(digits) == 8 and digits.isdigit():
        return f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}"
    return ""


def _num(data: dict, key: str, label: str, kind=float, required: bool = True):
    v = data.get(key)
    if v is None or isinstance(v, bool):
        if required:
            raise InputError("result", f"missing {key!r} (not a `vllm bench serve --save-result` / sglang bench_serving file?)", label)
        return None
    try:
        return kind(v)
    except (TypeError, ValueError):
        raise InputError("result", f"{key!r} must be a number, got {v!r}", label) from None


def read_result(path) -> BenchResult:
    """Read one benchmark result; raises InputError naming the first missing or malformed field."""
    from advisor.common import tomlio

    label = str(path)
    try:  # bounded, regular files only: `calibrate /dev/zero` read until the OOM killer stopped it
        text = tomlio.read_text(path, label)
    except tomlio.TomlFileError as exc:
        raise InputError("result", exc.reason, label) from None
    fmt = "vllm"
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        lines = [ln for ln in text.splitlines() if ln.strip()]
        try:
            data = json.loads(lines[-1]) if lines else None
            fmt = "sglang"
        except (json.JSONDecodeError, RecursionError):
            raise InputError("result", "not JSON (expected a `vllm bench serve --save-result` file)", label) from None
    except (RecursionError, ValueError):  # nesting json cannot follow, an integer of over 4,300 digits
        raise InputError("result", "not a benchmark result (nested too deeply or a number too long)", label) from None
    if not isinstance(data, dict):
        raise InputError("result", "not a JSON object (expected a `vllm bench serve --save-result` file)", label)
    if str(data.get("backend", "")).startswith("sglang") and "model_id" not in data:
        fmt = "sglang"
    completed = _num(data, "completed", label, int)
    if completed <= 0:
        raise InputError("result", "'completed' is 0: no request finished", label)
    tin = _num(data, "total_input_tokens", label, int)
    tout = _num(data, "total_output_tokens", label, int)
    duration = _num(data, "duration", label, float, required=False) or 0.0
    out_tps = _num(data, "output_throughput", label, float, required=duration <= 0)
    if out_tps is None:
        out_tps = tout / duration
    if not out_tps > 0:
        raise InputError("result", "'output_throughput' must be positive", label)
    conc = data.get("max_concurrency")
    meta = {k: data[k] for k in METADATA_KEYS if k in data and data[k] not in (None, "")}
    return BenchResult(
        source=label, format=fmt, model_id=str(data.get("model_id") or data.get("model") or data.get("tokenizer_id") or ""),
        completed=completed, total_input_tokens=tin, total_output_tokens=tout, output_tokens_per_s=out_tps,
        max_concurrency=int(conc) if isinstance(conc, (int, float)) and not isinstance(conc, bool) else None,
        num_prompts=int(data.get("num_prompts") or completed), duration_s=duration,
        mean_ttft_ms=_num(data, "mean_ttft_ms", label, float, required=False),
        mean_tpot_ms=_num(data, "mean_tpot_ms", label, float, required=False),
        date=_date(data.get("date")), metadata=meta,
    )
