"""Numeric inputs checked at the door: finite, in range, whole where a count is meant.

Each check raises ``InputError`` naming the argument in one line (never a raw ValueError, OverflowError
or a NaN that poisons every number after it)."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from advisor.common.fmt import plain_number
from advisor.errors import InputError


def readable(x: float) -> str:
    """A number echoed back in a message as a person writes it: grouped (``1,000,000,000,000,000``, not ``1e+15``),
    ``2.5``; in exponent form past 1e18 (or not finite), where grouping gives a row of digits no one counts."""
    return plain_number(x) if math.isfinite(x) and abs(x) < 1e18 else f"{x:g}"


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


def ungrouped(text: str, name: str = "", where: str | None = None, whole: bool = False) -> str | None:
    """``"40,000"`` -> ``"40000"``: a number written with thousands separators, commas only between groups of three
    digits (``1,,024`` and ``10,24`` are typos, not numbers), as digits; ``text`` itself when it has no comma. The one
    rule the workload file, the command line and the form read numbers by. Otherwise None, or with ``name`` an
    ``InputError`` naming it (``whole``: a whole number is meant)."""
    raw = text.strip()
    if "," not in raw:
        return raw
    head, dot, tail = raw.partition(".")
    groups = head.lstrip("+-").split(",")
    if (head[:1].isdigit() or head[:1] in "+-") and not (dot and not tail.isdigit()) and 1 <= len(groups[0]) <= 3 and (
            groups[0].isdigit() and all(len(g) == 3 and g.isdigit() for g in groups[1:])):
        return raw.replace(",", "")
    if name:
        raise InputError(name, f"must be a {'whole ' if whole else ''}number (commas between groups of three digits), "
                         f"got {text!r}", where)
    return None
