"""The genai-prices plugin: the library's data (its v2 JSON shape) mapped to our rows, its precedence over
the hand snapshots, and its live refresh against a real HTTP server on 127.0.0.1. Nothing reaches the
network."""

from __future__ import annotations

import datetime
import json
import time
from decimal import Decimal
from pathlib import Path

import pytest

from advisor import plugin_manager
from advisor.catalog.load import read_price_file
from advisor.plugins import genai_prices as gp
from advisor.prices import cache, http, resolve
from advisor.prices import refresh as price_refresh

from test_live import Server as LiveServer  # noqa: E402 - the one scripted 127.0.0.1 server of the tests

ROOT = Path(__file__).resolve().parent.parent
DAY = datetime.date(2026, 12, 3)
FAST = http.HttpSettings(timeout_s=0.5, connect_timeout_s=0.5, retries=0, backoff_s=0.01, max_backoff_s=0.05,
                         max_bytes=2 * 2**20, max_pages=5, deadline_s=10)


def hand(provider, model):
    rows, _ = read_price_file(ROOT / "catalogs" / "prices" / f"api_{provider}.toml")
    return next(p for p in rows if p.model == model)


def sample(v4_pro_offpeak=0.66, gpt_oss=0.14, kimi_input=1):
    """A trimmed provider list in the library's real v2 shape (prices in USD per million tokens). The Groq
    prices differ from those ``gp.CHECKED`` dates (as a library update would), so they count as new."""
    return [
        {"id": "anthropic", "name": "Anthropic", "pricing_urls": ["https://www.anthropic.com/pricing#api"],
         "models": [{"id": "claude-x", "match": {"equals": "claude-x"}, "prices": {"input_mtok": 3, "output_mtok": 15}}]},
        {"id": "deepseek", "name": "Deepseek", "pricing_urls": ["https://api-docs.deepseek.com/quick_start/pricing"],
         "api_pattern": "https://api\\.deepseek\\.com", "model_match": {"starts_with": "deepseek"},
         "models": [
             {"id": "deepseek-v4-pro", "name": "DeepSeek V4 Pro", "match": {"or": [{"starts_with": "deepseek-v4-pro"}]},
              "context_window": 1000000,
              "prices": [
                  {"prices": {"input_mtok": 0.435, "cache_read_mtok": 0.003625, "output_mtok": 0.87}},
                  {"constraint": {"start_date": "2026-08-17"},
                   "prices": {"input_mtok": v4_pro_offpeak, "cache_read_mtok": 0.022, "output_mtok": 1.98}},
                  {"constraint": {"start_time": "01:00:00Z", "end_time": "04:00:00Z"},
                   "prices": {"input_mtok": 1.32, "cache_read_mtok": 0.044, "output_mtok": 3.96}},
                  {"constraint": {"start_time": "06:00:00Z", "end_time": "10:00:00Z"},
                   "prices": {"input_mtok": 1.32, "cache_read_mtok": 0.044, "output_mtok": 3.96}}]},
             {"id": "deepseek-reasoner", "match": {"equals": "deepseek-reasoner"}, "context_window": 64000,
              "prices": [
                  {"prices": {"input_mtok": 0.135, "cache_read_mtok": 0.035, "output_mtok": 0.55}},
                  {"constraint": {"start_time": "00:30:00Z", "end_time": "16:30:00Z"},
                   "prices": {"input_mtok": 0.55, "cache_read_mtok": 0.14, "output_mtok": 2.19}}]},
             {"id": "deepseek-chat", "match": {"starts_with": "deepseek-chat"},
              "prices": {"input_mtok": 0.27, "output_mtok": 1.1}},
             {"id": "deepseek-v3.2-exp", "match": {"equals": "deepseek-v3.2-exp"},
              "prices": {"input_mtok": 0.27, "output_mtok": 0.41}}]},
        {"id": "groq", "name": "Groq", "pricing_urls": ["https://console.groq.com/docs/models"],
         "models": [
             {"id": "llama-3.3-70b-versatile", "match": {"equals": "llama-3.3-70b-versatile"},
              "prices": {"input_mtok": 0.6, "output_mtok": 0.8}},
             {"id": "openai/gpt-oss-120b", "match": {"equals": "openai/gpt-oss-120b"}, "context_window": 131072,
              "prices": {"input_mtok": gpt_oss, "cache_read_mtok": 0.075, "output_mtok": 0.6}},
             {"id": "moonshotai/kimi-k2-instruct", "match": {"starts_with": "moonshotai/kimi-k2-instruct"},
              "prices": {"input_mtok": {"base": kimi_input, "tiers": [{"start": 128000, "price": 2}]}, "output_mtok": 2.5}},
             {"id": "whisper-large-v3", "match": {"equals": "whisper-large-v3"}, "prices": {"input_audio_hours": 0.111}}]},
        {"id": "cerebras", "name": "Cerebras", "pricing_urls": ["https://www.cerebras.ai/pricing#pricing"],
         "models": [{"id": "llama-3.3-70b", "match": {"equals": "llama-3.3-70b"}, "deprecated": True,
                     "prices": {"input_mtok": 0.85, "output_mtok": 1.2}}]},
    ]


