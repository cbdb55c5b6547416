"""Dataclasses -> plain JSON/TOML-able values (Decimal as string, inf/nan as None)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any


def to_plain(value: Any, *, decimal_as_str: bool = True) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: to_plain(getattr(value, f.name), decimal_as_str=decimal_as_str) for f in dataclasses.fields(value)}
        return out
    if isinstance(value, Decimal):
        return str(value) if decimal_as_str else value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dict):
        return {str(k): to_plain(v, decimal_as_str=decimal_as_str) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)) or (isinstance(value, Sequence) and not isinstance(value, (str, bytes))):
        return [to_plain(v, decimal_as_str=decimal_as_str) for v in value]  # a LazyReasons too
    return value


def dumps_json(value: Any) -> str:
    import json

    return json.dumps(to_plain(value), indent=2, sort_keys=False)
