"""Typed messages that workers post back to the UI thread (never touch widgets from a thread)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from advisor.domain.recommendation import Recommendation
from advisor.tui.services import PluginRow, PriceSource, RefreshRow


@dataclass
class RankingReady(Message):
    """A ranking finished; ``generation`` says which request it answers (older ones are dropped)."""

    generation: int
    recommendation: Recommendation


@dataclass
class RankingFailed(Message):
    """The workload was rejected by a check that needs the catalog (an unknown GPU id, ...)."""

    generation: int
    field: str | None
    message: str


@dataclass
class RefreshProgress(Message):
    """A price source is being refreshed."""

    source: str
    done: int
    total: int


@dataclass
class RefreshFinished(Message):
    """Every source was tried; one row per source, failures included."""

    results: list[RefreshRow]


@dataclass
class PricesLoaded(Message):
    """Price sources and plugins, read off the UI thread."""

    sources: list[PriceSource]
    plugins: list[PluginRow]
