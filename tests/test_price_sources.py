"""Every bundled price row (API and GPU) names where its figure comes from: a public URL or a public GitHub
repository ("github owner/repo path"), never a local path or an id of a search tool's index. The same holds for
the rows the genai-prices plugin makes from its bundled snapshot, and for the other ``*_source`` fields of a row."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from advisor.catalog.load import read_price_file
from advisor.plugins import genai_prices as gp

ROOT = Path(__file__).resolve().parent.parent
PRICES = ROOT / "catalogs" / "prices"
FILES = sorted(PRICES.glob("*.toml"))

NOT_A_SOURCE = re.compile(
    r"find_string"                       # the id of a code-search hit, not a page
    r"|\bids? \d{6,}|\(id \d{6,}"         # "id 71251752808", "ids 1234567, ..."
    r"|(?:^|[\s(])(?:/[\w.-]+){2,}\.(?:csv|json|toml|txt|md|py)\b"  # a file on a disk (an API route like /v1/batches is fine)
    r"|(?:^|[\s(])\.\.?/"                # a relative path
    r"|\bfile:",                          # a file URL
    re.IGNORECASE)
"""A local path or an internal id: never the original page."""

REFERENCE = re.compile(r"https?://[^\s)'\"]+|\bgithub(?:\.com/| )[\w.-]+/[\w.-]+")
"""A public page (URL) or a public repository ("github owner/repo ...", "github.com/owner/repo")."""


def problem(source: str) -> str:
    """Why ``source`` does not name the original public page ("" when it does)."""
    bad = NOT_A_SOURCE.search(source or "")
    if bad:
        return f"names a local path or an internal id ({bad.group(0)!r})"
    if not REFERENCE.search(source or ""):
        return "names no URL and no 'github owner/repo'"
    return ""


@pytest.mark.parametrize("source", [
    "public GitHub code tables (find_string ids 52604058830, 71251752808)",
    "public GitHub code table (id 62492825733)",
    "public GitHub code table",
    "/srv/data/reference/api_prices.csv",
    "../data/reference/api_prices.csv (https://example.com)",
    "file:///var/prices.json",
    "notes (./data/seeds/002_24d4c1e173c1d514.txt)",
    "Together pricing page (read 2026-11-22)",
    "",
])
def test_the_rule_refuses_local_paths_internal_ids_and_unnamed_pages(source):
    assert problem(source)


@pytest.mark.parametrize("source", [
    "https://docs.fireworks.ai/serverless/pricing",
    "github durableprogramming/durable-llm-registry catalog/together/models.jsonl @04d2e798 (2026-08-21)",
    "Groq notice quoted in github.com/karthink/gptel/issues/1478",
])
def test_the_rule_accepts_urls_and_public_repositories(source):
    assert problem(source) == ""


def test_every_bundled_price_row_names_its_original_source():
    assert len(FILES) >= 7
    bad = []
    for path in FILES:
        rows, problems = read_price_file(path, path.name)
        assert not problems and rows, (path.name, problems)
        for p in rows:
            why = problem(p.source)
            if why:
                bad.append(f"{path.name} {p.model}: source {why}: {p.source!r}")
            for field in ("batch_source", "rate_limits_source", "speed_source", "fine_tuned_source"):
                text = getattr(p, field, "") or ""
                hit = NOT_A_SOURCE.search(text)
                if hit:
                    bad.append(f"{path.name} {p.model}: {field} names {hit.group(0)!r}")
    assert not bad, "\n".join(bad)


def test_rows_made_from_the_genai_prices_snapshot_name_the_providers_page_and_the_library():
    rows = gp.GenaiPricesSource().snapshot()
    assert rows
    for p in rows:
        assert problem(p.source) == "", (p.provider, p.model, p.source)
        assert gp.REPO_URL in p.source
