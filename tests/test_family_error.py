"""The estimate says where its own family's published measurements (model x GPU x engine) sit further from it than the
error every speed-risk line quotes (issue 10: "say where the estimate is weak, with its error")."""

from __future__ import annotations

from advisor import api
from advisor.physics import calibration, coverage, family_error
from advisor.physics.performance import estimate_for


def test_the_stored_table_is_a_fresh_validation(cat):
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("family_errors", Path(__file__).resolve().parent.parent / "scripts" / "family_errors.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    measured = script.measured

    fresh = {k: (len(v.results), round(v.median_signed_error, 4), measured(v)) for k, v in calibration.validate(cat).families().items()}
    assert family_error.FAMILIES == fresh, "stale: run python scripts/family_errors.py"
    assert family_error.FAMILIES[("deepseek-r1", "h200", "vllm")][2] == "fp8 on 8 GPUs at 4 concurrent requests"


def _warnings(cat, model, gpu, n, engine):
    e = api.estimate(model, gpu, gpus=n, engine=engine)
    return [x for x in e.warnings if "published measurement" in x], e


def test_a_family_estimated_far_over_its_measurement_says_so_with_both_figures(cat):
    n, m, ran = family_error.FAMILIES[("deepseek-r1", "h200", "vllm")]
    assert m > cat.engine.fit.p90_abs_error  # the case: past the error the speed-risk lines quote
    found, _ = _warnings(cat, "deepseek-r1", "h200", 8, "vllm")
    assert len(found) == 1
    assert f"{1 - 1 / (1 + m):.0%} below the estimate" in found[0] and f"the estimate {m:+.0%}" in found[0]
    assert "optimistic" in found[0] and f"{cat.engine.fit.p90_abs_error:.0%} p90" in found[0]
    assert ("one published measurement" if n == 1 else f"{n} published measurements") in found[0]
    assert f"for its run ({ran}; the estimate {m:+.0%})" in found[0]


def test_no_word_within_the_error_or_without_a_measured_family(cat):
    within = [k for k, (_, m, _) in family_error.FAMILIES.items() if abs(m) <= cat.engine.fit.p90_abs_error]
    assert ("llama-3.3-70b", "h100-sxm", "trtllm") in within
    assert _warnings(cat, "llama-3.3-70b", "h100-sxm", 1, "trtllm")[0] == []
    assert ("qwen3-30b-a3b", "h100-sxm", "trtllm") not in family_error.FAMILIES
    assert _warnings(cat, "qwen3-30b-a3b", "h100-sxm", 1, "trtllm")[0] == []
    assert coverage.known_error_warning("llama-3.3-70b", "h100-sxm", cat.engine) is None


def _engine(eid, p90):
    from types import SimpleNamespace

    return SimpleNamespace(id=eid, fit=SimpleNamespace(p90_abs_error=p90))


def test_an_estimate_low_against_its_family_is_called_conservative(monkeypatch):
    monkeypatch.setitem(family_error.FAMILIES, ("m", "g", "e"), (3, -0.25, "bf16 on 2 GPUs in max-throughput runs"))
    text = coverage.known_error_warning("m", "g", _engine("e", 0.14))
    assert text is not None and "the 3 published measurements of m on g with e ran 33% above the estimate" in text
    assert "(bf16 on 2 GPUs in max-throughput runs; median, the estimate -25%)" in text and "conservative" in text and "optimistic" not in text
    assert coverage.known_error_warning("m", "g", _engine("e", 0.30)) is None  # within a wider error: nothing to add


def test_a_ranked_row_of_that_family_carries_the_warning():
    rec = api.recommend(api.workload(models=["deepseek-r1"], gpu_types=["h200"], engines=["vllm"], requests_per_day=200_000,
                                     input_tokens=1000, output_tokens=300, latency="batch"))
    rows = [c for c in rec.candidates if c.deployment == "self-hosted"]
    assert rows
    for c in rows:
        said = [r for r in c.reasons if r.code == "estimate" and "published measurement of deepseek-r1 on h200 with vllm" in r.message]
        assert len(said) == 1 and said[0].severity == "warning"


def test_a_users_own_measurement_replaces_the_family_word(cat, monkeypatch):
    from advisor.physics import performance

    prof = calibration.profiles_with(cat, None)["vllm"]
    m, g = cat.models["deepseek-r1"], cat.gpus["h200"]
    base = estimate_for(m, g, 8, "fp8", 1024, 256, engine=prof)
    assert any("published measurement" in x for x in base.warnings)
    monkeypatch.setattr(performance, "load_corrections", lambda: {"x": 1})
    monkeypatch.setattr(performance, "correction_for", lambda *a, **k: 0.7)
    mine = estimate_for(m, g, 8, "fp8", 1024, 256, engine=prof)
    assert any("from your own measurement" in x for x in mine.warnings)
    assert not any("published measurement" in x for x in mine.warnings)
