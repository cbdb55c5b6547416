"""Per-token API prices from pydantic's ``genai-prices`` data (https://github.com/pydantic/genai-prices).

Why genai-prices and not LiteLLM's ``model_prices_and_context_window.json`` (compared on genai-prices
0.2.3, published on PyPI 2026-11-10, and litellm 1.110.2, 2026-11-20; both still the newest releases on PyPI
on 2026-12-03):

- providers: each covers 6 of our 7 API providers. genai-prices lacks DeepInfra; LiteLLM's map has no
  OpenRouter entries at all. Of our 78 hand rows genai-prices prices 44 (by the table below, 24 of them
  OpenRouter's), LiteLLM 44 (by exact id, none of them OpenRouter's).
- dates: genai-prices keeps price history (``constraint.start_date``: a new price and the day it starts)
  and time-of-day windows (DeepSeek peak/off-peak); LiteLLM keeps one current price per model, dated only
  by an optional ``deprecation_date``.
- update channel: genai-prices publishes its live feed at a fixed URL (``DATA_URL``, the file its own
  package auto-updates from); LiteLLM's map is a 3.5 MB file in a large repository, re-read from GitHub
  main the same way. Both are MIT-licensed.

The package is not a dependency (it needs pydantic and an HTTP client of its own), so the bundled
snapshot is ``catalogs/prices/genai_prices_snapshot.json``: the library's own v2 JSON shape, trimmed to
the entries ``MODEL_MAP`` names, with the package version and its publication date. ``moe-advisor prices
refresh`` reads the live feed through the same mapping (cache, sanity checks, quarantine, last good copy).

Precedence: registered after the providers' own plugins (at the end of ``DEFAULT_PLUGINS``), the price book lets a
later source's row replace an earlier one with the same (provider, model), so where genai-prices covers a
provider/model its price is used and the hand snapshot (``api_<provider>.toml``) only for what it lacks.
Exceptions, each counted: a hand row dated after this copy of the data was published (the bundled
snapshot's ``published``, or the day of a live refresh) or after the day the library last checked that price
(``CHECKED``: the library republishes old prices unchanged, so its publication date says little about a
price's age), ``HELD_BACK`` entries, and providers with a live refresh of their own (``FIRST_PARTY_LIVE``).
Facts the library does not keep (retirement date, batch discount, rate limits, measured speed, fine-tuned
serving, the API model id, a cached-input price it lacks) are carried over from the hand row.

Prices: the standard rate in force on the reference day (a later ``start_date`` wins, as in the
library); where a provider prices by time of day (DeepSeek's V4 peak hours), the row's prices are the rate
charged for most of the day and its ``time_windows`` the other times, as multipliers of them (the bill weights
them by the workload's hours); a tiered price counts at its base rate. Library entries marked ``deprecated`` are skipped unless a hand row keeps the
model (with its own retirement date).
"""

from __future__ import annotations

import datetime
import itertools
import json
import os
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterable

from advisor.hookspecs import hookimpl

SOURCE_NAME = "genai-prices"
DATA_URL = "https://raw.githubusercontent.com/pydantic/genai-prices/refs/heads/main/prices/new_data/v2/data.json"
REPO_URL = "https://github.com/pydantic/genai-prices"
URL_ENV = "MOE_ADVISOR_GENAI_PRICES_URL"
LIVE_ENV = "MOE_ADVISOR_GENAI_PRICES_LIVE"
LIVE_BY_DEFAULT = True
"""Whether ``prices refresh`` includes this source. On: it joins the refresh like the other live sources
(``MOE_ADVISOR_GENAI_PRICES_LIVE=0`` leaves it out; tests point ``MOE_ADVISOR_GENAI_PRICES_URL`` at
127.0.0.1)."""
ADD_OFFERS = False
"""Whether a mapped entry with no hand row becomes a new offer. Off: the price book's API rows are the
bundled catalog's (tests/test_plugins.py), and a new offer lacks the hand facts (retirement, limits)."""
SNAPSHOT_FILE = "genai_prices_snapshot.json"

