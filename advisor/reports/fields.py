"""The report schema, written once: every section's keys in file order, where each value comes from on its
dataclass, and what kind of value it is.

The writer (``export``) walks these tables to build the TOML data, the reader (``load``) walks the same tables
to check every key and rebuild the dataclasses, and ``diff`` takes the names of the fields it compares from
them. Adding a key to the report means adding one ``Field`` here.

Kinds:

========== ======================================================= ==========================================
kind       written as                                              read back with
========== ======================================================= ==========================================
money      a string (``"576.70"``), so it stays exact              a non-negative Decimal (string or number)
int        a whole number                                          a whole number (at least ``minimum``)
float      a number                                                a number (non-negative unless ``signed``)
text       a string                                                a string (one of ``options`` when given)
flag       true / false                                            true / false
datetime   a TOML date-time                                        a date-time (or its ISO text)
strings    a list of strings                                       a list of strings
plain      free-form data through ``plain()`` (reason numbers)     any table
text-table a table of strings (catalog file -> version)            a table whose values are strings
table      the nested ``section`` (one table)                      the nested section
tables     the nested ``section`` (an array of tables)             the nested section, for each entry
workload   every Workload field                                    ``advisor.domain.workload.from_mapping``
any        as it is                                                not checked
========== ======================================================= ==========================================

A value that is None is never written; ``omit_empty`` also leaves out empty ones. A ``derived`` field (a
property such as ``label``) is written for people reading the file and is recomputed, not read back.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from advisor.domain.recommendation import Candidate, MemoryBreakdown, Reason, Rejection, UtilizationPoint
from advisor.reports.model import ReportPrice

SCHEMA_VERSION = 1
"""The report layout this package writes and reads."""
FORMAT = "moe-advisor recommendation report"
"""``report.format``: tells a report from any other TOML file (a workload, a catalog)."""

MONEY, INT, FLOAT, TEXT, FLAG, DATETIME = "money", "int", "float", "text", "flag", "datetime"
STRINGS, PLAIN, TEXT_TABLE, TABLE, TABLES, WORKLOAD, ANY = "strings", "plain", "text-table", "table", "tables", "workload", "any"


@dataclass(frozen=True)
class Field:
    """One key of a report section."""

    key: str
    """The TOML key."""
    kind: str = TEXT
    attr: str = ""
    """Attribute of the section's dataclass (or key of its values) the value comes from; default: ``key``."""
    required: bool = True
    """Reading: the key must be there (for ``tables``: nothing is required, see ``empty_error``)."""
    default: Any = None
    """Reading: the value when the key is absent."""
    omit_empty: bool = False
    """Writing: leave the key out when its value is empty ("", [], {}), not only when it is None."""
    derived: bool = False
    """Written for the reader (``label``, ``free_bytes``, ``best``); recomputed, not passed back on load."""
    minimum: int | None = 0
    """``int``: smallest value allowed (None: any)."""
    signed: bool = False
    """``float``: may be negative."""
    options: tuple[str, ...] = ()
    """``text``: the only values allowed."""
    section: Section | None = None
    """``table`` / ``tables``: the nested section."""
    flatten: bool = False
    """``table``: the nested keys are attributes of this section's own dataclass (``[candidates.cost]``)."""
    variant: str | None = None
    """Read only when the section's ``variant_key`` has this value (a GPU price has no per-token amounts)."""
    empty_error: str = ""
    """``tables``: an empty list is an error, and this says why."""
    title: str | None = None
    """How ``report diff`` names a change to this field (None: diff does not compare it on its own)."""

    def __post_init__(self) -> None:
        if not self.attr:
            object.__setattr__(self, "attr", self.key)


@dataclass(frozen=True)
class Section:
    """A TOML table (or each entry of an array of tables) and the dataclass it becomes."""

    name: str
    fields: tuple[Field, ...]
    cls: type | None = None
    """The dataclass built from it on load (None: the loader takes the values as they are)."""
    variant_key: str | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields)

    def field(self, key: str) -> Field:
        return next(f for f in self.fields if f.key == key)


# --------------------------------------------------------------------------- sections

REASON = Section("reasons", (
    Field("code"),
    Field("severity", required=False, default="info"),
    Field("message"),
    Field("numbers", PLAIN, omit_empty=True),
), cls=Reason)

UTILIZATION_POINT = Section("usd_per_mtok_at_utilization", (
    Field("utilization", FLOAT),
    Field("usd_per_mtok", MONEY),
), cls=UtilizationPoint)

COST = Section("cost", (
    Field("usd_per_gpu_hour", MONEY, required=False),
    Field("hourly_usd", MONEY, required=False),
    Field("price_source", required=False, default=""),
    Field("price_as_of", required=False, default=""),
    Field("api_input_usd_per_mtok", MONEY, required=False),
    Field("api_output_usd_per_mtok", MONEY, required=False),
    Field("api_cached_input_usd_per_mtok", MONEY, required=False),
    Field("single_stream_usd_per_mtok", MONEY, required=False),
    Field("fine_tuning_monthly_usd", MONEY, required=False, title="fine-tuning $/month"),
    Field("total_monthly_usd", MONEY, required=False, title="total $/month"),
    Field("break_even_tokens_per_day", FLOAT, required=False),
    Field("break_even_vs", required=False),
    Field("usd_per_mtok_at_utilization", TABLES, attr="utilization_table", section=UTILIZATION_POINT, omit_empty=True),
))
"""``[candidates.cost]``: attributes of the Candidate itself."""

