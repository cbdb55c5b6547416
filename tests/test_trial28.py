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


def _user_phi(isolated_user_dirs, layers: int) -> None:
    """A copy of phi-4 in the user catalog under another id, with ``layers`` hidden layers."""
    import re
    from pathlib import Path

    from advisor import runtime

    src = (Path(__file__).resolve().parent.parent / "catalogs" / "models.toml").read_text(encoding="utf-8")
    table = re.search(r'\[models\."?phi-4"?\][\s\S]*?(?=\n\[models\.)', src).group(0)
    table = re.sub(r'\[models\."?phi-4"?\]', '[models."my-phi"]', table)
    table = re.sub(r"num_hidden_layers = \d+", f"num_hidden_layers = {layers}", table)
    d = isolated_user_dirs / "catalogs"
    d.mkdir(parents=True, exist_ok=True)
    (d / "models.toml").write_text(f'catalog = "models"\nschema_version = 1\n\n{table}\n', encoding="utf-8")
    runtime.reset_cache()


def test_a_model_whose_architecture_is_far_from_its_published_size_is_named(isolated_user_dirs, capsys):
    _user_phi(isolated_user_dirs, 400)  # 14B published, 137B from 400 layers
    assert main(["size", "my-phi"]) == 0
    out, err = capsys.readouterr()
    assert "models.toml: model 'my-phi': its architecture gives 137.3B parameters, published_total_params says 14.0B" in err
    from advisor import api

    assert not [p for p in api.catalog().problems if "'phi-4'" in p.message]  # the bundled models are within the tolerance


def test_a_layer_count_past_any_model_is_refused_naming_the_field(isolated_user_dirs, capsys):
    _user_phi(isolated_user_dirs, 99_999_999_999_999)  # was: accepted, "34079744000.00T" parameters
    assert main(["size", "my-phi"]) == 2
    err = capsys.readouterr().err
    assert "entry 'my-phi', field 'num_hidden_layers': out of range" in err and "Traceback" not in err


def test_a_workload_files_unknown_preset_names_the_file_and_field(tmp_path, capsys):
    f = tmp_path / "w.toml"
    f.write_text('preset = "bursty-ap"\n', encoding="utf-8")
    assert main(["recommend", str(f)]) == 2
    err = capsys.readouterr().err
    assert f"{f}: preset: unknown preset 'bursty-ap'. Did you mean: bursty-app" in err


def test_a_response_without_its_list_key_says_the_key_is_missing():
    import pytest

    from advisor.prices.fetchers import _need
    from advisor.prices.http import LiveError

    with pytest.raises(LiveError, match=r"no 'Items' key \(its keys: 'data'\)"):  # was: "'Items' is NoneType"
        _need({"data": "nope"}, "Items", list, "prices.example")
    with pytest.raises(LiveError, match="'Items' is str, expected list"):
        _need({"Items": "nope"}, "Items", list, "prices.example")


def test_a_budget_overrun_names_whole_seconds_and_the_prices_help_says_source_filters_the_list(monkeypatch, capsys):
    import threading

    import pytest

    from advisor.common import budget

    class Expired(threading.Event):  # a budget that ran out at once: what the message says of it
        def wait(self, timeout=None):
            return False

    monkeypatch.setattr(budget.threading, "Event", Expired)
    with pytest.raises(budget.BudgetExceeded) as got:
        budget.call(lambda: None, budget_s=179.9163, what="a live fetch")  # what a 180 s deadline left (trial 28)
    assert "ran over its 180 s time budget" in str(got.value)
    monkeypatch.undo()
    with pytest.raises(SystemExit):
        main(["prices", "--help"])
    assert "list or refresh only this source" in capsys.readouterr().out


async def test_a_long_plugin_error_is_cut_with_a_sign_on_the_prices_screen(fresh_plugins):
    """Trial 28: "snapshot failed: BudgetE" at the edge of a 120-column screen; the error column is cut at a clause with
    "…" in the room the other columns leave (`moe-advisor plugins` prints it whole)."""
    from test_tui import make_app

    from advisor import plugin_manager
    from advisor.hookspecs import hookimpl

    class Loud:
        @hookimpl
        def register_gpu_price_sources(self, register):
            raise RuntimeError("the provider's price API changed its shape, " * 6 + "and this plugin needs an update")

    plugin_manager.register_plugin(Loud(), name="loudco")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        table = await _plugins_table(app, pilot, "loudco")
        error = table.get_row("loudco")[-1]
        assert str(error).endswith("…") and str(error).startswith("register_gpu_price_sources raised")
        widths = sum(c.get_render_width(table) for c in table.ordered_columns)
        assert widths <= 120 - 2  # the whole row on screen: no cell past the edge


async def test_a_failed_plugin_is_the_first_row_of_the_plugins_table(fresh_plugins):
    """Trial 38: a broken price plugin was the last row of the plugins table, below every built-in one."""
    from test_tui import make_app

    from advisor import plugin_manager
    from advisor.hookspecs import hookimpl

    class Broken:
        @hookimpl
        def register_gpu_price_sources(self, register):
            raise RuntimeError("no prices today")

    plugin_manager.register_plugin(Broken(), name="zz-broken")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        table = await _plugins_table(app, pilot, "zz-broken")
        assert str(table.ordered_rows[0].key.value) == "zz-broken" and table.row_count > 5


async def _plugins_table(app, pilot, name: str):
    """F2's plugins table once it lists ``name``."""
    from textual.widgets import DataTable
    from test_tui import settle, until

    from advisor.tui.screens.prices import PricesScreen

    await settle(pilot)
    await pilot.press("f2")
    await until(pilot, lambda: isinstance(app.screen, PricesScreen))
    table = app.screen.query_one("#plugins", DataTable)
    await until(pilot, lambda: name in [str(k.value) for k in table.rows])
    return table
