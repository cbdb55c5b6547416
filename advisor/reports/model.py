"""What a report is made of once read: the errors reports raise, the prices a recommendation used and a
loaded, validated report. Plain frozen dataclasses; no reading or writing here."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from advisor.domain.recommendation import Recommendation
from advisor.domain.workload import Workload
from advisor.errors import AdvisorError


class ReportError(AdvisorError):
    """A report cannot be written or read; one line naming the file (and the key, when one is at fault)."""

    def __init__(self, file: str, message: str, key: str | None = None):
        self.file = file
        self.key = key
        self.message = message
        super().__init__(f"{file}: {key}: {message}" if key else f"{file}: {message}")


class ReportExistsError(ReportError):
    """The target file exists and ``force`` was not given (the TUI asks for confirmation on this)."""

    def __init__(self, path: Path):
        self.path = path
        super().__init__(str(path), "already exists; pass --force to overwrite it")


@dataclass(frozen=True)
class ReportPrice:
    """One price a recommendation used."""

    kind: str
    """``gpu`` (rented GPU-hours) or ``api`` (per-token)."""
    provider: str
    item: str
    """GPU id (kind ``gpu``) or model id (kind ``api``)."""
    unit: str
    """``usd_per_gpu_hour`` or ``usd_per_mtok``."""
    usd_per_gpu_hour: Decimal | None = None
    input_usd_per_mtok: Decimal | None = None
    output_usd_per_mtok: Decimal | None = None
    cached_input_usd_per_mtok: Decimal | None = None
    source: str = ""
    as_of: str = ""
    note: str = ""
    """Set by earlier versions when the amount had to be worked out from a candidate's hourly cost (and
    may be rounded); kept when such a report is read."""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.provider, self.item)

    @property
    def amounts(self) -> dict[str, Decimal]:
        """The price's amounts by field name (``usd_per_gpu_hour`` or ``input_/output_usd_per_mtok``)."""
        names = ("usd_per_gpu_hour", "input_usd_per_mtok", "output_usd_per_mtok", "cached_input_usd_per_mtok")
        return {n: getattr(self, n) for n in names if getattr(self, n) is not None}

    @property
    def label(self) -> str:
        return f"{self.provider} {self.item}"


@dataclass(frozen=True)
class LoadedReport:
    """A report read back from TOML, validated."""

    path: str
    schema_version: int
    """Schema version the file was written in (older ones are upgraded on load)."""
    tool_version: str
    """moe-advisor version that wrote it."""
    created_at: datetime.datetime
    workload: Workload
    recommendation: Recommendation
    """Rebuilt from the file, so ``advisor.cli.render.render()`` prints it like ``recommend`` does."""
    prices: tuple[ReportPrice, ...]
    catalog_versions: dict[str, str] = field(default_factory=dict)
