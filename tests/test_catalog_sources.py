"""Bundled catalog sources: every price row dated and sourced from a public page, no local path anywhere a
source is named, every API row on a catalog model, retired rows shown and never ranked, and the
`moe-advisor prices --stale` re-check list."""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import re
from pathlib import Path

import pytest

from advisor.catalog.load import load_catalog, read_price_file
from advisor.cli import prices as prices_cli

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = ROOT / "catalogs"
# A path of a development machine, a relative path out of the repository, a file URL, or a pointer at a local
# copy ("reference data", "samples/", a local copy's file id such as "seed article 000_e32e..."): a source must name
# the original public page instead.
LOCAL_PATH = re.compile(r"(?:/w[o]rk/|/tm[p]/|/home/|/root/|\.\./|file://|[A-Z]:\\|reference data|\bsamples/|"
                        r"\bseed articles?\b|\b\d{3}_[0-9a-f]{16}\b)",
                        re.IGNORECASE)
ISO_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


def _bundled():
    return load_catalog(bundled=CATALOGS, user=ROOT / "no-user-catalog")


def _price_rows():
    for path in sorted((CATALOGS / "prices").glob("*.toml")):
        rows, problems = read_price_file(path, path.name)
        assert not problems, problems
        assert rows, f"{path.name} has no rows"
        yield path.name, rows


def test_every_bundled_price_row_has_a_public_source_and_an_iso_as_of_date_not_in_the_future():
    today = datetime.date.today().isoformat()
    for name, rows in _price_rows():
        for p in rows:
            what = (name, getattr(p, "gpu", "") or getattr(p, "model", ""))
            assert p.source.strip(), f"{what}: no source"
            assert ISO_DATE.match(p.as_of.strip()), f"{what}: as_of {p.as_of!r} is not an ISO date"
            assert p.as_of.strip() <= today, f"{what}: as_of {p.as_of} is in the future"
            assert not LOCAL_PATH.search(p.source), f"{what}: source names a local path: {p.source}"
            for extra in ("batch_source", "rate_limits_source", "speed_source", "fine_tuned_source"):
                assert not LOCAL_PATH.search(getattr(p, extra, "") or ""), f"{what}: {extra} names a local path"


def test_model_gpu_and_quality_sources_name_no_local_path():
    cat = _bundled()
    for kind, entries, fields in (("models", cat.models, ("source", "params_source")), ("gpus", cat.gpus, ("source",)),
                                  ("quality", cat.quality, ("source",))):
        for key, e in entries.items():
            for f in fields:
                text = getattr(e, f, "") or ""
                assert text.strip() or f != "source", f"{kind}.{key}: no source"
                assert not LOCAL_PATH.search(text), f"{kind}.{key}.{f} names a local path: {text}"
            assert ISO_DATE.match(e.as_of.strip()), f"{kind}.{key}: as_of {e.as_of!r}"


def test_calibration_sources_name_no_local_path():
    with open(CATALOGS / "calibration.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            for col in ("source_url", "source"):
                assert not LOCAL_PATH.search(row.get(col) or ""), f"calibration {row['id']}.{col}: {row[col]}"


def test_catalog_file_headers_and_comments_name_no_local_path():
    for path in sorted(CATALOGS.rglob("*")):
        if path.is_file() and path.suffix in (".toml", ".md"):
            bad = [i + 1 for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()) if LOCAL_PATH.search(line)]
            assert not bad, f"{path.relative_to(ROOT)} line(s) {bad} name a local path"


def test_every_api_row_names_a_catalog_model():
    models = set(_bundled().models)
    for name, rows in _price_rows():
        if name.startswith("api_"):
            unknown = {p.model for p in rows} - models
            assert not unknown, f"{name} prices models the catalog does not have: {sorted(unknown)}"


def test_the_local_path_check_catches_what_it_should():
    for text in (("/w" "ork/main/x.csv"), "see ../shared/seeds/000.txt", "file:///data/p.json",
                 "the project's reference data (samples/x.json)", ("/tm" "p/prices.json"),
                 "quoted by the seed article", "(see 000_e32ede9ae424d522)"):
        assert LOCAL_PATH.search(text), text
    for text in ("https://huggingface.co/Qwen/Qwen3.5-397B-A17B", "github ai-dynamo/aiconfigurator src/x.json @87fe4b0"):
        assert not LOCAL_PATH.search(text), text


def test_retired_rows_are_never_ranked_and_show_as_retired(capsys):
    cat = _bundled()
    retired = [p for p in cat.api_prices if p.retired_on]
    assert retired, "the bundled catalogs keep retired rows for history"
    from advisor.prices.book import PriceBook

    book = PriceBook(gpu_prices=cat.gpu_prices, api_prices=cat.api_prices)
    for p in retired:
        assert (p.provider, p.model) not in {(o.provider, o.model) for o in book.api_offers(p.model)}
    rows, _, _ = prices_cli.price_rows()
    shown = {(r["provider"], r["item"]): r for r in rows if r["kind"] == "api"}
    for p in retired:
        r = shown[(p.provider, p.model)]
        assert r["pricing"] == f"retired {p.retired_on}" and r["retired_on"] == p.retired_on
    assert prices_cli.print_prices(argparse.Namespace(stale=False, format="table", source=None)) == 0
    assert "retired 20" in capsys.readouterr().out


def test_every_retired_row_is_dated_and_says_where_the_retirement_is_published():
    """A row kept for history names the day the provider withdrew the model and the public page that says so."""
    today = datetime.date.today().isoformat()
    seen = 0
    for name, rows in _price_rows():
        for p in rows:
            if not getattr(p, "retired_on", ""):
                continue
            seen += 1
            what = (name, p.model, p.provider_model)
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", p.retired_on) and p.retired_on <= today, what
            assert p.notes.startswith("RETIRED"), f"{what}: notes must open with RETIRED"
            assert re.search(r"https://\S+", p.notes), f"{what}: no public page for the retirement"
    assert seen


def test_prices_stale_lists_old_and_guessed_rows_with_where_to_recheck(capsys):
    rows, _, _ = prices_cli.price_rows()
    assert prices_cli.print_prices(argparse.Namespace(stale=True, format="json", source=None)) == 0
    out = json.loads(capsys.readouterr().out)
    from advisor.prices.book import STALE_AFTER_DAYS

    # one threshold: what `prices --stale` lists is what `prices` marks "(stale)" and the ranking warns about
    assert out["recheck_after_days"] == prices_cli.RECHECK_AFTER_DAYS == STALE_AFTER_DAYS == 120
    listed = {(r["provider"], r["kind"], r["item"], r["sku"]) for r in out["stale"]}
    for r in rows:
        key = (r["provider"], r["kind"], r["item"], r["sku"])
        due = not r["retired_on"] and ((r["age_days"] or 0) > 120 or r["guessed_date"])
        assert (key in listed) == due, (key, r["age_days"], r["guessed_date"])
    assert all(r["why"] and r["price_source"] for r in out["stale"])
    assert prices_cli.print_prices(argparse.Namespace(stale=True, format="table", source=None)) == 0
    text = capsys.readouterr().out
    assert "re-check" in text


@pytest.mark.parametrize("notes,guessed", [
    ("Undated (~2024); as_of = date read.", True),
    ("as_of is a guess from the blog post month", True),
    ("Docs table validated 2026-05-28.", False),
])
def test_guessed_dates_are_read_from_the_notes(notes, guessed):
    assert bool(prices_cli.GUESSED_DATE.search(notes)) == guessed
