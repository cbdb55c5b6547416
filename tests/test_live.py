"""Live price refresh against a real HTTP server on 127.0.0.1 (and httpx.MockTransport for edge cases).

After every failure the advisor still ranks with the last good cache or the bundled snapshot, and the
cache file is byte-for-byte what it was (writes are atomic). Nothing here reaches the network.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from advisor import api
from advisor.prices import cache
from advisor.prices import fetchers
from advisor.prices import http
from advisor.prices import refresh as price_refresh
from advisor import plugin_manager
from advisor.prices import resolve
from advisor.domain.prices import ApiPrice, GpuPrice
from advisor.plugins import genai_prices

FAST = http.HttpSettings(timeout_s=0.5, connect_timeout_s=0.5, retries=2, backoff_s=0.01, max_backoff_s=0.05,
                         max_bytes=2 * 2**20, max_pages=5, deadline_s=15)


# --------------------------------------------------------------------------- real-shaped responses

def or_model(oid, prompt, completion, hf=None, cache_read=None, context=131072, **extra):
    """One entry of OpenRouter's GET /api/v1/models (prices: strings, USD per token)."""
    pricing = {"prompt": prompt, "completion": completion, "request": "0", "image": "0"}
    if cache_read is not None:
        pricing["input_cache_read"] = cache_read
    item = {
        "id": oid, "canonical_slug": oid, "hugging_face_id": hf, "name": oid, "created": 1730000000,
        "context_length": context,
        "architecture": {"modality": "text->text", "input_modalities": ["text"], "output_modalities": ["text"],
                         "tokenizer": "Other", "instruct_type": None},
        "pricing": pricing,
        "top_provider": {"context_length": context, "max_completion_tokens": 16384, "is_moderated": False},
        "per_request_limits": None, "supported_parameters": ["tools", "temperature"],
    }
    item.update(extra)
    return item


OPENROUTER_OK = {
    "data": [
        or_model("openai/gpt-4o", "0.0000025", "0.00001", hf="openai/gpt-4o-2024-08-06", cache_read="0.00000125"),
        or_model("meta-llama/llama-3.3-70b-instruct", "0.00000013", "0.00000039", hf="meta-llama/Llama-3.3-70B-Instruct"),
        or_model("meta-llama/llama-3.3-70b-instruct:free", "0", "0", hf="meta-llama/Llama-3.3-70B-Instruct"),
        or_model("deepseek/deepseek-chat", "0.00000027", "0.0000011", hf="deepseek-ai/DeepSeek-V3", cache_read="0.00000007",
                 context=163840),
        # Not in the bundled snapshot: matched through the Hugging Face repository.
        or_model("deepseek/deepseek-v4-flash", "0.00000014", "0.00000028", hf="deepseek-ai/DeepSeek-V4-Flash"),
        or_model("openrouter/auto", "-1", "-1"),
    ],
}


def azure_row(sku, price, region="eastus", meter=None, product="Virtual Machines NDsr H100 v5 Series", type_="Consumption"):
    return {
        "currencyCode": "USD", "tierMinimumUnits": 0.0, "retailPrice": price, "unitPrice": price,
        "armRegionName": region, "location": region, "effectiveStartDate": "2024-01-01T00:00:00Z",
        "meterId": "00000000-0000-0000-0000-000000000000", "meterName": meter or sku.split("_")[1] + sku.split("_")[2],
        "productId": "DZH318Z0BQ4W", "skuId": "DZH318Z0BQ4W/00TG", "productName": product,
        "skuName": (meter or sku).replace("Standard_", ""), "serviceName": "Virtual Machines", "serviceId": "DZH313Z7MMC8",
        "serviceFamily": "Compute", "unitOfMeasure": "1 Hour", "type": type_, "isPrimaryMeterRegion": True,
        "armSkuName": sku,
    }


