"""Every bundled figure says where it comes from: a public source and a date, never a path on a machine."""

from __future__ import annotations

import re
from pathlib import Path

from advisor.catalog.load import load_catalog, read_price_file

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = ROOT / "catalogs"
LOCAL_PATH = re.compile(r"(?:/w[o]rk/|/tmp/|/home/|/root/|\.\./shared|file://|[A-Z]:\\\\)")


def test_no_catalog_file_names_a_local_path():
    for path in sorted(CATALOGS.rglob("*")):
        if path.is_file() and path.suffix in (".toml", ".csv", ".md"):
            hits = [i + 1 for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()) if LOCAL_PATH.search(line)]
            assert not hits, f"{path.relative_to(ROOT)} names a local path on line(s) {hits}: cite the public page"


def test_every_bundled_price_row_has_a_source_and_a_date():
    for path in sorted((CATALOGS / "prices").glob("*.toml")):
        rows, problems = read_price_file(path, path.name)
        assert not problems, problems
        assert rows, path.name
        for p in rows:
            assert p.source.strip() and re.match(r"\d{4}-\d{2}(-\d{2})?", p.as_of), (path.name, p)


def test_every_bundled_api_row_names_a_catalog_model_and_every_gpu_row_a_catalog_gpu():
    cat = load_catalog(bundled=CATALOGS, user=ROOT / "no-user-catalog")
    assert not [p for p in cat.problems if "unknown model" in str(p) or "unknown gpu" in str(p)], cat.problems
    models = set(cat.models)
    for path in sorted((CATALOGS / "prices").glob("api_*.toml")):
        rows, _ = read_price_file(path, path.name)
        assert {p.model for p in rows} <= models, (path.name, {p.model for p in rows} - models)
