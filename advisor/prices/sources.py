"""Price sources for plugin authors: a fixed list of rows, or one of the bundled price files.

A price source is any object with ``name``, ``kind`` (``gpu`` or ``api``) and ``snapshot()``; one that
can refresh itself also has a ``live`` fetcher (``advisor.prices.fetchers``). Rows are validated by the
catalog rules wherever they come from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from advisor.catalog.load import read_price_file


class StaticPriceSource:
    """A price source over a fixed list of ``GpuPrice``/``ApiPrice`` objects or dicts."""

    def __init__(self, name: str, kind: str, prices: Iterable[Any], live: Any = None):
        self.name, self.kind, self._prices = name, kind, list(prices)
        if live is not None:
            self.live = live

    def snapshot(self) -> list[Any]:
        return list(self._prices)


class TomlPriceSource:
    """A price source whose snapshot is a ``prices/gpu_*.toml`` / ``api_*.toml`` file, read through
    the catalog validator (a bad row is reported as malformed data of this source)."""

    def __init__(self, name: str, path: Path, kind: str | None = None, live: Any = None):
        self.name, self.path = name, Path(path)
        self.kind = kind or ("api" if self.path.name.startswith("api_") else "gpu")
        self._rows: list[Any] | None = None
        if live is not None:
            self.live = live

    def snapshot(self) -> list[Any]:
        if self._rows is None:
            rows, problems = read_price_file(self.path, f"{self.path.parent.name}/{self.path.name}")
            if problems:
                raise ValueError("; ".join(str(p) for p in problems))
            self._rows = rows
        return list(self._rows)


def bundled_price_source(name: str, file_name: str, live: Any = None) -> TomlPriceSource:
    """A source over one of the bundled ``catalogs/prices/`` files."""
    from advisor.common import paths

    return TomlPriceSource(name, paths.bundled_catalog_dir() / "prices" / file_name, live=live)
