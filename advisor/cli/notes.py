"""Warnings that several commands print before their output: user catalog entries left out, a measurements
file the estimate cannot use."""

from __future__ import annotations

import sys


def warn_catalog_problems() -> None:
    from advisor import api

    for problem in api.catalog().problems:
        print(f"moe-advisor: warning: {problem}", file=sys.stderr)


def warn_measurements() -> None:
    """A ``measurements.toml`` the estimate cannot use: the estimate carries on without the team's corrections and
    says why, with the line ``validate --mine`` stops on (``advisor.measure.checks``)."""
    from advisor.errors import AdvisorError
    from advisor.measure import store

    try:
        store.load()
    except AdvisorError as exc:
        print(f"moe-advisor: warning: {exc} (estimating without the stored corrections)", file=sys.stderr)
