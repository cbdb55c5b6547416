"""Review 3, finding 7: a plugin's GPU price 10,000x under the market (a unit slip) was ranked #1 at "$0.000"/M. A
plugin or snapshot price more than 10x off the other providers' median for the same GPU is refused as a live
refresh's 10x move is, and named (source, GPU, both figures) in `prices` and the recommendation's notes; the user's
own catalog row is used as written, with the same warning; an API price is named from 10x and refused from 100x."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from advisor import api, plugin_manager, runtime
from advisor.cli import main
from advisor.domain.prices import ApiPrice, GpuPrice
from advisor.hookspecs import hookimpl
from advisor.prices import book
from advisor.prices.sources import StaticPriceSource

pytestmark = pytest.mark.usefixtures("fresh_plugins")

SLIP = {"provider": "mycloud", "gpu": "h100-sxm", "pricing": "on-demand", "usd_per_gpu_hour": "0.0001",
        "source": "https://mycloud.example/pricing", "as_of": "2026-11-01", "sku": "my.h100.1x"}


class MyCloud:
    """docs/plugins.md's plugin with a price in the wrong unit."""

    @hookimpl
    def register_gpu_price_sources(self, register):
        register(StaticPriceSource("mycloud", "gpu", [SLIP]))


@pytest.fixture
def mycloud():
    plugin_manager.register_plugin(MyCloud(), name="mycloud")


def test_a_plugin_price_in_the_wrong_unit_is_refused_and_named(mycloud, capsys):
    assert main(["prices", "--source", "mycloud"]) == 0
    cap = capsys.readouterr()
    warned = [ln for ln in cap.err.splitlines() if "mycloud h100-sxm $0.0001/GPU-h" in ln]
    assert len(warned) == 1 and "over 10x below the median of the other providers' prices ($" in warned[0]
    assert "not used" in warned[0] and "'mycloud'" in warned[0]
    row = next(ln for ln in cap.out.splitlines() if "my.h100.1x" in ln)
    assert "refused" in row
    rec = api.recommend(api.preset("steady-latency"))
    assert all(c.provider != "mycloud" for c in rec.candidates)
    assert any("mycloud h100-sxm $0.0001/GPU-h" in n and "not used" in n for n in rec.notes)


def test_the_users_own_price_is_used_as_written_with_the_warning(isolated_user_dirs, capsys):
    prices = isolated_user_dirs / "catalogs" / "prices"
    prices.mkdir(parents=True)
    (prices / "gpu_mycloud.toml").write_text(
        'catalog = "gpu_prices"\nschema_version = 1\nprovider = "mycloud"\n\n[[prices]]\n'
        + "".join(f'{k} = "{v}"\n' for k, v in SLIP.items() if k != "provider"))
    runtime.reset_cache()
    assert main(["recommend", "--preset", "steady-latency", "--top", "1", "--details", "1"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    row = out.split("front -", 1)[1].split("configuration:", 1)[0]
    assert "(mycloud)" in row and "<$0.001" in row  # the $/M keeps its magnitude, in the table and the breakdown
    assert not re.search(r"\$0\.000(?!\d)", out) and "90%: <$0.001" in out
    assert "user catalog: mycloud h100-sxm $0.0001/GPU-h is over 10x below" in out and "used as written" in out


def _gpu(provider: str, usd: str, gpu: str = "h100-sxm") -> GpuPrice:
    return GpuPrice(provider=provider, gpu=gpu, usd_per_gpu_hour=Decimal(usd), pricing="on-demand", source="s", as_of="2026-11-01")


def _api(provider: str, usd: str) -> ApiPrice:
    return ApiPrice(provider=provider, model="m", input_usd_per_mtok=Decimal(usd), output_usd_per_mtok=Decimal(usd),
                    source="s", as_of="2026-11-01")


def test_the_yardstick_is_the_other_providers_median():
    market = [_gpu("a", "2.0"), _gpu("b", "2.5"), _gpu("b", "3.5"), _gpu("c", "3.0")]
    [(p, name, value, median, refused)] = book.implausible([*market, _gpu("x", "0.25")])  # 12x under 3.0, the median of a, b, c
    assert (p.provider, name, value, median, refused) == ("x", "usd_per_gpu_hour", Decimal("0.25"), Decimal(3), True)
    assert not book.implausible([*market, _gpu("x", "0.31")])  # under 10x: a market price
    assert not book.implausible([_gpu("a", "2.0"), _gpu("x", "0.0001")])  # one other provider: no yardstick
    assert not book.implausible([*market, _gpu("x", "0.0001", gpu="h200")])  # another GPU is not compared


def test_an_api_price_is_named_from_10x_and_refused_from_100x():
    market = [_api("a", "0.10"), _api("b", "0.12"), _api("c", "0.08")]
    named = book.implausible([*market, _api("x", "1.50")])  # 15x: a dear provider, maybe real
    assert named and not any(r for *_, r in named)
    refused = book.implausible([*market, _api("x", "100")])  # 1,000x: per thousand for per million
    assert refused and all(r for *_, r in refused)
    assert "over 100x above" in book.implausible_text(*refused[0])


def test_the_bundled_prices_pass():
    from advisor.prices import resolve

    b = resolve.price_book()
    assert not book.implausible([*b.gpu_prices, *b.api_prices])


def test_prices_json_marks_the_refused_row(mycloud, capsys):
    assert main(["prices", "--source", "mycloud", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    [row] = [r for r in data["prices"] if r["provider"] == "mycloud"]
    assert row["from"] == "refused" and "over 10x below" in row["refused"]
