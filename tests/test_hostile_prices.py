"""Hostile networks (issue 15): live prices are checked against the last good copy and the bundled
snapshot before they are used; what is refused is named and shown by `moe-advisor prices`; secrets never
reach the cache; a killed writer's temp file is cleaned on the next write."""

from __future__ import annotations

import json
import os
import time
from decimal import Decimal

import pytest

from advisor import plugin_manager, runtime
from advisor.cli import main
from advisor.common.files import STALE_TEMP_S, atomic_write
from advisor.hookspecs import hookimpl
from advisor.prices import cache, resolve
from advisor.prices import refresh as price_refresh

KEY = "sk-or-v1-feedfacefeedfacefeedfacefeedface"


pytestmark = pytest.mark.usefixtures("fresh_plugins")


def models():
    return sorted(runtime.default_catalog().models)[:12]


def row(model, usd="1.00", **kw):
    return {"provider": "liveco", "model": model, "input_usd_per_mtok": usd, "output_usd_per_mtok": usd,
            "source": kw.pop("source", "https://liveco.example/prices"), "as_of": "2026-11-01", **kw}


class Fetcher:
    url = "https://liveco.example/prices"

    def __init__(self):
        self.rows = []

    def fetch(self, http, catalog, snapshot):
        return list(self.rows)


class Source:
    name, kind = "liveco", "api"

    def __init__(self):
        self.live = Fetcher()

    def snapshot(self):
        return [row(m) for m in models()]


@pytest.fixture
def live():
    src = Source()

    class P:
        @hookimpl
        def register_api_price_sources(self, register):
            register(src)
    plugin_manager.register_plugin(P(), name="liveco")
    return src.live


def refresh():
    [r] = price_refresh.refresh(["liveco"], sleep=lambda s: None)
    return r


def used_prices():
    return {p.model: p.input_usd_per_mtok for p in resolve.price_book().api_prices if p.provider == "liveco"}


def test_m3_prices_at_zero_or_moved_over_10x_are_quarantined_and_named(live, capsys):
    ms = models()
    live.rows = [row(m) for m in ms]
    assert refresh().ok
    live.rows = [row(ms[0], "0"), row(ms[1], "1e-8"), row(ms[2], "25")] + [row(m, "1.10") for m in ms[3:]]
    r = refresh()
    assert r.ok and "3 refused" in r.message
    warned = " ".join(r.warnings)
    assert all(m in warned for m in ms[:3]) and "quarantined" in warned
    prices = used_prices()
    assert prices[ms[0]] == prices[ms[1]] == prices[ms[2]] == Decimal("1.00") and prices[ms[3]] == Decimal("1.10")
    assert main(["prices"]) == 0
    out = capsys.readouterr().out
    assert "Refused by the last refresh of liveco" in out and ms[0] in out


def test_m3_a_response_that_shrinks_by_more_than_half_is_refused_whole(live):
    ms = models()
    live.rows = [row(m) for m in ms]
    assert refresh().ok
    live.rows = [row(ms[0], "1.05")]
    r = refresh()
    assert r.status == "failed" and "shrinks by more than half" in r.message and "last good refresh" in r.now_using
    assert set(used_prices()) == set(ms)
    [status] = [s for s in resolve.source_status() if s.name == "liveco"]
    assert status.refused and "shrinks" in status.refused[0]


def test_m3_first_refresh_is_anchored_on_the_bundled_snapshot(live):
    ms = models()
    live.rows = [row(m, "0.0001") for m in ms]  # 10,000x below the bundled snapshot
    r = refresh()
    # Every price refused: not a refresh (trial 28: "ok", and a cache dated today that made the old prices look new).
    assert r.status == "failed" and f"every one of the {len(ms)} prices was refused" in r.message
    assert set(used_prices().values()) == {Decimal("1.00")} and not cache.cache_path("liveco").exists()


def test_m8_secrets_in_fetched_rows_are_not_cached(live, monkeypatch):
    monkeypatch.setenv("OPENROUTER_API_KEY", KEY)
    live.rows = [row(m, source=f"https://liveco.example/prices?api_key={KEY}", notes=f"key {KEY}") for m in models()]
    assert refresh().ok
    text = cache.cache_path("liveco").read_text()
    assert KEY not in text and "[redacted]" in text


def test_stale_temp_file_from_a_killed_writer_is_cleaned_on_the_next_write(tmp_path):
    target = tmp_path / "report.toml"
    stale = tmp_path / ".report.toml.deadbeef.tmp"
    fresh = tmp_path / ".report.toml.cafecafe.tmp"
    stale.write_text("half")
    fresh.write_text("a writer still running")
    old = time.time() - STALE_TEMP_S - 60
    os.utime(stale, (old, old))
    atomic_write(target, b"x = 1\n")
    assert not stale.exists() and fresh.exists() and target.read_bytes() == b"x = 1\n"