MODEL_MAP: dict[tuple[str, str], str] = {
    # (our provider id, genai-prices model id) -> catalog model id. Only these are read; every other
    # entry is skipped and counted. Most ids are the API ids our hand rows already name.
    ("anthropic", "claude-opus-4-7"): "claude-opus-4.7",  # API-only (closed weights) models: the vendor's own API
    ("openai", "gpt-5.5"): "gpt-5.5",
    ("cerebras", "gpt-oss-120b"): "gpt-oss-120b",
    ("cerebras", "llama3.1-8b"): "llama-3.1-8b",
    ("cerebras", "llama-3.3-70b"): "llama-3.3-70b",
    ("deepseek", "deepseek-v4-flash"): "deepseek-v4-flash",
    ("deepseek", "deepseek-v4-pro"): "deepseek-v4-pro",
    ("fireworks", "gpt-oss-120b"): "gpt-oss-120b",
    ("fireworks", "gpt-oss-20b"): "gpt-oss-20b",
    ("fireworks", "deepseek-v3p2"): "deepseek-v3",  # the V3-family row of the pricing page, as in api_fireworks.toml
    ("fireworks", "deepseek-r1-0528"): "deepseek-r1",
    ("fireworks", "deepseek-v4-flash"): "deepseek-v4-flash",
    ("fireworks", "deepseek-v4-pro"): "deepseek-v4-pro",
    ("fireworks", "qwen3-235b-a22b"): "qwen3-235b-a22b",
    ("fireworks", "llama-v3p1-8b-instruct"): "llama-3.1-8b",
    ("fireworks", "llama4-maverick-instruct-basic"): "llama-4-maverick",
    ("fireworks", "gemma-3-27b-it"): "gemma-3-27b",
    ("groq", "llama-3.3-70b-versatile"): "llama-3.3-70b",
    ("groq", "llama-3.1-8b-instant"): "llama-3.1-8b",
    ("groq", "meta-llama/llama-4-scout-17b-16e-instruct"): "llama-4-scout",
    ("groq", "meta-llama/llama-4-maverick-17b-128e-instruct"): "llama-4-maverick",
    ("groq", "openai/gpt-oss-120b"): "gpt-oss-120b",
    ("groq", "openai/gpt-oss-20b"): "gpt-oss-20b",
    ("groq", "moonshotai/kimi-k2-instruct"): "kimi-k2",  # its match covers kimi-k2-instruct-0905
    ("groq", "mixtral-8x7b-32768"): "mixtral-8x7b",
    ("openrouter", "deepseek/deepseek-chat"): "deepseek-v3",
    ("openrouter", "deepseek/deepseek-r1"): "deepseek-r1",
    ("openrouter", "deepseek/deepseek-v4-flash"): "deepseek-v4-flash",
    ("openrouter", "deepseek/deepseek-v4-pro"): "deepseek-v4-pro",
    ("openrouter", "google/gemma-3-27b-it"): "gemma-3-27b",
    ("openrouter", "google/gemma-4-26b-a4b-it"): "gemma-4-26b-a4b",
    ("openrouter", "meta-llama/llama-3.1-405b-instruct"): "llama-3.1-405b",
    ("openrouter", "meta-llama/llama-3.1-8b-instruct"): "llama-3.1-8b",
    ("openrouter", "meta-llama/llama-3.3-70b-instruct"): "llama-3.3-70b",
    ("openrouter", "meta-llama/llama-4-maverick"): "llama-4-maverick",
    ("openrouter", "meta-llama/llama-4-scout"): "llama-4-scout",
    ("openrouter", "microsoft/phi-4"): "phi-4",
    ("openrouter", "mistralai/mistral-large"): "mistral-large-2",  # its match covers mistral-large-2407
    ("openrouter", "mistralai/mixtral-8x22b-instruct"): "mixtral-8x22b",
    ("openrouter", "mistralai/mixtral-8x7b-instruct"): "mixtral-8x7b",
    ("openrouter", "moonshotai/kimi-k2"): "kimi-k2",
    ("openrouter", "openai/gpt-oss-120b"): "gpt-oss-120b",
    ("openrouter", "openai/gpt-oss-20b"): "gpt-oss-20b",
    ("openrouter", "qwen/qwen-2.5-72b-instruct"): "qwen2.5-72b",
    ("openrouter", "qwen/qwen3-235b-a22b"): "qwen3-235b-a22b",
    ("openrouter", "qwen/qwen3-30b-a3b"): "qwen3-30b-a3b",
    ("openrouter", "qwen/qwen3.5-397b-a17b"): "qwen3.5-397b-a17b",
    ("openrouter", "qwen/qwen3.6-35b-a3b"): "qwen3.6-35b-a3b",
    ("together", "meta-llama/Llama-3.3-70B-Instruct-Turbo"): "llama-3.3-70b",
    ("together", "meta-llama/Meta-Llama-3.1-405B-Instruct-Turbo"): "llama-3.1-405b",
    ("together", "meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo"): "llama-3.1-8b",
    ("together", "meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8"): "llama-4-maverick",
    ("together", "meta-llama/Llama-4-Scout-17B-16E-Instruct"): "llama-4-scout",
    ("together", "mistralai/Mixtral-8x7B-Instruct-v0.1"): "mixtral-8x7b",
    ("together", "openai/gpt-oss-120b"): "gpt-oss-120b",
}