def azure_pages(base):
    h100 = "Standard_ND96isr_H100_v5"
    page1 = {
        "BillingCurrency": "USD", "CustomerEntityId": "Default", "CustomerEntityType": "Retail",
        "Items": [
            azure_row(h100, 98.32, meter="ND96isrH100v5"),
            azure_row(h100, 18.169536, meter="ND96isrH100v5 Spot"),
            azure_row(h100, 120.0, meter="ND96isrH100v5", product="Virtual Machines NDsr H100 v5 Series Windows"),
            azure_row(h100, 30.0, meter="ND96isrH100v5 Low Priority"),
            azure_row(h100, 50.0, meter="ND96isrH100v5", type_="DevTestConsumption"),
            azure_row("Standard_E64-32ds_v4", 5.536, region="westeurope", meter="E64-32ds v4"),
        ],
        "NextPageLink": f"{base}/api/retail/prices?$skip=100&page=2",
        "Count": 6,
    }
    page2 = {
        "BillingCurrency": "USD", "CustomerEntityId": "Default", "CustomerEntityType": "Retail",
        "Items": [
            azure_row(h100, 100.0, region="westeurope", meter="ND96isrH100v5"),
            azure_row("Standard_ND96isr_H200_v5", 110.24, region="eastus2", meter="ND96isrH200v5",
                      product="Virtual Machines NDsr H200 v5 Series"),
        ],
        "NextPageLink": None,
        "Count": 2,
    }
    return page1, page2


GENAI_PATH = "/genai-prices/prices/new_data/v2/data.json"
GENAI_OK = [
    # genai-prices' live feed (its v2 JSON shape: a list of providers, prices in USD per million tokens).
    {"id": "deepseek", "name": "Deepseek", "pricing_urls": ["https://api-docs.deepseek.com/quick_start/pricing"],
     "models": [{"id": "deepseek-v4-pro", "match": {"starts_with": "deepseek-v4-pro"}, "context_window": 1000000,
                 "prices": {"input_mtok": 0.7, "cache_read_mtok": 0.02, "output_mtok": 2}}]},
    {"id": "groq", "name": "Groq", "pricing_urls": ["https://groq.com/pricing"],
     "models": [{"id": "openai/gpt-oss-120b", "match": {"equals": "openai/gpt-oss-120b"},
                 "prices": {"input_mtok": 0.14, "cache_read_mtok": 0.07, "output_mtok": 0.55}}]},
]


# --------------------------------------------------------------------------- a real server on 127.0.0.1

class Server:
    """A threaded HTTP server on 127.0.0.1 serving scripted responses per path."""

    def __init__(self):
        self.routes: dict[str, list[dict]] = {}
        self.requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urlsplit(self.path)
                outer.requests.append({"path": parts.path, "query": parse_qs(parts.query), "headers": dict(self.headers)})
                queue = outer.routes.get(parts.path) or [{"status": 404, "body": b"{}"}]
                spec = queue.pop(0) if len(queue) > 1 else queue[0]
                try:
                    if spec.get("delay"):
                        time.sleep(spec["delay"])
                    body = spec.get("body", b"")
                    if not isinstance(body, bytes):
                        body = json.dumps(body).encode()
                    self.send_response(spec.get("status", 200))
                    self.send_header("Content-Type", "application/json")
                    for k, v in spec.get("headers", {}).items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def route(self, path, *responses):
        self.routes[path] = [r if isinstance(r, dict) and ("status" in r or "body" in r) else {"body": r} for r in responses]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(monkeypatch):
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    srv = Server()
    monkeypatch.setenv(fetchers.OPENROUTER_URL_ENV, f"{srv.base}/api/v1/models")
    monkeypatch.setenv(fetchers.AZURE_URL_ENV, f"{srv.base}/api/retail/prices")
    monkeypatch.delenv(fetchers.OPENROUTER_KEY_ENV, raising=False)
    # genai-prices joins every `prices refresh`: its feed is served here too, never fetched from GitHub
    monkeypatch.setenv(genai_prices.URL_ENV, f"{srv.base}{GENAI_PATH}")
    monkeypatch.delenv(genai_prices.LIVE_ENV, raising=False)
    # These fakes answer with 3 catalog models where the bundled snapshot has 22 (a shrink the refresh refuses,
    # tests/test_robust12_io_prices.py): here the HTTP handling is tested, so the shrink guard is off.
    monkeypatch.setattr(price_refresh, "MIN_ROWS_TO_JUDGE", 10**9)
    plugin_manager.reset()
    yield srv
    srv.close()
    plugin_manager.reset()


def refresh(*names, **kw):
    kw.setdefault("settings", FAST)
    kw.setdefault("sleep", lambda s: None)
    return price_refresh.refresh(list(names) or None, **kw)


def api_price(model, provider="openrouter"):
    book = resolve.price_book()
    return next(p for p in book.api_prices if p.model == model and p.provider == provider)