def by_key(rows):
    return {(p.provider, p.model): p for p in rows}


# --------------------------------------------------------------------------- mapping


def test_real_shaped_data_maps_to_catalog_rows_with_skips_counted(monkeypatch):
    monkeypatch.setattr(gp, "ADD_OFFERS", True)
    got = gp.map_providers(sample(), day=DAY, as_of="2026-12-01", source="test")
    rows = by_key(got.rows)
    assert set(rows) == {("deepseek", "deepseek-v4-pro"), ("groq", "llama-3.3-70b"), ("groq", "gpt-oss-120b"),
                         ("groq", "kimi-k2")}
    pro = rows[("deepseek", "deepseek-v4-pro")]
    # the dated price in force on DAY, not the peak windows (7 h of 24) and not the earlier flat rate
    assert (pro.input_usd_per_mtok, pro.output_usd_per_mtok, pro.cached_input_usd_per_mtok) == \
        (Decimal("0.66"), Decimal("1.98"), Decimal("0.022"))
    assert "in force from 2026-08-17" in pro.notes and pro.as_of == "2026-12-01"
    assert pro.source.startswith("https://api-docs.deepseek.com/quick_start/pricing")
    # the standard window holds 16 h of 24: it wins over the first (off-peak) entry
    reasoner = sample()[1]["models"][1]
    assert gp.price_on(reasoner["prices"], DAY)[0]["output_mtok"] == 2.19
    assert rows[("groq", "kimi-k2")].input_usd_per_mtok == Decimal("1")  # tiered: base rate
    # deepseek-chat and deepseek-reasoner (retired names) held back, deepseek-v3.2-exp, Anthropic's claude-x
    # (Anthropic is a mapped provider: its claude-opus-4-7 is) and whisper unmapped, Cerebras' deprecated entry
    # (no hand row for it) skipped
    assert (got.held_back, got.unmapped, got.deprecated, got.refused) == (2, 3, 1, [])
    assert ("deepseek", "deepseek-r1") not in rows and hand("deepseek", "deepseek-r1").retired_on


def fireworks(mid, i, o):
    return [{"id": "fireworks", "pricing_urls": ["https://fireworks.ai/pricing"],
             "models": [{"id": mid, "prices": {"input_mtok": i, "output_mtok": o}}]}]


def test_a_hand_row_read_after_the_library_was_published_stays():
    mine = hand("fireworks", "gpt-oss-20b")
    assert mine.as_of > "2026-11-10"
    got = gp.map_providers(fireworks("gpt-oss-20b", 0.05, 0.2), day=DAY, as_of="2026-11-10", source="test")
    assert got.rows == [] and got.hand_newer == 1
    later = gp.map_providers(fireworks("gpt-oss-20b", 0.05, 0.2), day=DAY, as_of="2026-12-01", source="test")
    [row] = later.rows  # a copy published after the hand row was read wins
    assert row.input_usd_per_mtok == Decimal("0.05") and row.as_of == "2026-12-01" and later.hand_newer == 0


