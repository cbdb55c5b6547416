"""Checks on ``measurements.toml`` as read, before any ``[[correction]]`` reaches an estimate: every entry a
table with the right types, every number finite, positive and within a sane bound. One bad entry makes the file
unusable with a one-line ``InputError`` naming the file and the entry, so ``estimate`` (which warns and carries on
without the file) and ``validate --mine`` (which stops) report the same problem."""

from __future__ import annotations

import math
from typing import Any

from advisor.errors import InputError

MAX_RATIO = 1000.0
"""measured / estimated tokens/s. ``calibrate`` flags a ratio outside 0.05-20 as a likely mismatched deployment;
one past a thousandfold (either way) is not a correction of the same deployment but a wrong file."""
MAX_TOKENS_PER_S = 1e9
"""Output tokens/s of one deployment: three orders of magnitude past the fastest published system."""
MAX_COUNT = 10**8
"""Tokens per request, concurrency and GPUs: past any context window or cluster."""

_TEXT = ("model", "gpu", "precision", "engine", "layout", "source", "measured_on", "recorded_on", "kv_precision")
_COUNTS = ("gpus", "input_tokens", "output_tokens", "concurrency")
_RATES = ("measured_tokens_per_s", "estimated_tokens_per_s", "ratio")
_TIMES = ("mean_ttft_ms", "mean_tpot_ms")
_REQUIRED = ("model", "gpu", "gpus", "precision", "engine", "layout", "input_tokens", "output_tokens", "concurrency",
             "measured_tokens_per_s", "estimated_tokens_per_s", "ratio", "source")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _problem(key: str, value: Any) -> str | None:
    """What is wrong with one field's value (None: nothing)."""
    if key in _TEXT:
        return None if isinstance(value, str) else f"must be text, got {value!r}"
    if not _number(value) or not math.isfinite(value):
        return f"must be a finite number, got {value!r}"
    if key in _COUNTS:
        if value != int(value) or not 1 <= value <= MAX_COUNT:
            return f"must be a whole number from 1 to {MAX_COUNT:,}, got {value!r}"
    elif key == "ratio":
        if not 1 / MAX_RATIO <= value <= MAX_RATIO:
            return f"must be from {1 / MAX_RATIO:g} to {MAX_RATIO:g} (measured / estimated tokens/s), got {value!r}"
    elif key in _RATES:
        if not 0 < value <= MAX_TOKENS_PER_S:
            return f"must be above 0 and at most {MAX_TOKENS_PER_S:g} tokens/s, got {value!r}"
    elif key in _TIMES and value < 0:
        return f"must be 0 or more, got {value!r}"
    return None


def check_measurements(data: Any, file: str) -> None:
    """Raise ``InputError`` (naming ``file`` and the entry) unless ``data``, the parsed ``measurements.toml``, holds
    only well-formed ``[[correction]]`` entries."""
    if not isinstance(data, dict):
        raise InputError("measurements", "is not a TOML table", file)
    if data.get("catalog", "measurements") != "measurements":
        raise InputError("catalog", f"must be \"measurements\" in this file, got {data['catalog']!r}", file)
    rows = data.get("correction", [])
    if not isinstance(rows, list):
        raise InputError("correction", f"must be [[correction]] tables, got {rows!r}"[:200], file)
    for i, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise InputError(f"correction {i}", f"must be a table, got {row!r}"[:200], file)
        missing = [k for k in _REQUIRED if k not in row]
        if missing:
            raise InputError(f"correction {i}", f"lacks {', '.join(missing)}", file)
        for key, value in row.items():
            problem = _problem(key, value) if key in _TEXT + _COUNTS + _RATES + _TIMES else None
            if problem:
                raise InputError(f"correction {i}, {key}", problem[:200], file)
