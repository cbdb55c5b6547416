"""Numeric inputs checked at the door: finite, in range, whole where a count is meant.

Each check raises ``InputError`` naming the argument in one line (never a raw ValueError, OverflowError
or a NaN that poisons every number after it)."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from advisor.errors import InputError


def finite(name: str, value: Any, *, minimum: float | None = None, maximum: float | None = None,
           allow_none: bool = False) -> float | None:
    """``value`` as a finite float within [minimum, maximum] (``None`` passes when ``allow_none``)."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        raise InputError(name, f"must be a number, got {value!r}")
    try:
        f = float(value)
    except (ValueError, OverflowError):
        raise InputError(name, f"must be a number, got {value!r}") from None
    if not math.isfinite(f):
        raise InputError(name, f"must be a finite number, got {value!r}")
    if minimum is not None and f < minimum:
        raise InputError(name, f"must be at least {minimum:g}, got {f:g}")
    if maximum is not None and f > maximum:
        raise InputError(name, f"must be at most {maximum:g}, got {f:g}")
    return f


def whole(name: str, value: Any, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """``value`` as an int (``2`` or ``2.0``, never ``1.5``, NaN or a bool) within [minimum, maximum]."""
    if isinstance(value, bool):
        raise InputError(name, f"must be a whole number, got {value!r}")
    f = finite(name, value)
    if f != int(f):
        raise InputError(name, f"must be a whole number, got {value!r}")
    n = int(f)
    if minimum is not None and n < minimum:
        raise InputError(name, f"must be at least {minimum}, got {n}")
    if maximum is not None and n > maximum:
        raise InputError(name, f"must be at most {maximum}, got {n}")
    return n


def finite_arg(text: str) -> float:
    """An argparse ``type=``: a finite number (``nan``, ``inf`` and ``1e999`` refused with one line)."""
    import argparse

    try:
        f = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(f):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return f