def test_held_back_entries_leave_the_hand_row_in_use():
    key = ("together", "mistralai/Mixtral-8x22B-Instruct-v0.1")
    assert key in gp.HELD_BACK and key not in gp.MODEL_MAP and key not in gp.CHECKED
    data = [{"id": "together", "pricing_urls": ["https://www.together.ai/pricing"],
             "models": [{"id": key[1], "prices": {"input_mtok": 9, "output_mtok": 9}}]}]
    got = gp.map_providers(data, day=DAY, as_of="2026-12-01", source="test")
    assert got.rows == [] and got.held_back == 1 and got.unmapped == 0


def test_a_price_the_library_last_checked_before_the_hand_row_was_read_keeps_the_hand_row():
    """The library republishes an unchanged price with each release: its age is its ``prices_checked`` day."""
    key = ("together", "meta-llama/Llama-3.3-70B-Instruct-Turbo")
    day, inp, outp = gp.CHECKED[key]
    mine = hand("together", "llama-3.3-70b")
    assert day < mine.as_of < "2026-11-10"

    def together(i, o):
        return [{"id": "together", "pricing_urls": ["https://www.together.ai/pricing"],
                 "models": [{"id": key[1], "prices": {"input_mtok": float(i), "output_mtok": float(o)}}]}]

    same = gp.map_providers(together(inp, outp), day=DAY, as_of="2026-11-10", source="test")
    assert same.rows == [] and same.hand_newer == 1  # still the price checked in 2025: the hand row stays
    moved = gp.map_providers(together("0.95", "0.95"), day=DAY, as_of="2026-11-10", source="test")
    [row] = moved.rows  # a changed price is the library's news: dated by the copy it came in
    assert row.input_usd_per_mtok == Decimal("0.95") and row.as_of == "2026-11-10" and moved.hand_newer == 0


def test_before_a_dated_change_the_earlier_price_applies():
    prices, started = gp.price_on(sample()[1]["models"][0]["prices"], datetime.date(2026, 8, 1))
    assert prices["input_mtok"] == 0.435 and started == ""


def test_facts_the_library_lacks_come_from_the_hand_row():
    rows = by_key(gp.map_providers(sample(), day=DAY, as_of="2026-11-10", source="test").rows)
    groq_llama, groq_oss = hand("groq", "llama-3.3-70b"), hand("groq", "gpt-oss-120b")
    row = rows[("groq", "llama-3.3-70b")]
    assert groq_llama.retired_on and row.retired_on == groq_llama.retired_on
    assert row.provider_model == groq_llama.provider_model
    oss = rows[("groq", "gpt-oss-120b")]
    assert oss.rate_limits == groq_oss.rate_limits and oss.batch_discount == groq_oss.batch_discount
    assert oss.cached_input_usd_per_mtok == Decimal("0.075")  # the library's, where it has one


def test_negative_and_nan_prices_are_refused_not_mapped():
    got = gp.map_providers(sample(v4_pro_offpeak=-0.66, gpt_oss=float("nan")), day=DAY, as_of="2026-11-10", source="t")
    assert ("deepseek", "deepseek-v4-pro") not in by_key(got.rows) and ("groq", "gpt-oss-120b") not in by_key(got.rows)
    assert len(got.refused) == 2 and "negative" in got.refused[0] and "not finite" in got.refused[1]


def test_the_bundled_snapshot_maps_every_entry_it_keeps():
    src = gp.GenaiPricesSource(today=DAY)
    rows = src.snapshot()
    doc = json.loads((ROOT / "catalogs" / "prices" / gp.SNAPSHOT_FILE).read_text())
    kept = sum(len(p["models"]) for p in doc["providers"])
    last = src.last
    assert len(rows) + last.deprecated + last.unpriced + last.held_back + last.new_offers + last.hand_newer == kept and last.unmapped == 0
    assert last.held_back == sum(len(p["models"]) for p in doc["providers"] if p["id"] in gp.FIRST_PARTY_LIVE)
    assert all(p.as_of == doc["published"] and "genai-prices" in p.source for p in rows)
    assert {(p["id"], m["id"]) for p in doc["providers"] for m in p["models"]} <= set(gp.MODEL_MAP)


