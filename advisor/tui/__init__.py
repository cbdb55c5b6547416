"""The interactive advisor (Textual). Nothing outside this package imports Textual."""

from __future__ import annotations


def run(workload=None) -> int:
    """Open the advisor on the bundled catalogs (on ``workload``, else the default preset); returns the exit status."""
    from advisor.tui.app import run as _run

    return _run(workload)
