"""docs/plugins.md documents every field the GPU and API price-row validator accepts (a plugin author who leaves
out ``billing_increment_s`` is billed per hour), and every ``pricing`` kind it accepts."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from advisor.catalog.schema import check_price
from advisor.domain.prices import PRICING_KINDS, ApiPrice, GpuPrice

DOCS = (Path(__file__).resolve().parents[1] / "docs" / "plugins.md").read_text()


def _section(hook: str) -> str:
    start = DOCS.index(f"### {hook}")
    nxt = DOCS.find("\n### ", start + 1)
    return DOCS[start: nxt if nxt > 0 else None]


def _documented(section: str) -> set[str]:
    """Field names in the first column of the section's field table."""
    names = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            names.update(re.findall(r"`(\w+)`", line.split("|")[1]))
    return names


@pytest.mark.parametrize("hook, cls", [("register_gpu_price_sources", GpuPrice), ("register_api_price_sources", ApiPrice)])
def test_every_accepted_row_field_is_documented(hook, cls):
    accepted = {f.name for f in dataclasses.fields(cls)}
    missing = accepted - _documented(_section(hook))
    assert not missing, f"{hook}: fields the validator accepts but docs/plugins.md leaves out: {sorted(missing)}"


def test_the_documented_fields_are_what_the_validator_accepts():
    """The check reads the dataclass; this makes sure the validator goes by it (an unknown field is refused)."""
    row = {"provider": "p", "gpu": "h100-sxm", "usd_per_gpu_hour": "2", "pricing": "on-demand", "source": "s", "as_of": "2026-01-01"}
    assert check_price(row, "gpu", "t").billing_increment_s == 3600
    with pytest.raises(Exception, match="billing"):
        check_price({**row, "billing_incremnt_s": 1}, "gpu", "t")
    for kind in PRICING_KINDS:
        assert check_price({**row, "pricing": kind}, "gpu", "t").pricing == kind


def test_every_pricing_kind_is_documented():
    line = next(ln for ln in _section("register_gpu_price_sources").splitlines() if ln.startswith("| `pricing`"))
    missing = [k for k in PRICING_KINDS if f"`{k}`" not in line]
    assert not missing, missing


def test_the_billing_default_is_stated():
    line = next(ln for ln in _section("register_gpu_price_sources").splitlines() if ln.startswith("| `billing_increment_s`"))
    default = next(f.default for f in dataclasses.fields(GpuPrice) if f.name == "billing_increment_s")
    assert str(default) in line and "per hour" in line