def test_sanity_check_rules():
    from advisor.domain.prices import ApiPrice

    def p(model, usd):
        return ApiPrice(provider="x", model=model, input_usd_per_mtok=Decimal(usd), output_usd_per_mtok=Decimal(usd),
                        source="s", as_of="2026-11-01")
    prev = [p(f"m{i}", "1") for i in range(10)]
    kept, refused, whole = price_refresh.sanity_check([p("m0", "9.9"), p("m1", "10.1")] + prev[2:], prev, [])
    assert not whole and len(refused) == 1 and "m1" in refused[0] and len(kept) == 10
    _, _, whole = price_refresh.sanity_check(prev[:4], prev, [])
    assert "shrinks" in whole
    kept, refused, _ = price_refresh.sanity_check([p("new", "0")], [], [])
    assert not kept and refused


def test_a_million_plugin_price_rows_is_linear():
    """10^6 rows took 193 s (type hints per row); a bounded sample must stay well under 100 us a row."""
    from advisor.catalog.schema import check_price

    r = {"provider": "p", "gpu": "h100-sxm", "usd_per_gpu_hour": "2.5", "pricing": "on-demand", "source": "x", "as_of": "2026-11-01"}
    n = 5000
    t = time.perf_counter()
    for i in range(n):
        check_price(r, "gpu", "l", f"row {i}")
    assert (time.perf_counter() - t) / n < 100e-6


# User trial 28: a plugin author's hostile refreshes


def test_a_refresh_with_every_price_refused_keeps_the_cache_and_its_date(live):
    ms = models()
    live.rows = [row(m) for m in ms]
    assert refresh().ok
    before = cache.cache_path("liveco").read_bytes()
    live.rows = [row(m, "50") for m in ms]  # 50x: every one quarantined
    r = refresh()
    assert r.status == "failed" and f"every one of the {len(ms)} prices was refused (first: liveco " in r.message
    assert "still using the last good refresh" in r.now_using
    assert cache.cache_path("liveco").read_bytes() == before  # the fetch time is the last good refresh's, not now
    assert set(used_prices().values()) == {Decimal("1.00")}


def test_a_refused_price_keeps_the_snapshot_row_where_it_is_newer_than_the_cache(live):
    ms = models()
    old = [dict(row(m, "9.00"), as_of="2025-01-01") for m in ms]
    doc = {"schema_version": cache.CACHE_SCHEMA_VERSION, "source": "liveco", "kind": "api", "fetched_at": "2025-01-01T00:00:00Z",
           "url": "https://liveco.example/prices", "prices": old}
    path = cache.cache_path("liveco")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc))
    resolve.invalidate_prices()
    assert set(used_prices().values()) == {Decimal("1.00")}  # the snapshot (2026-11-01) is newer than the 2025 cache
    live.rows = [row(m, "0.50") for m in ms]  # within 10x of the snapshot in use; 18x below the old cache
    r = refresh()
    assert r.ok and "refused" not in r.message, r  # was: every price refused against the 2025 cache, which it kept
    assert set(used_prices().values()) == {Decimal("0.50")}


def test_a_kept_row_is_as_old_as_its_own_date(live, capsys):
    ms = models()
    live.rows = [row(m) for m in ms]  # as of 2026-11-01
    assert refresh().ok
    live.rows = [row(ms[0], "50")] + [dict(row(m, "1.10"), as_of=price_refresh.now_utc().date().isoformat()) for m in ms[1:]]
    r = refresh()
    assert r.ok and "1 refused" in r.message
    assert main(["prices", "--source", "liveco", "--format", "json"]) == 0
    rows = {x["item"]: x for x in json.loads(capsys.readouterr().out)["prices"] if x["source"] == "liveco"}
    assert rows[ms[0]]["as_of"] == "2026-11-01" and rows[ms[0]]["age_days"] > 0  # was: 0 d, the refresh's age
    assert rows[ms[1]]["age_days"] == 0


def test_dropped_rows_name_the_first_reason(live):
    ms = models()
    live.rows = [row(ms[0], "-0.49"), dict(row(ms[1]), model="no-such-model")] + [row(m) for m in ms[2:]]
    r = refresh()
    warned = " ".join(r.warnings)
    assert "dropped 2 row(s)" in warned and "(first: " in warned and "input_usd_per_mtok" in warned


def test_a_refresh_calls_the_sources_snapshot_once(live, monkeypatch):
    """Review of trial 28: the refresh asked the price book for the copy in use, which called the plugin's snapshot()
    a second time, outside the source's deadline."""
    ms = models()
    calls = []
    monkeypatch.setattr(Source, "snapshot", lambda self: calls.append(1) or [row(m) for m in ms])
    live.rows = [row(m) for m in ms]
    resolve.invalidate_prices()
    calls.clear()
    assert refresh().ok and len(calls) == 1
