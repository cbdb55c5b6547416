"""User trial 33 (an inference platform engineer sizing a large MoE at scale): the SkyPilot file installed any SGLang
0.5 release while its own warning said the model needs 0.5.20 or later."""

from __future__ import annotations

from advisor import api
from advisor.deploy import skypilot


def _setup(models, engine="sglang"):
    rec = api.recommend(api.workload(models=models, requests_per_day=1e6, engines=[engine], gpu_types=["b200"], self_hosting="required"))
    c = next(c for c in rec.candidates if c.deployment == "self-hosted")
    files = skypilot.render(c, rec.workload, api.catalog(), "skypilot")
    text = next(v for k, v in files.items() if k.endswith(".yaml"))
    return [ln.strip() for ln in text.splitlines() if "pip install" in ln]


def test_sglang_is_pinned_to_the_release_the_model_needs_within_the_series():
    assert _setup(["deepseek-v4-flash"]) == ['pip install "sglang[all]==0.5.*,>=0.5.20"']


def test_a_model_any_release_of_the_series_loads_keeps_the_series_pin():
    assert _setup(["qwen3-235b-a22b"]) == ['pip install "sglang[all]==0.5.*"']