def gpu_prices(provider="azure"):
    return [p for p in resolve.price_book().gpu_prices if p.provider == provider]


def cache_bytes(name):
    path = cache.cache_path(name)
    return path.read_bytes() if path.exists() else None


def assert_still_ranks():
    rec = api.recommend(api.preset("bursty-app"))
    assert rec.candidates, rec.notes


# --------------------------------------------------------------------------- success

def test_openrouter_refresh_caches_prices_with_fetch_time_and_the_advisor_uses_them(server):
    server.route("/api/v1/models", OPENROUTER_OK)
    bundled = api_price("llama-3.3-70b")
    [r] = refresh("openrouter")
    assert r.ok and r.prices == 3 and r.fetched_at, r
    doc = json.loads(cache.cache_path("openrouter").read_text())
    assert doc["fetched_at"] == r.fetched_at and doc["source"] == "openrouter" and len(doc["prices"]) == 3
    p = api_price("llama-3.3-70b")
    assert p.input_usd_per_mtok == Decimal("0.13") and p.output_usd_per_mtok == Decimal("0.39") != bundled.output_usd_per_mtok
    assert p.provider_model == "meta-llama/llama-3.3-70b-instruct"  # not the ':free' variant
    v3 = api_price("deepseek-v3")
    assert v3.cached_input_usd_per_mtok == Decimal("0.07") and v3.context_tokens == 163840
    assert api_price("deepseek-v4-flash").input_usd_per_mtok == Decimal("0.14")  # matched by hugging_face_id
    # Models the live list does not price any more are no longer offered by OpenRouter.
    assert not [p for p in resolve.price_book().api_prices if p.provider == "openrouter" and p.model == "gemma-3-27b"]
    status = {s.name: s for s in resolve.source_status()}["openrouter"]
    assert status.used == "live cache" and status.fetched_at == r.fetched_at and status.age_days == 0
    rec = api.recommend(api.workload(preset="bursty-app", models=["llama-3.3-70b"], self_hosting="allowed"))
    offer = next(c for c in rec.candidates if c.provider == "openrouter")
    assert offer.api_output_usd_per_mtok == Decimal("0.39")


def test_azure_refresh_follows_pages_filters_rows_and_divides_by_gpus(server):
    page1, page2 = azure_pages(server.base)
    server.route("/api/retail/prices", page1, page2)
    [r] = refresh("azure")
    assert r.ok, r
    assert len(server.requests) == 2
    flt = server.requests[0]["query"]["$filter"][0]
    assert "armSkuName eq 'Standard_ND96isr_H100_v5'" in flt and "priceType eq 'Consumption'" in flt
    assert "Standard_ND96isr_H200_v5" in flt and "Standard_ND96isr_MI300X_v5" in flt
    assert server.requests[1]["query"].get("page") == ["2"]
    rows = {(p.gpu, p.pricing, p.region): p for p in gpu_prices()}
    assert rows[("h100-sxm", "on-demand", "eastus")].usd_per_gpu_hour == Decimal("12.29")
    assert rows[("h100-sxm", "spot", "eastus")].usd_per_gpu_hour == Decimal("2.271192")
    assert rows[("h100-sxm", "on-demand", "westeurope")].usd_per_gpu_hour == Decimal("12.5")
    assert rows[("h200", "on-demand", "eastus2")].usd_per_gpu_hour == Decimal("13.78")
    assert len(rows) == 4  # Windows, low-priority, dev/test and non-GPU rows skipped
    assert all(p.gpus_per_instance == 8 and p.as_of == r.fetched_at[:10] for p in rows.values())


# --------------------------------------------------------------------------- failures: fallback, cache intact

@pytest.fixture
def good_cache(server):
    """A successful OpenRouter refresh first: the 'last good' state later failures must keep."""
    server.route("/api/v1/models", OPENROUTER_OK)
    [r] = refresh("openrouter")
    assert r.ok
    return cache_bytes("openrouter")


def _assert_kept(good, r):
    assert not r.ok and r.status == "failed" and r.error
    assert cache_bytes("openrouter") == good, "the last good cache was modified"
    assert "still using the last good refresh" in r.message
    assert api_price("llama-3.3-70b").output_usd_per_mtok == Decimal("0.39")  # the live price, not the snapshot
    assert not [p for p in cache.cache_dir().iterdir() if p.name.endswith(".tmp")]
    assert_still_ranks()