MEMORY = Section("memory", (
    Field("capacity_bytes", INT),
    Field("weights_bytes", INT),
    Field("kv_cache_bytes", INT),
    Field("reserve_bytes", INT),
    Field("free_bytes", INT, required=False, minimum=None, derived=True),
    Field("kv_capacity_bytes", INT),
    Field("concurrency", FLOAT),
    Field("kv_context_tokens", INT, required=False, default=0),
), cls=MemoryBreakdown)

BILLING = Section("billing", (
    Field("scaling", required=False, title="scaling"),
    Field("pricing_kind", required=False, title="price kind"),
    Field("billed_gpu_hours_per_month", FLOAT, required=False, title="billed GPU-hours/month"),
    Field("replicas_peak", INT, required=False),
    Field("replicas_min", INT, required=False),
    Field("instance_gpus", INT, required=False),
    Field("engines_per_replica", INT, required=False),
    Field("engine", required=False, title="engine"),
    Field("layout", required=False, title="layout"),
))
"""``[candidates.billing]``: what is billed and how it runs (attributes of the Candidate itself)."""

PERFORMANCE = Section("performance", (
    Field("output_tokens_per_s_per_replica", FLOAT, required=False),
    Field("batch", INT, required=False),
    Field("ttft_ms", FLOAT, required=False),
    Field("tpot_ms", FLOAT, required=False),
    Field("bound", required=False),
))
"""``[candidates.performance]``: attributes of the Candidate itself."""

CANDIDATE = Section("candidates", (
    Field("rank", INT, minimum=1),
    Field("label", ANY, derived=True),
    Field("model"),
    Field("model_name"),
    Field("architecture"),
    Field("deployment"),
    Field("provider", title="provider"),
    Field("gpu", required=False),
    Field("gpus", INT, title="GPUs per replica"),
    Field("replicas", INT, title="replicas"),
    Field("precision", required=False),
    Field("kv_precision", required=False),
    Field("parallelism", required=False),
    Field("quality", FLOAT, required=False, signed=True),
    Field("quality_benchmark", required=False),
    Field("other_quality", required=False),
    Field("mode", required=False, title="mode"),
    Field("output_multiplier", FLOAT, required=False, title="output tokens per answer token"),
    Field("quality_delta", FLOAT, required=False, signed=True, title="quality change from the precision"),
    Field("quality_delta_source", required=False, title="source of the quality change"),
    Field("pareto", FLAG),
    Field("monthly_cost_usd", MONEY),
    Field("usd_per_mtok", MONEY),
    Field("utilization", FLOAT, required=False),
    Field("cost", TABLE, required=False, section=COST, flatten=True),
    Field("billing", TABLE, required=False, section=BILLING, flatten=True, omit_empty=True),
    Field("memory", TABLE, required=False, section=MEMORY),
    Field("performance", TABLE, required=False, section=PERFORMANCE, flatten=True, omit_empty=True),
    Field("reasons", TABLES, section=REASON, omit_empty=True),
), cls=Candidate)

REJECTION = Section("rejected", (
    Field("label", ANY, derived=True),
    Field("model"),
    Field("deployment"),
    Field("provider", required=False),
    Field("gpu", required=False),
    Field("gpus", INT, required=False, default=0),
    Field("precision", required=False),
    Field("shortfall_bytes", INT, required=False, default=0),
    Field("reasons", TABLES, section=REASON, empty_error="a rejection needs at least one reason"),
), cls=Rejection)

PRICE_UNITS = {"gpu": "usd_per_gpu_hour", "api": "usd_per_mtok"}
"""A price's ``unit`` for each ``kind``."""

PRICE = Section("prices", (
    Field("kind", options=tuple(PRICE_UNITS)),
    Field("provider"),
    Field("item"),
    Field("unit"),
    Field("usd_per_gpu_hour", MONEY, variant="gpu", title=""),
    Field("input_usd_per_mtok", MONEY, variant="api", title="input"),
    Field("output_usd_per_mtok", MONEY, variant="api", title="output"),
    Field("cached_input_usd_per_mtok", MONEY, variant="api", required=False, title="cached input"),
    Field("source", required=False, default=""),
    Field("as_of", required=False, default=""),
    Field("note", required=False, default="", omit_empty=True),
), cls=ReportPrice, variant_key="kind")

REPORT = Section("report", (
    Field("format", ANY),  # format and schema_version are checked first, before anything else is read
    Field("schema_version", ANY),
    Field("tool", ANY, derived=True),
    Field("tool_version"),
    Field("created_at", DATETIME),
    Field("configurations_evaluated", INT, required=False, default=0),
    Field("best", ANY, derived=True),
    Field("notes", STRINGS),
))

TOTALS = Section("totals", tuple(Field(name, INT) for name in ("prices", "candidates", "rejected")))
"""How many entries each array holds; last in the file, so a truncated file is detected."""

TOP = Section("", (
    Field("report", TABLE, section=REPORT),
    Field("workload", WORKLOAD),
    Field("assumptions", PLAIN),
    Field("catalog_versions", TEXT_TABLE),
    Field("prices", TABLES, section=PRICE, omit_empty=True),
    Field("candidates", TABLES, section=CANDIDATE, omit_empty=True),
    Field("rejected", TABLES, section=REJECTION, omit_empty=True),
    Field("totals", TABLE, section=TOTALS),
))
"""The whole file, in reading order."""


# --------------------------------------------------------------------------- free-form values


def plain(value: Any) -> Any:
    """A free-form value (assumptions, reason numbers) as TOML-writable data: Decimal -> string, None dropped
    from tables, anything unknown -> its text. Never raises."""
    if isinstance(value, bool) or isinstance(value, (int, float, str)):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [plain(v) for v in items if v is not None]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    return str(value)
