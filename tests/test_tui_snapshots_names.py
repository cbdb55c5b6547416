"""Snapshots of the ranking with models ranked once per answering mode (user trial 18): at 120 x 40 the ids showed
as ``…flash no-think`` and ``…b-a3b no-think`` (cut at the front), at 60 x 20 no row showed. Canned services, as
``test_tui_snapshots``; regenerate with ``--snapshot-update`` and read the SVGs."""

from __future__ import annotations

import dataclasses

import pytest

pytest.importorskip("pytest_textual_snapshot")

from test_tui_snapshots import CANDIDATES, REJECTED, WORKLOAD, CannedServices, settled  # noqa: E402

from advisor.domain.recommendation import Recommendation  # noqa: E402
from advisor.domain.workload import Workload  # noqa: E402
from advisor.tui.app import AdvisorApp  # noqa: E402

_API, _SELF = CANDIDATES[1], CANDIDATES[2]
MODE_ROWS = tuple(dataclasses.replace(c, rank=i + 1) for i, c in enumerate((
    dataclasses.replace(_API, model="deepseek-v4-flash", mode="non-reasoning", output_multiplier=1.0),
    dataclasses.replace(_API, model="deepseek-v4-pro", mode="non-reasoning", output_multiplier=1.0, provider="together"),
    dataclasses.replace(_API, model="qwen3-30b-a3b", mode="non-reasoning", output_multiplier=1.0),
    dataclasses.replace(_API, model="qwen3-235b-a22b", mode="reasoning", output_multiplier=4.2, provider="fireworks"),
    dataclasses.replace(_SELF, model="deepseek-v4-flash", mode="non-reasoning", output_multiplier=1.0, gpus=2,
                        precision="mxfp4-experts", provider="runpod"),
    dataclasses.replace(_SELF, model="deepseek-v3", gpus=8, precision="fp8", provider="runpod"),
    *CANDIDATES,
)))


class ModeServices(CannedServices):
    def recommend(self, w: Workload) -> Recommendation:
        return Recommendation(workload=w, candidates=MODE_ROWS, rejected=REJECTED, assumptions={}, evaluated=42)


def mode_app() -> AdvisorApp:
    return AdvisorApp(services=ModeServices(), workload=WORKLOAD, cursor_blink=False)


@pytest.mark.parametrize("size", [(120, 40), (80, 24), (60, 20)])
def test_main_screen_with_mode_rows(snap_compare, size):
    assert snap_compare(mode_app(), terminal_size=size, run_before=settled)
