"""A model named as its Hugging Face repo or a published checkpoint resolves to the catalog model with those weights
(and the checkpoint's precision); a release with the same shapes but other weights is taken by size/estimate only,
never by a ranking, whose quality scores are not that release's."""

import pytest

from advisor import api
from advisor.errors import UnknownIdError


@pytest.mark.parametrize("name, expected", [
    ("meta-llama/Llama-3.1-8B-Instruct", "llama-3.1-8b"),
    ("Llama-3.1-405B-Instruct", "llama-3.1-405b"),
    ("nvidia/DeepSeek-R1-NVFP4", "deepseek-r1"),
    ("Llama-4-Maverick-17B-128E-Instruct", "llama-4-maverick"),
    ("Llama-3.3-70B", "llama-3.3-70b"),
    ("Qwen/Qwen3-235B-A22B-Instruct-2507", "qwen3-235b-a22b-instruct-2507"),  # its own entry since 2026-12-06
    ("Qwen/Qwen3-Coder-480B-A35B-Instruct-FP8", "qwen3-coder-480b-a35b"),
])
def test_same_weights_resolve_everywhere(name, expected):
    assert api.catalog().model(name).id == expected


@pytest.mark.parametrize("name, expected", [
    ("llama-3.1-70b", "llama-3.3-70b"),
    ("meta-llama/Llama-3.1-70B-Instruct", "llama-3.3-70b"),
    ("deepseek-ai/DeepSeek-R1-0528", "deepseek-r1"),
    ("Qwen/Qwen3-235B-A22B-Thinking-2507", "qwen3-235b-a22b"),
])
def test_same_architecture_sizes_and_estimates_but_does_not_rank(name, expected):
    assert api.size(name).model == expected
    assert api.estimate(name, "h200", gpus=8, precision="fp8").model == expected
    with pytest.raises(UnknownIdError):
        api.catalog().model(name)  # what a workload's model filter reads: 3.3's MMLU-Pro is not 3.1's


def test_same_architecture_alias_has_the_same_shapes():
    """The alias is only as good as the claim behind it: Llama 3.1 70B's config.json shapes are 3.3 70B's."""
    m = api.catalog().named_model("llama-3.1-70b", architecture=True)[0]
    assert (m.num_hidden_layers, m.hidden_size, m.num_attention_heads, m.num_key_value_heads) == (80, 8192, 64, 8)


def test_a_checkpoint_name_implies_its_precision():
    nvfp4 = api.estimate("nvidia/DeepSeek-R1-NVFP4", "b200", gpus=8)
    native = api.estimate("deepseek-r1", "b200", gpus=8)
    assert nvfp4.precision == "nvfp4" and native.precision == "fp8"
    assert nvfp4.weights_bytes < 0.7 * native.weights_bytes
    assert api.estimate("nvidia/DeepSeek-R1-NVFP4", "b200", gpus=8, precision="fp8").precision == "fp8"  # named wins


def test_unrelated_name_still_refused():
    with pytest.raises(UnknownIdError, match="llama-9-giant"):
        api.catalog().model("llama-9-giant")


def test_cli_says_when_a_release_is_sized_as_another(capsys):
    from advisor.cli import main

    assert main(["size", "meta-llama/Llama-3.1-70B-Instruct"]) == 0
    out = capsys.readouterr()
    assert "has the architecture of llama-3.3-70b" in out.err and "llama-3.3-70b" in out.out
    assert main(["estimate", "nvidia/DeepSeek-R1-NVFP4", "b200", "--gpus", "8"]) == 0
    assert "nvfp4 weights (the checkpoint nvidia/DeepSeek-R1-NVFP4 holds" in capsys.readouterr().out