HELD_BACK: dict[tuple[str, str], str] = {
    ("deepseek", "deepseek-chat"): "genai-prices still carries the DeepSeek-V3 rate of 2025 (0.27/1.10 standard) for "
                                   "this id; api_deepseek.toml has the later V3.2 rate, and DeepSeek retired the name "
                                   "(routed to V4-Flash from 2026-04-24, gone after 2026-07-24)",
    ("deepseek", "deepseek-reasoner"): "the library still prices this id at the R1 rate of 2025; DeepSeek stopped serving "
                                       "R1 under it on 2025-08-21 (V3.1 thinking mode) and retired the name on "
                                       "2026-07-24: api_deepseek.toml keeps R1's price with its retirement date",
    ("together", "mistralai/Mixtral-8x22B-Instruct-v0.1"): "the library's price (2.40) has no check date and its "
                                                           "together.yml was last changed on 2025-08-12; the hand row "
                                                           "carries the same price with that date, so it is not "
                                                           "re-dated to the library's release",
}
"""Entries the table could map but deliberately does not, with the reason (the hand row stays in use)."""

CHECKED: dict[tuple[str, str], tuple[str, str, str]] = {
    # (our provider id, genai-prices model id) -> (the day the library last checked this price, its input and
    # output price then). The library's JSON feeds carry no such date, its sources do: ``prices_checked`` in
    # https://github.com/pydantic/genai-prices/tree/main/prices/providers (<provider>.yml, read at commit
    # 47df840a of 2026-08-21; the Together Mixtral entries have no ``prices_checked``: together.yml was last
    # changed on 2025-08-12, so their price is at least that old; the Mixtral 8x22B one is held back instead). While the library still prints the same
    # price, its age is that day, not the package's: a hand row read later is kept (``hand_newer``).
    ("cerebras", "gpt-oss-120b"): ("2025-11-06", "0.35", "0.75"),
    ("cerebras", "llama-3.3-70b"): ("2025-11-07", "0.85", "1.2"),
    ("cerebras", "llama3.1-8b"): ("2025-11-07", "0.1", "0.1"),
    ("fireworks", "deepseek-r1-0528"): ("2025-07-13", "3", "8"),
    ("fireworks", "deepseek-v3p2"): ("2026-02-03", "0.56", "1.68"),
    ("fireworks", "deepseek-v4-flash"): ("2026-08-04", "0.14", "0.28"),
    ("fireworks", "deepseek-v4-pro"): ("2026-06-24", "1.74", "3.48"),
    ("fireworks", "gemma-3-27b-it"): ("2025-07-13", "0.1", "0.1"),
    ("fireworks", "gpt-oss-20b"): ("2026-08-04", "0.07", "0.3"),
    ("fireworks", "llama-v3p1-8b-instruct"): ("2025-07-13", "0.2", "0.2"),
    ("fireworks", "llama4-maverick-instruct-basic"): ("2025-07-13", "0.22", "0.88"),
    ("fireworks", "qwen3-235b-a22b"): ("2025-07-13", "0.22", "0.88"),
    ("groq", "llama-3.1-8b-instant"): ("2025-08-12", "0.05", "0.08"),
    ("groq", "llama-3.3-70b-versatile"): ("2025-08-12", "0.59", "0.79"),
    ("groq", "meta-llama/llama-4-maverick-17b-128e-instruct"): ("2025-08-12", "0.2", "0.6"),
    ("groq", "meta-llama/llama-4-scout-17b-16e-instruct"): ("2025-08-12", "0.11", "0.34"),
    ("groq", "moonshotai/kimi-k2-instruct"): ("2025-08-12", "1", "3"),
    ("groq", "openai/gpt-oss-120b"): ("2025-08-06", "0.15", "0.6"),
    ("groq", "openai/gpt-oss-20b"): ("2025-08-06", "0.075", "0.3"),
    ("together", "meta-llama/Llama-3.3-70B-Instruct-Turbo"): ("2025-07-03", "0.88", "0.88"),
    ("together", "meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8"): ("2025-07-03", "0.27", "0.85"),
    ("together", "meta-llama/Llama-4-Scout-17B-16E-Instruct"): ("2025-07-03", "0.18", "0.59"),
    ("together", "meta-llama/Meta-Llama-3.1-405B-Instruct-Turbo"): ("2025-07-03", "3.5", "3.5"),
    ("together", "meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo"): ("2025-07-03", "0.18", "0.18"),
    ("together", "mistralai/Mixtral-8x7B-Instruct-v0.1"): ("2025-08-12", "0.9", "0.9"),
}
"""The age of the library's undated prices (see above). A flat price only: a dated price (``start_date``)
carries its own day."""


