"""A pipeline stage holds its layers' experts over its own GPUs: a PP3 deployment on 3 GPUs (one per stage) keeps
every expert whole, so it is not warned about experts split tensor-parallel; a 16-way stage of Mixtral's 8 experts is."""

from advisor import api

WARNING = "experts tensor-parallel instead of expert-parallel"


def test_pp3_stages_are_not_warned_about_expert_splits():
    e = api.estimate("llama-4-maverick", "h200", gpus=3, precision="fp8", layout="pp")
    assert e.layout == "pp"
    assert not [x for x in e.warnings if WARNING in x]


def test_a_stage_wider_than_the_experts_is_warned():
    e = api.estimate("mixtral-8x7b", "h100-sxm", gpus=16, precision="fp8", layout="tp")
    assert [x for x in e.warnings if WARNING in x and "over 16 GPUs" in x]


def test_a_lone_prompt_passes_the_pipeline_stages_in_turn():
    """An 8,000-token prompt is one chunk: under PP4 its four stages run one after another, so its prefill takes about
    as long as the whole model's on one GPU, not a quarter of it as a full pipeline of micro-batches would."""
    kw = dict(gpus=4, precision="fp8", input_tokens=8000, output_tokens=500)
    pp = api.estimate("llama-4-maverick", "h200", layout="pp", **kw)
    tp = api.estimate("llama-4-maverick", "h200", layout="tp_ep", **kw)
    assert pp.ttft_ms > 1.6 * tp.ttft_ms
    one_stage = api.estimate("llama-3.1-8b", "h200", gpus=1, precision="fp8", input_tokens=8000, output_tokens=500)
    two_stages = api.estimate("llama-3.1-8b", "h200", gpus=2, precision="fp8", input_tokens=8000, output_tokens=500, layout="pp")
    assert two_stages.ttft_ms > 0.8 * one_stage.ttft_ms  # no speed-up from splitting one prompt's layers
