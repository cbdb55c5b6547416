"""What a user writes a workload in: a TOML file read as written (``read_workload``), and the fields a file or the
flags set that the workload's latency mode never reads (``unused_fields``: user trial 21b saw ``deadline_hours = 5`` on
an interactive workload and ``ttft_ms = 100`` on a batch one ranked without a word)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from advisor.common import tomlio
from advisor.domain.workload import Workload, from_mapping
from advisor.errors import InputError

UNUSED = {
    "interactive": {"deadline_hours": "an interactive workload is sized on its TTFT and TPOT targets; set latency = "
                                      "\"batch\" for a deadline"},
    "batch": {"ttft_ms": "a batch workload is sized on its deadline (deadline_hours), not on per-request latency",
              "ttft_percentile": "a batch workload is sized on its deadline (deadline_hours), not on per-request latency",
              "output_tokens_per_s_per_user": "a batch workload is sized on its deadline (deadline_hours), not on "
                                              "per-request latency"},
}
"""latency mode -> {field it does not read: why}."""


def unused_fields(data: Mapping, latency: str) -> list[tuple[str, str]]:
    """(field, why) for each field in ``data`` (a file's or the flags') that ``latency`` does not read (``UNUSED``)."""
    return [(key, why) for key, why in UNUSED.get(latency, {}).items() if key in data]


def load_workload(path: str | Path) -> Workload:
    """Read a workload TOML file: fields at the top level or under ``[workload]``."""
    return from_mapping(*read_workload(path))


def read_workload(path: str | Path) -> tuple[dict[str, Any], str]:
    """A workload TOML file's fields, as written (before ``from_mapping``), and its label for errors."""
    label = str(path)
    try:
        data = tomlio.load(Path(path).expanduser(), label)
    except tomlio.TomlFileError as exc:
        raise InputError("workload", exc.reason, label) from None
    if "workload" in data:
        others = sorted(k for k in data if k != "workload")
        if others:
            raise InputError(others[0], "is outside the [workload] table: put every field under [workload] "
                             "(or drop the table and keep them all at the top level)", label)
        data = data["workload"]
    if not isinstance(data, dict) or not data:  # an empty file or table would rank the default workload unseen
        raise InputError("workload", "no fields: give at least requests_per_day (or start from --preset)" if data == {} else
                         "must be a table", label)
    return data, label