def checked_on(provider: str, mid: str, inp: Decimal, outp: Decimal) -> str:
    """The day the library last checked this (undated) price, or "" when unknown or since changed."""
    got = CHECKED.get((provider, mid))
    if got is None or (Decimal(got[1]), Decimal(got[2])) != (inp, outp):
        return ""
    return got[0]


FIRST_PARTY_LIVE: dict[str, str] = {
    "openrouter": "its own plugin refreshes from OpenRouter's model list, the list genai-prices copies from; a "
                  "library row would replace that live price (the price book lets the later source win)",
}
"""Providers whose own source has a live refresh: their table entries are held back (counted), so the
provider's own live price is never replaced by the library's copy of it."""


# --------------------------------------------------------------------------- reading the library's shape


def _money(value: Any, what: str) -> Decimal:
    """A USD-per-million price: a JSON number (or a tiered ``{"base": ...}``, at its base), finite, >= 0."""
    if isinstance(value, dict) and "base" in value:
        value = value["base"]
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise ValueError(f"{what} is {type(value).__name__}, expected a number")
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{what} is not a number: {value!r}") from None
    if not d.is_finite():
        raise ValueError(f"{what} is not finite: {value!r}")
    if d < 0:
        raise ValueError(f"{what} is negative: {value!r}")
    return Decimal(format(d.normalize(), "f"))