# --------------------------------------------------------------------------- precedence


def with_plugin():
    """The built-in plugins, this one among them (registered again only if a test filtered it out)."""
    plugin_manager.reset()
    if "genai_prices" not in {i.name for i in plugin_manager.plugin_infos() if i.status == "ok"}:
        plugin_manager.register_plugin(gp, name="genai_prices")


@pytest.fixture
def fresh_plugins():
    with_plugin()
    yield
    plugin_manager.reset()


def book_row(provider, model):
    return next(p for p in resolve.price_book().api_prices if p.provider == provider and p.model == model)


def test_library_rows_replace_hand_rows_and_hand_rows_fill_the_gaps(fresh_plugins, monkeypatch):
    mine = by_key(gp.GenaiPricesSource().snapshot())
    covered = ("deepseek", "deepseek-v4-pro")
    assert mine[covered].input_usd_per_mtok != hand(*covered).input_usd_per_mtok
    assert book_row(*covered) == mine[covered]
    for key in (("deepinfra", "deepseek-v4-pro"), ("deepseek", "deepseek-v3"), ("together", "mixtral-8x22b"),
                ("together", "qwen3-30b-a3b")):  # not covered / held back
        assert key not in mine and book_row(*key) == hand(*key)
    entry = next(e for e in resolve.price_entries() if (e.price.provider, e.price.model) == covered)
    assert (entry.source, entry.plugin, entry.used) == (gp.SOURCE_NAME, "genai_prices", "bundled snapshot")
    # a mapped entry with no hand row adds no offer; OpenRouter keeps its own (live-refreshable) rows
    assert ("together", "llama-4-scout") not in mine and ("fireworks", "llama-4-maverick") not in mine
    assert not [k for k in mine if k[0] == "openrouter"]
    monkeypatch.setattr(gp, "LIVE_BY_DEFAULT", False)
    monkeypatch.delenv(gp.LIVE_ENV, raising=False)
    assert getattr(gp.GenaiPricesSource(), "live", None) is None
    monkeypatch.setenv(gp.LIVE_ENV, "1")
    assert isinstance(gp.GenaiPricesSource().live, gp.GenaiPricesFetcher)
    # without the plugin the hand row is used
    monkeypatch.setenv(plugin_manager.PLUGINS_ENV, "backends,deepseek")
    assert book_row(*covered) == hand(*covered)


def test_registered_by_default_last_so_its_rows_win_and_it_joins_the_refresh(monkeypatch):
    plugin_manager.reset()
    monkeypatch.delenv(gp.LIVE_ENV, raising=False)
    infos = {i.name: i for i in plugin_manager.plugin_infos()}
    assert infos["genai_prices"].status == "ok" and infos["genai_prices"].builtin
    covered = ("deepseek", "deepseek-v4-pro")
    entry = next(e for e in resolve.price_entries() if (e.price.provider, e.price.model) == covered)
    assert entry.plugin == "genai_prices" and entry.price != hand(*covered)
    sources = plugin_manager.price_sources()
    mine = next(s for s in sources if s.name == gp.SOURCE_NAME)
    assert [s for s in sources if s.kind == "api"][-1] is mine and isinstance(mine.live, gp.GenaiPricesFetcher)
    monkeypatch.setenv(gp.LIVE_ENV, "0")
    assert getattr(gp.GenaiPricesSource(), "live", None) is None  # opted out: bundled snapshot only
    plugin_manager.reset()


def test_the_feed_url_defaults_to_the_library_and_the_environment_overrides_it(monkeypatch):
    monkeypatch.delenv(gp.URL_ENV, raising=False)
    assert gp.GenaiPricesFetcher().url == gp.DATA_URL
    monkeypatch.setenv(gp.URL_ENV, "http://127.0.0.1:9/data.json")
    assert gp.GenaiPricesFetcher().url == "http://127.0.0.1:9/data.json"


