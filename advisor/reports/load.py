"""Reading reports back: parse the TOML, check every key against the field table in ``fields``, and rebuild
the Recommendation.

Loading fails with one line naming the file and the key
(``report.toml: candidates[3].monthly_cost_usd: must be a non-negative amount, got '-5'``). A report from
an unknown schema version is refused, never guessed at; older versions are upgraded (``_UPGRADES``).
"""

from __future__ import annotations

import datetime
import math
import os
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable, Iterable

from advisor import __version__
from advisor.common.text import nearest
from advisor.domain.recommendation import Recommendation
from advisor.domain.workload import Workload
from advisor.errors import InputError, UnknownIdError
from advisor.common import tomlio
from advisor.reports import fields as F
from advisor.reports.model import LoadedReport, ReportError

MAX_REPORT_USD = Decimal("1e18")
"""No amount a ranking writes comes near it: 1,024 GPUs at the catalog's largest price per GPU-hour (``MAX_MONEY``,
100,000 USD) for a month, over one two-token request a month, is about 4e16 USD per million tokens. Above it a
figure is an edit or an attack (``1e308`` renders a 400-character column, ``1e999999999`` a dash)."""
FUTURE_SLACK = datetime.timedelta(days=2)
"""A report's ``created_at`` may be this far ahead of the reader's clock (time zones, skewed clocks), no further."""

_UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}
"""schema version N -> a function turning a version-N report into version N+1 (none yet: 1 is the first)."""


def _show(v: Any) -> str:
    if isinstance(v, dict):
        return "a table"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, str):
        return repr(v) if len(v) <= 40 else repr(v[:37] + "...")
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (datetime.date, datetime.time)):
        return v.isoformat()
    return repr(v)


