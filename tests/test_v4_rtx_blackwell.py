"""DeepSeek-V4's attention runs on FlashMLA, which has SM90/SM100 kernels only: vLLM on RTX Blackwell (compute
capability 12.0) is refused, and the ranking does not offer it there as if it would start."""

from advisor import api
from advisor.deploy.support import vllm_support


def test_vllm_refuses_v4_on_sm120_and_keeps_other_models():
    assert vllm_support("deepseek-v4-flash", "rtx-pro-6000")[0] == "unsupported"
    assert vllm_support("deepseek-v4-pro", "rtx-5090")[0] == "unsupported"
    assert vllm_support("deepseek-v4-flash", "b200")[0] == "verified"
    assert vllm_support("qwen3.6-35b-a3b", "rtx-pro-6000")[0] == "verified"


def test_no_v4_row_on_rtx_blackwell_runs_on_vllm():
    rec = api.recommend(api.preset("long-context"))
    rows = [c for c in rec.candidates if c.model.startswith("deepseek-v4") and c.gpu in ("rtx-pro-6000", "rtx-5090")]
    assert all(c.engine != "vllm" for c in rows)
    assert all(any(r.code == "engine-support" for r in c.reasons) for c in rows)
