"""Robustness review 12, item 6: a plugin's print() must not corrupt ``--format json`` on stdout."""

from __future__ import annotations

import json

import pytest

from advisor import plugin_manager
from advisor.cli import main
from advisor.hookspecs import hookimpl

ROW = {"provider": "printco", "gpu": "h100-sxm", "usd_per_gpu_hour": "2.49", "pricing": "on-demand", "region": "r",
       "sku": "s", "gpus_per_instance": 1, "source": "https://printco.example", "as_of": "2026-11-22"}


pytestmark = pytest.mark.usefixtures("fresh_plugins")


class Chatty:
    """A plugin that prints in its hook and in its price source's snapshot."""

    @hookimpl
    def register_gpu_price_sources(self, register):
        print("PLUGIN CHATTER IN HOOK")

        class Src:
            name, kind, live = "printco", "gpu", None

            def snapshot(self):
                print("PLUGIN CHATTER IN SNAPSHOT")
                return [ROW]
        register(Src())


@pytest.mark.parametrize("argv", [["prices", "--format", "json"],
                                  ["recommend", "--preset", "bursty-app", "--top", "2", "--format", "json"]])
def test_plugin_print_goes_to_stderr_and_json_stays_parseable(argv, capsys):
    plugin_manager.register_plugin(Chatty(), name="printco")
    assert main(argv) == 0
    out, err = capsys.readouterr()
    json.loads(out)  # stdout is nothing but the JSON document
    assert "PLUGIN CHATTER" not in out
    assert "PLUGIN CHATTER IN SNAPSHOT" in err


def test_host_prints_outside_plugin_calls_still_reach_stdout(capsys):
    plugin_manager.register_plugin(Chatty(), name="printco")
    plugin_manager.price_sources()
    print("host line")
    out, err = capsys.readouterr()
    assert "host line" in out and "PLUGIN CHATTER IN HOOK" in err
