"""The layout search builds the full estimate (step parts, TTFT, warnings) for the layout it keeps only, and the
step model's layout-independent coefficients are shared by every layout and GPU count (``performance._base``).
Neither may change a figure: the searched estimate is the pinned estimate of the layout it chose, a step model
reads the same whatever was cached before it, and a team's stored correction still applies to the layout it
measured."""

from __future__ import annotations

import dataclasses

import pytest

from advisor.measure import store
from advisor.physics import performance
from advisor.physics.layouts import layouts_for
from advisor.physics.performance import _Model, estimate_for

CASES = [  # (model, GPU, GPU counts, precision, TPOT limit ms)
    ("deepseek-r1", "h200", (8, 16), "fp8", None),
    ("deepseek-r1", "b200", (4, 8), "nvfp4", 40.0),
    ("qwen3-235b-a22b", "h100-sxm", (4, 8), "fp8", 25.0),
    ("llama-3.3-70b", "a100-80gb", (2, 4, 8), "bf16", None),
    ("mixtral-8x7b", "h100-sxm", (1, 2, 8), "fp8", 20.0),
]
COMPARED = [f.name for f in dataclasses.fields(performance.Estimate) if f.name != "layouts_tried"]


def _engines(cat):
    return list(cat.engines.values())


@pytest.mark.parametrize("model, gpu, counts, precision, tpot", CASES)
def test_searched_estimate_is_the_pinned_estimate_of_its_layout(cat, model, gpu, counts, precision, tpot):
    m, g = cat.models[model], cat.gpus[gpu]
    checked = 0
    for eng in _engines(cat):
        prof = eng.for_vendor(g.vendor)
        if not prof.serves(precision):
            continue
        for n in counts:
            e = estimate_for(m, g, n, precision, 1500, 300, tpot_limit_ms=tpot, engine=eng)
            pinned = estimate_for(m, g, n, precision, 1500, 300, tpot_limit_ms=tpot, engine=eng, layout=e.layout)
            for name in COMPARED:
                assert getattr(e, name) == getattr(pinned, name), (eng.id, n, name)
            tried = dict(e.layouts_tried) if e.layouts_tried else {e.layout: e.output_tokens_per_s}
            assert tried[e.layout] == e.output_tokens_per_s
            assert len(tried) == len(layouts_for(m, g, n, prof.layouts))
            if e.fits and e.meets_tpot_limit:
                assert e.output_tokens_per_s == max(tried.values())
            checked += 1
    assert checked >= len(counts)


def _attrs(model: _Model) -> dict:
    return {k: v for k, v in vars(model).items() if k != "_full_pass_s"}


def test_step_model_reads_the_same_whatever_was_cached_first(cat):
    """The shared coefficients are keyed on everything they depend on: a step model built after others (other
    counts, precisions, request shapes) equals one built from an empty cache, attribute for attribute."""
    m, g = cat.models["deepseek-r1"], cat.gpus["h200"]
    eng = cat.engines["trtllm"].for_vendor(g.vendor)
    shapes = [(n, prec, kv, inp, out) for n in (8, 16) for prec in ("fp8", "bf16") for kv in ("fp8", "bf16")
              for inp, out in ((1500, 300), (8000, 1000))]
    fresh = {}
    for shape in shapes:
        n, prec, kv, inp, out = shape
        for lay in layouts_for(m, g, n, eng.layouts):
            performance._base.cache_clear()
            fresh[shape + (lay.layout,)] = _attrs(_Model(m, g, prec, kv, eng, lay, inp, out))
    performance._base.cache_clear()
    for shape in reversed(shapes):
        n, prec, kv, inp, out = shape
        for lay in layouts_for(m, g, n, eng.layouts):
            model = _Model(m, g, prec, kv, eng, lay, inp, out)
            assert _attrs(model) == fresh[shape + (lay.layout,)], shape + (lay.layout,)
            assert model.cycle(64) == _Model(m, g, prec, kv, eng, lay, inp, out).cycle(64)
    assert performance._base.cache_info().hits > 0


def test_a_stored_correction_applies_to_the_layout_it_measured_only(cat):
    m, g = cat.models["deepseek-r1"], cat.gpus["h200"]
    eng = cat.engines["vllm"]
    with store.corrections_disabled():
        raw = estimate_for(m, g, 8, "fp8", 1000, 1000, engine=eng)
    assert len(raw.layouts_tried) > 1
    store.save(store.Correction(model="deepseek-r1", gpu="h200", gpus=8, precision="fp8", engine=eng.id, layout=raw.layout,
                                input_tokens=1000, output_tokens=1000, concurrency=64, measured_tokens_per_s=1.0,
                                estimated_tokens_per_s=2.0, ratio=0.5, source="test"))
    try:
        e = estimate_for(m, g, 8, "fp8", 1000, 1000, engine=eng)
    finally:
        store.forget()
    tried = dict(e.layouts_tried)
    before = dict(raw.layouts_tried)
    assert tried[raw.layout] == before[raw.layout] * 0.5
    assert all(tried[k] == v for k, v in before.items() if k != raw.layout)
    if e.layout == raw.layout:  # still the best at half its speed
        assert e.output_tokens_per_s == raw.output_tokens_per_s * 0.5 and e.tpot_ms == raw.tpot_ms / 0.5
        assert e.warnings[-1].startswith("throughput x0.500 from your own measurement")
    else:  # another layout wins now, uncorrected
        assert e.output_tokens_per_s == before[e.layout] and not any("own measurement" in w for w in e.warnings)
