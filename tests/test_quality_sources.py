"""Quality catalog coverage: every open-weight model carries a sourced score on the default benchmark or says
why not, answering modes use the same benchmark as their model, and a quality floor judges the models that used
to have no score instead of rejecting them as unknown."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor import api
from advisor.catalog.load import load_catalog

ROOT = Path(__file__).resolve().parent.parent
NOT_COMPARABLE = "not comparable with MMLU-Pro"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(bundled=ROOT / "catalogs", user=ROOT / "no-user-catalog")


# Open-weight models with no published score on any MMLU-family benchmark: quality.toml says why in its header.
UNSCORED = {"command-a-plus", "qwen3-coder-480b-a35b", "qwen3-coder-30b-a3b"}


def test_every_open_weight_model_has_a_quality_entry(catalog):
    open_weight = {mid for mid, m in catalog.models.items() if not m.api_only}
    missing = sorted(open_weight - set(catalog.quality))
    assert missing == sorted(UNSCORED & open_weight), f"no quality entry for {sorted(set(missing) - UNSCORED)}"


def test_an_unscored_model_is_explained_in_the_quality_catalog_and_judged_unknown(catalog):
    header = (ROOT / "catalogs" / "quality.toml").read_text().split("\n[", 1)[0]
    for mid in UNSCORED:
        assert mid in catalog.models and mid not in catalog.quality
        assert f"({mid})" in header and "no MMLU-Pro" in header, mid
    rec = api.recommend(api.workload(preset="bursty-app", models=sorted(UNSCORED), min_quality=50))
    codes = {reason.code for r in rec.rejected if r.model in UNSCORED for reason in r.reasons}
    assert "quality-unknown" in codes and not [c for c in rec.candidates if c.model in UNSCORED]


def test_entries_off_the_default_benchmark_say_so(catalog):
    for mid, q in catalog.quality.items():
        assert q.source.startswith("https://"), mid
        if q.benchmark != "MMLU-Pro":
            assert NOT_COMPARABLE in q.notes, f"{mid} scores {q.benchmark} without saying it is not comparable"


def test_mode_rows_use_their_models_benchmark(catalog):
    for mid, by_mode in catalog.quality_modes.items():
        base = catalog.quality[mid]
        for mode, m in by_mode.items():
            assert m.benchmark == base.benchmark, f"{mid} [{mode}] scores {m.benchmark}, the model {base.benchmark}"


def test_a_floor_judges_the_newly_scored_models_by_their_score(catalog):
    newly = ["phi-4", "gemma-4-26b-a4b", "qwen3.5-397b-a17b", "qwen3.6-35b-a3b"]
    floor = 80
    rec = api.recommend(api.workload(preset="bursty-app", models=newly, min_quality=floor))
    codes = {r.model: {reason.code for reason in r.reasons} for r in rec.rejected}
    assert not [m for m, c in codes.items() if "quality-unknown" in c]
    below = [m for m in newly if catalog.quality[m].score < floor]
    assert below and all("quality-floor" in codes.get(m, set()) for m in below)
    assert not [c for c in rec.candidates if c.model in below]
    above = {m for m in newly if catalog.quality[m].score >= floor}
    assert not [m for m in above if "quality-floor" in codes.get(m, set())]
