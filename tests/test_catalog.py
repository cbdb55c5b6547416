"""Catalog loading and validation: one clear error per bad entry, the rest still loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.catalog.load import load_catalog
from advisor.errors import UnknownIdError

GOOD_GPU = """
[gpus.test-gpu]
name = "Test GPU"
vendor = "nvidia"
memory_gib = 10
hbm_tbps = 1.0
bf16_tflops = 100
interconnect = "PCIe Gen4"
interconnect_gbps = 32
gpus_per_node = 8
internode_gbps = 25
source = "test"
as_of = "2026-01-01"
"""

HEADER = 'catalog = "gpus"\nschema_version = 1\n'


def _load(tmp_path: Path, text: str, name: str = "extra.toml"):
    user = tmp_path / "user"
    user.mkdir(exist_ok=True)
    (user / name).write_text(text)
    return load_catalog(user=user)


def test_bundled_catalog_loads_without_problems(cat):
    assert not cat.problems, "\n".join(map(str, cat.problems))
    required_gpus = {"h100-sxm", "h100-pcie", "h200", "b200", "a100-80gb", "l40s", "l4", "mi300x", "mi325x"}
    assert required_gpus <= set(cat.gpus)
    for g in cat.gpus.values():
        assert g.source and g.as_of
    for p in cat.gpu_prices + cat.api_prices:
        assert p.source and p.as_of


def test_user_entry_is_merged_over_bundled(tmp_path):
    c = _load(tmp_path, HEADER + GOOD_GPU)
    assert "test-gpu" in c.gpus and "h100-sxm" in c.gpus
    override = HEADER + GOOD_GPU.replace("test-gpu", "h100-sxm").replace('name = "Test GPU"', 'name = "My H100"')
    c = _load(tmp_path, override)
    assert c.gpu("h100-sxm").name == "My H100"


def test_malformed_toml_names_the_file_and_the_rest_loads(tmp_path):
    c = _load(tmp_path, "catalog = \"gpus\"\n[gpus.x\nname=", name="broken.toml")
    assert len(c.problems) == 1
    msg = str(c.problems[0])
    assert "broken.toml" in msg and "malformed TOML" in msg
    assert "h100-sxm" in c.gpus


@pytest.mark.parametrize("edit, field, words", [
    (lambda t: t.replace('vendor = "nvidia"', 'vendor = "nvidia"\nwarp_drive = 3'), "warp_drive", "unknown field"),
    (lambda t: t.replace("hbm_tbps = 1.0\n", ""), "hbm_tbps", "missing required field"),
    (lambda t: t.replace("memory_gib = 10", "memory_gib = -10"), "memory_gib", "greater than zero"),
    (lambda t: t.replace("memory_gib = 10", "memory_gib = 0"), "memory_gib", "greater than zero"),
    (lambda t: t.replace("memory_gib = 10", 'memory_gib = "ten"'), "memory_gib", "must be a number"),
])
def test_bad_field_gets_one_error_naming_file_entry_and_field(tmp_path, edit, field, words):
    c = _load(tmp_path, HEADER + edit(GOOD_GPU) + GOOD_GPU.replace("test-gpu", "other-gpu"))
    assert len(c.problems) == 1
    msg = str(c.problems[0])
    assert "extra.toml" in msg and "'test-gpu'" in msg and f"'{field}'" in msg and words in msg
    assert "test-gpu" not in c.gpus and "other-gpu" in c.gpus


def test_dotted_id_without_quotes_gets_a_hint(tmp_path):
    text = HEADER + GOOD_GPU.replace("[gpus.test-gpu]", "[gpus.gpu-1.5]")
    c = _load(tmp_path, text)
    assert "must be quoted" in str(c.problems[0])


def test_wrong_schema_version_is_refused_with_the_reason(tmp_path):
    c = _load(tmp_path, 'catalog = "gpus"\nschema_version = 9\n' + GOOD_GPU)
    assert "schema_version" in str(c.problems[0]) and "test-gpu" not in c.gpus


def test_negative_price_is_rejected(tmp_path):
    text = '''catalog = "gpu_prices"
schema_version = 1
provider = "Cheapo"
[[prices]]
gpu = "h100-sxm"
usd_per_gpu_hour = "-1.00"
pricing = "on-demand"
source = "test"
as_of = "2026-01-01"
'''
    c = _load(tmp_path, text)
    assert any("usd_per_gpu_hour" in str(p) and "non-negative" in str(p) for p in c.problems)
    assert not [p for p in c.gpu_prices if p.provider == "Cheapo"]


def test_inconsistent_model_is_rejected(tmp_path, cat):
    import tomllib

    from advisor.common.paths import bundled_catalog_dir

    data = (bundled_catalog_dir() / "models.toml").read_text()
    # A copy of Mixtral whose top-k exceeds its experts.
    block = data[data.index("[models.mixtral-8x7b]"):]
    block = block[: block.index("\n[models.", 1)]
    bad = block.replace("[models.mixtral-8x7b]", "[models.bad-mix]").replace("num_experts_per_tok = 2", "num_experts_per_tok = 9")
    c = _load(tmp_path, 'catalog = "models"\nschema_version = 1\n' + bad)
    tomllib.loads('catalog = "models"\nschema_version = 1\n' + bad)  # valid TOML: the model check caught it
    assert "bad-mix" not in c.models
    assert "num_experts_per_tok" in str(c.problems[0])


def test_unknown_id_lists_close_matches(cat):
    with pytest.raises(UnknownIdError) as err:
        cat.model("llama-3.3-70")
    assert "llama-3.3-70b" in str(err.value)
