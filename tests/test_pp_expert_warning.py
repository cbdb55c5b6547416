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
