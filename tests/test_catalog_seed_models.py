"""Catalog models named by the seed articles: every open-weight model is sized within rounding of its
publisher's counts (not only the ones tests/test_sizing.py lists by name), and Cohere Command A+ (added from
secondary copies of its config) reproduces the GPU footprints Cohere publishes for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor import api
from advisor.catalog.load import load_catalog
from advisor.physics.sizing import fit

ROOT = Path(__file__).resolve().parent.parent

# Publishers that round to one or two significant figures (see tests/test_sizing.py for why).
ROUNDED = {"kimi-k2": (0.05, 0.02), "phi-4": (0.05, 0.05), "qwen3.5-397b-a17b": (0.02, 0.03),
           # computed 13.67B active vs the published "13B": whether DeepSeek counts the input embedding (0.53B)
           # for V4 is not stated (see its notes); tests/test_sizing.py leaves this model out of its list too
           "deepseek-v4-flash": (0.02, 0.06)}


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(bundled=ROOT / "catalogs", user=ROOT / "no-user-catalog")


def test_every_open_weight_model_matches_its_published_counts(catalog):
    checked = []
    for mid, m in catalog.models.items():
        if m.api_only:
            continue
        s = api.size(m)
        rel_total, rel_active = ROUNDED.get(mid, (0.02, 0.02))
        assert m.published_total_params > 0, mid
        assert s.total_params == pytest.approx(m.published_total_params, rel=rel_total), mid
        if m.published_active_params:
            assert s.active_params == pytest.approx(m.published_active_params, rel=rel_active), mid
        checked.append(mid)
    assert "command-a-plus" in checked


def test_command_a_plus_is_a_128_expert_moe_with_one_wide_shared_expert(catalog):
    m = catalog.models["command-a-plus"]
    assert (m.n_routed_experts, m.num_experts_per_tok, m.n_shared_experts) == (128, 8, 1)
    assert m.shared_expert_intermediate_size == 4 * m.moe_intermediate_size  # 4 fused shared MLPs
    assert m.sliding_window_layers * 4 == m.num_hidden_layers * 3  # 3 sliding : 1 full
    s = api.size(m)
    assert s.active_params < s.total_params / 8  # sparse: ~25B of ~218B


@pytest.mark.parametrize("precision, too_few, enough", [
    ("bf16", 4, 8),  # Cohere: BF16 on 8x H100
    ("fp8", 2, 4),  # FP8 on 4x H100
    ("mxfp4-experts", 1, 2),  # W4A4 (4-bit experts, the rest in 16 bits) on 2x H100
])
def test_command_a_plus_fits_the_h100_counts_cohere_publishes(catalog, precision, too_few, enough):
    m, h100 = catalog.models["command-a-plus"], catalog.gpus["h100-sxm"]
    assert not fit(m, h100, too_few, precision, 8192).fits
    assert fit(m, h100, enough, precision, 8192).fits