def test_timeout_keeps_the_last_good_cache(server, good_cache):
    server.route("/api/v1/models", {"body": OPENROUTER_OK, "delay": 1.5})
    t = time.monotonic()
    [r] = refresh("openrouter", settings=http.HttpSettings(timeout_s=0.2, connect_timeout_s=0.2, retries=1, backoff_s=0.01))
    assert time.monotonic() - t < 5
    assert "timed out" in r.message
    _assert_kept(good_cache, r)


def test_http_500_is_retried_then_reported(server, good_cache):
    server.route("/api/v1/models", {"status": 500, "body": {"error": "boom"}})
    before = len(server.requests)
    [r] = refresh("openrouter")
    assert len(server.requests) - before == FAST.retries + 1
    assert "HTTP 500" in r.message and "3 attempt" in r.message
    _assert_kept(good_cache, r)


def test_429_then_success_honours_retry_after(server):
    slept = []
    server.route("/api/v1/models", {"status": 429, "body": b"slow down", "headers": {"Retry-After": "0.04"}}, OPENROUTER_OK)
    [r] = refresh("openrouter", sleep=slept.append)
    assert r.ok and len(server.requests) == 2
    assert slept == [pytest.approx(0.04)]  # Retry-After (capped by max_backoff_s)


def test_malformed_json_keeps_the_last_good_cache(server, good_cache):
    server.route("/api/v1/models", {"body": b'{"data": [ {"id": "x", '})
    [r] = refresh("openrouter")
    assert "malformed JSON" in r.message
    _assert_kept(good_cache, r)


def test_huge_body_is_refused(server, good_cache):
    big = {"data": [or_model(f"x/m{i}", "0.000001", "0.000002") for i in range(2000)]}
    server.route("/api/v1/models", big)
    [r] = refresh("openrouter", settings=http.HttpSettings(max_bytes=64 * 1024, retries=0))
    assert "too large" in r.message
    _assert_kept(good_cache, r)


def test_empty_list_keeps_the_last_good_cache(server, good_cache):
    server.route("/api/v1/models", {"data": []})
    [r] = refresh("openrouter")
    assert "empty" in r.message
    _assert_kept(good_cache, r)


def test_failure_without_cache_falls_back_to_the_bundled_snapshot(server):
    server.route("/api/retail/prices", {"status": 503, "body": b"unavailable"})
    bundled = sorted((p.pricing, p.usd_per_gpu_hour) for p in gpu_prices())
    [r] = refresh("azure")
    assert not r.ok and "bundled snapshot (as of 2026-" in r.message and "days old" in r.message
    assert cache_bytes("azure") is None
    assert sorted((p.pricing, p.usd_per_gpu_hour) for p in gpu_prices()) == bundled
    assert_still_ranks()


def test_one_failing_source_does_not_stop_the_others(server):
    server.route("/api/v1/models", {"status": 500, "body": b""})
    page1, page2 = azure_pages(server.base)
    server.route("/api/retail/prices", page1, page2)
    server.route(GENAI_PATH, GENAI_OK)
    seen = []
    results = {r.source: r for r in refresh(progress=lambda s, d, t: seen.append((s, d, t)))}
    assert not results["openrouter"].ok and results["azure"].ok and results[genai_prices.SOURCE_NAME].ok
    order = [s for s, _, _ in seen[::2]]
    assert sorted(order) == sorted(["azure", "openrouter", genai_prices.SOURCE_NAME])
    assert seen == [x for i, name in enumerate(order) for x in ((name, i, 3), (name, i + 1, 3))]
    assert api_price("deepseek-v4-pro", "deepseek").input_usd_per_mtok == Decimal("0.7")  # the refreshed library row


# --------------------------------------------------------------------------- edge cases (MockTransport)

def mock(handler):
    return httpx.MockTransport(handler)


def test_schema_problems_are_rejected_or_skipped(server):
    shapes = [{"data": {"id": "x"}}, [1, 2], {"models": []}]
    for body in shapes:
        [r] = refresh("openrouter", transport=mock(lambda req, b=body: httpx.Response(200, json=b)))
        assert not r.ok and "unexpected response" in r.message, r
    bad_rows = {"data": [
        or_model("meta-llama/llama-3.3-70b-instruct", {"usd": 1}, "0.0000004"),  # wrong type
        or_model("deepseek/deepseek-chat", "abc", "0.000001"),                   # not a number
        "not an object",
        or_model("meta-llama/llama-4-scout", "0.00000008", "0.0000003"),
    ]}
    [r] = refresh("openrouter", transport=mock(lambda req: httpx.Response(200, json=bad_rows)))
    assert r.ok and r.prices == 1 and any("malformed" in w for w in r.warnings), r
    assert api_price("llama-4-scout").output_usd_per_mtok == Decimal("0.3")


