"""The Traffic shape hint says the shape gives Peak-to-mean's default (which that field overrides), so a preset with
a steady shape at 1.5x peak does not contradict a hint that read "steady 1x"."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from advisor.domain.workload import PRESETS, SHAPES  # noqa: E402
from advisor.tui.widgets.workload_form import FIELDS  # noqa: E402


def test_the_shape_hint_gives_defaults_the_peak_field_overrides():
    hints = {f.name: f.hint for f in FIELDS}
    shape, peak = hints["traffic_shape"], hints["peak_to_mean"]
    assert shape.startswith("Default Peak-to-mean:"), shape
    for name, ratio in SHAPES.items():
        assert f"{name} {ratio:g}x" in shape
    assert "overrides the shape's default" in peak, peak
    # a preset whose peak is not its shape's default exists: the hint must not read as that shape's meaning
    assert any(w.peak_to_mean != SHAPES[w.traffic_shape] for w in PRESETS.values())
