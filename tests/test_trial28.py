"""User trial 28: a price file with the same row twice names both rows (the refresh cases are in test_hostile_prices.py
and test_live.py, beside their fixtures)."""

from __future__ import annotations

import json

from advisor.cli import main


def test_the_same_price_row_twice_in_a_file_is_named(isolated_user_dirs, capsys):
    from advisor import runtime

    d = isolated_user_dirs / "catalogs" / "prices"
    d.mkdir(parents=True)
    rows = "".join(f'[[prices]]\ngpu = "h200"\npricing = "on-demand"\nusd_per_gpu_hour = "{usd}"\n'
                   f'source = "https://example.com"\nas_of = "2026-12-01"\n' for usd in ("2.10", "2.20"))
    (d / "gpu_mine.toml").write_text(f'catalog = "gpu_prices"\nschema_version = 1\nprovider = "mine"\n{rows}')
    runtime.reset_cache()
    assert main(["prices", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert "prices[1] has the same provider, GPU, pricing, region and SKU as prices[0]; the later row, prices[1], is used" in err
    used = [x for x in json.loads(out)["prices"] if x["provider"] == "mine"]
    assert [x["usd_per_gpu_hour"] for x in used] == ["2.20"]
