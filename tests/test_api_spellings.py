"""Callers spell ids their own way ("H100", "Llama-3.3-70B", "h100_sxm"): the catalog finds the id meant, the
ranking filters on it, and a name that matches nothing is still the usual unknown-id error."""

from __future__ import annotations

import pytest

from advisor import api
from advisor.errors import UnknownIdError
from advisor.runtime import default_catalog


@pytest.mark.parametrize(("given", "meant"), [("H100", "h100-sxm"), ("h100_sxm", "h100-sxm"), ("H200", "h200"),
                                              ("A100", "a100-80gb"), ("RTX 4090", "rtx-4090"), ("MI300X", "mi300x")])
def test_gpu_spellings_find_the_catalog_gpu(given, meant):
    assert default_catalog().gpu(given).id == meant


def test_model_spellings_find_the_catalog_model():
    cat = default_catalog()
    assert cat.model("Llama-3.3-70B").id == "llama-3.3-70b"
    assert cat.model("DeepSeek-R1").id == "deepseek-r1"


@pytest.mark.parametrize("bad", ["h1000", "llama", ""])
def test_names_that_match_nothing_stay_unknown(bad):
    with pytest.raises(UnknownIdError):
        default_catalog().gpu(bad)


def test_estimate_and_recommend_take_the_spellings():
    a = api.estimate("Llama-3.3-70B", "H100", 2, "FP8", 1000, 500)
    b = api.estimate("llama-3.3-70b", "h100-sxm", 2, "fp8", 1000, 500)
    assert a.output_tokens_per_s == b.output_tokens_per_s
    rec = api.recommend(api.workload(preset="steady-latency", gpu_types=["H100", "H200"], models=["Llama-3.3-70B"],
                                          min_quality=0))
    assert rec.candidates
    assert {c.gpu for c in rec.candidates if c.deployment == "self-hosted"} <= {"h100-sxm", "h100-pcie", "h200"}
    assert {c.model for c in rec.candidates} == {"llama-3.3-70b"}


def test_a_gpu_family_in_the_workload_allows_each_of_its_boards():
    rec = api.recommend(api.workload(preset="steady-latency", gpu_types=["h100"], min_quality=0, models=["llama-3.1-8b"]))
    gpus = {c.gpu for c in rec.candidates if c.deployment == "self-hosted"} | {r.gpu for r in rec.rejected if r.gpu}
    assert gpus == {"h100-sxm", "h100-pcie"}