def _minutes(text: Any) -> int:
    """Minutes after 00:00 UTC of a constraint time such as ``00:30:00Z`` or ``08:30:00+08:00``."""
    t = datetime.time.fromisoformat(str(text))
    off = t.utcoffset() or datetime.timedelta(0)
    return int((t.hour * 60 + t.minute - off.total_seconds() // 60) % 1440)


def _active(constraint: Any, day: datetime.date, minute: int) -> bool:
    if not constraint:
        return True
    if "start_date" in constraint:
        return day >= datetime.date.fromisoformat(str(constraint["start_date"])[:10])
    start, end = _minutes(constraint["start_time"]), _minutes(constraint["end_time"])
    return start <= minute < end if start <= end else (minute >= start or minute < end)


def _in_force(prices: list, day: datetime.date, minute: int) -> int:
    """The library's rule: the last entry whose constraint holds at ``minute`` of ``day`` wins, else the first."""
    for i in range(len(prices) - 1, -1, -1):
        if not isinstance(prices[i], dict) or not isinstance(prices[i].get("prices"), dict):
            raise TypeError(f"prices[{i}] is not an object with 'prices'")
        if _active(prices[i].get("constraint"), day, minute):
            return i
    return 0


def prices_by_time(prices: Any, day: datetime.date) -> tuple[dict, str, list[tuple[int, int, dict]]]:
    """(the prices charged for most of ``day``, when they started or "", the other times of day as (start, end
    minute after 00:00 UTC, prices), across midnight when the end is the smaller): between two of the entries'
    time-of-day bounds one entry is in force."""
    if isinstance(prices, dict):
        return prices, "", []
    if not isinstance(prices, list) or not prices:
        raise ValueError("'prices' is neither an object nor a non-empty list")
    cuts = sorted({0, 1440}.union(*({_minutes(c["start_time"]), _minutes(c["end_time"])} for e in prices if isinstance(e, dict)
                                    and isinstance(c := e.get("constraint"), dict) and "start_time" in c)))
    runs = [(a, b, _in_force(prices, day, a)) for a, b in itertools.pairwise(cuts)]
    minutes = {i: sum(b - a for a, b, j in runs if j == i) for _, _, i in runs}
    best = max(sorted(minutes), key=lambda i: minutes[i])
    windows: list[tuple[int, int, dict]] = []
    for a, b, i in (r for r in runs if r[2] != best):
        if windows and windows[-1][1:] == (a, prices[i]["prices"]):
            windows[-1] = (windows[-1][0], b, prices[i]["prices"])  # two entries with one price: one window
        else:
            windows.append((a, b, prices[i]["prices"]))
    if len(windows) > 1 and windows[0][0] == 0 and windows[-1][1] == 1440 and windows[0][2] == windows[-1][2]:
        windows = [(windows[-1][0], windows[0][1], windows[0][2]), *windows[1:-1]]  # one window across midnight
    return prices[best]["prices"], str((prices[best].get("constraint") or {}).get("start_date", ""))[:10], windows


def price_on(prices: Any, day: datetime.date) -> tuple[dict, str]:
    """(the standard prices in force on ``day``, when they started or ""): by time of day, those of most of the day."""
    return prices_by_time(prices, day)[:2]


def time_windows(windows: list[tuple[int, int, dict]], inp: Decimal, outp: Decimal, cached: Decimal | None) -> tuple:
    """``prices_by_time``'s other times as ``TimeWindow`` multipliers of the row's prices (cached: as input if unpriced)."""
    from advisor.domain.prices import TimeWindow

    def ratio(p: dict, key: str, base: Decimal) -> float:
        got = _money(p[key], key) if p.get(key) is not None else None
        if got is None or (got and not base):
            raise ValueError(f"a time window prices {key} at {got} (the rest of the day at {base})")
        return float(got / base) if base else 1.0

    out = [(start, end, ratio(p, "input_mtok", inp), ratio(p, "output_mtok", outp), p) for start, end, p in windows]
    return tuple(TimeWindow(a, b, i, o, ratio(p, "cache_read_mtok", cached) if cached is not None and p.get("cache_read_mtok")
                            is not None else i) for a, b, i, o, p in out)


def _hand_rows(providers: Iterable[str]) -> dict[tuple[str, str], Any]:
    """Our bundled hand rows by (provider, model): the facts genai-prices does not keep."""
    from advisor.catalog.load import read_price_file
    from advisor.common import paths

    out = {}
    for provider in sorted(set(providers)):
        path = paths.bundled_catalog_dir() / "prices" / f"api_{provider}.toml"
        if path.is_file():
            rows, _ = read_price_file(path, f"prices/{path.name}")
            out.update({(p.provider, p.model): p for p in rows})
    return out


class Mapped:
    """What ``map_providers`` made of one copy of the data: rows, and counts of what it skipped."""

    def __init__(self) -> None:
        self.rows: list[Any] = []
        self.unmapped = 0
        """Entries of our providers that ``MODEL_MAP`` does not name."""
        self.held_back = 0
        self.new_offers = 0
        self.hand_newer = 0
        """Mapped entries whose hand row is dated after this copy of the data: the hand row stays."""
        """Mapped entries without a hand row, left out while ``ADD_OFFERS`` is off."""
        self.deprecated = 0
        self.unpriced = 0
        """Mapped entries without an input and an output token price."""
        self.refused: list[str] = []
        """Mapped entries with a malformed, negative or non-finite price: one line each."""


def map_providers(data: Any, *, day: datetime.date, as_of: str, source: str, catalog_models: Iterable[str] | None = None,
                  hand: dict[tuple[str, str], Any] | None = None) -> Mapped:
    """The library's provider list (v2 JSON shape) -> our ``ApiPrice`` rows for ``MODEL_MAP``."""
    from advisor.domain.prices import ApiPrice

    if not isinstance(data, list):
        raise ValueError(f"expected a list of providers, got {type(data).__name__}")
    known = set(catalog_models) if catalog_models is not None else None
    ours = {p for p, _ in MODEL_MAP}
    hand = _hand_rows(ours) if hand is None else hand
    out = Mapped()
    for prov in data:
        if not isinstance(prov, dict) or prov.get("id") not in ours or not isinstance(prov.get("models"), list):
            continue
        pid = prov["id"]
        urls = prov.get("pricing_urls") or []
        page = urls[0] if isinstance(urls, list) and urls and isinstance(urls[0], str) else REPO_URL
        for m in prov["models"]:
            mid = m.get("id") if isinstance(m, dict) else None
            key = (pid, mid)
            if key in HELD_BACK or (pid in FIRST_PARTY_LIVE and key in MODEL_MAP):
                out.held_back += 1
                continue
            model = MODEL_MAP.get(key)
            if model is None or (known is not None and model not in known):
                out.unmapped += 1
                continue
            have = hand.get((pid, model))
            if have is None and not ADD_OFFERS:
                out.new_offers += 1
                continue
            if have is not None and have.as_of[:10] > as_of[:10]:
                out.hand_newer += 1  # read after this copy of the library was published: the hand row stays
                continue
            if m.get("deprecated") and have is None:
                out.deprecated += 1
                continue
            try:
                prices, started, by_time = prices_by_time(m.get("prices"), day)
                if prices.get("input_mtok") is None or prices.get("output_mtok") is None:
                    out.unpriced += 1
                    continue
                inp = _money(prices["input_mtok"], "input_mtok")
                outp = _money(prices["output_mtok"], "output_mtok")
                cached = _money(prices["cache_read_mtok"], "cache_read_mtok") if prices.get("cache_read_mtok") is not None else None
                windows = time_windows(by_time, inp, outp, cached)
            except (ValueError, KeyError, TypeError) as exc:
                out.refused.append(f"{pid} {model} ({mid}): {exc}")
                continue
            checked = "" if started else checked_on(pid, mid, inp, outp)
            if have is not None and checked and have.as_of[:10] > checked:
                out.hand_newer += 1  # the library's price is older than the hand row (its own check date): the hand row stays
                continue
            ctx = m.get("context_window")
            ctx = ctx if isinstance(ctx, int) and not isinstance(ctx, bool) and ctx > 0 else 0
            note = f"genai-prices model '{mid}'" + (f", price in force from {started}" if started else "") + \
                (f", price last checked by the library on {checked}" if checked else "") + \
                (f", this price outside {', '.join(w.label for w in windows)}" if windows else "")
            row_source = f"{page} (via genai-prices: {source})"
            if have is not None:
                kept = "" if cached is not None or have.cached_input_usd_per_mtok is None else "; cached-input price from the hand row"
                row = replace(have, input_usd_per_mtok=inp, output_usd_per_mtok=outp,
                              cached_input_usd_per_mtok=cached if cached is not None else have.cached_input_usd_per_mtok,
                              context_tokens=ctx or have.context_tokens, source=row_source, as_of=as_of, time_windows=windows,
                              notes=f"{note}; other facts from prices/api_{pid}.toml{kept}")
            else:
                row = ApiPrice(provider=pid, model=model, provider_model=mid, input_usd_per_mtok=inp, output_usd_per_mtok=outp,
                               cached_input_usd_per_mtok=cached, context_tokens=ctx, source=row_source, as_of=as_of, notes=note,
                               time_windows=windows)
            out.rows.append(row)
    return out


# --------------------------------------------------------------------------- the bundled snapshot


def trim(data: list, meta: dict) -> dict:
    """The snapshot file's content: ``meta`` and the providers of ``data`` cut to the entries of
    ``MODEL_MAP`` (how ``catalogs/prices/genai_prices_snapshot.json`` is made from the library's data)."""
    keep = {}
    for prov in data:
        models = [{k: m[k] for k in ("id", "name", "context_window", "deprecated", "prices") if k in m}
                  for m in prov.get("models", []) if (prov.get("id"), m.get("id")) in MODEL_MAP]
        if models:
            keep[prov["id"]] = {"id": prov["id"], "name": prov.get("name", ""), "pricing_urls": prov.get("pricing_urls", []),
                                "models": models}
    return {**meta, "providers": [keep[k] for k in sorted(keep)]}


class GenaiPricesSource:
    """The bundled snapshot of genai-prices, mapped; ``live`` refreshes it from ``DATA_URL``."""

    name = SOURCE_NAME
    kind = "api"

    def __init__(self, path: Path | None = None, today: datetime.date | None = None):
        self._path = path
        self._today = today
        flag = os.environ.get(LIVE_ENV, "").strip().lower()
        if flag in ("1", "true", "yes") or (LIVE_BY_DEFAULT and flag not in ("0", "false", "no")):
            self.live = GenaiPricesFetcher()
        self.last: Mapped | None = None

    @property
    def path(self) -> Path:
        from advisor.common import paths

        return self._path or paths.bundled_catalog_dir() / "prices" / SNAPSHOT_FILE

    def snapshot(self) -> list:
        doc = json.loads(self.path.read_text(encoding="utf-8"), parse_float=Decimal)
        if not isinstance(doc, dict) or not isinstance(doc.get("published"), str):
            raise ValueError(f"{self.path.name}: not a genai-prices snapshot (no 'published' date)")
        source = f"{doc.get('package', 'genai-prices')}, published {doc['published']}, {REPO_URL}"
        day = self._today or datetime.datetime.now(datetime.timezone.utc).date()
        self.last = map_providers(doc.get("providers"), day=day, as_of=doc["published"], source=source)
        if self.last.refused:
            raise ValueError(f"{len(self.last.refused)} unusable price(s) in {self.path.name}; first: {self.last.refused[0]}")
        return list(self.last.rows)


class GenaiPricesFetcher:
    """The library's live feed (the file its own package auto-updates from): the same mapping, dated the
    day of the refresh. A mapped entry with a negative, non-finite or malformed price is refused (named in
    the warnings) and the last good copy's row for it is kept."""

    kind = "api"
    url_env = URL_ENV

    def __init__(self, base_url: str | None = None):
        self._base_url = base_url

    @property
    def url(self) -> str:
        return self._base_url or os.environ.get(self.url_env) or DATA_URL

    def secrets(self) -> tuple[str, ...]:
        return ()

    def fetch(self, http: Any, catalog: Any, snapshot: list) -> list:
        from advisor.domain.prices import ApiPrice, price_key
        from advisor.prices.cache import read_cache
        from advisor.prices.http import LiveError, now_utc, public_url

        where = public_url(self.url)
        data = http.get_json(self.url)
        http.pages += 1
        if not isinstance(data, list) or not data:
            raise LiveError(f"unexpected response from {where}: expected a non-empty JSON list of providers")
        today = now_utc().date()
        got = map_providers(data, day=today, as_of=today.isoformat(), source=f"{where} (live refresh)",
                            catalog_models=catalog.models)
        anchor = {price_key(p): p for p in snapshot if isinstance(p, ApiPrice)}
        previous, _ = read_cache(SOURCE_NAME, "api")
        anchor.update({price_key(p): p for p in (previous.prices if previous else ())})
        rows = {price_key(p): p for p in got.rows}
        for line in got.refused:
            http.warn(f"quarantined: {line}; kept the last good price")
        for line in got.refused:
            provider, model = line.split(" ", 2)[:2]
            old = anchor.get(("api", provider, model))
            if old is not None and ("api", provider, model) not in rows:
                rows[("api", provider, model)] = old
        if got.unmapped:
            http.warn(f"skipped {got.unmapped} entr{'y' if got.unmapped == 1 else 'ies'} of our providers that no "
                      f"catalog model maps to")
        if not rows:
            raise LiveError(f"none of the entries from {where} maps to a catalog model"
                            + (f" ({len(got.refused)} refused)" if got.refused else ""))
        return list(rows.values())


VENDOR_SNAPSHOTS: tuple[tuple[str, str], ...] = (("openai", "api_openai.toml"), ("anthropic", "api_anthropic.toml"))
"""The hand snapshots of the vendors of API-only (closed-weights) models, registered here, before the library's
source, so that its rows replace theirs like any provider's (a separate plugin per vendor needs an entry in
``advisor.plugin_manager.DEFAULT_PLUGINS``)."""


@hookimpl
def register_api_price_sources(register):
    from advisor.prices.sources import bundled_price_source

    for provider, file_name in VENDOR_SNAPSHOTS:
        register(bundled_price_source(provider, file_name))
    register(GenaiPricesSource())