def test_chunked_huge_body_without_content_length_is_refused(server):
    def stream():
        yield b'{"data": ['
        for _ in range(10_000):
            yield b'"' + b"x" * 1000 + b'",'
        yield b'""]}'

    [r] = refresh("openrouter", transport=mock(lambda req: httpx.Response(200, content=stream())))
    assert not r.ok and "too large" in r.message


def test_page_count_is_capped_and_foreign_next_links_refused(server):
    def endless(req):
        n = int(req.url.params.get("n", "0"))
        page = {"Items": [azure_row("Standard_ND96isr_H100_v5", 80.0 + n, region=f"r{n}")],
                "NextPageLink": f"{server.base}/api/retail/prices?n={n + 1}"}
        return httpx.Response(200, json=page)

    [r] = refresh("azure", transport=mock(endless))
    assert r.ok and r.prices == FAST.max_pages and any("stopped after" in w for w in r.warnings)

    evil = {"Items": [azure_row("Standard_ND96isr_H100_v5", 80.0)], "NextPageLink": "https://evil.example/steal"}
    [r] = refresh("azure", transport=mock(lambda req: httpx.Response(200, json=evil)))
    assert r.ok and r.prices == 1 and any("another host" in w for w in r.warnings), r


def test_connection_error_is_retried_and_redacts_the_api_key(server, monkeypatch):
    monkeypatch.setenv(fetchers.OPENROUTER_KEY_ENV, "sk-or-secret-0123456789")
    calls = []

    def handler(req):
        calls.append(req.headers.get("authorization"))
        raise httpx.ConnectError("cannot reach host with key sk-or-secret-0123456789")

    [r] = refresh("openrouter", transport=mock(handler))
    assert len(calls) == FAST.retries + 1 and calls[0] == "Bearer sk-or-secret-0123456789"
    assert not r.ok and "sk-or-secret" not in repr(r) and "[redacted]" in r.message


def test_api_key_is_sent_but_never_cached_or_printed(server, monkeypatch, capsys):
    from advisor.cli import main

    monkeypatch.setenv(fetchers.OPENROUTER_KEY_ENV, "sk-or-secret-0123456789")
    server.route("/api/v1/models", OPENROUTER_OK)
    assert main(["prices", "refresh", "--source", "openrouter"]) == 0
    out, err = capsys.readouterr()
    assert server.requests[-1]["headers"].get("Authorization") == "Bearer sk-or-secret-0123456789"
    assert "sk-or-secret" not in out + err
    assert "sk-or-secret" not in cache.cache_path("openrouter").read_text()
    assert main(["prices", "--format", "json"]) == 0
    assert "sk-or-secret" not in capsys.readouterr().out


# --------------------------------------------------------------------------- cache integrity

def test_corrupted_cache_falls_back_to_the_snapshot(server):
    cache.cache_path("openrouter").parent.mkdir(parents=True, exist_ok=True)
    bundled = api_price("llama-3.3-70b")
    for junk in ("{not json", json.dumps({"schema_version": 1, "source": "openrouter", "kind": "api",
                                          "fetched_at": "2026-11-01T00:00:00Z",
                                          "prices": [{"provider": "openrouter", "model": "llama-3.3-70b"}]})):
        cache.cache_path("openrouter").write_text(junk)
        resolve.invalidate_prices()
        assert api_price("llama-3.3-70b") == bundled
        status = {s.name: s for s in resolve.source_status()}["openrouter"]
        assert status.used == "bundled snapshot" and "cache unusable" in status.note
    assert_still_ranks()


