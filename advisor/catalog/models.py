"""API-only model entries: a closed model sold only per token (GPT-5.5, Claude Opus 4.7) has no published
weights or architecture.

Such an entry (``api_only = true``) carries ``name``, ``vendor``, ``release``, ``max_position_embeddings``
(the context window its vendor publishes), ``source``, ``as_of`` and ``notes``. ``api_only_fields`` checks
that and returns the empty architecture the validator (``advisor.catalog.schema.build_entry``) fills in, so
naming an architecture field is an error and no sizing or throughput figure can come from a guess.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from typing import Any

from advisor.domain.specs import ModelSpec
from advisor.errors import CatalogError

API_ONLY_FIELDS = frozenset({"name", "vendor", "release", "max_position_embeddings", "source", "as_of", "notes", "api_only"})
"""The fields an API-only entry may carry."""
API_ONLY_REQUIRED = ("name", "vendor", "release", "max_position_embeddings", "source", "as_of")


@lru_cache(maxsize=1)
def _empty_architecture() -> tuple[tuple[str, Any], ...]:
    """Every ModelSpec field an API-only entry leaves empty, with its empty value (0, "", False, the default)."""
    out = []
    for f in dataclasses.fields(ModelSpec):
        if f.name in API_ONLY_FIELDS or f.name == "id" or f.default_factory is not dataclasses.MISSING:
            continue
        if f.default is not dataclasses.MISSING:
            out.append((f.name, f.default))
        else:  # a required architecture field
            out.append((f.name, "" if f.type in ("str", str) else 0))
    return tuple(out)


def api_only_fields(model_id: str, raw: Any, label: str) -> dict[str, Any]:
    """{} for an open-weights entry; for an API-only one, its checked empty architecture (CatalogError naming
    the file, entry and field when it names an architecture field or lacks a required one)."""
    if not isinstance(raw, dict) or raw.get("api_only") is not True:
        return {}
    known = {f.name for f in dataclasses.fields(ModelSpec)}
    for key in raw:
        if key in known and key not in API_ONLY_FIELDS:
            raise CatalogError(label, "an API-only model publishes no weights or architecture: remove this field "
                                      "(or drop api_only to describe an open-weights model)", entry=model_id, field=key)
    for key in API_ONLY_REQUIRED:
        if key not in raw:
            raise CatalogError(label, "missing required field (an API-only model needs name, vendor, release, "
                                      "max_position_embeddings, source and as_of)", entry=model_id, field=key)
        if isinstance(raw[key], str) and not raw[key].strip():
            raise CatalogError(label, "must not be empty", entry=model_id, field=key)
    return {**dict(_empty_architecture()), "checkpoints": {}}
