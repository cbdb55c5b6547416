"""The SGLang ROCm image a deployment names carries one SGLang release: a model that needs a later one (DeepSeek-V4:
0.5.20) gets a warning in the launch notes; a model the image's release serves does not."""

import dataclasses

from advisor import api
from advisor.deploy import support
from advisor.deploy.engines import notes
from advisor.deploy.plan import plan_for


def _amd_plan(model: str):
    w = api.workload(models=[model], gpu_types=["mi300x", "mi325x", "mi355x"], self_hosting="required")
    c = api.recommend(w).candidates[0]
    return plan_for(c, w, api.catalog())


def test_v4_on_the_pinned_sglang_rocm_image_is_warned():
    p = _amd_plan("deepseek-v4-flash")
    assert p.vendor == "amd"
    lines = [x for x in notes(p, "sglang") if x.startswith("WARNING") and "0.5.20" in x]
    assert lines and support.version_text(support.SGLANG_ROCM_VERSION) in lines[0]


def test_a_model_the_image_serves_is_not_warned():
    p = dataclasses.replace(_amd_plan("deepseek-v4-flash"), model_id="deepseek-r1")
    assert not [x for x in notes(p, "sglang") if x.startswith("WARNING") and "rocm/sgl-dev" in x]