def test_interrupted_cache_write_leaves_the_old_file(server, good_cache, monkeypatch):
    def explode(*a, **k):
        raise OSError("disk full")

    from advisor.common import files

    monkeypatch.setattr(files.os, "fsync", explode)
    with pytest.raises(OSError):
        cache.write_cache("openrouter", "api", [api_price("llama-3.3-70b")], "2026-11-22T00:00:00Z", "http://x")
    assert cache_bytes("openrouter") == good_cache
    assert [p.name for p in cache.cache_dir().iterdir()] == ["openrouter.json"]
    # A refresh that fails inside the write reports it and keeps the old cache too.
    server.route("/api/v1/models", OPENROUTER_OK)
    [r] = refresh("openrouter")
    assert not r.ok and "disk full" in r.message and cache_bytes("openrouter") == good_cache


# --------------------------------------------------------------------------- CLI and "no network unless asked"

def test_cli_refresh_prints_progress_and_one_line_per_source(server, capsys):
    from advisor.cli import main

    server.route("/api/v1/models", OPENROUTER_OK)
    server.route("/api/retail/prices", {"status": 404, "body": b"{}"})
    server.route(GENAI_PATH, GENAI_OK)
    code = main(["prices", "refresh"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "[1/3]" in err and "[2/3]" in err and "[3/3]" in err
    lines = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert "ok" in lines["openrouter"] and "3 prices" in lines["openrouter"]
    assert "failed" in lines["azure"] and "HTTP 404" in lines["azure"] and "bundled snapshot" in lines["azure"]
    assert "ok" in lines[genai_prices.SOURCE_NAME] and "2 prices" in lines[genai_prices.SOURCE_NAME]
    assert main(["prices", "refresh", "--source", "aws", "--source", "nope"]) == 0
    out = capsys.readouterr().out
    assert "aws" in out and "skipped" in out and "no such price source" in out
    assert main(["prices", "--source", "openrouter"]) == 0
    out = capsys.readouterr().out
    assert "live cache" in out and "0 d" in out


def test_normal_use_never_opens_a_connection(monkeypatch, capsys):
    from advisor.cli import main

    def refuse(*a, **k):
        raise AssertionError("network client created without `prices refresh`")

    monkeypatch.setattr(httpx, "Client", refuse)
    plugin_manager.reset()
    assert api.recommend(api.preset("steady-latency")).candidates
    assert main(["prices"]) == 0 and main(["plugins"]) == 0
    capsys.readouterr()
    plugin_manager.reset()


def test_price_book_does_not_import_httpx():
    code = ("import sys\nfrom advisor import api\nfrom advisor.prices import resolve\nresolve.price_book(); resolve.plugin_infos()\n"
            "api.recommend(api.preset('bursty-app'))\nsys.exit(1 if 'httpx' in sys.modules else 0)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_cached_rows_are_validated_like_snapshot_rows(server):
    rows = [ApiPrice(provider="openrouter", model="llama-3.3-70b", input_usd_per_mtok=Decimal("0.1"),
                     output_usd_per_mtok=Decimal("0.2"), source="test", as_of="2026-11-22")]
    cache.write_cache("openrouter", "api", rows, "2026-11-20T10:00:00Z", "http://user:pw@127.0.0.1/x?key=1")
    doc = json.loads(cache.cache_path("openrouter").read_text())
    assert doc["url"] == "http://127.0.0.1/x"  # no credentials or query in the cache
    assert api_price("llama-3.3-70b").input_usd_per_mtok == Decimal("0.1")
    assert not isinstance(rows[0], GpuPrice)


def test_a_bundled_snapshot_newer_than_the_cache_wins(server):
    old = [ApiPrice(provider="openrouter", model="llama-3.3-70b", input_usd_per_mtok=Decimal("9"),
                    output_usd_per_mtok=Decimal("9"), source="test", as_of="2025-01-01")]
    cache.write_cache("openrouter", "api", old, "2025-01-01T00:00:00Z", "http://127.0.0.1/x")
    assert api_price("llama-3.3-70b").input_usd_per_mtok != Decimal("9")
    status = {s.name: s for s in resolve.source_status()}["openrouter"]
    assert status.used == "bundled snapshot" and "newer than the live cache" in status.note


def test_openrouter_prices_below_zero_are_named_not_called_unknown_models(server):
    server.route("/api/v1/models", {"data": [or_model("deepseek/deepseek-chat", "-1", "-1", hf="deepseek-ai/DeepSeek-V3")]})
    [r] = refresh("openrouter")
    assert r.status == "failed" and "is a catalog model" not in r.message
    assert "has a usable price: 1 catalog model priced below zero" in r.message and "deepseek/deepseek-chat" in r.message