def test_the_snapshot_is_package_data():
    """The wheel ships the JSON snapshot (setuptools package-data globs, relative to ``advisor``)."""
    import fnmatch
    import tomllib

    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["advisor"]
    assert any(fnmatch.fnmatch(f"catalogs/prices/{gp.SNAPSHOT_FILE}", g) for g in globs)
    eps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["moe_advisor"]
    assert eps["genai_prices"] == gp.__name__


# --------------------------------------------------------------------------- live refresh on 127.0.0.1


FEED_PATH = "/prices/new_data/v2/data.json"


class Server(LiveServer):
    """The live tests' 127.0.0.1 server, serving the genai-prices feed at its real path."""

    def __init__(self):
        super().__init__()
        self.url = self.base + FEED_PATH

    @property
    def responses(self) -> list[dict]:
        return self.routes.get(FEED_PATH, [])

    @responses.setter
    def responses(self, specs: list[dict]) -> None:
        self.route(FEED_PATH, *specs)


@pytest.fixture
def server(monkeypatch):
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    srv = Server()
    monkeypatch.setenv(gp.URL_ENV, srv.url)
    monkeypatch.setenv(gp.LIVE_ENV, "1")
    with_plugin()
    yield srv
    srv.close()
    plugin_manager.reset()


def refresh():
    [r] = price_refresh.refresh([gp.SOURCE_NAME], settings=FAST, sleep=lambda s: None)
    return r


def test_live_refresh_caches_the_mapped_feed_and_the_book_uses_it(server):
    server.responses = [{"body": sample(v4_pro_offpeak=0.70)}]
    r = refresh()
    assert r.ok and r.prices == 4, r  # the five mapped entries of sample() less deepseek-reasoner (held back)
    row = book_row("deepseek", "deepseek-v4-pro")
    assert row.input_usd_per_mtok == Decimal("0.7") and "live refresh" in row.source
    assert row.as_of == datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    cached, _ = cache.read_cache(gp.SOURCE_NAME, "api")
    assert cached is not None and len(cached.prices) == 4
    assert any("no catalog model maps to" in w for w in r.warnings)


def test_a_lying_feed_is_quarantined_and_the_last_good_price_kept(server):
    server.responses = [{"body": sample(v4_pro_offpeak=0.70, gpt_oss=0.16)}]
    assert refresh().ok
    server.responses = [{"body": sample(v4_pro_offpeak=-0.70, gpt_oss=float("nan"), kimi_input=0)}]
    r = refresh()
    assert r.ok, r
    warned = " ".join(r.warnings)
    assert "quarantined: deepseek deepseek-v4-pro" in warned and "negative" in warned
    assert "quarantined: groq gpt-oss-120b" in warned and "not finite" in warned
    assert book_row("deepseek", "deepseek-v4-pro").input_usd_per_mtok == Decimal("0.7")
    assert book_row("groq", "gpt-oss-120b").input_usd_per_mtok == Decimal("0.16")
    # a price at zero is refused by the refresh's own sanity check and recorded in the quarantine file
    assert book_row("groq", "kimi-k2").input_usd_per_mtok == Decimal("1")
    assert any("kimi-k2" in line and "is 0" in line for line in cache.read_quarantine(gp.SOURCE_NAME))


def test_a_hanging_server_times_out_and_the_bundled_snapshot_stays(server):
    server.responses = [{"body": sample(), "delay": 3}]
    t0 = time.monotonic()
    r = refresh()
    assert r.status == "failed" and "timed out" in r.error and "bundled snapshot" in r.now_using
    assert time.monotonic() - t0 < 2.5
    assert cache.read_cache(gp.SOURCE_NAME, "api")[0] is None
    assert book_row("deepseek", "deepseek-v4-pro") == by_key(gp.GenaiPricesSource().snapshot())[("deepseek", "deepseek-v4-pro")]
