"""DigitalOcean Serverless Inference (plugins/digitalocean_inference.py, catalogs/prices/api_digitalocean.toml):
registered like the other built-ins, its rows reach the price book and the ranking under their own provider
id, which the provider filter "digitalocean" also matches (GPU Droplets and the API, one company)."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from advisor import api, plugin_manager
from advisor.cli import prices as cli_prices
from advisor.prices import resolve

ROOT = Path(__file__).resolve().parents[1]
PROVIDER = "digitalocean-serverless"


pytestmark = pytest.mark.usefixtures("fresh_plugins")


def _rows():
    return [p for p in resolve.price_book().api_prices if p.provider == PROVIDER]


def test_plugin_is_a_builtin_with_an_entry_point():
    assert "advisor.plugins.digitalocean_inference" in plugin_manager.DEFAULT_PLUGINS
    eps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["moe_advisor"]
    assert eps["digitalocean_inference"] == "advisor.plugins.digitalocean_inference"
    info = next(i for i in resolve.plugin_infos() if i.name == "digitalocean_inference")
    assert info.status == "ok" and info.hooks == ("register_api_price_sources",)


def test_rows_reach_the_price_book_with_the_file_figures():
    data = tomllib.loads((ROOT / "catalogs" / "prices" / "api_digitalocean.toml").read_text())
    assert data["provider"] == PROVIDER
    want = {r["model"]: (Decimal(r["input_usd_per_mtok"]), Decimal(r["output_usd_per_mtok"])) for r in data["prices"]}
    got = {p.model: (p.input_usd_per_mtok, p.output_usd_per_mtok) for p in _rows()}
    assert got == want and got
    assert "bundled snapshot" in resolve.price_book().origin[PROVIDER]
    cat = api.catalog()
    for p in _rows():
        assert p.model in cat.models and p.provider_model
        assert p.source and "/" in p.source and not p.source.startswith(("/", ".", "file:"))
        assert p.as_of and p.notes


def test_unverified_dates_are_listed_to_recheck():
    rows, _, _ = cli_prices.price_rows([PROVIDER])
    assert rows and all(r["kind"] == "api" and r["guessed_date"] for r in rows)


def test_ranking_offers_the_api_under_its_own_provider():
    w = api.workload(preset="bursty-app", models=["llama-3.3-70b"], providers=[PROVIDER])
    cands = api.recommend(w).candidates
    assert cands and {(c.provider, c.deployment) for c in cands} == {(PROVIDER, "api")}
    assert cands[0].price_source == next(p.source for p in _rows() if p.model == "llama-3.3-70b")
    both = api.workload(preset="bursty-app", models=["llama-3.3-70b"], providers=["digitalocean"])
    assert {(c.provider, c.deployment) for c in api.recommend(both).candidates} >= {
        (PROVIDER, "api"), ("digitalocean", "self-hosted")}
