"""A plugin's price sources as `moe-advisor prices` shows them: ``--source acme`` lists source acme's rows, not those
of source acme-api of the same provider; one malformed row is skipped and named in a note while the plugin stays ok;
an unknown GPU id gets the closest catalog ids, on stderr, never inside the table."""

from __future__ import annotations

import pytest

from advisor import plugin_manager
from advisor.cli import main
from advisor.hookspecs import hookimpl
from advisor.prices import resolve
from advisor.prices.sources import StaticPriceSource

pytestmark = pytest.mark.usefixtures("fresh_plugins")

ROW = {"provider": "acme", "usd_per_gpu_hour": "2.22", "region": "eu", "source": "https://acme.example/pricing",
       "as_of": "2026-11-01"}


class Acme:
    """As docs/plugins.md writes one: a GPU source and an API source for provider acme."""

    @hookimpl
    def register_gpu_price_sources(self, register):
        register(StaticPriceSource("acme", "gpu", [
            {**ROW, "gpu": "h100-sxm", "pricing": "on-demand", "sku": "acme.h100.1x"},
            {**ROW, "gpu": "h200", "pricing": "ondemand", "sku": "acme.h200.1x"},     # malformed: not a pricing kind
            {**ROW, "gpu": "h100", "pricing": "on-demand", "sku": "acme.h100.bare"},   # not a catalog id
        ]))

    @hookimpl
    def register_api_price_sources(self, register):
        register(StaticPriceSource("acme-api", "api", [
            {"provider": "acme", "model": "llama-3.3-70b", "input_usd_per_mtok": "0.5", "output_usd_per_mtok": "0.7",
             "source": "https://acme.example/api", "as_of": "2026-11-01"},
        ]))


@pytest.fixture
def acme():
    plugin_manager.register_plugin(Acme(), name="acme")


def _lines(text: str, word: str) -> list[str]:
    return [ln for ln in text.splitlines() if word in ln]


def test_source_selects_the_source_not_the_provider(acme, capsys):
    assert main(["prices", "--source", "acme"]) == 0
    out = capsys.readouterr().out
    summary, detail = out.split("\n\n", 1)
    assert [ln.split()[0] for ln in _lines(summary, "acme")] == ["acme"]
    assert "llama-3.3-70b" not in detail and len(_lines(detail, "acme.h100.1x")) == 1
    # a provider name that is no source still selects that provider's rows, of every source
    assert main(["prices", "--source", "acme-api"]) == 0
    assert "llama-3.3-70b" in capsys.readouterr().out


def test_a_malformed_row_is_a_note_naming_it_and_the_plugin_stays_ok(acme, capsys):
    resolve.price_book()
    info = next(i for i in plugin_manager.plugin_infos() if i.name == "acme")
    assert info.status == "ok", info.error
    assert main(["prices", "--source", "acme"]) == 0
    cap = capsys.readouterr()
    skipped = _lines(cap.err, "1 row skipped")
    assert len(skipped) == 1 and "'acme'" in skipped[0] and "row 1 (h200" in skipped[0] and "pricing" in skipped[0]
    assert "2.22" in cap.out and "h100-sxm" in cap.out  # the valid row is in use


def test_an_unknown_gpu_id_gets_a_hint_on_stderr_not_in_the_table(acme, capsys):
    assert main(["prices", "--source", "acme"]) == 0
    cap = capsys.readouterr()
    hint = _lines(cap.err, "unknown gpu 'h100'")
    assert len(hint) == 1 and "did you mean 'h100-sxm'" in hint[0]  # the closest first
    assert "moe-advisor:" not in cap.out and "unknown gpu" not in cap.out
