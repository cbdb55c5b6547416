"""Recommendation reports as versioned TOML: export, load (validated), compare.

- ``fields``: the report schema, written once (every section's keys, sources and kinds);
- ``model``: the types (``ReportError``, ``ReportPrice``, ``LoadedReport``);
- ``export``: a Recommendation as TOML, written atomically, secrets redacted;
- ``load``: reading a report back, every key checked;
- ``diff``: what changed between two reports.

Headless: this package imports only ``advisor.domain``, ``advisor.common``, ``advisor.errors`` and
``advisor.__version__`` (``tomli_w`` when writing) — never ``advisor.cli``, ``advisor.tui``, textual or
httpx. Import from here: ``from advisor.reports import write_report, load_report``.
"""

from __future__ import annotations

from advisor.common.redact import redact
from advisor.reports.diff import CandidateChange, FieldChange, PriceChange, RankChange, ReportDiff, diff_reports
from advisor.reports.export import collect_prices, dumps_report, report_to_dict, write_report
from advisor.reports.fields import FORMAT, SCHEMA_VERSION
from advisor.reports.load import load_report, loads_report
from advisor.reports.model import LoadedReport, ReportError, ReportExistsError, ReportPrice

__all__ = [
    "SCHEMA_VERSION", "FORMAT", "ReportError", "ReportExistsError", "ReportPrice", "LoadedReport", "FieldChange",
    "PriceChange", "RankChange", "CandidateChange", "ReportDiff", "report_to_dict", "dumps_report", "write_report",
    "loads_report", "load_report", "diff_reports", "collect_prices", "redact",
]