def _path(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


class _Reader:
    """Typed access to a parsed report; every failure names the file and the key path."""

    def __init__(self, label: str):
        self.label = label

    def fail(self, key: str, message: str) -> ReportError:
        return ReportError(self.label, message, key)

    # ------------------------------------------------------------------ one value

    def table(self, parent: dict, key: str, where: str, required: bool = True) -> dict | None:
        path = _path(where, key)
        if key not in parent:
            if required:
                raise self.fail(path, "missing table")
            return None
        v = parent[key]
        if not isinstance(v, dict):
            raise self.fail(path, f"must be a table, got {_show(v)}")
        return v

    def tables(self, parent: dict, key: str, where: str = "") -> list[dict]:
        path = _path(where, key)
        v = parent.get(key, [])
        if not isinstance(v, list):
            raise self.fail(path, f"must be an array of tables, got {_show(v)}")
        for i, item in enumerate(v):
            if not isinstance(item, dict):
                raise self.fail(f"{path}[{i}]", f"must be a table, got {_show(item)}")
        return v

    def known(self, t: dict, where: str, keys: Iterable[str]) -> None:
        allowed = set(keys)
        for k in t:
            if k not in allowed:
                close = nearest(k, sorted(allowed))
                hint = f" (did you mean {close}?)" if close else ""
                raise self.fail(_path(where, k), f"unknown key{hint}")

    def _get(self, t: dict, key: str, where: str, required: bool):
        path = _path(where, key)
        if key not in t:
            if required:
                raise self.fail(path, "missing")
            return path, None
        return path, t[key]

    def text(self, t: dict, key: str, where: str, required: bool = True, default: str | None = None) -> str | None:
        path, v = self._get(t, key, where, required)
        if v is None:
            return default
        if not isinstance(v, str):
            raise self.fail(path, f"must be text, got {_show(v)}")
        return v

    def choice(self, t: dict, key: str, where: str, options: tuple[str, ...]) -> str:
        v = self.text(t, key, where)
        if v not in options:
            raise self.fail(_path(where, key), f"must be one of {', '.join(options)}, got {v!r}")
        return v

    def whole(self, t: dict, key: str, where: str, required: bool = True, minimum: int | None = 0) -> int | None:
        path, v = self._get(t, key, where, required)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.fail(path, f"must be a whole number, got {_show(v)}")
        if minimum is not None and v < minimum:
            raise self.fail(path, f"must be at least {minimum}, got {v}")
        return v

    def number(self, t: dict, key: str, where: str, required: bool = True, nonneg: bool = True) -> float | None:
        path, v = self._get(t, key, where, required)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise self.fail(path, f"must be a number, got {_show(v)}")
        if math.isnan(v) or (nonneg and v < 0):
            raise self.fail(path, f"must be a non-negative number, got {_show(v)}")
        return v  # as written (an int stays an int, so re-exporting gives the same text)

    def flag(self, t: dict, key: str, where: str, required: bool = True, default: bool = False) -> bool:
        path, v = self._get(t, key, where, required)
        if v is None:
            return default
        if not isinstance(v, bool):
            raise self.fail(path, f"must be true or false, got {_show(v)}")
        return v

    def money(self, t: dict, key: str, where: str, required: bool = True) -> Decimal | None:
        path, v = self._get(t, key, where, required)
        if v is None:
            return None
        bad = self.fail(path, f"must be a non-negative amount, got {_show(v)}")
        if isinstance(v, bool) or not isinstance(v, (str, int, float)):
            raise bad
        try:
            d = Decimal(v.strip().replace("_", "")) if isinstance(v, str) else Decimal(str(v))
        except InvalidOperation:
            raise bad from None
        if not d.is_finite() or d < 0:
            raise bad
        if d > MAX_REPORT_USD:
            raise self.fail(path, f"out of range: {_show(v)} is above {MAX_REPORT_USD:.0e} USD")
        return d

    def strings(self, t: dict, key: str, where: str) -> tuple[str, ...]:
        path, v = self._get(t, key, where, False)
        if v is None:
            return ()
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise self.fail(path, f"must be a list of text, got {_show(v)}")
        return tuple(v)

    def moment(self, t: dict, key: str, where: str) -> datetime.datetime:
        path, v = _path(where, key), t.get(key)
        if isinstance(v, str):
            try:
                v = datetime.datetime.fromisoformat(v.replace("Z", "+00:00"))
            except ValueError:
                pass
        if isinstance(v, datetime.datetime):
            now = datetime.datetime.now(v.tzinfo) if v.tzinfo else datetime.datetime.now()
            if v > now + FUTURE_SLACK:
                raise self.fail(path, f"is in the future: {v.isoformat()}")
            return v
        if v is None:
            raise self.fail(path, "missing")
        raise self.fail(path, f"must be a date and time such as 2026-01-31T12:00:00Z, got {_show(v)}")

    def text_table(self, t: dict, key: str, where: str) -> dict[str, str]:
        versions = self.table(t, key, where, required=False) or {}
        for k, v in versions.items():
            if not isinstance(v, str):
                raise self.fail(f"{_path(where, key)}.{k}", f"must be text, got {_show(v)}")
        return dict(versions)

    # ------------------------------------------------------------------ the field table, read

    def field(self, f: F.Field, t: dict, where: str) -> Any:
        """The value of ``f`` in table ``t`` (at ``where``), checked. A nested section comes back rebuilt as its
        dataclass, or as a dict of values when it has none (a flattened table: the parent's attributes)."""
        kind = f.kind
        if kind == F.MONEY:
            v = self.money(t, f.key, where, f.required)
        elif kind == F.INT:
            v = self.whole(t, f.key, where, f.required, f.minimum)
        elif kind == F.FLOAT:
            v = self.number(t, f.key, where, f.required, nonneg=not f.signed)
        elif kind == F.TEXT:
            v = self.choice(t, f.key, where, f.options) if f.options else self.text(t, f.key, where, f.required)
        elif kind == F.FLAG:
            v = self.flag(t, f.key, where, f.required)
        elif kind == F.DATETIME:
            v = self.moment(t, f.key, where)
        elif kind == F.STRINGS:
            v = self.strings(t, f.key, where)
        elif kind == F.PLAIN:
            v = dict(self.table(t, f.key, where, required=False) or {})
        elif kind == F.TEXT_TABLE:
            v = self.text_table(t, f.key, where)
        elif kind == F.TABLE:
            sub = self.table(t, f.key, where, required=f.required)
            if sub is None and not f.flatten:
                v = None
            else:
                v = self.values(f.section, sub or {}, _path(where, f.key))
                if f.section.cls is not None:
                    v = f.section.cls(**v)
        elif kind == F.TABLES:
            path = _path(where, f.key)
            items = self.tables(t, f.key, where)
            if f.empty_error and not items:
                raise self.fail(path, f"missing: {f.empty_error}")
            v = tuple(self.build(f.section, raw, f"{path}[{i}]", i) for i, raw in enumerate(items))
        elif kind == F.ANY:
            v = t.get(f.key)
        else:  # pragma: no cover - a kind the table uses but the reader does not know
            raise AssertionError(f"no reader for field kind {kind!r}")
        return f.default if v is None else v

    def values(self, section: F.Section, raw: dict, where: str, index: int = 0) -> dict[str, Any]:
        """``section``'s values in ``raw``, checked, by dataclass attribute (derived fields left out)."""
        self.known(raw, where, section.keys)
        out: dict[str, Any] = {}
        for f in section.fields:
            if f.variant is not None and out.get(section.variant_key) != f.variant:
                continue
            v = self.field(f, raw, where)
            if f.derived:
                continue
            if f.flatten:
                out.update(v)
            else:
                out[f.attr] = v
        self._check(section, out, where, index)
        return out

    def build(self, section: F.Section, raw: dict, where: str, index: int) -> Any:
        """One entry of an array of tables, rebuilt as ``section.cls``."""
        return section.cls(**self.values(section, raw, where, index))

    def _check(self, section: F.Section, values: dict[str, Any], where: str, index: int) -> None:
        """What the field table cannot say: candidates are listed best first, and a price's unit fits its kind."""
        if section is F.CANDIDATE and values["rank"] != index + 1:
            raise self.fail(f"{where}.rank", f"expected {index + 1} (candidates are listed best first), got {values['rank']}")
        if section is F.PRICE:
            kind, unit = values["kind"], values["unit"]
            expected = F.PRICE_UNITS[kind]
            if unit != expected:
                raise self.fail(f"{where}.unit", f"must be {expected!r} for a {kind} price, got {unit!r}")


def _workload(r: _Reader, data: dict) -> Workload:
    from advisor.domain.workload import from_mapping

    raw = r.table(data, "workload", "")
    where = f"{r.label}: workload"
    try:
        return from_mapping(raw, where)
    except InputError as exc:
        message = str(exc)
        prefix = f"{where}: {exc.field}: "
        raise r.fail(f"workload.{exc.field}", message[len(prefix):] if message.startswith(prefix) else message) from None
    except UnknownIdError as exc:
        key = "precisions" if exc.kind == "precision" else f"{exc.kind}"
        raise r.fail(f"workload.{key}", str(exc).removeprefix(f"{where}: {key}: ")) from None


def _check_schema(r: _Reader, data: dict) -> int:
    meta = r.table(data, "report", "", required=False)
    if meta is None:
        looks_like_workload = ("workload" in data and len(data) == 1) or "requests_per_day" in data
        hint = " (this looks like a workload file: use --workload)" if looks_like_workload else ""
        raise r.fail("report", f"missing table: not a moe-advisor report{hint}")
    fmt = meta.get("format")
    if fmt != F.FORMAT:
        raise r.fail("report.format", f"must be {F.FORMAT!r}, got {_show(fmt) if fmt is not None else 'nothing'}: not a moe-advisor report")
    version = meta.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise r.fail("report.schema_version", f"must be a whole number, got {_show(version) if version is not None else 'nothing'}")
    if version > F.SCHEMA_VERSION:
        raise r.fail("report.schema_version", f"version {version} is newer than this moe-advisor reads ({F.SCHEMA_VERSION}); "
                     f"upgrade moe-advisor (this is {__version__}) to read it")
    if version < 1 or (version < F.SCHEMA_VERSION and version not in _UPGRADES):
        raise r.fail("report.schema_version", f"unknown schema version {version} (this moe-advisor reads {F.SCHEMA_VERSION})")
    return version


_ARRAYS = (F.PRICE, F.CANDIDATE, F.REJECTION)
"""The arrays of tables, in file order; ``[totals]`` counts each."""


def loads_report(text: str, label: str = "report") -> LoadedReport:
    """Parse and validate report text (``label`` names it in errors)."""
    r = _Reader(label)
    try:
        data = tomlio.loads(text, label)
    except tomlio.TomlFileError as exc:
        reason = exc.reason.replace("malformed TOML:", "malformed TOML, the file may be truncated or mis-edited:")
        raise ReportError(label, reason) from None
    file_version = version = _check_schema(r, data)
    while version < F.SCHEMA_VERSION:  # pragma: no cover - no older schema exists yet
        data = _UPGRADES[version](data)
        version += 1
    r.known(data, "", F.TOP.keys)
    meta = r.field(F.TOP.field("report"), data, "")

    totals = r.table(data, "totals", "", required=False)
    if totals is None:
        raise r.fail("totals", "missing table: the report is incomplete (truncated?)")
    r.known(totals, "totals", F.TOTALS.keys)
    arrays = {s.name: r.tables(data, s.name) for s in _ARRAYS}
    for name, items in arrays.items():
        expected = r.field(F.TOTALS.field(name), totals, "totals")
        if expected != len(items):
            raise r.fail(name, f"the report says {expected} but the file holds {len(items)}: it is incomplete or was edited")

    workload = _workload(r, data)
    assumptions = r.field(F.TOP.field("assumptions"), data, "")
    versions = r.field(F.TOP.field("catalog_versions"), data, "")
    prices, candidates, rejected = (tuple(r.build(s, raw, f"{s.name}[{i}]", i) for i, raw in enumerate(arrays[s.name]))
                                    for s in _ARRAYS)
    rec = Recommendation(workload=workload, candidates=candidates, rejected=rejected, assumptions=assumptions,
                         evaluated=meta["configurations_evaluated"], catalog_versions=dict(versions), notes=meta["notes"])
    return LoadedReport(path=label, schema_version=file_version, tool_version=meta["tool_version"],
                        created_at=meta["created_at"], workload=workload, recommendation=rec, prices=prices,
                        catalog_versions=dict(versions))


REPORT_MAX_BYTES = 16 * 2**20
"""The largest report read (``MOE_ADVISOR_MAX_FILE_BYTES`` overrides): the writer's caps (``export.MAX_CANDIDATES``
of ~8 kB plus ``MAX_REJECTED`` of ~0.7 kB) come to ~9 MB, and it writes fewer candidates rather than more than this.
Reading an 11 MB report took 3.8 s and 80 MB of memory."""


def report_max_bytes() -> int:
    return tomlio.max_bytes(REPORT_MAX_BYTES)


def load_report(path: str | os.PathLike) -> LoadedReport:
    """Read and validate a TOML report; ReportError (one line, naming the file and key) when it is bad."""
    p = Path(path).expanduser()
    label = str(path)
    try:
        text = tomlio.read_text(p, label, report_max_bytes())
    except tomlio.TomlFileError as exc:
        reason = exc.reason.replace("is a directory, not a file", "is a directory, not a report file")
        raise ReportError(label, reason) from None
    return loads_report(text, label)
