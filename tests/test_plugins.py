"""The plugin system: built-ins registered like third-party plugins, entry-point discovery, the
MOE_ADVISOR_PLUGINS filter, and failure isolation (import errors, hooks that raise, malformed data)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from advisor import api
from advisor import plugin_manager
from advisor.prices import resolve
from advisor.prices import sources
from advisor.domain.prices import ApiPrice, GpuPrice, price_key
from advisor.runtime import default_catalog
from advisor.hookspecs import hookimpl

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "moe-advisor-example-plugin"


pytestmark = pytest.mark.usefixtures("fresh_plugins")


@pytest.fixture
def site(tmp_path, monkeypatch):
    """Install distributions the way pip would: a ``*.dist-info`` with ``entry_points.txt`` on sys.path."""
    base = tmp_path / "site-packages"
    base.mkdir()
    monkeypatch.syspath_prepend(str(base))
    added: list[str] = []

    def install(name, version, entry_points, modules=None, extra_path=None):
        info = base / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        (info / "entry_points.txt").write_text("[moe_advisor]\n" + "".join(f"{k} = {v}\n" for k, v in entry_points.items()))
        for mod, src in (modules or {}).items():
            (base / f"{mod}.py").write_text(src)
            added.append(mod)
        if extra_path:
            monkeypatch.syspath_prepend(str(extra_path))
        added.extend(v.split(":")[0] for v in entry_points.values())
        plugin_manager.reset()

    yield install
    for mod in added:
        sys.modules.pop(mod, None)


def info(name):
    return next(i for i in resolve.plugin_infos() if i.name == name)


def steady_h100():
    return api.workload(preset="steady-latency", gpu_types=["h100-sxm"], self_hosting="required")


# --------------------------------------------------------------------------- built-ins

def test_builtin_plugins_load_like_third_party_ones():
    infos = {i.name: i for i in resolve.plugin_infos()}
    names = [m.rsplit(".", 1)[-1] for m in plugin_manager.DEFAULT_PLUGINS]
    assert list(infos) == names
    for i in infos.values():
        assert i.status == "ok" and i.builtin and i.version and i.hooks, i
    assert infos["backends"].hooks == ("register_cost_backends",)
    assert infos["digitalocean"].hooks == ("register_gpu_price_sources",)
    assert infos["openrouter"].hooks == ("register_api_price_sources",)
    assert {type(b).__name__ for b in plugin_manager.cost_backends()} == {"SelfHostedBackend", "ApiBackend"}
    assert resolve.notes() == ()


def test_pyproject_declares_the_builtins_as_entry_points():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    eps = data["project"]["entry-points"]["moe_advisor"]
    assert sorted(eps.values()) == sorted(plugin_manager.DEFAULT_PLUGINS)
    assert all(v.rsplit(".", 1)[-1] == k for k, v in eps.items())


def test_plugin_prices_are_the_bundled_snapshot(cat):
    book = resolve.price_book(cat)
    assert {price_key(p) for p in book.gpu_prices} == {price_key(p) for p in cat.gpu_prices}
    assert {price_key(p) for p in book.api_prices} == {price_key(p) for p in cat.api_prices}
    assert all(isinstance(p.usd_per_gpu_hour, Decimal) for p in book.gpu_prices)
    assert "bundled snapshot" in book.origin["digitalocean"]
    providers = set(book.providers())
    assert {"digitalocean", "aws", "azure", "gcp", "lambda", "runpod", "deepseek", "together", "fireworks", "groq",
            "deepinfra", "openrouter"} <= providers


def test_bundled_digitalocean_prices_reach_the_engine_through_the_digitalocean_plugin():
    bundled = tomllib.loads((Path(__file__).resolve().parents[1] / "catalogs" / "prices" / "gpu_digitalocean.toml").read_text())["prices"]
    want = {(r["gpu"], r["sku"]): Decimal(r["usd_per_gpu_hour"]) for r in bundled}
    book = resolve.price_book()
    got = {(p.gpu, p.sku): p.usd_per_gpu_hour for p in book.gpu_prices if p.provider == "digitalocean"}
    assert got == want and len(want) >= 5


def test_recommend_uses_plugin_backends_and_prices():
    rec = api.recommend(api.preset("bursty-app"))
    assert rec.candidates and not [n for n in rec.notes if "plugin" in n]
    assert {c.deployment for c in rec.candidates} == {"self-hosted", "api"}


def test_user_catalog_prices_are_merged_over_plugin_prices(isolated_user_dirs):
    user = isolated_user_dirs / "catalogs"
    user.mkdir(parents=True, exist_ok=True)
    (user / "my_prices.toml").write_text('''catalog = "gpu_prices"
schema_version = 1
provider = "myco"
[[prices]]
gpu = "h100-sxm"
usd_per_gpu_hour = "0.50"
pricing = "on-demand"
source = "our contract"
as_of = "2026-11-01"
''')
    from advisor import runtime

    runtime.reset_cache()
    book = resolve.price_book()
    assert book.cheapest_gpu("h100-sxm").provider == "myco"
    assert book.origin["myco"] == "user catalog"
    assert api.recommend(steady_h100()).best.provider == "myco"


# --------------------------------------------------------------------------- MOE_ADVISOR_PLUGINS

def test_environment_variable_limits_which_plugins_load(monkeypatch):
    monkeypatch.setenv(plugin_manager.PLUGINS_ENV, "backends, digitalocean,nope")
    infos = {i.name: i for i in resolve.plugin_infos()}
    assert infos["backends"].status == "ok" and infos["digitalocean"].status == "ok"
    assert infos["aws"].status == "disabled" and not infos["aws"].hooks
    assert "advisor.plugins.aws" not in [getattr(p, "__name__", "") for p in plugin_manager.pm.get_plugins()]
    assert resolve.price_book().providers() == ["digitalocean"]
    assert any("'nope'" in n for n in resolve.notes())
    rec = api.recommend(api.preset("steady-latency"))
    assert rec.candidates and {c.provider for c in rec.candidates} == {"digitalocean"}


def test_environment_variable_change_reloads(monkeypatch):
    assert len(resolve.price_book().providers()) > 2
    monkeypatch.setenv(plugin_manager.PLUGINS_ENV, "backends,aws")
    assert resolve.price_book().providers() == ["aws"]
    monkeypatch.setenv(plugin_manager.PLUGINS_ENV, "aws")
    assert plugin_manager.cost_backends() == ()
    assert any("no cost backend" in n for n in resolve.notes())


# --------------------------------------------------------------------------- the example plugin package

def install_example(site):
    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text())["project"]
    site(project["name"], project["version"], project["entry-points"]["moe_advisor"], extra_path=EXAMPLE)
    return project


def test_example_plugin_package_changes_the_recommendation(site, capsys):
    before = api.recommend(steady_h100()).best
    assert before.provider != "examplecloud"

    project = install_example(site)
    i = info("examplecloud")
    assert i.status == "ok" and i.version == project["version"] == "0.1.0" and not i.builtin
    assert i.distribution == "moe-advisor-example-plugin" and i.hooks == ("register_gpu_price_sources",)
    after = api.recommend(steady_h100()).best
    assert after.provider == "examplecloud" and after.monthly_cost_usd < before.monthly_cost_usd
    assert after.hourly_usd / (after.gpus * after.replicas) == Decimal("0.99")

    from advisor.cli import main

    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert "examplecloud" in out and "moe-advisor-example-plugin" in out
    assert main(["prices", "--source", "examplecloud"]) == 0
    out = capsys.readouterr().out
    assert "$0.99/GPU-h" in out and "example-region-1" in out


def test_example_plugin_is_labelled_fictional():
    src = (EXAMPLE / "moe_advisor_examplecloud.py").read_text()
    assert "FICTIONAL" in src and "not a real offer" in src
    assert "fictional" in (EXAMPLE / "README.md").read_text().lower()


def test_a_builtin_declared_by_an_installed_distribution_is_registered_once(site):
    site("moe-advisor", "0.1.0", {"aws": "advisor.plugins.aws", "gcp": "advisor.plugins.gcp"})
    names = [i.name for i in resolve.plugin_infos()]
    assert names.count("aws") == 1 and names.count("gcp") == 1
    assert all(i.status == "ok" for i in resolve.plugin_infos())
    assert len([p for p in resolve.price_book().gpu_prices if p.provider == "aws"]) == 2


def test_a_third_party_plugin_cannot_take_a_builtin_name(site):
    site("evil-aws", "1.0", {"aws": "evil_aws_mod"}, modules={"evil_aws_mod": "raise RuntimeError('never imported')\n"})
    infos = resolve.plugin_infos()
    assert [i for i in infos if i.name == "aws"][0].builtin
    clash = [i for i in infos if i.name.startswith("aws (")][0]
    assert clash.status == "failed" and "already used" in clash.error


# --------------------------------------------------------------------------- failure isolation

def test_plugin_that_fails_to_import_is_reported_by_name(site):
    site("broken-plugin", "2.0", {"broken": "broken_mod"}, modules={"broken_mod": "import does_not_exist_anywhere\n"})
    i = info("broken")
    assert i.status == "failed" and "import failed" in i.error and "does_not_exist_anywhere" in i.error and i.version == "2.0"
    rec = api.recommend(api.preset("bursty-app"))
    assert rec.candidates
    assert any(n.startswith("plugin 'broken' failed") and "import failed" in n for n in rec.notes)
    assert all(j.status == "ok" for j in resolve.plugin_infos() if j.name != "broken")


class RaisingPlugin:
    @hookimpl
    def register_gpu_price_sources(self, register):
        register(sources.StaticPriceSource("half", "gpu", [_gpu_row("half", "0.01")]))
        raise RuntimeError("provider API changed")


def _gpu_row(provider, price, gpu="h100-sxm", **kw):
    row = {"provider": provider, "gpu": gpu, "usd_per_gpu_hour": price, "pricing": "on-demand",
           "source": "https://example.com", "as_of": "2026-11-01"}
    row.update(kw)
    return row


def test_plugin_that_raises_in_a_hook_contributes_nothing_and_is_named():
    plugin_manager.register_plugin(RaisingPlugin(), name="raiser")
    i = info("raiser")
    assert i.status == "failed" and "register_gpu_price_sources raised RuntimeError: provider API changed" in i.error
    assert "half" not in resolve.price_book().providers()
    rec = api.recommend(steady_h100())
    assert rec.best.provider != "half" and any("'raiser'" in n and "provider API changed" in n for n in rec.notes)


class MalformedPrices:
    @hookimpl
    def register_gpu_price_sources(self, register):
        register(sources.StaticPriceSource("mixed", "gpu", [
            _gpu_row("mixed", "1.11"),
            _gpu_row("mixed", "-5", gpu="h200"),         # negative money
            {"provider": "mixed", "gpu": "l4"},          # missing fields
            "h100 for a dollar",                          # not a row at all
            _gpu_row("mixed", "1.00", gpu="tpu-v9"),      # unknown GPU id
        ]))
        register(object())                                # not a source
        register(sources.StaticPriceSource("mixed", "gpu", []))  # duplicate name


def test_malformed_data_is_skipped_and_reported_and_good_rows_kept():
    plugin_manager.register_plugin(MalformedPrices(), name="malformed")
    book = resolve.price_book()
    mine = [p for p in book.gpu_prices if p.provider == "mixed"]
    assert [(p.gpu, p.usd_per_gpu_hour) for p in mine] == [("h100-sxm", Decimal("1.11"))]
    i = info("malformed")
    assert i.status == "failed"  # for the registration without a name; the malformed rows are a note (the valid row is in use)
    assert "without a name" in i.error and "already registered" not in i.error
    notes = resolve.notes()
    # Its own source again (trial 28: "failed" while the first registration's prices ranked): used, and said in a note.
    assert any("plugin 'malformed'" in n and "source 'mixed' is registered twice; the first registration is used" in n
               for n in plugin_manager.notes()), plugin_manager.notes()
    assert any("3 rows skipped" in n and "usd_per_gpu_hour" in n for n in notes), notes
    assert any("unknown gpu 'tpu-v9'" in n for n in notes)
    assert api.recommend(steady_h100()).candidates


class SnapshotRaises:
    @hookimpl
    def register_api_price_sources(self, register):
        class Source:
            name, kind = "flaky", "api"

            def snapshot(self):
                raise ConnectionError("no such file")
        register(Source())


class WrongReturn:
    @hookimpl
    def register_api_price_sources(self, register):
        class Source:
            name, kind = "wrongtype", "api"

            def snapshot(self):
                return {"not": "a list"}
        register(Source())


def test_snapshot_failures_are_isolated():
    plugin_manager.register_plugin(SnapshotRaises(), name="flaky")
    plugin_manager.register_plugin(WrongReturn(), name="wrongtype")
    book = resolve.price_book()
    assert "openrouter" in book.providers()
    assert "snapshot failed: ConnectionError" in info("flaky").error
    assert "returned dict, not a list" in info("wrongtype").error
    status = {s.name: s for s in resolve.source_status()}
    assert status["flaky"].used == "none" and status["flaky"].prices == 0


class Typo:
    @hookimpl
    def register_gpu_prices_sources(self, register):  # not a hook
        pass


class BadSignature:
    @hookimpl
    def register_cost_backends(self, register, catalog):  # argument the spec does not have
        pass


class NoHooks:
    def register_gpu_price_sources(self, register):  # forgot @hookimpl
        pass


class ReturnsInstead:
    @hookimpl
    def register_gpu_price_sources(self, register):
        return [sources.StaticPriceSource("returned", "gpu", [])]


class Exits:
    @hookimpl
    def register_api_price_sources(self, register):
        raise SystemExit(3)


def test_registration_problems_are_reported():
    assert "unknown hook(s) register_gpu_prices_sources" in plugin_manager.register_plugin(Typo(), name="typo").error
    bad = plugin_manager.register_plugin(BadSignature(), name="badsig")
    assert bad.status == "failed" and "registration refused" in bad.error and "catalog" in bad.error
    assert "no moe_advisor hook" in plugin_manager.register_plugin(NoHooks(), name="nohooks").error
    plugin_manager.register_plugin(ReturnsInstead(), name="returns")
    plugin_manager.register_plugin(Exits(), name="exits")
    assert "pass objects to register()" in info("returns").error
    assert "raised SystemExit" in info("exits").error
    assert api.recommend(api.preset("bursty-app")).candidates


class Backends:
    @hookimpl
    def register_cost_backends(self, register):
        class Exploding:
            name, deployment = "exploding", "self-hosted"

            def evaluate(self, ctx, model):
                raise ZeroDivisionError("bad math")

        class Incomplete:
            name = "incomplete"

        register(Exploding())
        register(Incomplete())


def test_a_cost_backend_that_raises_is_isolated_by_the_engine():
    plugin_manager.register_plugin(Backends(), name="extra-backends")
    assert "has no deployment" in info("extra-backends").error
    assert [getattr(b, "name", "") for b in plugin_manager.cost_backends()][-1] == "exploding"
    rec = api.recommend(api.workload(preset="steady-latency", models=["qwen2.5-72b"]))
    assert rec.candidates
    assert any("'exploding' failed on qwen2.5-72b: ZeroDivisionError" in n for n in rec.notes)


# --------------------------------------------------------------------------- catalog entries

GPU_FIELDS = {
    "name": "Example Accelerator X1", "vendor": "nvidia", "memory_gib": 141.0, "hbm_tbps": 4.8, "bf16_tflops": 989.0,
    "fp8_tflops": 1979.0, "interconnect": "NVLink 4", "interconnect_gbps": 450.0, "gpus_per_node": 8,
    "internode_gbps": 50.0, "source": "fictional test entry", "as_of": "2026-11-01",
}


class CatalogPlugin:
    @hookimpl
    def register_catalog_entries(self, register):
        register("gpus", "x1", dict(GPU_FIELDS))
        register("gpus", "x2", {**GPU_FIELDS, "memory_gib": -1})   # invalid: reported, skipped
        register("models", "nothing", {"name": "incomplete"})      # invalid: missing fields

    @hookimpl
    def register_gpu_price_sources(self, register):
        register(sources.StaticPriceSource("x1cloud", "gpu", [_gpu_row("x1cloud", "0.25", gpu="x1")]))


def test_plugin_catalog_entries_are_validated_and_usable():
    plugin_manager.register_plugin(CatalogPlugin(), name="x1")
    cat = default_catalog()
    assert cat.gpu("x1").memory_gib == 141.0 and "x2" not in cat.gpus and "nothing" not in cat.models
    i = info("x1")
    assert i.status == "failed" and "'memory_gib'" in i.error and "missing required field" in i.error
    assert api.gpus()[-1].id == "x1" or "x1" in {g.id for g in api.gpus()}
    book = resolve.price_book()
    assert isinstance(book.cheapest_gpu("x1"), GpuPrice)
    rec = api.recommend(api.workload(preset="steady-latency", gpu_types=["x1"], self_hosting="required"))
    assert rec.best.gpu == "x1" and rec.best.provider == "x1cloud"
    plugin_manager.unregister_plugin("x1")
    assert "x1" not in default_catalog().gpus


# --------------------------------------------------------------------------- CLI

def test_cli_plugins_lists_version_hooks_status(capsys):
    from advisor.cli import main

    plugin_manager.register_plugin(RaisingPlugin(), name="raiser", version="9.9")
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert "digitalocean" in out and "gpu_price_sources" in out and "built-in" in out
    assert "raiser" in out and "9.9" in out and "failed" in out and "provider API changed" in out
    assert main(["plugins", "--format", "json"]) == 0
    import json

    data = {d["name"]: d for d in json.loads(capsys.readouterr().out)}
    assert data["raiser"]["status"] == "failed" and data["backends"]["hooks"] == ["register_cost_backends"]


def test_cli_prices_lists_sources_with_age(capsys):
    from advisor.cli import main

    assert main(["prices"]) == 0
    out = capsys.readouterr().out
    assert "Price sources" in out and "bundled snapshot" in out and "$1.57/GPU-h" in out and " d" in out
    assert main(["list", "prices", "--format", "json"]) == 0
    import json

    data = json.loads(capsys.readouterr().out)
    do = [r for r in data["prices"] if r["provider"] == "digitalocean" and r["item"] == "l40s"]
    assert do[0]["usd_per_gpu_hour"] == "1.57" and do[0]["from"] == "bundled snapshot" and isinstance(do[0]["age_days"], int)
    assert {s["name"] for s in data["sources"]} >= {"openrouter", "azure", "digitalocean"}



def test_the_plugin_scan_reads_installed_metadata_only_when_a_foreign_plugin_may_exist(site):
    """Only built-ins declared: no full metadata scan (and no importlib.metadata import on a cold start); one
    foreign ``moe_advisor`` entry point on the path: the full scan runs and finds it."""
    assert plugin_manager._foreign_entry_points_possible() is False
    code = ("import sys\nfrom advisor import api\napi.recommend(api.preset('steady-latency'))\n"
            "print('importlib.metadata' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == "False", proc.stdout + proc.stderr
    site("builtin-echo", "1.0", {"aws": "advisor.plugins.aws"})  # a distribution re-declaring a built-in
    assert plugin_manager._foreign_entry_points_possible() is False
    site("acme-prices", "0.3", {"acme": "acme_prices_plugin"}, modules={"acme_prices_plugin": "X = 1\n"})
    assert plugin_manager._foreign_entry_points_possible() is True
    assert [ep.name for _, ep in plugin_manager._entry_points() if ep.name == "acme"] == ["acme"]


def _api_row(provider: str, model: str, as_of: str, usd: str = "1", retired_on: str = "") -> ApiPrice:
    return ApiPrice(provider=provider, model=model, input_usd_per_mtok=Decimal(usd), output_usd_per_mtok=Decimal(usd),
                    source=f"https://example.com/{provider}", as_of=as_of, retired_on=retired_on)


def _api_source(name: str, rows: list[ApiPrice]):
    class Plugin:
        @hookimpl
        def register_api_price_sources(self, register):
            class Source:
                kind = "api"

                def snapshot(self):
                    return list(rows)
            src = Source()
            src.name = name
            register(src)
    return Plugin()


def test_a_source_is_as_old_as_the_rows_it_still_supplies():
    """A row another source replaces, or a row of a retired model, is history: it does not make its source stale
    (the prices screen listed the hand-kept openai, anthropic and deepseek files as months old while every row the
    advisor used came from a library snapshot of last month)."""
    old = [_api_row("oldco", "llama-3.1-8b", "2020-01-01"), _api_row("oldco", "mixtral-8x7b", "2019-06-01", retired_on="2020-02-01")]
    plugin_manager.register_plugin(_api_source("oldhand", old), name="oldhand")
    plugin_manager.register_plugin(_api_source("newer", [_api_row("oldco", "llama-3.1-8b", "2026-11-30", "2")]), name="newer")
    status = {s.name: s for s in resolve.source_status()}
    s = status["oldhand"]
    assert s.prices == 2 and s.as_of == "" and not s.stale
    assert "1 row replaced by newer" in s.note and "1 row of retired models" in s.note and "none in effect" in s.note
    assert status["newer"].as_of == "2026-11-30"
    # a row still in effect dates its source as before
    plugin_manager.register_plugin(_api_source("third", [_api_row("thirdco", "llama-3.1-8b", "2020-03-01")]), name="third")
    t = {s.name: s for s in resolve.source_status()}["third"]
    assert t.as_of == "2020-03-01" and t.stale and t.note == ""


class SameNameTwoKinds:
    @hookimpl
    def register_gpu_price_sources(self, register):
        register(sources.StaticPriceSource("twin", "gpu", [_gpu_row("twin", "1.11")]))

    @hookimpl
    def register_api_price_sources(self, register):
        register(sources.StaticPriceSource("twin", "api", []))


def test_a_plugins_two_sources_of_one_name_and_two_kinds_fail_the_second():
    plugin_manager.register_plugin(SameNameTwoKinds(), name="twins")
    resolve.price_book()
    i = info("twins")
    assert i.status == "failed" and "source name 'twin' is already registered by plugin 'twins'" in i.error


def test_a_provider_asked_for_after_its_plugin_failed_names_the_plugin_not_a_typo(capsys):
    """Trial 38: ``--providers eurogpu`` with the eurogpu plugin broken read "unknown provider 'eurogpu'. Did you mean:
    openrouter?"; a plugin that failed is named with its error (it may be the one that sells it)."""
    from advisor.cli import main

    plugin_manager.register_plugin(RaisingPlugin(), name="raiser")
    assert main(["recommend", "--preset", "steady-latency", "--providers", "half", "--top", "1"]) == 2
    err = capsys.readouterr().err
    assert "unknown provider 'half'" in err and "a plugin that failed to load may sell it: 'raiser'" in err
    assert "provider API changed" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


class AllRowsBad:
    @hookimpl
    def register_gpu_price_sources(self, register):
        register(sources.StaticPriceSource("allbad", "gpu", [{**_gpu_row("allbad", "1.90"), "currency": "EUR"},
                                                             _gpu_row("allbad", "-1", gpu="l40s")]))


def test_a_price_plugin_whose_every_row_is_skipped_is_not_ok():
    """Trial 38: a ``currency`` field got every row skipped while ``moe-advisor plugins`` said ok."""
    plugin_manager.register_plugin(AllRowsBad(), name="allbad")
    book = resolve.price_book()
    assert "allbad" not in book.providers()
    i = next(x for x in resolve.plugin_infos() if x.name == "allbad")
    assert i.status == "failed" and "every row skipped (2)" in i.error and "currency" in i.error
