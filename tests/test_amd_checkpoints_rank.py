"""The ranking reads checkpoints as deploy does: an AMD row does not count NVIDIA's ModelOpt FP8 export as its
weights (no ROCm engine loads it), so it is quantized at load time, and says so where that may not fit while loading."""

from advisor import api
from advisor.domain.precision import checkpoint_for, listed_checkpoint
from advisor.ranking.engine_support import no_checkpoint


def test_modelopt_checkpoints_are_nvidia_only():
    cat = api.catalog()
    scout = cat.models["llama-4-scout"]
    assert listed_checkpoint(scout, "fp8", "amd").startswith("nvidia/")
    assert checkpoint_for(scout, "fp8", "amd") == ""
    assert checkpoint_for(scout, "fp8", "nvidia").startswith("nvidia/")
    assert no_checkpoint(scout, cat.gpus["mi300x"], "fp8") and not no_checkpoint(scout, cat.gpus["h100-sxm"], "fp8")
    maverick = cat.models["llama-4-maverick"]  # Meta's own FP8 (FBGEMM) export: ROCm loads fbgemm_fp8
    assert checkpoint_for(maverick, "fp8", "amd").startswith("meta-llama/")


def test_scout_fp8_on_one_mi300x_is_warned_about_its_load_peak():
    rec = api.recommend(api.preset("long-context"))
    rows = [c for c in rec.candidates if (c.model, c.gpu, c.gpus, c.precision) == ("llama-4-scout", "mi300x", 1, "fp8")]
    assert rows and all(any(r.code == "checkpoint" and "at load time" in r.message for r in c.reasons) for c in rows)
