"""Where the vLLM project's recipe marks a GPU unsupported for a model, vLLM is not ranked there."""

from __future__ import annotations

from advisor import api
from advisor.deploy.support import vllm_support


def _w(**kw):
    base = dict(requests_per_day=50_000, input_tokens=2000, output_tokens=300, self_hosting="required",
                models=["deepseek-v4-flash"], gpu_types=["mi300x"], min_quality=0)
    return api.workload(**{**base, **kw})


def test_a_gpu_the_recipe_refuses_is_ranked_on_another_engine_with_a_warning():
    assert vllm_support("deepseek-v4-flash", "mi300x")[0] == "unsupported"
    rec = api.recommend(_w())
    rows = [c for c in rec.candidates if c.gpu == "mi300x"]
    assert rows and all(c.engine != "vllm" for c in rows)
    for c in rows:
        warn = next(r for r in c.reasons if r.code == "engine-support")
        assert warn.severity == "warning" and "unsupported" in warn.message and c.engine in warn.message


def test_with_only_that_engine_allowed_the_gpu_is_rejected_saying_why():
    rec = api.recommend(_w(engines=["vllm"]))
    assert not [c for c in rec.candidates if c.gpu == "mi300x"]
    why = [r.reasons[0] for r in rec.rejected if r.gpu == "mi300x" and r.reasons[0].code == "engine-unsupported"]
    assert why and "vLLM recipe" in why[0].message


def test_a_verified_gpu_is_unchanged():
    assert vllm_support("deepseek-v4-flash", "mi325x")[0] == "verified"
    rec = api.recommend(_w(gpu_types=["mi325x"]))
    assert rec.candidates and not any(r.code == "engine-support" for c in rec.candidates for r in c.reasons)
