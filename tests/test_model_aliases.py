"""A model named as its Hugging Face repo, a published checkpoint or a same-architecture release resolves to the
catalog model with those shapes; an unrelated name is still refused with suggestions."""

import pytest

from advisor import api
from advisor.errors import UnknownIdError


@pytest.mark.parametrize("name, expected", [
    ("meta-llama/Llama-3.1-8B-Instruct", "llama-3.1-8b"),
    ("Llama-3.1-405B-Instruct", "llama-3.1-405b"),
    ("nvidia/DeepSeek-R1-NVFP4", "deepseek-r1"),
    ("Llama-4-Maverick-17B-128E-Instruct", "llama-4-maverick"),
    ("llama-3.1-70b", "llama-3.3-70b"),
    ("DeepSeek-R1-0528", "deepseek-r1"),
    ("Qwen3-235B-A22B-Instruct-2507", "qwen3-235b-a22b"),
])
def test_other_names_resolve(name, expected):
    assert api.catalog().model(name).id == expected


def test_same_architecture_alias_has_the_same_shapes():
    """The alias is only as good as the claim behind it: Llama 3.1 70B's config.json shapes are 3.3 70B's."""
    m = api.catalog().model("llama-3.1-70b")
    assert (m.num_hidden_layers, m.hidden_size, m.num_attention_heads, m.num_key_value_heads) == (80, 8192, 64, 8)


def test_estimate_takes_a_repo_name():
    e = api.estimate("meta-llama/Llama-3.1-8B-Instruct", "h100-sxm", precision="fp8")
    assert e.model == "llama-3.1-8b" and e.output_tokens_per_s > 0


def test_unrelated_name_still_refused():
    with pytest.raises(UnknownIdError, match="llama-9-giant"):
        api.catalog().model("llama-9-giant")
